// RedisStorageHook: the same persistence as the SQLite hook (sessions, subscriptions,
// queued/inflight messages, inbound QoS 2 ids, retained messages, $SYS counters) in Redis,
// configured as Mochi's hooks.storage.redis: address ("host:port", default localhost:6379),
// username, password, database, h_prefix (default "petrel-"). docs/persistence.md.
//
// Key layout (h_prefix P; Mochi keeps one hash per kind, Petrel too where a kind is global,
// and one hash per session for what belongs to a session, so that ending a session is one
// DEL and not a scan):
//   P CL              hash  client id -> session record
//   P SUB: <client>   hash  filter -> subscription options
//   P MSG: <client>   hash  sequence (decimal) -> queued message (PUBLISH bytes + delivery)
//   P IFL: <client>   hash  sequence -> packet id + awaiting PUBCOMP (sent, unacknowledged)
//   P INB: <client>   set   inbound QoS 2 packet ids (PUBREC sent, PUBREL not yet received)
//   P RET             hash  topic -> retained message
//   P SYS             string $SYS counters
// Records are QDataStream-encoded with a leading format byte; messages are whole PUBLISH
// packets in the v5 encoding (storedcodec.h), as in the SQLite hook.
//
// Threads: the events come from the broker's workers; each appends a change to a vector
// under a mutex. The hook's own thread runs a Qt event loop with a redis::Client and, every
// flush_ms (20 ms), sends what accumulated as one MULTI/EXEC batch (one batch in flight at a
// time, so changes reach Redis in order). Changes that cancel out within a batch (a message
// queued and acknowledged before the flush) are never sent; a message queued and not yet
// acknowledged is kept back for one batch, so most never reach Redis at all.
//
// Failures: Redis unreachable at start (or AUTH/SELECT refused) makes init() fail with a
// message naming the address. At run time a lost connection is logged and counted, the client
// reconnects with back-off (up to 5 s), and changes are kept in memory meanwhile: the batch that
// failed and everything after it, up to max_buffered changes (1,000,000 by default). Past that
// bound new changes are dropped, counted in changesLost() and logged once per outage; the
// stored state is then incomplete until the sessions concerned change again.
#pragma once

#include "batchedstorage.h"
#include "redis/redisclient.h"

#include <QString>

#include <atomic>

class QThread;

namespace petrel::storage {

class RedisAgent;

class RedisStorageHook : public BatchedStorageHook {
public:
    RedisStorageHook();
    ~RedisStorageHook() override;

    QString id() const override { return QStringLiteral("redis-storage"); }
    // Settings: address, username, password, database, h_prefix (hooks.storage.redis), and
    // from code only: flush_ms (1-60000), max_buffered (changes kept while Redis is away),
    // connect_timeout_ms.
    bool init(const QVariantMap &config, QString *error) override;
    void stop() override;

    void onStopped() override;
    QList<StoredClient> storedClients() override;

    // Blocks (any thread but the hook's) until every change accepted so far is written, or
    // timeoutMs passed (Redis away). True when everything was written.
    bool flush(int timeoutMs = 10000);
    QString address() const { return m_settings.address(); }
    QByteArray prefix() const { return m_prefix; }
    // writeFailures(): batches that failed (connection lost, EXEC refused); changesLost():
    // changes dropped past max_buffered or refused by Redis; commits(): batches written.

    // Changes accepted and not written yet.
    qint64 backlog() const;
    bool isConnected() const { return m_connected.load(); }

private:
    friend class RedisAgent;
    bool admit(Op &op) override; // false: dropped (max_buffered)

    redis::Settings m_settings;
    QByteArray m_prefix;
    int m_flushMs = 20;
    std::size_t m_maxBuffered = 1000000;

    // ---- shared with the workers (m_lock) --------------------------------------------
    std::size_t m_taken = 0; // changes the agent took: in flight, or kept after a failure
    bool m_warnedFull = false;
    bool m_flushRequested = false; // the next batch writes everything (no keeping back)
    std::uint64_t m_accepted = 0;  // changes accepted (sequence of the last one)
    std::uint64_t m_finished = 0;  // changes written (or given up), in order
    bool m_running = false;
    std::atomic<bool> m_connected{false};

    QThread *m_thread = nullptr;
    RedisAgent *m_agent = nullptr; // lives on m_thread
};

} // namespace petrel::storage
