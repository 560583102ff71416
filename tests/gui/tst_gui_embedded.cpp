// petrel-admin driven like a user, offscreen, in embedded mode: start the broker from the
// toolbar, a real MQTT client connects and subscribes, the Clients and Subscriptions views
// show it, the Publish view's message arrives at the client, the client's own messages
// show in Messages and Topics, the Disconnect button disconnects it and it leaves the list.
#include "config/config.h"
#include "gui_test_util.h"
#include "mainwindow.h"
#include "support/test_client.h"

#include <QAction>
#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QTableView>
#include <QTest>
#include <QTreeView>

using namespace petrel;
using namespace petrel::gui;
using namespace petrel::test;
using namespace petrel::packets;

class TestGuiEmbedded : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { isolateSettings(QStringLiteral("tst_gui_embedded")); }
    void endToEnd();
    void deleteSessionAndRetainedFromTheUi();
    void badListenerShowsWhy();
    void languages();
    void settingsSavedAsYamlAndRemembered();
};

namespace {

// Settings view filled in as a user would: one TCP listener on an ephemeral port.
void configure(MainWindow &w)
{
    Options o;
    o.allowAllClients();
    o.workerThreads = 2;
    o.listeners = {
        ListenerConfig{QStringLiteral("tcp"), QStringLiteral("tcp1"), QStringLiteral("127.0.0.1:0")}};
    w.settingsView()->setMode(SettingsView::Mode::Embedded);
    w.settingsView()->setOptions(o);
}

bool hasSubscription(const SubscriptionsModel *m, const QByteArray &client, const QByteArray &filter)
{
    for (const auto &s : m->rows())
        if (s.clientId == client && s.filter == filter) return true;
    return false;
}

bool messagesContain(const MessagesModel *m, const QByteArray &topic)
{
    for (int i = 0; i < m->rowCount(); ++i)
        if (m->recordAt(i)->topic == topic) return true;
    return false;
}

} // namespace

void TestGuiEmbedded::endToEnd()
{
    Controller controller;
    MainWindow w(&controller);
    w.show();
    configure(w);
    QVERIFY(w.startAction()->isEnabled());
    w.startAction()->trigger();
    QVERIFY2(controller.embedded()->isActive(), qPrintable(w.statusText()));
    QVERIFY(!w.startAction()->isEnabled());
    QVERIFY(w.stopAction()->isEnabled());
    const quint16 port = controller.embedded()->broker()->serverPort(QStringLiteral("tcp1"));
    QVERIFY(port);

    TestClient c("gui", ProtocolVersion::V5);
    QVERIFY(c.open(port, makeConnect(ProtocolVersion::V5, "gui-client")));
    QVERIFY(c.subscribe("gui/#", 1));

    // Clients and Subscriptions views.
    w.showView(MainWindow::Clients);
    QTRY_VERIFY_WITH_TIMEOUT(w.clientsView()->model()->rowOf("gui-client") >= 0, 5000);
    auto *table = w.findChild<QTableView *>(QStringLiteral("clientsTable"));
    QVERIFY(table);
    QCOMPARE(table->model()->rowCount(), 1);
    QTRY_VERIFY_WITH_TIMEOUT(hasSubscription(w.subscriptionsView()->model(), "gui-client", "gui/#"), 5000);

    // Publish view -> the client.
    w.showView(MainWindow::Publish);
    w.findChild<QLineEdit *>(QStringLiteral("publishTopic"))->setText(QStringLiteral("gui/hello"));
    w.findChild<QComboBox *>(QStringLiteral("publishQos"))->setCurrentIndex(1);
    w.findChild<QPlainTextEdit *>(QStringLiteral("publishPayload"))
        ->setPlainText(QStringLiteral("hi from the GUI"));
    QTest::mouseClick(w.findChild<QPushButton *>(QStringLiteral("publishButton")), Qt::LeftButton);
    auto p = c.receivePublish();
    QVERIFY(p);
    QCOMPARE(p->topic, QByteArray("gui/hello"));
    QCOMPARE(p->payload, QByteArray("hi from the GUI"));
    QCOMPARE(p->qos, 1);
    QVERIFY(c.acknowledge(*p));
    QCOMPARE(w.publishView()->history()->count(), 1);
    // A bad topic is refused in the form, nothing is sent.
    w.findChild<QLineEdit *>(QStringLiteral("publishTopic"))->setText(QStringLiteral("gui/#"));
    QTest::mouseClick(w.findChild<QPushButton *>(QStringLiteral("publishButton")), Qt::LeftButton);
    QVERIFY(!w.findChild<QLabel *>(QStringLiteral("publishError"))->text().isEmpty());
    QVERIFY(c.expectNoPacket());

    // The client's own message: Messages (on a filter) and Topics.
    w.messagesView()->setFilter(QStringLiteral("gui/+"));
    QVERIFY(c.publishAndWait(makePublish("gui/from-client", "{\"v\":42}", 1)));
    QVERIFY(c.receivePublish()); // its own subscription matches
    QTRY_VERIFY_WITH_TIMEOUT(messagesContain(w.messagesView()->model(), "gui/from-client"), 5000);
    QTRY_VERIFY_WITH_TIMEOUT(w.topicsView()->model()->indexOfTopic("gui/from-client").isValid(), 5000);
    // Export what Messages shows as JSON lines.
    QTemporaryDir dir;
    QString why;
    QVERIFY2(w.messagesView()->exportTo(dir.filePath(QStringLiteral("m.jsonl")), &why), qPrintable(why));
    QFile exported(dir.filePath(QStringLiteral("m.jsonl")));
    QVERIFY(exported.open(QIODevice::ReadOnly));
    QVERIFY(exported.readAll().contains("\"topic\":\"gui/from-client\""));
    // Paused: nothing new is shown.
    w.messagesView()->setPaused(true);
    const int shown = w.messagesView()->model()->rowCount();
    QVERIFY(c.publishAndWait(makePublish("gui/while-paused", "x", 1)));
    QVERIFY(c.receivePublish());
    QTRY_VERIFY_WITH_TIMEOUT(w.topicsView()->model()->indexOfTopic("gui/while-paused").isValid(), 5000);
    QCOMPARE(w.messagesView()->model()->rowCount(), shown);
    w.messagesView()->setPaused(false);

    // Disconnect from the Clients view: v5 DISCONNECT 0x98, the client leaves the list.
    w.showView(MainWindow::Clients);
    QVERIFY(w.clientsView()->selectClient("gui-client"));
    QCOMPARE(w.clientsView()->selectedClient(), QByteArray("gui-client"));
    auto *disconnect = w.findChild<QPushButton *>(QStringLiteral("disconnectButton"));
    QVERIFY(disconnect->isEnabled());
    QTest::mouseClick(disconnect, Qt::LeftButton);
    QVERIFY(c.expectServerDisconnect(0x98));
    QTRY_VERIFY_WITH_TIMEOUT(w.clientsView()->model()->rowOf("gui-client") < 0, 5000);
    QTRY_VERIFY_WITH_TIMEOUT(!hasSubscription(w.subscriptionsView()->model(), "gui-client", "gui/#"), 5000);
    QVERIFY(w.statusText().contains(QStringLiteral("gui-client")));

    // Dashboard and Log have data; Stop stops the broker.
    QVERIFY(w.logView()->model()->rowCount() > 0);
    w.stopAction()->trigger();
    QVERIFY(!controller.embedded()->isActive());
    QVERIFY(w.startAction()->isEnabled());
}

