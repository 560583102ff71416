// petrel-admin driven like a user, offscreen, in embedded mode: start the broker from the
// toolbar, a real MQTT client connects and subscribes, the Clients and Subscriptions views
// show it, the Publish view's message arrives at the client, the client's own messages
// show in Messages and Topics, the Disconnect button disconnects it and it leaves the list.
#include "config/config.h"
#include "gui_test_util.h"
#include "mainwindow.h"
#include "support/test_client.h"

#include <QAction>
#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMenu>
#include <QMenuBar>
#include <QPlainTextEdit>
#include <QProcess>

#include <QPushButton>
#include <QSet>
#include <QSortFilterProxyModel>
#include <QSpinBox>
#include <QSystemTrayIcon>
#include <QTableView>
#include <QTableWidget>
#include <QTest>
#include <QTextBrowser>
#include <QThread>
#include <QToolButton>
#include <QTreeView>
#include <unistd.h>

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
    void trayIconWhileEmbeddedRuns();
    void keyboardShortcuts();
    void publishHexJsonAndFileByteExact();
    void messagesSearchPauseExport();
    void adminTokenStoredOnlyWhenRemembered();
    void desktopFileName();
    void everyViewShowsItsData();
    void brokerThreadsYieldToTheUi();
    void clientsDiffedOffTheUiThread();
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
        w.settingsView()->setRememberToken(true);
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

// The tray icon is there while the embedded broker runs and goes when it stops; its menu
// shows the window and stops the broker. Offscreen there is no tray to draw in, so the test
// checks the icon's own state and triggers its menu's actions.
void TestGuiEmbedded::trayIconWhileEmbeddedRuns()
{
    Controller controller;
    MainWindow w(&controller);
    configure(w);
    QSystemTrayIcon *tray = w.trayIcon();
    QVERIFY(tray);
    QVERIFY(!tray->isVisible());
    w.startAction()->trigger();
    QVERIFY2(controller.embedded()->isActive(), qPrintable(w.statusText()));
    QVERIFY(tray->isVisible());
    QVERIFY(tray->toolTip().contains(QStringLiteral("127.0.0.1:")));
    QMenu *menu = tray->contextMenu();
    QVERIFY(menu);
    QAction *show = menu->findChild<QAction *>(QStringLiteral("trayShowAction"));
    if (!show)
        for (QAction *a : menu->actions())
            if (a->objectName() == QLatin1String("trayShowAction")) show = a;
    QVERIFY(show);
    QVERIFY(menu->actions().contains(w.stopAction()));
    bool hasQuit = false;
    for (QAction *a : menu->actions())
        hasQuit |= a->objectName() == QLatin1String("quitAction");
    QVERIFY(hasQuit);
    // "Show Petrel Admin" brings a hidden window back.
    w.hide();
    show->trigger();
    QVERIFY(w.isVisible());
    // "Stop" in the tray menu stops the broker; the icon goes.
    QVERIFY(w.stopAction()->isEnabled());
    w.stopAction()->trigger();
    QVERIFY(!controller.embedded()->isActive());
    QVERIFY(!tray->isVisible());
    // Attached mode has no tray icon (no broker runs in the app).
    w.settingsView()->setMode(SettingsView::Mode::Attached);
    w.settingsView()->setAttachTarget(QStringLiteral("http://127.0.0.1:9"), QStringLiteral("x"));
    QVERIFY(w.startBackend());
    QVERIFY(!tray->isVisible());
    w.stopBackend();
}

