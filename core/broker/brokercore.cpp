#include "brokercore.h"

#include "clusterlink.h"

#include <QDateTime>
#include <QThread>

#include <algorithm>

namespace petrel {

using packets::Publish;

qint64 nowMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}

ClusterLink::~ClusterLink() = default;

BrokerCore::BrokerCore(const Options &opts, HookChain &chain) : options(opts), hooks(chain) {}

// Cluster mode: the node's route table follows the first and last subscription to a filter.
// Called with subscriptionsLock held for writing, so the link sees the changes in order.
static void filterRef(BrokerCore &core, const QByteArray &filter, int delta)
{
    if (!core.cluster) return;
    auto it = core.filterRefs.find(filter);
    if (delta > 0) {
        if (it == core.filterRefs.end()) {
            core.filterRefs.insert(filter, 1);
            core.cluster->filterAdded(filter);
        } else {
            ++*it;
        }
    } else if (it != core.filterRefs.end() && --*it <= 0) {
        core.filterRefs.erase(it);
        core.cluster->filterRemoved(filter);
    }
}

Worker *BrokerCore::nextWorker()
{
    return workers[roundRobin.fetch_add(1, std::memory_order_relaxed) % workers.size()];
}

static SessionPtr sessionOf(topics::SubscriberKey key)
{
    // Every key in the trie is a live Session: sessions leave the trie before the registry
    // lets go of them, and this is called with the trie's read lock held.
    return reinterpret_cast<Session *>(key)->shared_from_this();
}

// Subscriptions sorted by subscriber, so that one session's overlapping subscriptions are
// next to each other.
static void matchSorted(const topics::SubscriptionTree &tree, QByteArrayView topic, topics::Matches &out)
{
    out.clear();
    tree.match(topic, out);
    groupBySubscriber(out.subscriptions);
}

// The non-shared subscriptions of `matches` (grouped by subscriber) as cache targets.
static void targetsOf(const topics::Matches &matches, std::vector<RouteCache::Target> &out)
{
    out.clear();
    out.reserve(size_t(matches.subscriptions.size()));
    for (const topics::Subscription *s : matches.subscriptions)
        out.push_back({s->subscriber, s->options, s->identifier, sessionOf(s->subscriber)});
}

const RouteCache::Entry &RouteCache::fill(const topics::SubscriptionTree &tree, quint64 generation,
                                          const QByteArray &topic)
{
    auto it = m_entries.find(topic);
    if (it == m_entries.end()) {
        m_lastEntry = nullptr; // (an insertion may move the entries)
        if (m_entries.size() >= kMaxTopics) m_entries.clear();
        // A copy of the bytes: the topic may share (and would pin) a whole received packet.
        it = m_entries.insert(QByteArray(topic.constData(), topic.size()), Entry{});
    } else if (it->generation == generation) {
        return *it;
    }
    matchSorted(tree, topic, it->matches);
    targetsOf(it->matches, it->targets);
    it->matches.subscriptions.clear(); // pointers into the trie: not kept
    it->generation = generation;
    return *it;
}

void RouteCache::dropStale(quint64 generation)
{
    if (generation == m_sweptAt) return;
    m_sweptAt = generation;
    m_lastEntry = nullptr;
    m_entries.removeIf([generation](const auto &it) { return it.value().generation != generation; });
}

// One Delivery per session among `targets` (overlapping subscriptions merged).
static void deliveriesOf(const std::vector<RouteCache::Target> &targets, const MessagePtr &message,
                         std::vector<Delivery> &out)
{
    Outgoing merged;
    merged.setMessage(message);
    forEachMergedTarget(targets, *message, merged, [&](const RouteCache::Target &t, const Outgoing &o) {
        out.push_back({t.session, o});
    });
}

