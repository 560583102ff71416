// Broker integration: MQTT 5 features (topic aliases, maximum packet size, message expiry,
// feature availability, reason codes).
#include "support/broker_fixture.h"
#include "support/test_client.h"

#include <QTest>

using namespace petrel;
using namespace petrel::packets;
using namespace petrel::test;

class tst_BrokerV5 : public QObject {
    Q_OBJECT

    std::unique_ptr<BrokerFixture> m_fixture;
    quint16 port() const { return m_fixture->port(); }
    static Connect v5(const QByteArray &prefix)
    {
        return makeConnect(ProtocolVersion::V5, uniqueName(prefix));
    }
    static Publish aliased(const QByteArray &topic, quint16 alias, const QByteArray &payload, quint8 qos = 0)
    {
        Publish p = makePublish(topic, payload, qos);
        p.properties.topicAlias = alias;
        p.properties.mark(PropertyId::TopicAlias);
        return p;
    }

private Q_SLOTS:
    void init()
    {
        m_fixture = std::make_unique<BrokerFixture>();
        PETREL_START(*m_fixture);
    }
    void cleanup() { m_fixture.reset(); }

    // MQTT 5 section 3.3.2.3.4: a client sets an alias with topic + alias, then uses the alias
    // with an empty topic; subscribers see the full topic name each time.
    void topicAlias_inboundResolved()
    {
        TestClient sub("sub"), pub("pub");
        QVERIFY(sub.open(port(), v5("sub")));
        auto ack = pub.open(port(), v5("pub"));
        QVERIFY(ack);
        QVERIFY2(ack->properties.topicAliasMaximum >= 1, "the broker accepts no topic alias");
        const QByteArray topic = uniqueTopic();
        QVERIFY(sub.subscribe(topic, 1));
        QVERIFY(pub.publishQos1(aliased(topic, 1, "first", 1)));
        QVERIFY(pub.publishQos1(aliased(QByteArray(), 1, "second", 1)));
        for (const QByteArray payload : {QByteArray("first"), QByteArray("second")}) {
            auto msg = sub.receivePublish();
            QVERIFY(msg);
            QCOMPARE(msg->topic, topic);
            QCOMPARE(msg->payload, payload);
            QVERIFY2(!msg->properties.has(PropertyId::TopicAlias), describe(*msg).constData());
        }
    }

    // An alias may be remapped to another topic.
    void topicAlias_inboundRemapped()
    {
        TestClient sub("sub"), pub("pub");
        QVERIFY(sub.open(port(), v5("sub")));
        QVERIFY(pub.open(port(), v5("pub")));
        const QByteArray base = uniqueTopic();
        QVERIFY(sub.subscribe(base + "/#", 1));
        QVERIFY(pub.publishQos1(aliased(base + "/a", 1, "a", 1)));
        QVERIFY(pub.publishQos1(aliased(base + "/b", 1, "b", 1)));
        QVERIFY(pub.publishQos1(aliased(QByteArray(), 1, "b again", 1)));
        const QList<QByteArray> topics{base + "/a", base + "/b", base + "/b"};
        for (const QByteArray &t : topics) {
            auto msg = sub.receivePublish();
            QVERIFY(msg);
            QCOMPARE(msg->topic, t);
        }
    }

    // [MQTT-3.3.2-9]: an alias above the server's Topic Alias Maximum -> DISCONNECT 0x94.
    void topicAlias_inboundAboveMaximumDisconnects()
    {
        TestClient c("c");
        auto ack = c.open(port(), v5("c"));
        QVERIFY(ack);
        const quint16 max =
            ack->properties.has(PropertyId::TopicAliasMaximum) ? ack->properties.topicAliasMaximum : 0;
        if (max == 0xFFFF) QSKIP("Topic Alias Maximum 65535: no alias is above it");
        QVERIFY(c.publish(aliased(uniqueTopic(), quint16(max + 1), "m")));
        QVERIFY(c.expectServerDisconnect(quint8(ReasonCode::TopicAliasInvalid)));
    }

