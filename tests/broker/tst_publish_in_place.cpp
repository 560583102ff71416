// The QoS 0 PUBLISH forwarded from the read buffer (Worker::publishInPlace): a broker with one
// worker, so that publisher and subscribers share it, and every topic published more than
// once, so that its route is cached: the conditions of that path. The first PUBLISH of a topic
// takes the general path, the following ones the in-place path where it applies; each test
// checks that subscribers get the same from both, message after message: byte for byte across
// protocol versions, and with every rule the in-place path applies itself (No Local, access
// control, counters, order) or leaves to the general path (subscriber limits, subscription
// identifiers, topic aliases, properties, '$' topics, topic depth).
#include "support/broker_fixture.h"
#include "support/test_client.h"

#include "broker/broker.h"
#include "hooks/hook.h"
#include "packets/codec.h"

#include <QMutex>
#include <QTest>

using namespace petrel;
using namespace petrel::packets;
using namespace petrel::test;

namespace {

Options oneWorker()
{
    Options o = BrokerFixture::defaultOptions();
    o.workerThreads = 1;
    return o;
}

// The PUBLISH a subscriber of `version` should get, encoded by the codec's general encoder.
QByteArray expectedWire(const QByteArray &topic, const QByteArray &payload, ProtocolVersion version)
{
    QByteArray out;
    encodePacket(Packet(makePublish(topic, payload)), version, out);
    return out;
}

// Lets every client in and answers access questions from `allow`; counts the questions.
class AclHook : public Hook {
public:
    std::function<bool(const ClientInfo &, const QByteArray &, bool)> allow;

    QString id() const override { return QStringLiteral("test-acl"); }
    HookMask provides() const override
    {
        return hookBit(HookEvent::OnConnectAuthenticate) | hookBit(HookEvent::OnACLCheck);
    }
    bool onConnectAuthenticate(const ClientInfo &, const Connect &) override { return true; }
    bool onACLCheck(const ClientInfo &client, const QByteArray &topic, bool write) override
    {
        {
            QMutexLocker lock(&m_mutex);
            ++(write ? m_writes : m_reads);
        }
        return allow(client, topic, write);
    }
    std::pair<int, int> takeCounts() // (writes, reads) since the last call
    {
        QMutexLocker lock(&m_mutex);
        const std::pair<int, int> r{m_writes, m_reads};
        m_writes = m_reads = 0;
        return r;
    }

private:
    QMutex m_mutex;
    int m_writes = 0;
    int m_reads = 0;
};

} // namespace

class tst_PublishInPlace : public QObject {
    Q_OBJECT

    std::unique_ptr<BrokerFixture> m_fixture;
    quint16 port() const { return m_fixture->port(); }

private Q_SLOTS:
    void init()
    {
        m_fixture = std::make_unique<BrokerFixture>(oneWorker());
        PETREL_REQUIRE_IN_PROCESS("its own broker with one worker");
        PETREL_START(*m_fixture);
    }
    void cleanup() { m_fixture.reset(); }

