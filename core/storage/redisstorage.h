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

#include "hooks/hook.h"
#include "redis/redisclient.h"

#include <QSet>
#include <QString>

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <variant>
#include <vector>

class QThread;

namespace petrel::storage {

class RedisAgent;

class RedisStorageHook : public Hook {
public:
    RedisStorageHook();
    ~RedisStorageHook() override;

    QString id() const override { return QStringLiteral("redis-storage"); }
    HookMask provides() const override;
    // Settings: address, username, password, database, h_prefix (hooks.storage.redis), and
    // from code only: flush_ms (1-60000), max_buffered (changes kept while Redis is away),
    // connect_timeout_ms.
    bool init(const QVariantMap &config, QString *error) override;
    void stop() override;

    void onStopped() override;
    void onSubscribed(const ClientInfo &client, const packets::Subscribe &packet,
                      const QList<std::uint8_t> &reasonCodes) override;
    void onUnsubscribed(const ClientInfo &client, const packets::Unsubscribe &packet) override;
    void onRetainMessage(const ClientInfo &client, const packets::Publish &publish, int change) override;
    void onRetainedExpired(const QByteArray &topic) override;
    void onSysInfoTick(const BrokerStats &stats) override;
    void onSessionUpdated(const StoredClient &session) override;
    void onSessionEnded(const QByteArray &clientId) override;
    void onMessageQueued(const QueuedMessage &message) override;
    void onMessageInflight(const QByteArray &clientId, std::uint64_t sequence, std::uint16_t packetId,
                           bool awaitingPubcomp) override;
    void onMessageDone(const QByteArray &clientId, std::uint64_t sequence) override;
    void onInboundQos2(const QByteArray &clientId, std::uint16_t packetId, bool received) override;

    QList<StoredClient> storedClients() override;
    QList<StoredSubscription> storedSubscriptions() override;
    QList<StoredMessage> storedInflightMessages() override;
    QList<StoredMessage> storedRetainedMessages() override;
    std::optional<StoredSysInfo> storedSysInfo() override;

    // Blocks (any thread but the hook's) until every change accepted so far is written, or
    // timeoutMs passed (Redis away). True when everything was written.
    bool flush(int timeoutMs = 10000);
    QString address() const { return m_settings.address(); }
    QByteArray prefix() const { return m_prefix; }
    // Batches that failed (connection lost, EXEC refused), changes dropped past max_buffered
    // or refused by Redis, batches written.
    qint64 writeFailures() const { return m_failures.load(); }
    qint64 changesLost() const { return m_lost.load(); }
    qint64 commits() const { return m_commits.load(); }
    // Changes accepted and not written yet.
    qint64 backlog() const;
    bool isConnected() const { return m_connected.load(); }

    struct Op {
        enum Type : std::uint8_t {
            Client,
            EndClient,
            Subscribe,
            Unsubscribe,
            Queue,
            Inflight,
            Done,
            InboundAdd,
            InboundDel,
            Retain,
            Unretain,
            SysInfo
        };
        Type type = Client;
        bool flag = false;
        std::uint16_t packetId = 0;
        std::uint64_t seq = 0;
        QByteArray key;  // client id or topic
        QByteArray key2; // filter
        std::variant<std::monostate, std::shared_ptr<const StoredClient>, StoredSubscription, QueuedMessage,
                     std::shared_ptr<const StoredMessage>, StoredSysInfo>
            data;
        std::uint64_t accepted = 0; // its number among the changes accepted
        bool deferredOnce = false;  // Queue: already kept back from one batch
    };

private:
    friend class RedisAgent;
    bool push(Op &&op, std::unique_lock<std::mutex> &lock); // false: dropped (bound)
    void pushOne(Op &&op);

    redis::Settings m_settings;
    QByteArray m_prefix;
    int m_flushMs = 20;
    std::size_t m_maxBuffered = 1000000;

    // ---- shared with the workers (m_lock) --------------------------------------------
    mutable std::mutex m_lock;
    std::condition_variable m_done; // a batch finished, or the load finished
    std::vector<Op> m_ops;
    QSet<QByteArray> m_persistent; // client ids whose sessions are stored
    std::size_t m_taken = 0;       // changes the agent took: in flight, or kept after a failure
    bool m_warnedFull = false;
    bool m_flushRequested = false; // the next batch writes everything (no keeping back)
    std::uint64_t m_accepted = 0;  // changes accepted (sequence of the last one)
    std::uint64_t m_finished = 0;  // changes written (or given up), in order
    bool m_running = false;
    std::atomic<bool> m_connected{false};
    std::atomic<qint64> m_failures{0};
    std::atomic<qint64> m_lost{0};
    std::atomic<qint64> m_commits{0};

    struct Loaded {
        QList<StoredClient> clients;
        QList<StoredSubscription> subscriptions;
        QList<StoredMessage> messages;
        QList<StoredMessage> retained;
        std::optional<StoredSysInfo> sysInfo;
        bool valid = false;
    };
    Loaded m_loaded;

    QThread *m_thread = nullptr;
    RedisAgent *m_agent = nullptr; // lives on m_thread
};

} // namespace petrel::storage
