// Subscription trie, shared groups and retained store (core/topics).
//
// One table of (filter, topic, shouldMatch) rows drives four implementations of the same
// rules: the reference topicMatchesFilter(), the trie with a plain subscription, the trie with
// a shared subscription, and the retained store. The same rows, all loaded at once, are then
// cross-checked against the reference so that interactions between filters are covered too.
#include "topics/topics.h"

#include <QList>
#include <QSet>
#include <QThread>
#include <QtTest>

#include <algorithm>
#include <atomic>
#include <memory>
#include <vector>

using namespace petrel;
using namespace petrel::topics;

#if defined(__SANITIZE_THREAD__)
#define PETREL_TST_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define PETREL_TST_TSAN 1
#endif
#endif
#ifdef PETREL_TST_TSAN
// Qt is not built with TSan: its QMutex is futex-based and invisible to TSan, so the teardown
// of QThread and of the QtTest watchdog is reported as racing inside libQt6Core/libQt6Test.
// Ignore interceptor calls made from those uninstrumented libraries; every memory access in
// Petrel's (instrumented) code is still checked.
extern "C" const char *__tsan_default_options()
{
    return "ignore_noninstrumented_modules=1";
}
#endif

namespace {

Subscription sub(SubscriberKey key, const QByteArray &filter, std::uint8_t qos = 0, std::uint32_t id = 0)
{
    Subscription s;
    s.subscriber = key;
    s.clientId = "client-" + QByteArray::number(quint64(key));
    s.filter = filter;
    s.options.qos = qos;
    s.identifier = id;
    return s;
}

packets::Publish retainedMessage(const QByteArray &topic, const QByteArray &payload = "payload")
{
    packets::Publish p;
    p.retain = true;
    p.topic = topic;
    p.payload = payload;
    return p;
}

// A stable, readable rendering of match results: "filter@subscriber" sorted, then shared
// groups as "group:filter[members]".
QByteArray describe(const Matches &m)
{
    QList<QByteArray> parts;
    for (const Subscription *s : m.subscriptions)
        parts.append(s->filter + '@' + QByteArray::number(quint64(s->subscriber)));
    for (const SharedGroupMatch &g : m.shared)
        parts.append(g.group.toByteArray() + ':' + g.filter.toByteArray() + '[' +
                     QByteArray::number(qsizetype(g.members.size())) + ']');
    std::sort(parts.begin(), parts.end());
    return parts.join(' ');
}

QByteArray retainedTopics(const RetainedStore &store, QByteArrayView filter, qint64 nowMs = 0)
{
    QList<QByteArray> topics;
    store.match(filter, nowMs, [&](const RetainedStore::Entry &e) { topics.append(e.message.topic); });
    std::sort(topics.begin(), topics.end());
    return topics.join(' ');
}

struct MatchRow {
    const char *filter;
    const char *topic;
    bool matches;
};

// Every rule of MQTT 5 section 4.7 (identical for 3.1.1), with the spec's own examples.
const MatchRow kMatchRows[] = {
    // literal levels
    {"a", "a", true},
    {"a", "b", false},
    {"a", "a/b", false},
    {"a/b", "a", false},
    {"a/b", "a/b", true},
    {"a/b", "A/B", false}, // byte for byte, no normalization [MQTT-4.7.3-4]
    {"a b", "a b", true},  // spaces are ordinary characters
    {"\xC3\xBC/x", "\xC3\xBC/x", true},
    {"a/b/c", "a/b/c/", false},
    {"a/b/c/", "a/b/c/", true},
    // empty levels are real levels
    {"a//b", "a//b", true},
    {"a//b", "a/b", false},
    {"/a", "/a", true},
    {"/a", "a", false},
    {"/", "/", true},
    {"/", "a", false},
    {"a/", "a", false},
    // '+' matches exactly one level, an empty one included
    {"+", "a", true},
    {"+", "a/b", false},
    {"+", "/a", false},
    {"+", "/", false},
    {"+/+", "/", true},
    {"+/+", "a/b", true},
    {"+/+", "/a", true},
    {"+/+", "a", false},
    {"+/+", "a/b/c", false},
    {"+/a", "/a", true},
    {"/+", "/", true},
    {"/+", "/a", true},
    {"/+", "a", false},
    {"a/+", "a/b", true},
    {"a/+", "a/", true},
    {"a/+", "a", false},
    {"a/+", "a/b/c", false},
    {"a/+/c", "a/b/c", true},
    {"a/+/c", "a//c", true},
    {"a/+/c", "a/b/d", false},
    {"+/b/+", "a/x/c", false},
    {"+/+/+", "a/b/c", true},
    {"sport/+", "sport", false}, // spec example
    {"sport/+", "sport/", true}, // spec example
    {"+/tennis/#", "sport/tennis/player1", true},
    // '#' matches the parent level and any number of child levels
    {"#", "a", true},
    {"#", "a/b/c", true},
    {"#", "/", true},
    {"#", "/a", true},
    {"a/#", "a", true},
    {"a/#", "a/", true},
    {"a/#", "a/b", true},
    {"a/#", "a/b/c", true},
    {"a/#", "ab", false},
    {"a/#", "b/a", false},
    {"/#", "/", true},
    {"/#", "/a/b", true},
    {"/#", "a/b", false},
    {"+/#", "a", true},
    {"+/#", "a/b/c", true},
    {"a/+/#", "a/b", true},
    {"a/+/#", "a/b/c/d", true},
    {"a/+/#", "a", false},
    {"a/+/#", "b/c", false},
    {"sport/tennis/player1/#", "sport/tennis/player1", true},
    {"sport/tennis/player1/#", "sport/tennis/player1/ranking", true},
    {"sport/tennis/player1/#", "sport/tennis/player1/score/wimbledon", true},
    {"sport/#", "sport", true},
    // topics beginning with '$' [MQTT-4.7.2-1]
    {"#", "$SYS", false},
    {"#", "$SYS/broker", false},
    {"+", "$SYS", false},
    {"+/broker", "$SYS/broker", false},
    {"+/#", "$SYS/broker", false},
    {"+/+", "$SYS/broker", false},
    {"$SYS/#", "$SYS", true},
    {"$SYS/#", "$SYS/broker/uptime", true},
    {"$SYS/+", "$SYS/broker", true},
    {"$SYS/broker", "$SYS/broker", true},
    {"$SYS/+", "$SYS", false},
    {"$SYS", "$SYS/broker", false},
    {"$foo/+/c", "$foo/b/c", true},
    {"a/+", "a/$b", true}, // only the first level is special
    {"#", "a/$b", true},
    {"+/monitor/Clients", "$SYS/monitor/Clients", false}, // spec example
    {"$SYS/monitor/+", "$SYS/monitor/Clients", true},     // spec example
    {"$share", "$share", true}, // a topic may be named like this; the filter is not shared
    // long levels (the level scanner switches from a loop to memchr after 16 bytes)
    {"0123456789abcdef/+", "0123456789abcdef/x", true},
    {"0123456789abcdefg/+", "0123456789abcdefg/x", true},
    {"0123456789abcdefg/+", "0123456789abcdefg", false},
    {"0123456789abcdef0123456789abcdef", "0123456789abcdef0123456789abcdeX", false},
    {"+/0123456789abcdef0123/#", "x/0123456789abcdef0123/y", true},
};

} // namespace

