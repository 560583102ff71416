// Every hook event over real connections: an in-process broker with a recording hook that
// provides all events, clients on TCP (127.0.0.1). Each test shows one event firing at the
// right moment with the right data, and that the modifying events (OnPacketRead, OnPublish,
// OnSubscribe, OnSelectSubscribers, OnWill, OnPacketEncode, OnAuthPacket, OnConnect) really
// change what the broker does. Also: a hook providing nothing is never called, and hooks run
// in the order they were added.
//
// Not covered here: OnPacketIDExhausted (unreachable: the inflight window, at most 65535,
// stops pump() before the packet id allocator can run out), the Stored* loaders (persistence).
#include "broker/broker.h"
#include "packets/codec.h"
#include "support/broker_fixture.h"
#include "support/test_client.h"

#include <QDeadlineTimer>
#include <QElapsedTimer>
#include <QLoggingCategory>
#include <QMutex>
#include <QTest>

#include <algorithm>
#include <atomic>
#include <functional>
#include <memory>
#include <optional>

using namespace Qt::StringLiterals;
using namespace petrel;
using namespace petrel::packets;
using petrel::test::addVersionRows;
using petrel::test::makeConnect;
using petrel::test::makePublish;
using petrel::test::makeSubscription;
using petrel::test::TestClient;

namespace {

constexpr int kWaitMs = 3000;

// One recorded call. Which fields are set depends on the event (see Recorder).
struct Rec {
    HookEvent event = HookEvent::Count;
    quint64 seq = 0;              // global order of calls (across recorders)
    QByteArray clientId;          // the ClientInfo's id (OnClientExpired: its argument)
    QByteArray topic;             // PUBLISH/will topic, ACL topic or filter
    QByteArray payload;           // PUBLISH/will payload
    int number = 0;               // reason code, retain change, resends, processing error
    bool flag = false;            // ACL write, OnDisconnect expire
    std::optional<Packet> packet; // as the hook received it (before it changed it)
    QByteArray bytes;             // OnPacketSent
    QList<std::uint8_t> codes;    // OnSubscribed
    QList<QByteArray> list;       // filters, selected subscribers
};

std::atomic<quint64> g_seq{0};

constexpr HookMask allEvents()
{
    return (HookMask(1) << unsigned(HookEvent::Count)) - 1;
}

// Records every call; optional behaviour per event (set before the broker starts; the
// broker's worker threads only read it). Thread-safe: events come from several workers.
class Recorder : public Hook {
public:
    explicit Recorder(QString name = u"recorder"_s, HookMask mask = allEvents())
        : m_name(std::move(name)), m_mask(mask)
    {
    }

    std::function<bool(const ClientInfo &, const Connect &)> authenticate; // default: yes
    std::function<bool(const ClientInfo &, const QByteArray &, bool)> acl; // default: yes
    std::function<Error(const ClientInfo &, const Connect &)> connect;
    std::function<Error(const ClientInfo &, Auth &)> authPacket;
    std::function<Error(const ClientInfo &, Packet &)> packetRead;
    std::function<void(const ClientInfo &, Packet &)> packetEncode;
    std::function<void(const ClientInfo &, Subscribe &)> subscribe;
    std::function<void(const ClientInfo &, Unsubscribe &)> unsubscribe;
    std::function<void(const Publish &, QList<SelectedSubscriber> &)> select;
    std::function<Error(const ClientInfo &, Publish &)> publish;
    std::function<bool(const ClientInfo &, Will &)> will;

    QString id() const override { return m_name; }
    HookMask provides() const override { return m_mask; }

    // ---- reading the record

    QList<Rec> all() const
    {
        QMutexLocker lock(&m_mutex);
        return m_recs;
    }
    QList<Rec> of(HookEvent e, const QByteArray &clientId = {}) const
    {
        QMutexLocker lock(&m_mutex);
        QList<Rec> out;
        for (const Rec &r : m_recs)
            if (r.event == e && (clientId.isEmpty() || r.clientId == clientId)) out.append(r);
        return out;
    }
    qsizetype count(HookEvent e, const QByteArray &clientId = {}) const { return of(e, clientId).size(); }
    // Waits (bounded) until `e` was recorded at least n times for the client.
    bool waitFor(HookEvent e, const QByteArray &clientId = {}, qsizetype n = 1, int timeoutMs = kWaitMs) const
    {
        QDeadlineTimer deadline(timeoutMs);
        while (count(e, clientId) < n) {
            if (deadline.hasExpired()) {
                qWarning().noquote() << m_name << "waited in vain for" << hookEventName(e) << clientId
                                     << "- recorded:" << names();
                return false;
            }
            QTest::qWait(10);
        }
        return true;
    }
    // Events of a packet type recorded for OnPacketRead/Encode/Sent/Processed.
    QList<Rec> packets(HookEvent e, PacketType type, const QByteArray &clientId = {}) const
    {
        QList<Rec> out;
        for (const Rec &r : of(e, clientId))
            if (r.packet && packetTypeOf(*r.packet) == type) out.append(r);
        return out;
    }
    bool waitForPacket(HookEvent e, PacketType type, const QByteArray &clientId,
                       int timeoutMs = kWaitMs) const
    {
        QDeadlineTimer deadline(timeoutMs);
        while (packets(e, type, clientId).isEmpty()) {
            if (deadline.hasExpired()) return false;
            QTest::qWait(10);
        }
        return true;
    }
    QStringList names() const
    {
        QStringList out;
        for (const Rec &r : all())
            out << QString::fromLatin1(hookEventName(r.event));
        return out;
    }
    void clear()
    {
        QMutexLocker lock(&m_mutex);
        m_recs.clear();
    }

    // ---- the events

    void onStarted() override { add(rec(HookEvent::OnStarted)); }
    void onStopped() override { add(rec(HookEvent::OnStopped)); }
    bool onConnectAuthenticate(const ClientInfo &client, const Connect &c) override
    {
        Rec r = rec(HookEvent::OnConnectAuthenticate, client);
        r.packet = Packet(c);
        add(std::move(r));
        return authenticate ? authenticate(client, c) : true;
    }
    bool onACLCheck(const ClientInfo &client, const QByteArray &topic, bool write) override
    {
        Rec r = rec(HookEvent::OnACLCheck, client);
        r.topic = topic;
        r.flag = write;
        add(std::move(r));
        return acl ? acl(client, topic, write) : true;
    }
    void onSysInfoTick(const BrokerStats &) override { add(rec(HookEvent::OnSysInfoTick)); }
    Error onConnect(const ClientInfo &client, const Connect &c) override
    {
        Rec r = rec(HookEvent::OnConnect, client);
        r.packet = Packet(c);
        add(std::move(r));
        return connect ? connect(client, c) : Error{};
    }
    void onSessionEstablish(const ClientInfo &client, const Connect &c) override
    {
        Rec r = rec(HookEvent::OnSessionEstablish, client);
        r.packet = Packet(c);
        add(std::move(r));
    }
    void onSessionEstablished(const ClientInfo &client, const Connect &c) override
    {
        Rec r = rec(HookEvent::OnSessionEstablished, client);
        r.packet = Packet(c);
        add(std::move(r));
    }
    void onDisconnect(const ClientInfo &client, ReasonCode reason, bool expire) override
    {
        Rec r = rec(HookEvent::OnDisconnect, client);
        r.number = int(reason);
        r.flag = expire;
        add(std::move(r));
    }
    Error onAuthPacket(const ClientInfo &client, Auth &packet) override
    {
        Rec r = rec(HookEvent::OnAuthPacket, client);
        r.number = packet.reasonCode;
        r.packet = Packet(packet);
        add(std::move(r));
        return authPacket ? authPacket(client, packet) : Error{};
    }
    Error onPacketRead(const ClientInfo &client, Packet &packet) override
    {
        Rec r = rec(HookEvent::OnPacketRead, client);
        r.packet = packet;
        add(std::move(r));
        return packetRead ? packetRead(client, packet) : Error{};
    }
    void onPacketEncode(const ClientInfo &client, Packet &packet) override
    {
        Rec r = rec(HookEvent::OnPacketEncode, client);
        r.packet = packet;
        add(std::move(r));
        if (packetEncode) packetEncode(client, packet);
    }
    void onPacketSent(const ClientInfo &client, const Packet &packet, const QByteArray &bytes) override
    {
        Rec r = rec(HookEvent::OnPacketSent, client);
        r.packet = packet;
        r.bytes = bytes;
        add(std::move(r));
    }
    void onPacketProcessed(const ClientInfo &client, const Packet &packet, Error error) override
    {
        Rec r = rec(HookEvent::OnPacketProcessed, client);
        r.packet = packet;
        r.number = int(error.code);
        add(std::move(r));
    }
    void onSubscribe(const ClientInfo &client, Subscribe &packet) override
    {
        Rec r = rec(HookEvent::OnSubscribe, client);
        r.packet = Packet(packet);
        add(std::move(r));
        if (subscribe) subscribe(client, packet);
    }
    void onSubscribed(const ClientInfo &client, const Subscribe &packet,
                      const QList<std::uint8_t> &reasonCodes) override
    {
        Rec r = rec(HookEvent::OnSubscribed, client);
        r.packet = Packet(packet);
        r.codes = reasonCodes;
        add(std::move(r));
    }
    void onSelectSubscribers(const Publish &publish, QList<SelectedSubscriber> &subscribers) override
    {
        Rec r = rec(HookEvent::OnSelectSubscribers);
        r.topic = publish.topic;
        r.payload = publish.payload;
        for (const SelectedSubscriber &s : std::as_const(subscribers))
            r.list.append(s.clientId);
        std::sort(r.list.begin(), r.list.end());
        add(std::move(r));
        if (select) select(publish, subscribers);
    }
    void onUnsubscribe(const ClientInfo &client, Unsubscribe &packet) override
    {
        Rec r = rec(HookEvent::OnUnsubscribe, client);
        r.list = packet.filters;
        add(std::move(r));
        if (unsubscribe) unsubscribe(client, packet);
    }
    void onUnsubscribed(const ClientInfo &client, const Unsubscribe &packet) override
    {
        Rec r = rec(HookEvent::OnUnsubscribed, client);
        r.list = packet.filters;
        add(std::move(r));
    }
    Error onPublish(const ClientInfo &client, Publish &p) override
    {
        add(message(HookEvent::OnPublish, client, p));
        return publish ? publish(client, p) : Error{};
    }
    void onPublished(const ClientInfo &client, const Publish &p) override
    {
        add(message(HookEvent::OnPublished, client, p));
    }
    void onPublishDropped(const ClientInfo &client, const Publish &p) override
    {
        add(message(HookEvent::OnPublishDropped, client, p));
    }
    void onRetainMessage(const ClientInfo &client, const Publish &p, int change) override
    {
        Rec r = message(HookEvent::OnRetainMessage, client, p);
        r.number = change;
        add(std::move(r));
    }
    void onRetainPublished(const ClientInfo &client, const Publish &p) override
    {
        add(message(HookEvent::OnRetainPublished, client, p));
    }
    void onQosPublish(const ClientInfo &client, const Publish &p, qint64, int resends) override
    {
        Rec r = message(HookEvent::OnQosPublish, client, p);
        r.number = resends;
        add(std::move(r));
    }
    void onQosComplete(const ClientInfo &client, const Publish &p) override
    {
        add(message(HookEvent::OnQosComplete, client, p));
    }
    void onQosDropped(const ClientInfo &client, const Publish &p) override
    {
        add(message(HookEvent::OnQosDropped, client, p));
    }
    void onPacketIDExhausted(const ClientInfo &client, const Publish &p) override
    {
        add(message(HookEvent::OnPacketIDExhausted, client, p));
    }
    bool onWill(const ClientInfo &client, Will &w) override
    {
        Rec r = rec(HookEvent::OnWill, client);
        r.topic = w.topic;
        r.payload = w.payload;
        add(std::move(r));
        return will ? will(client, w) : true;
    }
    void onWillSent(const ClientInfo &client, const Publish &p) override
    {
        add(message(HookEvent::OnWillSent, client, p));
    }
    void onClientExpired(const QByteArray &clientId) override
    {
        Rec r = rec(HookEvent::OnClientExpired);
        r.clientId = clientId;
        add(std::move(r));
    }
    void onRetainedExpired(const QByteArray &topic) override
    {
        Rec r = rec(HookEvent::OnRetainedExpired);
        r.topic = topic;
        add(std::move(r));
    }
    QList<StoredClient> storedClients() override
    {
        add(rec(HookEvent::StoredClients));
        return {};
    }
    QList<StoredSubscription> storedSubscriptions() override
    {
        add(rec(HookEvent::StoredSubscriptions));
        return {};
    }
    QList<StoredMessage> storedInflightMessages() override
    {
        add(rec(HookEvent::StoredInflightMessages));
        return {};
    }
    QList<StoredMessage> storedRetainedMessages() override
    {
        add(rec(HookEvent::StoredRetainedMessages));
        return {};
    }
    std::optional<StoredSysInfo> storedSysInfo() override
    {
        add(rec(HookEvent::StoredSysInfo));
        return std::nullopt;
    }

private:
    static Rec rec(HookEvent e, const ClientInfo *client = nullptr)
    {
        Rec r;
        r.event = e;
        if (client) r.clientId = client->clientId;
        return r;
    }
    static Rec rec(HookEvent e, const ClientInfo &client) { return rec(e, &client); }
    static Rec message(HookEvent e, const ClientInfo &client, const Publish &p)
    {
        Rec r = rec(e, client);
        r.topic = p.topic;
        r.payload = p.payload;
        r.packet = Packet(p);
        return r;
    }
    void add(Rec r)
    {
        QMutexLocker lock(&m_mutex);
        r.seq = g_seq.fetch_add(1);
        m_recs.append(std::move(r));
    }

