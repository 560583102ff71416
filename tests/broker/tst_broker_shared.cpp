// Broker integration: shared subscriptions ($share/{group}/{filter}, MQTT 5 section 4.8.2;
// Petrel offers them to 3.1.1 clients too, as Mosquitto does).
#include "support/broker_fixture.h"
#include "support/test_client.h"

#include <QTest>

using namespace petrel;
using namespace petrel::packets;
using namespace petrel::test;

class tst_BrokerShared : public QObject {
    Q_OBJECT

    std::unique_ptr<BrokerFixture> m_fixture;
    quint16 port() const { return m_fixture->port(); }
    static ProtocolVersion fetchVersion()
    {
        QFETCH(int, version);
        return ProtocolVersion(version);
    }
    // Drains `c` until `quietMs` passes without a packet; returns the payloads received.
    static QList<QByteArray> drain(TestClient &c, int quietMs = kQuietMs)
    {
        QList<QByteArray> got;
        while (auto p = c.poll(quietMs)) {
            if (auto *m = std::get_if<Publish>(&*p)) {
                got << m->payload;
                c.acknowledge(*m);
            }
        }
        return got;
    }

private Q_SLOTS:
    void init()
    {
        m_fixture = std::make_unique<BrokerFixture>();
        PETREL_START(*m_fixture);
    }
    void cleanup() { m_fixture.reset(); }

    // MQTT 5 section 4.8.2: each message goes to exactly one member of the group.
    void shared_eachMessageToOneMember_data()
    {
        QTest::addColumn<int>("version");
        QTest::addColumn<int>("qos");
        for (auto v : {ProtocolVersion::V311, ProtocolVersion::V5})
            for (int q = 0; q <= 2; ++q)
                QTest::addRow("%s QoS %d", versionTag(v), q) << int(v) << q;
    }
    void shared_eachMessageToOneMember()
    {
        const auto v = fetchVersion();
        QFETCH(int, qos);
        const QByteArray topic = uniqueTopic();
        const QByteArray group = uniqueName("g");
        TestClient a("a"), b("b"), pub("pub");
        QVERIFY(a.open(port(), makeConnect(v, uniqueName("a"))));
        QVERIFY(b.open(port(), makeConnect(v, uniqueName("b"))));
        QVERIFY(pub.open(port(), makeConnect(v, uniqueName("pub"))));
        auto ack = a.subscribe("$share/" + group + '/' + topic, quint8(qos));
        QVERIFY(ack);
        QCOMPARE(ack->reasonCodes, QList<quint8>{quint8(qos)});
        QVERIFY(b.subscribe("$share/" + group + '/' + topic, quint8(qos)));
        constexpr int kCount = 20;
        for (int i = 0; i < kCount; ++i)
            QVERIFY(pub.publishAndWait(makePublish(topic, QByteArray::number(i), quint8(qos))));
        const QList<QByteArray> gotA = drain(a), gotB = drain(b);
        QList<QByteArray> all = gotA + gotB;
        std::sort(all.begin(), all.end(),
                  [](const QByteArray &x, const QByteArray &y) { return x.toInt() < y.toInt(); });
        QList<QByteArray> expected;
        for (int i = 0; i < kCount; ++i)
            expected << QByteArray::number(i);
        QCOMPARE(all, expected); // every message once, none twice
    }

    // A member that leaves with an unacknowledged message hands it on to another member of
    // the group (MQTT 5 section 4.8.2), instead of the message being lost with its session.
    void shared_leavingMemberHandsUnackedMessageOn_data() { addVersionRows(); }
    void shared_leavingMemberHandsUnackedMessageOn()
    {
        PETREL_SKIP_ON_EXTERNAL("may keep the message for the leaving member's session");
        const auto v = fetchVersion();
        const QByteArray topic = uniqueTopic();
        const QByteArray filter = "$share/" + uniqueName("g") + '/' + topic;
        TestClient a("a"), b("b"), pub("pub");
        QVERIFY(a.open(port(), makeConnect(v, uniqueName("a"))));
        QVERIFY(b.open(port(), makeConnect(v, uniqueName("b"))));
        QVERIFY(pub.open(port(), makeConnect(v, uniqueName("pub"))));
        QVERIFY(a.subscribe(filter, 1));
        QVERIFY(b.subscribe(filter, 1));
        QVERIFY(pub.publishAndWait(makePublish(topic, "handed-on", 1)));
        TestClient *holder = &a, *other = &b;
        auto first = a.receivePublish(1000);
        if (!first) {
            holder = &b;
            other = &a;
            first = b.receivePublish();
        }
        QVERIFY(first);
        QCOMPARE(first->payload, QByteArray("handed-on"));
        holder->close(); // leaves without PUBACK
        auto again = other->receivePublish();
        QVERIFY(again);
        QCOMPARE(again->payload, QByteArray("handed-on"));
        QCOMPARE(again->qos, quint8(1));
    }

