// The subscription trie: see topics.h for the contract (thread safety, pointer lifetime).
#include "topics.h"
#include "trie_p.h"

#include <QHash>

#include <memory>
#include <vector>

namespace petrel::topics {

using detail::isDollar;
using detail::levelEnd;
using detail::sameBytes;

// ---- filters -------------------------------------------------------------------------

FilterParts splitSharedFilter(QByteArrayView filter)
{
    static constexpr QByteArrayView prefix("$share/");
    if (filter.size() > prefix.size() && sameBytes(filter.first(prefix.size()), prefix)) {
        const QByteArrayView rest = filter.sliced(prefix.size());
        const qsizetype slash = rest.indexOf('/');
        // [MQTT-4.8.2-1] the group is at least one character; the filter part is required too.
        if (slash > 0 && slash + 1 < rest.size()) return {rest.first(slash), rest.sliced(slash + 1)};
    }
    return {QByteArrayView(), filter};
}

namespace {

enum class Edge : std::uint8_t { Literal, Plus, Hash };

// How a filter level is stored. '#' counts as a wildcard only as the last level (a valid
// filter has it nowhere else); otherwise it is a literal, like any other bytes.
inline Edge edgeOf(QByteArrayView level, bool last)
{
    if (level.size() == 1) {
        if (level.front() == '+') return Edge::Plus;
        if (level.front() == '#' && last) return Edge::Hash;
    }
    return Edge::Literal;
}

} // namespace

bool topicMatchesFilter(QByteArrayView filter, QByteArrayView topic)
{
    const qsizetype fsize = filter.size();
    const qsizetype tsize = topic.size();
    qsizetype fpos = 0;
    qsizetype tpos = 0;
    for (;;) {
        const qsizetype fend = levelEnd(filter, fpos);
        const Edge edge = edgeOf(filter.sliced(fpos, fend - fpos), fend == fsize);
        // [MQTT-4.7.2-1] a wildcard first level does not match topics beginning with '$'.
        if (fpos == 0 && edge != Edge::Literal && isDollar(topic)) return false;
        if (edge == Edge::Hash) return true; // [MQTT-4.7.1-2] the parent level and any children
        if (tpos > tsize) return false;      // the filter has more levels than the topic
        const qsizetype tend = levelEnd(topic, tpos);
        if (edge == Edge::Literal &&
            !sameBytes(filter.sliced(fpos, fend - fpos), topic.sliced(tpos, tend - tpos)))
            return false;
        fpos = fend + 1;
        tpos = tend + 1;
        if (fpos > fsize) return tpos > tsize;
    }
}

// ---- the trie ------------------------------------------------------------------------

namespace {

// The subscriptions attached to one node (or the members of one shared group), one per
// subscriber. Contiguous, so match() walks them like an array; a hash index on the
// subscriber is kept once there are many, so subscribe/unsubscribe stay O(1) when 10,000
// clients share a filter.
class SubscriberList {
public:
    std::span<const Subscription> items() const { return {m_items.data(), m_items.size()}; }
    bool isEmpty() const { return m_items.empty(); }

    const Subscription *find(SubscriberKey key) const
    {
        const qsizetype i = indexOf(key);
        return i < 0 ? nullptr : &m_items[size_t(i)];
    }

    bool upsert(const Subscription &s, Subscription *previous)
    {
        const qsizetype i = indexOf(s.subscriber);
        if (i >= 0) {
            if (previous) *previous = m_items[size_t(i)];
            m_items[size_t(i)] = s;
            return false;
        }
        m_items.push_back(s);
        if (!m_index.isEmpty()) {
            m_index.insert(s.subscriber, qsizetype(m_items.size()) - 1);
        } else if (m_items.size() > kIndexFrom) {
            m_index.reserve(qsizetype(m_items.size()) * 2);
            for (size_t j = 0; j < m_items.size(); ++j)
                m_index.insert(m_items[j].subscriber, qsizetype(j));
        }
        return true;
    }

    // Swap-with-last removal: order is not kept (round robin does not need it).
    bool remove(SubscriberKey key)
    {
        const qsizetype i = indexOf(key);
        if (i < 0) return false;
        const size_t last = m_items.size() - 1;
        if (size_t(i) != last) {
            m_items[size_t(i)] = std::move(m_items[last]);
            if (!m_index.isEmpty()) m_index.insert(m_items[size_t(i)].subscriber, i);
        }
        m_items.pop_back();
        if (!m_index.isEmpty()) {
            m_index.remove(key);
            if (m_items.size() <= kIndexFrom / 2) m_index.clear();
        }
        if (m_items.empty()) m_items.shrink_to_fit();
        return true;
    }

private:
    static constexpr size_t kIndexFrom = 16;

    qsizetype indexOf(SubscriberKey key) const
    {
        if (!m_index.isEmpty()) return m_index.value(key, -1);
        for (size_t j = 0; j < m_items.size(); ++j)
            if (m_items[j].subscriber == key) return qsizetype(j);
        return -1;
    }