    QString m_name;
    HookMask m_mask;
    mutable QMutex m_mutex;
    QList<Rec> m_recs;
};

// An in-process broker whose only hooks are those the test adds (no allow-all hook: the
// recorder answers OnConnectAuthenticate/OnACLCheck itself), listening on 127.0.0.1.
class HookBroker {
public:
    explicit HookBroker(std::int64_t sysTopicResendInterval = 0)
    {
        Options o = test::BrokerFixture::defaultOptions();
        o.hooks.clear(); // no allow-all hook in front of ours
        o.sysTopicResendInterval = sysTopicResendInterval;
        m_broker = std::make_unique<Broker>(o);
    }
    ~HookBroker() { stop(); }

    bool add(std::shared_ptr<Hook> hook, QString *error)
    {
        return m_broker->addHook(std::move(hook), {}, error);
    }
    bool start(QString *error)
    {
        if (!m_broker->start(error)) return false;
        m_port = m_broker->listenTcp(u"t"_s, QHostAddress::LocalHost, 0, error);
        return m_port != 0;
    }
    void stop()
    {
        if (m_broker) m_broker->stop();
    }
    quint16 port() const { return m_port; }

private:
    std::unique_ptr<Broker> m_broker;
    quint16 m_port = 0;
};

Connect withExpiry(Connect c, std::uint32_t seconds)
{
    if (isV5(c.version)) {
        c.properties.sessionExpiryInterval = seconds;
        c.properties.mark(PropertyId::SessionExpiryInterval);
    }
    return c;
}

QList<QByteArray> filtersOf(const Rec &r)
{
    QList<QByteArray> out;
    if (const auto *s = r.packet ? std::get_if<Subscribe>(&*r.packet) : nullptr)
        for (const TopicSubscription &t : s->topics)
            out.append(t.filter);
    return out;
}

bool hasUserProperty(const Properties &p, const QByteArray &key, const QByteArray &value)
{
    return std::any_of(p.userProperties.begin(), p.userProperties.end(),
                       [&](const UserProperty &u) { return u.first == key && u.second == value; });
}

} // namespace

#define ADD_HOOK(b, hook)                                                                                    \
    do {                                                                                                     \
        QString addError_;                                                                                   \
        QVERIFY2((b).add((hook), &addError_), qPrintable(addError_));                                        \
    } while (false)

#define START_BROKER(b)                                                                                      \
    do {                                                                                                     \
        QString startError_;                                                                                 \
        QVERIFY2((b).start(&startError_), qPrintable(startError_));                                          \
    } while (false)

// Opens `client` with `connect`, failing the test unless the CONNACK accepts.
#define OPEN(client, port, connect)                                                                          \
    QVERIFY2((client).open((port), (connect)), qPrintable((client).lastError()))

