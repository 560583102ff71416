// The auth ledger over real connections: an in-process broker with a LedgerHook, clients
// on TCP. CONNACK codes for bad credentials / explicit refusals (v5 0x86/0x87, v3.1.1 4/5),
// SUBACK 0x87 (v5) / 0x80 (v3) for a denied filter, PUBACK/PUBREC 0x87 for a denied publish
// (v5; v3 gets a plain ack and the message is dropped), ObscureNotAuthorized (0x80), and the
// ledger named in Options::hooks as a config file does.
#include "broker/broker.h"
#include "hooks/builtin.h"
#include "hooks/ledger.h"
#include "support/test_client.h"

#include <QLoggingCategory>
#include <QTest>

#include <memory>

using namespace Qt::StringLiterals;
using namespace petrel;
using namespace petrel::packets;
using petrel::test::addVersionRows;
using petrel::test::makeConnect;
using petrel::test::makePublish;
using petrel::test::TestClient;

namespace {

const QByteArray kLedger = R"(
users:
  retired: {password: old, disallow: true}
auth:
  - {client: "blocked-*", allow: false}
  - {username: peach, password: password1, allow: true}
  - {username: melon, password: password2, allow: true}
acl:
  - username: melon
    filters:
      "melon/#": 3
      "updates/#": 2
  - filters:
      "#": 1
      "updates/#": 0
)";

class LedgerBroker {
public:
    // A broker with a LedgerHook holding `ledger`, added through Broker::addHook.
    bool start(const QByteArray &ledger, bool obscure, QString *error)
    {
        auto hook = std::make_shared<LedgerHook>();
        if (!hook->loadFromData(ledger, error)) return false;
        m_broker = std::make_unique<Broker>(options(obscure));
        if (!m_broker->addHook(hook, {}, error)) return false;
        return listen(error);
    }

    // A LedgerHook added through Broker::addHook with `config` for Hook::init.
    bool startWithHookConfig(const QVariantMap &config, QString *error)
    {
        m_broker = std::make_unique<Broker>(options(false));
        if (!m_broker->addHook(std::make_shared<LedgerHook>(), config, error)) return false;
        return listen(error);
    }

    // The ledger named in Options::hooks, as core/config stores
    // `hooks: {auth: {ledger: {path: <file>}}}`: what petrel-server does with a config file.
    bool startConfigured(const QString &path, QString *error)
    {
        Options o = options(false);
        o.hooks.append(HookConfig{u"auth"_s, u"ledger"_s, {{u"path"_s, path}}});
        m_broker = std::make_unique<Broker>(o);
        return listen(error);
    }

    quint16 port() const { return m_port; }
    ~LedgerBroker()
    {
        if (m_broker) m_broker->stop();
    }

private:
    static Options options(bool obscure)
    {
        Options o;
        o.workerThreads = 2;
        o.sysTopicResendInterval = 0;
        o.capabilities.compatibilities.obscureNotAuthorized = obscure;
        return o;
    }
    bool listen(QString *error)
    {
        if (!m_broker->start(error)) return false;
        m_port = m_broker->listenTcp(u"test"_s, QHostAddress::LocalHost, 0, error);
        return m_port != 0;
    }

    std::unique_ptr<Broker> m_broker;
    quint16 m_port = 0;
};

Connect connectAs(ProtocolVersion v, const QByteArray &clientId, const QByteArray &username,
                  const QByteArray &password)
{
    Connect c = makeConnect(v, clientId);
    if (!username.isEmpty()) {
        c.hasUsername = true;
        c.username = username;
    }
    if (!password.isEmpty()) {
        c.hasPassword = true;
        c.password = password;
    }
    return c;
}

// resources/config/ledger.yaml over real connections.
void checkExampleLedger(quint16 port)
{
    TestClient ok("ok", ProtocolVersion::V5);
    QVERIFY(ok.connectTcp(port));
    auto ack = ok.connect(connectAs(ProtocolVersion::V5, "c1", "melon", "password3")); // bcrypt entry
    QVERIFY2(ack, qPrintable(ok.lastError()));
    QCOMPARE(int(ack->reasonCode), 0);
    TestClient bad("bad", ProtocolVersion::V5);
    QVERIFY(bad.connectTcp(port));
    ack = bad.connect(connectAs(ProtocolVersion::V5, "c2", "melon", "password1"));
    QVERIFY2(ack, qPrintable(bad.lastError()));
    // The example file also lets 127.0.0.1 in without a password: a wrong password
    // for melon then falls through to that rule.
    QCOMPARE(int(ack->reasonCode), 0);
    TestClient blocked("blocked", ProtocolVersion::V5);
    QVERIFY(blocked.connectTcp(port));
    ack = blocked.connect(connectAs(ProtocolVersion::V5, "blocked-9", {}, {}));
    QVERIFY2(ack, qPrintable(blocked.lastError()));
    QCOMPARE(int(ack->reasonCode), 0x87);
}

} // namespace