    // Every pair of protocol versions: the copy is the codec's encoding of the message for the
    // subscriber's version (a v5 subscriber's has an empty property length, a v3 one's none),
    // for payloads empty, small, large and at the size where the v5 copy needs a second
    // remaining-length byte and the v3 copy does not.
    void versions_data()
    {
        QTest::addColumn<int>("pub");
        QTest::addColumn<int>("sub");
        const ProtocolVersion all[] = {ProtocolVersion::V31, ProtocolVersion::V311, ProtocolVersion::V5};
        for (ProtocolVersion p : all)
            for (ProtocolVersion s : all)
                QTest::addRow("%s to %s", versionTag(p), versionTag(s)) << int(p) << int(s);
    }
    void versions()
    {
        QFETCH(int, pub);
        QFETCH(int, sub);
        const auto pv = ProtocolVersion(pub), sv = ProtocolVersion(sub);
        TestClient s("sub", sv), p("pub", pv);
        QVERIFY(s.open(port(), makeConnect(sv, uniqueName("sub"))));
        QVERIFY(p.open(port(), makeConnect(pv, uniqueName("pub"))));
        const QByteArray topic = uniqueTopic("/v");
        QVERIFY(s.subscribe(topic, 1));                    // granted 1: a QoS 0 message still arrives at 0
        const qsizetype boundary = 127 - 2 - topic.size(); // v3 remaining length 127, v5 128
        const QList<QByteArray> payloads{"first",
                                         QByteArray(boundary, 'b'),
                                         QByteArray(),
                                         QByteArray(300, 'x'),
                                         QByteArray(boundary - 1, 'c'),
                                         "last"};
        for (int round = 0; round < 2; ++round) {
            for (const QByteArray &payload : payloads) {
                QVERIFY(p.publish(makePublish(topic, payload)));
                auto raw = s.receiveRaw();
                QVERIFY2(raw, qPrintable(s.lastError()));
                QCOMPARE(raw->toHex(' '), expectedWire(topic, payload, sv).toHex(' '));
            }
        }
        QVERIFY(s.expectNoPacket(kQuietMs));
    }

    // A client subscribed to its own topic gets its own messages, unless its subscription
    // has No Local [MQTT-3.8.3-3]; with two matching subscriptions, one of them without No
    // Local, it gets one copy. Other subscribers get every message, in order.
    void ownMessagesAndNoLocal()
    {
        const QByteArray base = uniqueTopic();
        TestClient self("self", ProtocolVersion::V311), local("local", ProtocolVersion::V5),
            mixed("mixed", ProtocolVersion::V5), other("other", ProtocolVersion::V311);
        QVERIFY(self.open(port(), makeConnect(ProtocolVersion::V311, uniqueName("self"))));
        QVERIFY(local.open(port(), makeConnect(ProtocolVersion::V5, uniqueName("local"))));
        QVERIFY(mixed.open(port(), makeConnect(ProtocolVersion::V5, uniqueName("mixed"))));
        QVERIFY(other.open(port(), makeConnect(ProtocolVersion::V311, uniqueName("other"))));
        QVERIFY(self.subscribe(base + "/self", 0));
        Subscribe s;
        s.topics << makeSubscription(base + "/local", 0);
        s.topics.back().options.noLocal = true;
        QVERIFY(local.subscribe(s));
        s.topics = {makeSubscription(base + "/mixed", 0), makeSubscription(base + "/+", 0)};
        s.topics.front().options.noLocal = true;
        QVERIFY(mixed.subscribe(s));
        QVERIFY(other.subscribe(base + "/#", 0));
        for (int i = 0; i < 5; ++i) {
            const QByteArray n = QByteArray::number(i);
            // One publisher at a time: the order between different publishers is not fixed.
            const std::pair<TestClient *, QByteArray> publishers[] = {
                {&self, "/self"}, {&local, "/local"}, {&mixed, "/mixed"}};
            for (const auto &[publisher, leaf] : publishers) {
                const QByteArray payload = leaf + n;
                QVERIFY(publisher->publish(makePublish(base + leaf, payload)));
                if (publisher == &self) {
                    auto m = self.receivePublish();
                    QVERIFY2(m, qPrintable(self.lastError()));
                    QCOMPARE(m->payload, payload);
                }
                for (TestClient *c : {&mixed, &other}) { // mixed: its own through "/+"
                    auto m = c->receivePublish();
                    QVERIFY2(m, qPrintable(c->lastError()));
                    QCOMPARE(m->payload, payload);
                    QCOMPARE(m->qos, 0);
                    QCOMPARE(m->retain, false);
                }
            }
        }
        QVERIFY(local.expectNoPacket(kQuietMs));
        QVERIFY(self.expectNoPacket(0));
        QVERIFY(mixed.expectNoPacket(0));
        QVERIFY(other.expectNoPacket(0));
    }

