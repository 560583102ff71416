// MessageRing: the last N application messages that passed through the broker, for the
// admin API's live message stream (GET /api/v1/messages, petrel-admin's attached mode).
// Only brokers with an admin API (a sysinfo listener with admin_token) keep one: it costs
// one short lock and a copy of the message per PUBLISH.
#pragma once

#include "packets/packets.h"

#include <QByteArray>
#include <QList>

#include <deque>
#include <memory>
#include <mutex>

namespace petrel {

class Hook;

struct RecordedMessage {
    qint64 seq = 0; // 1, 2, 3, ... never reused
    qint64 timeMs = 0;
    QByteArray clientId; // empty for messages the server published
    QByteArray topic;
    QByteArray payload;
    int qos = 0;
    bool retain = false;
    packets::Properties properties;
};

class MessageRing {
public:
    static constexpr int kDefaultCapacity = 10000;
    explicit MessageRing(int capacity = kDefaultCapacity) : m_capacity(capacity) {}

    // Any thread.
    void append(const QByteArray &clientId, const packets::Publish &p);
    // Messages with seq > afterSeq whose topic matches `filter` (empty = all), oldest first,
    // at most `limit` (the newest of them if there are more).
    QList<RecordedMessage> since(qint64 afterSeq, int limit, const QByteArray &filter = {}) const;
    qint64 lastSeq() const;

private:
    mutable std::mutex m_lock;
    std::deque<RecordedMessage> m_entries;
    qint64 m_nextSeq = 1;
    const int m_capacity;
};

// A hook (OnPublished) that records every message clients publish into `ring`.
std::shared_ptr<Hook> makeMessageRingHook(std::shared_ptr<MessageRing> ring);

} // namespace petrel
