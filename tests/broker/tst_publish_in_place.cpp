// The PUBLISH forwarded from the read buffer (Worker::publishInPlace), and the plain
// acknowledgement read there (Worker::ackInPlace): a broker with one
// worker, so that publisher and subscribers share it, and every topic published more than
// once, so that its route is cached: the conditions of that path. Run a second time as
// tst_publish_in_place_across_workers (PETREL_ACROSS_WORKERS=1): two workers, and no $SYS
// publishing, so that clients connected one after the other are on alternate workers and
// most tests have subscribers on the publisher's worker and on the other one; the copies for
// the other one travel as bytes and are written out there (Worker::deliverCopies), under the
// same rules. The first PUBLISH of a topic
// takes the general path, the following ones the in-place path where it applies; each test
// checks that subscribers get the same from both, message after message: byte for byte across
// protocol versions, and with every rule the in-place path applies itself (No Local, access
// control, counters, order, QoS 1/2 flows in both directions) or leaves to the general path
// (subscriber limits, full in-flight windows, subscription identifiers, topic aliases,
// properties, '$' topics, topic depth, duplicate QoS 2 packet ids).
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
    if (qEnvironmentVariableIntValue("PETREL_ACROSS_WORKERS") == 1) {
        o.workerThreads = 2;
        o.sysTopicResendInterval = 0; // the acceptor alone deals out the workers in turn
        o.rebalance.enabled = false;  // and the clients stay there
    }
    return o;
}

// The PUBLISH a subscriber of `version` should get, encoded by the codec's general encoder.
QByteArray expectedWire(const QByteArray &topic, const QByteArray &payload, ProtocolVersion version,
                        quint8 qos = 0, quint16 packetId = 0)
{
    QByteArray out;
    Publish p = makePublish(topic, payload, qos);
    p.packetId = packetId;
    encodePacket(Packet(p), version, out);
    return out;
}

// The packet id of a raw QoS 1/2 PUBLISH (after the fixed header and the topic).
quint16 rawPacketId(const QByteArray &raw)
{
    qsizetype at = 1;
    while (at < raw.size() && (quint8(raw[at]) & 0x80))
        ++at;
    ++at;
    const qsizetype topicLength = (quint8(raw[at]) << 8) | quint8(raw[at + 1]);
    at += 2 + topicLength;
    return quint16((quint8(raw[at]) << 8) | quint8(raw[at + 1]));
}

Connect keptSession(ProtocolVersion v, const QByteArray &id, bool cleanStart)
{
    Connect c = makeConnect(v, id, cleanStart);
    if (isV5(v)) {
        c.properties.sessionExpiryInterval = 300;
        c.properties.mark(PropertyId::SessionExpiryInterval);
    }
    return c;
}

