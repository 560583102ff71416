// What an idle client costs in heap: a fresh Session and Connection allocate nothing beyond
// their own blocks (no queue storage, no will), and queues give their storage back once
// empty. bench/ measures the resulting RSS per idle connection against Mosquitto
// (docs/benchmarks.md); this test keeps the causes from coming back.
#include "broker/worker.h"
#include "session/lazydeque.h"
#include "session/packetidset.h"
#include "session/session.h"

#include <QTest>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <new>
#include <random>
#include <set>

namespace {
std::atomic<bool> g_counting{false};
std::atomic<long> g_allocations{0};
std::atomic<bool> g_poisoning{false}; // fill new blocks with kPoison
constexpr unsigned char kPoison = 0xA5;
} // namespace

void *operator new(std::size_t size)
{
    if (g_counting.load(std::memory_order_relaxed)) g_allocations.fetch_add(1, std::memory_order_relaxed);
    if (void *p = std::malloc(size ? size : 1)) {
        if (g_poisoning.load(std::memory_order_relaxed)) {
            std::memset(p, kPoison, size);
            asm volatile("" : : "r"(p) : "memory"); // the fill is not a dead store to the compiler
        }
        return p;
    }
    throw std::bad_alloc();
}
void operator delete(void *p) noexcept
{
    std::free(p);
}
void operator delete(void *p, std::size_t) noexcept
{
    std::free(p);
}

namespace {
// Heap allocations made by `fn` on this thread (the test is single-threaded while counting).
template <typename Fn>
long allocationsIn(Fn &&fn)
{
    g_allocations = 0;
    g_counting = true;
    fn();
    g_counting = false;
    return g_allocations.load();
}
} // namespace

using namespace petrel;