    // [MQTT-3.3.2-8]: alias 0 is not allowed. The spec names no reason code for it: 0x94
    // Topic Alias invalid (as for an alias above the maximum) or 0x82 Protocol Error.
    void topicAlias_inboundZeroDisconnects()
    {
        PETREL_SKIP_ON_EXTERNAL("answers Topic Alias 0 with DISCONNECT 0x81 Malformed Packet");
        TestClient c("c");
        QVERIFY(c.open(port(), v5("c")));
        QVERIFY(c.publish(aliased(uniqueTopic(), 0, "m")));
        auto p = c.receive();
        QVERIFY(p);
        auto *d = std::get_if<Disconnect>(&*p);
        QVERIFY2(d && (d->reasonCode == 0x94 || d->reasonCode == 0x82), describe(*p).constData());
        QVERIFY(c.waitDisconnected());
    }

    // MQTT 5 section 3.3.4: an empty topic with an alias that has no mapping is a Protocol
    // Error -> DISCONNECT 0x82.
    void topicAlias_inboundUnknownAliasDisconnects()
    {
        TestClient c("c");
        QVERIFY(c.open(port(), v5("c")));
        QVERIFY(c.publish(aliased(QByteArray(), 1, "m")));
        QVERIFY(c.expectServerDisconnect(quint8(ReasonCode::ProtocolError)));
    }

    // Petrel's Capabilities::topicAliasMaximum is enforced.
    void topicAlias_inboundAboveConfiguredMaximumDisconnects()
    {
        PETREL_REQUIRE_IN_PROCESS("sets Capabilities::topicAliasMaximum");
        Options o = BrokerFixture::defaultOptions();
        o.capabilities.topicAliasMaximum = 2;
        BrokerFixture f(o);
        PETREL_START(f);
        TestClient c("c");
        auto ack = c.open(f.port(), v5("c"));
        QVERIFY(ack);
        QCOMPARE(ack->properties.topicAliasMaximum, 2);
        QVERIFY(c.publish(aliased(uniqueTopic("/a"), 2, "m")));
        QVERIFY(c.ping());
        QVERIFY(c.publish(aliased(uniqueTopic("/b"), 3, "m")));
        QVERIFY(c.expectServerDisconnect(quint8(ReasonCode::TopicAliasInvalid)));
    }

    // MQTT 5 section 3.3.2.3.4: with a client Topic Alias Maximum the broker may use aliases;
    // Petrel does: the second delivery on a topic carries an empty topic and the same alias.
    void topicAlias_outboundUsedWhenClientAllows()
    {
        PETREL_SKIP_ON_EXTERNAL("does not use topic aliases towards clients");
        TestClient sub("sub"), pub("pub");
        Connect c = v5("sub");
        c.properties.topicAliasMaximum = 5;
        c.properties.mark(PropertyId::TopicAliasMaximum);
        QVERIFY(sub.open(port(), c));
        QVERIFY(pub.open(port(), v5("pub")));
        const QByteArray topic = uniqueTopic();
        QVERIFY(sub.subscribe(topic, 1));
        QVERIFY(pub.publishQos1(makePublish(topic, "1", 1)));
        QVERIFY(pub.publishQos1(makePublish(topic, "2", 1)));
        auto first = sub.receivePublish();
        QVERIFY(first);
        QCOMPARE(first->topic, topic);
        QVERIFY2(first->properties.has(PropertyId::TopicAlias), describe(*first).constData());
        const quint16 alias = first->properties.topicAlias;
        QVERIFY(alias >= 1 && alias <= 5);
        QVERIFY(sub.acknowledge(*first));
        auto second = sub.receivePublish();
        QVERIFY(second);
        QCOMPARE(second->topic, QByteArray());
        QVERIFY2(second->properties.has(PropertyId::TopicAlias), describe(*second).constData());
        QCOMPARE(second->properties.topicAlias, alias);
        QCOMPARE(second->payload, QByteArray("2"));
    }

