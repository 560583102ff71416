// Cluster mode: several petrel-server nodes on one Redis acting as one broker (docs/cluster.md).
//
// ClusterNode is a hook (so the broker starts and stops it with the others) and the engine's
// ClusterLink (broker/clusterlink.h). It owns one thread, "petrel-cluster", with two Redis
// connections (redis/redisclient.h): one for commands, one subscribed to the cluster's control
// channel and to this node's own message channel. Workers never wait for Redis: they hand
// work to that thread under a short lock.
//
// What it does:
//   * registration + liveness: the node is in <p>:nodes; its key <p>:alive:<node> is renewed
//     every heartbeat_ms with a time-to-live of node_timeout_ms. A node whose key is gone is
//     dead: any node that sees it removes its routes (locally and in Redis) and says so.
//   * routing by interest: <p>:routes:<node> is the set of filters this node's sessions hold
//     (the first subscription to a filter adds it, the last one removed takes it out: the
//     count per filter is BrokerCore::filterRefs). Changes are announced on <p>:ctl; every
//     node keeps all other nodes' filters in a subscription tree and reloads it in full on
//     (re)connect. A message published here that matches another node's filter is sent to
//     that node only, on <p>:msg:<node>, one PUBLISH per node per event-loop pass.
//   * retained messages: <p>:retained (topic -> message), changes announced on <p>:ctl; every
//     node keeps a full local copy (loaded at start and on reconnect).
//   * persistent sessions: when the client of a session with an expiry disconnects, its node
//     parks it in Redis (<p>session:<id>: subscriptions, expiry; <p>queue:<id>: its QoS 1/2
//     messages) and forgets it. Every node keeps the parked sessions' filters; a QoS 1/2
//     message published on any node that matches one is appended to its queue in Redis by
//     that node. A CONNECT with clean start 0 on any node takes the session out of Redis
//     (MULTI/EXEC) and resumes it with its subscriptions and queue.
//   * sessions on a node that dies: a connected persistent session is written through
//     (<p>live:<node>:<id>, <p>pending:<node>:<id>, <p>lives:<node>) from the persistence
//     events; the node its client reconnects to takes it once the owner's liveness key expired,
//     or the node that declares the owner dead parks it.
//   * QoS 1/2 across nodes, at least once: frames go to <p>inbox:<node> (a list); the
//     publisher's acknowledgement waits for Redis (a hold ticket per message, released when
//     Redis has stored it; kept, bounded, while Redis is unreachable); the target removes
//     frames after it has queued their messages, and drops re-read ones.
//   * client ids: a connection records its node in <p>:clients and announces its client id on
//     <p>:ctl; the node where the id was connected before takes it over (v5 DISCONNECT 0x8E)
//     and ends that session. Claims are ordered by Redis: the one that reaches Redis last wins.
//
// <p> is "<h_prefix>:cluster".
#pragma once

#include "broker/clusterlink.h"
#include "broker/options.h"
#include "hooks/hook.h"
#include "topics/topics.h"

#include <QByteArray>
#include <QHash>
#include <QSet>

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <vector>

class QThread;

namespace petrel::cluster {

class Engine;

struct ClusterStats {
    qint64 nodes = 0;             // live nodes known, this one included
    qint64 remoteFilters = 0;     // filters of other nodes in the local route table
    qint64 messagesForwarded = 0; // messages sent to other nodes (one per target node)
    qint64 messagesReceived = 0;  // messages received from other nodes
    qint64 messagesDropped = 0;   // QoS 0 messages that could not be sent (Redis unreachable)
    qint64 messagesHeld = 0;      // QoS 1/2 messages for other nodes not stored in Redis yet
    qint64 batchesSent = 0;       // PUBLISH commands to message channels
    qint64 duplicatesDropped = 0; // QoS 1/2 messages read again from the inbox and dropped
    bool redisConnected = false;
};

class ClusterNode final : public Hook, public ClusterLink, public DurabilityGate {
public:
    explicit ClusterNode(const ClusterOptions &options);
    ~ClusterNode() override;

    const ClusterOptions &options() const { return m_options; }
    // Key and channel names ("<h_prefix>:cluster:..."). Public for tests and docs.
    QByteArray key(const QByteArray &suffix) const { return m_prefix + suffix; }

