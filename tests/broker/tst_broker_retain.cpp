// Broker integration: retained messages (store, replace, clear, delivery on subscribe,
// retain flag on live delivery, retain handling, expiry).
#include "support/broker_fixture.h"
#include "support/test_client.h"

#include <QTest>

using namespace petrel;
using namespace petrel::packets;
using namespace petrel::test;

class tst_BrokerRetain : public QObject {
    Q_OBJECT

    std::unique_ptr<BrokerFixture> m_fixture;
    quint16 port() const { return m_fixture->port(); }
    static ProtocolVersion fetchVersion()
    {
        QFETCH(int, version);
        return ProtocolVersion(version);
    }
    static Subscribe subscription(const QByteArray &filter, quint8 qos, bool rap = false,
                                  quint8 retainHandling = 0)
    {
        Subscribe s;
        TopicSubscription t = makeSubscription(filter, qos);
        t.options.retainAsPublished = rap;
        t.options.retainHandling = retainHandling;
        s.topics << t;
        return s;
    }

private Q_SLOTS:
    void init()
    {
        m_fixture = std::make_unique<BrokerFixture>();
        PETREL_START(*m_fixture);
    }
    void cleanup() { m_fixture.reset(); }

    // [MQTT-3.3.1-5] (3.1.1) / [MQTT-3.3.1-5] (5): the retained message is stored and sent to
    // a new subscriber with RETAIN set [MQTT-3.3.1-8] (3.1.1) / [MQTT-3.3.1-9] (5).
    void retain_deliveredOnSubscribeWithRetainFlag_data()
    {
        QTest::addColumn<int>("version");
        QTest::addColumn<int>("qos");
        for (auto v : {ProtocolVersion::V31, ProtocolVersion::V311, ProtocolVersion::V5})
            for (int q = 0; q <= 2; ++q)
                QTest::addRow("%s QoS %d", versionTag(v), q) << int(v) << q;
    }
    void retain_deliveredOnSubscribeWithRetainFlag()
    {
        const auto v = fetchVersion();
        QFETCH(int, qos);
        const QByteArray topic = uniqueTopic();
        TestClient pub("pub");
        QVERIFY(pub.open(port(), makeConnect(v, uniqueName("pub"))));
        QVERIFY(pub.publishAndWait(makePublish(topic, "kept", quint8(qos), true)));
        QVERIFY(pub.ping()); // the broker has handled the PUBLISH (QoS 0 included)
        TestClient sub("sub");
        QVERIFY(sub.open(port(), makeConnect(v, uniqueName("sub"))));
        QVERIFY(sub.subscribe(topic, 2));
        auto msg = sub.receivePublish();
        QVERIFY(msg);
        QCOMPARE(msg->topic, topic);
        QCOMPARE(msg->payload, QByteArray("kept"));
        QCOMPARE(msg->retain, true);
        QCOMPARE(int(msg->qos), qos);
        QVERIFY(sub.acknowledge(*msg));
        QVERIFY(sub.expectNoPacket(100));
    }

    // Delivery of a retained message is capped at the subscription's QoS.
    void retain_downgradedToSubscriptionQos_data() { addVersionRows(); }
    void retain_downgradedToSubscriptionQos()
    {
        const auto v = fetchVersion();
        const QByteArray topic = uniqueTopic();
        TestClient pub("pub");
        QVERIFY(pub.open(port(), makeConnect(v, uniqueName("pub"))));
        QVERIFY(pub.publishQos2(makePublish(topic, "kept", 2, true)));
        TestClient sub("sub");
        QVERIFY(sub.open(port(), makeConnect(v, uniqueName("sub"))));
        QVERIFY(sub.subscribe(topic, 1));
        auto msg = sub.receivePublish();
        QVERIFY(msg);
        QCOMPARE(msg->qos, 1);
        QCOMPARE(msg->retain, true);
    }

