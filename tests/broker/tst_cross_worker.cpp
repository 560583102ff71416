// Messages that cross from one worker to another. A plain PUBLISH forwarded in place to a
// subscriber on another worker travels as its bytes in a CopyStream (Worker::publishInPlace)
// and is written out by the subscriber's worker (Worker::deliverCopies): no copy becomes a
// Message, and a QoS 1/2 copy in flight keeps its bytes in a buffer made by the worker that
// keeps it and frees it. This test counts the heap blocks of a Message's size, on every thread: the
// process's operator new and delete are replaced below (not under ThreadSanitizer, whose
// runtime defines them: those two tests are skipped there). Two workers and no $SYS
// publishing, so that clients connected one after the other are on alternate workers.
#include "support/broker_fixture.h"
#include "support/test_client.h"

#include "broker/broker.h"
#include "packets/codec.h"
#include "session/session.h"

#include <QDeadlineTimer>
#include <QTest>

#include <atomic>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <new>
#include <thread>
#include <unordered_map>

namespace {
// While `g_watching`, blocks of `g_watchedSize` bytes are counted, with the thread that
// allocated each, and frees of them by another thread.
std::atomic<bool> g_watching{false};
std::atomic<std::size_t> g_watchedSize{0};
std::atomic<long> g_watchedAllocations{0};
std::atomic<long> g_freedElsewhere{0};
thread_local bool t_recordSize = false; // this thread's next allocation sets g_watchedSize
std::unordered_map<void *, std::thread::id> *g_owners = nullptr; // watched blocks not freed yet
} // namespace

#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define PETREL_TSAN_RUNTIME 1
#endif
#endif
#if defined(__SANITIZE_THREAD__)
#define PETREL_TSAN_RUNTIME 1
#endif

#ifdef PETREL_TSAN_RUNTIME
#define PETREL_NEEDS_ALLOCATION_COUNT() QSKIP("ThreadSanitizer's runtime owns operator new")
#else
#define PETREL_NEEDS_ALLOCATION_COUNT()
namespace {
std::mutex g_ownersLock;
std::atomic<long> g_owned{0};       // the number of blocks in g_owners
thread_local bool t_inHook = false; // the map's own allocations are not watched

void noteAllocation(void *p, std::size_t size)
{
    if (t_inHook) return;
    if (t_recordSize) {
        t_recordSize = false;
        g_watchedSize = size;
        return;
    }
    if (!g_watching.load(std::memory_order_relaxed) || size != g_watchedSize.load(std::memory_order_relaxed))
        return;
    g_watchedAllocations.fetch_add(1);
    t_inHook = true;
    {
        std::lock_guard lock(g_ownersLock);
        (*g_owners)[p] = std::this_thread::get_id();
        g_owned = long(g_owners->size());
    }
    t_inHook = false;
}

void noteFree(void *p)
{
    if (t_inHook || !p || g_owned.load(std::memory_order_relaxed) == 0) return;
    t_inHook = true;
    {
        std::lock_guard lock(g_ownersLock);
        auto it = g_owners->find(p);
        if (it != g_owners->end()) {
            if (it->second != std::this_thread::get_id()) g_freedElsewhere.fetch_add(1);
            g_owners->erase(it);
            g_owned = long(g_owners->size());
        }
    }
    t_inHook = false;
}
} // namespace

void *operator new(std::size_t size)
{
    void *p = std::malloc(size ? size : 1);
    if (!p) throw std::bad_alloc();
    noteAllocation(p, size);
    return p;
}
void operator delete(void *p) noexcept
{
    noteFree(p);
    std::free(p);
}
void operator delete(void *p, std::size_t) noexcept
{
    noteFree(p);
    std::free(p);
}
#endif

using namespace petrel;
using namespace petrel::packets;
using namespace petrel::test;

class tst_CrossWorker : public QObject {
    Q_OBJECT

    std::unique_ptr<BrokerFixture> m_fixture;
    quint16 port() const { return m_fixture->port(); }

    // The size of the block std::make_shared<Message>() allocates, as the broker makes them.
    static std::size_t messageBlockSize()
    {
        t_recordSize = true;
        auto m = std::make_shared<Message>();
        return g_watchedSize.load();
    }

