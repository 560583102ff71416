// BrokerAdmin over real connections: client, subscription and retained snapshots, and the
// actions (disconnect with a v5 reason, delete a session, delete a retained message).
#include "broker/admin.h"
#include "broker/broker.h"
#include "hooks/hook.h"
#include "support/broker_fixture.h"
#include "support/test_client.h"

#include <QTest>

#include <mutex>

using namespace petrel;
using namespace petrel::test;
using namespace petrel::packets;

namespace {

// Records OnRetainMessage and OnClientExpired calls (worker threads and the admin caller).
class RecordingHook : public Hook {
public:
    QString id() const override { return QStringLiteral("recording"); }
    HookMask provides() const override
    {
        return hookBit(HookEvent::OnRetainMessage) | hookBit(HookEvent::OnClientExpired);
    }
    void onRetainMessage(const ClientInfo &, const Publish &p, int change) override
    {
        std::lock_guard lock(m);
        retainChanges.append({p.topic, change});
    }
    void onClientExpired(const QByteArray &id) override
    {
        std::lock_guard lock(m);
        expired.append(id);
    }
    std::mutex m;
    QList<QPair<QByteArray, int>> retainChanges;
    QList<QByteArray> expired;
};

std::optional<admin::ClientSnapshot> find(const QList<admin::ClientSnapshot> &all, const QByteArray &id)
{
    for (const auto &c : all)
        if (c.clientId == id) return c;
    return std::nullopt;
}

} // namespace

class TestAdminCore : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void clientSnapshot();
    void offlineSessionSnapshot();
    void subscriptionSnapshot();
    void retainedSnapshot();
    void disconnectV5WithReason();
    void disconnectV311KeepsSession();
    void disconnectRefusesBadReasonAndUnknownClient();
    void deleteConnectedSession();
    void deleteOfflineSession();
    void deleteRetained();
    void stoppedBrokerAnswersNothing();
    void manyClientsOnAllWorkers();
};

void TestAdminCore::clientSnapshot()
{
    BrokerFixture f;
    QVERIFY(f.start());
    BrokerAdmin admin(*f.broker());
    TestClient c("c", ProtocolVersion::V5);
    Connect conn = makeConnect(ProtocolVersion::V5, "snap-1", true, 42);
    conn.hasUsername = true;
    conn.username = "alice";
    conn.properties.sessionExpiryInterval = 300;
    conn.properties.mark(PropertyId::SessionExpiryInterval);
    conn.properties.receiveMaximum = 77;
    conn.properties.mark(PropertyId::ReceiveMaximum);
    conn.hasWill = true;
    conn.will.topic = "snap/will";
    conn.will.payload = "gone";
    conn.will.qos = 1;
    const qint64 before = QDateTime::currentMSecsSinceEpoch();
    QVERIFY(c.open(f.port(), conn));
    QVERIFY(c.subscribe("snap/a", 1));
    QVERIFY(c.subscribe("snap/b/#", 0));
    QVERIFY(c.publishAndWait(makePublish("snap/a", "x", 1)));
    QVERIFY(c.receivePublish());

    const auto all = admin.clients();
    const auto s = find(all, "snap-1");
    QVERIFY(s);
    QCOMPARE(s->username, QByteArray("alice"));
    QVERIFY(s->remoteAddress.startsWith(QStringLiteral("127.0.0.1:")));
    QCOMPARE(s->listenerId, QStringLiteral("test"));
    QCOMPARE(s->protocolVersion, 5);
    QVERIFY(s->connected);
    QCOMPARE(s->keepAlive, 42);
    QCOMPARE(s->sessionExpiryInterval, 300u);
    QCOMPARE(s->subscriptions, 2);
    QCOMPARE(s->messagesIn, 1u);
    QCOMPARE(s->messagesOut, 1u);
    QCOMPARE(s->receiveMaximum, 77);
    QVERIFY(s->connectedAtMs >= before);
    QCOMPARE(s->disconnectedAtMs, 0);
    QVERIFY(s->hasWill);
    QCOMPARE(s->willTopic, QByteArray("snap/will"));
    QCOMPARE(s->willQos, 1);

    const auto one = admin.client("snap-1");
    QVERIFY(one);
    QCOMPARE(one->clientId, QByteArray("snap-1"));
    QVERIFY(!admin.client("nobody"));

    // JSON round trip keeps every field the GUI shows.
    const admin::ClientSnapshot back = admin::clientFromJson(admin::toJson(*s));
    QCOMPARE(back.clientId, s->clientId);
    QCOMPARE(back.username, s->username);
    QCOMPARE(back.keepAlive, s->keepAlive);
    QCOMPARE(back.messagesIn, s->messagesIn);
    QCOMPARE(back.willTopic, s->willTopic);
    QCOMPARE(back.connectedAtMs, s->connectedAtMs);
}

