// Broker integration: subscribe, publish, wildcards, subscription options, unsubscribe.
#include "support/broker_fixture.h"
#include "support/test_client.h"

#include "packets/codec.h"

#include <QSet>
#include <QTest>

using namespace petrel;
using namespace petrel::packets;
using namespace petrel::test;

class tst_BrokerPubSub : public QObject {
    Q_OBJECT

    std::unique_ptr<BrokerFixture> m_fixture;
    quint16 port() const { return m_fixture->port(); }
    static ProtocolVersion fetchVersion()
    {
        QFETCH(int, version);
        return ProtocolVersion(version);
    }
    // Subscribes `c` with one filter and options, checking the SUBACK grants `grant`.
    static bool subscribeWith(TestClient &c, const QByteArray &filter, SubscribeOptions options,
                              std::optional<quint32> subId = std::nullopt)
    {
        Subscribe s;
        s.topics << TopicSubscription{filter, options};
        if (subId) s.properties.subscriptionIdentifiers << *subId;
        auto ack = c.subscribe(s);
        if (!ack) return false;
        if (ack->reasonCodes != QList<quint8>{options.qos}) {
            qWarning().noquote() << "unexpected" << describe(*ack);
            return false;
        }
        return true;
    }

private Q_SLOTS:
    void init()
    {
        m_fixture = std::make_unique<BrokerFixture>();
        PETREL_START(*m_fixture);
    }
    void cleanup() { m_fixture.reset(); }

    // [MQTT-3.8.4-1] SUBACK with the granted QoS, same packet id.
    void subscribe_subackGrantsRequestedQos_data()
    {
        addVersionRows({ProtocolVersion::V31, ProtocolVersion::V311, ProtocolVersion::V5});
    }
    void subscribe_subackGrantsRequestedQos()
    {
        const auto v = fetchVersion();
        TestClient c("c");
        QVERIFY(c.open(port(), makeConnect(v, uniqueName("c"))));
        const QByteArray base = uniqueTopic();
        Subscribe s;
        s.packetId = 0x1234;
        s.topics << makeSubscription(base + "/0", 0) << makeSubscription(base + "/1", 1)
                 << makeSubscription(base + "/2", 2);
        auto ack = c.subscribe(s);
        QVERIFY(ack);
        QCOMPARE(ack->packetId, 0x1234);
        QCOMPARE(ack->reasonCodes, (QList<quint8>{0, 1, 2}));
    }

    void publish_qos0DeliveredToSubscriber_data()
    {
        addVersionRows({ProtocolVersion::V31, ProtocolVersion::V311, ProtocolVersion::V5});
    }
    void publish_qos0DeliveredToSubscriber()
    {
        const auto v = fetchVersion();
        TestClient sub("sub"), pub("pub");
        QVERIFY(sub.open(port(), makeConnect(v, uniqueName("sub"))));
        QVERIFY(pub.open(port(), makeConnect(v, uniqueName("pub"))));
        const QByteArray topic = uniqueTopic("/a");
        QVERIFY(sub.subscribe(topic, 0));
        QVERIFY(pub.publish(makePublish(topic, "hello")));
        auto msg = sub.receivePublish();
        QVERIFY(msg);
        QCOMPARE(msg->topic, topic);
        QCOMPARE(msg->payload, QByteArray("hello"));
        QCOMPARE(msg->qos, 0);
        QCOMPARE(msg->retain, false);
        QCOMPARE(msg->dup, false);
        QVERIFY(sub.expectNoPacket(100));
        QVERIFY(pub.expectNoPacket(0));
    }

