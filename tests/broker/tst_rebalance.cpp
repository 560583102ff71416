// Connection affinity (core/broker/rebalance.h, options.rebalance): the choice of moves on its
// own (planMoves, Rebalancer), and moves made by a real broker with two workers over real
// sockets. A moved client keeps its connection, its session, its messages in flight and
// queued, and every message reaches it once, in each publisher's order [MQTT-4.6.0-5].
#include "support/broker_fixture.h"
#include "support/test_client.h"

#include "broker/admin.h"
#include "broker/broker.h"
#include "broker/rebalance.h"
#include "packets/codec.h"

#include <QDeadlineTimer>
#include <QScopeGuard>
#include <QTest>

#include <chrono>
#include <condition_variable>
#include <mutex>

using namespace petrel;
using namespace petrel::packets;
using namespace petrel::test;

namespace {

SessionPtr session(const char *id)
{
    return std::make_shared<Session>(QByteArray(id));
}

const auto anyMayMove = [](const Session &) { return true; };

// Where each session ends up after `moves`, starting from `start`.
QHash<const Session *, int> placed(QHash<const Session *, int> start, const std::vector<SessionMove> &moves)
{
    for (const SessionMove &m : moves)
        start[m.session.get()] = m.to;
    return start;
}

Options twoWorkers(bool rebalance)
{
    Options o = BrokerFixture::defaultOptions();
    o.workerThreads = 2;
    o.sysTopicResendInterval = 0; // the acceptor alone deals out the workers in turn
    o.rebalance.enabled = rebalance;
    o.rebalance.intervalMs = 200;
    o.rebalance.minimumRate = 100;
    return o;
}

QByteArray payloadOf(int i)
{
    return QByteArray::number(i).leftJustified(64, '.');
}

int indexOf(const QByteArray &payload)
{
    return payload.left(payload.indexOf('.')).toInt();
}

// Holds up the worker that reads the next packet of client `clientId` once armed, until
// released (at most 10 s): a worker that is late to pass on its part of a fence.
class BlockingHook : public Hook {
public:
    explicit BlockingHook(QByteArray clientId) : m_clientId(std::move(clientId)) {}
    QString id() const override { return QStringLiteral("blocking"); }
    HookMask provides() const override { return hookBit(HookEvent::OnPacketRead); }
    Error onPacketRead(const ClientInfo &client, Packet &) override
    {
        if (client.clientId != m_clientId || !armed.exchange(false)) return {};
        std::unique_lock lock(m_lock);
        blocked = true;
        m_wake.wait_for(lock, std::chrono::seconds(10), [this] { return m_released; });
        return {};
    }
    void release()
    {
        {
            std::lock_guard lock(m_lock);
            m_released = true;
        }
        m_wake.notify_all();
    }
    bool isBlocked()
    {
        std::lock_guard lock(m_lock);
        return blocked;
    }
    std::atomic<bool> armed{false};

private:
    const QByteArray m_clientId;
    std::mutex m_lock;
    std::condition_variable m_wake;
    bool blocked = false;
    bool m_released = false;
};

} // namespace

class tst_Rebalance : public QObject {
    Q_OBJECT

    std::unique_ptr<BrokerFixture> m_fixture;
    quint16 port() const { return m_fixture->port(); }
    BrokerAdmin admin() const { return BrokerAdmin(*m_fixture->broker()); }

    bool start(bool rebalance)
    {
        m_fixture = std::make_unique<BrokerFixture>(twoWorkers(rebalance));
        QString error;
        if (!m_fixture->start(&error)) {
            qWarning("broker did not start: %s", qPrintable(error));
            return false;
        }
        return true;
    }

    int workerOf(const QByteArray &clientId) const
    {
        auto c = admin().client(clientId);
        return c && c->connected ? c->worker : -1;
    }

    // Waits until `clientId` lives on `worker`.
    bool waitForWorker(const QByteArray &clientId, int worker, int timeoutMs = 5000) const
    {
        for (QDeadlineTimer deadline(timeoutMs); !deadline.hasExpired(); QTest::qWait(10)) {
            if (workerOf(clientId) == worker) return true;
        }
        return false;
    }