    // [MQTT-3.3.1-5]: a new retained message replaces the old one.
    void retain_replacedByNewerMessage_data() { addVersionRows(); }
    void retain_replacedByNewerMessage()
    {
        const auto v = fetchVersion();
        const QByteArray topic = uniqueTopic();
        TestClient pub("pub");
        QVERIFY(pub.open(port(), makeConnect(v, uniqueName("pub"))));
        QVERIFY(pub.publishQos1(makePublish(topic, "old", 1, true)));
        QVERIFY(pub.publishQos1(makePublish(topic, "new", 1, true)));
        TestClient sub("sub");
        QVERIFY(sub.open(port(), makeConnect(v, uniqueName("sub"))));
        QVERIFY(sub.subscribe(topic, 1));
        auto msg = sub.receivePublish();
        QVERIFY(msg);
        QCOMPARE(msg->payload, QByteArray("new"));
        QVERIFY(sub.expectNoPacket(kQuietMs));
    }

    // [MQTT-3.3.1-10] (3.1.1) / [MQTT-3.3.1-6] (5): an empty retained payload clears the topic.
    void retain_clearedByEmptyPayload_data()
    {
        addVersionRows({ProtocolVersion::V31, ProtocolVersion::V311, ProtocolVersion::V5});
    }
    void retain_clearedByEmptyPayload()
    {
        const auto v = fetchVersion();
        const QByteArray topic = uniqueTopic();
        TestClient pub("pub");
        QVERIFY(pub.open(port(), makeConnect(v, uniqueName("pub"))));
        QVERIFY(pub.publishQos1(makePublish(topic, "kept", 1, true)));
        QVERIFY(pub.publishQos1(makePublish(topic, QByteArray(), 1, true)));
        TestClient sub("sub");
        QVERIFY(sub.open(port(), makeConnect(v, uniqueName("sub"))));
        QVERIFY(sub.subscribe(topic, 1));
        QVERIFY(sub.expectNoPacket(kQuietMs));
    }

    // [MQTT-3.3.1-11] (3.1.1): a zero-byte retained PUBLISH still goes to current subscribers.
    void retain_emptyPayloadForwardedToCurrentSubscribers_data() { addVersionRows(); }
    void retain_emptyPayloadForwardedToCurrentSubscribers()
    {
        const auto v = fetchVersion();
        const QByteArray topic = uniqueTopic();
        TestClient sub("sub"), pub("pub");
        QVERIFY(sub.open(port(), makeConnect(v, uniqueName("sub"))));
        QVERIFY(pub.open(port(), makeConnect(v, uniqueName("pub"))));
        QVERIFY(sub.subscribe(topic, 1));
        QVERIFY(pub.publishQos1(makePublish(topic, QByteArray(), 1, true)));
        auto msg = sub.receivePublish();
        QVERIFY(msg);
        QCOMPARE(msg->payload, QByteArray());
        QCOMPARE(msg->topic, topic);
    }

    // [MQTT-3.3.1-9] (3.1.1) / Retain As Published 0 (5): live deliveries carry RETAIN 0.
    void retain_flagClearedOnLiveDelivery_data()
    {
        addVersionRows({ProtocolVersion::V31, ProtocolVersion::V311, ProtocolVersion::V5});
    }
    void retain_flagClearedOnLiveDelivery()
    {
        const auto v = fetchVersion();
        const QByteArray topic = uniqueTopic();
        TestClient sub("sub"), pub("pub");
        QVERIFY(sub.open(port(), makeConnect(v, uniqueName("sub"))));
        QVERIFY(pub.open(port(), makeConnect(v, uniqueName("pub"))));
        QVERIFY(sub.subscribe(topic, 1));
        QVERIFY(pub.publishQos1(makePublish(topic, "live", 1, true)));
        auto msg = sub.receivePublish();
        QVERIFY(msg);
        QCOMPARE(msg->retain, false);
        QCOMPARE(msg->payload, QByteArray("live"));
    }

