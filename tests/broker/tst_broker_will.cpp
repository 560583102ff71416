// Broker integration: will messages.
#include "support/broker_fixture.h"
#include "support/test_client.h"

#include <QElapsedTimer>
#include <QTest>

using namespace petrel;
using namespace petrel::packets;
using namespace petrel::test;

class tst_BrokerWill : public QObject {
    Q_OBJECT

    std::unique_ptr<BrokerFixture> m_fixture;
    quint16 port() const { return m_fixture->port(); }
    static ProtocolVersion fetchVersion()
    {
        QFETCH(int, version);
        return ProtocolVersion(version);
    }
    static Connect willConnect(ProtocolVersion v, const QByteArray &willTopic, quint8 qos = 0,
                               bool retain = false)
    {
        Connect c = makeConnect(v, uniqueName("w"));
        c.hasWill = true;
        c.will.topic = willTopic;
        c.will.payload = "gone";
        c.will.qos = qos;
        c.will.retain = retain;
        return c;
    }
    // A subscriber on `topic`, QoS 2.
    bool watch(TestClient &sub, ProtocolVersion v, const QByteArray &topic)
    {
        return sub.open(port(), makeConnect(v, uniqueName("sub"))) && sub.subscribe(topic, 2);
    }

private Q_SLOTS:
    void init()
    {
        m_fixture = std::make_unique<BrokerFixture>();
        PETREL_START(*m_fixture);
    }
    void cleanup() { m_fixture.reset(); }

    // [MQTT-3.1.2-8]: the will is published when the connection closes without DISCONNECT.
    void will_sentOnAbnormalClose_data()
    {
        addVersionRows({ProtocolVersion::V31, ProtocolVersion::V311, ProtocolVersion::V5});
    }
    void will_sentOnAbnormalClose()
    {
        const auto v = fetchVersion();
        const QByteArray topic = uniqueTopic();
        TestClient sub("sub"), c("c");
        QVERIFY(watch(sub, v, topic));
        QVERIFY(c.open(port(), willConnect(v, topic)));
        c.close();
        auto msg = sub.receivePublish();
        QVERIFY(msg);
        QCOMPARE(msg->topic, topic);
        QCOMPARE(msg->payload, QByteArray("gone"));
        QCOMPARE(msg->retain, false);
        QVERIFY(sub.expectNoPacket(kQuietMs));
    }

    // [MQTT-3.1.2-10] (3.1.1) / [MQTT-3.1.2-10] (5): a normal DISCONNECT discards the will.
    void will_notSentOnNormalDisconnect_data()
    {
        addVersionRows({ProtocolVersion::V31, ProtocolVersion::V311, ProtocolVersion::V5});
    }
    void will_notSentOnNormalDisconnect()
    {
        const auto v = fetchVersion();
        const QByteArray topic = uniqueTopic();
        TestClient sub("sub"), c("c");
        QVERIFY(watch(sub, v, topic));
        QVERIFY(c.open(port(), willConnect(v, topic)));
        QVERIFY(c.disconnect());
        QVERIFY(sub.expectNoPacket(500));
    }

    // MQTT 5 section 3.14.2.1: DISCONNECT 0x04 Disconnect with Will Message publishes the will.
    void will_v5DisconnectWithWillMessageSendsWill()
    {
        const QByteArray topic = uniqueTopic();
        TestClient sub("sub"), c("c");
        QVERIFY(watch(sub, ProtocolVersion::V5, topic));
        QVERIFY(c.open(port(), willConnect(ProtocolVersion::V5, topic)));
        QVERIFY(c.disconnect(quint8(ReasonCode::DisconnectWithWillMessage)));
        auto msg = sub.receivePublish();
        QVERIFY(msg);
        QCOMPARE(msg->payload, QByteArray("gone"));
    }

    // A keep alive timeout is an abnormal close: the will is published.
    void will_sentOnKeepAliveTimeout_data() { addVersionRows(); }
    void will_sentOnKeepAliveTimeout()
    {
        PETREL_SKIP_ON_EXTERNAL(
            "checks keep alive on a coarse timer (keep alive 1 s: closed after 1.1 to 6 s)");
        const auto v = fetchVersion();
        const QByteArray topic = uniqueTopic();
        TestClient sub("sub"), c("c");
        QVERIFY(watch(sub, v, topic));
        Connect conn = willConnect(v, topic);
        conn.keepAlive = 1;
        QVERIFY(c.open(port(), conn));
        auto msg = sub.receivePublish(4000);
        QVERIFY(msg);
        QCOMPARE(msg->payload, QByteArray("gone"));
    }