    // One round of a stream from `pub` to `sub`: `n` messages numbered from *next, every
    // second one at QoS 1, written at once; `sub` must get them in order and acknowledges
    // them, `pub` gets its PUBACKs.
    static bool streamRound(TestClient &pub, TestClient &sub, const QByteArray &topic, int &next, int n,
                            QString &why)
    {
        QByteArray bytes;
        for (int i = 0; i < n; ++i) {
            Publish p = makePublish(topic, payloadOf(next + i), (next + i) % 2);
            if (p.qos) p.packetId = pub.nextPacketId();
            encodePacket(Packet(p), pub.version(), bytes);
        }
        if (!pub.sendRaw(bytes)) {
            why = pub.lastError();
            return false;
        }
        int acks = 0;
        for (int i = 0; i < n; ++i) {
            auto m = sub.receivePublish(10000);
            if (!m) {
                why = sub.lastError() + QStringLiteral(" after %1").arg(next + i - 1);
                return false;
            }
            if (indexOf(m->payload) != next + i) {
                why = QStringLiteral("message %1 where %2 was due").arg(indexOf(m->payload)).arg(next + i);
                return false;
            }
            if (m->qos && !sub.acknowledge(*m)) {
                why = sub.lastError();
                return false;
            }
            acks += (next + i) % 2;
        }
        for (int i = 0; i < acks; ++i) {
            if (!pub.receiveAck(PacketType::Puback, 10000)) {
                why = pub.lastError();
                return false;
            }
        }
        next += n;
        return true;
    }

private Q_SLOTS:
    void cleanup() { m_fixture.reset(); }

    // ---- the choice --------------------------------------------------------------------

    // Ten pairs, every publisher on worker 0 and every subscriber on worker 1 (clients dealt
    // out in turn, publisher first): each pair ends on one worker, five pairs on each.
    void crossingPairsEndTogetherAndEven()
    {
        std::vector<SessionPtr> keep;
        std::vector<FlowSample> flows;
        QHash<const Session *, int> start;
        for (int i = 0; i < 10; ++i) {
            SessionPtr p = session("p"), s = session("s");
            start[p.get()] = 0;
            start[s.get()] = 1;
            flows.push_back({p, s, 0, 1, 1000.0 + i, false});
            keep.push_back(p);
            keep.push_back(s);
        }
        const std::vector<SessionMove> moves = planMoves({10000, 10000}, flows, anyMayMove);
        QCOMPARE(int(moves.size()), 10);
        const auto at = placed(start, moves);
        int onZero = 0;
        for (const FlowSample &f : flows) {
            QCOMPARE(at[f.publisher.get()], at[f.subscriber.get()]);
            onZero += at[f.publisher.get()] == 0;
        }
        QCOMPARE(onZero, 5);
    }

    // Four publishers on worker 0 send to one subscriber on worker 1. The subscriber stays
    // (moving it would make its other publishers cross); publishers follow it only while the
    // loads stay within a quarter of the total: one of them.
    void busySubscriberStays()
    {
        SessionPtr sub = session("sub");
        std::vector<FlowSample> flows;
        for (int i = 0; i < 4; ++i)
            flows.push_back({session("p"), sub, 0, 1, 100, false});
        const std::vector<SessionMove> moves = planMoves({400, 400}, flows, anyMayMove);
        QCOMPARE(int(moves.size()), 1);
        QVERIFY(moves[0].session != sub);
        QCOMPARE(moves[0].to, 1);
    }

    // A move that leaves the workers more uneven than they are, than a quarter of the total
    // and than twice the flow is not made; of two moves, the one that evens them out more.
    void noMoveThatUnbalances()
    {
        const SessionPtr p = session("p"), s = session("s");
        // Worker 0 carries 700 messages per second, worker 1 300. Only the subscriber may
        // move, and that would leave them 600 apart.
        QVERIFY(planMoves({700, 300}, {{p, s, 0, 1, 100, true}}, anyMayMove).empty());
        // The publisher may move too: 200 apart.
        auto moves = planMoves({700, 300}, {{p, s, 0, 1, 100, false}}, anyMayMove);
        QCOMPARE(int(moves.size()), 1);
        QCOMPARE(moves[0].session, p);
        // Uneven the other way: the subscriber's move evens them out.
        moves = planMoves({100, 900}, {{p, s, 0, 1, 400, false}}, anyMayMove);
        QCOMPARE(int(moves.size()), 1);
        QCOMPARE(moves[0].session, s);
        // A lone pair, all the load there is: it comes together on one worker.
        QCOMPARE(int(planMoves({100, 100}, {{p, s, 0, 1, 100, false}}, anyMayMove).size()), 1);
    }

