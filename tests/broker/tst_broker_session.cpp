// Broker integration: sessions (clean start, session present, offline queue, resend on
// reconnect, session expiry, takeover).
#include "support/broker_fixture.h"
#include "support/test_client.h"

#include <QElapsedTimer>
#include <QTest>

using namespace petrel;
using namespace petrel::packets;
using namespace petrel::test;

class tst_BrokerSession : public QObject {
    Q_OBJECT

    std::unique_ptr<BrokerFixture> m_fixture;
    quint16 port() const { return m_fixture->port(); }
    static ProtocolVersion fetchVersion()
    {
        QFETCH(int, version);
        return ProtocolVersion(version);
    }
    // CONNECT that keeps the session: CleanSession 0, v5 with a Session Expiry Interval.
    static Connect sessionConnect(ProtocolVersion v, const QByteArray &id, bool cleanStart = false,
                                  quint32 expiry = 300)
    {
        Connect c = makeConnect(v, id, cleanStart);
        if (isV5(v)) {
            c.properties.sessionExpiryInterval = expiry;
            c.properties.mark(PropertyId::SessionExpiryInterval);
        }
        return c;
    }
    static Ack ack(PacketType type, quint16 id)
    {
        Ack a;
        a.type = type;
        a.packetId = id;
        return a;
    }
    // Reconnects `id` on a fresh client and checks the session-present flag.
    bool reconnect(TestClient &c, const Connect &conn, bool expectPresent)
    {
        auto ack = c.open(port(), conn);
        if (!ack) return false;
        if (ack->sessionPresent != expectPresent) {
            qWarning().noquote() << "session present: expected" << expectPresent << "got" << describe(*ack);
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

    // [MQTT-3.2.2-3] (3.1.1) / [MQTT-3.2.2-3] (5): no stored session -> Session Present 0.
    void session_newPersistentSessionNotPresent_data() { addVersionRows(); }
    void session_newPersistentSessionNotPresent()
    {
        const auto v = fetchVersion();
        TestClient c("c");
        QVERIFY(reconnect(c, sessionConnect(v, uniqueName("c")), false));
    }

    // [MQTT-3.2.2-2]: a resumed session -> Session Present 1.
    void session_resumedSessionPresent_data() { addVersionRows(); }
    void session_resumedSessionPresent()
    {
        const auto v = fetchVersion();
        const QByteArray id = uniqueName("c");
        {
            TestClient c("c1");
            QVERIFY(reconnect(c, sessionConnect(v, id), false));
            QVERIFY(c.subscribe(uniqueTopic(), 1));
            QVERIFY(c.disconnect());
        }
        TestClient c("c2");
        QVERIFY(reconnect(c, sessionConnect(v, id), true));
    }

    // [MQTT-3.1.2-6] (3.1.1) / [MQTT-3.1.2-4] (5): Clean Start discards the stored session.
    void session_cleanStartDiscardsSession_data() { addVersionRows(); }
    void session_cleanStartDiscardsSession()
    {
        const auto v = fetchVersion();
        const QByteArray id = uniqueName("c");
        const QByteArray topic = uniqueTopic();
        {
            TestClient c("c1");
            QVERIFY(reconnect(c, sessionConnect(v, id), false));
            QVERIFY(c.subscribe(topic, 1));
            QVERIFY(c.disconnect());
        }
        TestClient pub("pub");
        QVERIFY(pub.open(port(), makeConnect(v, uniqueName("pub"))));
        QVERIFY(pub.publishQos1(makePublish(topic, "queued", 1)));
        TestClient c("c2");
        QVERIFY(reconnect(c, sessionConnect(v, id, true), false));
        QVERIFY(c.expectNoPacket(kQuietMs));
        QVERIFY(pub.publishQos1(makePublish(topic, "live", 1)));
        QVERIFY(c.expectNoPacket(kQuietMs));
    }

    // A 3.1.1 clean session is not kept after the connection ends.
    void session_cleanSessionNotKept_data() { addVersionRows({ProtocolVersion::V31, ProtocolVersion::V311}); }
    void session_cleanSessionNotKept()
    {
        const auto v = fetchVersion();
        const QByteArray id = uniqueName("c");
        {
            TestClient c("c1");
            QVERIFY(c.open(port(), makeConnect(v, id, true)));
            QVERIFY(c.subscribe(uniqueTopic(), 1));
            QVERIFY(c.disconnect());
        }
        TestClient c("c2");
        QVERIFY(reconnect(c, makeConnect(v, id, false), false));
    }

    // Subscriptions are part of the session [MQTT-3.1.2-4] (3.1.1).
    void session_subscriptionsSurviveReconnect_data()
    {
        addVersionRows({ProtocolVersion::V31, ProtocolVersion::V311, ProtocolVersion::V5});
    }
    void session_subscriptionsSurviveReconnect()
    {
        const auto v = fetchVersion();
        const QByteArray id = uniqueName("c");
        const QByteArray topic = uniqueTopic();
        {
            TestClient c("c1");
            QVERIFY(c.open(port(), sessionConnect(v, id)));
            QVERIFY(c.subscribe(topic, 1));
            QVERIFY(c.disconnect());
        }
        TestClient c("c2");
        QVERIFY(c.open(port(), sessionConnect(v, id)));
        TestClient pub("pub");
        QVERIFY(pub.open(port(), makeConnect(v, uniqueName("pub"))));
        QVERIFY(pub.publishQos1(makePublish(topic, "live", 1)));
        auto msg = c.receivePublish();
        QVERIFY(msg);
        QCOMPARE(msg->payload, QByteArray("live"));
    }

    // [MQTT-3.1.2-5] (3.1.1): QoS 1 and 2 messages published while the client is offline
    // are stored and delivered on reconnect, in order.
    void session_offlineMessagesDeliveredInOrder_data()
    {
        addVersionRows({ProtocolVersion::V31, ProtocolVersion::V311, ProtocolVersion::V5});
    }
    void session_offlineMessagesDeliveredInOrder()
    {
        const auto v = fetchVersion();
        const QByteArray id = uniqueName("c");
        const QByteArray topic = uniqueTopic();
        {
            TestClient c("c1");
            QVERIFY(c.open(port(), sessionConnect(v, id)));
            QVERIFY(c.subscribe(topic, 2));
            QVERIFY(c.disconnect());
        }
        TestClient pub("pub");
        QVERIFY(pub.open(port(), makeConnect(v, uniqueName("pub"))));
        constexpr int kCount = 10;
        for (int i = 0; i < kCount; ++i)
            QVERIFY(pub.publishAndWait(makePublish(topic, QByteArray::number(i), quint8(1 + i % 2))));
        TestClient c("c2");
        QVERIFY(c.open(port(), sessionConnect(v, id)));
        for (int i = 0; i < kCount; ++i) {
            auto msg = c.receivePublish();
            QVERIFY(msg);
            QCOMPARE(msg->payload, QByteArray::number(i));
            QCOMPARE(int(msg->qos), 1 + i % 2);
            QVERIFY(c.acknowledge(*msg));
        }
        QVERIFY(c.expectNoPacket(kQuietMs));
    }

    // [MQTT-4.4.0-1]: an unacknowledged PUBLISH is resent on reconnect with its original
    // packet id and DUP set [MQTT-3.3.1-1].
    void session_unacknowledgedPublishResentWithDup_data()
    {
        QTest::addColumn<int>("version");
        QTest::addColumn<int>("qos");
        for (auto v : {ProtocolVersion::V311, ProtocolVersion::V5})
            for (int q = 1; q <= 2; ++q)
                QTest::addRow("%s QoS %d", versionTag(v), q) << int(v) << q;
    }
    void session_unacknowledgedPublishResentWithDup()
    {
        const auto v = fetchVersion();
        QFETCH(int, qos);
        const QByteArray id = uniqueName("c");
        const QByteArray topic = uniqueTopic();
        TestClient c1("c1");
        QVERIFY(c1.open(port(), sessionConnect(v, id)));
        QVERIFY(c1.subscribe(topic, 2));
        TestClient pub("pub");
        QVERIFY(pub.open(port(), makeConnect(v, uniqueName("pub"))));
        QVERIFY(pub.publishAndWait(makePublish(topic, "unacked", quint8(qos))));
        auto first = c1.receivePublish();
        QVERIFY(first);
        QCOMPARE(first->dup, false);
        c1.close(); // no acknowledgement

        TestClient c2("c2");
        QVERIFY(reconnect(c2, sessionConnect(v, id), true));
        auto again = c2.receivePublish();
        QVERIFY(again);
        QCOMPARE(again->dup, true);
        QCOMPARE(again->packetId, first->packetId);
        QCOMPARE(again->qos, first->qos);
        QCOMPARE(again->topic, topic);
        QCOMPARE(again->payload, QByteArray("unacked"));
        QVERIFY(c2.acknowledge(*again));
        QVERIFY(c2.expectNoPacket(kQuietMs));
    }

    // [MQTT-4.4.0-1]: an unacknowledged PUBREL is resent on reconnect (not the PUBLISH).
    void session_unacknowledgedPubrelResent_data() { addVersionRows(); }
    void session_unacknowledgedPubrelResent()
    {
        const auto v = fetchVersion();
        const QByteArray id = uniqueName("c");
        const QByteArray topic = uniqueTopic();
        TestClient c1("c1");
        QVERIFY(c1.open(port(), sessionConnect(v, id)));
        QVERIFY(c1.subscribe(topic, 2));
        TestClient pub("pub");
        QVERIFY(pub.open(port(), makeConnect(v, uniqueName("pub"))));
        QVERIFY(pub.publishQos2(makePublish(topic, "m", 2)));
        auto msg = c1.receivePublish();
        QVERIFY(msg);
        QVERIFY(c1.send(ack(PacketType::Pubrec, msg->packetId)));
        QVERIFY(c1.receiveAck(PacketType::Pubrel));
        c1.close(); // no PUBCOMP

        TestClient c2("c2");
        QVERIFY(reconnect(c2, sessionConnect(v, id), true));
        auto rel = c2.receiveAck(PacketType::Pubrel);
        QVERIFY(rel);
        QCOMPARE(rel->packetId, msg->packetId);
        QVERIFY(c2.send(ack(PacketType::Pubcomp, msg->packetId)));
        QVERIFY(c2.expectNoPacket(kQuietMs));
    }

    // The broker keeps its side of an inbound QoS 2 flow across a reconnect: the PUBREL
    // after reconnecting completes it, and the message is delivered once.
    void session_inboundQos2CompletedAfterReconnect_data() { addVersionRows(); }
    void session_inboundQos2CompletedAfterReconnect()
    {
        const auto v = fetchVersion();
        const QByteArray id = uniqueName("pub");
        const QByteArray topic = uniqueTopic();
        TestClient sub("sub");
        QVERIFY(sub.open(port(), makeConnect(v, uniqueName("sub"))));
        QVERIFY(sub.subscribe(topic, 2));
        TestClient p1("p1");
        QVERIFY(p1.open(port(), sessionConnect(v, id)));
        Publish p = makePublish(topic, "once", 2);
        p.packetId = 77;
        QVERIFY(p1.send(p));
        QVERIFY(p1.receiveAck(PacketType::Pubrec));
        p1.close();

        TestClient p2("p2");
        QVERIFY(reconnect(p2, sessionConnect(v, id), true));
        QVERIFY(p2.send(ack(PacketType::Pubrel, 77)));
        auto comp = p2.receiveAck(PacketType::Pubcomp);
        QVERIFY(comp);
        QCOMPARE(comp->packetId, 77);
        QCOMPARE(comp->reasonCode, 0);

        auto msg = sub.receivePublish();
        QVERIFY(msg);
        QCOMPARE(msg->payload, QByteArray("once"));
        QVERIFY(sub.acknowledge(*msg));
        QVERIFY(sub.expectNoPacket(kQuietMs));
    }

    // [MQTT-3.1.2-23] (5): the session ends Session Expiry Interval seconds after the close.
    void session_v5ExpiresAfterInterval()
    {
        const QByteArray id = uniqueName("c");
        {
            TestClient c("c1");
            QVERIFY(c.open(port(), sessionConnect(ProtocolVersion::V5, id, false, 1)));
            QVERIFY(c.subscribe(uniqueTopic(), 1));
            QVERIFY(c.disconnect());
        }
        // Still there before the interval ends...
        {
            TestClient c("c2");
            QVERIFY(reconnect(c, sessionConnect(ProtocolVersion::V5, id, false, 1), true));
            QVERIFY(c.disconnect());
        }
        // ...and gone after it.
        QTest::qSleep(2200);
        TestClient c("c3");
        QVERIFY(reconnect(c, sessionConnect(ProtocolVersion::V5, id, false, 1), false));
    }

    // [MQTT-3.1.2-23] (5): Session Expiry Interval 0 (or absent) ends the session at the close.
    void session_v5ZeroExpiryEndsAtDisconnect()
    {
        const QByteArray id = uniqueName("c");
        {
            TestClient c("c1");
            QVERIFY(c.open(port(), makeConnect(ProtocolVersion::V5, id, false)));
            QVERIFY(c.subscribe(uniqueTopic(), 1));
            QVERIFY(c.disconnect());
        }
        TestClient c("c2");
        QVERIFY(reconnect(c, makeConnect(ProtocolVersion::V5, id, false), false));
    }

    // MQTT 5 section 3.14.2.2.2: DISCONNECT may change a non-zero Session Expiry Interval.
    void session_v5DisconnectExtendsExpiry()
    {
        const QByteArray id = uniqueName("c");
        {
            TestClient c("c1");
            QVERIFY(c.open(port(), sessionConnect(ProtocolVersion::V5, id, false, 1)));
            Properties props;
            props.sessionExpiryInterval = 300;
            props.mark(PropertyId::SessionExpiryInterval);
            QVERIFY(c.disconnect(0, props));
        }
        QTest::qSleep(2200);
        TestClient c("c2");
        QVERIFY(reconnect(c, sessionConnect(ProtocolVersion::V5, id, false, 1), true));
    }

    // [MQTT-3.14.2-2]: a non-zero Session Expiry Interval in DISCONNECT after 0 in CONNECT is a
    // Protocol Error: the server may answer DISCONNECT 0x82, and the session is not kept.
    void session_v5DisconnectSetsExpiryAfterZeroIsProtocolError()
    {
        const QByteArray id = uniqueName("c");
        {
            TestClient c("c1");
            QVERIFY(c.open(port(), makeConnect(ProtocolVersion::V5, id, false)));
            Disconnect d;
            d.properties.sessionExpiryInterval = 300;
            d.properties.mark(PropertyId::SessionExpiryInterval);
            QVERIFY(c.send(d));
            QVERIFY(c.expectServerDisconnect(quint8(ReasonCode::ProtocolError), true));
        }
        TestClient c("c2");
        QVERIFY(reconnect(c, sessionConnect(ProtocolVersion::V5, id, false), false));
    }

    // [MQTT-3.1.4-3]: a second connection with the same client id takes over; the old one is
    // closed (v5: DISCONNECT 0x8E Session taken over first).
    void session_takeoverClosesOldConnection_data()
    {
        addVersionRows({ProtocolVersion::V31, ProtocolVersion::V311, ProtocolVersion::V5});
    }
    void session_takeoverClosesOldConnection()
    {
        const auto v = fetchVersion();
        if (isV5(v)) PETREL_SKIP_ON_EXTERNAL("closes the old connection without DISCONNECT 0x8E");
        const QByteArray id = uniqueName("c");
        TestClient old("old"), fresh("new");
        QVERIFY(old.open(port(), makeConnect(v, id)));
        QVERIFY(fresh.open(port(), makeConnect(v, id)));
        QVERIFY(old.expectServerDisconnect(quint8(ReasonCode::SessionTakenOver)));
        QVERIFY(fresh.ping());
    }

    // Takeover with CleanSession 0 keeps the session: Session Present 1, subscriptions work.
    void session_takeoverResumesSession_data() { addVersionRows(); }
    void session_takeoverResumesSession()
    {
        const auto v = fetchVersion();
        const QByteArray id = uniqueName("c");
        const QByteArray topic = uniqueTopic();
        TestClient old("old"), fresh("new");
        QVERIFY(old.open(port(), sessionConnect(v, id)));
        QVERIFY(old.subscribe(topic, 1));
        QVERIFY(reconnect(fresh, sessionConnect(v, id), true));
        QVERIFY(old.waitDisconnected());
        TestClient pub("pub");
        QVERIFY(pub.open(port(), makeConnect(v, uniqueName("pub"))));
        QVERIFY(pub.publishQos1(makePublish(topic, "to new", 1)));
        auto msg = fresh.receivePublish();
        QVERIFY(msg);
        QCOMPARE(msg->payload, QByteArray("to new"));
    }
};

QTEST_GUILESS_MAIN(tst_BrokerSession)
#include "tst_broker_session.moc"
