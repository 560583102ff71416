// Broker integration: QoS 1 and 2 flows in both directions, exactly once, flow control.
#include "support/broker_fixture.h"
#include "support/test_client.h"

#include <QSet>
#include <QTest>

using namespace petrel;
using namespace petrel::packets;
using namespace petrel::test;

class tst_BrokerQos : public QObject {
    Q_OBJECT

    std::unique_ptr<BrokerFixture> m_fixture;
    quint16 port() const { return m_fixture->port(); }
    static ProtocolVersion fetchVersion()
    {
        QFETCH(int, version);
        return ProtocolVersion(version);
    }
    static Ack ack(PacketType type, quint16 id, quint8 code = 0)
    {
        Ack a;
        a.type = type;
        a.packetId = id;
        a.reasonCode = code;
        return a;
    }

private Q_SLOTS:
    void init()
    {
        m_fixture = std::make_unique<BrokerFixture>();
        PETREL_START(*m_fixture);
    }
    void cleanup() { m_fixture.reset(); }

    // [MQTT-4.3.2-4] QoS 1 PUBLISH -> PUBACK with the same packet id (reason 0x00: a subscriber exists).
    void qos1_publishAcknowledged_data()
    {
        addVersionRows({ProtocolVersion::V31, ProtocolVersion::V311, ProtocolVersion::V5});
    }
    void qos1_publishAcknowledged()
    {
        const auto v = fetchVersion();
        TestClient sub("sub"), pub("pub");
        QVERIFY(sub.open(port(), makeConnect(v, uniqueName("sub"))));
        QVERIFY(pub.open(port(), makeConnect(v, uniqueName("pub"))));
        const QByteArray topic = uniqueTopic();
        QVERIFY(sub.subscribe(topic, 1));
        Publish p = makePublish(topic, "m", 1);
        p.packetId = 0xBEEF;
        auto puback = pub.publishQos1(p);
        QVERIFY(puback);
        QCOMPARE(*puback, ack(PacketType::Puback, 0xBEEF));
    }

    // [MQTT-4.3.3-8..11] QoS 2: PUBREC, then PUBCOMP after PUBREL, same packet id.
    void qos2_publishHandshake_data()
    {
        addVersionRows({ProtocolVersion::V31, ProtocolVersion::V311, ProtocolVersion::V5});
    }
    void qos2_publishHandshake()
    {
        const auto v = fetchVersion();
        TestClient sub("sub"), pub("pub");
        QVERIFY(sub.open(port(), makeConnect(v, uniqueName("sub"))));
        QVERIFY(pub.open(port(), makeConnect(v, uniqueName("pub"))));
        const QByteArray topic = uniqueTopic();
        QVERIFY(sub.subscribe(topic, 2));
        Publish p = makePublish(topic, "m", 2);
        p.packetId = 7;
        auto acks = pub.publishQos2(p);
        QVERIFY(acks);
        QCOMPARE(acks->pubrec, ack(PacketType::Pubrec, 7));
        QCOMPARE(acks->pubcomp, ack(PacketType::Pubcomp, 7));
    }

    // The broker sends QoS 1 with a non-zero packet id and accepts the PUBACK; no resend
    // while connected [MQTT-4.4.0-1 resends only on reconnect].
    void qos1_outboundFlow_data() { addVersionRows(); }
    void qos1_outboundFlow()
    {
        const auto v = fetchVersion();
        TestClient sub("sub"), pub("pub");
        QVERIFY(sub.open(port(), makeConnect(v, uniqueName("sub"))));
        QVERIFY(pub.open(port(), makeConnect(v, uniqueName("pub"))));
        const QByteArray topic = uniqueTopic();
        QVERIFY(sub.subscribe(topic, 1));
        QVERIFY(pub.publishQos1(makePublish(topic, "m", 1)));
        auto msg = sub.receivePublish();
        QVERIFY(msg);
        QCOMPARE(msg->qos, 1);
        QCOMPARE(msg->dup, false);
        QVERIFY(msg->packetId != 0);
        QVERIFY(sub.send(ack(PacketType::Puback, msg->packetId)));
        QVERIFY(sub.expectNoPacket(kQuietMs));
        QVERIFY(sub.ping());
    }