    ClusterStats stats() const;

    // ---- Hook -----------------------------------------------------------------------------
    QString id() const override { return QStringLiteral("cluster"); }
    // The persistence events: persistent sessions are written through to Redis while their
    // client is connected (see "Sessions on a node that dies" in docs/cluster.md).
    HookMask provides() const override;
    // Checks Redis (reachable, credentials) and claims the node id: false with *error when
    // Redis cannot be reached or another live node has this node id.
    bool init(const QVariantMap &config, QString *error) override;
    ClusterLink *clusterLink() override { return this; }
    // Output after a change (a QoS 1/2 message for another node or for a persistent
    // session) waits until Redis has it: the publisher's PUBACK/PUBREC means "durable".
    DurabilityGate *durabilityGate() override { return this; }
    std::uint64_t writeSequence() const override { return m_writeSeq.load(std::memory_order_acquire); }
    std::uint64_t durableSequence() const override { return m_durableSeq.load(std::memory_order_acquire); }
    void setDurableCallback(std::function<void(std::uint64_t)> fn) override;
    void onSessionUpdated(const StoredClient &session) override;
    void onSessionEnded(const QByteArray &clientId) override;
    void onSubscribed(const ClientInfo &client, const packets::Subscribe &packet,
                      const QList<std::uint8_t> &reasonCodes) override;
    void onUnsubscribed(const ClientInfo &client, const packets::Unsubscribe &packet) override;
    void onMessageQueued(const QueuedMessage &message) override;
    void onMessageInflight(const QByteArray &clientId, std::uint64_t sequence, std::uint16_t packetId,
                           bool awaitingPubcomp) override;
    void onMessageDone(const QByteArray &clientId, std::uint64_t sequence) override;
    void onInboundQos2(const QByteArray &clientId, std::uint16_t packetId, bool received) override;

    // ---- ClusterLink (broker/clusterlink.h) ----------------------------------------------
    void attach(BrokerCore &core) override;
    void detach() override;
    std::vector<QByteArray> forward(const MessagePtr &message, const std::vector<QByteArray> &localShared,
                                    std::uint64_t &hold) override;
    std::uint64_t releasedHold() const override { return m_releasedHold.load(std::memory_order_acquire); }
    std::uint64_t pendingHold() const override;
    bool admit(const packets::Publish &publish) override;
    void filterAdded(const QByteArray &filter) override;
    void filterRemoved(const QByteArray &filter) override;
    void retained(const MessagePtr &message) override;
    std::uint64_t clientConnected(const QByteArray &clientId) override;
    void sessionEnded(const QByteArray &clientId) override;
    bool isParked(const QByteArray &clientId) override;
    void park(ParkedSession session) override;
    void unpark(const QByteArray &clientId, std::function<void(std::optional<ParkedSession>)> done) override;
    void dropParked(const QByteArray &clientId) override;
    std::optional<QList<QPair<QByteArray, QByteArray>>> remoteClients(int timeoutMs) override;

private:
    friend class Engine;

    // Work for the cluster thread, filled by workers (m_queueLock).
    struct Outbox {
        // node -> messages, each with the shared subscriptions that node serves for it
        QHash<QByteArray, std::vector<std::pair<MessagePtr, QList<QByteArray>>>> messages; // QoS 0: pub/sub
        QHash<QByteArray, std::vector<std::pair<MessagePtr, QList<QByteArray>>>> durable;  // QoS 1/2: inbox
        QList<QList<QByteArray>> durableCommands; // QoS 1/2 copies for parked sessions' queues
        qint64 heldMessages = 0;                  // messages with a hold ticket in this box
        std::vector<QByteArray> control;          // encoded control messages, in order
        QList<QList<QByteArray>> commands;        // Redis commands, in order
        bool wakePending = false;
    };
    void wake(); // with m_queueLock held
    // Write-through of a connected persistent session: its record (subscriptions, expiry) in
    // <p>live:<node>:<id>, its expiry in <p>lives:<node>. On the session's home worker.
    void writeLive(const QByteArray &clientId);
    // Announces a claim of this client id without taking it in <p>clients; `park`: the node
    // that has it connected parks a persistent session (a resume here waits for it).
    void claim(const QByteArray &clientId, bool park);
    // Has this node a session (not ended) of this client id?
    bool isLocal(const QByteArray &clientId) const;
    QByteArray pendingKey(const QByteArray &clientId) const
    {
        return key("pending:" + m_nodeId + ':' + clientId);
    }
    QByteArray qos2Key(const QByteArray &clientId) const { return key("qos2:" + m_nodeId + ':' + clientId); }