    // Wildcards [MQTT-4.7.1-2], [MQTT-4.7.1-3]; '#' also matches the parent level.
    void wildcard_matching_data()
    {
        QTest::addColumn<int>("version");
        QTest::addColumn<QByteArray>("filter"); // relative to the test's topic base
        QTest::addColumn<QByteArray>("topic");
        QTest::addColumn<bool>("matches");
        struct Row {
            const char *name, *filter, *topic;
            bool matches;
        };
        const Row rows[] = {
            {"plus one level", "/+/b", "/a/b", true},      {"plus not two levels", "/+/b", "/a/x/b", false},
            {"plus empty level", "/+/b", "//b", true},     {"plus last level", "/a/+", "/a/b", true},
            {"plus not parent", "/a/+", "/a", false},      {"hash multi level", "/a/#", "/a/b/c", true},
            {"hash matches parent", "/a/#", "/a", true},   {"hash not sibling", "/a/#", "/ab", false},
            {"plus and hash", "/+/b/#", "/x/b/c/d", true}, {"exact no match", "/a/b", "/a/c", false},
            {"case sensitive", "/A", "/a", false},
        };
        for (auto v : {ProtocolVersion::V311, ProtocolVersion::V5})
            for (const Row &r : rows)
                QTest::addRow("%s %s", versionTag(v), r.name)
                    << int(v) << QByteArray(r.filter) << QByteArray(r.topic) << r.matches;
    }
    void wildcard_matching()
    {
        const auto v = fetchVersion();
        QFETCH(QByteArray, filter);
        QFETCH(QByteArray, topic);
        QFETCH(bool, matches);
        const QByteArray base = uniqueTopic();
        TestClient sub("sub"), pub("pub");
        QVERIFY(sub.open(port(), makeConnect(v, uniqueName("sub"))));
        QVERIFY(pub.open(port(), makeConnect(v, uniqueName("pub"))));
        QVERIFY(sub.subscribe(base + filter, 0));
        QVERIFY(pub.publish(makePublish(base + topic, "m")));
        // A marker on the exact filter level proves delivery has happened by then.
        if (matches) {
            auto msg = sub.receivePublish();
            QVERIFY(msg);
            QCOMPARE(msg->topic, base + topic);
            QVERIFY(sub.expectNoPacket(100));
        } else {
            QVERIFY(sub.expectNoPacket(kQuietMs));
        }
    }

    // [MQTT-4.7.2-1] '#' and '+' at the first level do not match topics starting with '$'.
    void wildcard_sysTopicsNotMatchedByHashOrPlus_data()
    {
        QTest::addColumn<int>("version");
        QTest::addColumn<QByteArray>("filter");
        for (auto v : {ProtocolVersion::V311, ProtocolVersion::V5}) {
            QTest::addRow("%s #", versionTag(v)) << int(v) << QByteArray("#");
            QTest::addRow("%s +/#", versionTag(v)) << int(v) << QByteArray("+/#");
            QTest::addRow("%s +/+", versionTag(v)) << int(v) << QByteArray("+/+");
        }
    }
    void wildcard_sysTopicsNotMatchedByHashOrPlus()
    {
        const auto v = fetchVersion();
        QFETCH(QByteArray, filter);
        // First make sure $SYS topics exist (retained or periodic) by seeing one.
        TestClient sys("sys");
        QVERIFY(sys.open(port(), makeConnect(v, uniqueName("sys"))));
        QVERIFY(sys.subscribe("$SYS/#", 0));
        auto sysMsg = sys.receivePublish(12000);
        QVERIFY2(sysMsg, "the broker publishes nothing under $SYS");
        QVERIFY(sysMsg->topic.startsWith("$SYS/"));

        TestClient sub("sub"), pub("pub");
        QVERIFY(sub.open(port(), makeConnect(v, uniqueName("sub"))));
        QVERIFY(pub.open(port(), makeConnect(v, uniqueName("pub"))));
        QVERIFY(sub.subscribe(filter, 0));
        const QByteArray marker = uniqueTopic();
        QVERIFY(pub.publish(makePublish(marker, "marker")));
        // Everything up to the marker (retained messages of other tests included): no '$' topic.
        for (int i = 0; i < 10000; ++i) {
            auto msg = sub.receivePublish(kTimeoutMs);
            QVERIFY(msg);
            QVERIFY2(!msg->topic.startsWith('$'), msg->topic.constData());
            if (msg->topic == marker) break;
        }
        // And nothing from $SYS afterwards either (its next refresh included).
        while (auto p = sub.poll(1500)) {
            auto *msg = std::get_if<Publish>(&*p);
            QVERIFY(msg);
            QVERIFY2(!msg->topic.startsWith('$'), msg->topic.constData());
        }
    }