    // The end that cannot move (a TLS or WebSocket publisher, or one moved lately) stays and
    // the other one goes to it.
    void fixedEndStays()
    {
        SessionPtr p = session("p"), s = session("s");
        auto moves = planMoves({500, 500}, {{p, s, 0, 1, 100, true}}, anyMayMove);
        QCOMPARE(int(moves.size()), 1);
        QCOMPARE(moves[0].session, s);
        QCOMPARE(moves[0].to, 0);

        moves = planMoves({500, 500}, {{p, s, 0, 1, 100, false}},
                          [&](const Session &x) { return &x != p.get(); });
        QCOMPARE(int(moves.size()), 1);
        QCOMPARE(moves[0].session, s);

        QVERIFY(planMoves({500, 500}, {{p, s, 0, 1, 100, true}}, [&](const Session &x) {
                    return &x != s.get();
                }).empty());
    }

    // The Rebalancer decides once every worker has reported, moves a flow seen in two rounds
    // in a row, skips the round after moves, and leaves a moved session alone for its
    // cool-down.
    void rebalancerRounds()
    {
        Rebalancer r(2, 10000);
        SessionPtr p = session("p"), s = session("s");
        const auto round = [&](qint64 now) {
            r.report(0, 500, {{p, s, 0, 1, 100, false}});
            return r.decide(now); // worker 1 has not reported this round
        };
        QVERIFY(round(0).empty());
        r.report(1, 500, {});
        QVERIFY(r.decide(0).empty()); // seen once
        QVERIFY(round(1000).empty());
        r.report(1, 500, {});
        const std::vector<SessionMove> moves = r.decide(1000); // seen twice
        QCOMPARE(int(moves.size()), 1);
        QCOMPARE(moves[0].session, p);
        QCOMPARE(moves[0].to, 1);
        r.report(0, 500, {{p, s, 0, 1, 100, false}});
        r.report(1, 500, {});
        QVERIFY(r.decide(2000).empty()); // the round after moves
        r.report(0, 500, {{p, s, 0, 1, 100, false}});
        r.report(1, 500, {});
        // p is cooling down, so s goes to p.
        const std::vector<SessionMove> again = r.decide(3000);
        QCOMPARE(int(again.size()), 1);
        QCOMPARE(again[0].session, s);
        r.report(0, 500, {{p, s, 0, 1, 100, false}});
        r.report(1, 500, {});
        QVERIFY(r.decide(4000).empty()); // the round after moves
        r.report(0, 500, {{p, s, 0, 1, 100, false}});
        r.report(1, 500, {});
        QVERIFY(r.decide(5000).empty()); // both cooling down
        r.report(0, 500, {{p, s, 0, 1, 100, false}});
        r.report(1, 500, {});
        QCOMPARE(int(r.decide(1000 + 10000).size()), 1); // p's cool-down is over
    }

    // ---- a real broker ---------------------------------------------------------------------

    // A publisher and its subscriber dealt to different workers, with a steady stream between
    // them: one of them moves to the other's worker while messages flow, and the subscriber
    // gets every message once, in order.
    void crossingPairMovesTogether()
    {
        QVERIFY(start(true));
        const QByteArray pubId = uniqueName("pub"), subId = uniqueName("sub");
        TestClient pub("pub", ProtocolVersion::V311), sub("sub", ProtocolVersion::V5);
        QVERIFY(pub.open(port(), makeConnect(ProtocolVersion::V311, pubId)));
        QVERIFY(sub.open(port(), makeConnect(ProtocolVersion::V5, subId)));
        QVERIFY(workerOf(pubId) >= 0 && workerOf(subId) >= 0);
        QVERIFY(workerOf(pubId) != workerOf(subId));
        const QByteArray topic = uniqueTopic("/pair");
        QVERIFY(sub.subscribe(topic, 1));
        int next = 0;
        QString why;
        QDeadlineTimer deadline(15000);
        while (m_fixture->broker()->stats().connectionsMoved == 0 && !deadline.hasExpired())
            QVERIFY2(streamRound(pub, sub, topic, next, 50, why), qPrintable(why));
        QCOMPARE(m_fixture->broker()->stats().connectionsMoved, 1);
        for (int i = 0; i < 20; ++i) // and on, after the move
            QVERIFY2(streamRound(pub, sub, topic, next, 50, why), qPrintable(why));
        QVERIFY(sub.expectNoPacket(100));
        QCOMPARE(workerOf(pubId), workerOf(subId));
        QVERIFY(workerOf(pubId) >= 0);
    }

