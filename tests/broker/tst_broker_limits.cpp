// Limits that keep a broker exposed to the network alive: connect timeout and slowloris,
// oversized first packets, maximum clients, subscriptions per client, topic depth, retained
// messages, and a stalled subscriber's queue. Each row shows the reason code a client gets
// and that other clients carry on. Real sockets, in-process broker.
#include "broker/broker.h"
#include "support/broker_fixture.h"
#include "support/test_client.h"

#include <QElapsedTimer>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace petrel;
using namespace petrel::packets;
using petrel::test::addVersionRows;
using petrel::test::BrokerFixture;
using petrel::test::makeConnect;
using petrel::test::makePublish;
using petrel::test::makeSubscription;
using petrel::test::TestClient;

namespace {

Options withCaps(void (*set)(Capabilities &))
{
    Options o = BrokerFixture::defaultOptions();
    set(o.capabilities);
    return o;
}

QByteArray varint(quint32 v)
{
    QByteArray out;
    do {
        char b = char(v % 128);
        v /= 128;
        if (v) b = char(b | 0x80);
        out.append(b);
    } while (v);
    return out;
}

} // namespace

class TestBrokerLimits : public QObject {
    Q_OBJECT

private Q_SLOTS:
    // A connection that sends no CONNECT, or dribbles it a byte at a time, is closed after
    // the connect timeout.
    void connectTimeout()
    {
        BrokerFixture fixture(withCaps([](Capabilities &c) { c.connectTimeoutMs = 300; }));
        PETREL_START(fixture);
        TestClient silent("silent");
        QVERIFY(silent.connectTcp(fixture.port()));
        TestClient slow("slowloris");
        QVERIFY(slow.connectTcp(fixture.port()));
        // A valid CONNECT's first bytes, one every 100 ms: never complete within 300 ms.
        const QByteArray bytes = QByteArray::fromHex("101000044d5154540402003c0004736c6f77");
        QElapsedTimer t;
        t.start();
        for (int i = 0; i < bytes.size() && slow.isOpen() && t.elapsed() < 3000; ++i) {
            slow.sendRaw(bytes.mid(i, 1));
            QTest::qWait(100);
        }
        QVERIFY(slow.waitDisconnected(3000));
        QVERIFY(silent.waitDisconnected(3000));
        // A well-behaved client is unaffected.
        TestClient ok("ok");
        QVERIFY(ok.open(fixture.port(), makeConnect(ProtocolVersion::V311, "ok")));
        QVERIFY(ok.ping());
    }

    // A first packet announcing 256 MiB is refused at once, before any of it is read or
    // allocated: the cap before authentication is maximum_connect_packet_size.
    void hugeFirstPacket()
    {
        BrokerFixture fixture(withCaps([](Capabilities &c) { c.maximumConnectPacketSize = 1024; }));
        PETREL_START(fixture);
        TestClient c("huge");
        QVERIFY(c.connectTcp(fixture.port()));
        QVERIFY(c.sendRaw(QByteArray(1, '\x10') + varint(256u * 1024 * 1024 - 1)));
        QVERIFY(c.waitDisconnected(3000));
    }

    // After authentication, a packet over maximum_packet_size: DISCONNECT 0x95 (v5).
    void packetTooLarge()
    {
        BrokerFixture fixture(withCaps([](Capabilities &c) { c.maximumPacketSize = 4096; }));
        PETREL_START(fixture);
        TestClient c("big", ProtocolVersion::V5);
        QVERIFY(c.open(fixture.port(), makeConnect(ProtocolVersion::V5, "big")));
        QVERIFY(c.sendRaw(QByteArray(1, '\x30') + varint(256u * 1024 * 1024 - 1)));
        QVERIFY(c.expectServerDisconnect(quint8(ReasonCode::PacketTooLarge)));
    }

