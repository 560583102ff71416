// DebugHook: the lines it logs on "petrel.debug" (captured with qInstallMessageHandler), one
// per event; passwords and authentication data hidden unless show_passwords; pings hidden
// unless show_pings; show_packet_data adds properties; settings validation; enable=false.
#include "hooks/debughook.h"

#include <QTest>

#include <mutex>

using namespace Qt::StringLiterals;
using namespace petrel::packets;
using petrel::ClientInfo;
using petrel::DebugHook;
using petrel::hookBit;
using petrel::HookEvent;

Q_DECLARE_METATYPE(petrel::packets::Packet)

namespace {

struct Captured {
    QtMsgType type;
    QString text;
};

std::mutex g_mutex;
QList<Captured> g_lines;
QtMessageHandler g_previous = nullptr;

void capture(QtMsgType type, const QMessageLogContext &context, const QString &message)
{
    if (context.category && qstrcmp(context.category, "petrel.debug") == 0) {
        std::lock_guard lock(g_mutex);
        g_lines.append({type, message});
        return;
    }
    if (g_previous) g_previous(type, context, message);
}

QStringList takeLines()
{
    std::lock_guard lock(g_mutex);
    QStringList out;
    for (const Captured &c : std::as_const(g_lines))
        out << c.text;
    g_lines.clear();
    return out;
}

ClientInfo client(const QByteArray &id = "c1")
{
    ClientInfo c;
    c.clientId = id;
    c.username = "user";
    c.remoteAddress = u"127.0.0.1:5000"_s;
    c.version = ProtocolVersion::V5;
    return c;
}

Connect connectPacket()
{
    Connect c;
    c.version = ProtocolVersion::V5;
    c.clientId = "c1";
    c.keepAlive = 30;
    c.hasUsername = true;
    c.username = "user";
    c.hasPassword = true;
    c.password = "hunter2";
    return c;
}

// Logs one packet read from the client with the given settings; returns the lines.
QStringList readWith(const QVariantMap &settings, Packet packet)
{
    DebugHook hook;
    QString error;
    if (!hook.init(settings, &error)) qFatal("init: %s", qPrintable(error));
    takeLines();
    hook.onPacketRead(client(), packet);
    return takeLines();
}

} // namespace

class TestDebugHook : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void provides();
    void settings_data();
    void settings();
    void packetLines_data();
    void packetLines();
    void passwords();
    void pings();
    void packetData();
    void oneLinePerEvent();
    void events();
    void infoLevel();
    void categorySwitch();
};

void TestDebugHook::initTestCase()
{
    QLoggingCategory::setFilterRules(u"petrel.debug.debug=true"_s);
    g_previous = qInstallMessageHandler(capture);
}

void TestDebugHook::cleanupTestCase()
{
    qInstallMessageHandler(g_previous);
}

void TestDebugHook::provides()
{
    DebugHook hook;
    QVERIFY(hook.init({}, nullptr));
    const auto mask = hook.provides();
    for (HookEvent e : {HookEvent::OnStarted, HookEvent::OnStopped, HookEvent::OnPacketRead,
                        HookEvent::OnPacketSent, HookEvent::OnDisconnect, HookEvent::OnRetainMessage,
                        HookEvent::OnQosPublish, HookEvent::OnQosComplete, HookEvent::OnQosDropped,
                        HookEvent::OnWillSent, HookEvent::OnClientExpired, HookEvent::OnRetainedExpired}) {
        QVERIFY2(mask & hookBit(e), petrel::hookEventName(e));
    }
    // Never an access decision or a storage loader.
    QCOMPARE(mask & hookBit(HookEvent::OnConnectAuthenticate), 0u);
    QCOMPARE(mask & hookBit(HookEvent::OnACLCheck), 0u);
    QCOMPARE(mask & hookBit(HookEvent::StoredClients), 0u);

    DebugHook off;
    QVERIFY(off.init({{u"enable"_s, false}}, nullptr));
    QCOMPARE(off.provides(), 0u);
}

void TestDebugHook::settings_data()
{
    QTest::addColumn<QVariantMap>("config");
    QTest::addColumn<bool>("ok");
    QTest::addColumn<QString>("error");

    QTest::newRow("empty") << QVariantMap{} << true << QString();
    QTest::newRow("all four (config shape)") << QVariantMap{{u"enable"_s, true},
                                                            {u"show_packet_data"_s, true},
                                                            {u"show_pings"_s, false},
                                                            {u"show_passwords"_s, false}}
                                             << true << QString();
    QTest::newRow("level info") << QVariantMap{{u"level"_s, u"INFO"_s}} << true << QString();
    QTest::newRow("unknown") << QVariantMap{{u"show_everything"_s, true}} << false
                             << u"debug: unknown setting \"show_everything\""_s;
    QTest::newRow("not a bool") << QVariantMap{{u"show_pings"_s, u"yes"_s}} << false
                                << u"debug.show_pings: expected true or false"_s;
    QTest::newRow("bad level") << QVariantMap{{u"level"_s, u"trace"_s}} << false
                               << u"debug.level: expected debug or info"_s;
}