    // Connects `sub` (on worker 0) and then `pub` (on worker 1, a v3.1.1 client), subscribes
    // `sub` to `topic` at `qos` and passes one message, so that the topic's route is cached.
    bool routedPair(TestClient &sub, ProtocolVersion subVersion, TestClient &pub, const QByteArray &topic,
                    quint8 qos)
    {
        if (!sub.open(port(), makeConnect(subVersion, uniqueName("sub"))) ||
            !pub.open(port(), makeConnect(ProtocolVersion::V311, uniqueName("pub"))) ||
            !sub.subscribe(topic, qos))
            return false;
        Publish p = makePublish(topic, "route", qos);
        if (qos ? !pub.publishQos1(p) : !pub.publish(p)) return false;
        auto first = sub.receivePublish();
        return first && first->payload == "route" && (!qos || sub.acknowledge(*first));
    }

    // For the takeover tests: the session `id` on worker 0, subscribed to `topic` at QoS 1; a
    // publisher on worker 1 whose route to it is cached; a filler on worker 0, so that the next
    // connection goes to worker 1. `burst` gets kBurst QoS 1 PUBLISH packets for `topic`, about
    // 2 MB, which the publisher's worker reads in many passes; message i carries burstPayload(i).
    static constexpr int kBurst = 4000;
    static QByteArray burstPayload(int i) { return QByteArray::number(i).leftJustified(500, '.'); }
    bool prepareTakeover(TestClient &old, TestClient &pub, TestClient &filler, const QByteArray &id,
                         const QByteArray &topic, QByteArray &burst)
    {
        if (!old.open(port(), makeConnect(ProtocolVersion::V311, id, false)) ||         // worker 0
            !pub.open(port(), makeConnect(ProtocolVersion::V311, uniqueName("pub"))) || // worker 1
            !old.subscribe(topic, 1) || !pub.publishQos1(makePublish(topic, "route", 1)))
            return false;
        auto first = old.receivePublish();
        if (!first || first->payload != "route" || !old.acknowledge(*first) ||
            !filler.open(port(), makeConnect(ProtocolVersion::V311, uniqueName("filler")))) // worker 0
            return false;
        for (int i = 0; i < kBurst; ++i) {
            Publish p = makePublish(topic, burstPayload(i), 1);
            p.packetId = pub.nextPacketId();
            encodePacket(Packet(p), ProtocolVersion::V311, burst);
        }
        return true;
    }
    // `c` gets every message of the burst once, in order, and acknowledges each.
    static bool receivesBurstInOrder(TestClient &c, QString &why)
    {
        for (int next = 0; next < kBurst; ++next) {
            auto m = c.receivePublish(10000);
            if (!m || !c.acknowledge(*m)) {
                why = c.lastError() + QStringLiteral(" after %1").arg(next - 1);
                return false;
            }
            const int got = m->payload.left(m->payload.indexOf('.')).toInt();
            if (got != next) {
                why = QStringLiteral("message %1 after %2").arg(got).arg(next - 1);
                return false;
            }
        }
        return c.expectNoPacket(0);
    }

    void watch()
    {
        g_watchedSize = messageBlockSize();
        g_watchedAllocations = 0;
        g_freedElsewhere = 0;
        g_watching = true;
    }

private Q_SLOTS:
    void initTestCase() { g_owners = new std::unordered_map<void *, std::thread::id>; }
    void init()
    {
        Options o = BrokerFixture::defaultOptions();
        o.workerThreads = 2;
        o.sysTopicResendInterval = 0; // the acceptor alone deals out the workers in turn
        o.rebalance.enabled = false;  // and the clients stay where they were dealt (tst_rebalance)
        m_fixture = std::make_unique<BrokerFixture>(o);
        PETREL_REQUIRE_IN_PROCESS("its own broker with two workers");
        PETREL_START(*m_fixture);
    }
    void cleanup()
    {
        g_watching = false;
        m_fixture.reset();
    }