void BrokerCore::route(const MessagePtr &message, std::vector<Delivery> &out,
                       std::vector<QByteArray> *deferShared, RouteCache *cache) const
{
    const Publish &p = message->publish;
    if (cache) {
        // The common case: a topic seen before, no subscription changed since, no shared
        // group: no lock, no trie.
        if (const RouteCache::Entry *e = currentRoute(p.topic, *cache)) {
            deliveriesOf(e->targets, message, out);
            return;
        }
    }
    std::shared_lock lock(subscriptionsLock);
    const topics::Matches *found = nullptr;
    if (cache) {
        const RouteCache::Entry &e =
            cache->fill(subscriptions, subscriptionGeneration.load(std::memory_order_relaxed), p.topic);
        deliveriesOf(e.targets, message, out);
        found = &e.matches;
    } else {
        // (touched only here: no TLS access on the cached path)
        thread_local topics::Matches uncached;
        thread_local std::vector<RouteCache::Target> targets;
        matchSorted(subscriptions, p.topic, uncached);
        targetsOf(uncached, targets);
        deliveriesOf(targets, message, out);
        targets.clear();
        found = &uncached;
    }
    for (const topics::SharedGroupMatch &g : found->shared) {
        if (deferShared) {
            deferShared->push_back(g.members.front().filter);
            continue;
        }
        if (message->sharedOnly && !message->sharedOnly->contains(g.members.front().filter)) continue;
        const topics::Subscription *s = topics::pickNext(g);
        if (!s) continue;
        Delivery d;
        d.session = sessionOf(s->subscriber);
        d.out.setMessage(message);
        d.out.qos = std::min(s->options.qos, p.qos);
        d.out.retain = s->options.retainAsPublished && p.retain;
        if (s->identifier) d.out.subscriptionIds.append(s->identifier);
        d.out.sharedFilter = s->filter;
        out.push_back(std::move(d));
    }
}

bool BrokerCore::rerouteShared(const MessagePtr &message, const QByteArray &sharedFilter, quintptr exclude,
                               Delivery &out) const
{
    std::shared_lock lock(subscriptionsLock);
    const std::optional<topics::SharedGroupMatch> g = subscriptions.findSharedGroup(sharedFilter);
    if (!g) return false;
    const topics::Subscription *s =
        topics::pickNext(*g, [exclude](const topics::Subscription &m) { return m.subscriber != exclude; });
    if (!s) return false;
    out.session = sessionOf(s->subscriber);
    out.out.setMessage(message);
    out.out.qos = std::min(s->options.qos, message->publish.qos);
    out.out.retain = s->options.retainAsPublished && message->publish.retain;
    out.out.subscriptionIds.clear();
    if (s->identifier) out.out.subscriptionIds.append(s->identifier);
    out.out.sharedFilter = s->filter;
    return true;
}

qint64 BrokerCore::messageExpiresAt(const packets::Properties &properties, qint64 now) const
{
    if (!properties.has(packets::PropertyId::MessageExpiryInterval) || properties.messageExpiryInterval == 0)
        return messageExpiresAt(now);
    const std::int64_t maximum = caps().maximumMessageExpiryInterval;
    const std::int64_t asked = properties.messageExpiryInterval;
    return now + ((maximum > 0 && asked > maximum) ? maximum : asked) * 1000;
}

qint64 BrokerCore::messageExpiresAt(qint64 now) const
{
    const std::int64_t maximum = caps().maximumMessageExpiryInterval;
    return maximum > 0 ? now + maximum * 1000 : 0;
}

int BrokerCore::retain(const MessagePtr &message)
{
    const Publish &p = message->publish;
    std::unique_lock lock(retainedLock);
    const int change = retained.set(p, message->createdAtMs, message->expiresAtMs);
    counters.retained.store(retained.size(), std::memory_order_relaxed);
    return change;
}

bool BrokerCore::addSubscription(Session &session, const QByteArray &filter, const SessionSubscription &sub)
{
    topics::Subscription s;
    s.subscriber = session.key();
    s.clientId = session.clientId;
    s.filter = filter;
    s.options = sub.options;
    s.identifier = sub.identifier;
    std::unique_lock lock(subscriptionsLock);
    subscriptionGeneration.fetch_add(1, std::memory_order_relaxed);
    const bool isNew = subscriptions.subscribe(s);
    if (isNew) filterRef(*this, filter, +1);
    counters.subscriptions.store(subscriptions.size(), std::memory_order_relaxed);
    return isNew;
}

bool BrokerCore::removeSubscription(Session &session, const QByteArray &filter)
{
    std::unique_lock lock(subscriptionsLock);
    subscriptionGeneration.fetch_add(1, std::memory_order_relaxed);
    const bool existed = subscriptions.unsubscribe(session.key(), filter);
    if (existed) filterRef(*this, filter, -1);
    counters.subscriptions.store(subscriptions.size(), std::memory_order_relaxed);
    return existed;
}

void BrokerCore::removeAllSubscriptions(Session &session)
{
    if (session.subscriptions.isEmpty()) return;
    const QList<QByteArray> filters = session.subscriptions.keys();
    std::unique_lock lock(subscriptionsLock);
    subscriptionGeneration.fetch_add(1, std::memory_order_relaxed);
    if (cluster) {
        for (const QByteArray &f : filters)
            if (subscriptions.unsubscribe(session.key(), f)) filterRef(*this, f, -1);
    } else {
        subscriptions.unsubscribeAll(session.key(), filters);
    }
    counters.subscriptions.store(subscriptions.size(), std::memory_order_relaxed);
}

} // namespace petrel
