// The inline client (Broker::publish/subscribe/unsubscribe), packet injection
// (Broker::injectPacket) and the per-delivery read ACL, over real connections.
#include "broker/broker.h"
#include "support/broker_fixture.h"
#include "support/test_client.h"

#include <QMutex>
#include <QTest>
#include <QThread>

#include <atomic>
#include <memory>

using namespace Qt::StringLiterals;
using namespace petrel;
using namespace petrel::packets;
using petrel::test::BrokerFixture;
using petrel::test::makeConnect;
using petrel::test::makePublish;
using petrel::test::makeSubscription;
using petrel::test::TestClient;

namespace {

constexpr int kWaitMs = 5000;

struct Got {
    QByteArray filter;
    std::uint32_t id = 0;
    QByteArray publisher;
    QByteArray topic;
    QByteArray payload;
    bool onWorker = false;
};

// Collects what inline handlers receive (from worker threads).
class Inbox {
public:
    InlineHandler handler()
    {
        QThread *main = QThread::currentThread();
        return [this, main](const InlineMessage &m) {
            QMutexLocker lock(&m_mutex);
            m_got.append(Got{m.filter, m.subscriptionId, m.publisherId, m.publish.topic, m.publish.payload,
                             QThread::currentThread() != main});
        };
    }
    QList<Got> all() const
    {
        QMutexLocker lock(&m_mutex);
        return m_got;
    }
    qsizetype size() const { return all().size(); }
    bool waitFor(qsizetype n) const
    {
        QDeadlineTimer deadline(kWaitMs);
        while (size() < n && !deadline.hasExpired())
            QTest::qWait(5);
        return size() >= n;
    }

private:
    mutable QMutex m_mutex;
    QList<Got> m_got;
};

Options inlineOptions()
{
    Options o = BrokerFixture::defaultOptions();
    o.inlineClient = true;
    return o;
}

// Lets everyone in; may write anywhere; may not read topics under secret/.
class NoSecrets : public Hook {
public:
    QString id() const override { return u"no-secrets"_s; }
    HookMask provides() const override
    {
        return hookBit(HookEvent::OnConnectAuthenticate) | hookBit(HookEvent::OnACLCheck);
    }
    bool onConnectAuthenticate(const ClientInfo &, const Connect &) override { return true; }
    bool onACLCheck(const ClientInfo &client, const QByteArray &topic, bool write) override
    {
        if (write) return client.clientId != "readonly";
        return !topic.startsWith("secret/");
    }
};

// Records OnRetainMessage calls (topic, client id, inline?).
class RetainWatcher : public Hook {
public:
    QString id() const override { return u"retain-watcher"_s; }
    HookMask provides() const override { return hookBit(HookEvent::OnRetainMessage); }
    void onRetainMessage(const ClientInfo &client, const Publish &p, int) override
    {
        QMutexLocker lock(&mutex);
        seen.append({p.topic, client.clientId, client.isInline});
    }
    struct Seen {
        QByteArray topic;
        QByteArray clientId;
        bool isInline;
    };
    QMutex mutex;
    QList<Seen> seen;
};

} // namespace