    // [MQTT-3.3.5-1] (3.1.1) / [MQTT-3.3.4-2] (5): the subscription's QoS caps the delivery.
    void publish_downgradedToSubscriptionQos_data()
    {
        QTest::addColumn<int>("version");
        QTest::addColumn<int>("pubQos");
        QTest::addColumn<int>("subQos");
        for (auto v : {ProtocolVersion::V311, ProtocolVersion::V5})
            for (int pq = 0; pq <= 2; ++pq)
                for (int sq = 0; sq <= 2; ++sq)
                    QTest::addRow("%s pub %d sub %d", versionTag(v), pq, sq) << int(v) << pq << sq;
    }
    void publish_downgradedToSubscriptionQos()
    {
        const auto v = fetchVersion();
        QFETCH(int, pubQos);
        QFETCH(int, subQos);
        TestClient sub("sub"), pub("pub");
        QVERIFY(sub.open(port(), makeConnect(v, uniqueName("sub"))));
        QVERIFY(pub.open(port(), makeConnect(v, uniqueName("pub"))));
        const QByteArray topic = uniqueTopic();
        QVERIFY(sub.subscribe(topic, quint8(subQos)));
        QVERIFY(pub.publishAndWait(makePublish(topic, "m", quint8(pubQos))));
        auto msg = sub.receivePublish();
        QVERIFY(msg);
        QCOMPARE(int(msg->qos), std::min(pubQos, subQos));
        QCOMPARE(msg->payload, QByteArray("m"));
        if (msg->qos > 0) QVERIFY(msg->packetId != 0);
        QVERIFY(sub.acknowledge(*msg));
        QVERIFY(sub.expectNoPacket(100));
    }

    // [MQTT-3.3.4-2..5] overlapping subscriptions of one client: Petrel sends one copy at the
    // highest QoS carrying every matching subscription identifier.
    void publish_overlappingSubscriptionsOneCopy_data() { addVersionRows(); }
    void publish_overlappingSubscriptionsOneCopy()
    {
        PETREL_SKIP_ON_EXTERNAL("sends one copy per matching subscription");
        const auto v = fetchVersion();
        TestClient sub("sub"), pub("pub");
        QVERIFY(sub.open(port(), makeConnect(v, uniqueName("sub"))));
        QVERIFY(pub.open(port(), makeConnect(v, uniqueName("pub"))));
        const QByteArray base = uniqueTopic();
        const bool v5 = isV5(v);
        QVERIFY(subscribeWith(sub, base + "/a/b", {0}, v5 ? std::optional<quint32>(1) : std::nullopt));
        QVERIFY(subscribeWith(sub, base + "/+/b", {2}, v5 ? std::optional<quint32>(2) : std::nullopt));
        QVERIFY(subscribeWith(sub, base + "/#", {1}, v5 ? std::optional<quint32>(3) : std::nullopt));
        QVERIFY(subscribeWith(sub, base + "/x/#", {2},
                              v5 ? std::optional<quint32>(4) : std::nullopt)); // no match
        QVERIFY(pub.publishQos2(makePublish(base + "/a/b", "m", 2)));
        auto msg = sub.receivePublish();
        QVERIFY(msg);
        QCOMPARE(msg->qos, 2);
        if (v5) {
            QList<quint32> ids(msg->properties.subscriptionIdentifiers.begin(),
                               msg->properties.subscriptionIdentifiers.end());
            std::sort(ids.begin(), ids.end());
            QCOMPARE(ids, (QList<quint32>{1, 2, 3}));
        }
        QVERIFY(sub.acknowledge(*msg));
        QVERIFY(sub.expectNoPacket(kQuietMs));
    }