class TestTopics : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void sharedFilterParts_data();
    void sharedFilterParts();

    void matching_data();
    void matching();
    void allFiltersAgainstReference();

    void subscribeReplaceUnsubscribe();
    void unsubscribeAllCounts();
    void pruning();
    void manyChildrenAndSubscribers();
    void deepFilters();
    void overlappingSubscriptionsReportedEach();
    void subscriptionsOfAndForEach();

    void sharedGroupsMatchedOncePerGroup();
    void sharedRoundRobinIsEven();
    void sharedMemberUnsubscribe();
    void sharedPickNextSkipsRefused();

    void retainedSetReplaceDelete();
    void retainedMatchWildcards_data();
    void retainedMatchWildcards();
    void retainedExpiry();

    void concurrentReaders();
};

void TestTopics::sharedFilterParts_data()
{
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<QByteArray>("group");
    QTest::addColumn<QByteArray>("filter");

    QTest::newRow("plain") << QByteArray("a/+") << QByteArray() << QByteArray("a/+");
    QTest::newRow("shared") << QByteArray("$share/g/a/+") << QByteArray("g") << QByteArray("a/+");
    QTest::newRow("shared #") << QByteArray("$share/grp/#") << QByteArray("grp") << QByteArray("#");
    QTest::newRow("shared empty level") << QByteArray("$share/g//a") << QByteArray("g") << QByteArray("/a");
    QTest::newRow("no filter part") << QByteArray("$share/g") << QByteArray() << QByteArray("$share/g");
    QTest::newRow("empty filter part") << QByteArray("$share/g/") << QByteArray() << QByteArray("$share/g/");
    QTest::newRow("empty group") << QByteArray("$share//a") << QByteArray() << QByteArray("$share//a");
    QTest::newRow("just $share") << QByteArray("$share") << QByteArray() << QByteArray("$share");
    QTest::newRow("$shared is not $share")
        << QByteArray("$shared/g/a") << QByteArray() << QByteArray("$shared/g/a");
}

