// BatchedStorageHook: what the storage hooks (SqlStorageHook, RedisStorageHook) share.
//
// The persistence events become changes (Op): each event builds its changes and appends them
// to a vector under a mutex, with no I/O on the broker's workers. The subclass's own thread
// takes the vector and writes it as one batch (a transaction, a MULTI/EXEC). Shared here too:
// which sessions are stored (only their subscriptions are written), folding the changes that
// cancel out within a batch, and the state loaded at start that the Stored* loaders return.
//
// A subclass decides what happens to each change as it is appended (admit(): number it,
// count it, or drop it past a bound) and whether its thread is woken (appended()), writes the
// batches, implements storedClients() (which loads) and calls setLoaded() with the result.
#pragma once

#include "hooks/hook.h"

#include <QSet>

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <variant>
#include <vector>

namespace petrel::storage {

class BatchedStorageHook : public Hook {
public:
    HookMask provides() const override;

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

    // storedClients() (the subclass) loads; these return what it loaded.
    QList<StoredSubscription> storedSubscriptions() override;
    QList<StoredMessage> storedInflightMessages() override;
    QList<StoredMessage> storedRetainedMessages() override;
    // The last loader: returns the $SYS counters and frees the loaded lists.
    std::optional<StoredSysInfo> storedSysInfo() override;

    // Batches that failed to be written (logged), changes given up (see the subclass), and
    // batches written.
    qint64 writeFailures() const { return m_failures.load(); }
    qint64 changesLost() const { return m_lost.load(); }
    qint64 commits() const { return m_commits.load(); }

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
        Op() = default;
        Op(Type t, const QByteArray &k, std::uint64_t sequence = 0, std::uint16_t id = 0)
            : type(t), packetId(id), seq(sequence), key(k)
        {
        }

        Type type = Client;
        bool flag = false;
        std::uint16_t packetId = 0;
        std::uint64_t seq = 0;
        QByteArray key;  // client id or topic
        QByteArray key2; // filter
        // Rare, large records by pointer: the vector of changes stays compact.
        std::variant<std::monostate, std::shared_ptr<const StoredClient>, StoredSubscription, QueuedMessage,
                     std::shared_ptr<const StoredMessage>, StoredSysInfo>
            data;
        std::uint64_t accepted = 0; // its number among the changes accepted (set by admit())
        bool deferredOnce = false;  // Queue: already kept back from one batch
    };

protected:
    struct Loaded {
        QList<StoredClient> clients;
        QList<StoredSubscription> subscriptions;
        QList<StoredMessage> messages;
        QList<StoredMessage> retained;
        std::optional<StoredSysInfo> sysInfo;
        bool valid = false;
        QString error;
    };

    // With m_lock held, for each change an event makes, before it is appended to m_ops.
    // Returning false drops the change (the subclass counts and logs it).
    virtual bool admit(Op &op) = 0;
    // After an event appended changes (at least one) and released m_lock: m_ops.size()
    // before and after.
    virtual void appended(std::size_t before, std::size_t after);

    // Cancels what cancels out within the batch: a message queued and finished in it is never
    // written (both become cancelled Done placeholders, seq 0); an inflight update of a message
    // queued in it goes into its Queue change; the end of a session cancels its messages
    // queued earlier in the batch; only the last $SYS snapshot counts. Returns the
    // indexes (ascending) of the messages queued in the batch that are still to be written.
    static std::vector<std::size_t> fold(std::vector<Op> &batch);
    // Oldest first: puts the messages kept back from the last batch, then the changes of a
    // failed batch, before the new changes in `batch`; empties `deferred` and `retry`.
    static void prependOlder(std::vector<Op> &batch, std::vector<Op> &deferred, std::vector<Op> &retry);
    // Hands the loaded state to the loaders (takes m_lock); its clients' sessions are stored.
    void setLoaded(Loaded &&loaded);

    // ---- shared with the workers (m_lock) --------------------------------------------
    mutable std::mutex m_lock;
    std::condition_variable m_done; // a batch finished, or the load finished
    std::vector<Op> m_ops;
    QSet<QByteArray> m_persistent; // client ids whose sessions are stored
    Loaded m_loaded;
    std::atomic<qint64> m_failures{0};
    std::atomic<qint64> m_lost{0};
    std::atomic<qint64> m_commits{0};

private:
    class Appending;
    void append(Op &&op);
    void appendSession(Op &&op, bool stored);
};

} // namespace petrel::storage