class TestInlineClient : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void disabledByDefault()
    {
        Broker broker(BrokerFixture::defaultOptions()); // inlineClient = false, as Mochi
        QVERIFY(broker.start());
        QString error;
        QVERIFY(!broker.publish("a/b", "x"));
        QVERIFY(!broker.subscribe(
            "a/#", 1, [](const InlineMessage &) {}, &error));
        QVERIFY2(error.contains(u"inline client is disabled"_s), qPrintable(error));
        QVERIFY(!broker.unsubscribe("a/#", 1));
        QVERIFY(!broker.injectPacket("x", Packet(Pingreq{}), &error));
    }

    // Messages from network clients and from Broker::publish reach the handler, on a worker
    // thread, with the filter, id and publisher.
    void receives()
    {
        BrokerFixture fixture(inlineOptions());
        PETREL_START(fixture);
        Broker *broker = fixture.broker();
        Inbox inbox;
        QVERIFY(broker->subscribe("in/+/x", 7, inbox.handler()));

        TestClient pub("in-pub", ProtocolVersion::V5);
        QVERIFY(pub.open(fixture.port(), makeConnect(ProtocolVersion::V5, "in-pub")));
        QVERIFY(pub.publishAndWait(makePublish("in/a/x", "from-client", 1)));
        QVERIFY(pub.publishAndWait(makePublish("in/a/y", "no-match", 1)));
        QVERIFY(broker->publish("in/b/x", "from-server"));
        QVERIFY(inbox.waitFor(2));
        QTest::qWait(100);
        const QList<Got> got = inbox.all();
        QCOMPARE(got.size(), 2);
        const Got &a = got[0].payload == "from-client" ? got[0] : got[1];
        const Got &b = got[0].payload == "from-client" ? got[1] : got[0];
        QCOMPARE(a.filter, QByteArray("in/+/x"));
        QCOMPARE(a.id, 7u);
        QCOMPARE(a.publisher, QByteArray("in-pub"));
        QCOMPARE(a.topic, QByteArray("in/a/x"));
        QVERIFY(a.onWorker);
        QCOMPARE(b.publisher, QByteArray());
        QCOMPARE(b.topic, QByteArray("in/b/x"));
    }

    // Two ids on one filter both receive; unsubscribing one leaves the other.
    void idsAndUnsubscribe()
    {
        BrokerFixture fixture(inlineOptions());
        PETREL_START(fixture);
        Broker *broker = fixture.broker();
        Inbox one, two;
        QVERIFY(broker->subscribe("ids/#", 1, one.handler()));
        QVERIFY(broker->subscribe("ids/#", 2, two.handler()));
        QVERIFY(broker->publish("ids/a", "1"));
        QVERIFY(one.waitFor(1));
        QVERIFY(two.waitFor(1));
        QVERIFY(broker->unsubscribe("ids/#", 1));
        QVERIFY(!broker->unsubscribe("ids/#", 1));
        QVERIFY(!broker->unsubscribe("other/#", 2));
        QVERIFY(broker->publish("ids/b", "2"));
        QVERIFY(two.waitFor(2));
        QTest::qWait(100);
        QCOMPARE(one.size(), 1);
        QCOMPARE(two.all().last().payload, QByteArray("2"));
    }

    void badFilters()
    {
        Broker broker(inlineOptions());
        QString error;
        QVERIFY(!broker.subscribe(
            "a/#/b", 1, [](const InlineMessage &) {}, &error));
        QVERIFY(error.contains(u"not a valid topic filter"_s));
        QVERIFY(!broker.subscribe(
            "$share/g/a", 1, [](const InlineMessage &) {}, &error));
        QVERIFY(error.contains(u"shared"_s));
        QVERIFY(!broker.subscribe("a", 1, InlineHandler{}, &error));
    }

    // Subscribed before start, kept across stop/start.
    void beforeStartAndRestart()
    {
        Broker broker(inlineOptions());
        Inbox inbox;
        QVERIFY(broker.subscribe("early/#", 3, inbox.handler()));
        QVERIFY(broker.start());
        QVERIFY(broker.publish("early/a", "1"));
        QVERIFY(inbox.waitFor(1));
        broker.stop();
        QVERIFY(broker.start());
        QVERIFY(broker.publish("early/b", "2"));
        QVERIFY(inbox.waitFor(2));
    }

    // A handler may unsubscribe itself: handlers run without the subscriptions' lock.
    void unsubscribeFromHandler()
    {
        BrokerFixture fixture(inlineOptions());
        PETREL_START(fixture);
        Broker *broker = fixture.broker();
        std::atomic<int> calls{0};
        QVERIFY(broker->subscribe("once/#", 9, [&](const InlineMessage &m) {
            ++calls;
            broker->unsubscribe(m.filter, m.subscriptionId);
        }));
        QVERIFY(broker->publish("once/a", "1"));
        QTRY_COMPARE_WITH_TIMEOUT(calls.load(), 1, kWaitMs);
        QVERIFY(broker->publish("once/b", "2"));
        QTest::qWait(200);
        QCOMPARE(calls.load(), 1);
    }

    // $SYS topics: not matched by '#', matched when named; the inline client may publish
    // into '$' topics, network clients may not.
    void sysTopics()
    {
        BrokerFixture fixture(inlineOptions());
        PETREL_START(fixture);
        Broker *broker = fixture.broker();
        Inbox all, sys;
        QVERIFY(broker->subscribe("#", 1, all.handler()));
        QVERIFY(broker->subscribe("$SYS/broker/uptime", 2, sys.handler()));
        QVERIFY(sys.waitFor(1)); // published every second (defaultOptions)
        QCOMPARE(all.size(), 0);

        TestClient sub("sys-sub");
        QVERIFY(sub.open(fixture.port(), makeConnect(ProtocolVersion::V311, "sys-sub")));
        QVERIFY(sub.subscribe("$custom/#"));
        QVERIFY(broker->publish("$custom/x", "mine"));
        const auto got = sub.receivePublish();
        QVERIFY(got);
        QCOMPARE(got->topic, QByteArray("$custom/x"));
    }

    // A retained message from the inline client is reported to OnRetainMessage (so the storage
    // hook keeps it) as the inline client's; the broker's own $SYS topics are not.
    void inlineRetainReported()
    {
        auto watcher = std::make_shared<RetainWatcher>();
        Broker broker(inlineOptions()); // $SYS every second
        QVERIFY(broker.addHook(watcher));
        QVERIFY(broker.start());
        QVERIFY(broker.publish("kept/by/inline", "v", 1, true));
        QTRY_VERIFY_WITH_TIMEOUT(
            [&] {
                QMutexLocker lock(&watcher->mutex);
                return !watcher->seen.isEmpty();
            }(),
            kWaitMs);
        QTest::qWait(1500); // at least one $SYS round
        QMutexLocker lock(&watcher->mutex);
        QCOMPARE(watcher->seen.size(), 1);
        QCOMPARE(watcher->seen[0].topic, QByteArray("kept/by/inline"));
        QCOMPARE(watcher->seen[0].clientId, QByteArray("inline"));
        QVERIFY(watcher->seen[0].isInline);
    }

    // The inline client skips ACL checks; injected packets get them like the client's own.
    void inlinePublishBypassesAcl()
    {
        Options o = inlineOptions();
        o.hooks.clear(); // no allow-all: NoSecrets decides
        Broker broker(o);
        QVERIFY(broker.addHook(std::make_shared<NoSecrets>()));
        QVERIFY(broker.start());
        const quint16 port = broker.listenTcp(u"t"_s, QHostAddress::LocalHost, 0);
        QVERIFY(port);
        TestClient sub("acl-sub");
        QVERIFY(sub.open(port, makeConnect(ProtocolVersion::V311, "acl-sub")));
        QVERIFY(sub.subscribe("open/#"));
        TestClient ro("readonly", ProtocolVersion::V5);
        QVERIFY(ro.open(port, makeConnect(ProtocolVersion::V5, "readonly")));

        QVERIFY(broker.publish("open/inline", "i"));
        auto got = sub.receivePublish();
        QVERIFY(got);
        QCOMPARE(got->payload, QByteArray("i"));

        // Injected as "readonly", who may not write: refused as if it had sent it.
        Publish p = makePublish("open/injected", "j", 1);
        p.packetId = 77;
        QVERIFY(broker.injectPacket("readonly", Packet(p)));
        const auto ack = ro.receiveAck(PacketType::Puback);
        QVERIFY(ack);
        QCOMPARE(ack->packetId, quint16(77));
        QCOMPARE(ack->reasonCode, quint8(ReasonCode::NotAuthorized));
        QVERIFY(sub.expectNoPacket(200));
    }

    // Injection as a connected client, for several packet types.
    void injectAsClient()
    {
        BrokerFixture fixture(inlineOptions());
        PETREL_START(fixture);
        Broker *broker = fixture.broker();
        Inbox inbox;
        QVERIFY(broker->subscribe("inj/#", 1, inbox.handler()));

        TestClient c("inj", ProtocolVersion::V5);
        QVERIFY(c.open(fixture.port(), makeConnect(ProtocolVersion::V5, "inj")));
        // PINGREQ: the client gets the PINGRESP.
        QVERIFY(broker->injectPacket("inj", Packet(Pingreq{})));
        QVERIFY(c.receiveAs<Pingresp>());
        // SUBSCRIBE: the client gets the SUBACK, then the messages.
        Subscribe s;
        s.packetId = 5;
        s.topics.append(makeSubscription("inj/back", 1));
        QVERIFY(broker->injectPacket("inj", Packet(s)));
        const auto suback = c.receiveSuback();
        QVERIFY(suback);
        QCOMPARE(suback->packetId, quint16(5));
        // PUBLISH: routed with the client as publisher.
        QVERIFY(broker->injectPacket("inj", Packet(makePublish("inj/back", "hello", 0))));
        const auto echoed = c.receivePublish();
        QVERIFY(echoed);
        QCOMPARE(echoed->payload, QByteArray("hello"));
        QVERIFY(inbox.waitFor(1));
        QCOMPARE(inbox.all()[0].publisher, QByteArray("inj"));

        QString error;
        QVERIFY(!broker->injectPacket("nobody", Packet(Pingreq{}), &error));
        QVERIFY(error.contains(u"no session"_s));
    }

    // Read access is checked per delivery: a '#' subscriber does not get what it may not read,
    // neither live nor retained.
    void readAclPerDelivery()
    {
        Options o = BrokerFixture::defaultOptions();
        o.hooks.clear();
        Broker broker(o);
        QVERIFY(broker.addHook(std::make_shared<NoSecrets>()));
        QVERIFY(broker.start());
        const quint16 port = broker.listenTcp(u"t"_s, QHostAddress::LocalHost, 0);
        QVERIFY(port);
        TestClient pub("acl-pub");
        QVERIFY(pub.open(port, makeConnect(ProtocolVersion::V311, "acl-pub")));
        QVERIFY(pub.publishAndWait(makePublish("secret/retained", "r", 1, true)));
        QVERIFY(pub.publishAndWait(makePublish("public/retained", "r", 1, true)));

        TestClient sub("acl-all");
        QVERIFY(sub.open(port, makeConnect(ProtocolVersion::V311, "acl-all")));
        const auto suback = sub.subscribe("#", 1);
        QVERIFY(suback);
        QCOMPARE(suback->reasonCodes.value(0), quint8(1));
        auto got = sub.receivePublish();
        QVERIFY(got);
        QCOMPARE(got->topic, QByteArray("public/retained"));
        QVERIFY(sub.acknowledge(*got));

        QVERIFY(pub.publishAndWait(makePublish("secret/live", "s", 1)));
        QVERIFY(pub.publishAndWait(makePublish("public/live", "p", 1)));
        got = sub.receivePublish();
        QVERIFY(got);
        QCOMPARE(got->topic, QByteArray("public/live"));
        QVERIFY(sub.acknowledge(*got));
        QVERIFY(sub.expectNoPacket(200));

        // The same topics again at QoS 0: routed from the worker's route cache and sent
        // without a Delivery per session, still checked per delivery.
        for (int i = 0; i < 3; ++i) {
            QVERIFY(pub.publish(makePublish("secret/live", "s", 0)));
            QVERIFY(pub.publish(makePublish("public/live", QByteArray::number(i), 0)));
        }
        for (int i = 0; i < 3; ++i) {
            got = sub.receivePublish();
            QVERIFY(got);
            QCOMPARE(got->topic, QByteArray("public/live"));
            QCOMPARE(got->payload, QByteArray::number(i));
        }
        QVERIFY(sub.expectNoPacket(200));
    }
};

QTEST_MAIN(TestInlineClient)
#include "tst_inline_client.moc"
