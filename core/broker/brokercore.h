// State shared by all worker threads: the subscription trie, the retained store, the
// session registry and the counters. Read-mostly; every member documents its lock.
#pragma once

#include "hooks/hookchain.h"
#include "inlineclient.h"
#include "options.h"
#include "rebalance.h"
#include "session/session.h"
#include "subscriptionmerge.h"
#include "topics/topics.h"

#include <atomic>
#include <functional>
#include <mutex>
#include <shared_mutex>
#include <vector>

namespace petrel {

class ClusterLink;
class Worker;

// One delivery decided by the router: a message for one session.
struct Delivery {
    SessionPtr session;
    Outgoing out;
    // Or, when copyAt >= 0 (and `session` and `out` are unused): the items [copyAt, copyEnd)
    // of the CopyStream that came with its batch.
    qsizetype copyAt = -1;
    qsizetype copyEnd = -1;
    // A session taken over between workers (Worker::handOver): the deliveries its old worker
    // passes on were routed before the hand-over, and the markers of the fence that tells the
    // new worker when the last of them is in.
    enum class Kind : std::uint8_t { Message, FenceAck, Release };
    Kind kind = Kind::Message;
    bool forwarded = false; // passed on by a worker that was no longer the session's home
};

// Plain PUBLISH packets forwarded in place to the sessions of another worker
// (Worker::publishInPlace): their topics and payloads and the sessions they go to, as items in
// a byte stream that the receiving worker walks in order (Worker::deliverCopies), and
// references that keep those sessions alive until it has: one per run of copies for the same
// session, not one per copy. Handed over whole with the batch of deliveries it belongs to.
struct CopyStream {
    QByteArray bytes; // (its capacity is kept: it only ever shrinks by resize(0))
    std::vector<SessionPtr> keep;
    void clear()
    {
        bytes.resize(0);
        keep.clear();
    }
};

// What the subscription trie answered for recently published topics, so that a topic seen
// again costs one hash lookup instead of a walk of the trie and no lock. An entry is valid
// while the trie's generation (BrokerCore::subscriptionGeneration) is the one it was filled
// at: any change to the trie makes every entry stale, so a cached route never misses a new
// subscriber nor reaches a removed one. An entry holds copies of the non-shared
// subscriptions' options and strong references to their sessions, so a current entry is
// used without the trie's lock; its shared groups (views into the trie) only under the lock.
// Stale entries (and the sessions they hold) go at the next lookup of their topic or at
// dropStale(). One per worker thread: no lock of its own.
class RouteCache {
public:
    static constexpr qsizetype kMaxTopics = 4096; // past this, the cache starts again empty

    RouteCache() = default;
    RouteCache(const RouteCache &) = delete; // (current()'s memo points into m_entries)
    RouteCache &operator=(const RouteCache &) = delete;

    // One matching non-shared subscription (the fields subscriptionmerge.h reads).
    struct Target {
        topics::SubscriberKey subscriber = 0;
        packets::SubscribeOptions options;
        std::uint32_t identifier = 0;
        SessionPtr session;
    };
    struct Entry {
        quint64 generation = 0;
        std::vector<Target> targets; // grouped by subscriber
        topics::Matches matches;     // only `shared` is used, under the trie's lock
    };

    // The entry of `topic` if it was filled at `generation`, else null. No lock needed.
    const Entry *current(const QByteArray &topic, quint64 generation) const
    {
        // The topic found last is compared first: the PUBLISH packets of one publisher that
        // one read brings are mostly to one topic (a compare instead of hashing and probing).
        if (!m_lastEntry || *m_lastKey != topic) {
            auto it = m_entries.constFind(topic);
            if (it == m_entries.constEnd()) return nullptr;
            m_lastKey = &it.key();
            m_lastEntry = &*it;
        }
        return m_lastEntry->generation == generation ? m_lastEntry : nullptr;
    }
    // The entry of `topic`, refilled from `tree` unless it is current. Under the trie's lock.
    const Entry &fill(const topics::SubscriptionTree &tree, quint64 generation, const QByteArray &topic);
    // Removes the entries filled before `generation`, letting go of their sessions.
    void dropStale(quint64 generation);
    qsizetype size() const { return m_entries.size(); }

private:
    QHash<QByteArray, Entry> m_entries;
    quint64 m_sweptAt = 0; // the generation of the last dropStale()
    // current()'s last find, into m_entries: forgotten whenever m_entries changes.
    mutable const QByteArray *m_lastKey = nullptr;
    mutable const Entry *m_lastEntry = nullptr;
};

// Calls fn(target, out) once per session among a cached entry's `targets` (grouped by
// subscriber), with that session's subscriptions matching `message` merged into `out`
// (No Local applied). `out` is reused from call to call; the caller sets its message once.
template <class Fn>
void forEachMergedTarget(const std::vector<RouteCache::Target> &targets, const Message &message,
                         Outgoing &out, Fn &&fn)
{
    const auto noLocal = [&](const RouteCache::Target &t) {
        return t.options.noLocal && t.subscriber == message.originSession; // [MQTT-3.8.3-3]
    };
    for (qsizetype i = 0; i < qsizetype(targets.size());) {
        const RouteCache::Target &first = targets[size_t(i)];
        out.retain = false;
        out.subscriptionIds.clear();
        if (mergeRun(targets, i, message.publish.qos, message.publish.retain, noLocal, out))
            fn(first, std::as_const(out));
    }
}

struct Counters {
    std::atomic<qint64> clientsConnected{0};
    std::atomic<qint64> clientsMaximum{0};
    std::atomic<qint64> clientsTotal{0};
    std::atomic<qint64> messagesReceived{0};
    std::atomic<qint64> messagesSent{0};
    std::atomic<qint64> messagesDropped{0};
    std::atomic<qint64> bytesReceived{0};
    std::atomic<qint64> bytesSent{0};
    std::atomic<qint64> packetsReceived{0};
    std::atomic<qint64> packetsSent{0};
    std::atomic<qint64> inflight{0};
    std::atomic<qint64> retained{0};
    std::atomic<qint64> subscriptions{0};
    std::atomic<qint64> connectionsMoved{0}; // between workers (Rebalancer)
};

// The locks are std::mutex / std::shared_mutex (pthread underneath) rather than QMutex /
// QReadWriteLock so that ThreadSanitizer, which intercepts pthread but cannot see inside an
// uninstrumented Qt, checks the broker's locking for real.
class BrokerCore {
public:
    BrokerCore(const Options &options, HookChain &hooks);