    // A topic published again is routed from the worker's route cache, and its QoS 0 copies
    // skip the per-session Delivery: the same rules hold there, message after message (one
    // copy for overlapping subscriptions with every identifier, No Local per subscription).
    void publish_repeatedTopicFromCache()
    {
        TestClient a("a", ProtocolVersion::V5), b("b", ProtocolVersion::V5);
        QVERIFY(a.open(port(), makeConnect(ProtocolVersion::V5, uniqueName("a"))));
        QVERIFY(b.open(port(), makeConnect(ProtocolVersion::V5, uniqueName("b"))));
        const QByteArray base = uniqueTopic();
        SubscribeOptions noLocal;
        noLocal.noLocal = true;
        QVERIFY(subscribeWith(a, base + "/t", noLocal));
        QVERIFY(subscribeWith(b, base + "/t", noLocal, 1));
        QVERIFY(subscribeWith(b, base + "/+", {0}, 2));
        const auto idsOf = [](const Publish &m) {
            QList<quint32> ids(m.properties.subscriptionIdentifiers.begin(),
                               m.properties.subscriptionIdentifiers.end());
            std::sort(ids.begin(), ids.end());
            return ids;
        };
        for (int i = 0; i < 4; ++i) {
            const QByteArray n = QByteArray::number(i);
            QVERIFY(a.publish(makePublish(base + "/t", "a" + n)));
            auto m = b.receivePublish();
            QVERIFY(m);
            QCOMPARE(m->payload, "a" + n);
            QCOMPARE(idsOf(*m), (QList<quint32>{1, 2}));
            QVERIFY(b.publish(makePublish(base + "/t", "b" + n)));
            m = b.receivePublish(); // its own, through "/+" only
            QVERIFY(m);
            QCOMPARE(m->payload, "b" + n);
            QCOMPARE(idsOf(*m), QList<quint32>{2});
            m = a.receivePublish();
            QVERIFY(m);
            QCOMPARE(m->payload, "b" + n);
        }
        QVERIFY(a.expectNoPacket(kQuietMs));
        QVERIFY(b.expectNoPacket(kQuietMs));
    }

    // [MQTT-3.3.4-3] the Subscription Identifier of the matching subscription is sent (v5).
    void publish_v5CarriesSubscriptionIdentifier()
    {
        TestClient sub("sub"), pub("pub");
        QVERIFY(sub.open(port(), makeConnect(ProtocolVersion::V5, uniqueName("sub"))));
        QVERIFY(pub.open(port(), makeConnect(ProtocolVersion::V5, uniqueName("pub"))));
        const QByteArray base = uniqueTopic();
        QVERIFY(subscribeWith(sub, base + "/+", {1}, 268435455)); // largest identifier
        QVERIFY(subscribeWith(sub, base + "/b/c", {1}));          // none
        QVERIFY(pub.publishQos1(makePublish(base + "/a", "m", 1)));
        auto msg = sub.receivePublish();
        QVERIFY(msg);
        QCOMPARE(msg->properties.subscriptionIdentifiers.size(), 1);
        QCOMPARE(msg->properties.subscriptionIdentifiers[0], 268435455u);
        QVERIFY(sub.acknowledge(*msg));
        QVERIFY(pub.publishQos1(makePublish(base + "/b/c", "m2", 1)));
        msg = sub.receivePublish();
        QVERIFY(msg);
        QCOMPARE(msg->topic, base + "/b/c");
        QVERIFY2(msg->properties.subscriptionIdentifiers.isEmpty(), describe(*msg).constData());
    }

    // [MQTT-3.8.4-3] a repeated SUBSCRIBE replaces the subscription (new QoS, no second copy).
    void subscribe_resubscribeReplacesSubscription_data() { addVersionRows(); }
    void subscribe_resubscribeReplacesSubscription()
    {
        const auto v = fetchVersion();
        TestClient sub("sub"), pub("pub");
        QVERIFY(sub.open(port(), makeConnect(v, uniqueName("sub"))));
        QVERIFY(pub.open(port(), makeConnect(v, uniqueName("pub"))));
        const QByteArray topic = uniqueTopic();
        QVERIFY(sub.subscribe(topic, 2));
        QVERIFY(sub.subscribe(topic, 1));
        QVERIFY(pub.publishQos2(makePublish(topic, "m", 2)));
        auto msg = sub.receivePublish();
        QVERIFY(msg);
        QCOMPARE(msg->qos, 1);
        QVERIFY(sub.acknowledge(*msg));
        QVERIFY(sub.expectNoPacket(kQuietMs));
    }