void TestAdminCore::offlineSessionSnapshot()
{
    BrokerFixture f;
    QVERIFY(f.start());
    BrokerAdmin admin(*f.broker());
    {
        TestClient c("c", ProtocolVersion::V311);
        QVERIFY(c.open(f.port(), makeConnect(ProtocolVersion::V311, "offline-1", false)));
        QVERIFY(c.subscribe("off/#", 1));
        QVERIFY(c.disconnect());
    }
    TestClient pub("pub");
    QVERIFY(pub.open(f.port(), makeConnect(ProtocolVersion::V311, "offline-pub")));
    QVERIFY(pub.publishAndWait(makePublish("off/x", "queued", 1)));

    std::optional<admin::ClientSnapshot> s;
    for (int i = 0; i < 50; ++i) {
        s = admin.client("offline-1");
        if (s && !s->connected && s->queued == 1) break;
        QTest::qWait(20);
    }
    QVERIFY(s);
    QVERIFY(!s->connected);
    QVERIFY(s->disconnectedAtMs > 0);
    QCOMPARE(s->queued, 1);
    QCOMPARE(s->subscriptions, 1);
    QCOMPARE(s->sessionExpiryInterval, 0xFFFFFFFFu);
}

void TestAdminCore::subscriptionSnapshot()
{
    BrokerFixture f;
    QVERIFY(f.start());
    BrokerAdmin admin(*f.broker());
    TestClient c("c", ProtocolVersion::V5);
    QVERIFY(c.open(f.port(), makeConnect(ProtocolVersion::V5, "subs-1")));
    Subscribe sub;
    TopicSubscription t1 = makeSubscription("a/+/c", 2);
    t1.options.noLocal = true;
    t1.options.retainAsPublished = true;
    t1.options.retainHandling = 2;
    sub.topics.append(t1);
    sub.properties.subscriptionIdentifiers.append(9);
    QVERIFY(c.subscribe(sub));
    QVERIFY(c.subscribe("$share/grp/s/#", 1));

    const auto all = admin.subscriptions();
    QCOMPARE(all.size(), 2);
    // Sorted by filter: "$share/..." < "a/+/c".
    QCOMPARE(all[0].filter, QByteArray("$share/grp/s/#"));
    QCOMPARE(all[0].shareGroup, QByteArray("grp"));
    QCOMPARE(all[0].qos, 1);
    QCOMPARE(all[1].filter, QByteArray("a/+/c"));
    QCOMPARE(all[1].clientId, QByteArray("subs-1"));
    QCOMPARE(all[1].qos, 2);
    QVERIFY(all[1].noLocal);
    QVERIFY(all[1].retainAsPublished);
    QCOMPARE(all[1].retainHandling, 2);
    QCOMPARE(all[1].identifier, 9u);
    QVERIFY(all[1].shareGroup.isEmpty());
    const auto back = admin::subscriptionFromJson(admin::toJson(all[0]));
    QCOMPARE(back.shareGroup, QByteArray("grp"));
    QCOMPARE(back.filter, all[0].filter);
}

void TestAdminCore::retainedSnapshot()
{
    BrokerFixture f;
    QVERIFY(f.start());
    BrokerAdmin admin(*f.broker());
    TestClient c("c", ProtocolVersion::V5);
    QVERIFY(c.open(f.port(), makeConnect(ProtocolVersion::V5, "ret-1")));
    Publish p = makePublish("ret/one", "{\"t\":21}", 1, true);
    p.properties.contentType = "application/json";
    p.properties.mark(PropertyId::ContentType);
    p.properties.userProperties.append({"k", "v"});
    QVERIFY(c.publishAndWait(p));
    QVERIFY(c.publishAndWait(makePublish("ret/two", QByteArray("\x00\xff", 2), 0, true)));

    QList<admin::RetainedSnapshot> all;
    for (int i = 0; i < 50 && all.size() < 2; ++i) {
        all.clear();
        for (const auto &r : admin.retained())
            if (r.message.topic.startsWith("ret/")) all.append(r);
        QTest::qWait(20);
    }
    QCOMPARE(all.size(), 2);
    QCOMPARE(all[0].message.topic, QByteArray("ret/one"));
    QCOMPARE(all[0].message.payload, QByteArray("{\"t\":21}"));
    QCOMPARE(all[0].message.qos, 1);
    QCOMPARE(all[0].message.properties.contentType, QByteArray("application/json"));
    QCOMPARE(all[0].message.properties.userProperties.size(), 1);
    QCOMPARE(all[1].message.payload, QByteArray("\x00\xff", 2));

    const QJsonObject j = admin::toJson(all[1]);
    QVERIFY(j.value(QStringLiteral("payload")).isNull()); // not UTF-8
    const auto back = admin::retainedFromJson(j);
    QCOMPARE(back.message.payload, QByteArray("\x00\xff", 2));
    const auto back0 = admin::retainedFromJson(admin::toJson(all[0]));
    QCOMPARE(back0.message.properties.contentType, QByteArray("application/json"));
    QCOMPARE(back0.message.properties.userProperties.value(0).second, QByteArray("v"));
}