Ack ackOf(PacketType type, quint16 id)
{
    Ack a;
    a.type = type;
    a.packetId = id;
    return a;
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

    // QoS 1 and 2 messages, every pair of versions: each subscriber's copy is the codec's
    // encoding at the QoS its subscription grants, with the packet id the broker chose; the
    // publisher's flow (PUBACK, or PUBREC/PUBREL/PUBCOMP) and the subscriber's complete for
    // every message, the first (general path) and those after it (in place).
    void qosVersions_data()
    {
        QTest::addColumn<int>("pub");
        QTest::addColumn<int>("sub");
        QTest::addColumn<int>("qos");
        const ProtocolVersion all[] = {ProtocolVersion::V31, ProtocolVersion::V311, ProtocolVersion::V5};
        for (int qos : {1, 2})
            for (ProtocolVersion p : all)
                for (ProtocolVersion s : all)
                    QTest::addRow("qos %d %s to %s", qos, versionTag(p), versionTag(s))
                        << int(p) << int(s) << qos;
    }
    void qosVersions()
    {
        QFETCH(int, pub);
        QFETCH(int, sub);
        QFETCH(int, qos);
        const auto pv = ProtocolVersion(pub), sv = ProtocolVersion(sub);
        TestClient s2("s2", sv), s1("s1", sv), s0("s0", sv), p("pub", pv);
        QVERIFY(s2.open(port(), makeConnect(sv, uniqueName("s2"))));
        QVERIFY(s1.open(port(), makeConnect(sv, uniqueName("s1"))));
        QVERIFY(s0.open(port(), makeConnect(sv, uniqueName("s0"))));
        QVERIFY(p.open(port(), makeConnect(pv, uniqueName("pub"))));
        const QByteArray topic = uniqueTopic("/q");
        QVERIFY(s2.subscribe(topic, 2));
        QVERIFY(s1.subscribe(topic, 1));
        QVERIFY(s0.subscribe(topic, 0));
        const qsizetype boundary = 127 - 4 - topic.size(); // QoS > 0: v3 remaining length 127, v5 128
        const QList<QByteArray> payloads{"first", QByteArray(boundary, 'b'), QByteArray(),
                                         QByteArray(300, 'x'), "last"};
        QHash<TestClient *, QSet<quint16>> ids; // given by the broker to each subscriber
        for (int round = 0; round < 2; ++round) {
            for (const QByteArray &payload : payloads) {
                Publish m = makePublish(topic, payload, quint8(qos));
                if (qos == 1) {
                    auto a = p.publishQos1(m);
                    QVERIFY2(a, qPrintable(p.lastError()));
                    QCOMPARE(a->reasonCode, 0);
                } else {
                    auto a = p.publishQos2(m);
                    QVERIFY2(a, qPrintable(p.lastError()));
                    QCOMPARE(a->pubrec.reasonCode, 0);
                    QCOMPARE(a->pubcomp.reasonCode, 0);
                }
                for (TestClient *c : {&s2, &s1, &s0}) {
                    const int granted = std::min(qos, c == &s2 ? 2 : c == &s1 ? 1 : 0);
                    auto raw = c->receiveRaw();
                    QVERIFY2(raw, qPrintable(c->lastError()));
                    const quint16 id = granted ? rawPacketId(*raw) : 0;
                    QCOMPARE(raw->toHex(' '),
                             expectedWire(topic, payload, sv, quint8(granted), id).toHex(' '));
                    if (granted) {
                        QVERIFY2(!ids[c].contains(id), "a packet id given again"); // (ids do not wrap here)
                        ids[c].insert(id);
                        const Ack a = ackOf(granted == 1 ? PacketType::Puback : PacketType::Pubrec, id);
                        QVERIFY(c->send(Packet(a)));
                        if (granted == 2) {
                            auto rel = c->receiveAck(PacketType::Pubrel);
                            QVERIFY2(rel, qPrintable(c->lastError()));
                            QCOMPARE(rel->packetId, id);
                            QVERIFY(c->send(Packet(ackOf(PacketType::Pubcomp, id))));
                        }
                    }
                }
            }
        }
        for (TestClient *c : {&s2, &s1, &s0})
            QVERIFY(c->expectNoPacket(c == &s2 ? kQuietMs : 0));
        QVERIFY(p.ping());
    }

    // A subscriber whose window is full (Receive Maximum 2, nothing acknowledged): the rest
    // waits in its queue, QoS 0 messages behind them too, and all come in publishing order
    // as it acknowledges. Then, with its queue empty again, copies go straight into flight.
    // A QoS 1 subscription with an identifier gets it on every copy.
    void qosWindowOrderAndIdentifiers()
    {
        const QByteArray topic = uniqueTopic("/window");
        TestClient sub("sub", ProtocolVersion::V5), ids("ids", ProtocolVersion::V5),
            pub("pub", ProtocolVersion::V311);
        Connect c = makeConnect(ProtocolVersion::V5, uniqueName("sub"));
        c.properties.receiveMaximum = 2;
        c.properties.mark(PropertyId::ReceiveMaximum);
        QVERIFY(sub.open(port(), c));
        QVERIFY(ids.open(port(), makeConnect(ProtocolVersion::V5, uniqueName("ids"))));
        QVERIFY(pub.open(port(), makeConnect(ProtocolVersion::V311, uniqueName("pub"))));
        QVERIFY(sub.subscribe(topic, 1));
        Subscribe s; // (on a topic of its own: its copies take the general path)
        s.topics << makeSubscription(topic + "/ids", 1);
        s.properties.subscriptionIdentifiers << 9;
        QVERIFY(ids.subscribe(s));
        const auto expectFrom = [&](TestClient &client, int i, bool acknowledge) {
            auto m = client.receivePublish();
            if (!m) {
                qWarning().noquote() << client.name() << client.lastError();
                return false;
            }
            const int q = i % 4 == 3 ? 0 : 1;
            if (m->payload != QByteArray::number(i) || m->qos != q) {
                qWarning().noquote() << client.name() << "message" << i << "is" << describe(*m);
                return false;
            }
            if (&client == &ids && (m->properties.subscriptionIdentifiers.size() != 1 ||
                                    m->properties.subscriptionIdentifiers[0] != 9u)) {
                qWarning().noquote() << "no subscription identifier on" << describe(*m);
                return false;
            }
            return !acknowledge || !q || client.acknowledge(*m);
        };
        for (int phase = 0; phase < 2; ++phase) {
            constexpr int kMessages = 12;
            for (int i = 0; i < kMessages; ++i) {
                Publish p = makePublish(topic, QByteArray::number(i), i % 4 == 3 ? 0 : 1);
                QVERIFY(pub.publish(p));
                p.topic += "/ids";
                p.packetId = 0;
                QVERIFY(pub.publish(p));
            }
            for (int i = 0; i < kMessages; ++i)
                QVERIFY(expectFrom(ids, i, true));
            if (phase == 0) {
                // Two QoS 1 in flight, unacknowledged, and nothing else until one is.
                std::optional<Publish> first = sub.receivePublish(), second = sub.receivePublish();
                QVERIFY(first && second);
                QCOMPARE(first->payload, "0");
                QCOMPARE(second->payload, "1");
                QVERIFY(sub.expectNoPacket(kQuietMs));
                QVERIFY(sub.acknowledge(*first));
                QVERIFY(sub.acknowledge(*second));
                for (int i = 2; i < kMessages; ++i)
                    QVERIFY(expectFrom(sub, i, true));
            } else {
                for (int i = 0; i < kMessages; ++i)
                    QVERIFY(expectFrom(sub, i, true));
            }
            for (int i = 0; i < 2 * kMessages; ++i)
                if (i / 2 % 4 != 3) QVERIFY(pub.receiveAck(PacketType::Puback));
        }
        QVERIFY(sub.expectNoPacket(kQuietMs));
        QVERIFY(ids.expectNoPacket(0));
    }

    // A QoS 2 PUBLISH sent again before its PUBREL (DUP set) is acknowledged again and not
    // delivered twice; after PUBCOMP the same id is a new message. A v5 publisher past the
    // server's Receive Maximum of unreleased QoS 2 messages is disconnected.
    void qos2DuplicatesAndReceiveMaximum()
    {
        Options o = oneWorker();
        o.capabilities.receiveMaximum = 3;
        m_fixture = std::make_unique<BrokerFixture>(o);
        PETREL_START(*m_fixture);
        const QByteArray topic = uniqueTopic("/dup");
        TestClient sub("sub", ProtocolVersion::V311), pub("pub", ProtocolVersion::V5);
        QVERIFY(sub.open(port(), makeConnect(ProtocolVersion::V311, uniqueName("sub"))));
        QVERIFY(pub.open(port(), makeConnect(ProtocolVersion::V5, uniqueName("pub"))));
        QVERIFY(sub.subscribe(topic, 0));
        QVERIFY(pub.publishQos2(makePublish(topic, "route", 2))); // the route is cached now
        QVERIFY(sub.receivePublish());
        for (int round = 0; round < 2; ++round) {
            Publish p = makePublish(topic, "once" + QByteArray::number(round), 2);
            p.packetId = 77;
            QVERIFY(pub.publish(p));
            auto rec = pub.receiveAck(PacketType::Pubrec);
            QVERIFY2(rec && rec->packetId == 77 && rec->reasonCode == 0, qPrintable(pub.lastError()));
            p.dup = true;
            QVERIFY(pub.publish(p));
            rec = pub.receiveAck(PacketType::Pubrec);
            QVERIFY2(rec && rec->packetId == 77, qPrintable(pub.lastError()));
            QVERIFY(pub.send(Packet(ackOf(PacketType::Pubrel, 77))));
            auto comp = pub.receiveAck(PacketType::Pubcomp);
            QVERIFY2(comp && comp->reasonCode == 0, qPrintable(pub.lastError()));
            auto m = sub.receivePublish();
            QVERIFY2(m, qPrintable(sub.lastError()));
            QCOMPARE(m->payload, p.payload);
            QVERIFY(sub.expectNoPacket(kQuietMs));
        }
        for (quint16 id = 1; id <= 3; ++id) {
            Publish p = makePublish(topic, "held", 2);
            p.packetId = id;
            QVERIFY(pub.publish(p));
            QVERIFY(pub.receiveAck(PacketType::Pubrec));
        }
        Publish p = makePublish(topic, "one too many", 2);
        p.packetId = 4;
        QVERIFY(pub.publish(p));
        QVERIFY(pub.expectServerDisconnect(quint8(ReasonCode::ReceiveMaximumExceeded)));
        for (int i = 0; i < 3; ++i) {
            auto m = sub.receivePublish();
            QVERIFY2(m && m->payload == "held", qPrintable(sub.lastError()));
        }
        QVERIFY(sub.expectNoPacket(kQuietMs));
    }

    // QoS 1 copies in flight to a subscriber that goes away before acknowledging them: its
    // session keeps them, and they are sent again, with DUP and their packet ids, when it
    // comes back; acknowledged then, they are not sent a third time.
    void inflightSentAgainAfterReconnect_data() { addVersionRows(); }
    void inflightSentAgainAfterReconnect()
    {
        QFETCH(int, version);
        const auto v = ProtocolVersion(version);
        const QByteArray topic = uniqueTopic("/again"), id = uniqueName("sub");
        auto sub = std::make_unique<TestClient>("sub", v);
        TestClient pub("pub", ProtocolVersion::V311);
        QVERIFY(sub->open(port(), keptSession(v, id, false)));
        QVERIFY(pub.open(port(), makeConnect(ProtocolVersion::V311, uniqueName("pub"))));
        QVERIFY(sub->subscribe(topic, 2));
        QList<Publish> first;
        for (int i = 0; i < 4; ++i) {
            QVERIFY(pub.publishQos1(makePublish(topic, "m" + QByteArray::number(i), 1)));
            auto m = sub->receivePublish();
            QVERIFY2(m, qPrintable(sub->lastError()));
            QCOMPARE(m->qos, 1);
            QVERIFY(!m->dup);
            first << *m;
        }
        sub->close(); // nothing acknowledged
        QTRY_VERIFY_WITH_TIMEOUT(m_fixture->broker()->stats().clientsConnected == 1, kTimeoutMs);
        sub = std::make_unique<TestClient>("sub", v);
        auto connack = sub->open(port(), keptSession(v, id, false));
        QVERIFY(connack);
        QVERIFY(connack->sessionPresent);
        for (const Publish &before : std::as_const(first)) {
            auto m = sub->receivePublish();
            QVERIFY2(m, qPrintable(sub->lastError()));
            QVERIFY(m->dup);
            QCOMPARE(m->packetId, before.packetId);
            QCOMPARE(m->topic, topic);
            QCOMPARE(m->payload, before.payload);
            QCOMPARE(m->qos, 1);
            QVERIFY(sub->acknowledge(*m));
        }
        QVERIFY(sub->expectNoPacket(kQuietMs));
        QVERIFY(sub->disconnect());
        sub = std::make_unique<TestClient>("sub", v);
        QVERIFY(sub->open(port(), keptSession(v, id, false)));
        QVERIFY(sub->expectNoPacket(kQuietMs));
    }

    // A copy put in flight in place carries the message's expiry: under the server's maximum
    // message expiry (here 1 s; the default is a day) copies not acknowledged before they
    // expire are not sent again when the session comes back [MQTT-3.3.2-5].
    void inflightExpiresUnderTheServerMaximum()
    {
        Options o = oneWorker();
        o.capabilities.maximumMessageExpiryInterval = 1;
        m_fixture = std::make_unique<BrokerFixture>(o);
        PETREL_START(*m_fixture);
        const QByteArray topic = uniqueTopic("/expires"), id = uniqueName("sub");
        auto sub = std::make_unique<TestClient>("sub", ProtocolVersion::V311);
        TestClient pub("pub", ProtocolVersion::V311);
        QVERIFY(sub->open(port(), keptSession(ProtocolVersion::V311, id, false)));
        QVERIFY(pub.open(port(), makeConnect(ProtocolVersion::V311, uniqueName("pub"))));
        QVERIFY(sub->subscribe(topic, 1));
        for (int i = 0; i < 4; ++i) { // the first takes the general path: its route is new
            QVERIFY(pub.publishQos1(makePublish(topic, "m" + QByteArray::number(i), 1)));
            auto m = sub->receivePublish();
            QVERIFY2(m, qPrintable(sub->lastError()));
            QCOMPARE(m->payload, "m" + QByteArray::number(i));
        }
        sub->close(); // nothing acknowledged
        QTRY_VERIFY_WITH_TIMEOUT(m_fixture->broker()->stats().clientsConnected == 1, kTimeoutMs);
        QTest::qWait(2100);
        sub = std::make_unique<TestClient>("sub", ProtocolVersion::V311);
        auto connack = sub->open(port(), keptSession(ProtocolVersion::V311, id, false));
        QVERIFY(connack && connack->sessionPresent);
        QVERIFY(sub->expectNoPacket(kQuietMs));
        // A message published now is delivered.
        QVERIFY(pub.publishQos1(makePublish(topic, "fresh", 1)));
        auto m = sub->receivePublish();
        QVERIFY2(m, qPrintable(sub->lastError()));
        QCOMPARE(m->payload, QByteArray("fresh"));
    }

    // The broker's count of messages in flight (BrokerStats::inflight, $SYS) follows the
    // copies the in-place path puts into flight and the acknowledgements that end them: each
    // worker adds its change at the end of a pass. A QoS 1 copy ends with its PUBACK, a QoS 2
    // copy with its PUBCOMP (not its PUBREC), and the copies of a clean session that closes
    // leave the count with it.
    void inflightCountFollowsTheCopies()
    {
        const QByteArray topic = uniqueTopic("/count");
        TestClient pub("pub", ProtocolVersion::V311);
        TestClient sub("sub", ProtocolVersion::V311);
        QVERIFY(pub.open(port(), makeConnect(ProtocolVersion::V311, uniqueName("pub"))));
        QVERIFY(sub.open(port(), makeConnect(ProtocolVersion::V311, uniqueName("sub"))));
        QVERIFY(sub.subscribe(topic, 2));
        const qint64 before = m_fixture->broker()->stats().inflight;
        const auto inflight = [&] { return m_fixture->broker()->stats().inflight - before; };
        QList<Publish> got;
        for (int i = 0; i < 6; ++i) { // the first routes, the others may go in place
            const quint8 qos = i < 3 ? 1 : 2;
            Publish p = makePublish(topic, QByteArray::number(i), qos);
            QVERIFY(qos == 1 ? bool(pub.publishQos1(p)) : bool(pub.publishQos2(p)));
            auto m = sub.receivePublish();
            QVERIFY2(m && m->payload == QByteArray::number(i), qPrintable(sub.lastError()));
            QCOMPARE(m->qos, qos);
            got << *m;
        }
        QTRY_COMPARE_WITH_TIMEOUT(inflight(), qint64(6), kTimeoutMs);
        QVERIFY(sub.send(Packet(ackOf(PacketType::Puback, got[0].packetId))));
        QVERIFY(sub.send(Packet(ackOf(PacketType::Puback, got[1].packetId))));
        QTRY_COMPARE_WITH_TIMEOUT(inflight(), qint64(4), kTimeoutMs);
        QVERIFY(sub.send(Packet(ackOf(PacketType::Pubrec, got[3].packetId))));
        auto rel = sub.receiveAs<Ack>();
        QVERIFY2(rel && rel->type == PacketType::Pubrel && rel->packetId == got[3].packetId,
                 qPrintable(sub.lastError()));
        QVERIFY(sub.expectNoPacket(kQuietMs));
        QCOMPARE(inflight(), qint64(4)); // a PUBREC does not end the flow
        QVERIFY(sub.send(Packet(ackOf(PacketType::Pubcomp, got[3].packetId))));
        QTRY_COMPARE_WITH_TIMEOUT(inflight(), qint64(3), kTimeoutMs);
        sub.close(); // a clean session: its three copies in flight go with it
        QTRY_COMPARE_WITH_TIMEOUT(inflight(), qint64(0), kTimeoutMs);
    }

    // One message in flight to two subscribers at once, both QoS 1 copies made in place (the
    // last one takes the path's own reference to the message): each session sends its own
    // copy again, whole, after reconnecting.
    void inflightToTwoSubscribersSentAgain()
    {
        const QByteArray topic = uniqueTopic("/two");
        const QByteArray ids[2] = {uniqueName("subA"), uniqueName("subB")};
        TestClient pub("pub", ProtocolVersion::V311);
        QVERIFY(pub.open(port(), makeConnect(ProtocolVersion::V311, uniqueName("pub"))));
        std::unique_ptr<TestClient> subs[2];
        for (int k = 0; k < 2; ++k) {
            subs[k] = std::make_unique<TestClient>("sub", ProtocolVersion::V5);
            QVERIFY(subs[k]->open(port(), keptSession(ProtocolVersion::V5, ids[k], true)));
            QVERIFY(subs[k]->subscribe(topic, 1));
        }
        for (int i = 0; i < 3; ++i) { // the first routes, the others may go in place
            QVERIFY(pub.publishQos1(makePublish(topic, "two" + QByteArray::number(i), 1)));
            for (auto &sub : subs) {
                auto m = sub->receivePublish();
                QVERIFY2(m && m->payload == "two" + QByteArray::number(i), qPrintable(sub->lastError()));
            }
        }
        for (auto &sub : subs)
            sub->close(); // none acknowledged
        QTRY_VERIFY_WITH_TIMEOUT(m_fixture->broker()->stats().clientsConnected == 1, kTimeoutMs);
        for (int k = 0; k < 2; ++k) {
            subs[k] = std::make_unique<TestClient>("sub", ProtocolVersion::V5);
            QVERIFY(subs[k]->open(port(), keptSession(ProtocolVersion::V5, ids[k], false)));
            for (int i = 0; i < 3; ++i) {
                auto m = subs[k]->receivePublish();
                QVERIFY2(m, qPrintable(subs[k]->lastError()));
                QVERIFY(m->dup);
                QCOMPARE(m->topic, topic);
                QCOMPARE(m->payload, "two" + QByteArray::number(i));
                QVERIFY(subs[k]->acknowledge(*m));
            }
            QVERIFY(subs[k]->disconnect());
        }
    }

    // A session whose subscription has an identifier (made by a v5 connection), resumed by a
    // v3.1.1 connection: its QoS 1 copy goes out without the identifier, which v3.1.1 lacks,
    // but keeps it for a resend, which carries it when the session is resumed by v5 again.
    void identifierKeptForResendAcrossVersions()
    {
        const QByteArray topic = uniqueTopic("/keep"), id = uniqueName("sub");
        TestClient pub("pub", ProtocolVersion::V311);
        QVERIFY(pub.open(port(), makeConnect(ProtocolVersion::V311, uniqueName("pub"))));
        auto sub = std::make_unique<TestClient>("sub", ProtocolVersion::V5);
        QVERIFY(sub->open(port(), keptSession(ProtocolVersion::V5, id, true)));
        Subscribe s;
        s.topics << makeSubscription(topic, 1);
        s.properties.subscriptionIdentifiers << 5;
        QVERIFY(sub->subscribe(s));
        QVERIFY(sub->disconnect());
        sub = std::make_unique<TestClient>("sub", ProtocolVersion::V311);
        QVERIFY(sub->open(port(), keptSession(ProtocolVersion::V311, id, false)));
        for (int i = 0; i < 3; ++i) { // the first routes, the others may go in place
            QVERIFY(pub.publishQos1(makePublish(topic, QByteArray::number(i), 1)));
            auto m = sub->receivePublish();
            QVERIFY2(m && m->payload == QByteArray::number(i), qPrintable(sub->lastError()));
        }
        sub->close(); // none acknowledged
        QTRY_VERIFY_WITH_TIMEOUT(m_fixture->broker()->stats().clientsConnected == 1, kTimeoutMs);
        sub = std::make_unique<TestClient>("sub", ProtocolVersion::V5);
        QVERIFY(sub->open(port(), keptSession(ProtocolVersion::V5, id, false)));
        for (int i = 0; i < 3; ++i) {
            auto m = sub->receivePublish();
            QVERIFY2(m && m->payload == QByteArray::number(i), qPrintable(sub->lastError()));
            QVERIFY(m->dup);
            QCOMPARE(m->properties.subscriptionIdentifiers.size(), 1);
            QCOMPARE(m->properties.subscriptionIdentifiers[0], 5u);
            QVERIFY(sub->acknowledge(*m));
        }
    }

    // The plain acknowledgements read in place are checked as on the general path: a PUBACK
    // or PUBREC with an unknown id (PUBREC: answered with PUBREL "packet identifier not
    // found" in v5), a PUBREL with an unknown id (PUBCOMP, the same reason in v5), and packet
    // id 0, a malformed packet that ends the connection.
    void acknowledgements_data() { addVersionRows(); }
    void acknowledgements()
    {
        QFETCH(int, version);
        const auto v = ProtocolVersion(version);
        const quint8 notFound = isV5(v) ? quint8(ReasonCode::PacketIdentifierNotFound) : 0;
        TestClient c("c", v);
        QVERIFY(c.open(port(), makeConnect(v, uniqueName("c"))));
        QVERIFY(c.sendRaw(QByteArray("\x40\x02\x12\x34", 4))); // PUBACK, unknown: ignored
        QVERIFY(c.sendRaw(QByteArray("\x50\x02\x12\x35", 4))); // PUBREC, unknown
        auto rel = c.receiveAck(PacketType::Pubrel);
        QVERIFY2(rel, qPrintable(c.lastError()));
        QCOMPARE(rel->packetId, 0x1235);
        QCOMPARE(rel->reasonCode, notFound);
        QVERIFY(c.sendRaw(QByteArray("\x62\x02\x12\x36", 4))); // PUBREL, unknown
        auto comp = c.receiveAck(PacketType::Pubcomp);
        QVERIFY2(comp, qPrintable(c.lastError()));
        QCOMPARE(comp->packetId, 0x1236);
        QCOMPARE(comp->reasonCode, notFound);
        QVERIFY(c.ping());
        QVERIFY(c.sendRaw(QByteArray("\x40\x02\x00\x00", 4))); // packet id 0 [MQTT-2.2.1-3]
        QVERIFY(c.expectServerDisconnect(quint8(ReasonCode::MalformedPacket)));
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
            if (write) return !topic.endsWith("/ro") || client.clientId.startsWith("owner");
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

        // QoS 1 and 2: a refused write is acknowledged with Not Authorized (v5; v3 has no
        // reason codes) and reaches nobody; a refused QoS 2 flow ends at its PUBREC. Allowed
        // ones are delivered, with the same checks as QoS 0.
        // "owner" may write "/ro": its message caches the route, so that the refused ones
        // that follow are refused on the in-place path.
        TestClient pub5("pub5", ProtocolVersion::V5), owner("owner", ProtocolVersion::V311);
        QVERIFY(pub5.open(port, makeConnect(ProtocolVersion::V5, uniqueName("pub5"))));
        QVERIFY(owner.open(port, makeConnect(ProtocolVersion::V311, uniqueName("owner"))));
        QVERIFY(owner.publishQos1(makePublish(base + "/ro", "owner", 1)));
        for (TestClient *c : {&seer, &blind}) {
            auto m = c->receivePublish();
            QVERIFY2(m && m->payload == "owner", qPrintable(c->lastError()));
        }
        acl->takeCounts();
        for (int i = 0; i < 3; ++i) {
            const QByteArray n = QByteArray::number(i);
            auto a = pub.publishQos1(makePublish(base + "/ro", "q1" + n, 1));
            QVERIFY2(a && a->reasonCode == 0, qPrintable(pub.lastError()));
            a = pub5.publishQos1(makePublish(base + "/ro", "q1" + n, 1));
            QVERIFY2(a && a->reasonCode == quint8(ReasonCode::NotAuthorized), qPrintable(pub5.lastError()));
            Publish q2 = makePublish(base + "/ro", "q2" + n, 2);
            q2.packetId = pub5.nextPacketId();
            QVERIFY(pub5.publish(q2));
            auto rec = pub5.receiveAck(PacketType::Pubrec);
            QVERIFY2(rec && rec->reasonCode == quint8(ReasonCode::NotAuthorized),
                     qPrintable(pub5.lastError()));
            QVERIFY(pub5.send(Packet(ackOf(PacketType::Pubrel, q2.packetId))));
            auto comp = pub5.receiveAck(PacketType::Pubcomp);
            QVERIFY2(comp && comp->reasonCode == quint8(ReasonCode::PacketIdentifierNotFound),
                     qPrintable(pub5.lastError()));
            a = pub5.publishQos1(makePublish(base + "/open", "q1" + n, 1));
            QVERIFY2(a && a->reasonCode == 0, qPrintable(pub5.lastError()));
            for (TestClient *c : {&seer, &blind}) {
                auto m = c->receivePublish();
                QVERIFY2(m, qPrintable(c->lastError()));
                QCOMPARE(m->payload, "q1" + n);
                QCOMPARE(m->qos, 0);
            }
            QCOMPARE(acl->takeCounts(), (std::pair<int, int>{4, 2}));
        }
        QVERIFY(seer.expectNoPacket(kQuietMs));
        QVERIFY(blind.expectNoPacket(0));
        broker.stop();
    }
};

QTEST_GUILESS_MAIN(tst_PublishInPlace)
#include "tst_publish_in_place.moc"
