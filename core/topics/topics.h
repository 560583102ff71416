// Topic matching for the broker: the subscription trie, shared subscription groups and the
// retained-message store (MQTT 5 sections 4.7 and 4.8; the same rules hold for 3.1.1).
//
// Pure value code: no QObject, no sockets, no locks. The broker owns one SubscriptionTree and
// one RetainedStore and wraps each in a read-write lock:
//
//   * const methods (match(), find(), forEach(), size(), ...) are safe to call concurrently from
//     any number of threads as long as no non-const method runs at the same time. The only
//     state they change is the round-robin cursor of shared groups, which is std::atomic.
//   * non-const methods (subscribe(), unsubscribe(), set(), purgeExpired(), ...) need
//     exclusive access.
//   * pointers and views handed out by const methods (Matches, SharedGroupMatch, Entry
//     references) stay valid until the next non-const call on the same object: use them
//     while holding the read lock, copy what must outlive it.
//
// Filters are assumed to be valid (the codec/broker validates them with
// packets::isValidTopicFilter before they get here). Invalid input still cannot crash
// anything: a '#' that is not the last level is treated as a literal level, and a
// "$share/..." filter without a non-empty group and a filter part is treated as a plain
// filter. Nothing here recurses on the number of topic levels, so a 65535-byte
// "a/a/a/..." filter costs memory (bounded by the broker's limits) but never stack.
#pragma once

#include "packets/packets.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QList>
#include <QVarLengthArray>

#include <atomic>
#include <cstdint>
#include <optional>
#include <span>

namespace petrel::topics {

// ---- filters -------------------------------------------------------------------------

// A filter split into its shared-subscription parts. For "$share/g/a/+" group is "g" and
// filter is "a/+"; for a plain filter group is empty and filter is the whole filter.
// Views point into the argument of splitSharedFilter().
struct FilterParts {
    QByteArrayView group;
    QByteArrayView filter;
    bool isShared() const { return !group.isEmpty(); }
};

// "$share/{group}/{filter}" -> {group, filter} (MQTT 5 section 4.8.2). Anything else, including
// the malformed "$share/g" and "$share//f", is returned as a plain filter.
FilterParts splitSharedFilter(QByteArrayView filter);

// True if `topic` (a topic name, no wildcards) matches the plain `filter` (wildcards allowed,
// no "$share/" prefix). The reference implementation of the rules; the trie and the
// retained store give the same answers faster. Useful for ACL checks and tests.
bool topicMatchesFilter(QByteArrayView filter, QByteArrayView topic);

// ---- subscriptions -------------------------------------------------------------------

using SubscriberKey = quintptr; // opaque handle the broker gives each session (e.g. a pointer); 0 is invalid

struct Subscription {
    SubscriberKey subscriber = 0;
    QByteArray clientId;
    QByteArray filter; // as the client sent it, "$share/g/a/+" included
    packets::SubscribeOptions options;
    std::uint32_t identifier = 0; // v5 subscription identifier, 0 = none
    bool operator==(const Subscription &) const = default;
};

// One shared group (per (group, filter)) that matched a topic. Views into the tree: valid
// until the tree is next modified. The broker delivers to one member, chosen with pickNext().
struct SharedGroupMatch {
    QByteArrayView group;                         // "g" of "$share/g/a/+"
    QByteArrayView filter;                        // "a/+"
    std::span<const Subscription> members;        // never empty
    std::atomic<std::uint32_t> *cursor = nullptr; // the group's round-robin cursor (shared by all readers)
};

// Round robin over a matched group: returns the next member and advances the group's cursor
// (atomically, so concurrent readers under the read lock spread messages evenly too).
inline const Subscription *pickNext(const SharedGroupMatch &g)
{
    if (g.members.empty()) return nullptr;
    const std::uint32_t n = g.cursor->fetch_add(1, std::memory_order_relaxed);
    return &g.members[n % g.members.size()];
}

// Like pickNext(g), but skips members for which accept(const Subscription &) is false (e.g.
// sessions that are offline or whose quota is full). Tries each member at most once starting
// at the cursor; returns nullptr if none accepts.
template <class Accept>
const Subscription *pickNext(const SharedGroupMatch &g, Accept accept)
{
    const std::size_t count = g.members.size();
    if (count == 0) return nullptr;
    const std::uint32_t start = g.cursor->fetch_add(1, std::memory_order_relaxed);
    for (std::size_t i = 0; i < count; ++i) {
        const Subscription &s = g.members[(start + i) % count];
        if (accept(s)) {
            if (i != 0) g.cursor->fetch_add(std::uint32_t(i), std::memory_order_relaxed);
            return &s;
        }
    }
    return nullptr;
}

// The result of SubscriptionTree::match(). Reuse one per worker thread: clear() keeps the
// capacity, so steady-state matching allocates nothing.
struct Matches {
    QVarLengthArray<const Subscription *, 32>
        subscriptions; // every matching non-shared subscription (a client may appear several times with
                       // overlapping filters)
    QVarLengthArray<SharedGroupMatch, 2> shared; // each matching shared group, once per (group, filter)
    void clear()
    {
        subscriptions.clear();
        shared.clear();
    }
    bool isEmpty() const { return subscriptions.isEmpty() && shared.isEmpty(); }
};

// The subscription trie. One node per filter level; literal children in a small vector (a
// hash once a node has many), '+' and '#' children in their own pointers so matching never
// hashes a wildcard. A subscription is identified by (subscriber, filter as sent).
class SubscriptionTree {
public:
    SubscriptionTree();
    ~SubscriptionTree();
    SubscriptionTree(const SubscriptionTree &) = delete;
    SubscriptionTree &operator=(const SubscriptionTree &) = delete;

