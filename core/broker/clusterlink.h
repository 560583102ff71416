// The engine's side of cluster mode (core/cluster/, docs/cluster.md): what a cluster
// implementation is told by the workers, and how it hands messages from other nodes back.
//
// A hook that implements cluster mode returns its ClusterLink from Hook::clusterLink(); the
// broker asks once at start, attaches it to the engine before the workers start, and detaches
// it after they stopped. Every call below is made on a worker thread (several at once) and
// must be cheap and thread-safe: the link queues the work for its own thread.
#pragma once

#include "session/session.h"

#include <QByteArray>
#include <QList>
#include <QPair>

#include <functional>
#include <optional>
#include <vector>

namespace petrel {

class BrokerCore;

// A persistent session that left its node (its client disconnected): kept in Redis, resumable
// on any node. Messages for it are appended in Redis by the node they are published on.
struct ParkedSession {
    QByteArray clientId;
    QByteArray username;
    packets::ProtocolVersion version = packets::ProtocolVersion::V311;
    std::uint32_t expiryInterval = 0;
    qint64 disconnectedAtMs = 0;
    QList<QPair<QByteArray, SessionSubscription>> subscriptions;
    std::vector<Outgoing> messages;   // queued (and unacknowledged) QoS 1/2 messages, in order
    QList<std::uint16_t> inboundQos2; // QoS 2 packet ids received (PUBREC sent), PUBREL awaited
};

class ClusterLink {
public:
    virtual ~ClusterLink();

    // The engine this link serves; called before the workers start (and before restore).
    virtual void attach(BrokerCore &core) = 0;
    // The workers are gone; no call comes after this one.
    virtual void detach() = 0;

    // A message published on this node (client, will, inline client; not $SYS and not a
    // message that came from another node): the link sends it to the nodes that want it.
    // `localShared`: the shared subscriptions ("$share/g/f") with members on this node that
    // match; returns those this node serves (for each group matched on any node, exactly one
    // node serves the message).
    // `hold`: for a QoS 1/2 message with copies for other nodes (or parked sessions), the
    // ticket the publisher's acknowledgement waits for (releasedHold() >= it: the copies are
    // in Redis); 0 if there is nothing to wait for.
    virtual std::vector<QByteArray>
    forward(const MessagePtr &message, const std::vector<QByteArray> &localShared, std::uint64_t &hold) = 0;
    // Every hold ticket up to this one is released (any thread). When it advances the link
    // calls Worker::durableAdvanced() on every worker.
    virtual std::uint64_t releasedHold() const = 0;
    // The newest hold ticket if it is not released yet, else 0 (any thread).
    virtual std::uint64_t pendingHold() const = 0;
    // False if this QoS 1/2 message must be refused before it is published: it would cross
    // nodes while the link already keeps as many unstored messages as it may (Redis
    // unreachable, cluster.max_held_messages).
    virtual bool admit(const packets::Publish &publish) = 0;
    // The first subscription of this node to `filter` was added / the last one removed.
    // Called in the order the changes happen (under the subscription lock).
    virtual void filterAdded(const QByteArray &filter) = 0;
    virtual void filterRemoved(const QByteArray &filter) = 0;
    // A retained message was stored or cleared (empty payload) by a client of this node.
    virtual void retained(const MessagePtr &message) = 0;
    // A client with this id connected here: a connection with the same id on another node
    // is taken over. Returns the link's claim clock (Session::clusterClaim), which tells a
    // later takeover whether this connection came before or after the other node's claim.
    virtual std::uint64_t clientConnected(const QByteArray &clientId) = 0;
    // The session of this client id ended here (not merely disconnected).
    virtual void sessionEnded(const QByteArray &clientId) = 0;

    // ---- persistent sessions across nodes ------------------------------------------------
    // Is a session with this id parked in the cluster (known to this node's table)?
    virtual bool isParked(const QByteArray &clientId) = 0;
    // Parks a persistent session whose client disconnected; the node forgets it.
    virtual void park(ParkedSession session) = 0;
    // Takes the parked session out of the cluster for a client resuming it here. `done` runs
    // on the link's thread with the session, or nullopt if it is gone (expired, taken by
    // another node, Redis unreachable).
    virtual void unpark(const QByteArray &clientId,
                        std::function<void(std::optional<ParkedSession>)> done) = 0;
    // Deletes a parked session (a clean start for its client id).
    virtual void dropParked(const QByteArray &clientId) = 0;

    // ---- admin ---------------------------------------------------------------------------
    // The client ids connected on the other live nodes (with the node) and of the parked
    // sessions (node empty), from Redis; nullopt if Redis did not answer within `timeoutMs`.
    // Blocks the caller: never call it on a worker thread.
    virtual std::optional<QList<QPair<QByteArray, QByteArray>>> remoteClients(int timeoutMs) = 0;
};

} // namespace petrel