    // QoS 0 from a publisher on one worker to a subscriber on the other: every message arrives,
    // in order, and none of them became a Message (the first, whose route is not cached yet,
    // takes the general path before the count starts). Before copies travelled as bytes, each
    // message made one on the publisher's worker and the subscriber's worker freed it.
    void qos0CopyMakesNoMessage()
    {
        PETREL_NEEDS_ALLOCATION_COUNT();
        TestClient sub("sub", ProtocolVersion::V311), pub("pub", ProtocolVersion::V311);
        const QByteArray topic = uniqueTopic("/q0");
        QVERIFY(routedPair(sub, ProtocolVersion::V311, pub, topic, 0));

        watch();
        constexpr int kMessages = 200;
        for (int i = 0; i < kMessages; ++i)
            QVERIFY(pub.publish(makePublish(topic, "m" + QByteArray::number(i))));
        for (int i = 0; i < kMessages; ++i) {
            auto m = sub.receivePublish();
            QVERIFY2(m, qPrintable(sub.lastError()));
            QCOMPARE(m->payload, "m" + QByteArray::number(i));
        }
        g_watching = false;
        QVERIFY2(g_watchedAllocations < kMessages / 10,
                 qPrintable(QStringLiteral("%1 Message blocks for %2 messages")
                                .arg(g_watchedAllocations.load())
                                .arg(kMessages)));
    }

    // QoS 1 across workers: a copy in flight keeps its topic and payload in a buffer made on
    // the subscriber's worker (Outgoing::setInPlace), and no Message is made for it on either
    // worker, since none is sent again. Each copy is delivered, acknowledged, and the
    // publisher's flow completes. (Before, each copy in flight made a Message on the
    // subscriber's worker and kept it until the PUBACK; before that, on the publisher's.)
    void qos1CopyInFlightMakesNoMessage()
    {
        PETREL_NEEDS_ALLOCATION_COUNT();
        TestClient sub("sub", ProtocolVersion::V5), pub("pub", ProtocolVersion::V311);
        const QByteArray topic = uniqueTopic("/q1");
        QVERIFY(routedPair(sub, ProtocolVersion::V5, pub, topic, 1));

        watch();
        constexpr int kMessages = 100;
        for (int i = 0; i < kMessages; ++i) {
            auto ack = pub.publishQos1(makePublish(topic, "m" + QByteArray::number(i), 1));
            QVERIFY2(ack && ack->reasonCode == 0, qPrintable(pub.lastError()));
            auto m = sub.receivePublish();
            QVERIFY2(m, qPrintable(sub.lastError()));
            QCOMPARE(m->payload, "m" + QByteArray::number(i));
            QCOMPARE(int(m->qos), 1);
            QVERIFY(sub.acknowledge(*m));
        }
        QVERIFY(sub.ping()); // every PUBACK processed: the last Message freed
        QVERIFY(pub.ping());
        g_watching = false;
        QVERIFY2(g_watchedAllocations < kMessages / 10,
                 qPrintable(QStringLiteral("%1 Message blocks for %2 messages")
                                .arg(g_watchedAllocations.load())
                                .arg(kMessages)));
        QCOMPARE(g_freedElsewhere.load(), 0L);
    }

    // A burst that the publisher's worker reads in many passes, so that it hands over several
    // batches of copies before the other worker takes them (they are appended to one another
    // in its inbox), at QoS 0 with a QoS 1 message in every ten, to two subscribers on the
    // other worker and one on the publisher's: each gets every message once, in order, and
    // the publisher every PUBACK.
    void largeBurstKeepsOrderAcrossHandovers()
    {
        TestClient far1("far1", ProtocolVersion::V311), near("near", ProtocolVersion::V5),
            far2("far2", ProtocolVersion::V5), pub("pub", ProtocolVersion::V311);
        QVERIFY(far1.open(port(), makeConnect(ProtocolVersion::V311, uniqueName("far1")))); // worker 0
        QVERIFY(near.open(port(), makeConnect(ProtocolVersion::V5, uniqueName("near"))));   // worker 1
        QVERIFY(far2.open(port(), makeConnect(ProtocolVersion::V5, uniqueName("far2"))));   // worker 0
        QVERIFY(pub.open(port(), makeConnect(ProtocolVersion::V311, uniqueName("pub"))));   // worker 1
        const QByteArray topic = uniqueTopic("/burst");
        for (TestClient *c : {&far1, &near, &far2})
            QVERIFY(c->subscribe(topic, 1));
        QVERIFY(pub.publish(makePublish(topic, "route")));
        for (TestClient *c : {&far1, &near, &far2}) {
            auto m = c->receivePublish();
            QVERIFY2(m && m->payload == "route", qPrintable(c->lastError()));
        }

        constexpr int kMessages = 3000; // about 1.5 MB
        const auto payloadOf = [](int i) { return QByteArray::number(i).leftJustified(500, '.'); };
        QByteArray burst; // written at once, so that the broker reads it in large pieces
        for (int i = 0; i < kMessages; ++i) {
            Publish p = makePublish(topic, payloadOf(i), i % 10 == 9 ? 1 : 0);
            if (p.qos) p.packetId = pub.nextPacketId();
            encodePacket(Packet(p), ProtocolVersion::V311, burst);
        }
        QVERIFY(pub.sendRaw(burst));
        for (TestClient *c : {&far1, &near, &far2}) {
            for (int i = 0; i < kMessages; ++i) {
                auto m = c->receivePublish(10000);
                QVERIFY2(m, qPrintable(c->lastError()));
                QCOMPARE(m->payload, payloadOf(i));
                QCOMPARE(int(m->qos), i % 10 == 9 ? 1 : 0);
                if (m->qos) QVERIFY(c->acknowledge(*m));
            }
            QVERIFY(c->expectNoPacket(0));
        }
        for (int i = 0; i < kMessages / 10; ++i)
            QVERIFY2(pub.receiveAck(PacketType::Puback), qPrintable(pub.lastError()));
    }