    // [MQTT-3.8.3-3] No Local: the client's own messages are not sent back to it.
    void subscribe_v5NoLocal()
    {
        TestClient a("a"), b("b");
        QVERIFY(a.open(port(), makeConnect(ProtocolVersion::V5, uniqueName("a"))));
        QVERIFY(b.open(port(), makeConnect(ProtocolVersion::V5, uniqueName("b"))));
        const QByteArray topic = uniqueTopic();
        SubscribeOptions noLocal;
        noLocal.noLocal = true;
        QVERIFY(subscribeWith(a, topic, noLocal));
        QVERIFY(subscribeWith(b, topic, {}));
        QVERIFY(a.publish(makePublish(topic, "from a")));
        auto msg = b.receivePublish();
        QVERIFY(msg);
        QCOMPARE(msg->payload, QByteArray("from a"));
        QVERIFY(a.expectNoPacket(kQuietMs));
        QVERIFY(b.publish(makePublish(topic, "from b")));
        msg = a.receivePublish();
        QVERIFY(msg);
        QCOMPARE(msg->payload, QByteArray("from b"));
    }

    // Without No Local a client receives its own messages.
    void subscribe_ownMessagesDeliveredWithoutNoLocal_data() { addVersionRows(); }
    void subscribe_ownMessagesDeliveredWithoutNoLocal()
    {
        const auto v = fetchVersion();
        TestClient a("a");
        QVERIFY(a.open(port(), makeConnect(v, uniqueName("a"))));
        const QByteArray topic = uniqueTopic();
        QVERIFY(a.subscribe(topic, 1));
        QVERIFY(a.publishQos1(makePublish(topic, "self", 1)));
        auto msg = a.receivePublish();
        QVERIFY(msg);
        QCOMPARE(msg->payload, QByteArray("self"));
    }

    // [MQTT-3.10.4-1..5] after UNSUBSCRIBE nothing more arrives; UNSUBACK has the packet id.
    void unsubscribe_stopsDelivery_data()
    {
        addVersionRows({ProtocolVersion::V31, ProtocolVersion::V311, ProtocolVersion::V5});
    }
    void unsubscribe_stopsDelivery()
    {
        const auto v = fetchVersion();
        TestClient sub("sub"), pub("pub");
        QVERIFY(sub.open(port(), makeConnect(v, uniqueName("sub"))));
        QVERIFY(pub.open(port(), makeConnect(v, uniqueName("pub"))));
        const QByteArray topic = uniqueTopic();
        QVERIFY(sub.subscribe(topic, 1));
        auto ack = sub.unsubscribe({topic});
        QVERIFY(ack);
        if (isV5(v))
            QCOMPARE(ack->reasonCodes, QList<quint8>{0x00});
        else
            QVERIFY(ack->reasonCodes.isEmpty());
        QVERIFY(pub.publishQos1(makePublish(topic, "m", 1)));
        QVERIFY(sub.expectNoPacket(kQuietMs));
    }

    // MQTT 5 section 3.11.2.2: UNSUBACK 0x11 for a filter with no subscription, 0x00 otherwise.
    void unsubscribe_v5ReasonCodes()
    {
        TestClient c("c");
        QVERIFY(c.open(port(), makeConnect(ProtocolVersion::V5, uniqueName("c"))));
        const QByteArray base = uniqueTopic();
        QVERIFY(c.subscribe(base + "/a", 0));
        auto ack = c.unsubscribe({base + "/a", base + "/none", base + "/a"});
        QVERIFY(ack);
        QCOMPARE(ack->reasonCodes, (QList<quint8>{0x00, 0x11, 0x11}));
    }