void TestTopics::sharedFilterParts()
{
    QFETCH(QByteArray, input);
    QFETCH(QByteArray, group);
    QFETCH(QByteArray, filter);
    const FilterParts parts = splitSharedFilter(input);
    QCOMPARE(parts.group.toByteArray(), group);
    QCOMPARE(parts.filter.toByteArray(), filter);
    QCOMPARE(parts.isShared(), !group.isEmpty());
}

void TestTopics::matching_data()
{
    QTest::addColumn<QByteArray>("filter");
    QTest::addColumn<QByteArray>("topic");
    QTest::addColumn<bool>("shouldMatch");
    for (const MatchRow &row : kMatchRows) {
        const QByteArray name = QByteArray("\"") + row.filter + "\" ~ \"" + row.topic + '"';
        QTest::newRow(name.constData()) << QByteArray(row.filter) << QByteArray(row.topic) << row.matches;
    }
}

void TestTopics::matching()
{
    QFETCH(QByteArray, filter);
    QFETCH(QByteArray, topic);
    QFETCH(bool, shouldMatch);

    // The reference matcher.
    QCOMPARE(topicMatchesFilter(filter, topic), shouldMatch);

    // The trie, with a plain and a shared subscription to the same filter.
    SubscriptionTree tree;
    QVERIFY(tree.subscribe(sub(1, filter)));
    QVERIFY(tree.subscribe(sub(2, "$share/g/" + filter)));
    Matches m;
    tree.match(topic, m);
    QList<QByteArray> expected;
    if (shouldMatch) expected = {filter + "@1", "g:" + filter + "[1]"};
    std::sort(expected.begin(), expected.end());
    QCOMPARE(describe(m), expected.join(' '));

    // The retained store: a message on `topic`, looked up with `filter`.
    RetainedStore store;
    QCOMPARE(store.set(retainedMessage(topic), 0, 0), 1);
    QCOMPARE(retainedTopics(store, filter), shouldMatch ? topic : QByteArray());
}

void TestTopics::allFiltersAgainstReference()
{
    // Every filter of the table in one tree and every topic in one store: results must be
    // exactly what the reference matcher says, filter by filter.
    QList<QByteArray> filters;
    QList<QByteArray> topics;
    for (const MatchRow &row : kMatchRows) {
        if (!filters.contains(row.filter)) filters.append(row.filter);
        if (!topics.contains(row.topic)) topics.append(row.topic);
    }
    // Enough siblings to push the root and "a" into their hash representation.
    for (int i = 0; i < 20; ++i) {
        filters.append("a/" + QByteArray::number(i));
        filters.append(QByteArray::number(i) + "/+");
        topics.append("a/" + QByteArray::number(i));
        topics.append(QByteArray::number(i) + "/x");
    }

    SubscriptionTree tree;
    RetainedStore store;
    for (qsizetype i = 0; i < filters.size(); ++i)
        QVERIFY(tree.subscribe(sub(SubscriberKey(i + 1), filters[i])));
    for (const QByteArray &t : std::as_const(topics))
        QCOMPARE(store.set(retainedMessage(t), 0, 0), 1);
    QCOMPARE(tree.size(), filters.size());
    QCOMPARE(store.size(), topics.size());

    for (const QByteArray &topic : std::as_const(topics)) {
        QList<QByteArray> expected;
        for (qsizetype i = 0; i < filters.size(); ++i)
            if (topicMatchesFilter(filters[i], topic))
                expected.append(filters[i] + '@' + QByteArray::number(i + 1));
        std::sort(expected.begin(), expected.end());
        Matches m;
        tree.match(topic, m);
        QCOMPARE(describe(m), expected.join(' '));
    }
    for (const QByteArray &filter : std::as_const(filters)) {
        QList<QByteArray> expected;
        for (const QByteArray &topic : std::as_const(topics))
            if (topicMatchesFilter(filter, topic)) expected.append(topic);
        std::sort(expected.begin(), expected.end());
        QCOMPARE(retainedTopics(store, filter), expected.join(' '));
    }
}