    // With options.rebalance.enabled false the same stream moves nobody.
    void disabledMovesNobody()
    {
        QVERIFY(start(false));
        const QByteArray pubId = uniqueName("pub"), subId = uniqueName("sub");
        TestClient pub("pub"), sub("sub");
        QVERIFY(pub.open(port(), makeConnect(ProtocolVersion::V311, pubId)));
        QVERIFY(sub.open(port(), makeConnect(ProtocolVersion::V311, subId)));
        const QByteArray topic = uniqueTopic("/pair");
        QVERIFY(sub.subscribe(topic, 1));
        int next = 0;
        QString why;
        // Ten measurement intervals of the other test's settings.
        for (QDeadlineTimer deadline(2000); !deadline.hasExpired();)
            QVERIFY2(streamRound(pub, sub, topic, next, 50, why), qPrintable(why));
        QCOMPARE(m_fixture->broker()->stats().connectionsMoved, 0);
        QVERIFY(workerOf(pubId) != workerOf(subId));
    }

    // A subscriber moved with 4 messages in flight (its Receive Maximum) and 36 queued, while
    // a third client publishes more from the new worker: after the move it acknowledges, and
    // gets all 60, each once, in order per publisher; nothing is sent twice.
    void movedWithInflightAndQueued()
    {
        QVERIFY(start(false)); // moves asked for by the test only
        const QByteArray subId = uniqueName("sub");
        TestClient sub("sub", ProtocolVersion::V5), pub("pub"), other("other");
        Connect c = makeConnect(ProtocolVersion::V5, subId);
        c.properties.receiveMaximum = 4;
        c.properties.mark(PropertyId::ReceiveMaximum);
        QVERIFY(sub.open(port(), c));
        QVERIFY(pub.open(port(), makeConnect(ProtocolVersion::V311, uniqueName("pub"))));
        QVERIFY(other.open(port(), makeConnect(ProtocolVersion::V311, uniqueName("other"))));
        const int from = workerOf(subId);
        QVERIFY(from >= 0);
        const QByteArray topic = uniqueTopic("/queued");
        QVERIFY(sub.subscribe(topic, 1));
        for (int i = 0; i < 40; ++i)
            QVERIFY(pub.publishQos1(makePublish(topic, "a" + payloadOf(i), 1)));
        QList<Publish> got;
        for (int i = 0; i < 4; ++i) {
            auto m = sub.receivePublish();
            QVERIFY2(m, qPrintable(sub.lastError()));
            got.append(*m);
        }
        QVERIFY(sub.expectNoPacket(100)); // the window is full

        QCOMPARE(admin().moveClient(subId, 1 - from), admin::Result::Done);
        QVERIFY(waitForWorker(subId, 1 - from));
        QCOMPARE(m_fixture->broker()->stats().connectionsMoved, 1);
        for (int i = 0; i < 20; ++i)
            QVERIFY(other.publishQos1(makePublish(topic, "b" + payloadOf(i), 1)));

        for (int i = 0; i < 60; ++i) {
            if (i >= 4) {
                auto m = sub.receivePublish();
                QVERIFY2(m, qPrintable(sub.lastError() + QStringLiteral(" after %1").arg(i)));
                got.append(*m);
            }
            QVERIFY(!got[i].dup);
            QVERIFY(sub.acknowledge(got[i]));
        }
        QVERIFY(sub.expectNoPacket(200));
        int nextA = 0, nextB = 0;
        for (const Publish &p : std::as_const(got)) {
            const int n = indexOf(p.payload.mid(1));
            if (p.payload.startsWith('a'))
                QCOMPARE(n, nextA++);
            else
                QCOMPARE(n, nextB++);
        }
        QCOMPARE(nextA, 40);
        QCOMPARE(nextB, 20);
    }