    const Options options;
    const Capabilities &caps() const { return options.capabilities; }
    HookChain &hooks; // owned by the Broker; filled before start, read-only while running
    InlineSubscriptions *inlineSubscriptions = nullptr; // owned by the Broker; thread-safe
    Counters counters;
    qint64 startedAtMs = 0;
    // Recent messages for the admin API (messagering.h); null unless a listener has an admin token.
    std::shared_ptr<class MessageRing> messageRing;
    std::vector<Worker *> workers; // fixed while running

    // Subscriptions (writers: SUBSCRIBE/UNSUBSCRIBE/session end; readers: every PUBLISH).
    mutable std::shared_mutex subscriptionsLock;
    topics::SubscriptionTree subscriptions;
    // Changes with every change to `subscriptions` (written under the lock): RouteCache.
    std::atomic<quint64> subscriptionGeneration{1};
    // Cluster mode: the link to the other nodes (set before the workers start, cleared after
    // they stop), and how many sessions of this node hold each filter (subscriptionsLock).
    ClusterLink *cluster = nullptr;
    QHash<QByteArray, int> filterRefs;

    mutable std::shared_mutex retainedLock;
    topics::RetainedStore retained;

    // clientId -> session, connected or not. Taking a session over goes through here.
    std::mutex registryLock;
    QHash<QByteArray, SessionPtr> registry;

    // Finds every session that should receive `message` and appends one Delivery per
    // session (overlapping subscriptions merged: highest QoS, all identifiers) plus one per
    // matching shared group (one member chosen round-robin). Thread-safe.
    // Cluster mode: with `deferShared`, matching shared groups are not served but their
    // filters ("$share/g/f") appended to it (the cluster picks the node that serves each);
    // a message with Message::sharedOnly serves only those groups.
    // `cache`: the calling worker's RouteCache, if it has one.
    void route(const MessagePtr &message, std::vector<Delivery> &out,
               std::vector<QByteArray> *deferShared = nullptr, RouteCache *cache = nullptr) const;

    // The worker's cached route of `topic` if it can be used without the trie's lock (filled
    // at the current generation, no shared group), else null. Its targets are grouped by
    // subscriber (one delivery per session: forEachMergedTarget below).
    const RouteCache::Entry *currentRoute(const QByteArray &topic, const RouteCache &cache) const
    {
        const RouteCache::Entry *e =
            cache.current(topic, subscriptionGeneration.load(std::memory_order_acquire));
        return e && e->matches.shared.isEmpty() ? e : nullptr;
    }

    // Picks another member of the shared subscription `sharedFilter` ("$share/g/f") for
    // `message`, not `exclude`. Used when a member leaves with unacknowledged messages.
    bool rerouteShared(const MessagePtr &message, const QByteArray &sharedFilter, quintptr exclude,
                       Delivery &out) const;

    // When a message published now with these properties expires (ms since the epoch, 0 =
    // never): its Message Expiry Interval, capped by maximumMessageExpiryInterval, which is
    // also the expiry of messages without one (as Mochi).
    qint64 messageExpiresAt(const packets::Properties &properties, qint64 now) const;
    // The same for a message without properties.
    qint64 messageExpiresAt(qint64 now) const;

    // Stores or clears the retained message for message->publish.topic. Returns +1 stored,
    // 0 replaced (or nothing to clear), -1 cleared.
    int retain(const MessagePtr &message);

    // Adds/removes a subscription in the trie. Thread-safe.
    bool addSubscription(Session &session, const QByteArray &filter, const SessionSubscription &sub);
    bool removeSubscription(Session &session, const QByteArray &filter);
    void removeAllSubscriptions(Session &session);

    // Persistence (storage hooks): the broker-wide order of stored deliveries, and the gate
    // of a hook in sync mode (output waits until changes are durable), if any.
    std::atomic<std::uint64_t> messageSequence{0};
    DurabilityGate *durability = nullptr; // set before the workers start

    // Rebuilds sessions, subscriptions, queued/inflight messages, retained messages and
    // counters from the hooks' Stored* loaders (before the workers start; restore.cpp).
    // Expired entries are dropped, and the hooks told so. Returns the number of sessions.
    int restore();

    Worker *nextWorker();
    std::atomic<unsigned> roundRobin{0};
    // Connection affinity: set before the workers start when enabled with two workers or more.
    std::unique_ptr<Rebalancer> rebalancer;
    // Set when the broker begins to stop: no connection moves between workers from then on.
    std::atomic<bool> stopping{false};
    std::atomic<quint64> assignedIdCounter{0};
};

qint64 nowMs();

} // namespace petrel