    // [MQTT-3.3.1-12] (5): Retain As Published 1 keeps the RETAIN flag on live delivery.
    void retain_v5RetainAsPublishedKeepsFlag()
    {
        const QByteArray topic = uniqueTopic();
        TestClient sub("sub"), pub("pub");
        QVERIFY(sub.open(port(), makeConnect(ProtocolVersion::V5, uniqueName("sub"))));
        QVERIFY(pub.open(port(), makeConnect(ProtocolVersion::V5, uniqueName("pub"))));
        QVERIFY(sub.subscribe(subscription(topic, 1, true)));
        QVERIFY(pub.publishQos1(makePublish(topic, "retained", 1, true)));
        auto msg = sub.receivePublish();
        QVERIFY(msg);
        QCOMPARE(msg->retain, true);
        QVERIFY(pub.publishQos1(makePublish(topic, "plain", 1, false)));
        msg = sub.receivePublish();
        QVERIFY(msg);
        QCOMPARE(msg->retain, false);
    }

    // [MQTT-3.3.1-9..11] (5) Retain Handling: 0 sends retained messages at every subscribe,
    // 1 only when the subscription is new, 2 never.
    void retain_v5RetainHandling_data()
    {
        QTest::addColumn<int>("handling");
        QTest::addColumn<bool>("onFirst");
        QTest::addColumn<bool>("onRepeat");
        QTest::newRow("0 send at subscribe") << 0 << true << true;
        QTest::newRow("1 send if new") << 1 << true << false;
        QTest::newRow("2 do not send") << 2 << false << false;
    }
    void retain_v5RetainHandling()
    {
        QFETCH(int, handling);
        QFETCH(bool, onFirst);
        QFETCH(bool, onRepeat);
        const QByteArray topic = uniqueTopic();
        TestClient pub("pub");
        QVERIFY(pub.open(port(), makeConnect(ProtocolVersion::V5, uniqueName("pub"))));
        QVERIFY(pub.publishQos1(makePublish(topic, "kept", 1, true)));
        TestClient sub("sub");
        QVERIFY(sub.open(port(), makeConnect(ProtocolVersion::V5, uniqueName("sub"))));
        for (bool expected : {onFirst, onRepeat}) {
            QVERIFY(sub.subscribe(subscription(topic, 1, false, quint8(handling))));
            if (expected) {
                auto msg = sub.receivePublish();
                QVERIFY(msg);
                QCOMPARE(msg->payload, QByteArray("kept"));
                QCOMPARE(msg->retain, true);
                QVERIFY(sub.acknowledge(*msg));
            }
            QVERIFY(sub.expectNoPacket(kQuietMs));
        }
    }

    // A wildcard subscription receives every matching retained message.
    void retain_wildcardSubscribeGetsAllMatching_data() { addVersionRows(); }
    void retain_wildcardSubscribeGetsAllMatching()
    {
        const auto v = fetchVersion();
        const QByteArray base = uniqueTopic();
        TestClient pub("pub");
        QVERIFY(pub.open(port(), makeConnect(v, uniqueName("pub"))));
        const QList<QByteArray> matching{base + "/a", base + "/b/c", base};
        for (const QByteArray &t : matching)
            QVERIFY(pub.publishQos1(makePublish(t, t, 1, true)));
        QVERIFY(pub.publishQos1(makePublish(base + "x/a", "no", 1, true)));
        TestClient sub("sub");
        QVERIFY(sub.open(port(), makeConnect(v, uniqueName("sub"))));
        QVERIFY(sub.subscribe(base + "/#", 1));
        QSet<QByteArray> got;
        for (int i = 0; i < matching.size(); ++i) {
            auto msg = sub.receivePublish();
            QVERIFY(msg);
            QVERIFY(msg->retain);
            QCOMPARE(msg->payload, msg->topic);
            got.insert(msg->topic);
        }
        QCOMPARE(got, QSet<QByteArray>(matching.begin(), matching.end()));
        QVERIFY(sub.expectNoPacket(kQuietMs));
    }

