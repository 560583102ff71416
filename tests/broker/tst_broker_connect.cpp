// Broker integration: CONNECT / CONNACK, keep alive, PINGREQ.
#include "support/broker_fixture.h"
#include "support/test_client.h"

#include "packets/codec.h"

#include <QElapsedTimer>
#include <QTest>

using namespace petrel;
using namespace petrel::packets;
using namespace petrel::test;

class tst_BrokerConnect : public QObject {
    Q_OBJECT

    std::unique_ptr<BrokerFixture> m_fixture;
    quint16 port() const { return m_fixture->port(); }
    static ProtocolVersion fetchVersion()
    {
        QFETCH(int, version);
        return ProtocolVersion(version);
    }

private Q_SLOTS:
    void init()
    {
        m_fixture = std::make_unique<BrokerFixture>();
        PETREL_START(*m_fixture);
    }
    void cleanup() { m_fixture.reset(); }

    void connect_accepted_data()
    {
        addVersionRows({ProtocolVersion::V31, ProtocolVersion::V311, ProtocolVersion::V5});
    }
    void connect_accepted()
    {
        const auto v = fetchVersion();
        TestClient c("c");
        QVERIFY(c.connectTcp(port()));
        auto ack = c.connect(makeConnect(v, uniqueName("c")));
        QVERIFY(ack);
        QCOMPARE(ack->reasonCode, 0);
        QCOMPARE(ack->sessionPresent, false);
        QVERIFY(c.expectNoPacket(100));
        QVERIFY(c.isOpen());
    }

    // [MQTT-3.2.2-9] Maximum QoS absent means 2; absent Retain/Wildcard/SubId/Shared mean 1.
    void connack_v5DefaultProperties()
    {
        TestClient c("c");
        QVERIFY(c.connectTcp(port()));
        auto ack = c.connect(makeConnect(ProtocolVersion::V5, uniqueName("c")));
        QVERIFY(ack);
        QCOMPARE(ack->reasonCode, 0);
        const Properties &p = ack->properties;
        QVERIFY2(!p.has(PropertyId::MaximumQoS), describe(p).constData());
        QVERIFY(!p.has(PropertyId::RetainAvailable) || p.retainAvailable == 1);
        QVERIFY(!p.has(PropertyId::WildcardSubscriptionAvailable) || p.wildcardSubscriptionAvailable == 1);
        QVERIFY(!p.has(PropertyId::SubscriptionIdentifierAvailable) ||
                p.subscriptionIdentifierAvailable == 1);
        QVERIFY(!p.has(PropertyId::SharedSubscriptionAvailable) || p.sharedSubscriptionAvailable == 1);
        QVERIFY2(!p.has(PropertyId::AssignedClientIdentifier), "client id was given");
        if (BrokerFixture::isExternal()) return;
        const Capabilities caps = BrokerFixture::defaultOptions().capabilities;
        QVERIFY(p.has(PropertyId::TopicAliasMaximum));
        QCOMPARE(p.topicAliasMaximum, caps.topicAliasMaximum);
        QVERIFY(p.has(PropertyId::ReceiveMaximum));
        QCOMPARE(p.receiveMaximum, caps.receiveMaximum);
        QVERIFY2(!p.has(PropertyId::MaximumPacketSize), "no limit configured");
    }