    // Both ends moved back and forth, sixty times, while the stream runs: every message
    // arrives once, in order, after each move.
    void movesBackAndForthUnderLoad()
    {
        QVERIFY(start(false));
        const QByteArray pubId = uniqueName("pub"), subId = uniqueName("sub");
        TestClient pub("pub", ProtocolVersion::V5), sub("sub", ProtocolVersion::V311);
        QVERIFY(pub.open(port(), makeConnect(ProtocolVersion::V5, pubId)));
        QVERIFY(sub.open(port(), makeConnect(ProtocolVersion::V311, subId, false)));
        const QByteArray topic = uniqueTopic("/swing");
        QVERIFY(sub.subscribe(topic, 1));
        int next = 0;
        QString why;
        for (int move = 0; move < 60; ++move) {
            const QByteArray &id = move % 2 ? pubId : subId;
            const int to = 1 - workerOf(id);
            // Asked while a round is on its way, so the move meets messages in flight.
            QByteArray bytes;
            for (int i = 0; i < 100; ++i) {
                Publish p = makePublish(topic, payloadOf(next + i), (next + i) % 2);
                if (p.qos) p.packetId = pub.nextPacketId();
                encodePacket(Packet(p), pub.version(), bytes);
            }
            QVERIFY(pub.sendRaw(bytes));
            QCOMPARE(admin().moveClient(id, to), admin::Result::Done);
            int acks = 0;
            for (int i = 0; i < 100; ++i) {
                auto m = sub.receivePublish(10000);
                QVERIFY2(m, qPrintable(sub.lastError()));
                QCOMPARE(indexOf(m->payload), next + i);
                if (m->qos) QVERIFY(sub.acknowledge(*m));
                acks += m->qos;
            }
            for (int i = 0; i < acks; ++i)
                QVERIFY2(pub.receiveAck(PacketType::Puback), qPrintable(pub.lastError()));
            next += 100;
            // (A move waits while the connection has output unwritten: asked again if so.)
            for (QDeadlineTimer deadline(5000); workerOf(id) != to && !deadline.hasExpired();) {
                QVERIFY2(streamRound(pub, sub, topic, next, 10, why), qPrintable(why));
                if (workerOf(id) != to) QCOMPARE(admin().moveClient(id, to), admin::Result::Done);
            }
            QCOMPARE(workerOf(id), to);
        }
        QVERIFY(m_fixture->broker()->stats().connectionsMoved >= 60);
        QVERIFY2(streamRound(pub, sub, topic, next, 100, why), qPrintable(why));
        QVERIFY(sub.expectNoPacket(100));
    }

    // A moved persistent session taken over by a new connection: the old one is closed, the
    // new one resumes it (session present) with what was queued.
    void takeoverAfterMove()
    {
        QVERIFY(start(false));
        const QByteArray subId = uniqueName("sub");
        TestClient sub("sub"), pub("pub"), fresh("fresh");
        QVERIFY(sub.open(port(), makeConnect(ProtocolVersion::V311, subId, false)));
        QVERIFY(pub.open(port(), makeConnect(ProtocolVersion::V311, uniqueName("pub"))));
        const QByteArray topic = uniqueTopic("/resume");
        QVERIFY(sub.subscribe(topic, 1));
        const int from = workerOf(subId);
        QCOMPARE(admin().moveClient(subId, 1 - from), admin::Result::Done);
        QVERIFY(waitForWorker(subId, 1 - from));
        QVERIFY(pub.publishQos1(makePublish(topic, payloadOf(0), 1)));
        auto m = sub.receivePublish();
        QVERIFY2(m && indexOf(m->payload) == 0, qPrintable(sub.lastError()));
        // Not acknowledged: in flight when the new connection takes over.
        auto ack = fresh.open(port(), makeConnect(ProtocolVersion::V311, subId, false));
        QVERIFY2(ack && ack->sessionPresent, qPrintable(fresh.lastError()));
        QVERIFY(sub.waitDisconnected());
        m = fresh.receivePublish();
        QVERIFY2(m && indexOf(m->payload) == 0 && m->dup, qPrintable(fresh.lastError()));
        QVERIFY(fresh.acknowledge(*m));
        QVERIFY(pub.publishQos1(makePublish(topic, payloadOf(1), 1)));
        m = fresh.receivePublish();
        QVERIFY2(m && indexOf(m->payload) == 1, qPrintable(fresh.lastError()));
    }