class TestHookEvents : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { QLoggingCategory::setFilterRules(u"petrel.*.info=false\npetrel.*.debug=false"_s); }

    // ---- broker lifecycle --------------------------------------------------------------

    // OnSysInfoTick: once per $SYS interval.
    void sysInfoTick()
    {
        auto rec = std::make_shared<Recorder>();
        HookBroker b(1);
        ADD_HOOK(b, rec);
        START_BROKER(b);
        QVERIFY(rec->waitFor(HookEvent::OnSysInfoTick, {}, 2, 4000));
    }

    // OnRetainedExpired: a retained message whose expiry passed is dropped, with its topic.
    void retainedExpired()
    {
        auto rec = std::make_shared<Recorder>();
        HookBroker b;
        ADD_HOOK(b, rec);
        START_BROKER(b);
        TestClient pub("pub");
        OPEN(pub, b.port(), makeConnect(ProtocolVersion::V5, "rexp-pub"));
        Publish p = makePublish("rexp/topic", "short-lived", 1);
        p.retain = true;
        p.properties.messageExpiryInterval = 1;
        p.properties.mark(PropertyId::MessageExpiryInterval);
        QVERIFY(pub.publishAndWait(p));
        QCOMPARE(rec->count(HookEvent::OnRetainedExpired), 0);
        QVERIFY(rec->waitFor(HookEvent::OnRetainedExpired, {}, 1, 4000));
        QCOMPARE(rec->of(HookEvent::OnRetainedExpired).first().topic, QByteArray("rexp/topic"));
    }

    void startedStopped()
    {
        auto rec = std::make_shared<Recorder>();
        HookBroker b;
        ADD_HOOK(b, rec);
        QCOMPARE(rec->count(HookEvent::OnStarted), 0);
        START_BROKER(b);
        // Both run on the thread that owns the Broker, inside start() / stop().
        QCOMPARE(rec->count(HookEvent::OnStarted), 1);
        QCOMPARE(rec->count(HookEvent::OnStopped), 0);
        b.stop();
        QCOMPARE(rec->count(HookEvent::OnStarted), 1);
        QCOMPARE(rec->count(HookEvent::OnStopped), 1);
        QVERIFY(rec->of(HookEvent::OnStarted).first().seq < rec->of(HookEvent::OnStopped).first().seq);
    }

    // ---- CONNECT -----------------------------------------------------------------------

    void connectAuthenticate_data()
    {
        QTest::addColumn<int>("version");
        QTest::addColumn<QByteArray>("password");
        QTest::addColumn<int>("code");
        QTest::newRow("v3.1.1 accepted") << int(ProtocolVersion::V311) << QByteArray("secret") << 0;
        QTest::newRow("v3.1.1 refused") << int(ProtocolVersion::V311) << QByteArray("wrong") << 4;
        QTest::newRow("v5 accepted") << int(ProtocolVersion::V5) << QByteArray("secret") << 0;
        QTest::newRow("v5 refused") << int(ProtocolVersion::V5) << QByteArray("wrong") << 0x86;
    }

    void connectAuthenticate()
    {
        QFETCH(int, version);
        QFETCH(QByteArray, password);
        QFETCH(int, code);
        const auto v = ProtocolVersion(version);
        auto rec = std::make_shared<Recorder>();
        rec->authenticate = [](const ClientInfo &, const Connect &c) {
            return c.username == "alice" && c.password == "secret";
        };
        HookBroker b;
        ADD_HOOK(b, rec);
        START_BROKER(b);

        TestClient c("c", v);
        QVERIFY(c.connectTcp(b.port()));
        Connect k = makeConnect(v, "auth-1");
        k.hasUsername = k.hasPassword = true;
        k.username = "alice";
        k.password = password;
        auto ack = c.connect(k);
        QVERIFY2(ack, qPrintable(c.lastError()));
        QCOMPARE(int(ack->reasonCode), code);

        const auto calls = rec->of(HookEvent::OnConnectAuthenticate);
        QCOMPARE(calls.size(), 1);
        QCOMPARE(calls[0].clientId, QByteArray("auth-1"));
        const auto *seen = std::get_if<Connect>(&*calls[0].packet);
        QVERIFY(seen);
        QCOMPARE(seen->username, QByteArray("alice"));
        QCOMPARE(seen->password, password);
        if (code != 0) {
            QVERIFY(c.waitDisconnected());
            QCOMPARE(rec->count(HookEvent::OnSessionEstablish), 0);
        } else {
            QCOMPARE(rec->count(HookEvent::OnSessionEstablish, "auth-1"), 1);
        }
    }

    void aclCheck_data() { addVersionRows(); }

    void aclCheck()
    {
        QFETCH(int, version);
        const auto v = ProtocolVersion(version);
        auto rec = std::make_shared<Recorder>();
        rec->acl = [](const ClientInfo &, const QByteArray &topic, bool) {
            return !topic.startsWith("deny/");
        };
        HookBroker b;
        ADD_HOOK(b, rec);
        START_BROKER(b);

        TestClient c("c", v);
        OPEN(c, b.port(), makeConnect(v, "acl-1"));
        Subscribe s;
        s.topics = {makeSubscription("allow/+", 1), makeSubscription("deny/#", 1)};
        auto suback = c.subscribe(s);
        QVERIFY2(suback, qPrintable(c.lastError()));
        QCOMPARE(suback->reasonCodes, (QList<std::uint8_t>{1, std::uint8_t(isV5(v) ? 0x87 : 0x80)}));
        auto reads = rec->of(HookEvent::OnACLCheck, "acl-1");
        QCOMPARE(reads.size(), 2);
        QCOMPARE(reads[0].topic, QByteArray("allow/+"));
        QCOMPARE(reads[0].flag, false);
        QCOMPARE(reads[1].topic, QByteArray("deny/#"));
        QCOMPARE(reads[1].flag, false);

        rec->clear();
        auto puback = c.publishQos1(makePublish("deny/x", "no", 1));
        QVERIFY2(puback, qPrintable(c.lastError()));
        QCOMPARE(int(puback->reasonCode), isV5(v) ? 0x87 : 0);
        auto writes = rec->of(HookEvent::OnACLCheck, "acl-1");
        QCOMPARE(writes.size(), 1);
        QCOMPARE(writes[0].topic, QByteArray("deny/x"));
        QCOMPARE(writes[0].flag, true);
        QCOMPARE(rec->count(HookEvent::OnPublished), 0);

        puback = c.publishQos1(makePublish("allow/x", "yes", 1));
        QVERIFY2(puback, qPrintable(c.lastError()));
        QCOMPARE(int(puback->reasonCode), 0);
        auto got = c.receivePublish();
        QVERIFY2(got, qPrintable(c.lastError()));
        QCOMPARE(got->topic, QByteArray("allow/x"));
        QVERIFY(c.acknowledge(*got));
        // The write check, then the read check for the delivery to its own subscription.
        writes = rec->of(HookEvent::OnACLCheck, "acl-1");
        QCOMPARE(writes.size(), 3);
        QCOMPARE(writes[1].topic, QByteArray("allow/x"));
        QCOMPARE(writes[1].flag, true);
        QCOMPARE(writes[2].topic, QByteArray("allow/x"));
        QCOMPARE(writes[2].flag, false);
    }

    void connectError_data()
    {
        QTest::addColumn<int>("version");
        QTest::addColumn<int>("code");
        QTest::newRow("v5") << int(ProtocolVersion::V5) << 0x9F;
        // v3.1.1 has nothing closer than "server unavailable" (packets/codes.cpp).
        QTest::newRow("v3.1.1") << int(ProtocolVersion::V311) << 3;
    }

    void connectError()
    {
        QFETCH(int, version);
        QFETCH(int, code);
        const auto v = ProtocolVersion(version);
        auto rec = std::make_shared<Recorder>();
        rec->connect = [](const ClientInfo &client, const Connect &) -> Error {
            if (client.clientId == "rate-limited") return {ReasonCode::ConnectionRateExceeded, "test"};
            return {};
        };
        HookBroker b;
        ADD_HOOK(b, rec);
        START_BROKER(b);

        TestClient c("c", v);
        QVERIFY(c.connectTcp(b.port()));
        auto ack = c.connect(makeConnect(v, "rate-limited"));
        QVERIFY2(ack, qPrintable(c.lastError()));
        QCOMPARE(int(ack->reasonCode), code);
        QVERIFY(c.waitDisconnected());
        const auto calls = rec->of(HookEvent::OnConnect, "rate-limited");
        QCOMPARE(calls.size(), 1);
        QCOMPARE(std::get<Connect>(*calls[0].packet).clientId, QByteArray("rate-limited"));
        // Refused before authentication and before any session.
        QCOMPARE(rec->count(HookEvent::OnConnectAuthenticate), 0);
        QCOMPARE(rec->count(HookEvent::OnSessionEstablish), 0);

        TestClient ok("ok", v);
        OPEN(ok, b.port(), makeConnect(v, "fine"));
        QCOMPARE(rec->count(HookEvent::OnConnect, "fine"), 1);
    }

    void sessionEstablish_data() { addVersionRows(); }

    void sessionEstablish()
    {
        QFETCH(int, version);
        const auto v = ProtocolVersion(version);
        auto rec = std::make_shared<Recorder>();
        HookBroker b;
        ADD_HOOK(b, rec);
        START_BROKER(b);

        TestClient c("c", v);
        OPEN(c, b.port(), makeConnect(v, "sess-1"));
        // OnSessionEstablish ran before the CONNACK was written: it is there already.
        const auto establish = rec->of(HookEvent::OnSessionEstablish, "sess-1");
        QCOMPARE(establish.size(), 1);
        QCOMPARE(std::get<Connect>(*establish[0].packet).clientId, QByteArray("sess-1"));
        QVERIFY(rec->waitFor(HookEvent::OnSessionEstablished, "sess-1"));
        const auto established = rec->of(HookEvent::OnSessionEstablished, "sess-1");
        QCOMPARE(established.size(), 1);
        QCOMPARE(std::get<Connect>(*established[0].packet).clientId, QByteArray("sess-1"));
        // establish -> CONNACK queued -> established.
        QVERIFY(rec->waitForPacket(HookEvent::OnPacketSent, PacketType::Connack, "sess-1"));
        const Rec connack = rec->packets(HookEvent::OnPacketSent, PacketType::Connack, "sess-1").first();
        QVERIFY(establish[0].seq < connack.seq);
        QVERIFY(connack.seq < established[0].seq);
        QVERIFY(rec->of(HookEvent::OnConnectAuthenticate, "sess-1").first().seq < establish[0].seq);
    }

    void disconnect_data()
    {
        QTest::addColumn<int>("version");
        QTest::addColumn<bool>("clean");
        QTest::addColumn<int>("expiry");
        QTest::addColumn<int>("reason");
        QTest::addColumn<bool>("expire");
        QTest::newRow("v3.1.1 clean session") << int(ProtocolVersion::V311) << true << 0 << 0 << true;
        QTest::newRow("v3.1.1 persistent session") << int(ProtocolVersion::V311) << false << 0 << 0 << false;
        QTest::newRow("v5 expiry 0") << int(ProtocolVersion::V5) << true << 0 << 0 << true;
        QTest::newRow("v5 expiry 60, reason 0x04") << int(ProtocolVersion::V5) << true << 60 << 0x04 << false;
    }

    void disconnect()
    {
        QFETCH(int, version);
        QFETCH(bool, clean);
        QFETCH(int, expiry);
        QFETCH(int, reason);
        QFETCH(bool, expire);
        const auto v = ProtocolVersion(version);
        auto rec = std::make_shared<Recorder>();
        HookBroker b;
        ADD_HOOK(b, rec);
        START_BROKER(b);

        TestClient c("c", v);
        OPEN(c, b.port(), withExpiry(makeConnect(v, "disc-1", clean), std::uint32_t(expiry)));
        QCOMPARE(rec->count(HookEvent::OnDisconnect), 0);
        QVERIFY(c.disconnect(quint8(reason)));
        QVERIFY(rec->waitFor(HookEvent::OnDisconnect, "disc-1"));
        const auto calls = rec->of(HookEvent::OnDisconnect, "disc-1");
        QCOMPARE(calls.size(), 1);
        QCOMPARE(calls[0].number, reason);
        QCOMPARE(calls[0].flag, expire);
    }

    // ---- enhanced authentication -------------------------------------------------------

    void authPacket()
    {
        auto rec = std::make_shared<Recorder>();
        rec->authPacket = [](const ClientInfo &, Auth &a) -> Error {
            if (a.reasonCode == 0) { // the CONNECT's method and data: challenge
                a.reasonCode = std::uint8_t(ReasonCode::ContinueAuthentication);
                a.properties.authenticationData = "challenge";
                a.properties.mark(PropertyId::AuthenticationData);
                return {};
            }
            if (a.properties.authenticationData != "response")
                return {ReasonCode::NotAuthorized, "wrong response"};
            a.reasonCode = std::uint8_t(ReasonCode::Success);
            a.properties.authenticationData = "welcome";
            a.properties.mark(PropertyId::AuthenticationData);
            return {};
        };
        HookBroker b;
        ADD_HOOK(b, rec);
        START_BROKER(b);

        TestClient c("c", ProtocolVersion::V5);
        QVERIFY(c.connectTcp(b.port()));
        Connect k = makeConnect(ProtocolVersion::V5, "enh-1");
        k.properties.authenticationMethod = "TEST";
        k.properties.mark(PropertyId::AuthenticationMethod);
        QVERIFY(c.send(Packet(k)));
        auto challenge = c.receiveAs<Auth>();
        QVERIFY2(challenge, qPrintable(c.lastError()));
        QCOMPARE(int(challenge->reasonCode), 0x18);
        QCOMPARE(challenge->properties.authenticationMethod, QByteArray("TEST"));
        QCOMPARE(challenge->properties.authenticationData, QByteArray("challenge"));

        Auth reply;
        reply.reasonCode = 0x18;
        reply.properties.authenticationMethod = "TEST";
        reply.properties.mark(PropertyId::AuthenticationMethod);
        reply.properties.authenticationData = "response";
        reply.properties.mark(PropertyId::AuthenticationData);
        QVERIFY(c.send(Packet(reply)));
        auto ack = c.receiveAs<Connack>();
        QVERIFY2(ack, qPrintable(c.lastError()));
        QCOMPARE(int(ack->reasonCode), 0);
        QVERIFY(ack->properties.has(PropertyId::AuthenticationMethod));
        QCOMPARE(ack->properties.authenticationMethod, QByteArray("TEST"));
        QCOMPARE(ack->properties.authenticationData, QByteArray("welcome"));
        QVERIFY(c.ping());

        const auto calls = rec->of(HookEvent::OnAuthPacket, "enh-1");
        QCOMPARE(calls.size(), 2);
        QCOMPARE(calls[0].number, 0);
        QCOMPARE(calls[1].number, 0x18);
        QCOMPARE(std::get<Auth>(*calls[1].packet).properties.authenticationData, QByteArray("response"));
        QCOMPARE(rec->count(HookEvent::OnSessionEstablished, "enh-1"), 1);
    }

    void authPacketError()
    {
        auto rec = std::make_shared<Recorder>();
        rec->authPacket = [](const ClientInfo &, Auth &) -> Error { return {ReasonCode::Banned, "banned"}; };
        HookBroker b;
        ADD_HOOK(b, rec);
        START_BROKER(b);

        TestClient c("c", ProtocolVersion::V5);
        QVERIFY(c.connectTcp(b.port()));
        Connect k = makeConnect(ProtocolVersion::V5, "enh-2");
        k.properties.authenticationMethod = "TEST";
        k.properties.mark(PropertyId::AuthenticationMethod);
        auto ack = c.connect(k);
        QVERIFY2(ack, qPrintable(c.lastError()));
        QCOMPARE(int(ack->reasonCode), 0x8A);
        QVERIFY(c.waitDisconnected());
        QCOMPARE(rec->count(HookEvent::OnAuthPacket, "enh-2"), 1);
        QCOMPARE(rec->count(HookEvent::OnSessionEstablish), 0);
    }

    void authPacketNoProvider()
    {
        auto rec = std::make_shared<Recorder>(u"recorder"_s, allEvents() & ~hookBit(HookEvent::OnAuthPacket));
        HookBroker b;
        ADD_HOOK(b, rec);
        START_BROKER(b);

        TestClient c("c", ProtocolVersion::V5);
        QVERIFY(c.connectTcp(b.port()));
        Connect k = makeConnect(ProtocolVersion::V5, "enh-3");
        k.properties.authenticationMethod = "TEST";
        k.properties.mark(PropertyId::AuthenticationMethod);
        auto ack = c.connect(k);
        QVERIFY2(ack, qPrintable(c.lastError()));
        QCOMPARE(int(ack->reasonCode), 0x8C);
        QVERIFY(c.waitDisconnected());
        QCOMPARE(rec->count(HookEvent::OnAuthPacket), 0);
    }

    // ---- packets in and out ------------------------------------------------------------

    void packetRead_data() { addVersionRows(); }

    void packetRead()
    {
        QFETCH(int, version);
        const auto v = ProtocolVersion(version);
        auto rec = std::make_shared<Recorder>();
        HookBroker b;
        ADD_HOOK(b, rec);
        START_BROKER(b);

        TestClient c("c", v);
        OPEN(c, b.port(), makeConnect(v, "pr-1"));
        QVERIFY(c.subscribe("pr/+", 0));
        QVERIFY(c.publish(makePublish("pr/a", "x", 0)));
        QVERIFY(c.receivePublish());
        QVERIFY(c.ping());
        QVERIFY(c.unsubscribe({"pr/+"}));
        QVERIFY(c.disconnect());
        QVERIFY(rec->waitFor(HookEvent::OnDisconnect, "pr-1"));

        QList<PacketType> types;
        const auto reads = rec->of(HookEvent::OnPacketRead, "pr-1");
        for (const Rec &r : reads)
            types.append(packetTypeOf(*r.packet));
        QCOMPARE(types, (QList<PacketType>{PacketType::Subscribe, PacketType::Publish, PacketType::Pingreq,
                                           PacketType::Unsubscribe, PacketType::Disconnect}));
        QCOMPARE(filtersOf(reads[0]), QList<QByteArray>{"pr/+"});
        QCOMPARE(std::get<Publish>(*reads[1].packet).topic, QByteArray("pr/a"));
        QCOMPARE(std::get<Publish>(*reads[1].packet).payload, QByteArray("x"));
        // Read before the broker handles it: before OnSubscribe / OnPublish.
        QVERIFY(reads[0].seq < rec->of(HookEvent::OnSubscribe, "pr-1").first().seq);
        QVERIFY(reads[1].seq < rec->of(HookEvent::OnPublish, "pr-1").first().seq);
    }

    void packetReadRewrite_data() { addVersionRows(); }

    void packetReadRewrite()
    {
        QFETCH(int, version);
        const auto v = ProtocolVersion(version);
        auto rec = std::make_shared<Recorder>();
        rec->packetRead = [](const ClientInfo &, Packet &p) -> Error {
            if (auto *pub = std::get_if<Publish>(&p); pub && pub->topic == "in/x") pub->topic = "out/x";
            return {};
        };
        HookBroker b;
        ADD_HOOK(b, rec);
        START_BROKER(b);

        TestClient sub("sub", v);
        OPEN(sub, b.port(), makeConnect(v, "rw-sub"));
        QVERIFY(sub.subscribe("out/#", 1));
        QVERIFY(sub.subscribe("in/#", 1));
        TestClient pub("pub", v);
        OPEN(pub, b.port(), makeConnect(v, "rw-pub"));
        auto ack = pub.publishQos1(makePublish("in/x", "payload", 1));
        QVERIFY2(ack, qPrintable(pub.lastError()));
        QCOMPARE(int(ack->reasonCode), 0);
        auto got = sub.receivePublish();
        QVERIFY2(got, qPrintable(sub.lastError()));
        QCOMPARE(got->topic, QByteArray("out/x"));
        QCOMPARE(got->payload, QByteArray("payload"));
        QVERIFY(sub.acknowledge(*got));
        QVERIFY(sub.expectNoPacket());
        // The rest of the engine saw the rewritten topic.
        QCOMPARE(rec->of(HookEvent::OnPublish, "rw-pub").first().topic, QByteArray("out/x"));
    }

    void packetReadError_data() { addVersionRows(); }

    void packetReadError()
    {
        QFETCH(int, version);
        const auto v = ProtocolVersion(version);
        auto rec = std::make_shared<Recorder>();
        rec->packetRead = [](const ClientInfo &, Packet &p) -> Error {
            if (std::holds_alternative<Pingreq>(p)) return {ReasonCode::AdministrativeAction, "no pings"};
            return {};
        };
        HookBroker b;
        ADD_HOOK(b, rec);
        START_BROKER(b);

        TestClient c("c", v);
        OPEN(c, b.port(), makeConnect(v, "pre-1"));
        QVERIFY(c.send(Packet(Pingreq{})));
        // v5: DISCONNECT 0x98 then close; v3: closed without a PINGRESP.
        QVERIFY2(c.expectServerDisconnect(0x98), qPrintable(c.lastError()));
        QVERIFY(rec->waitFor(HookEvent::OnDisconnect, "pre-1"));
        QCOMPARE(rec->of(HookEvent::OnDisconnect, "pre-1").first().number, 0x98);
        QVERIFY(rec->packets(HookEvent::OnPacketProcessed, PacketType::Pingreq).isEmpty());
    }

    void packetEncode()
    {
        // A hook adds a user property to the SUBACK; the client sees it.
        auto rec = std::make_shared<Recorder>();
        rec->packetEncode = [](const ClientInfo &, Packet &p) {
            if (auto *s = std::get_if<SubackLike>(&p))
                s->properties.userProperties.append({"hooked", "suback"});
        };
        HookBroker b;
        ADD_HOOK(b, rec);
        START_BROKER(b);

        TestClient c("c", ProtocolVersion::V5);
        OPEN(c, b.port(), makeConnect(ProtocolVersion::V5, "enc-1"));
        auto suback = c.subscribe("enc/#", 1);
        QVERIFY2(suback, qPrintable(c.lastError()));
        QVERIFY(hasUserProperty(suback->properties, "hooked", "suback"));
        const auto calls = rec->packets(HookEvent::OnPacketEncode, PacketType::Suback, "enc-1");
        QCOMPARE(calls.size(), 1);
        QCOMPARE(std::get<SubackLike>(*calls[0].packet).reasonCodes, QList<std::uint8_t>{1});
        // CONNACK went through it too.
        QCOMPARE(rec->packets(HookEvent::OnPacketEncode, PacketType::Connack, "enc-1").size(), 1);
    }

    void packetEncodePublish_data()
    {
        QTest::addColumn<int>("qos");
        QTest::newRow("qos0") << 0;
        QTest::newRow("qos1") << 1;
    }

    void packetEncodePublish()
    {
        // A hook adds a user property to outgoing PUBLISH packets; the subscriber sees it.
        QFETCH(int, qos);
        auto rec = std::make_shared<Recorder>();
        rec->packetEncode = [](const ClientInfo &, Packet &p) {
            if (auto *pub = std::get_if<Publish>(&p))
                pub->properties.userProperties.append({"hooked", "yes"});
        };
        HookBroker b;
        ADD_HOOK(b, rec);
        START_BROKER(b);

        TestClient sub("sub", ProtocolVersion::V5);
        OPEN(sub, b.port(), makeConnect(ProtocolVersion::V5, "encp-sub"));
        QVERIFY(sub.subscribe("encp/#", quint8(qos)));
        TestClient pub("pub", ProtocolVersion::V5);
        OPEN(pub, b.port(), makeConnect(ProtocolVersion::V5, "encp-pub"));
        QVERIFY(pub.publishAndWait(makePublish("encp/a", "m", quint8(qos))));
        auto got = sub.receivePublish();
        QVERIFY2(got, qPrintable(sub.lastError()));
        QVERIFY(sub.acknowledge(*got));
        QCOMPARE(rec->packets(HookEvent::OnPacketEncode, PacketType::Publish, "encp-sub").size(), 1);
        QVERIFY2(hasUserProperty(got->properties, "hooked", "yes"), describe(*got).constData());
    }

    void packetSent_data() { addVersionRows(); }

    void packetSent()
    {
        QFETCH(int, version);
        const auto v = ProtocolVersion(version);
        auto rec = std::make_shared<Recorder>();
        HookBroker b;
        ADD_HOOK(b, rec);
        START_BROKER(b);

        TestClient c("c", v);
        QVERIFY(c.connectTcp(b.port()));
        QVERIFY(c.send(Packet(makeConnect(v, "sent-1"))));
        auto raw = c.receiveRaw();
        QVERIFY2(raw, qPrintable(c.lastError()));
        QVERIFY(rec->waitForPacket(HookEvent::OnPacketSent, PacketType::Connack, "sent-1"));
        Rec sent = rec->packets(HookEvent::OnPacketSent, PacketType::Connack, "sent-1").first();
        QCOMPARE(sent.bytes, *raw); // exactly what the client received
        QByteArray encoded;
        encodePacket(*sent.packet, v, encoded);
        QCOMPARE(sent.bytes, encoded); // the encoding of the packet the hook is given

        Subscribe s;
        s.packetId = c.nextPacketId();
        s.topics = {makeSubscription("sent/#", 1), makeSubscription("sent2/#", 0)};
        QVERIFY(c.send(Packet(s)));
        raw = c.receiveRaw();
        QVERIFY2(raw, qPrintable(c.lastError()));
        QVERIFY(rec->waitForPacket(HookEvent::OnPacketSent, PacketType::Suback, "sent-1"));
        sent = rec->packets(HookEvent::OnPacketSent, PacketType::Suback, "sent-1").first();
        QCOMPARE(sent.bytes, *raw);
        encoded.clear();
        encodePacket(*sent.packet, v, encoded);
        QCOMPARE(sent.bytes, encoded);
        QCOMPARE(std::get<SubackLike>(*sent.packet).packetId, s.packetId);

        QVERIFY(c.send(Packet(Pingreq{})));
        raw = c.receiveRaw();
        QVERIFY2(raw, qPrintable(c.lastError()));
        QVERIFY(rec->waitForPacket(HookEvent::OnPacketSent, PacketType::Pingresp, "sent-1"));
        sent = rec->packets(HookEvent::OnPacketSent, PacketType::Pingresp, "sent-1").first();
        QCOMPARE(sent.bytes, *raw);
        QCOMPARE(sent.bytes, QByteArray("\xD0\x00", 2));
    }

    void packetSentPublish_data() { addVersionRows(); }

    void packetSentPublish()
    {
        // PUBLISH packets to subscribers are sent packets too.
        QFETCH(int, version);
        const auto v = ProtocolVersion(version);
        auto rec = std::make_shared<Recorder>();
        HookBroker b;
        ADD_HOOK(b, rec);
        START_BROKER(b);

        TestClient sub("sub", v);
        OPEN(sub, b.port(), makeConnect(v, "sentp-sub"));
        QVERIFY(sub.subscribe("sentp/#", 0));
        TestClient pub("pub", v);
        OPEN(pub, b.port(), makeConnect(v, "sentp-pub"));
        QVERIFY(pub.publish(makePublish("sentp/a", "m", 0)));
        auto raw = sub.receiveRaw();
        QVERIFY2(raw, qPrintable(sub.lastError()));
        QVERIFY(rec->waitForPacket(HookEvent::OnPacketSent, PacketType::Publish, "sentp-sub", 1000));
        const Rec sent = rec->packets(HookEvent::OnPacketSent, PacketType::Publish, "sentp-sub").first();
        QCOMPARE(sent.bytes, *raw);
    }

    void packetProcessed_data() { addVersionRows(); }

    void packetProcessed()
    {
        QFETCH(int, version);
        const auto v = ProtocolVersion(version);
        auto rec = std::make_shared<Recorder>();
        HookBroker b;
        ADD_HOOK(b, rec);
        START_BROKER(b);

        TestClient c("c", v);
        OPEN(c, b.port(), makeConnect(v, "proc-1"));
        QVERIFY(c.subscribe("proc/#", 0));
        QVERIFY(rec->waitForPacket(HookEvent::OnPacketProcessed, PacketType::Subscribe, "proc-1"));
        const Rec processed =
            rec->packets(HookEvent::OnPacketProcessed, PacketType::Subscribe, "proc-1").first();
        QCOMPARE(filtersOf(processed), QList<QByteArray>{"proc/#"});
        QCOMPARE(processed.number, 0);
        // read -> OnSubscribe -> OnSubscribed -> processed
        const quint64 read =
            rec->packets(HookEvent::OnPacketRead, PacketType::Subscribe, "proc-1").first().seq;
        const quint64 subscribe = rec->of(HookEvent::OnSubscribe, "proc-1").first().seq;
        const quint64 subscribed = rec->of(HookEvent::OnSubscribed, "proc-1").first().seq;
        QVERIFY(read < subscribe);
        QVERIFY(subscribe < subscribed);
        QVERIFY(subscribed < processed.seq);

        QVERIFY(c.ping());
        QVERIFY(rec->waitForPacket(HookEvent::OnPacketProcessed, PacketType::Pingreq, "proc-1"));
        QVERIFY(c.publish(makePublish("proc/a", "x", 0)));
        QVERIFY(c.receivePublish());
        QVERIFY(rec->waitForPacket(HookEvent::OnPacketProcessed, PacketType::Publish, "proc-1"));
        const Rec pub = rec->packets(HookEvent::OnPacketProcessed, PacketType::Publish, "proc-1").first();
        QCOMPARE(std::get<Publish>(*pub.packet).topic, QByteArray("proc/a"));
        QVERIFY(rec->of(HookEvent::OnPublished, "proc-1").first().seq < pub.seq);
        // CONNECT is not a processed packet of the session.
        QVERIFY(rec->packets(HookEvent::OnPacketProcessed, PacketType::Connect).isEmpty());
    }

    // ---- subscriptions -----------------------------------------------------------------

    void subscribeModify_data() { addVersionRows(); }

    void subscribeModify()
    {
        QFETCH(int, version);
        const auto v = ProtocolVersion(version);
        auto rec = std::make_shared<Recorder>();
        rec->subscribe = [](const ClientInfo &, Subscribe &s) {
            for (TopicSubscription &t : s.topics)
                if (t.options.qos == 2) t.options.qos = 1;
        };
        HookBroker b;
        ADD_HOOK(b, rec);
        START_BROKER(b);

        TestClient sub("sub", v);
        OPEN(sub, b.port(), makeConnect(v, "sm-sub"));
        auto suback = sub.subscribe("sm/#", 2);
        QVERIFY2(suback, qPrintable(sub.lastError()));
        QCOMPARE(suback->reasonCodes, QList<std::uint8_t>{1});
        const auto calls = rec->of(HookEvent::OnSubscribe, "sm-sub");
        QCOMPARE(calls.size(), 1);
        QCOMPARE(std::get<Subscribe>(*calls[0].packet).topics.first().options.qos, std::uint8_t(2));

        TestClient pub("pub", v);
        OPEN(pub, b.port(), makeConnect(v, "sm-pub"));
        QVERIFY(pub.publishAndWait(makePublish("sm/a", "m", 2)));
        auto got = sub.receivePublish();
        QVERIFY2(got, qPrintable(sub.lastError()));
        QCOMPARE(int(got->qos), 1);
        QVERIFY(sub.acknowledge(*got));
    }

    void subscribed_data() { addVersionRows(); }

    void subscribed()
    {
        QFETCH(int, version);
        const auto v = ProtocolVersion(version);
        auto rec = std::make_shared<Recorder>();
        rec->acl = [](const ClientInfo &, const QByteArray &topic, bool) {
            return !topic.startsWith("deny/");
        };
        HookBroker b;
        ADD_HOOK(b, rec);
        START_BROKER(b);

        TestClient c("c", v);
        OPEN(c, b.port(), makeConnect(v, "sd-1"));
        Subscribe s;
        s.topics = {makeSubscription("ok/#", 1), makeSubscription("deny/#", 0), makeSubscription("ok2", 2)};
        auto suback = c.subscribe(s);
        QVERIFY2(suback, qPrintable(c.lastError()));
        const QList<std::uint8_t> expected{1, std::uint8_t(isV5(v) ? 0x87 : 0x80), 2};
        QCOMPARE(suback->reasonCodes, expected);
        QVERIFY(rec->waitFor(HookEvent::OnSubscribed, "sd-1"));
        const Rec r = rec->of(HookEvent::OnSubscribed, "sd-1").first();
        QCOMPARE(r.codes, expected);
        QCOMPARE(filtersOf(r), (QList<QByteArray>{"ok/#", "deny/#", "ok2"}));
        QVERIFY(rec->of(HookEvent::OnSubscribe, "sd-1").first().seq < r.seq);
    }

    void unsubscribe_data() { addVersionRows(); }

    void unsubscribe()
    {
        QFETCH(int, version);
        const auto v = ProtocolVersion(version);
        auto rec = std::make_shared<Recorder>();
        HookBroker b;
        ADD_HOOK(b, rec);
        START_BROKER(b);

        TestClient c("c", v);
        OPEN(c, b.port(), makeConnect(v, "un-1"));
        QVERIFY(c.subscribe("un/a", 0));
        QCOMPARE(rec->count(HookEvent::OnUnsubscribe), 0);
        auto unsuback = c.unsubscribe({"un/a", "un/none"});
        QVERIFY2(unsuback, qPrintable(c.lastError()));
        if (isV5(v)) QCOMPARE(unsuback->reasonCodes, (QList<std::uint8_t>{0, 0x11}));
        QVERIFY(rec->waitFor(HookEvent::OnUnsubscribed, "un-1"));
        const Rec before = rec->of(HookEvent::OnUnsubscribe, "un-1").first();
        const Rec after = rec->of(HookEvent::OnUnsubscribed, "un-1").first();
        QCOMPARE(before.list, (QList<QByteArray>{"un/a", "un/none"}));
        QCOMPARE(after.list, (QList<QByteArray>{"un/a", "un/none"}));
        QVERIFY(before.seq < after.seq);
        // Really unsubscribed.
        QVERIFY(c.publish(makePublish("un/a", "x", 0)));
        QVERIFY(c.expectNoPacket());
    }

    // ---- publishing --------------------------------------------------------------------

    void selectSubscribers_data() { addVersionRows(); }

    void selectSubscribers()
    {
        QFETCH(int, version);
        const auto v = ProtocolVersion(version);
        auto rec = std::make_shared<Recorder>();
        rec->select = [](const Publish &p, QList<SelectedSubscriber> &subs) {
            if (p.topic.startsWith("sel/"))
                subs.removeIf([](const SelectedSubscriber &s) { return s.clientId == "sel-2"; });
        };
        HookBroker b;
        ADD_HOOK(b, rec);
        START_BROKER(b);

        TestClient s1("s1", v);
        OPEN(s1, b.port(), makeConnect(v, "sel-1"));
        QVERIFY(s1.subscribe("sel/#", 1));
        TestClient s2("s2", v);
        OPEN(s2, b.port(), makeConnect(v, "sel-2"));
        QVERIFY(s2.subscribe("sel/#", 1));
        TestClient pub("pub", v);
        OPEN(pub, b.port(), makeConnect(v, "sel-pub"));
        QVERIFY(pub.publishAndWait(makePublish("sel/a", "only s1", 1)));
        auto got = s1.receivePublish();
        QVERIFY2(got, qPrintable(s1.lastError()));
        QCOMPARE(got->payload, QByteArray("only s1"));
        QVERIFY(s1.acknowledge(*got));
        QVERIFY(s2.expectNoPacket());
        const auto calls = rec->of(HookEvent::OnSelectSubscribers);
        QCOMPARE(calls.size(), 1);
        QCOMPARE(calls[0].topic, QByteArray("sel/a"));
        QCOMPARE(calls[0].list, (QList<QByteArray>{"sel-1", "sel-2"})); // what the hook was offered
    }

    void publishModify_data() { addVersionRows(); }

    void publishModify()
    {
        QFETCH(int, version);
        const auto v = ProtocolVersion(version);
        auto rec = std::make_shared<Recorder>();
        rec->publish = [](const ClientInfo &, Publish &p) -> Error {
            p.payload += "+hooked";
            return {};
        };
        HookBroker b;
        ADD_HOOK(b, rec);
        START_BROKER(b);

        TestClient sub("sub", v);
        OPEN(sub, b.port(), makeConnect(v, "pm-sub"));
        QVERIFY(sub.subscribe("pm/#", 1));
        TestClient pub("pub", v);
        OPEN(pub, b.port(), makeConnect(v, "pm-pub"));
        auto ack = pub.publishQos1(makePublish("pm/a", "hello", 1));
        QVERIFY2(ack, qPrintable(pub.lastError()));
        QCOMPARE(int(ack->reasonCode), 0);
        auto got = sub.receivePublish();
        QVERIFY2(got, qPrintable(sub.lastError()));
        QCOMPARE(got->payload, QByteArray("hello+hooked"));
        QVERIFY(sub.acknowledge(*got));
        const auto calls = rec->of(HookEvent::OnPublish, "pm-pub");
        QCOMPARE(calls.size(), 1);
        QCOMPARE(calls[0].topic, QByteArray("pm/a"));
        QCOMPARE(calls[0].payload, QByteArray("hello"));
    }

    void publishReject_data() { addVersionRows(); }

    void publishReject()
    {
        QFETCH(int, version);
        const auto v = ProtocolVersion(version);
        auto rec = std::make_shared<Recorder>();
        rec->publish = [](const ClientInfo &, Publish &p) -> Error {
            if (p.topic == "pr/reject") return {ReasonCode::QuotaExceeded, "quota"};
            return {};
        };
        HookBroker b;
        ADD_HOOK(b, rec);
        START_BROKER(b);

        TestClient sub("sub", v);
        OPEN(sub, b.port(), makeConnect(v, "rej-sub"));
        QVERIFY(sub.subscribe("pr/#", 1));
        TestClient pub("pub", v);
        OPEN(pub, b.port(), makeConnect(v, "rej-pub"));
        auto ack = pub.publishQos1(makePublish("pr/reject", "x", 1));
        QVERIFY2(ack, qPrintable(pub.lastError()));
        QCOMPARE(int(ack->reasonCode), isV5(v) ? 0x97 : 0);
        QVERIFY(sub.expectNoPacket());
        QCOMPARE(rec->count(HookEvent::OnPublish, "rej-pub"), 1);
        QCOMPARE(rec->count(HookEvent::OnPublished), 0);
        QCOMPARE(rec->count(HookEvent::OnSelectSubscribers), 0);
    }

    void published_data() { addVersionRows(); }

    void published()
    {
        QFETCH(int, version);
        const auto v = ProtocolVersion(version);
        auto rec = std::make_shared<Recorder>();
        HookBroker b;
        ADD_HOOK(b, rec);
        START_BROKER(b);

        TestClient sub("sub", v);
        OPEN(sub, b.port(), makeConnect(v, "pd-sub"));
        QVERIFY(sub.subscribe("pub/#", 0));
        TestClient pub("pub", v);
        OPEN(pub, b.port(), makeConnect(v, "pd-pub"));
        QVERIFY(pub.publish(makePublish("pub/a", "news", 0)));
        QVERIFY(sub.receivePublish());
        QVERIFY(rec->waitFor(HookEvent::OnPublished, "pd-pub"));
        const auto calls = rec->of(HookEvent::OnPublished);
        QCOMPARE(calls.size(), 1);
        QCOMPARE(calls[0].clientId, QByteArray("pd-pub"));
        QCOMPARE(calls[0].topic, QByteArray("pub/a"));
        QCOMPARE(calls[0].payload, QByteArray("news"));
        // After OnPublish and after the subscribers were chosen.
        QVERIFY(rec->of(HookEvent::OnPublish, "pd-pub").first().seq < calls[0].seq);
        QVERIFY(rec->of(HookEvent::OnSelectSubscribers).first().seq < calls[0].seq);
    }

    void publishDropped_data()
    {
        QTest::addColumn<int>("qos");
        QTest::newRow("qos0") << 0;
        QTest::newRow("qos1") << 1;
    }

    void publishDropped()
    {
        // v5 only: a client's Maximum Packet Size is a v5 property.
        QFETCH(int, qos);
        auto rec = std::make_shared<Recorder>();
        HookBroker b;
        ADD_HOOK(b, rec);
        START_BROKER(b);

        TestClient sub("sub", ProtocolVersion::V5);
        Connect k = makeConnect(ProtocolVersion::V5, "drop-sub");
        k.properties.maximumPacketSize = 64;
        k.properties.mark(PropertyId::MaximumPacketSize);
        OPEN(sub, b.port(), k);
        QVERIFY(sub.subscribe("drop/#", quint8(qos)));
        TestClient pub("pub", ProtocolVersion::V5);
        OPEN(pub, b.port(), makeConnect(ProtocolVersion::V5, "drop-pub"));
        QVERIFY(pub.publishAndWait(makePublish("drop/big", QByteArray(200, 'x'), quint8(qos))));
        QVERIFY(rec->waitFor(HookEvent::OnPublishDropped, "drop-sub"));
        const auto calls = rec->of(HookEvent::OnPublishDropped);
        QCOMPARE(calls.size(), 1);
        QCOMPARE(calls[0].topic, QByteArray("drop/big"));
        QCOMPARE(calls[0].payload.size(), 200);
        QVERIFY(sub.expectNoPacket());
        // A message that fits is delivered.
        QVERIFY(pub.publishAndWait(makePublish("drop/small", "s", quint8(qos))));
        auto got = sub.receivePublish();
        QVERIFY2(got, qPrintable(sub.lastError()));
        QCOMPARE(got->topic, QByteArray("drop/small"));
        QVERIFY(sub.acknowledge(*got));
        QCOMPARE(rec->count(HookEvent::OnPublishDropped), 1);
    }

    // ---- retained messages -------------------------------------------------------------

    void retainMessage_data() { addVersionRows(); }

    void retainMessage()
    {
        QFETCH(int, version);
        const auto v = ProtocolVersion(version);
        auto rec = std::make_shared<Recorder>();
        HookBroker b;
        ADD_HOOK(b, rec);
        START_BROKER(b);

        TestClient pub("pub", v);
        OPEN(pub, b.port(), makeConnect(v, "ret-pub"));
        QVERIFY(pub.publishAndWait(makePublish("ret/a", "one", 1, true)));
        QVERIFY(rec->waitFor(HookEvent::OnRetainMessage, "ret-pub", 1));
        QVERIFY(pub.publishAndWait(makePublish("ret/a", "two", 1, true)));
        QVERIFY(rec->waitFor(HookEvent::OnRetainMessage, "ret-pub", 2));
        QVERIFY(pub.publishAndWait(makePublish("ret/a", "", 1, true)));
        QVERIFY(rec->waitFor(HookEvent::OnRetainMessage, "ret-pub", 3));
        const auto calls = rec->of(HookEvent::OnRetainMessage);
        QCOMPARE(calls.size(), 3);
        QCOMPARE(calls[0].number, +1);
        QCOMPARE(calls[0].payload, QByteArray("one"));
        QCOMPARE(calls[1].number, 0);
        QCOMPARE(calls[1].payload, QByteArray("two"));
        QCOMPARE(calls[2].number, -1);
        for (const Rec &r : calls)
            QCOMPARE(r.topic, QByteArray("ret/a"));
        // A non-retained publish does not touch the store.
        QVERIFY(pub.publishAndWait(makePublish("ret/a", "plain", 1, false)));
        QCOMPARE(rec->count(HookEvent::OnRetainMessage), 3);
    }

    void retainPublished_data() { addVersionRows(); }

    void retainPublished()
    {
        QFETCH(int, version);
        const auto v = ProtocolVersion(version);
        auto rec = std::make_shared<Recorder>();
        HookBroker b;
        ADD_HOOK(b, rec);
        START_BROKER(b);

        TestClient pub("pub", v);
        OPEN(pub, b.port(), makeConnect(v, "rp-pub"));
        QVERIFY(pub.publishAndWait(makePublish("rp/a", "kept", 1, true)));
        QCOMPARE(rec->count(HookEvent::OnRetainPublished), 0);
        TestClient sub("sub", v);
        OPEN(sub, b.port(), makeConnect(v, "rp-sub"));
        QVERIFY(sub.subscribe("rp/#", 1));
        auto got = sub.receivePublish();
        QVERIFY2(got, qPrintable(sub.lastError()));
        QVERIFY(got->retain);
        QCOMPARE(got->payload, QByteArray("kept"));
        QVERIFY(sub.acknowledge(*got));
        QVERIFY(rec->waitFor(HookEvent::OnRetainPublished, "rp-sub"));
        const auto calls = rec->of(HookEvent::OnRetainPublished);
        QCOMPARE(calls.size(), 1);
        QCOMPARE(calls[0].topic, QByteArray("rp/a"));
        QCOMPARE(calls[0].payload, QByteArray("kept"));
        // After the SUBACK.
        QVERIFY(rec->packets(HookEvent::OnPacketSent, PacketType::Suback, "rp-sub").first().seq <
                calls[0].seq);
    }

    // ---- QoS flows ---------------------------------------------------------------------

    void qosPublishComplete_data() { addVersionRows(); }

    void qosPublishComplete()
    {
        QFETCH(int, version);
        const auto v = ProtocolVersion(version);
        auto rec = std::make_shared<Recorder>();
        HookBroker b;
        ADD_HOOK(b, rec);
        START_BROKER(b);

        TestClient sub("sub", v);
        OPEN(sub, b.port(), makeConnect(v, "qp-sub"));
        QVERIFY(sub.subscribe("qp/#", 1));
        TestClient pub("pub", v);
        OPEN(pub, b.port(), makeConnect(v, "qp-pub"));
        QVERIFY(pub.publishQos1(makePublish("qp/a", "m", 1)));
        auto got = sub.receivePublish();
        QVERIFY2(got, qPrintable(sub.lastError()));
        QCOMPARE(int(got->qos), 1);
        QVERIFY(rec->waitFor(HookEvent::OnQosPublish, "qp-sub"));
        const auto published = rec->of(HookEvent::OnQosPublish, "qp-sub");
        QCOMPARE(published.size(), 1);
        QCOMPARE(published[0].topic, QByteArray("qp/a"));
        QCOMPARE(published[0].number, 0); // first send, no resends
        // Not complete before the subscriber's PUBACK.
        QTest::qWait(100);
        QCOMPARE(rec->count(HookEvent::OnQosComplete), 0);
        QVERIFY(sub.acknowledge(*got));
        QVERIFY(rec->waitFor(HookEvent::OnQosComplete, "qp-sub"));
        const auto complete = rec->of(HookEvent::OnQosComplete);
        QCOMPARE(complete.size(), 1);
        QCOMPARE(complete[0].topic, QByteArray("qp/a"));
        QCOMPARE(complete[0].payload, QByteArray("m"));
        QVERIFY(published[0].seq < complete[0].seq);
        // The PUBACK arrived first.
        QVERIFY(rec->packets(HookEvent::OnPacketRead, PacketType::Puback, "qp-sub").first().seq <
                complete[0].seq);
    }

    void qosDropped()
    {
        // v5 only: message expiry.
        auto rec = std::make_shared<Recorder>();
        HookBroker b;
        ADD_HOOK(b, rec);
        START_BROKER(b);

        TestClient sub("sub", ProtocolVersion::V5);
        OPEN(sub, b.port(), withExpiry(makeConnect(ProtocolVersion::V5, "qd-sub"), 60));
        QVERIFY(sub.subscribe("qd/#", 1));
        TestClient pub("pub", ProtocolVersion::V5);
        OPEN(pub, b.port(), makeConnect(ProtocolVersion::V5, "qd-pub"));
        Publish p = makePublish("qd/a", "expiring", 1);
        p.properties.messageExpiryInterval = 1;
        p.properties.mark(PropertyId::MessageExpiryInterval);
        QVERIFY(pub.publishQos1(p));
        auto got = sub.receivePublish();
        QVERIFY2(got, qPrintable(sub.lastError()));
        QVERIFY(rec->waitFor(HookEvent::OnQosPublish, "qd-sub"));
        sub.close(); // gone without PUBACK: the message stays in flight
        QVERIFY(rec->waitFor(HookEvent::OnDisconnect, "qd-sub"));
        QCOMPARE(rec->count(HookEvent::OnQosDropped), 0);
        QTest::qWait(2000);

        TestClient again("again", ProtocolVersion::V5);
        auto ack = again.open(b.port(), withExpiry(makeConnect(ProtocolVersion::V5, "qd-sub", false), 60));
        QVERIFY2(ack, qPrintable(again.lastError()));
        QVERIFY(ack->sessionPresent);
        QVERIFY(rec->waitFor(HookEvent::OnQosDropped, "qd-sub"));
        const auto calls = rec->of(HookEvent::OnQosDropped);
        QCOMPARE(calls.size(), 1);
        QCOMPARE(calls[0].topic, QByteArray("qd/a"));
        QCOMPARE(calls[0].payload, QByteArray("expiring"));
        QVERIFY(again.expectNoPacket());
        QCOMPARE(rec->count(HookEvent::OnQosComplete), 0);
        QCOMPARE(rec->count(HookEvent::OnPublishDropped), 0);
    }

    // ---- wills and expiry --------------------------------------------------------------

    void will_data()
    {
        QTest::addColumn<int>("version");
        QTest::addColumn<bool>("suppress");
        for (ProtocolVersion v : {ProtocolVersion::V311, ProtocolVersion::V5}) {
            QTest::newRow((QByteArray(test::versionTag(v)) + " modified").constData()) << int(v) << false;
            QTest::newRow((QByteArray(test::versionTag(v)) + " suppressed").constData()) << int(v) << true;
        }
    }

    void will()
    {
        QFETCH(int, version);
        QFETCH(bool, suppress);
        const auto v = ProtocolVersion(version);
        auto rec = std::make_shared<Recorder>();
        rec->will = [suppress](const ClientInfo &, Will &w) {
            if (suppress) return false;
            w.payload += " (hooked)";
            return true;
        };
        HookBroker b;
        ADD_HOOK(b, rec);
        START_BROKER(b);

        TestClient sub("sub", v);
        OPEN(sub, b.port(), makeConnect(v, "will-sub"));
        QVERIFY(sub.subscribe("will/#", 0));
        TestClient dying("dying", v);
        Connect k = makeConnect(v, "will-1");
        k.hasWill = true;
        k.will.topic = "will/will-1";
        k.will.payload = "bye";
        OPEN(dying, b.port(), k);
        dying.close();
        QVERIFY(rec->waitFor(HookEvent::OnWill, "will-1"));
        const Rec w = rec->of(HookEvent::OnWill, "will-1").first();
        QCOMPARE(w.topic, QByteArray("will/will-1"));
        QCOMPARE(w.payload, QByteArray("bye"));
        if (suppress) {
            QVERIFY(sub.expectNoPacket());
            QCOMPARE(rec->count(HookEvent::OnWillSent), 0);
            return;
        }
        auto got = sub.receivePublish();
        QVERIFY2(got, qPrintable(sub.lastError()));
        QCOMPARE(got->topic, QByteArray("will/will-1"));
        QCOMPARE(got->payload, QByteArray("bye (hooked)"));
        QVERIFY(rec->waitFor(HookEvent::OnWillSent, "will-1"));
        const Rec sent = rec->of(HookEvent::OnWillSent, "will-1").first();
        QCOMPARE(sent.topic, QByteArray("will/will-1"));
        QCOMPARE(sent.payload, QByteArray("bye (hooked)"));
        QVERIFY(w.seq < sent.seq);
    }

    void willNotOnNormalDisconnect_data() { addVersionRows(); }

    void willNotOnNormalDisconnect()
    {
        QFETCH(int, version);
        const auto v = ProtocolVersion(version);
        auto rec = std::make_shared<Recorder>();
        HookBroker b;
        ADD_HOOK(b, rec);
        START_BROKER(b);
        TestClient c("c", v);
        Connect k = makeConnect(v, "will-2");
        k.hasWill = true;
        k.will.topic = "will/will-2";
        k.will.payload = "bye";
        OPEN(c, b.port(), k);
        QVERIFY(c.disconnect());
        QVERIFY(rec->waitFor(HookEvent::OnDisconnect, "will-2"));
        QTest::qWait(100);
        QCOMPARE(rec->count(HookEvent::OnWill), 0);
        QCOMPARE(rec->count(HookEvent::OnWillSent), 0);
    }

    void clientExpired()
    {
        auto rec = std::make_shared<Recorder>();
        HookBroker b;
        ADD_HOOK(b, rec);
        START_BROKER(b);

        TestClient c("c", ProtocolVersion::V5);
        OPEN(c, b.port(), withExpiry(makeConnect(ProtocolVersion::V5, "exp-1"), 1));
        QElapsedTimer timer;
        timer.start();
        QVERIFY(c.disconnect());
        QVERIFY(rec->waitFor(HookEvent::OnDisconnect, "exp-1"));
        QCOMPARE(rec->of(HookEvent::OnDisconnect, "exp-1").first().flag, false); // session outlives it
        QCOMPARE(rec->count(HookEvent::OnClientExpired), 0);
        QVERIFY(rec->waitFor(HookEvent::OnClientExpired, "exp-1", 1, 2500));
        QVERIFY2(timer.elapsed() >= 900, qPrintable(QString::number(timer.elapsed())));
        QCOMPARE(rec->count(HookEvent::OnClientExpired), 1);
    }

    // ---- the chain ---------------------------------------------------------------------

    void zeroProvides()
    {
        // A hook providing nothing, before and after a recorder providing everything: the
        // chain calls every event (the recorder wants them) but never on the silent hooks.
        auto first = std::make_shared<Recorder>(u"silent-first"_s, 0);
        auto full = std::make_shared<Recorder>(u"full"_s);
        auto last = std::make_shared<Recorder>(u"silent-last"_s, 0);
        HookBroker b;
        ADD_HOOK(b, first);
        ADD_HOOK(b, full);
        ADD_HOOK(b, last);
        START_BROKER(b);

        TestClient sub("sub", ProtocolVersion::V5);
        Connect small = withExpiry(makeConnect(ProtocolVersion::V5, "z-sub"), 60);
        small.properties.maximumPacketSize = 100;
        small.properties.mark(PropertyId::MaximumPacketSize);
        OPEN(sub, b.port(), small);
        QVERIFY(sub.subscribe("z/#", 2));
        TestClient pub("pub", ProtocolVersion::V5);
        Connect k = makeConnect(ProtocolVersion::V5, "z-pub");
        k.hasWill = true;
        k.will.topic = "z/will";
        k.will.payload = "bye";
        OPEN(pub, b.port(), k);
        QVERIFY(pub.publishAndWait(makePublish("z/retained", "r", 1, true)));
        QVERIFY(pub.publishAndWait(makePublish("z/q2", "two", 2)));
        QVERIFY(pub.publishAndWait(makePublish("z/big", QByteArray(300, 'x'), 0))); // dropped for z-sub
        for (int i = 0; i < 2; ++i) {
            auto got = sub.receivePublish();
            QVERIFY2(got, qPrintable(sub.lastError()));
            QVERIFY(sub.acknowledge(*got));
        }
        QVERIFY(sub.ping());
        TestClient late("late", ProtocolVersion::V311);
        OPEN(late, b.port(), makeConnect(ProtocolVersion::V311, "z-late"));
        QVERIFY(late.subscribe("z/retained", 1)); // retained on subscribe
        auto got = late.receivePublish();
        QVERIFY2(got, qPrintable(late.lastError()));
        QVERIFY(late.acknowledge(*got));
        QVERIFY(late.unsubscribe({"z/retained"}));
        pub.close(); // will
        got = sub.receivePublish();
        QVERIFY2(got, qPrintable(sub.lastError()));
        QCOMPARE(got->payload, QByteArray("bye"));
        QVERIFY(late.disconnect());
        TestClient refused("refused", ProtocolVersion::V5);
        QVERIFY(refused.connectTcp(b.port()));
        Connect enhanced = makeConnect(ProtocolVersion::V5, "z-auth");
        enhanced.properties.authenticationMethod = "TEST";
        enhanced.properties.mark(PropertyId::AuthenticationMethod);
        QVERIFY(refused.send(Packet(enhanced)));
        QVERIFY(refused.receive()); // AUTH or CONNACK: whatever the default hook answer gives
        QVERIFY(sub.disconnect());
        QVERIFY(full->waitFor(HookEvent::OnDisconnect, "z-sub"));
        QVERIFY(full->waitFor(HookEvent::OnDisconnect, "z-late"));
        b.stop();

        // The recorder saw the events: the chain's mask had them all on.
        QList<HookEvent> seen;
        for (const Rec &r : full->all())
            seen.append(r.event);
        for (HookEvent e : {HookEvent::OnStarted,
                            HookEvent::OnStopped,
                            HookEvent::OnConnectAuthenticate,
                            HookEvent::OnACLCheck,
                            HookEvent::OnConnect,
                            HookEvent::OnSessionEstablish,
                            HookEvent::OnSessionEstablished,
                            HookEvent::OnDisconnect,
                            HookEvent::OnAuthPacket,
                            HookEvent::OnPacketRead,
                            HookEvent::OnPacketEncode,
                            HookEvent::OnPacketSent,
                            HookEvent::OnPacketProcessed,
                            HookEvent::OnSubscribe,
                            HookEvent::OnSubscribed,
                            HookEvent::OnSelectSubscribers,
                            HookEvent::OnUnsubscribe,
                            HookEvent::OnUnsubscribed,
                            HookEvent::OnPublish,
                            HookEvent::OnPublished,
                            HookEvent::OnPublishDropped,
                            HookEvent::OnRetainMessage,
                            HookEvent::OnRetainPublished,
                            HookEvent::OnQosPublish,
                            HookEvent::OnQosComplete,
                            HookEvent::OnWill,
                            HookEvent::OnWillSent})
            QVERIFY2(seen.contains(e), hookEventName(e));
        QVERIFY2(first->all().isEmpty(), qPrintable(first->names().join(u' ')));
        QVERIFY2(last->all().isEmpty(), qPrintable(last->names().join(u' ')));
    }

    void hookOrder()
    {
        auto a = std::make_shared<Recorder>(u"a"_s);
        a->publish = [](const ClientInfo &, Publish &p) -> Error {
            if (p.topic == "ord/stop") return {ReasonCode::QuotaExceeded, "stop"};
            p.payload += "a";
            return {};
        };
        auto bHook = std::make_shared<Recorder>(u"b"_s);
        bHook->publish = [](const ClientInfo &, Publish &p) -> Error {
            p.payload += "b";
            return {};
        };
        HookBroker b;
        ADD_HOOK(b, a);
        ADD_HOOK(b, bHook);
        START_BROKER(b);

        TestClient sub("sub", ProtocolVersion::V5);
        OPEN(sub, b.port(), makeConnect(ProtocolVersion::V5, "ord-sub"));
        QVERIFY(sub.subscribe("ord/#", 1));
        TestClient pub("pub", ProtocolVersion::V5);
        OPEN(pub, b.port(), makeConnect(ProtocolVersion::V5, "ord-pub"));
        QVERIFY(pub.publishAndWait(makePublish("ord/x", "", 1)));
        auto got = sub.receivePublish();
        QVERIFY2(got, qPrintable(sub.lastError()));
        QCOMPARE(got->payload, QByteArray("ab"));
        QVERIFY(sub.acknowledge(*got));
        // b saw a's result; a ran first.
        const Rec ra = a->of(HookEvent::OnPublish, "ord-pub").first();
        const Rec rb = bHook->of(HookEvent::OnPublish, "ord-pub").first();
        QCOMPARE(ra.payload, QByteArray(""));
        QCOMPARE(rb.payload, QByteArray("a"));
        QVERIFY(ra.seq < rb.seq);

        // An error from a stops the chain: b is not asked.
        auto ack = pub.publishQos1(makePublish("ord/stop", "x", 1));
        QVERIFY2(ack, qPrintable(pub.lastError()));
        QCOMPARE(int(ack->reasonCode), 0x97);
        QCOMPARE(a->count(HookEvent::OnPublish), 2);
        QCOMPARE(bHook->count(HookEvent::OnPublish), 1);
        QVERIFY(sub.expectNoPacket());
    }
};

QTEST_GUILESS_MAIN(TestHookEvents)
#include "tst_hook_events.moc"
