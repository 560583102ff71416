// The persistence events (OnSessionUpdated, OnSessionEnded, OnMessageQueued,
// OnMessageInflight, OnMessageDone, OnInboundQos2) over real connections: each fires at the
// right moment with the right data, and only for sessions that outlive their connection.
#include "hooks/hook.h"
#include "support/broker_fixture.h"
#include "support/test_client.h"

#include <QDeadlineTimer>
#include <QMutex>
#include <QTest>

using namespace petrel;
using namespace petrel::packets;
using petrel::test::makeConnect;
using petrel::test::makePublish;
using petrel::test::TestClient;

namespace {

struct Event {
    HookEvent event = HookEvent::Count;
    QByteArray clientId;
    std::uint64_t sequence = 0;
    std::uint16_t packetId = 0;
    bool flag = false; // awaitingPubcomp / received
    StoredClient client;
    QueuedMessage message;
};

class PersistenceRecorder : public Hook {
public:
    QString id() const override { return QStringLiteral("persistence-recorder"); }
    HookMask provides() const override
    {
        return hookBit(HookEvent::OnSessionUpdated) | hookBit(HookEvent::OnSessionEnded) |
               hookBit(HookEvent::OnMessageQueued) | hookBit(HookEvent::OnMessageInflight) |
               hookBit(HookEvent::OnMessageDone) | hookBit(HookEvent::OnInboundQos2);
    }
    void onSessionUpdated(const StoredClient &s) override
    {
        Event e{HookEvent::OnSessionUpdated, s.clientId};
        e.client = s;
        add(e);
    }
    void onSessionEnded(const QByteArray &clientId) override { add({HookEvent::OnSessionEnded, clientId}); }
    void onMessageQueued(const QueuedMessage &m) override
    {
        Event e{HookEvent::OnMessageQueued, m.clientId, m.sequence};
        e.message = m;
        add(e);
    }
    void onMessageInflight(const QByteArray &clientId, std::uint64_t sequence, std::uint16_t packetId,
                           bool awaitingPubcomp) override
    {
        add({HookEvent::OnMessageInflight, clientId, sequence, packetId, awaitingPubcomp});
    }
    void onMessageDone(const QByteArray &clientId, std::uint64_t sequence) override
    {
        add({HookEvent::OnMessageDone, clientId, sequence});
    }
    void onInboundQos2(const QByteArray &clientId, std::uint16_t packetId, bool received) override
    {
        add({HookEvent::OnInboundQos2, clientId, 0, packetId, received});
    }

    QList<Event> of(HookEvent e, const QByteArray &clientId) const
    {
        QMutexLocker lock(&m_mutex);
        QList<Event> out;
        for (const Event &x : m_events)
            if (x.event == e && x.clientId == clientId) out.append(x);
        return out;
    }
    QList<Event> forClient(const QByteArray &clientId) const
    {
        QMutexLocker lock(&m_mutex);
        QList<Event> out;
        for (const Event &x : m_events)
            if (x.clientId == clientId) out.append(x);
        return out;
    }
    bool waitFor(HookEvent e, const QByteArray &clientId, qsizetype n = 1) const
    {
        QDeadlineTimer deadline(3000);
        while (of(e, clientId).size() < n) {
            if (deadline.hasExpired()) {
                qWarning() << "waited in vain for" << hookEventName(e) << clientId;
                return false;
            }
            QTest::qWait(10);
        }
        return true;
    }

private:
    void add(const Event &e)
    {
        QMutexLocker lock(&m_mutex);
        m_events.append(e);
    }
    mutable QMutex m_mutex;
    QList<Event> m_events;
};

Connect persistentConnect(const QByteArray &id, bool cleanStart)
{
    Connect c = makeConnect(ProtocolVersion::V5, id, cleanStart);
    c.properties.sessionExpiryInterval = 60;
    c.properties.mark(PropertyId::SessionExpiryInterval);
    return c;
}

Ack ack(PacketType type, std::uint16_t id)
{
    Ack a;
    a.type = type;
    a.packetId = id;
    return a;
}

} // namespace