    // v5 properties reach the subscriber unchanged; user properties keep their order
    // [MQTT-3.3.2-4], [MQTT-3.3.2-17], [MQTT-3.3.2-18], [MQTT-3.3.2-20].
    void publish_v5PropertiesForwardedUnchanged_data()
    {
        QTest::addColumn<int>("qos");
        QTest::newRow("QoS 0") << 0;
        QTest::newRow("QoS 1") << 1;
        QTest::newRow("QoS 2") << 2;
    }
    void publish_v5PropertiesForwardedUnchanged()
    {
        QFETCH(int, qos);
        TestClient sub("sub"), pub("pub");
        QVERIFY(sub.open(port(), makeConnect(ProtocolVersion::V5, uniqueName("sub"))));
        QVERIFY(pub.open(port(), makeConnect(ProtocolVersion::V5, uniqueName("pub"))));
        const QByteArray topic = uniqueTopic();
        QVERIFY(sub.subscribe(topic, 2));
        Publish p = makePublish(topic, "{\"x\":1}", quint8(qos));
        p.properties.payloadFormatIndicator = 1;
        p.properties.mark(PropertyId::PayloadFormatIndicator);
        p.properties.contentType = "application/json";
        p.properties.mark(PropertyId::ContentType);
        p.properties.responseTopic = topic + "/reply";
        p.properties.mark(PropertyId::ResponseTopic);
        p.properties.correlationData = QByteArray::fromHex("00ff10");
        p.properties.mark(PropertyId::CorrelationData);
        p.properties.userProperties = {{"z", "1"}, {"a", "2"}, {"z", "0"}, {"k", ""}};
        QVERIFY(pub.publishAndWait(p));
        auto msg = sub.receivePublish();
        QVERIFY(msg);
        Properties expected = p.properties;
        QCOMPARE(msg->properties, expected);
        QCOMPARE(msg->payload, p.payload);
        QCOMPARE(int(msg->qos), qos);
    }

    // A v3.1.1 subscriber gets a v5 publisher's message as plain 3.1.1 (no properties on the wire).
    void publish_v5ToV311SubscriberWithoutProperties()
    {
        TestClient sub("sub"), pub("pub");
        QVERIFY(sub.open(port(), makeConnect(ProtocolVersion::V311, uniqueName("sub"))));
        QVERIFY(pub.open(port(), makeConnect(ProtocolVersion::V5, uniqueName("pub"))));
        const QByteArray topic = uniqueTopic();
        QVERIFY(sub.subscribe(topic, 0));
        Publish p = makePublish(topic, "payload");
        p.properties.userProperties = {{"k", "v"}};
        p.properties.contentType = "text/plain";
        p.properties.mark(PropertyId::ContentType);
        p.properties.messageExpiryInterval = 100;
        p.properties.mark(PropertyId::MessageExpiryInterval);
        QVERIFY(pub.publish(p));
        auto raw = sub.receiveRaw();
        QVERIFY(raw);
        QByteArray expected;
        expected += char(0x30);
        expected += char(2 + topic.size() + 7);
        expected += char(0);
        expected += char(topic.size());
        expected += topic + "payload";
        QCOMPARE(raw->toHex(' '), expected.toHex(' '));
    }

    // A v5 subscriber gets a v3.1.1 publisher's message with no properties but its own.
    void publish_v311ToV5Subscriber()
    {
        TestClient sub("sub"), pub("pub");
        QVERIFY(sub.open(port(), makeConnect(ProtocolVersion::V5, uniqueName("sub"))));
        QVERIFY(pub.open(port(), makeConnect(ProtocolVersion::V311, uniqueName("pub"))));
        const QByteArray topic = uniqueTopic();
        QVERIFY(sub.subscribe(topic, 1));
        QVERIFY(pub.publishQos1(makePublish(topic, "m", 1)));
        auto msg = sub.receivePublish();
        QVERIFY(msg);
        QCOMPARE(msg->payload, QByteArray("m"));
        QCOMPARE(msg->qos, 1);
        QVERIFY2(msg->properties.isEmpty(), describe(*msg).constData());
    }

    // Payloads far larger than one socket read arrive whole.
    void publish_largePayload_data() { addVersionRows(); }
    void publish_largePayload()
    {
        const auto v = fetchVersion();
        TestClient sub("sub"), pub("pub");
        QVERIFY(sub.open(port(), makeConnect(v, uniqueName("sub"))));
        QVERIFY(pub.open(port(), makeConnect(v, uniqueName("pub"))));
        const QByteArray topic = uniqueTopic();
        QVERIFY(sub.subscribe(topic, 1));
        QByteArray payload(1024 * 1024 + 17, Qt::Uninitialized);
        for (qsizetype i = 0; i < payload.size(); ++i)
            payload[i] = char(i * 31 + 7);
        QVERIFY(pub.publishQos1(makePublish(topic, payload, 1), 10000));
        auto msg = sub.receivePublish(10000);
        QVERIFY(msg);
        QCOMPARE(msg->payload.size(), payload.size());
        QVERIFY(msg->payload == payload);
    }