void TestDebugHook::settings()
{
    QFETCH(QVariantMap, config);
    QFETCH(bool, ok);
    QFETCH(QString, error);

    DebugHook hook;
    QString message;
    QCOMPARE(hook.init(config, &message), ok);
    if (!ok) QVERIFY2(message.startsWith(error), qPrintable(message));
}

void TestDebugHook::packetLines_data()
{
    QTest::addColumn<Packet>("packet");
    QTest::addColumn<QString>("line");

    Publish pub;
    pub.topic = "a/b";
    pub.qos = 1;
    pub.packetId = 7;
    pub.payload = "hello";
    QTest::newRow("publish") << Packet(pub) << u"PUBLISH << c1 topic=\"a/b\" qos=1 id=7 payload=\"hello\""_s;

    Subscribe sub;
    sub.packetId = 3;
    sub.topics = {{"x/#", {1}}, {"y", {0}}};
    QTest::newRow("subscribe") << Packet(sub) << u"SUBSCRIBE << c1 id=3 filters=[\"x/#\":1,\"y\":0]"_s;

    SubackLike suback;
    suback.packetId = 3;
    suback.reasonCodes = {0x00, 0x87};
    QTest::newRow("suback") << Packet(suback) << u"SUBACK << c1 id=3 reasons=[0x00,0x87]"_s;

    Unsubscribe unsub;
    unsub.packetId = 4;
    unsub.filters = {"x/#"};
    QTest::newRow("unsubscribe") << Packet(unsub) << u"UNSUBSCRIBE << c1 id=4 filters=[\"x/#\"]"_s;

    Ack ack;
    ack.type = PacketType::Pubrec;
    ack.packetId = 9;
    ack.reasonCode = 0x87;
    ack.properties.reasonString = "no";
    ack.properties.mark(PropertyId::ReasonString);
    QTest::newRow("pubrec") << Packet(ack) << u"PUBREC << c1 id=9 reason=0x87 reason_string=\"no\""_s;

    Connack connack;
    connack.reasonCode = 0x86;
    QTest::newRow("connack") << Packet(connack) << u"CONNACK << c1 reason=0x86"_s;

    Disconnect disconnect;
    disconnect.reasonCode = 0x8e;
    QTest::newRow("disconnect") << Packet(disconnect) << u"DISCONNECT << c1 reason=0x8e"_s;

    QTest::newRow("connect")
        << Packet(connectPacket())
        << u"CONNECT << c1 id=\"c1\" clean=true keepalive=30 version=5 username=\"user\" password=<hidden 7 bytes>"_s;

    Connect withWill = connectPacket();
    withWill.hasPassword = false;
    withWill.password.clear();
    withWill.hasWill = true;
    withWill.will.topic = "w";
    withWill.will.payload = "bye";
    QTest::newRow("connect with will")
        << Packet(withWill)
        << u"CONNECT << c1 id=\"c1\" clean=true keepalive=30 version=5 username=\"user\" will_topic=\"w\" will_payload=\"bye\""_s;
}

void TestDebugHook::packetLines()
{
    QFETCH(Packet, packet);
    QFETCH(QString, line);

    const QStringList lines = readWith({}, packet);
    QCOMPARE(lines, QStringList{line});

    // Sent packets: the same line with ">>".
    DebugHook hook;
    hook.onPacketSent(client(), packet, {});
    QString sent = line;
    sent.replace(u" << "_s, u" >> "_s);
    QCOMPARE(takeLines(), QStringList{sent});
}

void TestDebugHook::passwords()
{
    const QStringList hidden = readWith({}, connectPacket());
    QCOMPARE(hidden.size(), 1);
    QVERIFY2(!hidden[0].contains(u"hunter2"_s), qPrintable(hidden[0]));
    QVERIFY(hidden[0].contains(u"password=<hidden 7 bytes>"_s));

    const QStringList shown = readWith({{u"show_passwords"_s, true}}, connectPacket());
    QCOMPARE(shown.size(), 1);
    QVERIFY2(shown[0].contains(u"password=\"hunter2\""_s), qPrintable(shown[0]));

    // v5 authentication data is a secret too, even with show_packet_data.
    Connect c = connectPacket();
    c.properties.authenticationMethod = "SCRAM-SHA-1";
    c.properties.mark(PropertyId::AuthenticationMethod);
    c.properties.authenticationData = "client-proof";
    c.properties.mark(PropertyId::AuthenticationData);
    const QStringList data = readWith({{u"show_packet_data"_s, true}}, c);
    QCOMPARE(data.size(), 1);
    QVERIFY2(!data[0].contains(u"hunter2"_s) && !data[0].contains(u"client-proof"_s), qPrintable(data[0]));
    QVERIFY2(data[0].contains(u"auth_method=\"SCRAM-SHA-1\" auth_data=<hidden 12 bytes>"_s),
             qPrintable(data[0]));
    Auth auth;
    auth.reasonCode = 0x18;
    auth.properties = c.properties;
    const QStringList authLines = readWith({}, auth);
    QCOMPARE(authLines.size(), 1);
    QVERIFY2(!authLines[0].contains(u"client-proof"_s), qPrintable(authLines[0]));
    const QStringList authShown = readWith({{u"show_passwords"_s, true}}, auth);
    QVERIFY2(authShown.value(0).contains(u"auth_data=\"client-proof\""_s), qPrintable(authShown.value(0)));
}

