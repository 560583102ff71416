// petrel-admin in attached mode against a real petrel-server process (its admin API over
// HTTP): the client list, subscriptions and log tail arrive, Publish reaches a client,
// Disconnect disconnects it, and a wrong token is reported.
#include "gui_test_util.h"
#include "mainwindow.h"
#include "support/test_client.h"

#include <QAction>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QProcess>
#include <QPushButton>
#include <QSettings>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

using namespace petrel;
using namespace petrel::gui;
using namespace petrel::test;
using namespace petrel::packets;

namespace {

quint16 freePort()
{
    QTcpServer s;
    if (!s.listen(QHostAddress::LocalHost, 0)) return 0;
    return s.serverPort();
}

QString serverPath()
{
    return qEnvironmentVariable("PETREL_BINARY_DIR") + QStringLiteral("/server/petrel-server");
}

} // namespace

class TestGuiAttached : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void endToEnd();
    void pagedClientList();
    void wrongToken();
    void helpIsTranslated();

private:
    QProcess m_server;
    quint16 m_mqtt = 0;
    quint16 m_http = 0;
};

void TestGuiAttached::initTestCase()
{
    isolateSettings(QStringLiteral("tst_gui_attached"));
    QVERIFY2(QFile::exists(serverPath()), qPrintable(serverPath()));
    // Ports picked then released: a rare clash makes the server exit, which the test reports.
    m_mqtt = freePort();
    m_http = freePort();
    QVERIFY(m_mqtt && m_http && m_mqtt != m_http);
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("PETREL_ADMIN_TOKEN"), QStringLiteral("gui-secret"));
    m_server.setProcessEnvironment(env);
    m_server.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    m_server.start(serverPath(),
                   {QStringLiteral("--allow-all"), QStringLiteral("--workers"), QStringLiteral("2"),
                    QStringLiteral("--tcp"), QStringLiteral("127.0.0.1:%1").arg(m_mqtt),
                    QStringLiteral("--http"), QStringLiteral("127.0.0.1:%1").arg(m_http)});
    QVERIFY(m_server.waitForStarted(5000));
    bool up = false;
    for (int i = 0; i < 100 && !up && m_server.state() == QProcess::Running; ++i) {
        QTcpSocket probe;
        probe.connectToHost(QHostAddress::LocalHost, m_http);
        up = probe.waitForConnected(100);
        if (!up) QTest::qWait(50);
    }
    QVERIFY2(up, "petrel-server did not start listening");
}

void TestGuiAttached::cleanupTestCase()
{
    if (m_server.state() != QProcess::NotRunning) {
        m_server.terminate();
        if (!m_server.waitForFinished(5000)) m_server.kill();
    }
}