// Every shortcut the menus and tooltips announce, pressed as keys.
void TestGuiEmbedded::keyboardShortcuts()
{
    Controller controller;
    MainWindow w(&controller);
    configure(w);
    w.show();
    w.activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(&w));
    auto *nav = w.findChild<QListWidget *>(QStringLiteral("viewList"));

    // The View menu shows Ctrl+1..8; the view list's tooltips too.
    QMenu *viewMenu = nullptr;
    for (QAction *a : w.menuBar()->actions())
        if (a->text() == QStringLiteral("&View")) viewMenu = a->menu();
    QVERIFY(viewMenu);
    QCOMPARE(viewMenu->actions().size(), int(MainWindow::ViewCount));
    for (int i = 0; i < MainWindow::ViewCount; ++i) {
        const QString keys = QStringLiteral("Ctrl+%1").arg(i + 1);
        QCOMPARE(viewMenu->actions()[i]->shortcut(), QKeySequence(keys));
        QVERIFY(nav->item(i)->toolTip().contains(keys));
        QTest::keyClick(&w, Qt::Key(Qt::Key_1 + i), Qt::ControlModifier);
        QCOMPARE(nav->currentRow(), i);
    }
    QCOMPARE(w.startAction()->shortcut(), QKeySequence(Qt::Key_F5));
    QVERIFY(w.startAction()->toolTip().contains(QStringLiteral("F5")));
    QVERIFY(w.stopAction()->toolTip().contains(QStringLiteral("Shift+F5")));

    // F5 starts the embedded broker.
    QTest::keyClick(&w, Qt::Key_F5);
    QVERIFY2(controller.embedded()->isActive(), qPrintable(w.statusText()));
    const quint16 port = controller.embedded()->broker()->serverPort(QStringLiteral("tcp1"));
    TestClient c("keys", ProtocolVersion::V5);
    QVERIFY(c.open(port, makeConnect(ProtocolVersion::V5, "keys-client")));
    QVERIFY(c.subscribe("keys/#", 0));

    // Ctrl+5, type, Ctrl+Return in the payload editor publishes.
    QTest::keyClick(&w, Qt::Key_5, Qt::ControlModifier);
    QCOMPARE(nav->currentRow(), int(MainWindow::Publish));
    auto *topic = w.findChild<QLineEdit *>(QStringLiteral("publishTopic"));
    topic->setFocus();
    QTest::keyClicks(topic, QStringLiteral("keys/typed"));
    auto *payload = w.findChild<QPlainTextEdit *>(QStringLiteral("publishPayload"));
    payload->setFocus();
    QTest::keyClicks(payload, QStringLiteral("by keyboard"));
    QVERIFY(w.findChild<QPushButton *>(QStringLiteral("publishButton"))
                ->toolTip()
                .contains(QStringLiteral("Ctrl+Return")));
    QTest::keyClick(payload, Qt::Key_Return, Qt::ControlModifier);
    auto p = c.receivePublish();
    QVERIFY(p);
    QCOMPARE(p->topic, QByteArray("keys/typed"));
    QCOMPARE(p->payload, QByteArray("by keyboard"));

    // Ctrl+6: Messages; Ctrl+P pauses and resumes; Ctrl+F puts the cursor in the search.
    QTest::keyClick(&w, Qt::Key_6, Qt::ControlModifier);
    auto *pause = w.findChild<QToolButton *>(QStringLiteral("messagesPause"));
    QVERIFY(pause->toolTip().contains(QStringLiteral("Ctrl+P")));
    QVERIFY(!pause->isChecked());
    QTest::keyClick(&w, Qt::Key_P, Qt::ControlModifier);
    QTRY_VERIFY(pause->isChecked()); // a button's shortcut animates the click (asynchronous)
    QTest::keyClick(&w, Qt::Key_P, Qt::ControlModifier);
    QTRY_VERIFY(!pause->isChecked());
    auto *search = w.findChild<QLineEdit *>(QStringLiteral("messagesSearch"));
    QVERIFY(search->toolTip().contains(QKeySequence(QKeySequence::Find).toString(QKeySequence::NativeText)));
    QTest::keyClick(&w, Qt::Key_F, Qt::ControlModifier);
    QTRY_VERIFY(search->hasFocus());

    // Ctrl+2, Ctrl+F filters clients; Ctrl+D disconnects the selected one.
    QTest::keyClick(&w, Qt::Key_2, Qt::ControlModifier);
    QTRY_VERIFY_WITH_TIMEOUT(w.clientsView()->model()->rowOf("keys-client") >= 0, 5000);
    auto *filter = w.findChild<QLineEdit *>(QStringLiteral("clientsFilter"));
    QTest::keyClick(&w, Qt::Key_F, Qt::ControlModifier);
    QTRY_VERIFY(filter->hasFocus());
    QVERIFY(w.clientsView()->selectClient("keys-client"));
    w.clientsView()->table()->setFocus(); // the filter field would take Ctrl+D as a text edit
    QVERIFY(w.findChild<QPushButton *>(QStringLiteral("disconnectButton"))
                ->toolTip()
                .contains(QStringLiteral("Ctrl+D")));
    QTest::keyClick(&w, Qt::Key_D, Qt::ControlModifier);
    QVERIFY(c.expectServerDisconnect(0x98));

    // Shift+F5 stops.
    QTest::keyClick(&w, Qt::Key_F5, Qt::ShiftModifier);
    QVERIFY(!controller.embedded()->isActive());
    QVERIFY(w.startAction()->isEnabled());
}