    // Two groups on one filter: each group gets its own copy; a plain subscriber gets one too.
    void shared_eachGroupGetsCopy_data() { addVersionRows(); }
    void shared_eachGroupGetsCopy()
    {
        const auto v = fetchVersion();
        const QByteArray topic = uniqueTopic();
        TestClient g1("g1"), g2("g2"), plain("plain"), pub("pub");
        QVERIFY(g1.open(port(), makeConnect(v, uniqueName("g1"))));
        QVERIFY(g2.open(port(), makeConnect(v, uniqueName("g2"))));
        QVERIFY(plain.open(port(), makeConnect(v, uniqueName("plain"))));
        QVERIFY(pub.open(port(), makeConnect(v, uniqueName("pub"))));
        QVERIFY(g1.subscribe("$share/" + uniqueName("one") + '/' + topic, 1));
        QVERIFY(g2.subscribe("$share/" + uniqueName("two") + '/' + topic, 1));
        QVERIFY(plain.subscribe(topic, 1));
        QVERIFY(pub.publishQos1(makePublish(topic, "m", 1)));
        for (TestClient *c : {&g1, &g2, &plain}) {
            auto msg = c->receivePublish();
            QVERIFY(msg);
            QCOMPARE(msg->payload, QByteArray("m"));
            QCOMPARE(msg->topic, topic); // the topic, not the $share filter
            QVERIFY(c->acknowledge(*msg));
            QVERIFY(c->expectNoPacket(100));
        }
    }

    // A wildcard filter in a shared subscription.
    void shared_wildcardFilter_data() { addVersionRows(); }
    void shared_wildcardFilter()
    {
        const auto v = fetchVersion();
        const QByteArray base = uniqueTopic();
        TestClient a("a"), pub("pub");
        QVERIFY(a.open(port(), makeConnect(v, uniqueName("a"))));
        QVERIFY(pub.open(port(), makeConnect(v, uniqueName("pub"))));
        QVERIFY(a.subscribe("$share/" + uniqueName("g") + '/' + base + "/+/x", 1));
        QVERIFY(pub.publishQos1(makePublish(base + "/a/x", "m", 1)));
        auto msg = a.receivePublish();
        QVERIFY(msg);
        QCOMPARE(msg->topic, base + "/a/x");
    }

    // [MQTT-3.3.1-6] (5): retained messages go to a new *non-shared* subscription only.
    void shared_v5NoRetainedOnSubscribe()
    {
        PETREL_SKIP_ON_EXTERNAL("sends retained messages on a new shared subscription");
        const QByteArray topic = uniqueTopic();
        TestClient a("a"), pub("pub");
        QVERIFY(pub.open(port(), makeConnect(ProtocolVersion::V5, uniqueName("pub"))));
        QVERIFY(pub.publishQos1(makePublish(topic, "kept", 1, true)));
        QVERIFY(a.open(port(), makeConnect(ProtocolVersion::V5, uniqueName("a"))));
        QVERIFY(a.subscribe("$share/" + uniqueName("g") + '/' + topic, 1));
        QVERIFY(a.expectNoPacket(kQuietMs));
    }

    // [MQTT-3.8.3-4] (5): No Local on a shared subscription is a Protocol Error (DISCONNECT
    // 0x82 may come first, section 4.13).
    void shared_v5NoLocalIsProtocolError()
    {
        PETREL_SKIP_ON_EXTERNAL("accepts No Local on a shared subscription");
        TestClient a("a");
        QVERIFY(a.open(port(), makeConnect(ProtocolVersion::V5, uniqueName("a"))));
        Subscribe s;
        s.packetId = 1;
        TopicSubscription t = makeSubscription("$share/" + uniqueName("g") + '/' + uniqueTopic(), 1);
        t.options.noLocal = true;
        s.topics << t;
        QVERIFY(a.send(s));
        QVERIFY(a.expectServerDisconnect(quint8(ReasonCode::ProtocolError), true));
    }

    // After a member unsubscribes, the rest of the group gets everything.
    void shared_unsubscribedMemberGetsNothing_data() { addVersionRows(); }
    void shared_unsubscribedMemberGetsNothing()
    {
        const auto v = fetchVersion();
        const QByteArray topic = uniqueTopic();
        const QByteArray filter = "$share/" + uniqueName("g") + '/' + topic;
        TestClient a("a"), b("b"), pub("pub");
        QVERIFY(a.open(port(), makeConnect(v, uniqueName("a"))));
        QVERIFY(b.open(port(), makeConnect(v, uniqueName("b"))));
        QVERIFY(pub.open(port(), makeConnect(v, uniqueName("pub"))));
        QVERIFY(a.subscribe(filter, 1));
        QVERIFY(b.subscribe(filter, 1));
        auto un = b.unsubscribe({filter});
        QVERIFY(un);
        if (isV5(v)) QCOMPARE(un->reasonCodes, QList<quint8>{0x00});
        for (int i = 0; i < 5; ++i)
            QVERIFY(pub.publishQos1(makePublish(topic, QByteArray::number(i), 1)));
        QCOMPARE(drain(a).size(), 5);
        QVERIFY(b.expectNoPacket(0));
    }
};

QTEST_GUILESS_MAIN(tst_BrokerShared)
#include "tst_broker_shared.moc"