    // The broker's QoS 2 to a subscriber: PUBLISH, PUBREC -> PUBREL, PUBCOMP [MQTT-4.3.3-3..5].
    void qos2_outboundFlow_data() { addVersionRows(); }
    void qos2_outboundFlow()
    {
        const auto v = fetchVersion();
        TestClient sub("sub"), pub("pub");
        QVERIFY(sub.open(port(), makeConnect(v, uniqueName("sub"))));
        QVERIFY(pub.open(port(), makeConnect(v, uniqueName("pub"))));
        const QByteArray topic = uniqueTopic();
        QVERIFY(sub.subscribe(topic, 2));
        QVERIFY(pub.publishQos2(makePublish(topic, "m", 2)));
        auto msg = sub.receivePublish();
        QVERIFY(msg);
        QCOMPARE(msg->qos, 2);
        QVERIFY(msg->packetId != 0);
        QVERIFY(sub.send(ack(PacketType::Pubrec, msg->packetId)));
        auto rel = sub.receiveAck(PacketType::Pubrel);
        QVERIFY(rel);
        QCOMPARE(*rel, ack(PacketType::Pubrel, msg->packetId));
        QVERIFY(sub.send(ack(PacketType::Pubcomp, msg->packetId)));
        QVERIFY(sub.expectNoPacket(kQuietMs));
    }

    // [MQTT-4.3.3-2] exactly once: a retransmitted PUBLISH (DUP, same id) before PUBREL is
    // acknowledged again but not delivered twice.
    void qos2_duplicateBeforePubrelDeliveredOnce_data()
    {
        addVersionRows({ProtocolVersion::V31, ProtocolVersion::V311, ProtocolVersion::V5});
    }
    void qos2_duplicateBeforePubrelDeliveredOnce()
    {
        const auto v = fetchVersion();
        TestClient sub("sub"), pub("pub");
        QVERIFY(sub.open(port(), makeConnect(v, uniqueName("sub"))));
        QVERIFY(pub.open(port(), makeConnect(v, uniqueName("pub"))));
        const QByteArray topic = uniqueTopic();
        QVERIFY(sub.subscribe(topic, 2));
        Publish p = makePublish(topic, "once", 2);
        p.packetId = 42;
        QVERIFY(pub.send(p));
        auto rec = pub.receiveAck(PacketType::Pubrec);
        QVERIFY(rec);
        QCOMPARE(rec->packetId, 42);
        p.dup = true;
        QVERIFY(pub.send(p));
        rec = pub.receiveAck(PacketType::Pubrec);
        QVERIFY(rec);
        QCOMPARE(*rec, ack(PacketType::Pubrec, 42));
        QVERIFY(pub.send(ack(PacketType::Pubrel, 42)));
        auto comp = pub.receiveAck(PacketType::Pubcomp);
        QVERIFY(comp);
        QCOMPARE(*comp, ack(PacketType::Pubcomp, 42));

        auto msg = sub.receivePublish();
        QVERIFY(msg);
        QCOMPARE(msg->payload, QByteArray("once"));
        QVERIFY(sub.acknowledge(*msg));
        QVERIFY(sub.expectNoPacket(kQuietMs));
    }

    // After PUBCOMP the packet id is free: a new message with the same id is a new message.
    void qos2_packetIdReusedAfterPubcomp_data() { addVersionRows(); }
    void qos2_packetIdReusedAfterPubcomp()
    {
        const auto v = fetchVersion();
        TestClient sub("sub"), pub("pub");
        QVERIFY(sub.open(port(), makeConnect(v, uniqueName("sub"))));
        QVERIFY(pub.open(port(), makeConnect(v, uniqueName("pub"))));
        const QByteArray topic = uniqueTopic();
        QVERIFY(sub.subscribe(topic, 2));
        for (const QByteArray payload : {QByteArray("first"), QByteArray("second")}) {
            Publish p = makePublish(topic, payload, 2);
            p.packetId = 9;
            QVERIFY(pub.publishQos2(p));
            auto msg = sub.receivePublish();
            QVERIFY(msg);
            QCOMPARE(msg->payload, payload);
            QVERIFY(sub.acknowledge(*msg));
        }
        QVERIFY(sub.expectNoPacket(100));
    }