    // A persistent session taken over by a connection on the other worker while a burst of
    // QoS 1 messages for it is on its way: the publisher's worker reads the burst in many
    // passes and hands copies to the session's old worker; after the hand-over it delivers
    // the rest itself. The new connection gets every message once, in the publisher's order
    // (the copies in flight on the old connection first, sent again) [MQTT-4.6.0-5].
    void takeoverDuringBurstKeepsOrder()
    {
        const QByteArray id = uniqueName("moving");
        TestClient old("old", ProtocolVersion::V311), pub("pub", ProtocolVersion::V311),
            filler("filler", ProtocolVersion::V311), fresh("fresh", ProtocolVersion::V311);
        QByteArray burst;
        QVERIFY(prepareTakeover(old, pub, filler, id, uniqueTopic("/takeover"), burst));
        QVERIFY(pub.sendRaw(burst));
        // The same client id on worker 1, while worker 1 is still reading the burst.
        QVERIFY(fresh.open(port(), makeConnect(ProtocolVersion::V311, id, false)));
        QString why;
        QVERIFY2(receivesBurstInOrder(fresh, why), qPrintable(why));
    }

    // Two takeovers at once while the burst is on its way: CONNECTs for the session's client id
    // on both workers, sent back to back. The server takes them in either order; a hand-over
    // asked for while an earlier one's fence is not through waits for it. Both connections get
    // a CONNACK, one is closed, and the other gets every message once, in order.
    void doubleTakeoverDuringBurstKeepsOrder()
    {
        const QByteArray id = uniqueName("moving");
        TestClient old("old", ProtocolVersion::V311), pub("pub", ProtocolVersion::V311),
            filler("filler", ProtocolVersion::V311), a("a", ProtocolVersion::V311),
            b("b", ProtocolVersion::V311);
        QByteArray burst;
        QVERIFY(prepareTakeover(old, pub, filler, id, uniqueTopic("/takeover2"), burst));
        QVERIFY(pub.sendRaw(burst));
        QVERIFY(a.connectTcp(port())); // worker 1
        QVERIFY(b.connectTcp(port())); // worker 0
        QVERIFY(a.send(Packet(makeConnect(ProtocolVersion::V311, id, false))));
        QVERIFY(b.send(Packet(makeConnect(ProtocolVersion::V311, id, false))));
        for (TestClient *c : {&a, &b}) {
            auto ack = c->receiveAs<Connack>(10000);
            QVERIFY2(ack && ack->reasonCode == 0 && ack->sessionPresent, qPrintable(c->lastError()));
        }
        // The one taken over is closed (v3.1.1: no DISCONNECT); the other keeps the session.
        TestClient *winner = nullptr;
        for (QDeadlineTimer deadline(10000); !winner && !deadline.hasExpired();) {
            if (a.waitDisconnected(20))
                winner = &b;
            else if (b.waitDisconnected(20))
                winner = &a;
        }
        QVERIFY2(winner, "neither connection was taken over");
        QString why;
        QVERIFY2(receivesBurstInOrder(*winner, why), qPrintable(why));
    }
};

QTEST_GUILESS_MAIN(tst_CrossWorker)
#include "tst_cross_worker.moc"