    void maximumClients_data() { addVersionRows(); }
    void maximumClients()
    {
        QFETCH(int, version);
        const auto v = ProtocolVersion(version);
        BrokerFixture fixture(withCaps([](Capabilities &c) { c.maximumClients = 2; }));
        PETREL_START(fixture);
        TestClient a("a", v), b("b", v), c("c", v);
        QVERIFY(a.open(fixture.port(), makeConnect(v, "lim-a")));
        QVERIFY(b.open(fixture.port(), makeConnect(v, "lim-b")));
        QVERIFY(c.connectTcp(fixture.port()));
        const auto ack = c.connect(makeConnect(v, "lim-c"));
        QVERIFY(ack);
        QCOMPARE(ack->reasonCode,
                 isV5(v) ? quint8(ReasonCode::QuotaExceeded) : quint8(3)); // v3: server unavailable
        QVERIFY(c.waitDisconnected());
        QVERIFY(b.disconnect());
        // Once the broker has seen b go, there is room again.
        bool admitted = false;
        for (int attempt = 0; attempt < 50 && !admitted; ++attempt) {
            TestClient d("d", v);
            const auto ack = d.open(fixture.port(), makeConnect(v, "lim-d"));
            admitted = ack && ack->reasonCode == 0;
            if (!admitted) QTest::qWait(50);
        }
        QVERIFY(admitted);
    }

    void subscriptionsPerClient_data() { addVersionRows(); }
    void subscriptionsPerClient()
    {
        QFETCH(int, version);
        const auto v = ProtocolVersion(version);
        BrokerFixture fixture(withCaps([](Capabilities &c) { c.maximumSubscriptionsPerClient = 3; }));
        PETREL_START(fixture);
        TestClient c("subs", v);
        QVERIFY(c.open(fixture.port(), makeConnect(v, "subs")));
        Subscribe s;
        for (const char *f : {"s/1", "s/2", "s/3", "s/4"})
            s.topics.append(makeSubscription(f, 1));
        auto ack = c.subscribe(s);
        QVERIFY(ack);
        const quint8 refused = isV5(v) ? quint8(ReasonCode::QuotaExceeded) : quint8(0x80);
        QCOMPARE(ack->reasonCodes, (QList<quint8>{1, 1, 1, refused}));
        // Replacing one it holds is fine; a new one is not.
        ack = c.subscribe("s/2", 0);
        QVERIFY(ack);
        QCOMPARE(ack->reasonCodes, QList<quint8>{0});
        ack = c.subscribe("s/5", 0);
        QVERIFY(ack);
        QCOMPARE(ack->reasonCodes, QList<quint8>{refused});
        // After an unsubscribe there is room again.
        QVERIFY(c.unsubscribe({"s/1"}));
        ack = c.subscribe("s/5", 0);
        QVERIFY(ack);
        QCOMPARE(ack->reasonCodes, QList<quint8>{0});
    }

    void topicLevels_data() { addVersionRows(); }
    void topicLevels()
    {
        QFETCH(int, version);
        const auto v = ProtocolVersion(version);
        BrokerFixture fixture(withCaps([](Capabilities &c) { c.maximumTopicLevels = 4; }));
        PETREL_START(fixture);
        TestClient sub("deep-sub", v);
        QVERIFY(sub.open(fixture.port(), makeConnect(v, "deep-sub")));
        Subscribe s;
        s.topics = {makeSubscription("a/b/c/d", 1), makeSubscription("a/b/c/d/e", 1),
                    makeSubscription("#", 1)};
        auto ack = sub.subscribe(s);
        QVERIFY(ack);
        QCOMPARE(ack->reasonCodes,
                 (QList<quint8>{1, isV5(v) ? quint8(ReasonCode::TopicFilterInvalid) : quint8(0x80), 1}));

        TestClient pub("deep-pub", v);
        QVERIFY(pub.open(fixture.port(), makeConnect(v, "deep-pub")));
        auto puback = pub.publishQos1(makePublish("x/y/z/w/deeper", "no", 1));
        QVERIFY(puback);
        QCOMPARE(puback->reasonCode, isV5(v) ? quint8(ReasonCode::TopicNameInvalid) : quint8(0));
        puback = pub.publishQos1(makePublish("x/y/z/w", "yes", 1));
        QVERIFY(puback);
        QCOMPARE(puback->reasonCode, quint8(0));
        const auto got = sub.receivePublish();
        QVERIFY(got);
        QCOMPARE(got->topic, QByteArray("x/y/z/w")); // the deep one never arrived
        QVERIFY(sub.acknowledge(*got));
        QVERIFY(sub.expectNoPacket(200));
    }

