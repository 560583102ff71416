// The retained-message store: a trie of topic levels. See topics.h for the contract.
#include "topics.h"
#include "trie_p.h"

#include <memory>
#include <vector>

namespace petrel::topics {

using detail::isDollar;
using detail::levelEnd;

struct RetainedStore::Node {
    detail::ChildMap<Node> children;
    std::unique_ptr<Entry> entry; // the retained message whose topic ends here, if any

    bool isEmpty() const { return !entry && children.isEmpty(); }
};

RetainedStore::RetainedStore() : m_root(new Node) {}

RetainedStore::~RetainedStore()
{
    std::vector<Node *> stack{m_root};
    while (!stack.empty()) {
        Node *node = stack.back();
        stack.pop_back();
        node->children.forEach([&](QByteArrayView, Node *c) { stack.push_back(c); });
        delete node;
    }
}

int RetainedStore::set(const packets::Publish &message, qint64 nowMs, qint64 expiresAtMs)
{
    const QByteArrayView topic = message.topic;
    if (topic.isEmpty()) return 0;
    if (message.payload.isEmpty()) return remove(topic) ? -1 : 0; // [MQTT-3.3.1-6]

    Node *node = m_root;
    for (qsizetype pos = 0; pos <= topic.size();) {
        const qsizetype end = levelEnd(topic, pos);
        const QByteArrayView level = topic.sliced(pos, end - pos);
        Node *next = node->children.find(level);
        if (!next) {
            next = new Node;
            ++m_nodes;
            node->children.insert(level, next);
        }
        node = next;
        pos = end + 1;
    }

    if (expiresAtMs != 0 && (m_nextExpiryMs == 0 || expiresAtMs < m_nextExpiryMs))
        m_nextExpiryMs = expiresAtMs;
    if (node->entry) {
        *node->entry = Entry{message, nowMs, expiresAtMs};
        return 0;
    }
    node->entry = std::make_unique<Entry>(Entry{message, nowMs, expiresAtMs});
    ++m_size;
    return 1;
}

bool RetainedStore::remove(QByteArrayView topic)
{
    struct Step {
        Node *parent;
        Node *node;
        QByteArrayView key;
    };
    QVarLengthArray<Step, 16> path;
    Node *node = m_root;
    for (qsizetype pos = 0; pos <= topic.size();) {
        const qsizetype end = levelEnd(topic, pos);
        const QByteArrayView level = topic.sliced(pos, end - pos);
        Node *next = node->children.find(level);
        if (!next) return false;
        path.append({node, next, level});
        node = next;
        pos = end + 1;
    }
    if (!node->entry) return false;
    node->entry.reset();
    --m_size;
    for (qsizetype i = path.size() - 1; i >= 0 && path[i].node->isEmpty(); --i) {
        path[i].parent->children.take(path[i].key);
        delete path[i].node;
        --m_nodes;
    }
    return true;
}

const RetainedStore::Entry *RetainedStore::find(QByteArrayView topic) const
{
    const Node *node = m_root;
    for (qsizetype pos = 0; pos <= topic.size();) {
        const qsizetype end = levelEnd(topic, pos);
        node = node->children.find(topic.sliced(pos, end - pos));
        if (!node) return nullptr;
        pos = end + 1;
    }
    return node->entry.get();
}

void RetainedStore::matchImpl(QByteArrayView filter, qint64 nowMs, void (*visit)(void *, const Entry &),
                              void *ctx) const
{
    // Walk the filter over the trie: a literal level follows one child, '+' every child,
    // a trailing '#' the node itself and its whole subtree. [MQTT-4.7.2-1]: wildcards at the
    // root skip the children whose level begins with '$'.
    const qsizetype size = filter.size();
    auto report = [&](const Node *node) {
        if (node->entry && !node->entry->isExpired(nowMs)) visit(ctx, *node->entry);
    };
    struct Frame {
        const Node *node;
        qsizetype pos;
    };
    QVarLengthArray<Frame, 16> pending{{m_root, 0}};
    QVarLengthArray<const Node *, 32> subtree;
    while (!pending.isEmpty()) {
        const auto [node, pos] = pending.last();
        pending.removeLast();
        if (pos > size) {
            report(node);
            continue;
        }
        const bool atRoot = node == m_root;
        const qsizetype end = levelEnd(filter, pos);
        const QByteArrayView level = filter.sliced(pos, end - pos);
        if (level.size() == 1 && level.front() == '#' && end == size) {
            if (!atRoot) report(node); // the parent level [MQTT-4.7.1-2]
            node->children.forEach([&](QByteArrayView key, const Node *c) {
                if (!atRoot || !isDollar(key)) subtree.append(c);
            });
            while (!subtree.isEmpty()) {
                const Node *n = subtree.last();
                subtree.removeLast();
                report(n);
                n->children.forEach([&](QByteArrayView, const Node *c) { subtree.append(c); });
            }
        } else if (level.size() == 1 && level.front() == '+') {
            node->children.forEach([&](QByteArrayView key, const Node *c) {
                if (!atRoot || !isDollar(key)) pending.append({c, end + 1});
            });
        } else if (const Node *next = node->children.find(level)) {
            pending.append({next, end + 1});
        }
    }
}

int RetainedStore::purgeExpired(qint64 nowMs, QList<packets::Publish> *expired)
{
    if (m_nextExpiryMs == 0 || nowMs < m_nextExpiryMs) return 0;

    QList<QByteArray> topics;
    qint64 next = 0;
    std::vector<const Node *> stack{m_root};
    while (!stack.empty()) {
        const Node *node = stack.back();
        stack.pop_back();
        if (const Entry *e = node->entry.get()) {
            if (e->isExpired(nowMs)) {
                topics.append(e->message.topic);
                if (expired) expired->append(e->message);
            } else if (e->expiresAtMs != 0 && (next == 0 || e->expiresAtMs < next)) {
                next = e->expiresAtMs;
            }
        }
        node->children.forEach([&](QByteArrayView, const Node *c) { stack.push_back(c); });
    }
    for (const QByteArray &t : std::as_const(topics))
        remove(t);
    m_nextExpiryMs = next;
    return int(topics.size());
}

void RetainedStore::forEachImpl(void (*visit)(void *, const Entry &), void *ctx) const
{
    std::vector<const Node *> stack{m_root};
    while (!stack.empty()) {
        const Node *node = stack.back();
        stack.pop_back();
        if (node->entry) visit(ctx, *node->entry);
        node->children.forEach([&](QByteArrayView, const Node *c) { stack.push_back(c); });
    }
}

} // namespace petrel::topics