    // A takeover asked for while a move's fence is still open waits for the fence: three
    // workers, the third held up (BlockingHook) so that its acknowledgement of the fence is
    // late. Meanwhile messages for the moved session are held back and the new connection
    // gets no CONNACK; once the third worker goes on, the new connection takes the session
    // over and gets every message once, in order.
    void takeoverWaitsForMoveFence()
    {
        Options o = twoWorkers(false);
        o.workerThreads = 3;
        Broker broker(o);
        const QByteArray id = uniqueName("moved"), blockerId = uniqueName("blocker");
        auto hook = std::make_shared<BlockingHook>(blockerId);
        QString error;
        QVERIFY2(broker.addHook(hook, {}, &error), qPrintable(error));
        QVERIFY2(broker.start(&error), qPrintable(error));
        const quint16 port = broker.listenTcp(QStringLiteral("t"), QHostAddress::LocalHost, 0, &error);
        QVERIFY2(port, qPrintable(error));
        // (The release also ends the hold if a check below fails.)
        const auto release = qScopeGuard([&] { hook->release(); });

        TestClient sub("sub"), pub("pub"), blocker("blocker"), fresh("fresh");
        QVERIFY(sub.open(port, makeConnect(ProtocolVersion::V311, id, false)));         // worker 0
        QVERIFY(pub.open(port, makeConnect(ProtocolVersion::V311, uniqueName("pub")))); // worker 1
        QVERIFY(blocker.open(port, makeConnect(ProtocolVersion::V311, blockerId)));     // worker 2
        const QByteArray topic = uniqueTopic("/fence");
        QVERIFY(sub.subscribe(topic, 1));
        QVERIFY(pub.publishQos1(makePublish(topic, payloadOf(0), 1)));
        auto first = sub.receivePublish();
        QVERIFY2(first && indexOf(first->payload) == 0, qPrintable(sub.lastError()));
        QVERIFY(sub.acknowledge(*first));

        hook->armed = true;
        QVERIFY(blocker.send(Packet(Pingreq{})));
        for (QDeadlineTimer deadline(3000); !hook->isBlocked() && !deadline.hasExpired();)
            QTest::qWait(5);
        QVERIFY(hook->isBlocked());

        QCOMPARE(BrokerAdmin(broker).moveClient(id, 1), admin::Result::Done);
        for (QDeadlineTimer deadline(3000); broker.stats().connectionsMoved == 0 && !deadline.hasExpired();)
            QTest::qWait(5);
        QCOMPARE(broker.stats().connectionsMoved, 1);
        // Published on the session's new worker while its fence waits for worker 2: held.
        for (int i = 1; i <= 20; ++i)
            QVERIFY(pub.publishQos1(makePublish(topic, payloadOf(i), 1)));
        QVERIFY(sub.expectNoPacket(200));
        // The same client id again (worker 0): its hand-over waits for the fence.
        QVERIFY(fresh.connectTcp(port));
        QVERIFY(fresh.send(Packet(makeConnect(ProtocolVersion::V311, id, false))));
        QVERIFY(fresh.expectNoPacket(300));

        hook->release();
        auto ack = fresh.receiveAs<Connack>(5000);
        QVERIFY2(ack && ack->reasonCode == 0 && ack->sessionPresent, qPrintable(fresh.lastError()));
        QVERIFY(sub.waitDisconnected());
        for (int i = 1; i <= 20; ++i) {
            auto m = fresh.receivePublish();
            QVERIFY2(m, qPrintable(fresh.lastError() + QStringLiteral(" after %1").arg(i - 1)));
            QCOMPARE(indexOf(m->payload), i);
            QVERIFY(fresh.acknowledge(*m));
        }
        QVERIFY(fresh.expectNoPacket(200));
        QVERIFY(blocker.ping());
    }

    // What moveClient refuses.
    void moveClientErrors()
    {
        QVERIFY(start(false));
        const QByteArray id = uniqueName("gone");
        {
            TestClient c("c");
            QVERIFY(c.open(port(), makeConnect(ProtocolVersion::V311, id, false)));
            QCOMPARE(admin().moveClient(id, 2), admin::Result::BadWorker);
            QCOMPARE(admin().moveClient(id, -1), admin::Result::BadWorker);
            QVERIFY(c.disconnect());
        }
        for (QDeadlineTimer deadline(3000);
             !deadline.hasExpired() && admin().client(id) && admin().client(id)->connected;)
            QTest::qWait(10);
        QCOMPARE(admin().moveClient(id, 0), admin::Result::NotConnected);
        QCOMPARE(admin().moveClient(uniqueName("nobody"), 0), admin::Result::NotFound);
        QCOMPARE(m_fixture->broker()->stats().connectionsMoved, 0);
    }
};

QTEST_GUILESS_MAIN(tst_Rebalance)
#include "tst_rebalance.moc"