    // What a v5 subscriber asked for still holds message after message: its Maximum Packet
    // Size (a larger message is not sent to it [MQTT-3.1.2-25]), its Topic Alias Maximum
    // (the alias is set once, then used alone), its subscription identifier; and a PUBLISH
    // with properties keeps them. Each on a topic of its own, beside a plain subscriber.
    void subscriberLimitsAndProperties()
    {
        const QByteArray base = uniqueTopic();
        TestClient small("small", ProtocolVersion::V5), alias("alias", ProtocolVersion::V5),
            ids("ids", ProtocolVersion::V5), plain("plain", ProtocolVersion::V5),
            pub("pub", ProtocolVersion::V5);
        Connect c = makeConnect(ProtocolVersion::V5, uniqueName("small"));
        c.properties.maximumPacketSize = 64;
        c.properties.mark(PropertyId::MaximumPacketSize);
        QVERIFY(small.open(port(), c));
        c = makeConnect(ProtocolVersion::V5, uniqueName("alias"));
        c.properties.topicAliasMaximum = 4;
        c.properties.mark(PropertyId::TopicAliasMaximum);
        QVERIFY(alias.open(port(), c));
        QVERIFY(ids.open(port(), makeConnect(ProtocolVersion::V5, uniqueName("ids"))));
        QVERIFY(plain.open(port(), makeConnect(ProtocolVersion::V5, uniqueName("plain"))));
        QVERIFY(pub.open(port(), makeConnect(ProtocolVersion::V5, uniqueName("pub"))));
        QVERIFY(small.subscribe(base + "/small", 0));
        QVERIFY(alias.subscribe(base + "/alias", 0));
        Subscribe s;
        s.topics << makeSubscription(base + "/ids", 0);
        s.properties.subscriptionIdentifiers << 7;
        QVERIFY(ids.subscribe(s));
        QVERIFY(plain.subscribe(base + "/#", 0));

        const QByteArray big(200, 'B');
        const auto receive = [](TestClient &client, const QByteArray &payload) -> std::optional<Publish> {
            auto m = client.receivePublish();
            if (!m) qWarning().noquote() << client.lastError();
            if (m && m->payload != payload) {
                qWarning().noquote() << client.name() << "got" << describe(*m) << "instead of" << payload;
                return std::nullopt;
            }
            return m;
        };
        for (int i = 0; i < 3; ++i) {
            const QByteArray n = QByteArray::number(i);
            for (const QByteArray &payload : {QByteArray("s" + n), big}) {
                QVERIFY(pub.publish(makePublish(base + "/small", payload)));
                QVERIFY(receive(plain, payload));
                if (payload != big) QVERIFY(receive(small, payload));
            }
            QVERIFY(pub.publish(makePublish(base + "/alias", "a" + n)));
            QVERIFY(receive(plain, "a" + n));
            auto m = receive(alias, "a" + n);
            QVERIFY(m);
            QVERIFY(m->properties.has(PropertyId::TopicAlias));
            QCOMPARE(m->properties.topicAlias, 1);
            QCOMPARE(m->topic, i == 0 ? base + "/alias" : QByteArray()); // the topic the first time only

            QVERIFY(pub.publish(makePublish(base + "/ids", "i" + n)));
            QVERIFY(receive(plain, "i" + n));
            m = receive(ids, "i" + n);
            QVERIFY(m);
            QCOMPARE(m->properties.subscriptionIdentifiers.size(), 1);
            QCOMPARE(m->properties.subscriptionIdentifiers[0], 7u);

            Publish withProps = makePublish(base + "/props", "p" + n);
            withProps.properties.userProperties = {{"k", n}};
            QVERIFY(pub.publish(withProps));
            m = receive(plain, "p" + n);
            QVERIFY(m);
            QCOMPARE(m->properties.userProperties, withProps.properties.userProperties);
        }
        QVERIFY(small.expectNoPacket(kQuietMs));
        QVERIFY(alias.expectNoPacket(0));
        QVERIFY(ids.expectNoPacket(0));
        QVERIFY(plain.expectNoPacket(0));
    }