void TestTopics::subscribeReplaceUnsubscribe()
{
    SubscriptionTree tree;
    QVERIFY(tree.isEmpty());
    Subscription previous;
    QVERIFY(tree.subscribe(sub(1, "a/b", 0, 7), &previous));
    QCOMPARE(previous, Subscription()); // untouched when new
    QVERIFY(tree.subscribe(sub(2, "a/b")));
    QVERIFY(tree.subscribe(sub(1, "a/+")));
    QCOMPARE(tree.size(), 3);

    // Same subscriber + same filter replaces, and hands back the old one.
    const std::uint64_t generation = tree.generation();
    QVERIFY(!tree.subscribe(sub(1, "a/b", 2, 9), &previous));
    QCOMPARE(previous, sub(1, "a/b", 0, 7));
    QCOMPARE(tree.size(), 3);
    QVERIFY(tree.generation() != generation);
    const Subscription *found = tree.find(1, "a/b");
    QVERIFY(found);
    QCOMPARE(found->options.qos, 2);
    QCOMPARE(found->identifier, 9u);
    QVERIFY(!tree.find(3, "a/b"));
    QVERIFY(!tree.find(1, "a/c"));

    Matches m;
    tree.match("a/b", m);
    QCOMPARE(describe(m), QByteArray("a/+@1 a/b@1 a/b@2"));

    QVERIFY(tree.unsubscribe(1, "a/b"));
    QVERIFY(!tree.unsubscribe(1, "a/b")); // already gone
    QVERIFY(!tree.unsubscribe(3, "a/+")); // never there
    QVERIFY(!tree.unsubscribe(1, "x/y")); // no such path
    QVERIFY(!tree.unsubscribe(1, "a"));   // a node on the path, not a filter
    QCOMPARE(tree.size(), 2);
    m.clear();
    tree.match("a/b", m);
    QCOMPARE(describe(m), QByteArray("a/+@1 a/b@2"));
}

void TestTopics::unsubscribeAllCounts()
{
    SubscriptionTree tree;
    const QList<QByteArray> filters{"a", "a/b", "a/+", "#", "$share/g/a/#", "$SYS/#"};
    for (const QByteArray &f : filters) {
        QVERIFY(tree.subscribe(sub(1, f)));
        QVERIFY(tree.subscribe(sub(2, f)));
    }
    QCOMPARE(tree.size(), 2 * filters.size());
    QCOMPARE(tree.unsubscribeAll(1, filters + QList<QByteArray>{"not/there"}), int(filters.size()));
    QCOMPARE(tree.unsubscribeAll(1, filters), 0);
    QCOMPARE(tree.size(), filters.size());
    QCOMPARE(tree.subscriptionsOf(1).size(), 0);
    QCOMPARE(tree.subscriptionsOf(2).size(), filters.size());
}

void TestTopics::pruning()
{
    SubscriptionTree tree;
    const QList<QByteArray> filters{"a/b/c",
                                    "a/b",
                                    "a/+/c",
                                    "a/#",
                                    "+/+/#",
                                    "#",
                                    "/",
                                    "//",
                                    "a//b",
                                    "$share/g/a/b/c",
                                    "$share/h/a/b/c",
                                    "$share/g/x/#",
                                    "$SYS/broker/+"};
    for (const QByteArray &f : filters)
        QVERIFY(tree.subscribe(sub(1, f)));
    QVERIFY(tree.subscribe(sub(2, "a/b/c")));
    QVERIFY(tree.nodeCount() > 0);

    // Removing a leaf keeps the nodes other filters still need.
    const qsizetype before = tree.nodeCount();
    QVERIFY(tree.unsubscribe(1, "$SYS/broker/+"));
    QCOMPARE(tree.nodeCount(), before - 3);
    QVERIFY(tree.unsubscribe(1, "a/b/c")); // subscriber 2 and the shared groups keep a/b/c
    QCOMPARE(tree.nodeCount(), before - 3);

    for (const QByteArray &f : filters)
        tree.unsubscribe(1, f);
    QVERIFY(tree.unsubscribe(2, "a/b/c"));
    QCOMPARE(tree.size(), 0);
    QCOMPARE(tree.nodeCount(), 0);

    // And it still works after being emptied.
    QVERIFY(tree.subscribe(sub(1, "a/b")));
    Matches m;
    tree.match("a/b", m);
    QCOMPARE(describe(m), QByteArray("a/b@1"));
    QCOMPARE(tree.nodeCount(), 2);
}

void TestTopics::manyChildrenAndSubscribers()
{
    // Many siblings (hash-backed child map) and many subscribers per filter (indexed list),
    // growing and then shrinking back through both thresholds.
    SubscriptionTree tree;
    for (int i = 0; i < 100; ++i)
        QVERIFY(tree.subscribe(sub(1, "k/" + QByteArray::number(i))));
    for (SubscriberKey k = 1; k <= 100; ++k)
        QCOMPARE(tree.subscribe(sub(k, "k/7")), k != 1);
    QCOMPARE(tree.size(), 199);

    Matches m;
    tree.match("k/57", m);
    QCOMPARE(describe(m), QByteArray("k/57@1"));
    m.clear();
    tree.match("k/7", m);
    QCOMPARE(m.subscriptions.size(), 100);

    for (int i = 0; i < 100; ++i)
        if (i != 7 && i != 93) QVERIFY(tree.unsubscribe(1, "k/" + QByteArray::number(i)));
    for (SubscriberKey k = 1; k <= 100; k += 2)
        QVERIFY(tree.unsubscribe(k, "k/7"));
    QCOMPARE(tree.size(), 51);
    for (SubscriberKey k = 1; k <= 100; ++k)
        QCOMPARE(tree.find(k, "k/7") != nullptr, k % 2 == 0);
    m.clear();
    tree.match("k/93", m);
    QCOMPARE(describe(m), QByteArray("k/93@1"));
    m.clear();
    tree.match("k/7", m);
    QCOMPARE(m.subscriptions.size(), 50);
    for (SubscriberKey k = 2; k <= 100; k += 2)
        QVERIFY(tree.unsubscribe(k, "k/7"));
    QVERIFY(tree.unsubscribe(1, "k/93"));
    QCOMPARE(tree.nodeCount(), 0);
}