    // PUBREL for an unknown packet id: PUBCOMP anyway; v5 with 0x92 Packet Identifier not found.
    void qos2_pubrelUnknownIdAnsweredWithPubcomp_data() { addVersionRows(); }
    void qos2_pubrelUnknownIdAnsweredWithPubcomp()
    {
        const auto v = fetchVersion();
        if (isV5(v)) PETREL_SKIP_ON_EXTERNAL("answers PUBREL for an unknown id with PUBCOMP 0x00, not 0x92");
        TestClient c("c");
        QVERIFY(c.open(port(), makeConnect(v, uniqueName("c"))));
        QVERIFY(c.send(ack(PacketType::Pubrel, 555)));
        auto comp = c.receiveAck(PacketType::Pubcomp);
        QVERIFY(comp);
        QCOMPARE(comp->packetId, 555);
        QCOMPARE(comp->reasonCode, quint8(isV5(v) ? 0x92 : 0x00));
        QVERIFY(c.isOpen());
    }

    // A PUBACK/PUBREC for an id the broker never used does not break the connection.
    void qos_unexpectedAckIgnored_data() { addVersionRows(); }
    void qos_unexpectedAckIgnored()
    {
        const auto v = fetchVersion();
        TestClient c("c");
        QVERIFY(c.open(port(), makeConnect(v, uniqueName("c"))));
        QVERIFY(c.send(ack(PacketType::Puback, 321)));
        QVERIFY(c.send(ack(PacketType::Pubcomp, 322)));
        QVERIFY(c.ping());
    }

    // Distinct packet ids for messages in flight at once [MQTT-2.2.1-3] (3.1.1) / [MQTT-2.2.1-4] (5).
    void qos_outboundPacketIdsUniqueWhileInflight_data() { addVersionRows(); }
    void qos_outboundPacketIdsUniqueWhileInflight()
    {
        const auto v = fetchVersion();
        TestClient sub("sub"), pub("pub");
        QVERIFY(sub.open(port(), makeConnect(v, uniqueName("sub"))));
        QVERIFY(pub.open(port(), makeConnect(v, uniqueName("pub"))));
        const QByteArray topic = uniqueTopic();
        QVERIFY(sub.subscribe(topic, 2));
        constexpr int kCount = 10;
        for (int i = 0; i < kCount; ++i)
            QVERIFY(pub.publishAndWait(makePublish(topic, QByteArray::number(i), quint8(1 + i % 2))));
        QSet<quint16> ids;
        QList<Publish> received;
        for (int i = 0; i < kCount; ++i) {
            auto msg = sub.receivePublish();
            QVERIFY(msg);
            QVERIFY(msg->packetId != 0);
            QVERIFY2(!ids.contains(msg->packetId), qPrintable(QString::number(msg->packetId)));
            ids.insert(msg->packetId);
            received << *msg;
        }
        for (const Publish &m : received)
            QVERIFY(sub.acknowledge(m));
    }

    // MQTT 5 section 4.9: the broker never has more unacknowledged QoS 1/2 PUBLISH packets
    // in flight to a client than that client's Receive Maximum; the rest follow acks.
    void flow_v5BrokerRespectsClientReceiveMaximum()
    {
        PETREL_SKIP_ON_EXTERNAL(
            "exceeds the client's Receive Maximum (one PUBACK releases two queued messages)");
        TestClient sub("sub"), pub("pub");
        Connect c = makeConnect(ProtocolVersion::V5, uniqueName("sub"));
        c.properties.receiveMaximum = 2;
        c.properties.mark(PropertyId::ReceiveMaximum);
        QVERIFY(sub.open(port(), c));
        QVERIFY(pub.open(port(), makeConnect(ProtocolVersion::V5, uniqueName("pub"))));
        const QByteArray topic = uniqueTopic();
        QVERIFY(sub.subscribe(topic, 2));
        constexpr int kCount = 6;
        for (int i = 0; i < kCount; ++i)
            QVERIFY(pub.publishAndWait(makePublish(topic, QByteArray::number(i), quint8(1 + i % 2))));
        QList<Publish> inflight;
        for (int i = 0; i < 2; ++i) {
            auto msg = sub.receivePublish();
            QVERIFY(msg);
            QCOMPARE(msg->payload, QByteArray::number(i));
            inflight << *msg;
        }
        QVERIFY(sub.expectNoPacket(kQuietMs));
        int next = 2;
        while (!inflight.isEmpty()) {
            QVERIFY(sub.acknowledge(inflight.takeFirst()));
            if (next < kCount) {
                auto msg = sub.receivePublish();
                QVERIFY(msg);
                QCOMPARE(msg->payload, QByteArray::number(next++));
                inflight << *msg;
                QVERIFY(sub.expectNoPacket(100));
            }
        }
        QCOMPARE(next, kCount);
    }