void TestGuiAttached::endToEnd()
{
    Controller controller;
    MainWindow w(&controller);
    w.show();
    w.settingsView()->setMode(SettingsView::Mode::Attached);
    w.settingsView()->setAttachTarget(QStringLiteral("http://127.0.0.1:%1").arg(m_http),
                                      QStringLiteral("gui-secret"));
    QCOMPARE(w.startAction()->text(), QStringLiteral("&Attach"));
    w.startAction()->trigger();
    QTRY_VERIFY_WITH_TIMEOUT(controller.attached()->isActive(), 5000);

    TestClient c("attached", ProtocolVersion::V5);
    QVERIFY(c.open(m_mqtt, makeConnect(ProtocolVersion::V5, "remote-client")));
    QVERIFY(c.subscribe("remote/#", 1));
    QTRY_VERIFY_WITH_TIMEOUT(w.clientsView()->model()->rowOf("remote-client") >= 0, 5000);
    QTRY_VERIFY_WITH_TIMEOUT(!w.subscriptionsView()->model()->rows().isEmpty(), 5000);
    QCOMPARE(w.subscriptionsView()->model()->rows().first().filter, QByteArray("remote/#"));
    // The server's log tail (its listeners opening, at least).
    QTRY_VERIFY_WITH_TIMEOUT(w.logView()->model()->rowCount() > 0, 5000);

    // Publish view -> admin API -> the client.
    w.showView(MainWindow::Publish);
    w.findChild<QLineEdit *>(QStringLiteral("publishTopic"))->setText(QStringLiteral("remote/cmd"));
    w.findChild<QPlainTextEdit *>(QStringLiteral("publishPayload"))->setPlainText(QStringLiteral("reboot"));
    QTest::mouseClick(w.findChild<QPushButton *>(QStringLiteral("publishButton")), Qt::LeftButton);
    // The HTTP request runs on this thread's event loop: let it finish before blocking on the socket.
    QTRY_VERIFY_WITH_TIMEOUT(w.statusText().startsWith(QStringLiteral("Published to remote/cmd")), 5000);
    auto p = c.receivePublish(5000);
    QVERIFY(p);
    QCOMPARE(p->topic, QByteArray("remote/cmd"));
    QCOMPARE(p->payload, QByteArray("reboot"));

    // The server's message stream reaches Messages and Topics.
    QTRY_VERIFY_WITH_TIMEOUT(w.topicsView()->model()->indexOfTopic("remote/cmd").isValid(), 5000);
    QVERIFY(w.messagesView()->model()->rowCount() >= 1);
    QCOMPARE(w.messagesView()->model()->recordAt(0)->topic, QByteArray("remote/cmd"));
    // Retained messages reach the Topics view through the snapshot.
    QVERIFY(c.publishAndWait(makePublish("remote/state", "up", 1, true)));
    QVERIFY(c.receivePublish());
    QTRY_VERIFY_WITH_TIMEOUT(w.topicsView()->model()->indexOfTopic("remote/state").isValid(), 5000);

    // Disconnect from the UI.
    w.showView(MainWindow::Clients);
    QTRY_VERIFY_WITH_TIMEOUT(w.clientsView()->selectClient("remote-client"), 5000);
    QTest::mouseClick(w.findChild<QPushButton *>(QStringLiteral("disconnectButton")), Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(w.statusText().contains(QStringLiteral("remote-client disconnected")), 5000);
    QVERIFY(c.expectServerDisconnect(0x98, false, 5000));
    QTRY_VERIFY_WITH_TIMEOUT(w.clientsView()->model()->rowOf("remote-client") < 0, 5000);
    w.stopAction()->trigger();
    QVERIFY(!controller.attached()->isActive());
}

// The client list comes in pages (GET /api/v1/clients?limit=&after_id=), each parsed on
// the parse thread, never on the GUI thread; the model gets the whole list once the walk is
// complete, and a client that leaves is gone after the next walk.
void TestGuiAttached::pagedClientList()
{
    Controller controller;
    MainWindow w(&controller);
    AttachedBackend *attached = controller.attached();
    attached->setClientPageSize(2);
    QList<int> pageRows;
    connect(attached, &AttachedBackend::clientPageParsed, this, [&](int rows) { pageRows.append(rows); });
    // The Clients/Subscriptions diffs run on the parse thread too: the snapshots carry their
    // change sets, computed there.
    int snapshots = 0, diffedHere = 0, notDiffed = 0;
    connect(attached, &Backend::snapshotReady, this, [&](const Snapshot &s) {
        ++snapshots;
        if (!s.clientChanges || !s.subscriptionChanges) {
            ++notDiffed;
            return;
        }
        diffedHere += s.clientChanges->computedIn == QThread::currentThreadId() ||
                      s.subscriptionChanges->computedIn == QThread::currentThreadId();
    });
    std::vector<std::unique_ptr<TestClient>> clients;
    for (int i = 0; i < 5; ++i) {
        const QByteArray id = "paged-" + QByteArray::number(i);
        clients.push_back(std::make_unique<TestClient>(id));
        QVERIFY(clients.back()->open(m_mqtt, makeConnect(ProtocolVersion::V311, id)));
    }
    w.settingsView()->setMode(SettingsView::Mode::Attached);
    w.settingsView()->setAttachTarget(QStringLiteral("http://127.0.0.1:%1").arg(m_http),
                                      QStringLiteral("gui-secret"));
    QVERIFY(w.startBackend());
    ClientsModel *model = w.clientsView()->model();
    const auto pagedRows = [&] {
        int n = 0;
        for (const admin::ClientSnapshot &c : model->rows())
            n += c.clientId.startsWith("paged-");
        return n;
    };
    QTRY_COMPARE_WITH_TIMEOUT(pagedRows(), 5, 5000);
    // 5 clients (plus any other test's) in pages of at most 2: three pages or more per walk.
    QVERIFY2(attached->clientPagesFetched() >= 3,
             qPrintable(QString::number(attached->clientPagesFetched())));
    QVERIFY(!pageRows.isEmpty());
    for (int rows : std::as_const(pageRows))
        QVERIFY(rows <= 2);
    QVERIFY(attached->parseThread() != nullptr);
    QVERIFY(attached->parseThread() != QThread::currentThread());
    // One leaves: gone from the model after a later walk.
    clients[2].reset();
    QTRY_VERIFY_WITH_TIMEOUT(model->rowOf("paged-2") < 0, 5000);
    QCOMPARE(pagedRows(), 4);
    QVERIFY(snapshots >= 2);
    QCOMPARE(notDiffed, 0);
    QCOMPARE(diffedHere, 0);
    QVERIFY(model->listId() != 0);
    w.stopBackend();
}

void TestGuiAttached::wrongToken()
{
    Controller controller;
    MainWindow w(&controller);
    w.settingsView()->setMode(SettingsView::Mode::Attached);
    w.settingsView()->setAttachTarget(QStringLiteral("http://127.0.0.1:%1").arg(m_http),
                                      QStringLiteral("nope"));
    QVERIFY(w.startBackend());
    QTRY_VERIFY_WITH_TIMEOUT(controller.attached()->lastError().contains(QStringLiteral("token")), 5000);
    QVERIFY(!controller.attached()->isActive());
    QVERIFY(w.clientsView()->model()->rows().isEmpty());
    w.stopBackend();
}

// `petrel-admin --help` in the language the user picked: --language, else the one saved in
// Settings (an isolated XDG_CONFIG_HOME holds it here); stderr messages too.
void TestGuiAttached::helpIsTranslated()
{
    const QString admin = qEnvironmentVariable("PETREL_BINARY_DIR") + QStringLiteral("/gui/petrel-admin");
    QTemporaryDir config;
    QVERIFY(config.isValid());
    auto run = [&](const QStringList &args, QByteArray *err = nullptr) {
        QProcess p;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
        env.insert(QStringLiteral("XDG_CONFIG_HOME"), config.path());
        env.insert(QStringLiteral("LANG"), QStringLiteral("C"));
        env.insert(QStringLiteral("LC_ALL"), QStringLiteral("C"));
        p.setProcessEnvironment(env);
        p.start(admin, args);
        if (!p.waitForFinished(60000)) p.kill();
        if (err) *err = p.readAllStandardError();
        return QString::fromUtf8(p.readAllStandardOutput());
    };
    const QString english = run({QStringLiteral("--help")});
    QVERIFY2(english.contains(QStringLiteral("run or watch a Petrel MQTT broker")), qPrintable(english));
    const QString german =
        run({QStringLiteral("--language"), QStringLiteral("de"), QStringLiteral("--help")});
    QVERIFY2(german.contains(QStringLiteral("einen Petrel-MQTT-Broker betreiben oder beobachten")),
             qPrintable(german));
    QVERIFY(german.contains(QStringLiteral("Sprache der Oberfläche")));
    QByteArray err;
    run({QStringLiteral("--language=ja"), QStringLiteral("--view"), QStringLiteral("nosuch")}, &err);
    QVERIFY2(QString::fromUtf8(err).contains(QStringLiteral("不明なビュー 'nosuch'")), err.constData());
    // The language saved in Settings, with no --language.
    {
        QSettings saved(config.path() + QStringLiteral("/Petrel/petrel-admin.conf"), QSettings::IniFormat);
        saved.setValue(QStringLiteral("language"), QStringLiteral("zh_CN"));
    }
    const QString chinese = run({QStringLiteral("--help")});
    QVERIFY2(chinese.contains(QStringLiteral("界面语言")), qPrintable(chinese));
}

QTEST_MAIN(TestGuiAttached)
#include "tst_gui_attached.moc"