// Publish view payloads as hex, JSON (validated, sent as typed) and from a file arrive
// byte for byte at real subscribers (the test client and mosquitto_sub).
void TestGuiEmbedded::publishHexJsonAndFileByteExact()
{
    Controller controller;
    MainWindow w(&controller);
    configure(w);
    QVERIFY(w.startBackend());
    const quint16 port = controller.embedded()->broker()->serverPort(QStringLiteral("tcp1"));
    TestClient c("bytes", ProtocolVersion::V5);
    QVERIFY(c.open(port, makeConnect(ProtocolVersion::V5, "bytes-client")));
    QVERIFY(c.subscribe("bytes/#", 0));
    auto *topic = w.findChild<QLineEdit *>(QStringLiteral("publishTopic"));
    auto *format = w.findChild<QComboBox *>(QStringLiteral("publishFormat"));
    auto *payload = w.findChild<QPlainTextEdit *>(QStringLiteral("publishPayload"));
    auto *error = w.findChild<QLabel *>(QStringLiteral("publishError"));
    auto *button = w.findChild<QPushButton *>(QStringLiteral("publishButton"));
    const auto publish = [&](const QString &t, int fmt, const QString &text) {
        topic->setText(t);
        format->setCurrentIndex(fmt);
        payload->setPlainText(text);
        QTest::mouseClick(button, Qt::LeftButton);
    };

    // Hex: spaces, newlines, 0x prefixes and commas between bytes are allowed.
    publish(QStringLiteral("bytes/hex"), 1, QStringLiteral("00 ff 7A 0x10,20\n fe 80"));
    QVERIFY2(error->text().isEmpty(), qPrintable(error->text()));
    auto p = c.receivePublish();
    QVERIFY(p);
    QCOMPARE(p->topic, QByteArray("bytes/hex"));
    QCOMPARE(p->payload, QByteArray::fromHex("00ff7a1020fe80"));
    // Odd digits or non-hex are refused, nothing is sent.
    publish(QStringLiteral("bytes/hex"), 1, QStringLiteral("0f f"));
    QVERIFY(error->text().contains(QStringLiteral("hex")));
    publish(QStringLiteral("bytes/hex"), 1, QStringLiteral("zz"));
    QVERIFY(error->text().contains(QStringLiteral("hex")));
    QVERIFY(c.expectNoPacket(300));

    // JSON: sent exactly as typed (key order, spacing, a number beyond double precision).
    const QString json = QStringLiteral("{\"z\": 1, \"a\": [12345678901234567891, 2.50], \"s\": \"\u00e9\"}");
    publish(QStringLiteral("bytes/json"), 2, json);
    QVERIFY2(error->text().isEmpty(), qPrintable(error->text()));
    p = c.receivePublish();
    QVERIFY(p);
    QCOMPARE(p->payload, json.toUtf8());
    // Invalid JSON: refused with where it broke, nothing sent.
    publish(QStringLiteral("bytes/json"), 2, QStringLiteral("{\"a\": }"));
    QVERIFY(error->text().contains(QStringLiteral("JSON")));
    QVERIFY(error->text().contains(QStringLiteral("character")));
    QVERIFY(c.expectNoPacket(300));

    // File: every byte value, received by mosquitto_sub (-N: no newline added).
    QTemporaryDir dir;
    QByteArray bytes;
    for (int round = 0; round < 40; ++round)
        for (int b = 0; b < 256; ++b)
            bytes.append(char(b));
    QFile f(dir.filePath(QStringLiteral("payload.bin")));
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(bytes);
    f.close();
    QProcess sub;
    sub.start(QStringLiteral("mosquitto_sub"),
              {QStringLiteral("-h"), QStringLiteral("127.0.0.1"), QStringLiteral("-p"), QString::number(port),
               QStringLiteral("-i"), QStringLiteral("mosq-bytes"), QStringLiteral("-t"),
               QStringLiteral("bytes/file"), QStringLiteral("-C"), QStringLiteral("1"), QStringLiteral("-N"),
               QStringLiteral("-W"), QStringLiteral("20")});
    QVERIFY2(sub.waitForStarted(5000), "mosquitto_sub (mosquitto-clients) is needed");
    QTRY_VERIFY_WITH_TIMEOUT(hasSubscription(w.subscriptionsView()->model(), "mosq-bytes", "bytes/file"),
                             10000);
    w.findChild<QLineEdit *>(QStringLiteral("publishFile"))->setText(f.fileName());
    publish(QStringLiteral("bytes/file"), 3, QString());
    QVERIFY2(error->text().isEmpty(), qPrintable(error->text()));
    QVERIFY(sub.waitForFinished(15000));
    QCOMPARE(sub.exitCode(), 0);
    QCOMPARE(sub.readAllStandardOutput(), bytes);
    p = c.receivePublish();
    QVERIFY(p);
    QCOMPARE(p->payload, bytes);
    // A file that is not there: refused with the reason.
    w.findChild<QLineEdit *>(QStringLiteral("publishFile"))->setText(dir.filePath(QStringLiteral("nope")));
    publish(QStringLiteral("bytes/file"), 3, QString());
    QVERIFY(error->text().contains(QStringLiteral("nope")));
    QVERIFY(c.expectNoPacket(300));
    w.stopBackend();
}