void TestDebugHook::pings()
{
    QCOMPARE(readWith({}, Pingreq{}), QStringList{});
    QCOMPARE(readWith({{u"show_pings"_s, true}}, Pingreq{}), QStringList{u"PINGREQ << c1"_s});
    DebugHook hook;
    hook.onPacketSent(client(), Pingresp{}, {});
    QCOMPARE(takeLines(), QStringList{});
}

void TestDebugHook::packetData()
{
    Publish pub;
    pub.topic = "t";
    pub.qos = 0;
    pub.retain = true;
    pub.payload = QByteArray(300, 'x');
    pub.properties.messageExpiryInterval = 60;
    pub.properties.mark(PropertyId::MessageExpiryInterval);
    pub.properties.userProperties.append(UserProperty{"k", "v"});

    const QStringList brief = readWith({}, pub);
    QCOMPARE(brief.size(), 1);
    QVERIFY2(brief[0].contains(u"...(300 bytes)"_s), qPrintable(brief[0]));
    QVERIFY(!brief[0].contains(u"props="_s));

    const QStringList full = readWith({{u"show_packet_data"_s, true}}, pub);
    QCOMPARE(full.size(), 1);
    QVERIFY2(full[0].contains(u"payload=\""_s + QString(300, u'x') + u'"'), qPrintable(full[0]));
    QVERIFY2(full[0].contains(u"retain=true dup=false props={message_expiry=60 user[\"k\"]=\"v\"}"_s),
             qPrintable(full[0]));
}

void TestDebugHook::oneLinePerEvent()
{
    Publish pub;
    pub.topic = "line\nbreak";
    pub.payload = QByteArray("a\r\nb\"c\\\x01\xff", 9);
    const QStringList lines = readWith({}, pub);
    QCOMPARE(lines.size(), 1);
    QVERIFY(!lines[0].contains(u'\n') && !lines[0].contains(u'\r'));
    QCOMPARE(lines[0],
             u"PUBLISH << c1 topic=\"line\\nbreak\" qos=0 id=0 payload=\"a\\r\\nb\\\"c\\\\\\x01\\xff\""_s);
}

void TestDebugHook::events()
{
    DebugHook hook;
    QVERIFY(hook.init({}, nullptr));
    takeLines();
    Publish pub;
    pub.topic = "t";
    pub.qos = 1;
    pub.packetId = 2;
    pub.payload = "p";
    hook.onStarted();
    hook.onDisconnect(client(), ReasonCode::Success, true);
    hook.onRetainMessage(client(), pub, 1);
    hook.onQosPublish(client(), pub, 0, 2);
    hook.onQosComplete(client(), pub);
    hook.onQosDropped(client(), pub);
    hook.onWillSent(client(), pub);
    hook.onClientExpired("gone");
    hook.onRetainedExpired("old/topic");
    hook.onStopped();
    const QString m = u"topic=\"t\" qos=1 id=2 payload=\"p\""_s;
    const QStringList expected{
        u"broker started"_s,
        u"client disconnected client=\"c1\" remote=\"127.0.0.1:5000\" reason=0x00 expire=true"_s,
        u"retained message stored client=\"c1\" "_s + m,
        u"inflight out client=\"c1\" resends=2 "_s + m,
        u"inflight complete client=\"c1\" "_s + m,
        u"inflight dropped client=\"c1\" "_s + m,
        u"sent will for client client=\"c1\" "_s + m,
        u"client session expired client=\"gone\""_s,
        u"retained message expired topic=\"old/topic\""_s,
        u"broker stopped"_s,
    };
    QCOMPARE(takeLines(), expected);
}

void TestDebugHook::infoLevel()
{
    DebugHook hook;
    QVERIFY(hook.init({{u"level"_s, u"info"_s}}, nullptr));
    {
        std::lock_guard lock(g_mutex);
        g_lines.clear();
    }
    hook.onStarted();
    std::lock_guard lock(g_mutex);
    QCOMPARE(g_lines.size(), 1);
    QCOMPARE(g_lines[0].type, QtInfoMsg);
    g_lines.clear();
}

void TestDebugHook::categorySwitch()
{
    QLoggingCategory::setFilterRules(u"petrel.debug.debug=false"_s);
    DebugHook hook;
    hook.onStarted();
    QCOMPARE(takeLines(), QStringList{});
    QLoggingCategory::setFilterRules(u"petrel.debug.debug=true"_s);
    hook.onStarted();
    QCOMPARE(takeLines(), QStringList{u"broker started"_s});
}

QTEST_GUILESS_MAIN(TestDebugHook)
#include "tst_debughook.moc"