#define START_BROKER(b, ...)                                                                                 \
    do {                                                                                                     \
        QString startError_;                                                                                 \
        QVERIFY2((b).start(__VA_ARGS__, &startError_), qPrintable(startError_));                             \
    } while (false)

class TestLedgerBroker : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { QLoggingCategory::setFilterRules(u"petrel.*.info=false\npetrel.*.debug=false"_s); }

    void connack_data()
    {
        QTest::addColumn<int>("version");
        QTest::addColumn<QByteArray>("clientId");
        QTest::addColumn<QByteArray>("username");
        QTest::addColumn<QByteArray>("password");
        QTest::addColumn<bool>("obscure");
        QTest::addColumn<int>("code");

        const int v5 = int(ProtocolVersion::V5);
        const int v3 = int(ProtocolVersion::V311);
        for (int v : {v5, v3}) {
            const QByteArray tag = v == v5 ? "v5 " : "v3.1.1 ";
            const bool isV5 = v == v5;
            QTest::newRow(tag + "accepted")
                << v << QByteArray("c1") << QByteArray("peach") << QByteArray("password1") << false << 0;
            QTest::newRow(tag + "wrong password") << v << QByteArray("c1") << QByteArray("peach")
                                                  << QByteArray("nope") << false << (isV5 ? 0x86 : 4);
            QTest::newRow(tag + "unknown user") << v << QByteArray("c1") << QByteArray("nobody")
                                                << QByteArray() << false << (isV5 ? 0x86 : 4);
            QTest::newRow(tag + "deny rule") << v << QByteArray("blocked-1") << QByteArray("peach")
                                             << QByteArray("password1") << false << (isV5 ? 0x87 : 5);
            QTest::newRow(tag + "disallowed user") << v << QByteArray("c1") << QByteArray("retired")
                                                   << QByteArray("old") << false << (isV5 ? 0x87 : 5);
            // (v3.1.1 has no "unspecified error" CONNACK code; obscuring is checked on v5.)
            if (isV5) {
                QTest::newRow(tag + "obscured wrong password")
                    << v << QByteArray("c1") << QByteArray("peach") << QByteArray("nope") << true << 0x80;
                QTest::newRow(tag + "obscured deny rule")
                    << v << QByteArray("blocked-1") << QByteArray("peach") << QByteArray("password1") << true
                    << 0x80;
            }
        }
    }

    void connack()
    {
        QFETCH(int, version);
        QFETCH(QByteArray, clientId);
        QFETCH(QByteArray, username);
        QFETCH(QByteArray, password);
        QFETCH(bool, obscure);
        QFETCH(int, code);

        LedgerBroker b;
        START_BROKER(b, kLedger, obscure);
        TestClient c("c", ProtocolVersion(version));
        QVERIFY(c.connectTcp(b.port()));
        auto ack = c.connect(connectAs(ProtocolVersion(version), clientId, username, password));
        QVERIFY2(ack, qPrintable(c.lastError()));
        QCOMPARE(int(ack->reasonCode), code);
        if (code != 0) QVERIFY(c.waitDisconnected());
    }

    void subscribe_data() { addVersionRows(); }

    void subscribe()
    {
        QFETCH(int, version);
        const auto v = ProtocolVersion(version);
        LedgerBroker b;
        START_BROKER(b, kLedger, false);
        TestClient melon("melon", v);
        QVERIFY(melon.connectTcp(b.port()));
        auto ack = melon.connect(connectAs(v, "m1", "melon", "password2"));
        QVERIFY2(ack && ack->reasonCode == 0, qPrintable(melon.lastError()));

        Subscribe s;
        s.topics = {test::makeSubscription("melon/#", 1), test::makeSubscription("updates/#", 1),
                    test::makeSubscription("news/+", 0)};
        auto suback = melon.subscribe(s);
        QVERIFY2(suback, qPrintable(melon.lastError()));
        const std::uint8_t denied = isV5(v) ? 0x87 : 0x80;
        QCOMPARE(suback->reasonCodes, (QList<std::uint8_t>{1, denied, 0}));
    }

    void subscribeObscured()
    {
        LedgerBroker b;
        START_BROKER(b, kLedger, true);
        TestClient melon("melon", ProtocolVersion::V5);
        QVERIFY(melon.connectTcp(b.port()));
        auto ack = melon.connect(connectAs(ProtocolVersion::V5, "m1", "melon", "password2"));
        QVERIFY2(ack && ack->reasonCode == 0, qPrintable(melon.lastError()));
        auto suback = melon.subscribe("updates/#", 1);
        QVERIFY2(suback, qPrintable(melon.lastError()));
        QCOMPARE(suback->reasonCodes, QList<std::uint8_t>{0x80});
    }

    void publish_data()
    {
        QTest::addColumn<int>("version");
        QTest::addColumn<int>("qos");
        QTest::addColumn<bool>("obscure");
        QTest::addColumn<int>("code"); // of the PUBACK / PUBREC for the denied publish

        QTest::newRow("v5 qos1") << int(ProtocolVersion::V5) << 1 << false << 0x87;
        QTest::newRow("v5 qos2") << int(ProtocolVersion::V5) << 2 << false << 0x87;
        QTest::newRow("v5 qos1 obscured") << int(ProtocolVersion::V5) << 1 << true << 0x80;
        QTest::newRow("v5 qos2 obscured") << int(ProtocolVersion::V5) << 2 << true << 0x80;
        QTest::newRow("v3.1.1 qos1") << int(ProtocolVersion::V311) << 1 << false << 0;
        QTest::newRow("v3.1.1 qos2") << int(ProtocolVersion::V311) << 2 << false << 0;
    }

    void publish()
    {
        QFETCH(int, version);
        QFETCH(int, qos);
        QFETCH(bool, obscure);
        QFETCH(int, code);
        const auto v = ProtocolVersion(version);

        LedgerBroker b;
        START_BROKER(b, kLedger, obscure);
        // peach reads everything but updates/#... and may write nothing (rule 1: "#": 1).
        TestClient reader("reader", ProtocolVersion::V5);
        QVERIFY(reader.connectTcp(b.port()));
        QVERIFY(reader.connect(connectAs(ProtocolVersion::V5, "r1", "melon", "password2")));
        QVERIFY(reader.subscribe("melon/#", 2));

        TestClient peach("peach", v);
        QVERIFY(peach.connectTcp(b.port()));
        auto ack = peach.connect(connectAs(v, "p1", "peach", "password1"));
        QVERIFY2(ack && ack->reasonCode == 0, qPrintable(peach.lastError()));

        Publish p = makePublish("melon/x", "denied", quint8(qos));
        p.packetId = peach.nextPacketId();
        QVERIFY(peach.send(p));
        auto reply = peach.receiveAck(qos == 1 ? PacketType::Puback : PacketType::Pubrec);
        QVERIFY2(reply, qPrintable(peach.lastError()));
        QCOMPARE(reply->packetId, p.packetId);
        QCOMPARE(int(reply->reasonCode), code);
        if (qos == 2 && code < 0x80) {
            // v3: the flow completes normally, the message is dropped.
            Ack rel;
            rel.type = PacketType::Pubrel;
            rel.packetId = p.packetId;
            QVERIFY(peach.send(rel));
            QVERIFY(peach.receiveAck(PacketType::Pubcomp));
        }
        QVERIFY(reader.expectNoPacket());

        // melon may write its own topic: delivered.
        TestClient melon("melon", v);
        QVERIFY(melon.connectTcp(b.port()));
        QVERIFY(melon.connect(connectAs(v, "m2", "melon", "password2")));
        QVERIFY(melon.publishAndWait(makePublish("melon/x", "allowed", quint8(qos))));
        auto got = reader.receivePublish();
        QVERIFY2(got, qPrintable(reader.lastError()));
        QCOMPARE(got->payload, QByteArray("allowed"));
        reader.acknowledge(*got);
    }

    void configuredLedger()
    {
        QString why;
        if (!createBuiltinHook(HookConfig{u"auth"_s, u"ledger"_s, {}}, &why))
            QSKIP("createBuiltinHook (core/hooks/builtin.cpp) does not create the ledger hook yet");
        LedgerBroker b;
        QString error;
        const QString path =
            QString::fromLocal8Bit(qgetenv("PETREL_SOURCE_DIR")) + u"/resources/config/ledger.yaml"_s;
        QVERIFY2(b.startConfigured(path, &error), qPrintable(error));
        checkExampleLedger(b.port());
    }

    void exampleLedgerThroughInit()
    {
        // Broker::addHook(ledger, {path: file}): the hook's init() loads the file.
        LedgerBroker b;
        QString error;
        const QString path =
            QString::fromLocal8Bit(qgetenv("PETREL_SOURCE_DIR")) + u"/resources/config/ledger.yaml"_s;
        QVERIFY2(b.startWithHookConfig({{u"path"_s, path}}, &error), qPrintable(error));
        checkExampleLedger(b.port());
    }
};

QTEST_GUILESS_MAIN(TestLedgerBroker)
#include "tst_ledger_broker.moc"