class TestSessionMemory : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void lazyDequeAllocatesOnFirstUse()
    {
        LazyDeque<int> q;
        QCOMPARE(allocationsIn([&] { LazyDeque<int> other; }), 0);
        QVERIFY(q.empty());
        QCOMPARE(q.size(), std::size_t(0));
        QVERIFY(q.begin() == q.end());
        QVERIFY(!q.allocated());

        QVERIFY(allocationsIn([&] { q.push_back(1); }) > 0);
        QVERIFY(q.allocated());
        q.emplace_back(2);
        q.push_back(3);
        QCOMPARE(q.size(), std::size_t(3));
        QCOMPARE(q.front(), 1);
        QCOMPARE(q.back(), 3);

        // erase in the middle, iterate in order
        auto it = q.begin();
        ++it;
        it = q.erase(it);
        QCOMPARE(*it, 3);
        QList<int> seen;
        for (int v : std::as_const(q))
            seen << v;
        QCOMPARE(seen, (QList<int>{1, 3}));

        // release() keeps a non-empty queue, frees an empty one
        q.release();
        QVERIFY(q.allocated());
        q.pop_front();
        q.pop_front();
        QVERIFY(q.empty());
        QVERIFY(q.allocated());
        q.release();
        QVERIFY(!q.allocated());
        QVERIFY(q.empty());

        // clear() frees, and the queue is usable again
        q.push_back(7);
        q.clear();
        QVERIFY(!q.allocated());
        q.push_back(8);
        QCOMPARE(q.front(), 8);

        // moving hands the storage over
        LazyDeque<int> moved(std::move(q));
        QCOMPARE(moved.size(), std::size_t(1));
    }

    // The ring: a queue that turns over allocates nothing once it has room; it grows with its
    // elements wrapped around the end of the storage, keeps their order through growth and
    // erasure, and constructs and destroys every element exactly once. Checked against
    // std::deque under a random mix of the operations the broker uses.
    void lazyDequeIsARing()
    {
        LazyDeque<int> q;
        for (int i = 0; i < 6; ++i)
            q.push_back(i);
        QCOMPARE(allocationsIn([&] {
                     for (int i = 6; i < 1000; ++i) { // turns over, never more than 6 held
                         q.pop_front();
                         q.push_back(i);
                     }
                 }),
                 0);
        QCOMPARE(q.front(), 994);
        QCOMPARE(q.back(), 999);
        for (int i = 1000; i < 1020; ++i) // grows while wrapped
            q.push_back(i);
        QCOMPARE(q.size(), std::size_t(26));
        int expect = 994;
        for (int v : std::as_const(q))
            QCOMPARE(v, expect++);

        static int alive = 0;
        struct Counted {
            std::unique_ptr<int> value; // move-only, as an element may be
            explicit Counted(int v) : value(std::make_unique<int>(v)) { ++alive; }
            Counted(Counted &&o) noexcept : value(std::move(o.value)) { ++alive; }
            Counted &operator=(Counted &&) noexcept = default;
            ~Counted() { --alive; }
        };
        {
            std::mt19937 random(7);
            LazyDeque<Counted> ring;
            std::deque<int> model;
            int next = 0;
            for (int step = 0; step < 20000; ++step) {
                const unsigned op = random() % 10;
                if (op < 5 || model.empty()) {
                    ring.emplace_back(next);
                    model.push_back(next++);
                } else if (op < 8) {
                    QCOMPARE(*ring.front().value, model.front());
                    ring.pop_front();
                    model.pop_front();
                } else if (op < 9) { // erase one by value, as an out-of-order acknowledgement
                    const int victim = model[random() % model.size()];
                    auto it = std::find_if(ring.begin(), ring.end(),
                                           [&](const Counted &c) { return *c.value == victim; });
                    QVERIFY(it != ring.end());
                    auto after = ring.erase(it);
                    auto m = model.erase(std::find(model.begin(), model.end(), victim));
                    QCOMPARE(after == ring.end(), m == model.end());
                    if (m != model.end()) QCOMPARE(*after->value, *m);
                } else {
                    ring.release(); // no-op unless empty
                }
                QCOMPARE(ring.size(), model.size());
                QCOMPARE(alive, int(model.size()));
            }
            QVERIFY(std::equal(ring.begin(), ring.end(), model.begin(), model.end(),
                               [](const Counted &c, int v) { return *c.value == v; }));
            LazyDeque<Counted> moved(std::move(ring));
            QVERIFY(ring.empty() && !ring.allocated());
            QCOMPARE(moved.size(), model.size());
            ring = std::move(moved); // and back, by assignment
            QCOMPARE(ring.size(), model.size());
            QCOMPARE(alive, int(model.size()));
        }
        QCOMPARE(alive, 0); // the destructor destroyed what was left
    }

    // PacketIdSet against std::set under three loads: ids in sequence acknowledged mostly in
    // order (each in its home slot), the same with ids held for a long time so that later
    // ids collide with them (displaced ids, moved back on removal), and random ids.
    void packetIdSetAgreesWithStdSet_data()
    {
        QTest::addColumn<int>("load");
        QTest::newRow("sequence") << 0;
        QTest::newRow("sequence with held ids") << 1;
        QTest::newRow("random") << 2;
    }
    void packetIdSetAgreesWithStdSet()
    {
        QFETCH(int, load);
        std::mt19937 rng(1234 + load);
        PacketIdSet set;
        std::set<std::uint16_t> model;
        std::deque<std::uint16_t> order;                // sequence loads: ids in the order handed out
        std::deque<std::pair<int, std::uint16_t>> held; // (step it goes, id), roughly in step order
        std::uint16_t last = 0;
        const auto check = [&] {
            QCOMPARE(set.size(), std::uint32_t(model.size()));
            QList<std::uint16_t> values = set.values();
            std::sort(values.begin(), values.end());
            QVERIFY(std::equal(values.begin(), values.end(), model.begin(), model.end()));
            for (std::uint32_t id = 0; id <= 0xFFFF; id += 1 + rng() % 7)
                QCOMPARE(set.contains(std::uint16_t(id)), model.count(std::uint16_t(id)) == 1);
        };
        for (int step = 0; step < 200000; ++step) {
            if (!held.empty() && held.front().first <= step) {
                QVERIFY(set.remove(held.front().second));
                model.erase(held.front().second);
                held.pop_front();
            }
            if (load == 2) {
                const auto id = std::uint16_t(1 + rng() % (step < 100000 ? 600 : 65535));
                if (rng() % 2) {
                    set.insert(id);
                    model.insert(id);
                } else {
                    QCOMPARE(set.remove(id), model.erase(id) == 1);
                }
            } else if (order.size() < 40 + rng() % 200) {
                do
                    last = std::uint16_t(last + 1);
                while (last == 0 || model.count(last));
                set.insert(last);
                model.insert(last);
                order.push_back(last);
            } else {
                // Mostly the oldest; sometimes another; with held ids, the oldest now and then
                // is held past thousands of later ids (which then collide with it).
                const std::size_t at = rng() % 8 == 0 ? rng() % order.size() : 0;
                const std::uint16_t id = order[at];
                if (load == 1 && at == 0 && rng() % 50 == 0) {
                    held.push_back({step + 2000 + int(rng() % 20000), id});
                    order.pop_front();
                    continue;
                }
                order.erase(order.begin() + std::ptrdiff_t(at));
                QVERIFY(set.remove(id));
                model.erase(id);
            }
            if (step % 5000 == 0) {
                check();
                if (QTest::currentTestFailed()) return;
            }
        }
        check();
        if (QTest::currentTestFailed()) return;
        QVERIFY(!set.contains(0));
        set.insert(0); // never a packet id
        QVERIFY(!set.contains(0));
        QVERIFY(!set.remove(0));
    }

    // Nothing allocated until the first id; a small table is kept when emptied, a large one
    // (after a burst) given back.
    void packetIdSetMemory()
    {
        PacketIdSet set;
        QCOMPARE(set.capacity(), 0u);
        QVERIFY(!set.remove(5));
        set.insert(5);
        QCOMPARE(set.capacity(), 16u);
        QVERIFY(set.remove(5));
        QVERIFY(set.isEmpty());
        QCOMPARE(set.capacity(), 16u);
        for (std::uint16_t id = 1; id <= 1000; ++id)
            set.insert(id);
        QCOMPARE(set.size(), 1000u);
        QCOMPARE(set.capacity(), 2048u); // at most half full
        for (std::uint16_t id = 1; id <= 1000; ++id)
            QVERIFY(set.remove(id));
        QCOMPARE(set.capacity(), 0u);
        PacketIdSet moved(std::move(set));
        moved.insert(9);
        QVERIFY(moved.contains(9) && !set.contains(9));
    }

    void freshSessionAllocatesOnlyItself()
    {
        QByteArray id("client-1");
        id.detach();
        SessionPtr s;
        // make_shared: one block for the control block and the Session. std::deque members
        // would add two blocks each (map and first node, ~600 B); an inline Will ~460 B.
        QCOMPARE(allocationsIn([&] { s = std::make_shared<Session>(id); }), 1);
        QVERIFY(!s->inflight.allocated());
        QVERIFY(!s->pending.allocated());
        QVERIFY(!s->will);
        QVERIFY2(sizeof(Session) <= 384, QByteArray::number(qulonglong(sizeof(Session))));
    }

    // Decoding a PUBLISH allocates nothing beyond its body buffer (issue 2's target), v5
    // with properties too: its strings are slices of the body, its properties inline.
    void decodingPublishAllocatesNothing()
    {
        using namespace packets;
        // topic "a/b", packet id 7, then the property block, then the payload "hi"
        QByteArray none("\x00\x03"
                        "a/b"
                        "\x00\x07"
                        "\x00"
                        "hi",
                        8 + 2);
        QByteArray some("\x00\x03"
                        "a/b"
                        "\x00\x07"
                        "\x02\x01\x01"
                        "hi",
                        10 + 2);
        none.detach();
        some.detach();
        Publish p;
        QCOMPARE(allocationsIn([&] { QVERIFY(!decodePublish(0x32, none, ProtocolVersion::V5, p)); }), 0);
        QVERIFY(p.properties.isEmpty());
        QCOMPARE(p.payload, QByteArray("hi"));
        Publish q;
        QCOMPARE(allocationsIn([&] { QVERIFY(!decodePublish(0x32, some, ProtocolVersion::V5, q)); }), 0);
        QVERIFY(q.properties.has(PropertyId::PayloadFormatIndicator));
        QCOMPARE(q.properties.payloadFormatIndicator, 1);
        QCOMPARE(q.payload, QByteArray("hi"));
    }

    // A copy that publishInPlace() puts in flight holds one buffer, shared by all copies of
    // its PUBLISH, and gets a Message only when one is asked for: the Message the broker
    // would have made, with topic and payload as slices of that buffer.
    void copyInFlightMakesItsMessageWhenAsked()
    {
        const QByteArray bytes = Outgoing::inPlaceBytes("a/b", "payload", 1, 42, 1000, 61000);
        Outgoing o, other;
        QCOMPARE(allocationsIn([&] {
                     o.setInPlace(bytes);
                     other.setInPlace(bytes);
                 }),
                 0);
        const Outgoing copy = other; // (a copy of the Outgoing shares the buffer too)
        QCOMPARE(allocationsIn([&] { QVERIFY(o.message()); }), 1); // the Message, nothing else
        const MessagePtr m = o.message();
        QCOMPARE(o.message().get(), m.get()); // made once
        QCOMPARE(m->publish.topic, QByteArray("a/b"));
        QCOMPARE(m->publish.payload, QByteArray("payload"));
        QCOMPARE(m->publish.topic.constData() + 3, m->publish.payload.constData());
        QCOMPARE(m->publish.qos, 1);
        QVERIFY(!m->publish.retain && !m->publish.dup && m->publish.packetId == 0);
        QVERIFY(m->publish.properties.isEmpty());
        QCOMPARE(m->originSession, quintptr(42));
        QCOMPARE(m->createdAtMs, 1000);
        QCOMPARE(m->expiresAtMs, 61000);
        QVERIFY(m->originClientId.isEmpty());
        // The other copies have the buffer still, and make a Message of their own.
        QCOMPARE(other.message()->publish.payload, QByteArray("payload"));
        QVERIFY(other.message().get() != m.get());
        QCOMPARE(copy.message()->publish.topic, QByteArray("a/b"));

        Outgoing empty;
        empty.setInPlace(Outgoing::inPlaceBytes("t", {}, 2, 0, 5, 0));
        QVERIFY(empty.message()->publish.payload.isEmpty());
        QCOMPARE(empty.message()->publish.qos, 2);
        QCOMPARE(empty.message()->expiresAtMs, 0);

        Outgoing none; // neither: no message
        QVERIFY(!none.message());
        o.setMessage(nullptr);
        QVERIFY(!o.message());
        o.setInPlace(bytes);
        o.setMessage(m); // a Message replaces the buffer
        QCOMPARE(o.message().get(), m.get());
    }

    // Every QoS 1/2 message makes one (publishInPlace, decodeNewPublish). make_shared<Message>()
    // value-initialises: for a class without a provided default constructor that zeroes all
    // ~600 bytes first (a `rep stos`, about a tenth of the broker's time at QoS 1) and then
    // runs the members' initialisers over them. With Message() provided, only the members
    // write, and the inline storage of its small arrays stays as the allocator left it.
    void newMessageIsNotZeroedFirst()
    {
        g_poisoning = true;
        const auto m = std::make_shared<Message>();
        g_poisoning = false;
        const auto *bytes = reinterpret_cast<const unsigned char *>(m.get());
        const auto kept = std::count(bytes, bytes + sizeof(Message), kPoison);
        QVERIFY2(kept >= 64, QByteArray::number(qlonglong(kept)) + " bytes of the block kept their fill");
        QVERIFY(m->publish.topic.isNull() && m->publish.payload.isNull());
        QVERIFY(m->publish.properties.isEmpty() && m->publish.properties.userProperties.isEmpty());
        QCOMPARE(m->publish.properties.receiveMaximum, 65535);
        QCOMPARE(m->originSession, quintptr(0));
        QCOMPARE(m->expiresAtMs, 0);
        QVERIFY(!m->sharedOnly && m->clusterId.isNull());
    }

    // onTick() walks every connection each 100 ms (Connection::giveBackStorage()). It looks at
    // a connection's storage (write buffer, held output, the session's queues: other cache
    // lines, and the Session) only while bytes move or until the connection has been quiet
    // long enough to have given its write buffer back; a crowd of idle clients then costs it
    // one line each.
    void tickPassesOverIdleConnections()
    {
        Connection c;
        c.session = std::make_shared<Session>(QByteArray("c"));
        const auto emptiedQueue = [&] { // storage left allocated by a queue that ran empty
            c.session->inflight.push_back(InflightOut{});
            c.session->inflight.pop_front();
        };
        // A subscriber getting a stream of messages: it keeps its write buffer.
        c.out.reserve(1024);
        c.writesThisTick = 5;
        c.activeSinceTick = true;
        c.giveBackStorage();
        QVERIFY(c.out.capacity() >= 1024);
        // The stream stops. The first quiet tick gives back the queue that ran empty; the
        // write buffer goes at the kQuietTicksBeforeFree-th.
        emptiedQueue();
        QVERIFY(c.session->inflight.allocated());
        c.giveBackStorage();
        QVERIFY(!c.session->inflight.allocated());
        for (int tick = 2; tick < Connection::kQuietTicksBeforeFree; ++tick)
            c.giveBackStorage();
        QVERIFY(c.out.capacity() >= 1024);
        c.giveBackStorage();
        QCOMPARE(c.out.capacity(), 0);
        // Passed over from now on: what changes without bytes moving is not looked at.
        emptiedQueue();
        for (int tick = 0; tick < 3 * Connection::kQuietTicksBeforeFree; ++tick)
            c.giveBackStorage();
        QVERIFY(c.session->inflight.allocated());
        // Bytes moved (feed() or flush()): the next tick looks again.
        c.activeSinceTick = true;
        c.giveBackStorage();
        QVERIFY(!c.session->inflight.allocated());
        QCOMPARE(c.out.capacity(), 0);
    }

    void freshConnectionAllocatesOnlyItself()
    {
        std::unique_ptr<Connection> c;
        QCOMPARE(allocationsIn([&] { c = std::make_unique<Connection>(); }), 1);
        QVERIFY(!c->held.allocated());
        // 384 B is an allocator size class (jemalloc's; glibc rounds to 16 B): one byte more
        // costs every idle connection 64 B under jemalloc (docs/benchmarks.md, "Allocator").
        QVERIFY2(sizeof(Connection) <= 384, QByteArray::number(qulonglong(sizeof(Connection))));
    }
};

QTEST_GUILESS_MAIN(TestSessionMemory)
#include "tst_session_memory.moc"