    // [MQTT-4.6.0-6] (3.1.1) / [MQTT-4.6.0-6] (5): messages on one topic keep their order.
    void publish_orderPreserved_data()
    {
        QTest::addColumn<int>("version");
        QTest::addColumn<int>("qos");
        for (auto v : {ProtocolVersion::V311, ProtocolVersion::V5})
            for (int q = 0; q <= 2; ++q)
                QTest::addRow("%s QoS %d", versionTag(v), q) << int(v) << q;
    }
    void publish_orderPreserved()
    {
        const auto v = fetchVersion();
        QFETCH(int, qos);
        TestClient sub("sub"), pub("pub");
        QVERIFY(sub.open(port(), makeConnect(v, uniqueName("sub"))));
        QVERIFY(pub.open(port(), makeConnect(v, uniqueName("pub"))));
        const QByteArray topic = uniqueTopic();
        QVERIFY(sub.subscribe(topic, quint8(qos)));
        constexpr int kCount = 200;
        // QoS 0 and 1 in one burst; QoS 2 with its handshake each.
        for (int i = 0; i < kCount; ++i) {
            Publish p = makePublish(topic, QByteArray::number(i), quint8(qos));
            if (qos == 2)
                QVERIFY(pub.publishQos2(p));
            else
                QVERIFY(pub.publish(p));
        }
        for (int i = 0; i < kCount; ++i) {
            auto msg = sub.receivePublish();
            QVERIFY(msg);
            QCOMPARE(msg->payload, QByteArray::number(i));
            QVERIFY(sub.acknowledge(*msg));
        }
        QVERIFY(sub.expectNoPacket(100));
    }

    // Fan-out: every subscriber gets its copy.
    void publish_fanOutToManySubscribers_data() { addVersionRows(); }
    void publish_fanOutToManySubscribers()
    {
        const auto v = fetchVersion();
        const QByteArray topic = uniqueTopic();
        std::vector<std::unique_ptr<TestClient>> subs;
        for (int i = 0; i < 20; ++i) {
            subs.push_back(std::make_unique<TestClient>("sub" + QByteArray::number(i)));
            QVERIFY(subs.back()->open(port(), makeConnect(v, uniqueName("sub"))));
            QVERIFY(subs.back()->subscribe(topic, 1));
        }
        TestClient pub("pub");
        QVERIFY(pub.open(port(), makeConnect(v, uniqueName("pub"))));
        QVERIFY(pub.publishQos1(makePublish(topic, "all", 1)));
        for (auto &s : subs) {
            auto msg = s->receivePublish();
            QVERIFY(msg);
            QCOMPARE(msg->payload, QByteArray("all"));
        }
    }