    // [MQTT-3.3.4-7] a client that sends more unacknowledged QoS 2 PUBLISH packets than the
    // server's Receive Maximum gets DISCONNECT 0x93.
    void flow_v5ClientExceedingReceiveMaximumDisconnected()
    {
        PETREL_SKIP_ON_EXTERNAL("does not enforce its Receive Maximum on clients");
        Options o = BrokerFixture::defaultOptions();
        o.capabilities.receiveMaximum = 3;
        BrokerFixture f(o);
        PETREL_START(f);
        TestClient c("c");
        QVERIFY(c.connectTcp(f.port()));
        auto connack = c.connect(makeConnect(ProtocolVersion::V5, uniqueName("c")));
        QVERIFY(connack);
        QCOMPARE(connack->reasonCode, 0);
        QCOMPARE(connack->properties.receiveMaximum, 3);
        const QByteArray topic = uniqueTopic();
        for (quint16 id = 1; id <= 3; ++id) {
            Publish p = makePublish(topic, "m", 2);
            p.packetId = id;
            QVERIFY(c.send(p));
            auto rec = c.receiveAck(PacketType::Pubrec);
            QVERIFY(rec);
            QCOMPARE(rec->packetId, id);
        }
        Publish p = makePublish(topic, "one too many", 2);
        p.packetId = 4;
        QVERIFY(c.send(p));
        QVERIFY(c.expectServerDisconnect(quint8(ReasonCode::ReceiveMaximumExceeded)));
    }

    // Receive Maximum exists only in v5: a 3.1.1 client never learns it, so its unreleased
    // QoS 2 messages beyond the server's v5 limit are accepted, not a disconnect.
    void flow_v311UnreleasedQos2BeyondReceiveMaximumAccepted()
    {
        PETREL_REQUIRE_IN_PROCESS("sets the server's Receive Maximum");
        Options o = BrokerFixture::defaultOptions();
        o.capabilities.receiveMaximum = 3;
        BrokerFixture f(o);
        PETREL_START(f);
        TestClient c("c");
        QVERIFY(c.connectTcp(f.port()));
        QVERIFY(c.connect(makeConnect(ProtocolVersion::V311, uniqueName("c"))));
        const QByteArray topic = uniqueTopic();
        for (quint16 id = 1; id <= 10; ++id) {
            Publish p = makePublish(topic, "m", 2);
            p.packetId = id;
            QVERIFY(c.send(p));
            auto rec = c.receiveAck(PacketType::Pubrec);
            QVERIFY(rec);
            QCOMPARE(rec->packetId, id);
        }
        for (quint16 id = 1; id <= 10; ++id) {
            Ack rel;
            rel.type = PacketType::Pubrel;
            rel.packetId = id;
            QVERIFY(c.send(rel));
            auto comp = c.receiveAck(PacketType::Pubcomp);
            QVERIFY(comp);
            QCOMPARE(comp->packetId, id);
        }
    }

    // Within the receive maximum, completing a flow frees its slot.
    void flow_v5ClientWithinReceiveMaximumStaysConnected()
    {
        PETREL_REQUIRE_IN_PROCESS("sets Capabilities::receiveMaximum");
        Options o = BrokerFixture::defaultOptions();
        o.capabilities.receiveMaximum = 2;
        BrokerFixture f(o);
        PETREL_START(f);
        TestClient c("c");
        QVERIFY(c.open(f.port(), makeConnect(ProtocolVersion::V5, uniqueName("c"))));
        const QByteArray topic = uniqueTopic();
        for (int i = 0; i < 10; ++i)
            QVERIFY(c.publishQos2(makePublish(topic, "m", 2)));
        QVERIFY(c.ping());
    }