    void connack_v5PropertiesFollowCapabilities_data()
    {
        QTest::addColumn<QString>("capability");
        QTest::addColumn<int>("value");
        QTest::newRow("maximum QoS 0") << "maximumQos" << 0;
        QTest::newRow("maximum QoS 1") << "maximumQos" << 1;
        QTest::newRow("retain unavailable") << "retainAvailable" << 0;
        QTest::newRow("wildcard subscriptions unavailable") << "wildcardSubAvailable" << 0;
        QTest::newRow("subscription identifiers unavailable") << "subIdAvailable" << 0;
        QTest::newRow("shared subscriptions unavailable") << "sharedSubAvailable" << 0;
        QTest::newRow("receive maximum 10") << "receiveMaximum" << 10;
        QTest::newRow("topic alias maximum 0") << "topicAliasMaximum" << 0;
        QTest::newRow("topic alias maximum 7") << "topicAliasMaximum" << 7;
        QTest::newRow("maximum packet size 4096") << "maximumPacketSize" << 4096;
    }
    void connack_v5PropertiesFollowCapabilities()
    {
        PETREL_REQUIRE_IN_PROCESS("sets Capabilities");
        QFETCH(QString, capability);
        QFETCH(int, value);
        Options o = BrokerFixture::defaultOptions();
        Capabilities &caps = o.capabilities;
        if (capability == QLatin1String("maximumQos")) caps.maximumQos = value;
        if (capability == QLatin1String("retainAvailable")) caps.retainAvailable = value;
        if (capability == QLatin1String("wildcardSubAvailable")) caps.wildcardSubAvailable = value;
        if (capability == QLatin1String("subIdAvailable")) caps.subIdAvailable = value;
        if (capability == QLatin1String("sharedSubAvailable")) caps.sharedSubAvailable = value;
        if (capability == QLatin1String("receiveMaximum")) caps.receiveMaximum = value;
        if (capability == QLatin1String("topicAliasMaximum")) caps.topicAliasMaximum = value;
        if (capability == QLatin1String("maximumPacketSize")) caps.maximumPacketSize = value;
        BrokerFixture f(o);
        PETREL_START(f);
        TestClient c("c");
        QVERIFY(c.connectTcp(f.port()));
        auto ack = c.connect(makeConnect(ProtocolVersion::V5, uniqueName("c")));
        QVERIFY(ack);
        QCOMPARE(ack->reasonCode, 0);
        const Properties &p = ack->properties;
        const QByteArray props = describe(p);
        auto check = [&](PropertyId id, int got) {
            QVERIFY2(p.has(id), props.constData());
            QCOMPARE(got, value);
        };
        if (capability == QLatin1String("maximumQos")) check(PropertyId::MaximumQoS, p.maximumQoS);
        if (capability == QLatin1String("retainAvailable"))
            check(PropertyId::RetainAvailable, p.retainAvailable);
        if (capability == QLatin1String("wildcardSubAvailable"))
            check(PropertyId::WildcardSubscriptionAvailable, p.wildcardSubscriptionAvailable);
        if (capability == QLatin1String("subIdAvailable"))
            check(PropertyId::SubscriptionIdentifierAvailable, p.subscriptionIdentifierAvailable);
        if (capability == QLatin1String("sharedSubAvailable"))
            check(PropertyId::SharedSubscriptionAvailable, p.sharedSubscriptionAvailable);
        if (capability == QLatin1String("receiveMaximum"))
            check(PropertyId::ReceiveMaximum, p.receiveMaximum);
        if (capability == QLatin1String("maximumPacketSize"))
            check(PropertyId::MaximumPacketSize, int(p.maximumPacketSize));
        if (capability == QLatin1String("topicAliasMaximum")) {
            // Absent means 0 [MQTT-3.2.2.3.8].
            if (value == 0)
                QCOMPARE(p.has(PropertyId::TopicAliasMaximum) ? int(p.topicAliasMaximum) : 0, 0);
            else
                check(PropertyId::TopicAliasMaximum, p.topicAliasMaximum);
        }
    }

    // [MQTT-3.1.3-7] / [MQTT-3.2.2-16]: an empty client id gets an Assigned Client Identifier.
    void connack_v5AssignedClientIdentifier()
    {
        TestClient c("c");
        QVERIFY(c.connectTcp(port()));
        auto ack = c.connect(makeConnect(ProtocolVersion::V5, QByteArray()));
        QVERIFY(ack);
        QCOMPARE(ack->reasonCode, 0);
        QVERIFY2(ack->properties.has(PropertyId::AssignedClientIdentifier), describe(*ack).constData());
        QVERIFY(!ack->properties.assignedClientIdentifier.isEmpty());
        QVERIFY(c.ping());
    }