    void retainedLimit_data() { addVersionRows(); }
    void retainedLimit()
    {
        QFETCH(int, version);
        const auto v = ProtocolVersion(version);
        Options o = withCaps([](Capabilities &c) { c.maximumRetainedMessages = 2; });
        o.sysTopicResendInterval = 0; // the $SYS topics are retained messages too
        BrokerFixture fixture(o);
        PETREL_START(fixture);
        const QByteArray base = petrel::test::uniqueTopic("ret/");
        TestClient pub("ret-pub", v);
        QVERIFY(pub.open(fixture.port(), makeConnect(v, "ret-pub")));
        const quint8 quota = isV5(v) ? quint8(ReasonCode::QuotaExceeded) : quint8(0);
        auto retain = [&](const char *topic, const QByteArray &payload) {
            const auto ack = pub.publishQos1(makePublish(base + topic, payload, 1, true));
            return ack ? int(ack->reasonCode) : -1;
        };
        QCOMPARE(retain("/1", "one"), 0);
        QCOMPARE(retain("/2", "two"), 0);
        QCOMPARE(retain("/3", "three"), int(quota)); // a third topic: refused
        QCOMPARE(retain("/1", "uno"), 0);            // replacing: fine
        QCOMPARE(retain("/2", ""), 0);               // clearing: fine, and makes room
        QCOMPARE(retain("/3", "three"), 0);

        TestClient sub("ret-sub", v);
        QVERIFY(sub.open(fixture.port(), makeConnect(v, "ret-sub")));
        QVERIFY(sub.subscribe(base + "/#"));
        QList<QByteArray> got;
        while (auto p = sub.receivePublish(500))
            got.append(p->topic + '=' + p->payload);
        std::sort(got.begin(), got.end());
        QCOMPARE(got, (QList<QByteArray>{base + "/1=uno", base + "/3=three"}));
    }

    // A subscriber that stops reading: once the bytes waiting for its socket pass the limit,
    // further QoS 0 messages for it are dropped and counted; the publisher carries on.
    void bytesPendingQos0()
    {
        BrokerFixture fixture(withCaps([](Capabilities &c) { c.maximumClientBytesPending = 64 * 1024; }));
        PETREL_START(fixture);
        const QByteArray topic = petrel::test::uniqueTopic("bytes/");
        TestClient reader("not-reading");
        QVERIFY(reader.open(fixture.port(), makeConnect(ProtocolVersion::V311, "not-reading")));
        QVERIFY(reader.subscribe(topic, 0));
        TestClient pub("bytes-pub");
        QVERIFY(pub.open(fixture.port(), makeConnect(ProtocolVersion::V311, "bytes-pub")));
        const QByteArray payload(100 * 1024, 'x');
        for (int i = 0; i < 300; ++i) // 30 MB: more than the kernel's socket buffers hold
            QVERIFY(pub.publish(makePublish(topic, payload, 0)));
        QVERIFY(pub.ping(10000)); // the publisher is still served
        QTRY_VERIFY_WITH_TIMEOUT(fixture.broker()->stats().messagesDropped > 0, 10000);
    }

    // At most maximum_inflight unacknowledged QoS 1 messages go to a client.
    void inflightWindow()
    {
        BrokerFixture fixture(withCaps([](Capabilities &c) { c.maximumInflight = 3; }));
        PETREL_START(fixture);
        const QByteArray topic = petrel::test::uniqueTopic("window/");
        TestClient sub("window-sub");
        QVERIFY(sub.open(fixture.port(), makeConnect(ProtocolVersion::V311, "window-sub")));
        QVERIFY(sub.subscribe(topic, 1));
        TestClient pub("window-pub");
        QVERIFY(pub.open(fixture.port(), makeConnect(ProtocolVersion::V311, "window-pub")));
        for (int i = 0; i < 6; ++i)
            QVERIFY(pub.publishQos1(makePublish(topic, QByteArray::number(i), 1)));
        QList<Publish> got;
        while (auto p = sub.receivePublish(300))
            got.append(*p);
        QCOMPARE(got.size(), 3);
        QVERIFY(sub.acknowledge(got.first())); // one slot frees: one more comes
        const auto next = sub.receivePublish();
        QVERIFY(next);
        QCOMPARE(next->payload, QByteArray("3"));
        QVERIFY(sub.expectNoPacket(200));
    }