void TestTopics::deepFilters()
{
    // A filter of 30,000 levels must neither overflow the stack on match, unsubscribe or
    // destruction, nor leak nodes.
    QByteArray deep = "a";
    for (int i = 0; i < 30000; ++i)
        deep += "/a";
    {
        SubscriptionTree tree;
        QVERIFY(tree.subscribe(sub(1, deep)));
        QVERIFY(tree.subscribe(sub(1, deep + "/#")));
        QCOMPARE(tree.nodeCount(), 30002);
        Matches m;
        tree.match(deep, m);
        QCOMPARE(m.subscriptions.size(), 2);
        QVERIFY(tree.unsubscribe(1, deep + "/#"));
        QCOMPARE(tree.nodeCount(), 30001);
        QCOMPARE(tree.subscriptionsOf(1).size(), 1);
    } // destroyed with the deep branch still in it
    {
        RetainedStore store;
        QCOMPARE(store.set(retainedMessage(deep), 0, 0), 1);
        QCOMPARE(retainedTopics(store, "#").size(), deep.size());
        QCOMPARE(retainedTopics(store, "a/#").size(), deep.size());
        QVERIFY(store.remove(deep));
        QCOMPARE(store.nodeCount(), 0);
        QCOMPARE(store.set(retainedMessage(deep), 0, 0), 1);
    }
}

void TestTopics::overlappingSubscriptionsReportedEach()
{
    SubscriptionTree tree;
    QVERIFY(tree.subscribe(sub(1, "a/b", 0, 1)));
    QVERIFY(tree.subscribe(sub(1, "a/+", 1, 2)));
    QVERIFY(tree.subscribe(sub(1, "a/#", 2, 3)));
    QVERIFY(tree.subscribe(sub(1, "#", 0, 4)));
    QVERIFY(tree.subscribe(sub(2, "a/+")));

    Matches m;
    tree.match("a/b", m);
    QCOMPARE(describe(m), QByteArray("#@1 a/#@1 a/+@1 a/+@2 a/b@1"));
    // Each with its own options and identifier, for the broker to merge.
    QList<std::uint32_t> ids;
    for (const Subscription *s : m.subscriptions)
        if (s->subscriber == 1) ids.append(s->identifier);
    std::sort(ids.begin(), ids.end());
    QCOMPARE(ids, (QList<std::uint32_t>{1, 2, 3, 4}));

    // match() appends: a second call without clear() doubles the list.
    tree.match("a/b", m);
    QCOMPARE(m.subscriptions.size(), 10);
    m.clear();
    QVERIFY(m.isEmpty());
}

void TestTopics::subscriptionsOfAndForEach()
{
    SubscriptionTree tree;
    QVERIFY(tree.subscribe(sub(1, "a")));
    QVERIFY(tree.subscribe(sub(1, "$share/g/a")));
    QVERIFY(tree.subscribe(sub(2, "a")));
    QVERIFY(tree.subscribe(sub(1, "b/#")));

    QList<QByteArray> of1;
    for (const Subscription &s : tree.subscriptionsOf(1))
        of1.append(s.filter);
    std::sort(of1.begin(), of1.end());
    QCOMPARE(of1, (QList<QByteArray>{"$share/g/a", "a", "b/#"}));

    int visited = 0;
    tree.forEach([&](const Subscription &) { ++visited; });
    QCOMPARE(visited, 4);
}