// Messages: the search narrows the live log by topic or payload text; export writes what is
// shown as JSON lines; pause holds the view while messages keep coming, resume goes on.
void TestGuiEmbedded::messagesSearchPauseExport()
{
    Controller controller;
    MainWindow w(&controller);
    configure(w);
    QVERIFY(w.startBackend());
    const quint16 port = controller.embedded()->broker()->serverPort(QStringLiteral("tcp1"));
    TestClient c("log", ProtocolVersion::V311);
    QVERIFY(c.open(port, makeConnect(ProtocolVersion::V311, "log-client")));
    MessagesView *view = w.messagesView();
    const QList<QPair<QByteArray, QByteArray>> sent = {{"house/kitchen/temp", "21.5"},
                                                       {"house/garage/door", "open"},
                                                       {"house/kitchen/light", "on"},
                                                       {"garden/pump", "{\"state\":\"open valve\"}"}};
    for (const auto &[t, pl] : sent)
        QVERIFY(c.publishAndWait(makePublish(t, pl, 1)));
    QTRY_COMPARE_WITH_TIMEOUT(view->model()->rowCount(), 4, 5000);
    auto *table = w.findChild<QTableView *>(QStringLiteral("messagesTable"));
    auto *search = w.findChild<QLineEdit *>(QStringLiteral("messagesSearch"));
    // By topic text.
    QTest::keyClicks(search, QStringLiteral("kitchen"));
    QCOMPARE(table->model()->rowCount(), 2);
    // By payload text (case-insensitive).
    search->clear();
    QTest::keyClicks(search, QStringLiteral("OPEN"));
    QCOMPARE(table->model()->rowCount(), 2);
    // Export: the shown (searched) rows, one JSON object per line.
    QTemporaryDir dir;
    QString why;
    const QString path = dir.filePath(QStringLiteral("open.jsonl"));
    QVERIFY2(view->exportTo(path, &why), qPrintable(why));
    QFile f(path);
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QList<QByteArray> lines = f.readAll().trimmed().split('\n');
    QCOMPARE(lines.size(), 2);
    QSet<QString> topics;
    for (const QByteArray &line : lines) {
        QJsonParseError e;
        const QJsonObject o = QJsonDocument::fromJson(line, &e).object();
        QCOMPARE(e.error, QJsonParseError::NoError);
        topics.insert(o.value(QStringLiteral("topic")).toString());
        QCOMPARE(o.value(QStringLiteral("client_id")).toString(), QStringLiteral("log-client"));
    }
    QCOMPARE(topics, (QSet<QString>{QStringLiteral("house/garage/door"), QStringLiteral("garden/pump")}));
    // New messages that match the search show as they arrive.
    QVERIFY(c.publishAndWait(makePublish("house/window", "open", 0)));
    QTRY_COMPARE_WITH_TIMEOUT(table->model()->rowCount(), 3, 5000);
    search->clear();
    QCOMPARE(table->model()->rowCount(), 5);
    // Paused: messages are counted, not shown; resumed: new ones show again.
    view->setPaused(true);
    QVERIFY(c.publishAndWait(makePublish("house/paused", "x", 1)));
    QTRY_VERIFY_WITH_TIMEOUT(w.findChild<QLabel *>(QStringLiteral("messagesStatus"))
                                 ->text()
                                 .contains(QStringLiteral("1 not shown")),
                             5000);
    QCOMPARE(view->model()->rowCount(), 5);
    view->setPaused(false);
    QVERIFY(c.publishAndWait(makePublish("house/resumed", "y", 1)));
    QTRY_COMPARE_WITH_TIMEOUT(view->model()->rowCount(), 6, 5000);
    QCOMPARE(view->model()->recordAt(5)->topic, QByteArray("house/resumed"));
    // An unwritable export path is reported, not a crash.
    QVERIFY(!view->exportTo(dir.filePath(QStringLiteral("no/such/dir/x.jsonl")), &why));
    QVERIFY(why.contains(QStringLiteral("Cannot write")));
    w.stopBackend();
}

// The attached-mode token reaches QSettings (a plain-text file) only when "Remember the
// token" is ticked.
void TestGuiEmbedded::adminTokenStoredOnlyWhenRemembered()
{
    QSettings().remove(QStringLiteral("attach"));
    Controller controller;
    const QString file = QSettings().fileName();
    {
        MainWindow w(&controller);
        auto *remember = w.findChild<QCheckBox *>(QStringLiteral("rememberToken"));
        QVERIFY(remember);
        QVERIFY(!remember->isChecked());
        QVERIFY(remember->toolTip().contains(QDir::toNativeSeparators(file)));
        w.settingsView()->setMode(SettingsView::Mode::Attached);
        w.settingsView()->setAttachTarget(QStringLiteral("http://127.0.0.1:9"),
                                          QStringLiteral("do-not-store-me"));
        w.close();
    }
    QSettings().sync();
    QVERIFY(!QSettings().contains(QStringLiteral("attach/token")));
    QFile raw(file);
    if (raw.open(QIODevice::ReadOnly)) QVERIFY(!raw.readAll().contains("do-not-store-me"));
    raw.close();
    {
        MainWindow w(&controller);
        QCOMPARE(w.settingsView()->attachUrl(), QUrl(QStringLiteral("http://127.0.0.1:9")));
        QVERIFY(w.settingsView()->attachToken().isEmpty());
        // Ticked: stored, and restored with the box ticked.
        w.settingsView()->setAttachTarget(QString(), QStringLiteral("keep-me"));
        QTest::mouseClick(w.findChild<QCheckBox *>(QStringLiteral("rememberToken")), Qt::LeftButton);
        QVERIFY(w.settingsView()->rememberToken());
        w.close();
    }
    QCOMPARE(QSettings().value(QStringLiteral("attach/token")).toString(), QStringLiteral("keep-me"));
    {
        MainWindow w(&controller);
        QCOMPARE(w.settingsView()->attachToken(), QStringLiteral("keep-me"));
        QVERIFY(w.settingsView()->rememberToken());
        // Unticked again: the stored token is removed.
        w.settingsView()->setRememberToken(false);
        w.close();
    }
    QVERIFY(!QSettings().contains(QStringLiteral("attach/token")));
    QSettings().remove(QStringLiteral("mode"));
}

