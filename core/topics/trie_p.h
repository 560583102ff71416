// Private helpers shared by the subscription trie and the retained store. Not installed.
#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QHash>

#include <cstring>
#include <vector>

namespace petrel::topics::detail {

// Levels of a topic or filter, walked without allocating. A position `start` is the first
// byte of the next level; start > size() means there are no levels left. So "a" has one level
// and "a/" two ("a" and ""), and every string, even "", has at least one level.
inline qsizetype levelEnd(QByteArrayView s, qsizetype start)
{
    // Levels are short: a plain loop over the first bytes beats a call to memchr; long
    // levels still get memchr's vectorised scan.
    const qsizetype n = s.size();
    const char *d = s.data();
    const qsizetype inlineEnd = n - start > 16 ? start + 16 : n;
    for (qsizetype i = start; i < inlineEnd; ++i)
        if (d[i] == '/') return i;
    if (inlineEnd == n) return n;
    const void *slash = std::memchr(d + inlineEnd, '/', size_t(n - inlineEnd));
    return slash ? static_cast<const char *>(slash) - d : n;
}

inline bool isDollar(QByteArrayView s)
{
    return !s.isEmpty() && s.front() == '$';
}

inline bool sameBytes(QByteArrayView a, QByteArrayView b)
{
    // Sizes first, then the first byte inline: most sibling levels differ there.
    const qsizetype n = a.size();
    if (n != b.size()) return false;
    if (n == 0) return true;
    if (a.data()[0] != b.data()[0]) return false;
    return n == 1 || std::memcmp(a.data() + 1, b.data() + 1, size_t(n - 1)) == 0;
}

// Literal children of a trie node, keyed by level bytes. Few children (the common case deep
// in a tree) live in a vector scanned linearly, comparing sizes first; past kSmallMax they
// move to a QHash. Lookups take a QByteArrayView and never allocate. Owns nothing: the
// trie frees nodes itself (iteratively, so deep trees cannot overflow the stack).
template <class Node>
class ChildMap {
public:
    static constexpr qsizetype kSmallMax = 8;

    Node *find(QByteArrayView key) const
    {
        if (m_big.isEmpty()) {
            for (const Entry &e : m_small)
                if (sameBytes(e.key, key)) return e.node;
            return nullptr;
        }
        // fromRawData does not copy; constFind never detaches (safe for concurrent readers).
        return m_big.value(QByteArray::fromRawData(key.data(), key.size()), nullptr);
    }

    void insert(QByteArrayView key, Node *node)
    {
        QByteArray owned(key.data(), key.size());
        if (m_big.isEmpty() && qsizetype(m_small.size()) < kSmallMax) {
            m_small.push_back({std::move(owned), node});
            return;
        }
        if (m_big.isEmpty()) {
            m_big.reserve(kSmallMax * 2);
            for (Entry &e : m_small)
                m_big.insert(std::move(e.key), e.node);
            m_small.clear();
            m_small.shrink_to_fit();
        }
        m_big.insert(std::move(owned), node);
    }

    Node *take(QByteArrayView key)
    {
        if (m_big.isEmpty()) {
            for (auto it = m_small.begin(); it != m_small.end(); ++it) {
                if (sameBytes(it->key, key)) {
                    Node *node = it->node;
                    if (&*it != &m_small.back()) *it = std::move(m_small.back());
                    m_small.pop_back();
                    return node;
                }
            }
            return nullptr;
        }
        Node *node = m_big.take(QByteArray::fromRawData(key.data(), key.size()));
        if (m_big.size() <= kSmallMax / 2) { // back to the vector, with hysteresis
            m_small.reserve(size_t(m_big.size()));
            for (auto it = m_big.cbegin(); it != m_big.cend(); ++it)
                m_small.push_back({it.key(), it.value()});
            m_big.clear();
        }
        return node;
    }

    bool isEmpty() const { return m_small.empty() && m_big.isEmpty(); }
    qsizetype size() const { return m_big.isEmpty() ? qsizetype(m_small.size()) : m_big.size(); }

    // f(QByteArrayView key, Node *child)
    template <class F>
    void forEach(F f) const
    {
        if (m_big.isEmpty()) {
            for (const Entry &e : m_small)
                f(QByteArrayView(e.key), e.node);
        } else {
            for (auto it = m_big.cbegin(); it != m_big.cend(); ++it)
                f(QByteArrayView(it.key()), it.value());
        }
    }

    void clear()
    {
        m_small.clear();
        m_big.clear();
    }

private:
    struct Entry {
        QByteArray key;
        Node *node;
    };
    std::vector<Entry> m_small;
    QHash<QByteArray, Node *> m_big;
};

} // namespace petrel::topics::detail