void TestTopics::sharedGroupsMatchedOncePerGroup()
{
    SubscriptionTree tree;
    QVERIFY(tree.subscribe(sub(1, "$share/g1/a/+")));
    QVERIFY(tree.subscribe(sub(2, "$share/g1/a/+")));
    QVERIFY(tree.subscribe(sub(3, "$share/g2/a/+")));
    QVERIFY(tree.subscribe(sub(1, "$share/g1/a/#")));     // same group, other filter: another group
    QVERIFY(tree.subscribe(sub(1, "a/+")));               // plain and shared side by side
    QVERIFY(!tree.subscribe(sub(2, "$share/g1/a/+", 1))); // replace inside a group
    QCOMPARE(tree.size(), 5);

    Matches m;
    tree.match("a/b", m);
    QCOMPARE(describe(m), QByteArray("a/+@1 g1:a/#[1] g1:a/+[2] g2:a/+[1]"));
    for (const SharedGroupMatch &g : m.shared)
        for (const Subscription &s : g.members)
            QCOMPARE(s.filter, "$share/" + g.group.toByteArray() + '/' + g.filter.toByteArray());

    m.clear();
    tree.match("$SYS/b", m); // [MQTT-4.7.2-1] holds for shared filters too
    QVERIFY(m.isEmpty());
    QVERIFY(tree.subscribe(sub(4, "$share/g1/$SYS/+")));
    tree.match("$SYS/b", m);
    QCOMPARE(describe(m), QByteArray("g1:$SYS/+[1]"));
}

void TestTopics::sharedRoundRobinIsEven()
{
    SubscriptionTree tree;
    for (SubscriberKey k = 1; k <= 3; ++k)
        QVERIFY(tree.subscribe(sub(k, "$share/g/t/#")));
    QHash<SubscriberKey, int> picks;
    Matches m;
    for (int i = 0; i < 300; ++i) {
        m.clear();
        tree.match("t/x", m);
        QCOMPARE(m.shared.size(), 1);
        const Subscription *s = pickNext(m.shared[0]);
        QVERIFY(s);
        ++picks[s->subscriber];
    }
    QCOMPARE(picks.size(), 3);
    for (int n : std::as_const(picks))
        QCOMPARE(n, 100);

    // Consecutive picks cycle through every member.
    m.clear();
    tree.match("t", m);
    QSet<SubscriberKey> cycle;
    for (int i = 0; i < 3; ++i)
        cycle.insert(pickNext(m.shared[0])->subscriber);
    QCOMPARE(cycle.size(), 3);
}

void TestTopics::sharedMemberUnsubscribe()
{
    SubscriptionTree tree;
    for (SubscriberKey k = 1; k <= 3; ++k)
        QVERIFY(tree.subscribe(sub(k, "$share/g/t")));
    QVERIFY(tree.unsubscribe(2, "$share/g/t"));
    QVERIFY(!tree.unsubscribe(2, "$share/g/t"));
    QVERIFY(!tree.unsubscribe(1, "$share/other/t")); // other group
    QVERIFY(!tree.unsubscribe(1, "t"));              // the plain filter is a different subscription

    Matches m;
    tree.match("t", m);
    QCOMPARE(m.shared.size(), 1);
    QHash<SubscriberKey, int> picks;
    for (int i = 0; i < 10; ++i)
        ++picks[pickNext(m.shared[0])->subscriber];
    QCOMPARE(picks.value(1), 5);
    QCOMPARE(picks.value(3), 5);
    QVERIFY(!picks.contains(2));

    // The same group, looked up by its filter: same members, same cursor.
    const std::optional<SharedGroupMatch> g = tree.findSharedGroup("$share/g/t");
    QVERIFY(g);
    QCOMPARE(g->members.size(), size_t(2));
    QCOMPARE(g->cursor, m.shared[0].cursor);
    QVERIFY(!tree.findSharedGroup("$share/h/t"));
    QVERIFY(!tree.findSharedGroup("$share/g/u"));
    QVERIFY(!tree.findSharedGroup("t"));

    QVERIFY(tree.unsubscribe(1, "$share/g/t"));
    QVERIFY(tree.unsubscribe(3, "$share/g/t"));
    QVERIFY(!tree.findSharedGroup("$share/g/t"));
    m.clear();
    tree.match("t", m);
    QVERIFY(m.isEmpty()); // the empty group is gone
    QCOMPARE(tree.nodeCount(), 0);
}

void TestTopics::sharedPickNextSkipsRefused()
{
    SubscriptionTree tree;
    for (SubscriberKey k = 1; k <= 4; ++k)
        QVERIFY(tree.subscribe(sub(k, "$share/g/t")));
    Matches m;
    tree.match("t", m);
    QHash<SubscriberKey, int> picks;
    for (int i = 0; i < 40; ++i) {
        const Subscription *s =
            pickNext(m.shared[0], [](const Subscription &s) { return s.subscriber != 3; });
        QVERIFY(s);
        ++picks[s->subscriber];
    }
    QVERIFY(!picks.contains(3));
    QCOMPARE(picks.size(), 3);
    QVERIFY(!pickNext(m.shared[0], [](const Subscription &) { return false; }));
}

