// The router's per-worker cache of trie answers (RouteCache): a topic published again is
// answered from the cache, and any change to the subscriptions makes every cached answer
// stale, so a cached route never misses a new subscriber nor reaches a removed one.
// BrokerCore is used directly: no sockets, every answer compared with an uncached route.
#include "broker/brokercore.h"
#include "hooks/hookchain.h"

#include <QTest>

#include <algorithm>
#include <chrono>
#include <future>

using namespace petrel;

namespace {

MessagePtr messageOn(const QByteArray &topic, std::uint8_t qos = 1)
{
    auto m = std::make_shared<Message>();
    m->publish.topic = topic;
    m->publish.qos = qos;
    m->publish.payload = "x";
    return m;
}

SessionSubscription atQos(std::uint8_t qos)
{
    SessionSubscription s;
    s.options.qos = qos;
    return s;
}

// Who gets `topic`, as "client:qos" sorted, with or without the cache.
QStringList route(const BrokerCore &core, const QByteArray &topic, RouteCache *cache)
{
    std::vector<Delivery> out;
    core.route(messageOn(topic, 2), out, nullptr, cache);
    QStringList who;
    for (const Delivery &d : out)
        who << QStringLiteral("%1:%2").arg(QString::fromUtf8(d.session->clientId)).arg(d.out.qos);
    who.sort();
    return who;
}

// A router with no hooks, and one worker's cache.
struct Router {
    HookChain hooks;
    BrokerCore core{Options{}, hooks};
    RouteCache cache;
};

} // namespace