    // A 3.1.1 subscriber that acknowledges slowly still gets a QoS 2 backlog far beyond any
    // inflight window: all of it, once each, in order.
    void flow_qos2BacklogBeyondInflightAllDelivered_data() { addVersionRows(); }
    void flow_qos2BacklogBeyondInflightAllDelivered()
    {
        PETREL_SKIP_ON_EXTERNAL(
            "drops QoS 2 messages queued beyond max_inflight_messages for a slow subscriber");
        const auto v = fetchVersion();
        TestClient sub("sub"), pub("pub");
        QVERIFY(sub.open(port(), makeConnect(v, uniqueName("sub"))));
        QVERIFY(pub.open(port(), makeConnect(v, uniqueName("pub"))));
        const QByteArray topic = uniqueTopic();
        QVERIFY(sub.subscribe(topic, 2));
        constexpr int kCount = 100;
        for (int i = 0; i < kCount; ++i) {
            Publish p = makePublish(topic, QByteArray::number(i), 2);
            p.packetId = quint16(i + 1);
            QVERIFY(pub.send(p)); // PUBREC/PUBREL/PUBCOMP below, pipelined
        }
        for (int i = 0; i < kCount; ++i) {
            auto rec = pub.receiveAck(PacketType::Pubrec);
            QVERIFY(rec);
            QVERIFY(pub.send(ack(PacketType::Pubrel, rec->packetId)));
        }
        for (int i = 0; i < kCount; ++i)
            QVERIFY(pub.receiveAck(PacketType::Pubcomp));
        // The subscriber takes its time: acknowledges one message at a time.
        for (int i = 0; i < kCount; ++i) {
            auto msg = sub.receivePublish(5000);
            QVERIFY2(msg, qPrintable(QStringLiteral("message %1 of %2 missing").arg(i).arg(kCount)));
            QCOMPARE(msg->payload, QByteArray::number(i));
            QCOMPARE(msg->qos, 2);
            QVERIFY(sub.acknowledge(*msg));
        }
        QVERIFY(sub.expectNoPacket(kQuietMs));
    }

    // Capabilities::maximumQos 1: SUBSCRIBE QoS 2 is granted 1; v5 CONNACK says Maximum QoS 1.
    void qos_maximumQosCapsSubscription_data() { addVersionRows(); }
    void qos_maximumQosCapsSubscription()
    {
        PETREL_REQUIRE_IN_PROCESS("sets Capabilities::maximumQos");
        const auto v = fetchVersion();
        Options o = BrokerFixture::defaultOptions();
        o.capabilities.maximumQos = 1;
        BrokerFixture f(o);
        PETREL_START(f);
        TestClient c("c");
        QVERIFY(c.open(f.port(), makeConnect(v, uniqueName("c"))));
        auto sub = c.subscribe(uniqueTopic(), 2);
        QVERIFY(sub);
        QCOMPARE(sub->reasonCodes, QList<quint8>{1});
    }

    // [MQTT-3.2.2-11] a v5 client that publishes above the server's Maximum QoS gets
    // DISCONNECT 0x9B QoS not supported.
    void qos_v5PublishAboveMaximumQosDisconnected()
    {
        PETREL_REQUIRE_IN_PROCESS("sets Capabilities::maximumQos");
        Options o = BrokerFixture::defaultOptions();
        o.capabilities.maximumQos = 1;
        BrokerFixture f(o);
        PETREL_START(f);
        TestClient c("c");
        QVERIFY(c.open(f.port(), makeConnect(ProtocolVersion::V5, uniqueName("c"))));
        QVERIFY(c.publish(makePublish(uniqueTopic(), "m", 2)));
        QVERIFY(c.expectServerDisconnect(quint8(ReasonCode::QoSNotSupported)));
    }
};

QTEST_GUILESS_MAIN(tst_BrokerQos)
#include "tst_broker_qos.moc"