    std::vector<Subscription> m_items;
    QHash<SubscriberKey, qsizetype> m_index; // complete whenever non-empty
};

// Members of "$share/{group}/{filter}" for one (group, filter).
struct SharedGroup {
    QByteArray group;
    QByteArray filter;
    SubscriberList members;
    // Advanced by pickNext() from const match() results, from many reader threads.
    mutable std::atomic<std::uint32_t> cursor{0};
};

} // namespace

struct SubscriptionTree::Node {
    detail::ChildMap<Node> children;                  // literal levels
    Node *plus = nullptr;                             // the "+" level
    Node *hash = nullptr;                             // the trailing "#" level (a leaf)
    SubscriberList subs;                              // non-shared subscriptions whose filter ends here
    std::vector<std::unique_ptr<SharedGroup>> shared; // shared groups whose filter ends here

    bool isEmpty() const { return children.isEmpty() && !plus && !hash && subs.isEmpty() && shared.empty(); }

    Node *child(Edge edge, QByteArrayView key) const
    {
        switch (edge) {
        case Edge::Plus:
            return plus;
        case Edge::Hash:
            return hash;
        case Edge::Literal:
            break;
        }
        return children.find(key);
    }

    qsizetype groupIndex(QByteArrayView group) const
    {
        for (size_t i = 0; i < shared.size(); ++i)
            if (sameBytes(shared[i]->group, group)) return qsizetype(i);
        return -1;
    }

