// What an idle client costs in heap: a fresh Session and Connection allocate nothing beyond
// their own blocks (no queue storage, no will), and queues give their storage back once
// empty. bench/ measures the resulting RSS per idle connection against Mosquitto
// (docs/benchmarks.md); this test keeps the causes from coming back.
#include "broker/worker.h"
#include "session/lazydeque.h"
#include "session/session.h"

#include <QTest>

#include <atomic>
#include <cstdlib>
#include <new>

namespace {
std::atomic<bool> g_counting{false};
std::atomic<long> g_allocations{0};
} // namespace

void *operator new(std::size_t size)
{
    if (g_counting.load(std::memory_order_relaxed)) g_allocations.fetch_add(1, std::memory_order_relaxed);
    if (void *p = std::malloc(size ? size : 1)) return p;
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