void TestGuiEmbedded::deleteSessionAndRetainedFromTheUi()
{
    Controller controller;
    MainWindow w(&controller);
    configure(w);
    QVERIFY(w.startBackend());
    const quint16 port = controller.embedded()->broker()->serverPort(QStringLiteral("tcp1"));
    {
        TestClient c("persistent");
        QVERIFY(c.open(port, makeConnect(ProtocolVersion::V311, "keeper", false)));
        QVERIFY(c.subscribe("k/#", 1));
        QVERIFY(c.publishAndWait(makePublish("k/retained", "keep", 1, true)));
        QVERIFY(c.disconnect());
    }
    // Offline session, shown as such; Delete session removes it.
    QTRY_VERIFY_WITH_TIMEOUT(
        w.clientsView()->model()->rowOf("keeper") >= 0 &&
            !w.clientsView()->model()->rows()[w.clientsView()->model()->rowOf("keeper")].connected,
        5000);
    QVERIFY(w.clientsView()->selectClient("keeper"));
    QTest::mouseClick(w.findChild<QPushButton *>(QStringLiteral("deleteSessionButton")), Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(w.clientsView()->model()->rowOf("keeper") < 0, 5000);
    QCOMPARE(controller.embedded()->broker()->stats().clientsTotal, 0);

    // Topics: the retained topic is marked; Delete retained removes it from the broker.
    TopicTreeModel *topics = w.topicsView()->model();
    QTRY_VERIFY_WITH_TIMEOUT(topics->indexOfTopic("k/retained").isValid() &&
                                 topics->nodeAt(topics->indexOfTopic("k/retained"))->retained,
                             5000);
    w.topicsView()->tree()->setCurrentIndex(topics->indexOfTopic("k/retained"));
    auto *del = w.findChild<QPushButton *>(QStringLiteral("deleteRetainedButton"));
    QVERIFY(del->isEnabled());
    QTest::mouseClick(del, Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(!topics->nodeAt(topics->indexOfTopic("k/retained"))->retained, 5000);
    for (const auto &r : BrokerAdmin(*controller.embedded()->broker()).retained())
        QVERIFY(r.message.topic != "k/retained");
    w.stopBackend();
}

void TestGuiEmbedded::badListenerShowsWhy()
{
    Controller controller;
    MainWindow w(&controller);
    Options o;
    o.allowAllClients();
    o.listeners = {
        ListenerConfig{QStringLiteral("tcp"), QStringLiteral("bad"), QStringLiteral("256.1.1.1:1")}};
    w.settingsView()->setOptions(o);
    QString why;
    QVERIFY(!w.startBackend(&why));
    QVERIFY(why.contains(QStringLiteral("bad")));
    QVERIFY(w.statusText().contains(QStringLiteral("Cannot start")));
    QVERIFY(!controller.embedded()->isActive());
    QVERIFY(w.startAction()->isEnabled());
}

// The translations are built into the app and switch the whole window (Settings' language
// list rebuilds the window the same way main() does).
void TestGuiEmbedded::languages()
{
    const QList<QPair<QString, QString>> expected = {{QStringLiteral("de"), QStringLiteral("Übersicht")},
                                                     {QStringLiteral("ja"), QStringLiteral("ダッシュボード")},
                                                     {QStringLiteral("zh_CN"), QStringLiteral("仪表板")}};
    Controller controller;
    for (const auto &[code, dashboard] : expected) {
        QVERIFY2(installTranslation(code), qPrintable(code));
        MainWindow w(&controller);
        auto *nav = w.findChild<QListWidget *>(QStringLiteral("viewList"));
        QCOMPARE(nav->item(0)->text(), dashboard);
        QVERIFY(w.startAction()->text() != QStringLiteral("&Start"));
        // Strings with arguments keep them.
        QVERIFY(w.clientsView()
                    ->model()
                    ->headerData(ClientsModel::ClientId, Qt::Horizontal, Qt::DisplayRole)
                    .toString()
                    .contains(QStringLiteral("ID")));
    }
    QVERIFY(!installTranslation(QStringLiteral("en")));
    MainWindow w(&controller);
    QCOMPARE(w.findChild<QListWidget *>(QStringLiteral("viewList"))->item(0)->text(),
             QStringLiteral("Dashboard"));
}

// Settings saves a normal Petrel YAML config (petrel-server's loader reads it back), and the
// next window opens with that config, the same mode, attach target and view (QSettings).
void TestGuiEmbedded::settingsSavedAsYamlAndRemembered()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("petrel.yaml"));
    Controller controller;
    {
        MainWindow w(&controller);
        Options o;
        o.allowAllClients();
        o.workerThreads = 3;
        o.capabilities.maximumQos = 1;
        o.listeners = {
            ListenerConfig{QStringLiteral("tcp"), QStringLiteral("saved-tcp"), QStringLiteral("127.0.0.1:0")},
            ListenerConfig{QStringLiteral("sysinfo"), QStringLiteral("saved-http"),
                           QStringLiteral("127.0.0.1:0")}};
        w.settingsView()->setOptions(o);
        QString why;
        QVERIFY2(w.settingsView()->saveConfig(path, &why), qPrintable(why));
        config::ConfigError e;
        const auto loaded = config::loadConfigFile(path, &e);
        QVERIFY2(loaded, qPrintable(e.toString()));
        QCOMPARE(loaded->listeners.size(), 2);
        QCOMPARE(loaded->listeners[1].type, QStringLiteral("sysinfo"));
        QCOMPARE(loaded->workerThreads, 3);
        QCOMPARE(loaded->capabilities.maximumQos, 1);
        w.settingsView()->setMode(SettingsView::Mode::Attached);
        w.settingsView()->setAttachTarget(QStringLiteral("http://127.0.0.1:9"), QStringLiteral("t0k"));
        w.showView(MainWindow::Topics);
        w.close(); // saves the window state
    }
    MainWindow again(&controller);
    QCOMPARE(again.settingsView()->configPath(), path);
    QCOMPARE(again.settingsView()->mode(), SettingsView::Mode::Attached);
    QCOMPARE(again.settingsView()->attachToken(), QStringLiteral("t0k"));
    QCOMPARE(again.findChild<QListWidget *>(QStringLiteral("viewList"))->currentRow(),
             int(MainWindow::Topics));
    Options o;
    QString why;
    QVERIFY(again.settingsView()->options(o, &why));
    QCOMPARE(o.listeners.value(0).id, QStringLiteral("saved-tcp"));
    QCOMPARE(o.workerThreads, 3);
    // A file that is not a valid config is refused with the loader's message.
    QFile bad(dir.filePath(QStringLiteral("bad.yaml")));
    QVERIFY(bad.open(QIODevice::WriteOnly));
    bad.write("listeners:\n  - {type: tcp, id: x, address: \":1883\", colour: red}\n");
    bad.close();
    QVERIFY(!again.settingsView()->loadConfig(bad.fileName(), &why));
    QVERIFY(why.contains(QStringLiteral("colour")));
    QSettings().remove(QStringLiteral("config/path"));
    QSettings().remove(QStringLiteral("mode"));
}

QTEST_MAIN(TestGuiEmbedded)
#include "tst_gui_embedded.moc"