// The desktop file name matches the desktop entry the installer installs.
void TestGuiEmbedded::desktopFileName()
{
    setApplicationIdentity();
    const QString id = QGuiApplication::desktopFileName();
    QCOMPARE(id, QStringLiteral("org.petrel.Admin"));
    QFile entry(qEnvironmentVariable("PETREL_SOURCE_DIR") +
                QStringLiteral("/installer/desktop/%1.desktop").arg(id));
    QVERIFY2(entry.open(QIODevice::ReadOnly), qPrintable(entry.fileName()));
    const QByteArray text = entry.readAll();
    QVERIFY(text.contains("Exec=petrel-admin"));
    QVERIFY(text.contains("Icon=petrel-admin"));
    QCOMPARE(QGuiApplication::applicationDisplayName(), QStringLiteral("Petrel Admin"));
    QVERIFY(!QGuiApplication::windowIcon().isNull());
}

// The issue's list, view by view, against a real v5 client: Dashboard numbers and chart,
// every Clients column and the details pane (will, subscriptions), the Subscriptions
// options columns, both filters, Publish with MQTT 5 and user properties and its history's
// "Send again", the Log level filter.
void TestGuiEmbedded::everyViewShowsItsData()
{
    Controller controller;
    MainWindow w(&controller);
    configure(w);
    w.show();
    QVERIFY(w.startBackend());
    const quint16 port = controller.embedded()->broker()->serverPort(QStringLiteral("tcp1"));
    Connect conn = makeConnect(ProtocolVersion::V5, "detail-client");
    conn.keepAlive = 30;
    conn.hasUsername = true;
    conn.username = "alice";
    conn.hasWill = true;
    conn.will.topic = "wills/detail";
    conn.will.payload = "gone";
    conn.will.qos = 1;
    TestClient c("detail", ProtocolVersion::V5);
    QVERIFY(c.open(port, conn));
    Subscribe sub;
    sub.topics.append(TopicSubscription{"opts/#", SubscribeOptions{1, true, true, 2}});
    sub.properties.subscriptionIdentifiers.append(7);
    sub.properties.mark(PropertyId::SubscriptionIdentifier);
    QVERIFY(c.subscribe(sub));
    QVERIFY(c.subscribe("$share/grp/shared/#", 0));
    TestClient other("other", ProtocolVersion::V311);
    QVERIFY(other.open(port, makeConnect(ProtocolVersion::V311, "other-client")));

    // Clients: every column of the row.
    ClientsModel *clients = w.clientsView()->model();
    QTRY_VERIFY_WITH_TIMEOUT(clients->rowOf("detail-client") >= 0 && clients->rowOf("other-client") >= 0 &&
                                 clients->rows()[clients->rowOf("detail-client")].subscriptions == 2,
                             5000);
    const int row = clients->rowOf("detail-client");
    const auto cell = [&](int col) { return clients->index(row, col).data().toString(); };
    QCOMPARE(cell(ClientsModel::ClientId), QStringLiteral("detail-client"));
    QCOMPARE(cell(ClientsModel::Username), QStringLiteral("alice"));
    QVERIFY(cell(ClientsModel::RemoteAddress).contains(QStringLiteral("127.0.0.1")));
    QCOMPARE(cell(ClientsModel::Listener), QStringLiteral("tcp1"));
    QCOMPARE(cell(ClientsModel::Node), QString()); // not clustered
    QCOMPARE(cell(ClientsModel::Protocol), QStringLiteral("5"));
    QVERIFY(cell(ClientsModel::KeepAlive).startsWith(QStringLiteral("30")));
    QVERIFY(!cell(ClientsModel::SessionExpiry).isEmpty());
    QCOMPARE(cell(ClientsModel::Subscriptions), QStringLiteral("2"));
    QCOMPARE(cell(ClientsModel::Inflight), QStringLiteral("0"));
    QCOMPARE(cell(ClientsModel::Queued), QStringLiteral("0"));
    QVERIFY(!cell(ClientsModel::MessagesIn).isEmpty());
    QVERIFY(!cell(ClientsModel::MessagesOut).isEmpty());
    QVERIFY(!cell(ClientsModel::ConnectedSince).isEmpty());
    // Details pane: the will and the client's subscriptions.
    QVERIFY(w.clientsView()->selectClient("detail-client"));
    const QString details = w.findChild<QTextBrowser *>(QStringLiteral("clientDetails"))->toPlainText();
    QVERIFY2(details.contains(QStringLiteral("wills/detail")), qPrintable(details));
    QVERIFY(details.contains(QStringLiteral("opts/#")));
    QVERIFY(details.contains(QStringLiteral("$share/grp/shared/#")));
    // The filter field narrows the table.
    auto *clientsTable = w.findChild<QTableView *>(QStringLiteral("clientsTable"));
    auto *clientsFilter = w.findChild<QLineEdit *>(QStringLiteral("clientsFilter"));
    QCOMPARE(clientsTable->model()->rowCount(), 2);
    QTest::keyClicks(clientsFilter, QStringLiteral("alice"));
    QCOMPARE(clientsTable->model()->rowCount(), 1);
    clientsFilter->clear();

    // Subscriptions: options, identifier, share group; filterable.
    SubscriptionsModel *subs = w.subscriptionsView()->model();
    QTRY_VERIFY_WITH_TIMEOUT(subs->rowCount() == 2, 5000);
    int optsRow = -1, sharedRow = -1;
    for (int i = 0; i < subs->rowCount(); ++i) {
        if (subs->rows()[i].filter == "opts/#") optsRow = i;
        if (subs->rows()[i].filter == "$share/grp/shared/#") sharedRow = i;
    }
    QVERIFY(optsRow >= 0 && sharedRow >= 0);
    const auto scell = [&](int r, int col) { return subs->index(r, col).data().toString(); };
    QCOMPARE(scell(optsRow, SubscriptionsModel::ClientId), QStringLiteral("detail-client"));
    QCOMPARE(scell(optsRow, SubscriptionsModel::Qos), QStringLiteral("1"));
    QCOMPARE(scell(optsRow, SubscriptionsModel::NoLocal), QStringLiteral("yes"));
    QCOMPARE(scell(optsRow, SubscriptionsModel::RetainAsPublished), QStringLiteral("yes"));
    QVERIFY(scell(optsRow, SubscriptionsModel::RetainHandling).startsWith(QStringLiteral("2")));
    QCOMPARE(scell(optsRow, SubscriptionsModel::Identifier), QStringLiteral("7"));
    QCOMPARE(scell(sharedRow, SubscriptionsModel::ShareGroup), QStringLiteral("grp"));
    auto *subsFilter = w.subscriptionsView()->findChild<QLineEdit *>();
    QVERIFY(subsFilter);
    auto *subsTable = w.subscriptionsView()->findChild<QTableView *>();
    QTest::keyClicks(subsFilter, QStringLiteral("grp"));
    QCOMPARE(subsTable->model()->rowCount(), 1);
    subsFilter->clear();

    // Dashboard: numbers and the chart fill in.
    QTRY_COMPARE_WITH_TIMEOUT(w.findChild<QLabel *>(QStringLiteral("dashboard_clients"))->text(),
                              QStringLiteral("2"), 5000);
    QTRY_COMPARE_WITH_TIMEOUT(w.findChild<QLabel *>(QStringLiteral("dashboard_subscriptions"))->text(),
                              QStringLiteral("2"), 5000);
    QVERIFY(w.findChild<QLabel *>(QStringLiteral("dashboard_uptime"))->text() != QStringLiteral("–"));
    QVERIFY(w.findChild<QLabel *>(QStringLiteral("dashboard_memory"))->text() != QStringLiteral("–"));
    QTRY_VERIFY_WITH_TIMEOUT(w.dashboardView()->chartPointCount() >= 1, 5000);
    QVERIFY(w.findChild<QLabel *>(QStringLiteral("dashboard_msgsIn"))->text() != QStringLiteral("–"));

    // Publish with MQTT 5 properties and user properties (a repeated key kept, in order).
    w.findChild<QLineEdit *>(QStringLiteral("publishTopic"))->setText(QStringLiteral("opts/props"));
    w.findChild<QComboBox *>(QStringLiteral("publishFormat"))->setCurrentIndex(0);
    w.findChild<QPlainTextEdit *>(QStringLiteral("publishPayload"))->setPlainText(QStringLiteral("häuser"));
    w.findChild<QLineEdit *>(QStringLiteral("publishContentType"))->setText(QStringLiteral("text/plain"));
    w.findChild<QLineEdit *>(QStringLiteral("publishResponseTopic"))->setText(QStringLiteral("opts/reply"));
    w.findChild<QLineEdit *>(QStringLiteral("publishCorrelation"))->setText(QStringLiteral("corr-1"));
    w.findChild<QSpinBox *>(QStringLiteral("publishExpiry"))->setValue(600);
    w.findChild<QCheckBox *>(QStringLiteral("publishUtf8"))->setChecked(true);
    auto *users = w.findChild<QTableWidget *>(QStringLiteral("publishUserProperties"));
    users->setRowCount(2);
    users->setItem(0, 0, new QTableWidgetItem(QStringLiteral("site")));
    users->setItem(0, 1, new QTableWidgetItem(QStringLiteral("berlin")));
    users->setItem(1, 0, new QTableWidgetItem(QStringLiteral("site")));
    users->setItem(1, 1, new QTableWidgetItem(QStringLiteral("tokyo")));
    QTest::mouseClick(w.findChild<QPushButton *>(QStringLiteral("publishButton")), Qt::LeftButton);
    auto p = c.receivePublish();
    QVERIFY(p);
    QCOMPARE(p->topic, QByteArray("opts/props"));
    QCOMPARE(p->payload, QStringLiteral("häuser").toUtf8());
    QCOMPARE(p->properties.contentType, QByteArray("text/plain"));
    QCOMPARE(p->properties.responseTopic, QByteArray("opts/reply"));
    QCOMPARE(p->properties.correlationData, QByteArray("corr-1"));
    QVERIFY(p->properties.has(PropertyId::MessageExpiryInterval));
    QVERIFY(p->properties.messageExpiryInterval <= 600 && p->properties.messageExpiryInterval >= 590);
    QCOMPARE(p->properties.payloadFormatIndicator, 1);
    QCOMPARE(p->properties.userProperties.size(), 2);
    QCOMPARE(p->properties.userProperties[0].second, QByteArray("berlin"));
    QCOMPARE(p->properties.userProperties[1].second, QByteArray("tokyo"));
    QVERIFY(p->properties.subscriptionIdentifiers.contains(7));
    QVERIFY(c.acknowledge(*p));
    // History: the form is cleared of the topic, "Send again" sends the same message.
    auto *history = w.publishView()->history();
    QVERIFY(history->count() >= 1);
    w.findChild<QLineEdit *>(QStringLiteral("publishTopic"))->setText(QStringLiteral("elsewhere"));
    history->setCurrentRow(0);
    QTest::mouseClick(w.findChild<QPushButton *>(QStringLiteral("publishResend")), Qt::LeftButton);
    p = c.receivePublish();
    QVERIFY(p);
    QCOMPARE(p->topic, QByteArray("opts/props"));
    QCOMPARE(p->properties.userProperties.size(), 2);
    QVERIFY(c.acknowledge(*p));

    // Log: the level filter keeps only what is at or above it.
    qCritical("petrel-admin test: a critical line");
    qDebug("petrel-admin test: a debug line");
    auto *logTable = w.findChild<QTableView *>(QStringLiteral("logTable"));
    auto *level = w.findChild<QComboBox *>(QStringLiteral("logLevel"));
    level->setCurrentIndex(0);
    QTRY_VERIFY_WITH_TIMEOUT(w.logView()->model()->rowCount() >= 2, 5000);
    const auto logHas = [&](const char *text) {
        for (int r = 0; r < logTable->model()->rowCount(); ++r)
            for (int col = 0; col < logTable->model()->columnCount(); ++col)
                if (logTable->model()->index(r, col).data().toString().contains(QLatin1String(text)))
                    return true;
        return false;
    };
    QTRY_VERIFY_WITH_TIMEOUT(logHas("a critical line"), 5000);
    level->setCurrentIndex(3); // errors only
    QVERIFY(logHas("a critical line"));
    QVERIFY(!logHas("a debug line"));
    for (int r = 0; r < logTable->model()->rowCount(); ++r)
        QVERIFY(logTable->model()->index(r, 0).data(LogModel::LevelRankRole).toInt() >= 3);
    level->setCurrentIndex(0);
    w.stopBackend();
}

