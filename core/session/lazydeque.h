// A std::deque that allocates nothing until the first element arrives.
//
// libstdc++'s std::deque allocates its map and a first 512-byte node in the default
// constructor, about 600 B per deque before anything is stored. A session has two
// (inflight, pending) and a connection one (output held for durability), so an idle
// connection paid ~1.8 KiB for three empty queues: more than everything else it holds. Most
// sessions never queue anything (QoS 0, or acknowledged at once), so the deque is created on
// first use and given back by release() when it is empty again.
#pragma once

#include <deque>
#include <memory>
#include <utility>

namespace petrel {

template <typename T>
class LazyDeque {
    using Deque = std::deque<T>;

public:
    using iterator = typename Deque::iterator;
    using const_iterator = typename Deque::const_iterator;

    LazyDeque() = default;
    LazyDeque(LazyDeque &&) noexcept = default;
    LazyDeque &operator=(LazyDeque &&) noexcept = default;

    bool empty() const { return !m_d || m_d->empty(); }
    std::size_t size() const { return m_d ? m_d->size() : 0; }
    // True while storage is allocated (for tests and memory accounting).
    bool allocated() const { return bool(m_d); }

    T &front() { return m_d->front(); }
    const T &front() const { return m_d->front(); }
    T &back() { return m_d->back(); }
    const T &back() const { return m_d->back(); }

    void push_back(T &&v) { deque().push_back(std::move(v)); }
    void push_back(const T &v) { deque().push_back(v); }
    template <typename... Args>
    T &emplace_back(Args &&...args)
    {
        return deque().emplace_back(std::forward<Args>(args)...);
    }
    void pop_front() { m_d->pop_front(); }

    iterator begin() { return m_d ? m_d->begin() : iterator(); }
    iterator end() { return m_d ? m_d->end() : iterator(); }
    const_iterator begin() const { return m_d ? m_d->cbegin() : const_iterator(); }
    const_iterator end() const { return m_d ? m_d->cend() : const_iterator(); }
    iterator erase(const_iterator it) { return m_d->erase(it); }

    // Empties the queue and frees its storage.
    void clear() { m_d.reset(); }
    // Frees the storage if the queue is empty (an idle session after a burst).
    void release()
    {
        if (m_d && m_d->empty()) m_d.reset();
    }

private:
    Deque &deque()
    {
        if (!m_d) m_d = std::make_unique<Deque>();
        return *m_d;
    }

    std::unique_ptr<Deque> m_d;
};

} // namespace petrel