    // [MQTT-3.1.3-8] 3.1.1: empty client id with CleanSession=0 -> return code 2, then close.
    void connect_v311EmptyClientIdPersistentRejected()
    {
        TestClient c("c");
        QVERIFY(c.connectTcp(port()));
        auto ack = c.connect(makeConnect(ProtocolVersion::V311, QByteArray(), false));
        QVERIFY(ack);
        QCOMPARE(ack->reasonCode, quint8(ConnackReturnV3::IdentifierRejected));
        QCOMPARE(ack->sessionPresent, false);
        QVERIFY(c.waitDisconnected());
    }

    // [MQTT-3.1.3-6] 3.1.1: empty client id with CleanSession=1 is accepted.
    void connect_v311EmptyClientIdCleanAccepted()
    {
        TestClient c("c");
        QVERIFY(c.connectTcp(port()));
        auto ack = c.connect(makeConnect(ProtocolVersion::V311, QByteArray(), true));
        QVERIFY(ack);
        QCOMPARE(ack->reasonCode, 0);
        QVERIFY(c.ping());
    }

    // MQTT 3.1 (section 3.1, Client Identifier): 1 to 23 characters; otherwise return code 2.
    void connect_v31EmptyClientIdRejected()
    {
        TestClient c("c");
        QVERIFY(c.connectTcp(port()));
        auto ack = c.connect(makeConnect(ProtocolVersion::V31, QByteArray(), true));
        QVERIFY(ack);
        QCOMPARE(ack->reasonCode, quint8(ConnackReturnV3::IdentifierRejected));
        QVERIFY(c.waitDisconnected());
    }

    // [MQTT-3.1.0-2] a second CONNECT is a Protocol Error: v5 DISCONNECT 0x82, then close.
    void connect_secondConnectIsProtocolError_data() { addVersionRows(); }
    void connect_secondConnectIsProtocolError()
    {
        const auto v = fetchVersion();
        if (isV5(v)) PETREL_SKIP_ON_EXTERNAL("closes on a second CONNECT without DISCONNECT 0x82");
        TestClient c("c");
        const Connect conn = makeConnect(v, uniqueName("c"));
        QVERIFY(c.open(port(), conn));
        QVERIFY(c.send(conn));
        QVERIFY(c.expectServerDisconnect(quint8(ReasonCode::ProtocolError)));
    }

    // [MQTT-3.1.0-1] the first packet must be CONNECT; otherwise the connection is closed.
    void connect_firstPacketNotConnectCloses_data()
    {
        QTest::addColumn<QByteArray>("bytes");
        QTest::newRow("PINGREQ") << QByteArray::fromHex("c000");
        QTest::newRow("PUBLISH QoS 0") << QByteArray::fromHex("3005000161 6869");
        QTest::newRow("SUBSCRIBE") << QByteArray::fromHex("8206 0001 0001 61 00");
        QTest::newRow("DISCONNECT") << QByteArray::fromHex("e000");
    }
    void connect_firstPacketNotConnectCloses()
    {
        QFETCH(QByteArray, bytes);
        TestClient c("c");
        QVERIFY(c.connectTcp(port()));
        QVERIFY(c.sendRaw(bytes));
        QVERIFY(c.expectServerDisconnect(std::nullopt));
    }

    // [MQTT-3.1.2-2] unsupported protocol level: CONNACK 0x84 (v5 layout), then close.
    void connect_unsupportedProtocolLevelRejected()
    {
        PETREL_SKIP_ON_EXTERNAL("answers an unknown protocol level with a 3.1.1 CONNACK (return code 1)");
        TestClient c("c", ProtocolVersion::V5);
        QVERIFY(c.connectTcp(port()));
        // CONNECT "MQTT" level 6, clean start, keep alive 60, client id "id".
        QVERIFY(c.sendRaw(QByteArray::fromHex("100e 0004 4d515454 06 02 003c 0002 6964")));
        auto ack = c.receiveAs<Connack>();
        QVERIFY(ack);
        QCOMPARE(ack->reasonCode, quint8(ReasonCode::UnsupportedProtocolVersion));
        QVERIFY(c.waitDisconnected());
    }