void TestTopics::retainedSetReplaceDelete()
{
    RetainedStore store;
    QCOMPARE(store.set(retainedMessage("a/b", "one"), 10, 0), 1);
    QCOMPARE(store.set(retainedMessage("a", "top"), 10, 0), 1);
    QCOMPARE(store.set(retainedMessage("a/b", "two"), 20, 0), 0); // replaced
    QCOMPARE(store.size(), 2);
    const RetainedStore::Entry *e = store.find("a/b");
    QVERIFY(e);
    QCOMPARE(e->message.payload, QByteArray("two"));
    QCOMPARE(e->storedAtMs, 20);
    QVERIFY(!store.find("a/b/c"));
    QVERIFY(!store.find("x"));

    QCOMPARE(store.set(retainedMessage("a/b", QByteArray()), 30, 0), -1); // empty payload deletes
    QCOMPARE(store.set(retainedMessage("a/b", QByteArray()), 30, 0), 0);  // nothing to delete
    QCOMPARE(store.set(retainedMessage("a/b/c", QByteArray()), 30, 0), 0);
    QCOMPARE(store.set(retainedMessage(QByteArray(), "x"), 30, 0), 0); // no topic: ignored
    QCOMPARE(store.size(), 1);
    QVERIFY(!store.find("a/b"));
    QCOMPARE(store.nodeCount(), 1); // "a" stays, its child went

    QVERIFY(!store.remove("a/b"));
    QVERIFY(store.remove("a"));
    QVERIFY(store.isEmpty());
    QCOMPARE(store.nodeCount(), 0);
}

void TestTopics::retainedMatchWildcards_data()
{
    QTest::addColumn<QByteArray>("filter");
    QTest::addColumn<QByteArray>("expected"); // sorted, space separated

    QTest::newRow("#") << QByteArray("#") << QByteArray("/ /x a a/ a/b a/b/c a/c b");
    QTest::newRow("+") << QByteArray("+") << QByteArray("a b");
    QTest::newRow("+/+") << QByteArray("+/+") << QByteArray("/ /x a/ a/b a/c");
    QTest::newRow("a/#") << QByteArray("a/#") << QByteArray("a a/ a/b a/b/c a/c");
    QTest::newRow("a/+") << QByteArray("a/+") << QByteArray("a/ a/b a/c");
    QTest::newRow("a/+/#") << QByteArray("a/+/#") << QByteArray("a/ a/b a/b/c a/c");
    QTest::newRow("+/b/#") << QByteArray("+/b/#") << QByteArray("a/b a/b/c");
    QTest::newRow("/#") << QByteArray("/#") << QByteArray("/ /x");
    QTest::newRow("/+") << QByteArray("/+") << QByteArray("/ /x");
    QTest::newRow("literal") << QByteArray("a/b") << QByteArray("a/b");
    QTest::newRow("none") << QByteArray("c/#") << QByteArray();
    QTest::newRow("$SYS/#") << QByteArray("$SYS/#") << QByteArray("$SYS $SYS/broker $SYS/broker/load");
    QTest::newRow("$SYS/+") << QByteArray("$SYS/+") << QByteArray("$SYS/broker");
    QTest::newRow("+/broker") << QByteArray("+/broker") << QByteArray();
}

void TestTopics::retainedMatchWildcards()
{
    QFETCH(QByteArray, filter);
    QFETCH(QByteArray, expected);
    RetainedStore store;
    for (const char *t :
         {"a", "a/", "a/b", "a/c", "a/b/c", "b", "/", "/x", "$SYS", "$SYS/broker", "$SYS/broker/load"})
        QCOMPARE(store.set(retainedMessage(t), 0, 0), 1);
    QCOMPARE(retainedTopics(store, filter), expected);
}