    // QoS 0 and QoS 1 messages to the same subscriber keep their order, also where QoS 1
    // messages wait for the subscriber's window (Receive Maximum 1): a QoS 0 message does not
    // overtake them. The broker's counters count every QoS 0 message received and sent.
    void orderWithQos1AndCounters()
    {
        const QByteArray topic = uniqueTopic("/order");
        TestClient sub("sub", ProtocolVersion::V5), pub("pub", ProtocolVersion::V311);
        Connect c = makeConnect(ProtocolVersion::V5, uniqueName("sub"));
        c.properties.receiveMaximum = 1;
        c.properties.mark(PropertyId::ReceiveMaximum);
        QVERIFY(sub.open(port(), c));
        QVERIFY(pub.open(port(), makeConnect(ProtocolVersion::V311, uniqueName("pub"))));
        QVERIFY(sub.subscribe(topic, 1));
        const BrokerStats before = m_fixture->broker()->stats();
        constexpr int kMessages = 40;
        for (int i = 0; i < kMessages; ++i) {
            const quint8 qos = i % 5 == 4 ? 1 : 0;
            Publish p = makePublish(topic, QByteArray::number(i), qos);
            if (qos) p.packetId = pub.nextPacketId();
            QVERIFY(pub.publish(p));
        }
        for (int i = 0; i < kMessages; ++i) {
            auto m = sub.receivePublish();
            QVERIFY2(m, qPrintable(sub.lastError()));
            QCOMPARE(m->payload, QByteArray::number(i));
            QCOMPARE(int(m->qos), i % 5 == 4 ? 1 : 0);
            if (m->qos) QVERIFY(sub.acknowledge(*m));
        }
        for (int i = 0; i < kMessages / 5; ++i)
            QVERIFY(pub.receiveAck(PacketType::Puback));
        // The counters reach the broker-wide totals once per event-loop pass.
        QTRY_COMPARE_WITH_TIMEOUT(m_fixture->broker()->stats().messagesSent - before.messagesSent,
                                  qint64(kMessages), kTimeoutMs);
        QCOMPARE(m_fixture->broker()->stats().messagesReceived - before.messagesReceived, qint64(kMessages));
    }

    // A subscriber that stops reading: past the bytes-pending limit its QoS 0 copies are
    // dropped and counted, and what it reads afterwards is in order and whole.
    void slowSubscriberDropsQos0()
    {
        Options o = oneWorker();
        o.capabilities.maximumClientBytesPending = 64 * 1024;
        m_fixture = std::make_unique<BrokerFixture>(o);
        PETREL_START(*m_fixture);
        const QByteArray topic = uniqueTopic("/slow");
        TestClient sub("sub", ProtocolVersion::V311), pub("pub", ProtocolVersion::V311);
        QVERIFY(sub.open(port(), makeConnect(ProtocolVersion::V311, uniqueName("sub"))));
        QVERIFY(pub.open(port(), makeConnect(ProtocolVersion::V311, uniqueName("pub"))));
        QVERIFY(sub.subscribe(topic, 0));
        constexpr int kMessages = 1000; // 32 MB: more than the kernel's socket buffers hold
        const auto payloadOf = [](int i) { return QByteArray::number(i).leftJustified(32 * 1024, '.'); };
        for (int i = 0; i < kMessages; ++i)
            QVERIFY(pub.publish(makePublish(topic, payloadOf(i))));
        QVERIFY(pub.ping(10000)); // the publisher is still served
        QTRY_VERIFY_WITH_TIMEOUT(m_fixture->broker()->stats().messagesDropped > 0, 10000);
        int last = -1, received = 0;
        while (auto m = sub.receivePublish(500)) {
            const int i = m->payload.left(m->payload.indexOf('.')).toInt();
            QVERIFY2(i > last, qPrintable(QStringLiteral("%1 after %2").arg(i).arg(last)));
            QCOMPARE(m->payload, payloadOf(i));
            last = i;
            ++received;
        }
        QVERIFY(received > 0);
        QCOMPARE(qint64(received), kMessages - m_fixture->broker()->stats().messagesDropped);
    }