    // [MQTT-3.1.2-2] 3.1.1: a level the server will not accept -> return code 1, then close.
    void connect_belowMinimumProtocolVersionRejected()
    {
        PETREL_REQUIRE_IN_PROCESS("sets Capabilities::minimumProtocolVersion");
        Options o = BrokerFixture::defaultOptions();
        o.capabilities.minimumProtocolVersion = 5;
        BrokerFixture f(o);
        PETREL_START(f);
        TestClient c("c");
        QVERIFY(c.connectTcp(f.port()));
        auto ack = c.connect(makeConnect(ProtocolVersion::V311, uniqueName("c")));
        QVERIFY(ack);
        QCOMPARE(ack->reasonCode, quint8(ConnackReturnV3::UnacceptableProtocolVersion));
        QVERIFY(c.waitDisconnected());
    }

    // [MQTT-3.1.2-3] the reserved connect flag must be 0; otherwise the connection is closed
    // (v5 may first send CONNACK 0x81 Malformed Packet).
    void connect_reservedFlagCloses_data() { addVersionRows(); }
    void connect_reservedFlagCloses()
    {
        const auto v = fetchVersion();
        TestClient c("c", v);
        QVERIFY(c.connectTcp(port()));
        QByteArray bytes;
        encodeConnect(makeConnect(v, uniqueName("c")), bytes);
        bytes[2 + 6 + 1] = char(bytes[2 + 6 + 1] | 0x01); // fixed header 2, "MQTT" 6, level 1 -> flags
        QVERIFY(c.sendRaw(bytes));
        if (isV5(v)) {
            if (auto p = c.poll(2000)) {
                auto *ack = std::get_if<Connack>(&*p);
                QVERIFY2(ack, describe(*p).constData());
                QCOMPARE(ack->reasonCode, quint8(ReasonCode::MalformedPacket));
            }
        }
        QVERIFY(c.expectServerDisconnect(std::nullopt));
    }

    // [MQTT-3.1.2-14] (3.1.1), [MQTT-3.1.2-12] (5): will QoS 3 is malformed: the connection is closed (v5 may
    // send CONNACK 0x81).
    void connect_willQos3Closes_data() { addVersionRows(); }
    void connect_willQos3Closes()
    {
        const auto v = fetchVersion();
        TestClient c("c", v);
        QVERIFY(c.connectTcp(port()));
        Connect conn = makeConnect(v, uniqueName("c"));
        conn.hasWill = true;
        conn.will.qos = 1;
        conn.will.topic = "w";
        conn.will.payload = "x";
        QByteArray bytes;
        encodeConnect(conn, bytes);
        bytes[2 + 6 + 1] = char(bytes[2 + 6 + 1] | 0x18); // will QoS bits 3-4 = 3
        QVERIFY(c.sendRaw(bytes));
        if (isV5(v)) {
            if (auto p = c.poll(2000)) {
                auto *ack = std::get_if<Connack>(&*p);
                QVERIFY2(ack, describe(*p).constData());
                QCOMPARE(ack->reasonCode, quint8(ReasonCode::MalformedPacket));
            }
        }
        QVERIFY(c.expectServerDisconnect(std::nullopt));
    }

    // [MQTT-3.1.2-22] 3.1.1: password flag without user name flag -> close.
    void connect_v311PasswordWithoutUsernameCloses()
    {
        TestClient c("c");
        QVERIFY(c.connectTcp(port()));
        Connect conn = makeConnect(ProtocolVersion::V311, uniqueName("c"));
        conn.hasPassword = true;
        conn.password = "secret";
        QVERIFY(c.send(conn));
        QVERIFY(c.expectServerDisconnect(std::nullopt));
    }

    // MQTT 5 section 4.12: an unsupported authentication method -> CONNACK 0x8C (or 0x87), close.
    void connect_v5UnsupportedAuthenticationMethodRejected()
    {
        TestClient c("c");
        QVERIFY(c.connectTcp(port()));
        Connect conn = makeConnect(ProtocolVersion::V5, uniqueName("c"));
        conn.properties.authenticationMethod = "X-PETREL-UNKNOWN";
        conn.properties.mark(PropertyId::AuthenticationMethod);
        auto ack = c.connect(conn);
        QVERIFY(ack);
        QVERIFY2(ack->reasonCode == quint8(ReasonCode::BadAuthenticationMethod) ||
                     ack->reasonCode == quint8(ReasonCode::NotAuthorized),
                 describe(*ack).constData());
        QVERIFY(c.waitDisconnected());
    }