void TestAdminCore::disconnectV5WithReason()
{
    BrokerFixture f;
    QVERIFY(f.start());
    BrokerAdmin admin(*f.broker());
    TestClient c("c", ProtocolVersion::V5);
    QVERIFY(c.open(f.port(), makeConnect(ProtocolVersion::V5, "kick-5")));
    QCOMPARE(admin.disconnectClient("kick-5", 0x98), admin::Result::Done);
    QVERIFY(c.expectServerDisconnect(0x98));
    for (int i = 0; i < 50 && admin.client("kick-5"); ++i)
        QTest::qWait(20);
    QVERIFY(!admin.client("kick-5")); // session expiry 0: gone with the connection
    QCOMPARE(admin.disconnectClient("kick-5", 0x98), admin::Result::NotFound);
}

void TestAdminCore::disconnectV311KeepsSession()
{
    BrokerFixture f;
    QVERIFY(f.start());
    BrokerAdmin admin(*f.broker());
    TestClient c("c", ProtocolVersion::V311);
    QVERIFY(c.open(f.port(), makeConnect(ProtocolVersion::V311, "kick-3", false)));
    QCOMPARE(admin.disconnectClient("kick-3", 0x98), admin::Result::Done);
    QVERIFY(c.expectServerDisconnect(std::nullopt));
    std::optional<admin::ClientSnapshot> s;
    for (int i = 0; i < 50; ++i) {
        s = admin.client("kick-3");
        if (s && !s->connected) break;
        QTest::qWait(20);
    }
    QVERIFY(s);
    QVERIFY(!s->connected);
    QCOMPARE(admin.disconnectClient("kick-3", 0x98), admin::Result::NotConnected);
}

void TestAdminCore::disconnectRefusesBadReasonAndUnknownClient()
{
    BrokerFixture f;
    QVERIFY(f.start());
    BrokerAdmin admin(*f.broker());
    TestClient c("c", ProtocolVersion::V5);
    QVERIFY(c.open(f.port(), makeConnect(ProtocolVersion::V5, "stay")));
    QCOMPARE(admin.disconnectClient("stay", 0x86), admin::Result::BadReason); // a CONNACK code
    QCOMPARE(admin.disconnectClient("nobody", 0x98), admin::Result::NotFound);
    QVERIFY(c.ping());
    QVERIFY(admin.client("stay")->connected);
}

void TestAdminCore::deleteConnectedSession()
{
    BrokerFixture f;
    QVERIFY(f.start());
    BrokerAdmin admin(*f.broker());
    TestClient c("c", ProtocolVersion::V5);
    Connect conn = makeConnect(ProtocolVersion::V5, "del-1");
    conn.properties.sessionExpiryInterval = 3600;
    conn.properties.mark(PropertyId::SessionExpiryInterval);
    QVERIFY(c.open(f.port(), conn));
    QVERIFY(c.subscribe("del/#", 1));
    QCOMPARE(f.broker()->stats().subscriptions, 1);
    QCOMPARE(admin.deleteSession("del-1"), admin::Result::Done);
    QVERIFY(c.expectServerDisconnect(0x98));
    QVERIFY(!admin.client("del-1"));
    QCOMPARE(f.broker()->stats().subscriptions, 0);
    QVERIFY(admin.subscriptions().isEmpty());
    // Reconnecting finds no session.
    TestClient again("again", ProtocolVersion::V5);
    Connect resume = conn;
    resume.cleanStart = false;
    auto ack = again.open(f.port(), resume);
    QVERIFY(ack);
    QVERIFY(!ack->sessionPresent);
}