    // A subscriber that stops reading and then resets its connection while large messages
    // are being written to it, with a will on a topic others read. Whether the broker learns
    // of the reset from a read or from a failing write depends on timing; a write past the
    // early-flush size happens after the delivery, not inside it (the failing write closes
    // the connection, and the will it publishes must not run inside that delivery: run under
    // the sanitizers). The other subscriber gets every message and the will, once; the
    // publisher is served throughout.
    void brokenSubscriberDuringLargeDelivery()
    {
        const QByteArray base = uniqueTopic();
        TestClient broken("broken", ProtocolVersion::V311), reader("reader", ProtocolVersion::V311),
            pub("pub", ProtocolVersion::V311);
        Connect c = makeConnect(ProtocolVersion::V311, uniqueName("broken"));
        c.hasWill = true;
        c.will.topic = base + "/will";
        c.will.payload = "gone";
        QVERIFY(broken.open(port(), c));
        QVERIFY(reader.open(port(), makeConnect(ProtocolVersion::V311, uniqueName("reader"))));
        QVERIFY(pub.open(port(), makeConnect(ProtocolVersion::V311, uniqueName("pub"))));
        QVERIFY(broken.subscribe(base + "/data", 0));
        QVERIFY(reader.subscribe(base + "/#", 0));
        const auto payloadOf = [](int i) { return QByteArray::number(i).leftJustified(64 * 1024, '.'); };
        constexpr int kMessages = 160; // 10 MB
        int next = 0, wills = 0;
        const auto publishAndRead = [&](int count) {
            for (int k = 0; k < count; ++k, ++next) {
                if (!pub.publish(makePublish(base + "/data", payloadOf(next)))) return false;
                auto m = reader.receivePublish();
                if (m && m->topic == base + "/will") { // whenever the broker notices the reset
                    ++wills;
                    m = reader.receivePublish();
                }
                if (!m || m->payload != payloadOf(next)) {
                    qWarning() << "message" << next
                               << (m ? m->payload.left(16) : reader.lastError().toUtf8());
                    return false;
                }
            }
            return true;
        };
        QVERIFY(publishAndRead(kMessages / 2)); // "broken" reads none: its output piles up
        QCOMPARE(wills, 0);
        broken.close(); // unread bytes in its socket: the kernel answers with a reset
        QVERIFY(publishAndRead(kMessages / 2));
        if (wills == 0) {
            auto will = reader.receivePublish();
            QVERIFY2(will, qPrintable(reader.lastError()));
            QCOMPARE(will->topic, base + "/will");
            ++wills;
        }
        QCOMPARE(wills, 1);
        QVERIFY(pub.ping());
        QVERIFY(reader.expectNoPacket(kQuietMs));
    }