    // A protocol violation closes the connection abnormally: the will is published
    // [MQTT-3.1.2-8] ("closes the Network Connection because of a protocol error").
    void will_sentOnProtocolError_data() { addVersionRows(); }
    void will_sentOnProtocolError()
    {
        PETREL_SKIP_ON_EXTERNAL("drops the will when it closes a connection for a second CONNECT");
        const auto v = fetchVersion();
        const QByteArray topic = uniqueTopic();
        TestClient sub("sub"), c("c");
        QVERIFY(watch(sub, v, topic));
        const Connect conn = willConnect(v, topic);
        QVERIFY(c.open(port(), conn));
        QVERIFY(c.send(conn)); // second CONNECT
        auto msg = sub.receivePublish();
        QVERIFY(msg);
        QCOMPARE(msg->payload, QByteArray("gone"));
    }

    // [MQTT-3.1.2-17] (3.1.1): will retain 1 -> published as a retained message.
    void will_retainStored_data() { addVersionRows(); }
    void will_retainStored()
    {
        const auto v = fetchVersion();
        const QByteArray topic = uniqueTopic();
        {
            TestClient c("c");
            QVERIFY(c.open(port(), willConnect(v, topic, 1, true)));
            c.close();
        }
        // A subscriber that arrives later gets it as retained (poll: the close is asynchronous;
        // a subscriber that subscribed before the will went out gets it live, with retain 0 as
        // it should, and the next one tries again).
        std::optional<Publish> msg;
        for (int attempt = 0; attempt < 20 && !msg; ++attempt) {
            TestClient sub("sub");
            QVERIFY(sub.open(port(), makeConnect(v, uniqueName("sub"))));
            QVERIFY(sub.subscribe(topic, 1));
            if (auto p = sub.poll(100);
                p && std::holds_alternative<Publish>(*p) && std::get<Publish>(*p).retain)
                msg = std::get<Publish>(*p);
        }
        QVERIFY2(msg, "no retained will");
        QCOMPARE(msg->payload, QByteArray("gone"));
        QCOMPARE(msg->retain, true);
    }

    // [MQTT-3.1.2-16] (3.1.1): will retain 0 -> not retained.
    void will_notRetainedWithoutFlag_data() { addVersionRows(); }
    void will_notRetainedWithoutFlag()
    {
        const auto v = fetchVersion();
        const QByteArray topic = uniqueTopic();
        TestClient watcher("watcher"), c("c");
        QVERIFY(watch(watcher, v, topic));
        QVERIFY(c.open(port(), willConnect(v, topic, 1, false)));
        c.close();
        QVERIFY(watcher.receivePublish()); // the will has been published
        TestClient sub("sub");
        QVERIFY(sub.open(port(), makeConnect(v, uniqueName("sub"))));
        QVERIFY(sub.subscribe(topic, 1));
        QVERIFY(sub.expectNoPacket(kQuietMs));
    }

    // The will's QoS is used (capped by the subscription).
    void will_qosUsed_data()
    {
        QTest::addColumn<int>("version");
        QTest::addColumn<int>("willQos");
        for (auto v : {ProtocolVersion::V311, ProtocolVersion::V5})
            for (int q = 0; q <= 2; ++q)
                QTest::addRow("%s QoS %d", versionTag(v), q) << int(v) << q;
    }
    void will_qosUsed()
    {
        const auto v = fetchVersion();
        QFETCH(int, willQos);
        const QByteArray topic = uniqueTopic();
        TestClient sub("sub"), c("c");
        QVERIFY(watch(sub, v, topic));
        QVERIFY(c.open(port(), willConnect(v, topic, quint8(willQos))));
        c.close();
        auto msg = sub.receivePublish();
        QVERIFY(msg);
        QCOMPARE(int(msg->qos), willQos);
        QVERIFY(sub.acknowledge(*msg));
    }

    // v5 will properties reach the subscriber (content type, user properties, ...).
    void will_v5PropertiesForwarded()
    {
        const QByteArray topic = uniqueTopic();
        TestClient sub("sub"), c("c");
        QVERIFY(watch(sub, ProtocolVersion::V5, topic));
        Connect conn = willConnect(ProtocolVersion::V5, topic, 1);
        Properties &wp = conn.will.properties;
        wp.contentType = "text/plain";
        wp.mark(PropertyId::ContentType);
        wp.responseTopic = topic + "/r";
        wp.mark(PropertyId::ResponseTopic);
        wp.correlationData = "corr";
        wp.mark(PropertyId::CorrelationData);
        wp.payloadFormatIndicator = 1;
        wp.mark(PropertyId::PayloadFormatIndicator);
        wp.userProperties = {{"k2", "v"}, {"k1", "v"}};
        QVERIFY(c.open(port(), conn));
        c.close();
        auto msg = sub.receivePublish();
        QVERIFY(msg);
        QCOMPARE(msg->properties, wp);
    }