    // [MQTT-3.3.2-10]: the broker never sends an alias above the client's maximum (absent = 0).
    void topicAlias_outboundNotUsedWithoutClientMaximum()
    {
        TestClient sub("sub"), pub("pub");
        QVERIFY(sub.open(port(), v5("sub")));
        QVERIFY(pub.open(port(), v5("pub")));
        const QByteArray topic = uniqueTopic();
        QVERIFY(sub.subscribe(topic, 0));
        for (int i = 0; i < 3; ++i)
            QVERIFY(pub.publish(makePublish(topic, QByteArray::number(i))));
        for (int i = 0; i < 3; ++i) {
            auto msg = sub.receivePublish();
            QVERIFY(msg);
            QCOMPARE(msg->topic, topic);
            QVERIFY2(!msg->properties.has(PropertyId::TopicAlias), describe(*msg).constData());
        }
    }

    // [MQTT-3.1.2-25]: a message larger than the client's Maximum Packet Size is not sent to
    // it (discarded as if delivered), and the client stays connected.
    void maximumPacketSize_clientLimitSkipsOversizedMessage()
    {
        TestClient sub("sub"), pub("pub");
        Connect c = v5("sub");
        c.properties.maximumPacketSize = 200;
        c.properties.mark(PropertyId::MaximumPacketSize);
        QVERIFY(sub.open(port(), c));
        QVERIFY(pub.open(port(), v5("pub")));
        const QByteArray topic = uniqueTopic();
        QVERIFY(sub.subscribe(topic, 1));
        QVERIFY(pub.publishQos1(makePublish(topic, QByteArray(300, 'x'), 1)));
        QVERIFY(pub.publishQos1(makePublish(topic, "small", 1)));
        auto msg = sub.receivePublish();
        QVERIFY(msg);
        QCOMPARE(msg->payload, QByteArray("small"));
        QVERIFY(sub.acknowledge(*msg));
        QVERIFY(sub.expectNoPacket(kQuietMs));
        QVERIFY(sub.ping());
    }

    // [MQTT-3.2.2-15]: a PUBLISH above the server's Maximum Packet Size -> DISCONNECT 0x95.
    void maximumPacketSize_serverLimitDisconnects()
    {
        PETREL_REQUIRE_IN_PROCESS("sets Capabilities::maximumPacketSize");
        Options o = BrokerFixture::defaultOptions();
        o.capabilities.maximumPacketSize = 1024;
        BrokerFixture f(o);
        PETREL_START(f);
        TestClient c("c");
        auto ack = c.open(f.port(), v5("c"));
        QVERIFY(ack);
        QCOMPARE(ack->properties.maximumPacketSize, 1024u);
        QVERIFY(c.publish(makePublish(uniqueTopic(), QByteArray(900, 'x'))));
        QVERIFY(c.ping());
        QVERIFY(c.publish(makePublish(uniqueTopic(), QByteArray(2000, 'x'))));
        QVERIFY(c.expectServerDisconnect(quint8(ReasonCode::PacketTooLarge)));
    }

    // The server's limit applies to 3.1.1 clients too (connection closed, no packet).
    void maximumPacketSize_serverLimitClosesV311()
    {
        PETREL_REQUIRE_IN_PROCESS("sets Capabilities::maximumPacketSize");
        Options o = BrokerFixture::defaultOptions();
        o.capabilities.maximumPacketSize = 1024;
        BrokerFixture f(o);
        PETREL_START(f);
        TestClient c("c");
        QVERIFY(c.open(f.port(), makeConnect(ProtocolVersion::V311, uniqueName("c"))));
        QVERIFY(c.publish(makePublish(uniqueTopic(), QByteArray(2000, 'x'))));
        QVERIFY(c.expectServerDisconnect(std::nullopt));
    }