class TestPersistenceEvents : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void events()
    {
        auto recorder = std::make_shared<PersistenceRecorder>();
        Broker broker(test::BrokerFixture::defaultOptions());
        QString error;
        QVERIFY2(broker.addHook(recorder, {}, &error), qPrintable(error));
        QVERIFY2(broker.start(&error), qPrintable(error));
        const quint16 port = broker.listenTcp(QStringLiteral("t"), QHostAddress::LocalHost, 0, &error);
        QVERIFY2(port, qPrintable(error));

        // Connected with a will: the session's state, as stored.
        TestClient ev("ev", ProtocolVersion::V5);
        Connect c = persistentConnect("ev", true);
        c.hasWill = true;
        c.will.topic = "ev/will";
        c.will.payload = "gone";
        c.will.qos = 1;
        c.will.properties.willDelayInterval = 30;
        c.will.properties.mark(PropertyId::WillDelayInterval);
        QVERIFY(ev.open(port, c));
        QVERIFY(recorder->waitFor(HookEvent::OnSessionUpdated, "ev"));
        StoredClient s = recorder->of(HookEvent::OnSessionUpdated, "ev").last().client;
        QCOMPARE(s.sessionExpiryInterval, 60u);
        QCOMPARE(s.disconnectedAtMs, 0);
        QVERIFY(s.hasWill);
        QCOMPARE(s.will.topic, QByteArray("ev/will"));
        QCOMPARE(s.will.properties.willDelayInterval, 30u);
        QCOMPARE(s.version, ProtocolVersion::V5);
        QVERIFY(ev.subscribe("ev/#", 2));
        // A normal DISCONNECT: offline, will discarded.
        QVERIFY(ev.disconnect());
        QVERIFY(recorder->waitFor(HookEvent::OnSessionUpdated, "ev", 2));
        s = recorder->of(HookEvent::OnSessionUpdated, "ev").last().client;
        QVERIFY(s.disconnectedAtMs > 0);
        QVERIFY(!s.hasWill);

        // A message for the offline session is queued, before the publisher's PUBACK.
        TestClient pub("pub", ProtocolVersion::V5);
        QVERIFY(pub.open(port, makeConnect(ProtocolVersion::V5, "pub")));
        QVERIFY(pub.publishQos1(makePublish("ev/1", "one", 1)));
        auto queued = recorder->of(HookEvent::OnMessageQueued, "ev");
        QCOMPARE(queued.size(), 1);
        const std::uint64_t seq1 = queued[0].sequence;
        QVERIFY(seq1 > 0);
        QCOMPARE(queued[0].message.qos, 1);
        QVERIFY(queued[0].message.message);
        QCOMPARE(queued[0].message.message->publish.topic, QByteArray("ev/1"));
        QCOMPARE(queued[0].message.message->publish.payload, QByteArray("one"));
        QVERIFY(queued[0].message.message->createdAtMs > 0);

        // Back online: sent (inflight with its packet id), acknowledged (done).
        QVERIFY(ev.open(port, persistentConnect("ev", false)));
        auto p = ev.receivePublish();
        QVERIFY(p);
        QVERIFY(recorder->waitFor(HookEvent::OnMessageInflight, "ev"));
        auto inflight = recorder->of(HookEvent::OnMessageInflight, "ev").last();
        QCOMPARE(inflight.sequence, seq1);
        QCOMPARE(inflight.packetId, p->packetId);
        QVERIFY(!inflight.flag);
        QVERIFY(ev.send(ack(PacketType::Puback, p->packetId)));
        QVERIFY(recorder->waitFor(HookEvent::OnMessageDone, "ev"));
        QCOMPARE(recorder->of(HookEvent::OnMessageDone, "ev").last().sequence, seq1);

        // QoS 2 out: queued, inflight, PUBREC (awaiting PUBCOMP), done at PUBCOMP.
        QVERIFY(pub.publishQos2(makePublish("ev/2", "two", 2)));
        p = ev.receivePublish();
        QVERIFY(p);
        QCOMPARE(p->qos, 2);
        const std::uint64_t seq2 = recorder->of(HookEvent::OnMessageQueued, "ev").last().sequence;
        QVERIFY(seq2 > seq1);
        QVERIFY(ev.send(ack(PacketType::Pubrec, p->packetId)));
        QVERIFY(ev.receiveAck(PacketType::Pubrel));
        QVERIFY(recorder->waitFor(HookEvent::OnMessageInflight, "ev", 3));
        inflight = recorder->of(HookEvent::OnMessageInflight, "ev").last();
        QCOMPARE(inflight.sequence, seq2);
        QVERIFY(inflight.flag);
        QVERIFY(ev.send(ack(PacketType::Pubcomp, p->packetId)));
        QVERIFY(recorder->waitFor(HookEvent::OnMessageDone, "ev", 2));
        QCOMPARE(recorder->of(HookEvent::OnMessageDone, "ev").last().sequence, seq2);

        // QoS 2 in: recorded at PUBREC, released at PUBREL.
        Publish in = makePublish("elsewhere", "x", 2);
        in.packetId = 77;
        QVERIFY(ev.send(in));
        QVERIFY(ev.receiveAck(PacketType::Pubrec));
        QVERIFY(recorder->waitFor(HookEvent::OnInboundQos2, "ev"));
        auto inbound = recorder->of(HookEvent::OnInboundQos2, "ev").last();
        QCOMPARE(inbound.packetId, 77);
        QVERIFY(inbound.flag);
        QVERIFY(ev.send(ack(PacketType::Pubrel, 77)));
        QVERIFY(ev.receiveAck(PacketType::Pubcomp));
        QVERIFY(recorder->waitFor(HookEvent::OnInboundQos2, "ev", 2));
        inbound = recorder->of(HookEvent::OnInboundQos2, "ev").last();
        QCOMPARE(inbound.packetId, 77);
        QVERIFY(!inbound.flag);

        // A clean start ends the stored session.
        ev.close();
        TestClient again("ev", ProtocolVersion::V5);
        QVERIFY(again.open(port, persistentConnect("ev", true)));
        QVERIFY(recorder->waitFor(HookEvent::OnSessionEnded, "ev"));

        // A session without expiry (ends with its connection) fires none of them.
        TestClient tmp("tmp", ProtocolVersion::V5);
        QVERIFY(tmp.open(port, makeConnect(ProtocolVersion::V5, "tmp")));
        QVERIFY(tmp.subscribe("tmp/#", 2));
        QVERIFY(pub.publishQos2(makePublish("tmp/1", "t", 2)));
        p = tmp.receivePublish();
        QVERIFY(p);
        QVERIFY(tmp.acknowledge(*p));
        Publish tin = makePublish("elsewhere", "x", 2);
        tin.packetId = 9;
        QVERIFY(tmp.send(tin));
        QVERIFY(tmp.receiveAck(PacketType::Pubrec));
        QVERIFY(tmp.disconnect());
        QTest::qWait(100);
        QVERIFY(recorder->forClient("tmp").isEmpty());
        QVERIFY(recorder->forClient("pub").isEmpty());
        again.close();
        pub.close();
    }
};

QTEST_GUILESS_MAIN(TestPersistenceEvents)
#include "tst_persistence_events.moc"
