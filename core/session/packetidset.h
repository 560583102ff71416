// The packet ids a session has in flight.
//
// An open-addressing set of 16-bit ids, indexed by the id itself (linear probing, deletion
// by shifting back, no tombstones). 0 is never a packet id [MQTT-2.2.1-3], so it marks a free
// slot. Ids are handed out in sequence, so the ids in flight together land in distinct slots,
// each in its home slot, and every operation is one probe; QSet<quint16> hashed, probed spans and kept nodes,
// about 8 % of the instructions of a QoS 1 delivery. Nothing is allocated while the set has never held an id,
// and the session holds one pointer, as with QSet.
#pragma once

#include <QList>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>
#include <utility>

namespace petrel {

class PacketIdSet {
public:
    PacketIdSet() = default;
    PacketIdSet(const PacketIdSet &) = delete;
    PacketIdSet &operator=(const PacketIdSet &) = delete;
    PacketIdSet(PacketIdSet &&o) noexcept : m_t(std::exchange(o.m_t, nullptr)) {}
    PacketIdSet &operator=(PacketIdSet &&o) noexcept
    {
        std::swap(m_t, o.m_t);
        return *this;
    }
    ~PacketIdSet() { std::free(m_t); }

    std::uint32_t size() const { return m_t ? m_t->size : 0; }
    bool isEmpty() const { return size() == 0; }
    // Slots allocated (for tests and memory accounting).
    std::uint32_t capacity() const { return m_t ? m_t->mask + 1 : 0; }

    bool contains(std::uint16_t id) const { return id && m_t && m_t->slots[find(*m_t, id)] == id; }

    // Adds `id` (not 0); nothing if it is there already.
    void insert(std::uint16_t id)
    {
        if (id == 0) return;
        if (!m_t || (m_t->size + 1) * 2 > m_t->mask + 1) {
            if (contains(id)) return;
            grow();
        }
        Table &t = *m_t;
        const std::uint32_t i = find(t, id);
        if (t.slots[i] == id) return;
        t.slots[i] = id;
        ++t.size;
        if (i != (id & t.mask)) ++t.displaced;
    }

    // Removes `id`; false if it was not there. If some id sits away from its home slot, the
    // ids after it that probed past it move back, so that every id stays reachable from its
    // home without gaps; with none away (ids in sequence: the common case) nothing moves and
    // the slot is simply freed.
    bool remove(std::uint16_t id)
    {
        if (!m_t) return false;
        Table &t = *m_t;
        std::uint32_t hole = find(t, id);
        if (id == 0 || t.slots[hole] != id) return false;
        if (hole != (id & t.mask)) --t.displaced;
        for (std::uint32_t j = (hole + 1) & t.mask; t.displaced && t.slots[j]; j = (j + 1) & t.mask) {
            const std::uint32_t home = t.slots[j] & t.mask;
            // Moves back unless its home lies in (hole, j] (cyclically).
            const bool stays = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
            if (!stays) {
                t.slots[hole] = t.slots[j];
                if (hole == home) --t.displaced;
                hole = j;
            }
        }
        t.slots[hole] = 0;
        if (--t.size == 0 && t.mask + 1 > kKeptSlots) clear(); // a burst's large table goes back
        return true;
    }

    // The ids, in no particular order.
    QList<std::uint16_t> values() const
    {
        QList<std::uint16_t> ids;
        if (!m_t) return ids;
        ids.reserve(m_t->size);
        for (std::uint32_t i = 0; i <= m_t->mask; ++i)
            if (m_t->slots[i]) ids.append(m_t->slots[i]);
        return ids;
    }

    void clear()
    {
        std::free(m_t);
        m_t = nullptr;
    }

private:
    static constexpr std::uint32_t kFirstSlots = 16;
    static constexpr std::uint32_t kKeptSlots = 256; // kept when emptied: 512 B at most

    struct Table {
        std::uint32_t size;
        std::uint32_t mask;      // slots - 1, slots a power of two
        std::uint32_t displaced; // ids not in their home slot (id & mask)
        std::uint16_t slots[1];
    };
    static Table *allocate(std::uint32_t slots)
    {
        const std::size_t bytes = offsetof(Table, slots) + sizeof(std::uint16_t) * slots;
        auto *t = static_cast<Table *>(std::calloc(1, bytes));
        if (!t) throw std::bad_alloc();
        t->mask = slots - 1;
        return t;
    }
    // The slot holding `id`, or the free slot where it would go.
    static std::uint32_t find(const Table &t, std::uint16_t id)
    {
        std::uint32_t i = id & t.mask;
        while (t.slots[i] && t.slots[i] != id)
            i = (i + 1) & t.mask;
        return i;
    }
    void grow()
    {
        Table *bigger = allocate(m_t ? (m_t->mask + 1) * 2 : kFirstSlots);
        if (m_t) {
            for (std::uint32_t i = 0; i <= m_t->mask; ++i)
                if (const std::uint16_t id = m_t->slots[i]) {
                    const std::uint32_t at = find(*bigger, id);
                    bigger->slots[at] = id;
                    if (at != (id & bigger->mask)) ++bigger->displaced;
                }
            bigger->size = m_t->size;
            std::free(m_t);
        }
        m_t = bigger;
    }

    Table *m_t = nullptr;
};

} // namespace petrel
