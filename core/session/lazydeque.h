// A queue (push at the back, take from the front, now and then erase in the middle) that
// allocates nothing until the first element arrives: a ring buffer whose capacity doubles.
//
// libstdc++'s std::deque allocates its map and a first 512-byte node in the default
// constructor, about 600 B per deque before anything is stored. A session has two
// (inflight, pending) and a connection one (output held for durability), so an idle
// connection paid ~1.8 KiB for three empty queues: more than everything else it holds. Most
// sessions never queue anything (QoS 0, or acknowledged at once), so the storage is made on
// first use and given back by release() when the queue is empty again.
//
// Nor does a ring allocate as the queue turns over: a std::deque of the 120-byte InflightOut
// holds four of them per 512-byte node, so a session with copies in flight allocated a node
// for every fourth copy sent and freed one for every fourth acknowledged.
//
// An iterator is a position from the front: it stays valid until the queue grows or an element
// before it is erased or popped. A reference stays valid until the queue grows (unlike
// std::deque's, which survive a push_back): hold none across a push to the same queue.
#pragma once

#include <cstddef>
#include <iterator>
#include <memory>
#include <new>
#include <type_traits>
#include <utility>

namespace petrel {

template <typename T>
class LazyDeque {
    template <bool Const>
    class Iter {
        using Q = std::conditional_t<Const, const LazyDeque, LazyDeque>;

    public:
        using iterator_category = std::bidirectional_iterator_tag;
        using value_type = T;
        using difference_type = std::ptrdiff_t;
        using pointer = std::conditional_t<Const, const T *, T *>;
        using reference = std::conditional_t<Const, const T &, T &>;

        Iter() = default;
        Iter(Q *q, std::size_t i) : m_q(q), m_i(i) {}
        operator Iter<true>() const // iterator -> const_iterator
            requires(!Const)
        {
            return Iter<true>(m_q, m_i);
        }

        reference operator*() const { return m_q->at(m_i); }
        pointer operator->() const { return &m_q->at(m_i); }
        Iter &operator++()
        {
            ++m_i;
            return *this;
        }
        Iter operator++(int)
        {
            Iter was = *this;
            ++m_i;
            return was;
        }
        Iter &operator--()
        {
            --m_i;
            return *this;
        }
        Iter operator--(int)
        {
            Iter was = *this;
            --m_i;
            return was;
        }
        bool operator==(const Iter &o) const { return m_i == o.m_i; }

    private:
        friend class LazyDeque;
        Q *m_q = nullptr;
        std::size_t m_i = 0; // position from the front
    };

public:
    using iterator = Iter<false>;
    using const_iterator = Iter<true>;

    LazyDeque() = default;
    LazyDeque(LazyDeque &&o) noexcept : m_b(std::exchange(o.m_b, nullptr)) {}
    LazyDeque &operator=(LazyDeque &&o) noexcept
    {
        if (this != &o) {
            clear();
            m_b = std::exchange(o.m_b, nullptr);
        }
        return *this;
    }
    LazyDeque(const LazyDeque &) = delete;
    LazyDeque &operator=(const LazyDeque &) = delete;
    ~LazyDeque() { clear(); }

    bool empty() const { return !m_b || m_b->size == 0; }
    std::size_t size() const { return m_b ? m_b->size : 0; }
    // True while storage is allocated (for tests and memory accounting).
    bool allocated() const { return m_b != nullptr; }

    T &front() { return at(0); }
    const T &front() const { return at(0); }
    T &back() { return at(m_b->size - 1); }
    const T &back() const { return at(m_b->size - 1); }

    void push_back(T &&v) { emplace_back(std::move(v)); }
    void push_back(const T &v) { emplace_back(v); }
    template <typename... Args>
    T &emplace_back(Args &&...args)
    {
        if (!m_b || m_b->size == m_b->capacity) grow();
        T *slot = &at(m_b->size);
        ::new (static_cast<void *>(slot)) T(std::forward<Args>(args)...);
        ++m_b->size;
        return *slot;
    }
    void pop_front()
    {
        std::destroy_at(&at(0));
        m_b->head = (m_b->head + 1) & (m_b->capacity - 1);
        --m_b->size;
    }

    iterator begin() { return iterator(this, 0); }
    iterator end() { return iterator(this, size()); }
    const_iterator begin() const { return const_iterator(this, 0); }
    const_iterator end() const { return const_iterator(this, size()); }
    // The elements after `it` move up one place; returns the position of the one after it.
    iterator erase(const_iterator it)
    {
        const std::size_t i = it.m_i;
        if (i == 0) {
            pop_front();
            return begin();
        }
        const std::size_t n = m_b->size;
        for (std::size_t j = i; j + 1 < n; ++j)
            at(j) = std::move(at(j + 1));
        std::destroy_at(&at(n - 1));
        --m_b->size;
        return iterator(this, i);
    }

    // Empties the queue and frees its storage.
    void clear()
    {
        if (!m_b) return;
        for (std::size_t i = 0; i < m_b->size; ++i)
            std::destroy_at(&at(i));
        ::operator delete(m_b);
        m_b = nullptr;
    }
    // Frees the storage if the queue is empty (an idle session after a burst).
    void release()
    {
        if (m_b && m_b->size == 0) clear();
    }

private:
    // The storage: this header, then room for `capacity` elements. Kept out of the object so
    // that an empty queue costs one pointer (a Connection holds two, a Session two).
    struct Block {
        std::size_t capacity; // a power of two
        std::size_t head;     // index of the front element
        std::size_t size;
    };
    static_assert(alignof(T) <= __STDCPP_DEFAULT_NEW_ALIGNMENT__);
    static constexpr std::size_t kElementsAt = (sizeof(Block) + alignof(T) - 1) / alignof(T) * alignof(T);
    static constexpr std::size_t kFirstCapacity = 8;

    T *elements() const { return reinterpret_cast<T *>(reinterpret_cast<char *>(m_b) + kElementsAt); }
    T &at(std::size_t i) { return elements()[(m_b->head + i) & (m_b->capacity - 1)]; }
    const T &at(std::size_t i) const { return elements()[(m_b->head + i) & (m_b->capacity - 1)]; }

    void grow()
    {
        const std::size_t capacity = m_b ? 2 * m_b->capacity : kFirstCapacity;
        auto *b = static_cast<Block *>(::operator new(kElementsAt + capacity * sizeof(T)));
        *b = Block{capacity, 0, 0};
        if (m_b) {
            T *to = reinterpret_cast<T *>(reinterpret_cast<char *>(b) + kElementsAt);
            for (std::size_t i = 0; i < m_b->size; ++i) {
                ::new (static_cast<void *>(&to[i])) T(std::move_if_noexcept(at(i)));
                std::destroy_at(&at(i));
            }
            b->size = m_b->size;
            ::operator delete(m_b);
        }
        m_b = b;
    }

    Block *m_b = nullptr;
};

} // namespace petrel