    // Every subscriber's copy is intact, whatever the encoding shortcuts: the first copy is
    // encoded into its subscriber's output and the others copied from there while it is
    // unsent, or encoded again after it has left (a copy past 256 KiB is written at once).
    void publish_fanOutCopiesIntact_data()
    {
        QTest::addColumn<int>("version");
        QTest::addColumn<int>("qos");
        for (auto v : {ProtocolVersion::V311, ProtocolVersion::V5})
            for (int q = 0; q <= 2; ++q)
                QTest::addRow("%s QoS %d", versionTag(v), q) << int(v) << q;
    }
    void publish_fanOutCopiesIntact()
    {
        const auto v = fetchVersion();
        QFETCH(int, qos);
        const QByteArray topic = uniqueTopic();
        std::vector<std::unique_ptr<TestClient>> subs;
        for (int i = 0; i < 3; ++i) { // the same QoS: one encoding shared by all three
            subs.push_back(std::make_unique<TestClient>("sub" + QByteArray::number(i)));
            QVERIFY(subs.back()->open(port(), makeConnect(v, uniqueName("sub"))));
            QVERIFY(subs.back()->subscribe(topic, quint8(qos)));
        }
        TestClient pub("pub");
        QVERIFY(pub.open(port(), makeConnect(v, uniqueName("pub"))));
        QByteArray big(300 * 1024, Qt::Uninitialized);
        for (qsizetype i = 0; i < big.size(); ++i)
            big[i] = char(i * 13 + 5);
        QVERIFY(pub.publishQos2(makePublish(topic, big, 2), 10000));
        for (int i = 0; i < 20; ++i)
            QVERIFY(pub.publish(makePublish(topic, "small" + QByteArray::number(i), 2)));
        for (auto &sub : subs) {
            for (int i = 0; i <= 20; ++i) {
                auto msg = sub->receivePublish(10000);
                QVERIFY2(msg, qPrintable(QStringLiteral("message %1").arg(i)));
                QCOMPARE(msg->payload, i == 0 ? big : "small" + QByteArray::number(i - 1));
                QCOMPARE(msg->topic, topic);
                QCOMPARE(int(msg->qos), qos);
                QVERIFY(!msg->dup);
                QCOMPARE(msg->packetId == 0, qos == 0);
                QVERIFY(sub->acknowledge(*msg));
            }
        }
    }

    // A subscriber held back by its Receive Maximum gets the message later, after the other
    // subscriber's copy has been written out: encoded again, with its own packet id.
    void publish_fanOutToSlowerSubscriberLater()
    {
        const QByteArray topic = uniqueTopic();
        Connect slowConnect = makeConnect(ProtocolVersion::V5, uniqueName("slow"));
        slowConnect.properties.receiveMaximum = 1;
        slowConnect.properties.mark(PropertyId::ReceiveMaximum);
        TestClient slow("slow"), fast("fast"), pub("pub");
        QVERIFY(slow.open(port(), slowConnect));
        QVERIFY(fast.open(port(), makeConnect(ProtocolVersion::V5, uniqueName("fast"))));
        QVERIFY(pub.open(port(), makeConnect(ProtocolVersion::V5, uniqueName("pub"))));
        QVERIFY(slow.subscribe(topic, 1));
        QVERIFY(fast.subscribe(topic, 1));
        for (int i = 0; i < 5; ++i)
            QVERIFY(pub.publishQos1(makePublish(topic, "m" + QByteArray::number(i), 1)));
        for (int i = 0; i < 5; ++i) {
            auto msg = fast.receivePublish();
            QVERIFY(msg);
            QCOMPARE(msg->payload, "m" + QByteArray::number(i));
            QVERIFY(fast.acknowledge(*msg));
        }
        for (int i = 0; i < 5; ++i) {
            auto msg = slow.receivePublish();
            QVERIFY(msg);
            QCOMPARE(msg->payload, "m" + QByteArray::number(i));
            QVERIFY(!msg->dup);
            QVERIFY(msg->packetId != 0);
            QVERIFY(slow.expectNoPacket(50)); // one at a time: Receive Maximum 1
            QVERIFY(slow.acknowledge(*msg));
        }
    }

    // [MQTT-3.3.2-2] a topic name with wildcards is not allowed: the connection is closed
    // (v5: DISCONNECT 0x90 Topic Name Invalid or 0x81/0x82 may come first).
    void publish_wildcardTopicNameCloses_data() { addVersionRows(); }
    void publish_wildcardTopicNameCloses()
    {
        const auto v = fetchVersion();
        TestClient c("c");
        QVERIFY(c.open(port(), makeConnect(v, uniqueName("c"))));
        QVERIFY(c.publish(makePublish(uniqueTopic("/+"), "m")));
        if (isV5(v)) {
            if (auto p = c.receive(2000)) {
                auto *d = std::get_if<Disconnect>(&*p);
                QVERIFY2(d, describe(*p).constData());
                QVERIFY2(d->reasonCode == 0x90 || d->reasonCode == 0x81 || d->reasonCode == 0x82,
                         describe(*p).constData());
            }
        }
        QVERIFY(c.expectServerDisconnect(std::nullopt));
    }
};

QTEST_GUILESS_MAIN(tst_BrokerPubSub)
#include "tst_broker_pubsub.moc"