    // A v5 client asking for a longer session than allowed is told the cap in its CONNACK.
    void sessionExpiryCapped()
    {
        BrokerFixture fixture(withCaps([](Capabilities &c) { c.maximumSessionExpiryInterval = 5; }));
        PETREL_START(fixture);
        TestClient c("long-session", ProtocolVersion::V5);
        Connect conn = makeConnect(ProtocolVersion::V5, "long-session", false);
        conn.properties.sessionExpiryInterval = 3600;
        conn.properties.mark(PropertyId::SessionExpiryInterval);
        const auto ack = c.open(fixture.port(), conn);
        QVERIFY(ack);
        QVERIFY(ack->properties.has(PropertyId::SessionExpiryInterval));
        QCOMPARE(ack->properties.sessionExpiryInterval, 5u);
    }

    // Messages without an expiry get maximum_message_expiry_interval: a retained one is gone
    // after it.
    void messageExpiryCapped()
    {
        Options o = withCaps([](Capabilities &c) { c.maximumMessageExpiryInterval = 1; });
        BrokerFixture fixture(o);
        PETREL_START(fixture);
        const QByteArray topic = petrel::test::uniqueTopic("expire/");
        TestClient pub("expire-pub");
        QVERIFY(pub.open(fixture.port(), makeConnect(ProtocolVersion::V311, "expire-pub")));
        QVERIFY(pub.publishQos1(makePublish(topic, "soon gone", 1, true)));
        {
            TestClient early("early");
            QVERIFY(early.open(fixture.port(), makeConnect(ProtocolVersion::V311, "early")));
            QVERIFY(early.subscribe(topic, 1));
            QVERIFY(early.receivePublish());
        }
        QTest::qWait(1500);
        TestClient late("late");
        QVERIFY(late.open(fixture.port(), makeConnect(ProtocolVersion::V311, "late")));
        QVERIFY(late.subscribe(topic, 1));
        QVERIFY(late.expectNoPacket(300));
    }

    // A subscriber that stops reading and acknowledging: its queue fills to the limit, then
    // it is disconnected with Quota Exceeded (v5); the publisher and a healthy subscriber
    // see every acknowledgement and message.
    void stalledSubscriber()
    {
        BrokerFixture fixture(withCaps([](Capabilities &c) { c.maximumClientWritesPending = 5; }));
        PETREL_START(fixture);
        const QByteArray topic = petrel::test::uniqueTopic("stall/");
        TestClient stalled("stalled", ProtocolVersion::V5);
        Connect sc = makeConnect(ProtocolVersion::V5, "stalled");
        sc.properties.receiveMaximum = 2;
        sc.properties.mark(PropertyId::ReceiveMaximum);
        QVERIFY(stalled.open(fixture.port(), sc));
        QVERIFY(stalled.subscribe(topic, 1));
        TestClient healthy("healthy", ProtocolVersion::V5);
        QVERIFY(healthy.open(fixture.port(), makeConnect(ProtocolVersion::V5, "healthy")));
        QVERIFY(healthy.subscribe(topic, 1));

        TestClient pub("stall-pub", ProtocolVersion::V5);
        QVERIFY(pub.open(fixture.port(), makeConnect(ProtocolVersion::V5, "stall-pub")));
        const int n = 20;
        for (int i = 0; i < n; ++i) {
            const auto ack = pub.publishQos1(makePublish(topic, QByteArray::number(i), 1));
            QVERIFY(ack);
            QCOMPARE(ack->reasonCode, quint8(0));
            const auto got = healthy.receivePublish();
            QVERIFY(got);
            QCOMPARE(got->payload, QByteArray::number(i));
            QVERIFY(healthy.acknowledge(*got));
        }
        // 2 in flight + 5 queued; the 8th message overflowed.
        int received = 0;
        for (;;) {
            const auto p = stalled.receive(2000);
            if (!p) break;
            if (std::holds_alternative<Publish>(*p)) {
                ++received;
                continue;
            }
            QVERIFY(std::holds_alternative<Disconnect>(*p));
            QCOMPARE(std::get<Disconnect>(*p).reasonCode, quint8(ReasonCode::QuotaExceeded));
            break;
        }
        QCOMPARE(received, 2);
        QVERIFY(stalled.waitDisconnected());
        QVERIFY(fixture.broker()->stats().messagesDropped >= 1);
    }
};

QTEST_MAIN(TestBrokerLimits)
#include "tst_broker_limits.moc"