    // Adds or replaces (same subscriber + same filter) a subscription. Returns true if it is
    // new; if it replaced one and `previous` is given, *previous receives a copy of the old one.
    bool subscribe(const Subscription &s, Subscription *previous = nullptr);
    // Removes the subscription of `subscriber` to `filter` (as sent, "$share/..." included).
    // Returns true if it existed. Nodes left empty are freed.
    bool unsubscribe(SubscriberKey subscriber, QByteArrayView filter);
    // unsubscribe() for each filter; returns how many existed.
    int unsubscribeAll(SubscriberKey subscriber, const QList<QByteArray> &filters);

    // Appends every subscription matching `topic` to out (non-shared ones one by one, shared
    // ones as one SharedGroupMatch per (group, filter)). Allocates nothing beyond growing out.
    void match(QByteArrayView topic, Matches &out) const;

    // The shared group of "$share/{group}/{filter}", as match() would report it, without
    // matching a topic (e.g. to re-deliver to another member when one disconnects).
    std::optional<SharedGroupMatch> findSharedGroup(QByteArrayView sharedFilter) const;
    // The subscription of `subscriber` to `filter` (as sent), or nullptr.
    const Subscription *find(SubscriberKey subscriber, QByteArrayView filter) const;
    qsizetype size() const { return m_size; }
    bool isEmpty() const { return m_size == 0; }
    // Every subscription of one subscriber. Walks the whole tree: for admin/persistence.
    QList<Subscription> subscriptionsOf(SubscriberKey subscriber) const;
    // Calls f(const Subscription &) for every subscription (admin, persistence).
    template <class F>
    void forEach(F f) const
    {
        forEachImpl([](void *ctx, const Subscription &s) { (*static_cast<F *>(ctx))(s); }, &f);
    }

    // Trie nodes besides the root: 0 when the tree is empty (tests check pruning with it).
    qsizetype nodeCount() const { return m_nodes; }
    // Bumped by every change; lets the broker cache match() results per topic and notice
    // when they go stale.
    std::uint64_t generation() const { return m_generation; }

    struct Node; // private; public only so the .cpp's helpers can name it

private:
    void forEachImpl(void (*visit)(void *, const Subscription &), void *ctx) const;

    Node *m_root;
    qsizetype m_size = 0;
    qsizetype m_nodes = 0;
    std::uint64_t m_generation = 0;
};

// ---- retained messages ---------------------------------------------------------------

// Retained messages in a trie of topic levels, so that a wildcard subscription visits only
// the branches its filter can match.
class RetainedStore {
public:
    struct Entry {
        packets::Publish message;
        qint64 storedAtMs = 0;
        qint64 expiresAtMs = 0; // 0 = never
        bool isExpired(qint64 nowMs) const { return expiresAtMs != 0 && expiresAtMs <= nowMs; }
    };

    RetainedStore();
    ~RetainedStore();
    RetainedStore(const RetainedStore &) = delete;
    RetainedStore &operator=(const RetainedStore &) = delete;

    // Stores (replaces) the retained message for message.topic, as given; an empty payload
    // deletes it [MQTT-3.3.1-6]. Returns +1 added, 0 replaced, -1 removed, or 0 if nothing
    // changed (empty payload and nothing stored, or an empty topic).
    int set(const packets::Publish &message, qint64 nowMs, qint64 expiresAtMs);
    bool remove(QByteArrayView topic);
    // The entry for exactly `topic` (expired or not), or nullptr.
    const Entry *find(QByteArrayView topic) const;

    // Calls visit(const Entry &) for every retained message whose topic matches `filter`
    // (wildcards allowed; a shared "$share/g/f" filter must be given as its plain part f by
    // the caller). Entries expired at nowMs are skipped (purgeExpired() erases them).
    template <class F>
    void match(QByteArrayView filter, qint64 nowMs, F visit) const
    {
        matchImpl(
            filter, nowMs, [](void *ctx, const Entry &e) { (*static_cast<F *>(ctx))(e); }, &visit);
    }

    // Erases every entry expired at nowMs, appending their messages to *expired if given.
    // Returns how many were erased. Costs nothing until the earliest expiry is due.
    int purgeExpired(qint64 nowMs, QList<packets::Publish> *expired = nullptr);

    qsizetype size() const { return m_size; }
    bool isEmpty() const { return m_size == 0; }
    // Calls f(const Entry &) for every entry, expired ones included (persistence, admin).
    template <class F>
    void forEach(F f) const
    {
        forEachImpl([](void *ctx, const Entry &e) { (*static_cast<F *>(ctx))(e); }, &f);
    }

    // Trie nodes besides the root: 0 when the store is empty.
    qsizetype nodeCount() const { return m_nodes; }

    struct Node; // private; public only so the .cpp's helpers can name it

private:
    void matchImpl(QByteArrayView filter, qint64 nowMs, void (*visit)(void *, const Entry &),
                   void *ctx) const;
    void forEachImpl(void (*visit)(void *, const Entry &), void *ctx) const;

    Node *m_root;
    qsizetype m_size = 0;
    qsizetype m_nodes = 0;
    qint64 m_nextExpiryMs = 0; // a lower bound of the earliest expiresAtMs, 0 = none
};

} // namespace petrel::topics