// The embedded broker's threads run at a lower priority than the UI thread (nice +10), so
// a broker saturating the CPU leaves the window responsive (docs/gui-responsiveness.md).
void TestGuiEmbedded::brokerThreadsYieldToTheUi()
{
    const int uiNice = threadNice(int(::gettid()));
    const QSet<int> before = processThreadIds();
    EmbeddedBackend backend;
    Options o;
    o.allowAllClients();
    o.workerThreads = 2;
    o.listeners = {
        ListenerConfig{QStringLiteral("tcp"), QStringLiteral("tcp1"), QStringLiteral("127.0.0.1:0")}};
    QString why;
    QVERIFY2(backend.start(o, &why), qPrintable(why));
    QList<int> started;
    for (int tid : processThreadIds())
        if (!before.contains(tid)) started.append(tid);
    QVERIFY(started.size() >= 2); // at least the two workers
    for (int tid : std::as_const(started))
        QCOMPARE(threadNice(tid), std::min(19, uiNice + EmbeddedBackend::kBrokerNice));
    QCOMPARE(threadNice(int(::gettid())), uiNice);
    // Still a working broker.
    TestClient c("nice");
    QVERIFY(c.open(backend.broker()->serverPort(QStringLiteral("tcp1")),
                   makeConnect(ProtocolVersion::V311, "nice-client")));
    QVERIFY(c.subscribe("n", 0));
    QVERIFY(c.publish(makePublish("n", "x", 0)));
    QVERIFY(c.receivePublish());
    backend.stop();
    QVERIFY(backend.brokerThreads().isEmpty());
}