    // Appends everything attached to this node to out.
    void collect(Matches &out) const
    {
        const std::span<const Subscription> items = subs.items();
        if (!items.empty()) {
            const qsizetype at = out.subscriptions.size();
            out.subscriptions.resize(at + qsizetype(items.size())); // pointers: not initialised
            const Subscription **dst = out.subscriptions.data() + at;
            for (const Subscription &s : items)
                *dst++ = &s;
        }
        for (const auto &g : shared)
            out.shared.append(SharedGroupMatch{g->group, g->filter, g->members.items(), &g->cursor});
    }
};

using Node = SubscriptionTree::Node;

SubscriptionTree::SubscriptionTree() : m_root(new Node) {}

SubscriptionTree::~SubscriptionTree()
{
    // Iterative: a filter with thousands of levels must not recurse thousands of frames deep.
    std::vector<Node *> stack{m_root};
    while (!stack.empty()) {
        Node *node = stack.back();
        stack.pop_back();
        node->children.forEach([&](QByteArrayView, Node *c) { stack.push_back(c); });
        if (node->plus) stack.push_back(node->plus);
        if (node->hash) stack.push_back(node->hash);
        delete node;
    }
}

bool SubscriptionTree::subscribe(const Subscription &s, Subscription *previous)
{
    Q_ASSERT(s.subscriber != 0);
    const FilterParts parts = splitSharedFilter(s.filter);
    const QByteArrayView filter = parts.filter;

    Node *node = m_root;
    for (qsizetype pos = 0; pos <= filter.size();) {
        const qsizetype end = levelEnd(filter, pos);
        const QByteArrayView level = filter.sliced(pos, end - pos);
        const Edge edge = edgeOf(level, end == filter.size());
        Node *next = node->child(edge, level);
        if (!next) {
            next = new Node;
            ++m_nodes;
            switch (edge) {
            case Edge::Plus:
                node->plus = next;
                break;
            case Edge::Hash:
                node->hash = next;
                break;
            case Edge::Literal:
                node->children.insert(level, next);
                break;
            }
        }
        node = next;
        pos = end + 1;
    }

    bool added;
    if (parts.isShared()) {
        qsizetype i = node->groupIndex(parts.group);
        if (i < 0) {
            auto group = std::make_unique<SharedGroup>();
            group->group = parts.group.toByteArray();
            group->filter = filter.toByteArray();
            node->shared.push_back(std::move(group));
            i = qsizetype(node->shared.size()) - 1;
        }
        added = node->shared[size_t(i)]->members.upsert(s, previous);
    } else {
        added = node->subs.upsert(s, previous);
    }
    if (added) ++m_size;
    ++m_generation;
    return added;
}

bool SubscriptionTree::unsubscribe(SubscriberKey subscriber, QByteArrayView fullFilter)
{
    const FilterParts parts = splitSharedFilter(fullFilter);
    const QByteArrayView filter = parts.filter;

    struct Step {
        Node *parent;
        Node *node;
        Edge edge;
        QByteArrayView key;
    };
    QVarLengthArray<Step, 16> path;
    Node *node = m_root;
    for (qsizetype pos = 0; pos <= filter.size();) {
        const qsizetype end = levelEnd(filter, pos);
        const QByteArrayView level = filter.sliced(pos, end - pos);
        const Edge edge = edgeOf(level, end == filter.size());
        Node *next = node->child(edge, level);
        if (!next) return false;
        path.append({node, next, edge, level});
        node = next;
        pos = end + 1;
    }

    if (parts.isShared()) {
        const qsizetype i = node->groupIndex(parts.group);
        if (i < 0 || !node->shared[size_t(i)]->members.remove(subscriber)) return false;
        if (node->shared[size_t(i)]->members.isEmpty()) node->shared.erase(node->shared.begin() + i);
    } else if (!node->subs.remove(subscriber)) {
        return false;
    }
    --m_size;
    ++m_generation;

    // Prune the nodes this left empty, deepest first.
    for (qsizetype i = path.size() - 1; i >= 0 && path[i].node->isEmpty(); --i) {
        const Step &step = path[i];
        switch (step.edge) {
        case Edge::Plus:
            step.parent->plus = nullptr;
            break;
        case Edge::Hash:
            step.parent->hash = nullptr;
            break;
        case Edge::Literal:
            step.parent->children.take(step.key);
            break;
        }
        delete step.node;
        --m_nodes;
    }
    return true;
}

int SubscriptionTree::unsubscribeAll(SubscriberKey subscriber, const QList<QByteArray> &filters)
{
    int removed = 0;
    for (const QByteArray &f : filters)
        removed += unsubscribe(subscriber, f) ? 1 : 0;
    return removed;
}

void SubscriptionTree::match(QByteArrayView topic, Matches &out) const
{
    // Depth-first over the topic's levels. The literal path is a plain loop; each '+' branch
    // met on the way is remembered and walked afterwards. [MQTT-4.7.2-1]: at the root, '+'
    // and '#' do not match a topic beginning with '$'.
    const bool dollar = isDollar(topic);
    const qsizetype size = topic.size();
    struct Frame {
        const Node *node;
        qsizetype pos;
    };
    QVarLengthArray<Frame, 16> pending;

    const Node *node = m_root;
    qsizetype pos = 0;
    bool wildcardsAllowed = !dollar;
    for (;;) {
        if (node->hash && wildcardsAllowed) node->hash->collect(out); // "a/#" matches "a" and "a/..."
        if (pos > size) {
            node->collect(out); // every level consumed: the filter ends here
        } else {
            const qsizetype end = levelEnd(topic, pos);
            if (node->plus && wildcardsAllowed) pending.append({node->plus, end + 1});
            if (const Node *next = node->children.find(topic.sliced(pos, end - pos))) {
                node = next;
                pos = end + 1;
                wildcardsAllowed = true;
                continue;
            }
        }
        if (pending.isEmpty()) return;
        const Frame f = pending.last();
        pending.removeLast();
        node = f.node;
        pos = f.pos;
        wildcardsAllowed = true;
    }
}

// The node where `filter` (plain part) ends, or nullptr.
static const Node *nodeOf(const Node *root, QByteArrayView filter)
{
    const Node *node = root;
    for (qsizetype pos = 0; node && pos <= filter.size();) {
        const qsizetype end = levelEnd(filter, pos);
        const QByteArrayView level = filter.sliced(pos, end - pos);
        node = node->child(edgeOf(level, end == filter.size()), level);
        pos = end + 1;
    }
    return node;
}

const Subscription *SubscriptionTree::find(SubscriberKey subscriber, QByteArrayView fullFilter) const
{
    const FilterParts parts = splitSharedFilter(fullFilter);
    const Node *node = nodeOf(m_root, parts.filter);
    if (!node) return nullptr;
    if (!parts.isShared()) return node->subs.find(subscriber);
    const qsizetype i = node->groupIndex(parts.group);
    return i < 0 ? nullptr : node->shared[size_t(i)]->members.find(subscriber);
}

std::optional<SharedGroupMatch> SubscriptionTree::findSharedGroup(QByteArrayView sharedFilter) const
{
    const FilterParts parts = splitSharedFilter(sharedFilter);
    if (!parts.isShared()) return std::nullopt;
    const Node *node = nodeOf(m_root, parts.filter);
    if (!node) return std::nullopt;
    const qsizetype i = node->groupIndex(parts.group);
    if (i < 0) return std::nullopt;
    const SharedGroup &g = *node->shared[size_t(i)];
    return SharedGroupMatch{g.group, g.filter, g.members.items(), &g.cursor};
}

QList<Subscription> SubscriptionTree::subscriptionsOf(SubscriberKey subscriber) const
{
    QList<Subscription> result;
    forEach([&](const Subscription &s) {
        if (s.subscriber == subscriber) result.append(s);
    });
    return result;
}

void SubscriptionTree::forEachImpl(void (*visit)(void *, const Subscription &), void *ctx) const
{
    std::vector<const Node *> stack{m_root};
    while (!stack.empty()) {
        const Node *node = stack.back();
        stack.pop_back();
        for (const Subscription &s : node->subs.items())
            visit(ctx, s);
        for (const auto &g : node->shared)
            for (const Subscription &s : g->members.items())
                visit(ctx, s);
        node->children.forEach([&](QByteArrayView, const Node *c) { stack.push_back(c); });
        if (node->plus) stack.push_back(node->plus);
        if (node->hash) stack.push_back(node->hash);
    }
}

} // namespace petrel::topics