    // Topics the general path refuses stay refused when a client publishes them, even where
    // the server itself published to them first (which routed them, and cached the route):
    // deeper than the broker's maximum topic levels, and '$' topics. The connection stays up
    // (QoS 0 has no acknowledgement to carry a refusal).
    void refusedTopicsStayRefused()
    {
        Options o = oneWorker();
        o.capabilities.maximumTopicLevels = 3;
        o.inlineClient = true;
        m_fixture = std::make_unique<BrokerFixture>(o);
        PETREL_START(*m_fixture);
        TestClient sub("sub", ProtocolVersion::V5), pub("pub", ProtocolVersion::V5);
        QVERIFY(sub.open(port(), makeConnect(ProtocolVersion::V5, uniqueName("sub"))));
        QVERIFY(pub.open(port(), makeConnect(ProtocolVersion::V5, uniqueName("pub"))));
        QVERIFY(sub.subscribe("#", 0));
        QVERIFY(sub.subscribe("$app/#", 0));
        for (const QByteArray topic : {"$app/x", "a/b/c/d"}) {
            QVERIFY(m_fixture->broker()->publish(topic, "server"));
            auto m = sub.receivePublish();
            QVERIFY2(m, qPrintable(sub.lastError()));
            QCOMPARE(m->topic, topic);
        }
        for (int i = 0; i < 3; ++i) {
            QVERIFY(pub.publish(makePublish("a/b/c/d", "deep")));
            QVERIFY(pub.publish(makePublish("$app/x", "dollar")));
            QVERIFY(pub.publish(makePublish("a/b/c", "ok")));
            auto m = sub.receivePublish();
            QVERIFY2(m, qPrintable(sub.lastError()));
            QCOMPARE(m->topic, QByteArray("a/b/c"));
        }
        QVERIFY(sub.expectNoPacket(kQuietMs));
        QVERIFY(pub.ping());
    }

    // Access control on the in-place path: the write check once per PUBLISH, the read check
    // once per subscriber, exactly as on the general path (the first PUBLISH of each topic);
    // a refused write reaches nobody, a refused read skips that subscriber only.
    void accessControl()
    {
        m_fixture.reset();
        Options o = oneWorker();
        o.hooks.clear(); // only the test's hook answers
        Broker broker(o);
        auto acl = std::make_shared<AclHook>();
        acl->allow = [](const ClientInfo &client, const QByteArray &topic, bool write) {
            if (write) return !topic.endsWith("/ro");
            return !(client.clientId.startsWith("blind") && topic.endsWith("/secret"));
        };
        QString error;
        QVERIFY2(broker.addHook(acl, {}, &error), qPrintable(error));
        QVERIFY2(broker.start(&error), qPrintable(error));
        const quint16 port = broker.listenTcp(QStringLiteral("t"), QHostAddress::LocalHost, 0, &error);
        QVERIFY2(port, qPrintable(error));

        const QByteArray base = uniqueTopic();
        TestClient pub("pub", ProtocolVersion::V311), seer("seer", ProtocolVersion::V5),
            blind("blind", ProtocolVersion::V311);
        QVERIFY(pub.open(port, makeConnect(ProtocolVersion::V311, uniqueName("pub"))));
        QVERIFY(seer.open(port, makeConnect(ProtocolVersion::V5, uniqueName("seer"))));
        QVERIFY(blind.open(port, makeConnect(ProtocolVersion::V311, uniqueName("blind"))));
        QVERIFY(seer.subscribe(base + "/#", 0));
        QVERIFY(blind.subscribe(base + "/#", 0));
        acl->takeCounts();
        for (int i = 0; i < 4; ++i) {
            const QByteArray n = QByteArray::number(i);
            // The last one delivered ("open") comes after the others were processed.
            for (const char *leaf : {"/ro", "/secret", "/open"})
                QVERIFY(pub.publish(makePublish(base + leaf, leaf + n)));
            for (const char *leaf : {"/secret", "/open"}) {
                auto m = seer.receivePublish();
                QVERIFY2(m, qPrintable(seer.lastError()));
                QCOMPARE(m->payload, leaf + n);
            }
            auto m = blind.receivePublish();
            QVERIFY2(m, qPrintable(blind.lastError()));
            QCOMPARE(m->payload, "/open" + n);
            // Three write checks; reads: two for "secret" (one refused), two for "open".
            QCOMPARE(acl->takeCounts(), (std::pair<int, int>{3, 4}));
        }
        QVERIFY(seer.expectNoPacket(kQuietMs));
        QVERIFY(blind.expectNoPacket(0));
        broker.stop();
    }
};

QTEST_GUILESS_MAIN(tst_PublishInPlace)
#include "tst_publish_in_place.moc"