    // [MQTT-3.1.2-24] (3.1.1), [MQTT-3.1.2-22] (5): no packet within 1.5 x keep alive -> the
    // server closes (v5 may send DISCONNECT 0x8D first).
    void keepalive_enforcedAfterOneAndAHalfPeriods_data() { addVersionRows(); }
    void keepalive_enforcedAfterOneAndAHalfPeriods()
    {
        PETREL_SKIP_ON_EXTERNAL(
            "checks keep alive on a coarse timer (keep alive 1 s: closed after 1.1 to 6 s)");
        const auto v = fetchVersion();
        TestClient c("c");
        QVERIFY(c.open(port(), makeConnect(v, uniqueName("c"), true, 1)));
        QElapsedTimer t;
        t.start();
        QVERIFY(c.expectServerDisconnect(quint8(ReasonCode::KeepAliveTimeout), true, 4000));
        const qint64 ms = t.elapsed();
        QVERIFY2(ms >= 1400,
                 qPrintable(QStringLiteral("closed after %1 ms, before 1.5 x keep alive").arg(ms)));
        QVERIFY2(ms <= 2600, qPrintable(QStringLiteral("closed after %1 ms").arg(ms)));
    }

    // Traffic within the keep alive period keeps the connection open.
    void keepalive_pingreqKeepsConnectionOpen_data() { addVersionRows(); }
    void keepalive_pingreqKeepsConnectionOpen()
    {
        const auto v = fetchVersion();
        TestClient c("c");
        QVERIFY(c.open(port(), makeConnect(v, uniqueName("c"), true, 1)));
        for (int i = 0; i < 5; ++i) {
            QVERIFY(c.expectNoPacket(500));
            QVERIFY(c.ping());
        }
        QVERIFY(c.isOpen());
    }

    // [MQTT-3.12.4-1] PINGREQ -> PINGRESP.
    void ping_pingreqAnsweredWithPingresp_data()
    {
        addVersionRows({ProtocolVersion::V31, ProtocolVersion::V311, ProtocolVersion::V5});
    }
    void ping_pingreqAnsweredWithPingresp()
    {
        const auto v = fetchVersion();
        TestClient c("c");
        QVERIFY(c.open(port(), makeConnect(v, uniqueName("c"))));
        QVERIFY(c.send(Pingreq{}));
        auto p = c.receiveAs<Pingresp>();
        QVERIFY(p);
        QVERIFY(c.expectNoPacket(100));
    }

    // Petrel: Capabilities::maximumKeepalive is announced as Server Keep Alive [MQTT-3.2.2-21].
    void connack_v5ServerKeepAliveCapsKeepAlive()
    {
        PETREL_REQUIRE_IN_PROCESS("sets Capabilities::maximumKeepalive");
        Options o = BrokerFixture::defaultOptions();
        o.capabilities.maximumKeepalive = 10;
        BrokerFixture f(o);
        PETREL_START(f);
        TestClient c("c");
        QVERIFY(c.connectTcp(f.port()));
        auto ack = c.connect(makeConnect(ProtocolVersion::V5, uniqueName("c"), true, 60));
        QVERIFY(ack);
        QCOMPARE(ack->reasonCode, 0);
        QVERIFY2(ack->properties.has(PropertyId::ServerKeepAlive), describe(*ack).constData());
        QCOMPARE(ack->properties.serverKeepAlive, 10);
    }

    // A client that closes right after CONNECT does not upset the broker.
    void connect_clientVanishesAfterConnect()
    {
        for (int i = 0; i < 20; ++i) {
            TestClient c("c");
            QVERIFY(c.connectTcp(port()));
            QVERIFY(c.send(makeConnect(ProtocolVersion::V311, uniqueName("c"))));
            c.close();
        }
        TestClient ok("ok");
        QVERIFY(ok.open(port(), makeConnect(ProtocolVersion::V311, uniqueName("ok"))));
        QVERIFY(ok.ping());
    }
};

QTEST_GUILESS_MAIN(tst_BrokerConnect)
#include "tst_broker_connect.moc"