void TestAdminCore::deleteOfflineSession()
{
    auto hook = std::make_shared<RecordingHook>();
    Options o = BrokerFixture::defaultOptions();
    Broker broker(o);
    QVERIFY(broker.addHook(hook));
    QVERIFY(broker.start());
    const quint16 port = broker.listenTcp(QStringLiteral("t"), QHostAddress::LocalHost, 0);
    QVERIFY(port);
    BrokerAdmin admin(broker);
    {
        TestClient c("c");
        QVERIFY(c.open(port, makeConnect(ProtocolVersion::V311, "del-off", false)));
        QVERIFY(c.subscribe("x/#", 1));
        QVERIFY(c.disconnect());
    }
    for (int i = 0; i < 50 && (!admin.client("del-off") || admin.client("del-off")->connected); ++i)
        QTest::qWait(20);
    QCOMPARE(admin.deleteSession("del-off"), admin::Result::Done);
    QVERIFY(!admin.client("del-off"));
    QCOMPARE(broker.stats().clientsTotal, 0);
    QCOMPARE(admin.deleteSession("del-off"), admin::Result::NotFound);
    std::lock_guard lock(hook->m);
    QCOMPARE(hook->expired, QList<QByteArray>{"del-off"});
}

void TestAdminCore::deleteRetained()
{
    auto hook = std::make_shared<RecordingHook>();
    Broker broker(BrokerFixture::defaultOptions());
    QVERIFY(broker.addHook(hook));
    QVERIFY(broker.start());
    const quint16 port = broker.listenTcp(QStringLiteral("t"), QHostAddress::LocalHost, 0);
    BrokerAdmin admin(broker);
    TestClient c("c");
    QVERIFY(c.open(port, makeConnect(ProtocolVersion::V311, "ret-del")));
    QVERIFY(c.publishAndWait(makePublish("keep/me", "k", 1, true)));
    QVERIFY(c.publishAndWait(makePublish("drop/me", "d", 1, true)));
    QCOMPARE(admin.deleteRetained("drop/me"), admin::Result::Done);
    QCOMPARE(admin.deleteRetained("drop/me"), admin::Result::NotFound);
    QStringList topics;
    for (const auto &r : admin.retained())
        if (!r.message.topic.startsWith("$SYS")) topics << QString::fromUtf8(r.message.topic);
    QCOMPARE(topics, QStringList{QStringLiteral("keep/me")});
    // A new subscriber gets only the one left.
    TestClient s("s");
    QVERIFY(s.open(port, makeConnect(ProtocolVersion::V311, "ret-sub")));
    QVERIFY(s.subscribe("+/me", 0));
    auto p = s.receivePublish();
    QVERIFY(p);
    QCOMPARE(p->topic, QByteArray("keep/me"));
    QVERIFY(s.expectNoPacket());
    std::lock_guard lock(hook->m);
    QVERIFY(hook->retainChanges.contains(qMakePair(QByteArray("drop/me"), -1)));
}

void TestAdminCore::stoppedBrokerAnswersNothing()
{
    Broker broker(BrokerFixture::defaultOptions());
    BrokerAdmin admin(broker);
    QVERIFY(admin.clients().isEmpty());
    QVERIFY(admin.subscriptions().isEmpty());
    QVERIFY(admin.retained().isEmpty());
    QCOMPARE(admin.disconnectClient("x", 0), admin::Result::NotFound);
    QCOMPARE(admin.deleteSession("x"), admin::Result::NotFound);
    QCOMPARE(admin.deleteRetained("x"), admin::Result::NotFound);
}

void TestAdminCore::manyClientsOnAllWorkers()
{
    BrokerFixture f;
    QVERIFY(f.start());
    BrokerAdmin admin(*f.broker());
    std::vector<std::unique_ptr<TestClient>> clients;
    for (int i = 0; i < 20; ++i) {
        auto c = std::make_unique<TestClient>(QByteArray("m") + QByteArray::number(i));
        QVERIFY(c->open(f.port(), makeConnect(ProtocolVersion::V311, "many-" + QByteArray::number(i))));
        clients.push_back(std::move(c));
    }
    const auto all = admin.clients();
    QCOMPARE(all.size(), 20);
    QCOMPARE(all.first().clientId, QByteArray("many-0")); // sorted by id
    for (const auto &c : all)
        QVERIFY(c.connected);
}

QTEST_GUILESS_MAIN(TestAdminCore)
#include "tst_admin_core.moc"