    // [MQTT-3.1.3-9] (5): the will waits for the Will Delay Interval.
    void will_v5DelayInterval()
    {
        const QByteArray topic = uniqueTopic();
        TestClient sub("sub"), c("c");
        QVERIFY(watch(sub, ProtocolVersion::V5, topic));
        Connect conn = willConnect(ProtocolVersion::V5, topic);
        conn.will.properties.willDelayInterval = 2;
        conn.will.properties.mark(PropertyId::WillDelayInterval);
        conn.properties.sessionExpiryInterval = 60;
        conn.properties.mark(PropertyId::SessionExpiryInterval);
        QVERIFY(c.open(port(), conn));
        QElapsedTimer t;
        t.start();
        c.close();
        QVERIFY(sub.expectNoPacket(1200));
        auto msg = sub.receivePublish(4000);
        QVERIFY(msg);
        QCOMPARE(msg->payload, QByteArray("gone"));
        QVERIFY2(t.elapsed() >= 1800, qPrintable(QString::number(t.elapsed())));
    }

    // [MQTT-3.1.3-9] (5): reconnecting before the delay has passed cancels the will.
    void will_v5DelayCancelledByReconnect()
    {
        const QByteArray topic = uniqueTopic();
        TestClient sub("sub"), c("c");
        QVERIFY(watch(sub, ProtocolVersion::V5, topic));
        Connect conn = willConnect(ProtocolVersion::V5, topic);
        conn.cleanStart = false;
        conn.will.properties.willDelayInterval = 2;
        conn.will.properties.mark(PropertyId::WillDelayInterval);
        conn.properties.sessionExpiryInterval = 60;
        conn.properties.mark(PropertyId::SessionExpiryInterval);
        QVERIFY(c.open(port(), conn));
        c.close();
        QTest::qSleep(300);
        TestClient again("again");
        Connect reconnect = makeConnect(ProtocolVersion::V5, conn.clientId, false);
        reconnect.properties.sessionExpiryInterval = 60;
        reconnect.properties.mark(PropertyId::SessionExpiryInterval);
        QVERIFY(again.open(port(), reconnect));
        QVERIFY(sub.expectNoPacket(2500));
    }

    // MQTT 5 section 3.1.3.2.2: the will is sent when the session ends, if that comes before
    // the will delay.
    void will_v5SentAtSessionEndBeforeDelay()
    {
        const QByteArray topic = uniqueTopic();
        TestClient sub("sub"), c("c");
        QVERIFY(watch(sub, ProtocolVersion::V5, topic));
        Connect conn = willConnect(ProtocolVersion::V5, topic);
        conn.will.properties.willDelayInterval = 30;
        conn.will.properties.mark(PropertyId::WillDelayInterval);
        conn.properties.sessionExpiryInterval = 1;
        conn.properties.mark(PropertyId::SessionExpiryInterval);
        QVERIFY(c.open(port(), conn));
        c.close();
        auto msg = sub.receivePublish(4000);
        QVERIFY(msg);
        QCOMPARE(msg->payload, QByteArray("gone"));
    }

    // Session Expiry 0 with a will delay: the session ends at the close, so the will goes at once.
    void will_v5ZeroSessionExpirySendsAtOnce()
    {
        PETREL_SKIP_ON_EXTERNAL(
            "waits the Will Delay Interval even when Session Expiry 0 ends the session at the close");
        const QByteArray topic = uniqueTopic();
        TestClient sub("sub"), c("c");
        QVERIFY(watch(sub, ProtocolVersion::V5, topic));
        Connect conn = willConnect(ProtocolVersion::V5, topic);
        conn.will.properties.willDelayInterval = 30;
        conn.will.properties.mark(PropertyId::WillDelayInterval);
        QVERIFY(c.open(port(), conn));
        c.close();
        auto msg = sub.receivePublish(1500);
        QVERIFY(msg);
        QCOMPARE(msg->payload, QByteArray("gone"));
    }

    // Takeover by a connection with Clean Start 1 ends the old session: its will is sent
    // (MQTT 5 section 3.1.4; 3.1.1: the old connection is closed abnormally).
    void will_sentOnTakeover_data() { addVersionRows(); }
    void will_sentOnTakeover()
    {
        const auto v = fetchVersion();
        const QByteArray topic = uniqueTopic();
        TestClient sub("sub"), c("c"), fresh("new");
        QVERIFY(watch(sub, v, topic));
        const Connect conn = willConnect(v, topic);
        QVERIFY(c.open(port(), conn));
        QVERIFY(fresh.open(port(), makeConnect(v, conn.clientId, true)));
        auto msg = sub.receivePublish();
        QVERIFY(msg);
        QCOMPARE(msg->payload, QByteArray("gone"));
        QVERIFY(sub.expectNoPacket(kQuietMs));
    }
};

QTEST_GUILESS_MAIN(tst_BrokerWill)
#include "tst_broker_will.moc"