    // v5 properties of a retained message are kept with it.
    void retain_v5PropertiesKept()
    {
        const QByteArray topic = uniqueTopic();
        TestClient pub("pub");
        QVERIFY(pub.open(port(), makeConnect(ProtocolVersion::V5, uniqueName("pub"))));
        Publish p = makePublish(topic, "kept", 1, true);
        p.properties.contentType = "text/plain";
        p.properties.mark(PropertyId::ContentType);
        p.properties.userProperties = {{"b", "1"}, {"a", "2"}};
        QVERIFY(pub.publishQos1(p));
        TestClient sub("sub");
        QVERIFY(sub.open(port(), makeConnect(ProtocolVersion::V5, uniqueName("sub"))));
        QVERIFY(sub.subscribe(topic, 1));
        auto msg = sub.receivePublish();
        QVERIFY(msg);
        QCOMPARE(msg->properties, p.properties);
    }

    // [MQTT-3.3.2-5] (5): a retained message's expiry counts down while stored, and it is
    // not delivered once expired.
    void retain_v5MessageExpiryCountedDown()
    {
        const QByteArray topic = uniqueTopic();
        TestClient pub("pub");
        QVERIFY(pub.open(port(), makeConnect(ProtocolVersion::V5, uniqueName("pub"))));
        Publish p = makePublish(topic, "short-lived", 1, true);
        p.properties.messageExpiryInterval = 4;
        p.properties.mark(PropertyId::MessageExpiryInterval);
        QVERIFY(pub.publishQos1(p));
        QTest::qSleep(1100);
        TestClient sub("sub");
        QVERIFY(sub.open(port(), makeConnect(ProtocolVersion::V5, uniqueName("sub"))));
        QVERIFY(sub.subscribe(topic, 1));
        auto msg = sub.receivePublish();
        QVERIFY(msg);
        QVERIFY2(msg->properties.has(PropertyId::MessageExpiryInterval), describe(*msg).constData());
        QVERIFY2(msg->properties.messageExpiryInterval <= 3 && msg->properties.messageExpiryInterval >= 2,
                 describe(*msg).constData());
    }

    void retain_v5ExpiredMessageNotDelivered()
    {
        const QByteArray topic = uniqueTopic();
        TestClient pub("pub");
        QVERIFY(pub.open(port(), makeConnect(ProtocolVersion::V5, uniqueName("pub"))));
        Publish p = makePublish(topic, "short-lived", 1, true);
        p.properties.messageExpiryInterval = 1;
        p.properties.mark(PropertyId::MessageExpiryInterval);
        QVERIFY(pub.publishQos1(p));
        QTest::qSleep(2100);
        TestClient sub("sub");
        QVERIFY(sub.open(port(), makeConnect(ProtocolVersion::V5, uniqueName("sub"))));
        QVERIFY(sub.subscribe(topic, 1));
        QVERIFY(sub.expectNoPacket(kQuietMs));
    }

    // [MQTT-3.2.2-14] (5) Retain Available 0: a retained PUBLISH -> DISCONNECT 0x9A.
    void retain_v5RetainUnavailableDisconnects()
    {
        PETREL_REQUIRE_IN_PROCESS("sets Capabilities::retainAvailable");
        Options o = BrokerFixture::defaultOptions();
        o.capabilities.retainAvailable = 0;
        BrokerFixture f(o);
        PETREL_START(f);
        TestClient c("c");
        QVERIFY(c.open(f.port(), makeConnect(ProtocolVersion::V5, uniqueName("c"))));
        QVERIFY(c.publish(makePublish(uniqueTopic(), "m", 0, true)));
        QVERIFY(c.expectServerDisconnect(quint8(ReasonCode::RetainNotSupported)));
    }
};

QTEST_GUILESS_MAIN(tst_BrokerRetain)
#include "tst_broker_retain.moc"