    // [MQTT-3.3.2-6]: the expiry interval sent on is the received one minus the time the
    // message waited in the offline queue.
    void messageExpiry_countedDownInOfflineQueue()
    {
        const QByteArray id = uniqueName("sub");
        const QByteArray topic = uniqueTopic();
        Connect c = makeConnect(ProtocolVersion::V5, id, false);
        c.properties.sessionExpiryInterval = 60;
        c.properties.mark(PropertyId::SessionExpiryInterval);
        {
            TestClient sub("sub1");
            QVERIFY(sub.open(port(), c));
            QVERIFY(sub.subscribe(topic, 1));
            QVERIFY(sub.disconnect());
        }
        TestClient pub("pub");
        QVERIFY(pub.open(port(), v5("pub")));
        Publish p = makePublish(topic, "expiring", 1);
        p.properties.messageExpiryInterval = 5;
        p.properties.mark(PropertyId::MessageExpiryInterval);
        QVERIFY(pub.publishQos1(p));
        QTest::qSleep(2100);
        TestClient sub("sub2");
        QVERIFY(sub.open(port(), c));
        auto msg = sub.receivePublish();
        QVERIFY(msg);
        QVERIFY2(msg->properties.has(PropertyId::MessageExpiryInterval), describe(*msg).constData());
        QVERIFY2(msg->properties.messageExpiryInterval >= 2 && msg->properties.messageExpiryInterval <= 3,
                 describe(*msg).constData());
    }

    // [MQTT-3.3.2-5]: a message whose expiry passed while queued is not delivered.
    void messageExpiry_expiredNotDelivered()
    {
        const QByteArray id = uniqueName("sub");
        const QByteArray topic = uniqueTopic();
        Connect c = makeConnect(ProtocolVersion::V5, id, false);
        c.properties.sessionExpiryInterval = 60;
        c.properties.mark(PropertyId::SessionExpiryInterval);
        {
            TestClient sub("sub1");
            QVERIFY(sub.open(port(), c));
            QVERIFY(sub.subscribe(topic, 1));
            QVERIFY(sub.disconnect());
        }
        TestClient pub("pub");
        QVERIFY(pub.open(port(), v5("pub")));
        Publish p = makePublish(topic, "expired", 1);
        p.properties.messageExpiryInterval = 1;
        p.properties.mark(PropertyId::MessageExpiryInterval);
        QVERIFY(pub.publishQos1(p));
        QVERIFY(pub.publishQos1(makePublish(topic, "lasting", 1)));
        QTest::qSleep(2100);
        TestClient sub("sub2");
        QVERIFY(sub.open(port(), c));
        auto msg = sub.receivePublish();
        QVERIFY(msg);
        QCOMPARE(msg->payload, QByteArray("lasting"));
        QVERIFY(sub.acknowledge(*msg));
        QVERIFY(sub.expectNoPacket(kQuietMs));
    }

    // A live delivery keeps the expiry interval it was published with (no time passed).
    void messageExpiry_forwardedOnLiveDelivery()
    {
        TestClient sub("sub"), pub("pub");
        QVERIFY(sub.open(port(), v5("sub")));
        QVERIFY(pub.open(port(), v5("pub")));
        const QByteArray topic = uniqueTopic();
        QVERIFY(sub.subscribe(topic, 1));
        Publish p = makePublish(topic, "m", 1);
        p.properties.messageExpiryInterval = 100;
        p.properties.mark(PropertyId::MessageExpiryInterval);
        QVERIFY(pub.publishQos1(p));
        auto msg = sub.receivePublish();
        QVERIFY(msg);
        QVERIFY2(msg->properties.has(PropertyId::MessageExpiryInterval), describe(*msg).constData());
        QVERIFY2(msg->properties.messageExpiryInterval >= 99 && msg->properties.messageExpiryInterval <= 100,
                 describe(*msg).constData());
    }