    const ClusterOptions m_options;
    const QByteArray m_nodeId;
    const QByteArray m_prefix;
    QByteArray m_token; // value of this node's liveness key (pid, start time)
    BrokerCore *m_core = nullptr;

    // Other nodes' filters (writers: the cluster thread; readers: every worker's forward()).
    mutable std::shared_mutex m_routesLock;
    topics::SubscriptionTree m_routes;                   // subscriber key = node key
    QHash<QByteArray, topics::SubscriberKey> m_nodeKeys; // node id -> key
    QHash<topics::SubscriberKey, QByteArray> m_nodeNames;
    QHash<QByteArray, QSet<QByteArray>> m_nodeFilters; // node id -> its filters
    topics::SubscriberKey m_nextNodeKey = 1;
    // Parked sessions (any node's): their filters, with the session as subscriber.
    struct Parked {
        topics::SubscriberKey key = 0;
        QList<QPair<QByteArray, SessionSubscription>> subscriptions;
        qint64 expiresAtMs = 0; // 0 = never
    };
    topics::SubscriptionTree m_parkedRoutes;
    QHash<QByteArray, Parked> m_parked; // client id -> parked session
    QHash<topics::SubscriberKey, QByteArray> m_parkedIds;
    topics::SubscriberKey m_nextParkedKey = 1;
    void addParkedLocked(const QByteArray &clientId, const QByteArray &record);
    void removeParkedLocked(const QByteArray &clientId);
    std::atomic<qint64> m_parkedCount{0};

    std::mutex m_queueLock;
    Outbox m_outbox;
    QSet<QByteArray> m_localFilters;    // this node's route set (m_queueLock)
    QHash<QByteArray, int> m_ownClaims; // client id -> own claims not yet seen back (m_queueLock)
    std::uint64_t m_claimClock = 1;     // claims received from Redis, +1 (m_queueLock)

    // First full load after start (attach waits for it, bounded).
    std::mutex m_loadLock;
    std::condition_variable m_loadCv;
    bool m_loaded = false;

    std::atomic<quint32> m_sharedTurn{0}; // round robin over the nodes of a shared group
    std::atomic<qint64> m_forwarded{0};
    std::atomic<qint64> m_received{0};
    std::atomic<qint64> m_dropped{0};
    std::atomic<qint64> m_batches{0};
    std::atomic<qint64> m_liveNodes{1};
    std::atomic<qint64> m_remoteFilterCount{0};
    std::atomic<bool> m_redisUp{false};
    std::atomic<qint64> m_duplicates{0}; // re-read inbox messages dropped

    // Hold tickets of cross-node QoS 1/2 messages (ClusterLink::forward): issued (under
    // m_queueLock) / released (stored in Redis, in order); messages issued and not released.
    std::atomic<std::uint64_t> m_holdSeq{0};
    std::atomic<std::uint64_t> m_releasedHold{0};
    std::atomic<qint64> m_heldMessages{0};

    // DurabilityGate: changes accepted (under m_queueLock) / confirmed by Redis.
    std::atomic<std::uint64_t> m_writeSeq{0};
    std::atomic<std::uint64_t> m_durableSeq{0};
    std::mutex m_durableFnLock;
    std::function<void(std::uint64_t)> m_durableFn;
    void released(std::uint64_t upTo); // every change up to this one is durable (or given up)

    QThread *m_thread = nullptr;
    Engine *m_engine = nullptr; // lives in m_thread
};

// Creates the cluster hook for Options::cluster (Broker adds it when cluster.enabled).
std::shared_ptr<Hook> createClusterNode(const ClusterOptions &options);

} // namespace petrel::cluster