void TestTopics::retainedExpiry()
{
    RetainedStore store;
    QCOMPARE(store.set(retainedMessage("e/a"), 0, 100), 1);
    QCOMPARE(store.set(retainedMessage("e/b"), 0, 0), 1);
    QCOMPARE(store.set(retainedMessage("e/c"), 0, 200), 1);

    QCOMPARE(retainedTopics(store, "e/#", 50), QByteArray("e/a e/b e/c"));
    QCOMPARE(retainedTopics(store, "e/#", 100), QByteArray("e/b e/c")); // expired at its instant
    QCOMPARE(retainedTopics(store, "e/a", 150), QByteArray());
    QCOMPARE(store.size(), 3); // match() erases nothing

    QList<packets::Publish> expired;
    QCOMPARE(store.purgeExpired(99, &expired), 0);
    QCOMPARE(store.purgeExpired(150, &expired), 1);
    QCOMPARE(expired.size(), 1);
    QCOMPARE(expired[0].topic, QByteArray("e/a"));
    QCOMPARE(store.size(), 2);
    QVERIFY(!store.find("e/a"));
    QCOMPARE(store.purgeExpired(160, &expired), 0);

    // Replacing an entry with one that never expires.
    QCOMPARE(store.set(retainedMessage("e/c", "forever"), 170, 0), 0);
    QCOMPARE(store.purgeExpired(300), 0);
    QCOMPARE(store.size(), 2);

    QCOMPARE(store.set(retainedMessage("e/d"), 300, 400), 1);
    QCOMPARE(store.set(retainedMessage("x"), 300, 500), 1);
    expired.clear();
    QCOMPARE(store.purgeExpired(1000, &expired), 2);
    QCOMPARE(expired.size(), 2);
    QCOMPARE(store.size(), 2);
    QCOMPARE(retainedTopics(store, "#", 1000), QByteArray("e/b e/c"));
    QVERIFY(store.remove("e/b"));
    QVERIFY(store.remove("e/c"));
    QCOMPARE(store.nodeCount(), 0);
}

void TestTopics::concurrentReaders()
{
    // Several threads match on a const tree and store while nobody writes: what the broker's
    // read lock allows. Run under TSan (PETREL_TSAN) this must be clean; the shared groups'
    // atomic cursors are the only state touched. Results must equal the single-threaded ones,
    // and round robin must stay exact: N picks over k members give each N/k.
    SubscriptionTree tree;
    RetainedStore store;
    QList<QByteArray> topics;
    SubscriberKey key = 1;
    for (int i = 0; i < 20; ++i) {
        const QByteArray n = QByteArray::number(i);
        QVERIFY(tree.subscribe(sub(key++, "s/" + n + "/+")));
        QVERIFY(tree.subscribe(sub(key++, "s/+/" + n)));
        QVERIFY(tree.subscribe(sub(key++, "s/" + n + "/#")));
        for (int j = 0; j < 20; ++j) {
            topics.append("s/" + n + '/' + QByteArray::number(j));
            QCOMPARE(store.set(retainedMessage(topics.last()), 0, 0), 1);
        }
    }
    QVERIFY(tree.subscribe(sub(key++, "#")));
    for (int m = 0; m < 4; ++m) {
        QVERIFY(tree.subscribe(sub(key++, "$share/all/s/#")));
        QVERIFY(tree.subscribe(sub(key++, "$share/plus/s/+/+")));
    }

    const SubscriptionTree &ctree = tree;
    const RetainedStore &cstore = store;
    QList<QByteArray> expected;
    for (const QByteArray &t : std::as_const(topics)) {
        Matches m;
        ctree.match(t, m);
        expected.append(describe(m));
    }
    const QByteArray expectedRetained = retainedTopics(cstore, "s/+/#");

    constexpr int kThreads = 4;
    constexpr int kRounds = 25; // x 400 topics x 2 groups = 20,000 picks per group per thread
    std::atomic<int> failures{0};
    // QThread::wait() synchronizes through Qt's futex-based QMutex, which TSan cannot see
    // unless Qt itself is built with TSan; this release/acquire pair makes the threads' writes
    // (picks, cursors) visibly happen before the main thread reads and frees them.
    std::atomic<int> finished{0};
    std::vector<QHash<SubscriberKey, int>> picks(kThreads);
    std::vector<std::unique_ptr<QThread>> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back(QThread::create([&, t] {
            Matches m;
            for (int round = 0; round < kRounds; ++round) {
                for (qsizetype i = 0; i < topics.size(); ++i) {
                    m.clear();
                    ctree.match(topics[i], m);
                    if (describe(m) != expected[i]) ++failures;
                    for (const SharedGroupMatch &g : m.shared)
                        ++picks[t][pickNext(g)->subscriber];
                }
                if (round % 5 == 0 && retainedTopics(cstore, "s/+/#") != expectedRetained) ++failures;
            }
            finished.fetch_add(1, std::memory_order_release);
        }));
        threads.back()->start();
    }
    for (auto &thread : threads)
        QVERIFY(thread->wait(60000));
    QCOMPARE(finished.load(std::memory_order_acquire), kThreads);
    QCOMPARE(failures.load(), 0);

    QHash<SubscriberKey, int> total;
    for (const auto &p : picks)
        for (auto it = p.cbegin(); it != p.cend(); ++it)
            total[it.key()] += it.value();
    QCOMPARE(total.size(), 8);
    const int perMember = kThreads * kRounds * int(topics.size()) / 4;
    for (int n : std::as_const(total))
        QCOMPARE(n, perMember);
}

QTEST_GUILESS_MAIN(TestTopics)
#include "tst_topics.moc"