class TestRouteCache : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void cachedAnswerFollowsEveryChange()
    {
        Router r;
        auto &[hooks, core, cache] = r;
        auto a = std::make_shared<Session>("a");
        auto b = std::make_shared<Session>("b");

        core.addSubscription(*a, "s/1", atQos(1));
        QCOMPARE(route(core, "s/1", &cache), QStringList{"a:1"});
        QCOMPARE(cache.size(), 1);
        QCOMPARE(route(core, "s/1", &cache), QStringList{"a:1"}); // from the cache

        // A new subscriber on the same topic, through a wildcard.
        core.addSubscription(*b, "s/+", atQos(2));
        QCOMPARE(route(core, "s/1", &cache), (QStringList{"a:1", "b:2"}));
        QCOMPARE(route(core, "s/1", &cache), route(core, "s/1", nullptr));

        // Overlapping subscriptions of one session stay one delivery at the highest QoS.
        core.addSubscription(*a, "s/#", atQos(2));
        QCOMPARE(route(core, "s/1", &cache), (QStringList{"a:2", "b:2"}));

        // A changed subscription (same filter, new QoS).
        core.addSubscription(*b, "s/+", atQos(0));
        QCOMPARE(route(core, "s/1", &cache), (QStringList{"a:2", "b:0"}));

        // Removed subscriptions: the cache must not hand out the old ones (with ASan, a
        // stale pointer into the trie would also be reported here).
        core.removeSubscription(*b, "s/+");
        QCOMPARE(route(core, "s/1", &cache), QStringList{"a:2"});
        a->subscriptions.insert("s/1", atQos(1));
        a->subscriptions.insert("s/#", atQos(2));
        core.removeAllSubscriptions(*a);
        QCOMPARE(route(core, "s/1", &cache), QStringList());
        QCOMPARE(route(core, "s/1", &cache), route(core, "s/1", nullptr));
    }

    void topicsAreCachedSeparately()
    {
        Router r;
        auto &[hooks, core, cache] = r;
        auto a = std::make_shared<Session>("a");
        core.addSubscription(*a, "t/1", atQos(1));
        QCOMPARE(route(core, "t/2", &cache), QStringList());
        QCOMPARE(route(core, "t/1", &cache), QStringList{"a:1"});
        QCOMPARE(route(core, "t/2", &cache), QStringList());
        QCOMPARE(cache.size(), 2);
    }

    void sharedGroupsStillTakeTurns()
    {
        Router r;
        auto &[hooks, core, cache] = r;
        auto a = std::make_shared<Session>("a");
        auto b = std::make_shared<Session>("b");
        core.addSubscription(*a, "$share/g/w/#", atQos(1));
        core.addSubscription(*b, "$share/g/w/#", atQos(1));
        QStringList got;
        for (int i = 0; i < 4; ++i)
            got << route(core, "w/x", &cache);
        QCOMPARE(got.count("a:1"), 2);
        QCOMPARE(got.count("b:1"), 2);
    }

    void sizeIsBounded()
    {
        Router r;
        auto &[hooks, core, cache] = r;
        auto a = std::make_shared<Session>("a");
        core.addSubscription(*a, "m/#", atQos(0));
        for (int i = 0; i < RouteCache::kMaxTopics + 100; ++i)
            QCOMPARE(route(core, "m/" + QByteArray::number(i), &cache), QStringList{"a:0"});
        QVERIFY(cache.size() <= RouteCache::kMaxTopics);
        QVERIFY(cache.size() > 0);
    }

    // A current entry is answered without the trie's lock: a route taken while a writer
    // holds the lock (here, the test itself) does not wait for it. An entry for a topic with a
    // shared group needs the lock (its group is in the trie).
    void currentEntryTakesNoLock()
    {
        Router r;
        BrokerCore &core = r.core; // (not a structured binding: lambdas capture it)
        RouteCache &cache = r.cache;
        auto a = std::make_shared<Session>("a");
        core.addSubscription(*a, "n/1", atQos(1));
        core.addSubscription(*a, "$share/g/n/2", atQos(1));
        QCOMPARE(route(core, "n/1", &cache), QStringList{"a:1"});
        QCOMPARE(route(core, "n/2", &cache), QStringList{"a:1"});
        auto routeElsewhere = [&](const QByteArray &topic) {
            return std::async(std::launch::async,
                              [&core, &cache, topic] { return route(core, topic, &cache); });
        };
        std::unique_lock writer(core.subscriptionsLock);
        auto plain = routeElsewhere("n/1");
        QVERIFY(plain.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
        QCOMPARE(plain.get(), QStringList{"a:1"});
        auto shared = routeElsewhere("n/2");
        QVERIFY(shared.wait_for(std::chrono::milliseconds(200)) == std::future_status::timeout);
        writer.unlock();
        QCOMPARE(shared.get(), QStringList{"a:1"});
    }

    // An entry holds its sessions; once stale, dropStale() lets them go (a session that left
    // is not kept alive by a topic nobody publishes to any more).
    void staleEntriesLetSessionsGo()
    {
        Router r;
        auto &[hooks, core, cache] = r;
        auto a = std::make_shared<Session>("a");
        const std::weak_ptr<Session> watch = a;
        core.addSubscription(*a, "o/1", atQos(0));
        QCOMPARE(route(core, "o/1", &cache), QStringList{"a:0"});
        a->subscriptions.insert("o/1", atQos(0));
        core.removeAllSubscriptions(*a);
        a.reset();
        QVERIFY(!watch.expired()); // held by the stale entry
        cache.dropStale(core.subscriptionGeneration.load());
        QVERIFY(watch.expired());
        QCOMPARE(cache.size(), 0);
        // Nothing changed since: a current entry stays.
        auto b = std::make_shared<Session>("b");
        core.addSubscription(*b, "o/1", atQos(0));
        QCOMPARE(route(core, "o/1", &cache), QStringList{"b:0"});
        cache.dropStale(core.subscriptionGeneration.load());
        QCOMPARE(cache.size(), 1);
    }

    // current() compares the topic it found last before it looks up: that memo is forgotten
    // whenever entries are added (which may move them all) or dropped, so the answers stay
    // right through inserts, rehashes and sweeps (and the sanitizer build sees no stale read).
    void lastTopicMemoFollowsTheEntries()
    {
        Router r;
        auto &[hooks, core, cache] = r;
        auto a = std::make_shared<Session>("a");
        auto b = std::make_shared<Session>("b");
        core.addSubscription(*a, "q/0", atQos(1));
        core.addSubscription(*b, "q/+", atQos(0));
        const QStringList both{"a:1", "b:0"};
        QCOMPARE(route(core, "q/0", &cache), both);
        for (int i = 1; i < 600; ++i) { // a new entry, then the memo's topic again
            QCOMPARE(route(core, "q/" + QByteArray::number(i), &cache), QStringList{"b:0"});
            QCOMPARE(route(core, "q/0", &cache), both);
        }
        QCOMPARE(cache.size(), 600);
        core.removeSubscription(*b, "q/+");
        cache.dropStale(core.subscriptionGeneration.load()); // every entry goes
        QCOMPARE(cache.size(), 0);
        QCOMPARE(route(core, "q/0", &cache), QStringList{"a:1"});
        QCOMPARE(route(core, "q/1", &cache), QStringList());
        QCOMPARE(route(core, "q/0", &cache), QStringList{"a:1"});
    }

    void keyDoesNotPinThePacket()
    {
        // The topic of a received PUBLISH shares the packet's buffer; the cache keeps a copy
        // of its bytes, so the buffer goes when the message does.
        Router r;
        auto &[hooks, core, cache] = r;
        QByteArray packet = QByteArray("k/1") + QByteArray(4096, 'p');
        {
            QByteArray::DataPointer dp = packet.data_ptr();
            dp.size = 3;
            const QByteArray topic(std::move(dp)); // "k/1", sharing packet's buffer
            QVERIFY(!packet.isDetached());
            std::vector<Delivery> out;
            core.route(messageOn(topic), out, nullptr, &cache);
            QCOMPARE(cache.size(), 1);
        }
        QVERIFY(packet.isDetached()); // nobody else holds the buffer
    }
};

QTEST_GUILESS_MAIN(TestRouteCache)
#include "tst_route_cache.moc"