    // MQTT 5 section 3.9.3: SUBACK reason codes when a feature is switched off: 0xA2 wildcard
    // subscriptions, 0x9E shared subscriptions.
    void features_wildcardUnavailableSuback()
    {
        PETREL_REQUIRE_IN_PROCESS("sets Capabilities::wildcardSubAvailable");
        Options o = BrokerFixture::defaultOptions();
        o.capabilities.wildcardSubAvailable = 0;
        BrokerFixture f(o);
        PETREL_START(f);
        TestClient c("c");
        QVERIFY(c.open(f.port(), v5("c")));
        Subscribe s;
        s.topics << makeSubscription(uniqueTopic("/#"), 1) << makeSubscription(uniqueTopic("/+/x"), 1)
                 << makeSubscription(uniqueTopic("/plain"), 1);
        auto ack = c.subscribe(s);
        QVERIFY(ack);
        QCOMPARE(ack->reasonCodes, (QList<quint8>{0xA2, 0xA2, 0x01}));
    }

    void features_sharedUnavailableSuback()
    {
        PETREL_REQUIRE_IN_PROCESS("sets Capabilities::sharedSubAvailable");
        Options o = BrokerFixture::defaultOptions();
        o.capabilities.sharedSubAvailable = 0;
        BrokerFixture f(o);
        PETREL_START(f);
        TestClient c("c");
        QVERIFY(c.open(f.port(), v5("c")));
        auto ack = c.subscribe("$share/g/" + uniqueTopic(), 1);
        QVERIFY(ack);
        QCOMPARE(ack->reasonCodes, QList<quint8>{0x9E});
    }

    // MQTT 5 section 3.2.2.3.12: a Subscription Identifier when the server said it supports
    // none -> DISCONNECT 0xA1 Subscription Identifiers not supported.
    void features_subscriptionIdentifierUnavailableDisconnects()
    {
        PETREL_REQUIRE_IN_PROCESS("sets Capabilities::subIdAvailable");
        Options o = BrokerFixture::defaultOptions();
        o.capabilities.subIdAvailable = 0;
        BrokerFixture f(o);
        PETREL_START(f);
        TestClient c("c");
        QVERIFY(c.open(f.port(), v5("c")));
        Subscribe s;
        s.packetId = 1;
        s.topics << makeSubscription(uniqueTopic(), 1);
        s.properties.subscriptionIdentifiers << 5;
        QVERIFY(c.send(s));
        QVERIFY(c.expectServerDisconnect(quint8(ReasonCode::SubscriptionIdentifiersNotSupported)));
    }

    // [MQTT-3.14.4-1] (5): after a client DISCONNECT the server closes; it sends nothing.
    void disconnect_clientReasonCodeAccepted()
    {
        TestClient c("c");
        QVERIFY(c.open(port(), v5("c")));
        QVERIFY(c.send(Disconnect{}));
        QVERIFY(c.expectServerDisconnect(std::nullopt));
    }

    // A server DISCONNECT carries no packet after it and closes the connection; v5 reason
    // string only when Request Problem Information is not 0 [MQTT-3.1.2-29].
    void disconnect_noReasonStringWhenProblemInformationNotRequested()
    {
        TestClient c("c");
        Connect conn = v5("c");
        conn.properties.requestProblemInformation = 0;
        conn.properties.mark(PropertyId::RequestProblemInformation);
        QVERIFY(c.open(port(), conn));
        QVERIFY(c.send(conn)); // second CONNECT: protocol error
        auto p = c.poll(2000);
        if (p) {
            auto *d = std::get_if<Disconnect>(&*p);
            QVERIFY2(d, describe(*p).constData());
            QVERIFY2(!d->properties.has(PropertyId::ReasonString), describe(*p).constData());
            QVERIFY2(d->properties.userProperties.isEmpty(), describe(*p).constData());
        }
        QVERIFY(c.waitDisconnected());
    }

    // MQTT 5 section 3.1.2.11.6: Response Information only for a client that asked for it.
    void connack_noResponseInformationUnlessRequested()
    {
        TestClient c("c");
        auto ack = c.open(port(), v5("c"));
        QVERIFY(ack);
        QVERIFY2(!ack->properties.has(PropertyId::ResponseInformation), describe(*ack).constData());
    }
};

QTEST_GUILESS_MAIN(tst_BrokerV5)
#include "tst_broker_v5.moc"