// The Clients/Subscriptions diff runs on the snapshot thread: every snapshot carries change
// sets computed there, each against the previous one, and the models follow them without a
// resync while a real client comes and goes; a stop/start of the broker resyncs once; with
// the diff switched to the GUI thread (bench-gui --diff-on-ui-thread) the views still follow.
void TestGuiEmbedded::clientsDiffedOffTheUiThread()
{
    Controller controller;
    MainWindow w(&controller);
    w.show();
    configure(w);
    struct Seen {
        quint64 source = 0, basis = 0, result = 0;
        Qt::HANDLE clientsIn = nullptr, subscriptionsIn = nullptr;
        bool hasChanges = false;
    };
    QList<Seen> seen;
    connect(controller.embedded(), &Backend::snapshotReady, this, [&](const Snapshot &s) {
        Seen x;
        x.hasChanges = s.clientChanges && s.subscriptionChanges;
        if (s.clientChanges) {
            x.source = s.clientChanges->source;
            x.basis = s.clientChanges->basis;
            x.result = s.clientChanges->result;
            x.clientsIn = s.clientChanges->computedIn;
        }
        if (s.subscriptionChanges) x.subscriptionsIn = s.subscriptionChanges->computedIn;
        seen.append(x);
    });
    w.startAction()->trigger();
    QVERIFY2(controller.embedded()->isActive(), qPrintable(w.statusText()));
    const quint16 port = controller.embedded()->broker()->serverPort(QStringLiteral("tcp1"));
    ClientsModel *clients = w.clientsView()->model();
    SubscriptionsModel *subscriptions = w.subscriptionsView()->model();

    auto c = std::make_unique<TestClient>("diff", ProtocolVersion::V5);
    QVERIFY(c->open(port, makeConnect(ProtocolVersion::V5, "diffed-client")));
    QVERIFY(c->subscribe("diff/#", 1));
    QTRY_VERIFY_WITH_TIMEOUT(clients->rowOf("diffed-client") >= 0, 5000);
    QTRY_VERIFY_WITH_TIMEOUT(hasSubscription(subscriptions, "diffed-client", "diff/#"), 5000);
    c.reset(); // the client goes (clean session: its session too)
    QTRY_VERIFY_WITH_TIMEOUT(clients->rowOf("diffed-client") < 0, 5000);
    QTRY_VERIFY_WITH_TIMEOUT(!hasSubscription(subscriptions, "diffed-client", "diff/#"), 5000);

    QVERIFY(seen.size() >= 2); // the client may already be in the first one
    for (qsizetype i = 0; i < seen.size(); ++i) {
        QVERIFY(seen[i].hasChanges);
        QVERIFY(seen[i].clientsIn && seen[i].clientsIn != QThread::currentThreadId());
        QVERIFY(seen[i].subscriptionsIn && seen[i].subscriptionsIn != QThread::currentThreadId());
        if (i) {
            QCOMPARE(seen[i].source, seen[0].source);
            QCOMPARE(seen[i].basis, seen[i - 1].result); // each against the one before
        }
    }
    QCOMPARE(clients->resyncs(), 1); // the first list only
    QCOMPARE(subscriptions->resyncs(), 1);
    QCOMPARE(clients->listId(), seen.last().result);

    // Stop and start: the new run's first change set is taken whole, then followed again.
    w.stopAction()->trigger();
    w.startAction()->trigger();
    QVERIFY2(controller.embedded()->isActive(), qPrintable(w.statusText()));
    const quint16 port2 = controller.embedded()->broker()->serverPort(QStringLiteral("tcp1"));
    c = std::make_unique<TestClient>("diff2", ProtocolVersion::V311);
    QVERIFY(c->open(port2, makeConnect(ProtocolVersion::V311, "after-restart")));
    QTRY_VERIFY_WITH_TIMEOUT(clients->rowOf("after-restart") >= 0, 5000);
    QCOMPARE(clients->resyncs(), 2);

    // Diff on the GUI thread: no change sets, the views still see the client go.
    controller.embedded()->setDiffInBackground(false);
    const qsizetype before = seen.size();
    QTRY_VERIFY_WITH_TIMEOUT(seen.size() > before + 1, 5000);
    QVERIFY(!seen.last().hasChanges);
    c.reset();
    QTRY_VERIFY_WITH_TIMEOUT(clients->rowOf("after-restart") < 0, 5000);
    // And back: the next change set does not follow the GUI thread's list: taken whole.
    controller.embedded()->setDiffInBackground(true);
    const int resyncs = clients->resyncs();
    QTRY_VERIFY_WITH_TIMEOUT(seen.last().hasChanges, 5000);
    QTRY_COMPARE_WITH_TIMEOUT(clients->listId(), seen.last().result, 5000);
    QCOMPARE(clients->resyncs(), resyncs + 1);
    w.stopAction()->trigger();
}

QTEST_MAIN(TestGuiEmbedded)
#include "tst_gui_embedded.moc"
