// A network worker: one thread, one epoll fd behind one QSocketNotifier, the connections
// and sessions that live on it. See ARCHITECTURE.md "Socket I/O" for why.
//
// Reads: every ready fd is read into one 64 KiB scratch buffer and parsed in place; only
// a trailing partial packet is copied into the connection. Writes: packets are appended to
// the connection's output buffer and flushed with one send() per connection per event-loop
// pass (aboutToBlock), or earlier when a buffer grows large.
// Cross-thread work arrives in the inbox (a mutex-protected vector swapped on drain) with
// one eventfd wake-up per batch. A plain PUBLISH for a session of another worker goes there as
// its bytes in a CopyStream, not as a Message (publishInPlace, deliverCopies).
#pragma once

#include "brokercore.h"
#include "clusterlink.h"
#include "hooks/hookchain.h"
#include "packets/codec.h"
#include "session/session.h"
#include "transport.h"

#include <QHash>
#include <QObject>

#include <functional>
#include <mutex>
#include <optional>
#include <vector>

class QSocketNotifier;
class QTimer;

namespace petrel {

namespace admin {
struct ClientSnapshot;
}

struct Connection {
    int fd = -1;                    // raw socket in the epoll set, or -1 for a transport
    std::uint32_t flowCopies = 0;   // see flowTarget
    Transport *transport = nullptr; // TLS / WebSocket connections
    quint64 serial = 0;             // unique per worker, to find a connection again after async steps

    QByteArray in;  // trailing partial packet
    QByteArray out; // encoded packets not yet written
    qsizetype outOffset = 0;
    bool dirty = false;     // in the worker's flush list
    bool wantWrite = false; // EPOLLOUT armed
    bool closing = false;   // stop reading; close once flushed or at once
    bool connectSeen = false;
    bool awaitingSession = false; // CONNECT parsed, session being handed over from another worker
    bool clusterAsked = false;    // cluster mode: the cluster was asked for this client's session
    bool normalDisconnect = false;
    bool established = false; // CONNACK (success) sent
    bool passive = false;     // server DISCONNECT sent; wait for the client to close (compat)
    // onTick() frees `out` of a connection that is not writing regularly: ticks since a tick
    // with 2 or more packets written (a new connection counts as quiet), packets this tick.
    std::uint8_t quietTicks = 255;
    std::uint8_t writesThisTick = 0;
    // Bytes read or written since the last tick (feed(), flush()).
    bool activeSinceTick = false;
    static constexpr std::uint8_t kQuietTicksBeforeFree = 10; // 100 ms ticks: 1 s without output
    // The connection's part of the worker's tick: gives back the storage it no longer needs
    // (write buffer, emptied held-output list, its session's emptied queues). A connection
    // that read and wrote nothing since the last tick and was quiet for the ticks before is
    // passed over: an earlier tick gave back what there was, and a session's queues and held
    // output change only with the bytes of its connection (acknowledgements read, packets
    // written). An idle client then costs the tick one cache line of its Connection, not the
    // Session and two more lines.
    void giveBackStorage();

    packets::ProtocolVersion version = packets::ProtocolVersion::V311;
    std::uint16_t keepAlive = 0; // effective, seconds
    SessionPtr session;
    qint64 acceptedAtMs = 0;
    qint64 lastReceivedMs = 0;

    // limits the client announced (v5)
    std::uint16_t clientReceiveMaximum = 65535;
    std::uint32_t clientMaximumPacketSize = 0;
    std::uint16_t clientTopicAliasMaximum = 0;
    bool requestProblemInformation = true;
    std::uint32_t flowOther = 0; // see flowTarget

    ClientInfo info; // what hooks see: remote address and listener from the accept, the rest at CONNECT
    std::optional<std::uint8_t> disconnectReason;     // DISCONNECT reason, sent or received
    QByteArray authMethod;                            // enhanced authentication method, if any
    std::unique_ptr<packets::Connect> pendingConnect; // CONNECT waiting for enhanced auth
    std::unique_ptr<packets::Properties> authReply;   // method/data for the CONNACK

    // Sync persistence: output written after a change waits until the change is durable.
    // Offsets are absolute (bytes ever appended to `out`); outBase is what left its front.
    quint64 outBase = 0;
    quint64 lastEnd = 0;                               // absolute end of the last packet written
    LazyDeque<std::pair<quint64, std::uint64_t>> held; // (absolute start, sequence needed)
    // Cluster mode: output from a PUBACK/PUBREC on waits until the link has the message's
    // copies for other nodes in Redis (ClusterLink::releasedHold).
    LazyDeque<std::pair<quint64, std::uint64_t>> clusterHeld; // (absolute start, hold ticket)
    bool inHeldList = false;
    // In Worker::m_flushSoon: past the early-flush size, written at the next safe point.
    bool flushSoon = false;

    QHash<std::uint16_t, QByteArray> inboundAliases;
    QHash<QByteArray, std::uint16_t> outboundAliases;

    // Where this connection's PUBLISHes went since the worker's last flow report
    // (Worker::noteFlow): the copies for `flowTarget`, the first session it sent one to in
    // this interval (identity only: Worker::m_flowTargets tells whether it lives), and those
    // for any other session (flowCopies, flowOther: above, in padding).
    const Session *flowTarget = nullptr;
};

class Worker : public QObject {
    Q_OBJECT
public:
    Worker(BrokerCore &core, int index);
    ~Worker() override;

    int index() const { return m_index; }

    // ---- thread-safe entry points ----------------------------------------------------
    // Takes ownership of a connected, non-blocking socket descriptor.
    void adoptSocket(int fd, const QString &listenerId, const QString &remoteAddress);
    // Takes ownership of a transport already moved to this worker's thread.
    void adoptTransport(Transport *transport, const QString &listenerId);
    // Number of open connections (any thread; approximate while they change).
    int connectionCount() const { return m_connectionCount.load(std::memory_order_relaxed); }
    // Queues deliveries for sessions whose home is this worker. One lock, one wake-up.
    // `copies` holds what the batch's forwarded copies refer to (Delivery::copyAt). Both are
    // taken, and left empty.
    void postDeliveries(std::vector<Delivery> &batch, CopyStream &copies);
    // Publishes a message made by the server itself (inline client, $SYS, wills of
    // other components): retained if asked, routed like a client's PUBLISH. Any thread.
    // reportRetain: a retained message is reported to OnRetainMessage as the inline client's
    // (false for the broker's own $SYS topics, which are not worth persisting).
    void publishFromServer(MessagePtr message, bool reportRetain = true);
    // Runs `fn` on this worker's thread.
    void post(std::function<void()> fn);
    // Connection affinity (rebalance.h): moves the session and its connection to `target`,
    // if it still lives here and can move (Worker::moveConnection). Any thread.
    void requestMove(SessionPtr session, Worker *target);
    // Cluster mode: messages published on another node (originNode set), routed here like a
    // local PUBLISH but neither retained nor forwarded again. One post per batch. Any thread.
    // `routed` runs on this worker after they were routed (and handed to the hooks).
    void publishFromCluster(std::vector<MessagePtr> messages, std::function<void()> routed = {});
    // Cluster mode: a client with this id connected on another node. If its session lives on
    // this worker, its connection is taken over (v5: DISCONNECT 0x8E) and the session ends
    // here (the other node owns the client id now); with `park` (the other node resumes it)
    // a persistent session is parked in the cluster instead. Any thread.
    // `claim`: the link's claim clock when the other node's claim arrived; a session that
    // attached at or after it connected later than that claim and stays.
    void takeOverFromCluster(const QByteArray &clientId, std::uint64_t claim, bool park = false);
    // Processes `packet` as if the session's client had sent it (Broker::injectPacket).
    // Follows the session if it moves; dropped with a log line if it has no connection.
    void injectPacket(SessionPtr session, packets::Packet packet);
    // Storage made more changes durable (sync persistence): releases held output. Any thread.
    void durableAdvanced();
    // A session rebuilt from storage, offline on this worker. Only before the threads start.
    void adoptRestoredSession(SessionPtr session);

    // Called on the worker thread once it runs (via the thread's started signal).
    void startOnThread();
    // Disconnects everyone (v5: DISCONNECT reason), flushes, releases fds. Worker thread.
    void shutdownOnThread(std::uint8_t reason);

    // ---- admin (admin.cpp): worker thread only ---------------------------------------
    // Appends a snapshot of every session living here (connected and offline), or only of
    // `onlyClient` if given.
    void adminCollect(QList<admin::ClientSnapshot> &out, const QByteArray *onlyClient) const;
    // Disconnects the session's connection with `reason`. False if it is not connected.
    bool adminDisconnect(const SessionPtr &s, std::uint8_t reason);
    // Disconnects (0x98) if connected, then ends the session.
    void adminEndSession(const SessionPtr &s);

    // ---- worker-thread API used by the protocol code ---------------------------------
    // readChecked: the caller already asked the ACL hooks whether the client may read it.
    void deliverLocal(Delivery &&d, bool readChecked = false);
    void deliverTargets(const std::vector<RouteCache::Target> &targets, const MessagePtr &message);
    void sendQos0Now(Session &s, const Outgoing &o);
    void closeConnection(Connection &c, bool abnormal);
    void disconnectWithReason(Connection &c, packets::ReasonCode reason, const char *why);

private:
    // I/O
    void onEpollReadable();
    void drainInbox();
    void readFrom(Connection &c);
    bool feed(Connection &c, const char *data, qsizetype n);
    Connection *newConnection(int fd, Transport *transport, const QString &listenerId, const QString &remote);
    void discardInput(Connection &c);
    void scheduleDestroy(Connection &c);
    bool parseBuffer(Connection &c, const char *data, qsizetype size, qsizetype *consumed);
    void markDirty(Connection &c);
    void flushEarly();         // writes the connections markDirty() found past the early-flush size
    void wrote(Connection &c); // a packet was appended to c.out
    // Output from absolute offset `start` on waits for the gate's changes made since it was
    // written (OnSubscribed/OnUnsubscribed hooks run after the SUBACK/UNSUBACK is written).
    void holdFrom(Connection &c, quint64 start);
    void flushAll();
    bool flush(Connection &c);
    void destroyConnection(Connection *c);
    qsizetype flushLimit(Connection &c);
    void releaseHeld();
    void onTick();

    // protocol (protocol.cpp)
    void handlePacket(Connection &c, std::uint8_t firstByte, const QByteArray &body);
    void dispatchPacket(Connection &c, std::uint8_t firstByte, const QByteArray &body);
    void send(Connection &c, packets::Packet &&packet);
    // PUBACK/PUBREC/PUBREL/PUBCOMP without properties, written without building a Packet.
    void sendAck(Connection &c, packets::PacketType type, std::uint16_t packetId,
                 std::uint8_t reasonCode = 0);
    void runAuthExchange(Connection &c, packets::Auth packet);
    void establishSession(Connection &c, packets::Connect connect);
    void handleConnect(Connection &c, const QByteArray &body);
    void attachSession(Connection &c, packets::Connect connect, SessionPtr session, bool sessionPresent);
    void requestHandover(const SessionPtr &session, quint64 serial, packets::Connect connect,
                         bool sessionPresent);
    // On the session's home: detaches it and hands it to `target`, behind a fence.
    void handOver(const SessionPtr &session, Worker *target, quint64 serial, packets::Connect connect,
                  bool sessionPresent);
    // On every worker but the old home: what it routed to the old home before the hand-over
    // goes there now, and after it an acknowledgement of the fence.
    void fenceFor(const SessionPtr &session, Worker *oldHome);
    // The old home's part of the fence (handOver, moveConnection): marks the session settling,
    // runs `changeHome` (which stores the new home), and asks every other worker for fenceFor().
    void fenceAround(const SessionPtr &session, const std::function<void()> &changeHome);
    void fenceMarker(Delivery &&d);
    // Runs `fn` now, or once the session's fence is through if it is settling (handOver).
    void whenSettled(const SessionPtr &session, std::function<void()> fn);
    // Connection affinity: counts a copy of the PUBLISH being routed (m_flowSource's).
    void noteFlow(const SessionPtr &target)
    {
        if (!m_flowSource) return;
        Connection &c = *m_flowSource;
        if (target.get() == c.flowTarget) {
            ++c.flowCopies;
        } else if (c.flowCopies == 0) {
            c.flowTarget = target.get();
            m_flowTargets.insert(&c, target); // (once per interval)
            c.flowCopies = 1;
        } else {
            ++c.flowOther;
        }
    }
    // Every rebalance interval (onTick): this worker's flows and load to the Rebalancer, and on
    // worker 0 the moves it decides, posted to the sessions' workers.
    void reportFlows(qint64 now);
    // The moves asked for (requestMove), made where no read loop is under way (flushAll).
    void performMoves();
    bool moveConnection(const SessionPtr &session, Worker *target);
    // On the new worker: a connection moved here (first thing in a drain, before any task).
    void adoptMoved(Connection *c);
    void continueConnect(quint64 serial, packets::Connect connect, SessionPtr session, bool sessionPresent);
    void handlePublish(Connection &c, std::uint8_t firstByte, const QByteArray &body);
    bool publishInPlace(Connection &c, std::uint8_t firstByte, QByteArrayView body);
    // Whether session `s` of this worker takes a copy of `v` at `qos` into its output now
    // (connected, nothing queued, within its limits; publishInPlace() explains).
    bool takesCopyNow(const Session &s, std::uint8_t qos, bool identifiers,
                      const packets::PublishView &v) const;
    // Copies forwarded by another worker's publishInPlace(), the items [begin, end) of
    // `copies`: each into its session's output as that would have done, or made a Message (one
    // per forwarded PUBLISH) and delivered the general way.
    void deliverCopies(const QByteArray &copies, qsizetype begin, qsizetype end);
    void stampFromClient(Message &m, const Session &s, qint64 now, bool clientId = true) const;
    void handleAck(Connection &c, std::uint8_t firstByte, const QByteArray &body);
    bool ackInPlace(Connection &c, std::uint8_t firstByte, QByteArrayView body);
    void processAck(Connection &c, const packets::AckFields &a);
    void handleSubscribe(Connection &c, const QByteArray &body);
    void handleUnsubscribe(Connection &c, const QByteArray &body);
    void handleDisconnect(Connection &c, const QByteArray &body);
    void handleAuth(Connection &c, const QByteArray &body);
    // Returns the cluster hold ticket of the message (ClusterLink::forward), 0 if none.
    std::uint64_t publishMessage(const MessagePtr &message);
    bool mayRead(const Session &s, const QByteArray &topic) const;
    bool retainedStoreFull(const QByteArray &topic) const;
    void retainFromClient(const ClientInfo &client, const MessagePtr &message);
    packets::ReasonCode obscured(packets::ReasonCode code) const;
    void flushRouted();
    void selectSubscribers(const MessagePtr &message, std::vector<Delivery> &deliveries);
    void sendRetained(Session &s, const QByteArray &filter, const SessionSubscription &sub);
    void pump(Session &s);
    InflightOut &intoFlight(Session &s, std::uint16_t id, std::uint8_t qos);
    void dropped(Session &s, const Outgoing &o, bool wasInflight);
    bool sendPublish(Session &s, Connection &c, const Outgoing &o, std::uint16_t packetId, bool dup);
    void detachSession(Connection &c, bool abnormal);
    void endSession(const SessionPtr &s);
    // Cluster mode: hands a disconnected persistent session to the cluster (ClusterLink::park).
    void parkSession(const SessionPtr &s);
    // Cluster mode: the parked session of a CONNECT came back from the cluster (or not).
    void resumeFromCluster(quint64 serial, packets::Connect connect, std::optional<ParkedSession> parked);
    void handOffShared(Session &s);
    void takeOverLocally(const SessionPtr &s, bool sessionEnds);
    // takeOverLocally(s, true) on s's home, once s is settled there. Any worker's thread.
    void takeOverAtHome(const SessionPtr &s);
    void fireWill(Session &s);
    void checkSessions(qint64 now);
    void persistSession(const Session &s);
    void persistQueued(Delivery &d);
    void persistDone(const Session &s, std::uint64_t storeSeq);
    void sendConnackError(Connection &c, const packets::Connect &connect, packets::ReasonCode reason);

    // ---- per event-loop iteration ------------------------------------------------------
    // The clock and the hook mask are read once per iteration instead of once per message,
    // and the traffic counters add up here and reach BrokerCore::counters once per
    // iteration: endIteration(), from flushAll() on aboutToBlock, before the thread sleeps.
    // Worker thread only.
    qint64 now()
    {
        if (!m_iterationNowValid) {
            m_iterationNow = nowMs();
            m_iterationNowValid = true;
        }
        return m_iterationNow;
    }
    HookMask hookMask()
    {
        if (!m_iterationMaskValid) {
            m_iterationMask = m_core.hooks.mask();
            m_iterationMaskValid = true;
        }
        return m_iterationMask;
    }
    bool hooked(HookEvent e) { return (hookMask() & hookBit(e)) != 0; }
    void publishTraffic(); // m_traffic -> BrokerCore::counters (and m_windowLoad)
    void endIteration();

    BrokerCore &m_core;
    const int m_index;
    qint64 m_iterationNow = 0;
    HookMask m_iterationMask = 0;
    bool m_iterationNowValid = false;
    bool m_iterationMaskValid = false;
    struct TrafficCounts {
        qint64 messagesReceived = 0;
        qint64 messagesSent = 0;
        qint64 packetsReceived = 0;
        qint64 packetsSent = 0;
        qint64 bytesReceived = 0;
        qint64 bytesSent = 0;
        qint64 inflight = 0; // change of BrokerCore::counters.inflight (may be negative)
    } m_traffic;
    int m_epoll = -1;
    int m_wakeFd = -1;
    QSocketNotifier *m_notifier = nullptr;
    QTimer *m_tick = nullptr;
    quint64 m_nextSerial = 1;
    qint64 m_nextRetainedPurgeMs = 0;
    bool m_shuttingDown = false;

    QHash<quint64, Connection *> m_connections; // serial -> connection
    std::atomic<int> m_connectionCount{0};
    std::vector<Connection *> m_dirty;   // connections with output to flush
    std::vector<quint64> m_flushSoon;    // serials of dirty connections past the early-flush size
    std::vector<SessionPtr> m_offline;   // sessions on this worker with no connection
    std::vector<char> m_scratch;         // 64 KiB read buffer
    std::vector<Connection *> m_closing; // destroyed after the current pass
    std::vector<quint64> m_held;         // serials of connections with output held (sync persistence)
    std::atomic<bool> m_durableWanted{false};

    // Routing results of the current read pass, per target worker, flushed once per pass.
    std::vector<std::vector<Delivery>> m_routed;
    std::vector<CopyStream> m_routedCopies; // what their forwarded copies refer to
    std::vector<std::uint8_t> m_copying;    // publishInPlace(): this message is in m_routedCopies[w]
    std::vector<Delivery> m_routeScratch;
    struct InPlaceTarget {
        const SessionPtr *session;
        std::uint8_t qos; // of its copy
        int worker;       // the session's worker if not this one (its copy goes there), else -1
    };
    std::vector<InPlaceTarget> m_inPlaceTargets; // publishInPlace()'s subscribers
    Outgoing m_inPlaceMerged;                    // publishInPlace()'s scratch for mergeRun()
    RouteCache m_routeCache;

    // Sessions taken over between workers (handOver). On the old home: fence acknowledgements
    // still awaited. On the new home: the deliveries held back until the fence is through, and
    // hand-overs asked for meanwhile.
    QHash<const Session *, int> m_fenceAcksAwaited;
    struct Settling {
        std::vector<Delivery> held;
        std::vector<std::function<void()>> after;
    };
    QHash<const Session *, Settling> m_settling;

    // Connection affinity (rebalance.h).
    bool m_measureFlows = false;        // with a Rebalancer
    Connection *m_flowSource = nullptr; // the connection whose PUBLISH is being routed
    QHash<const Connection *, std::weak_ptr<Session>> m_flowTargets; // flowTarget, this interval
    qint64 m_windowLoad = 0; // messages in and out since the last flow report
    qint64 m_lastFlowReportMs = 0;
    std::vector<std::pair<SessionPtr, Worker *>> m_movesWanted;

    // inbox (guarded by m_inboxLock)
    std::mutex m_inboxLock;
    std::vector<Delivery> m_inboxDeliveries;
    CopyStream m_inboxCopies;
    std::vector<std::function<void()>> m_inboxTasks;
    std::vector<std::pair<int, std::pair<QString, QString>>> m_inboxSockets;
    std::vector<Connection *> m_inboxMoved; // moved here by another worker (moveConnection)
    bool m_wakePending = false;
    // drained copies (keep capacity between drains)
    std::vector<Delivery> m_drainDeliveries;
    CopyStream m_drainCopies;
    std::vector<std::function<void()>> m_drainTasks;
    std::vector<std::pair<int, std::pair<QString, QString>>> m_drainSockets;
    std::vector<Connection *> m_drainMoved;

    // One-entry encode cache: the last (message, variant) encoded, reused across a fan-out.
    // The first subscriber's copy is encoded into its own output; `bytes` is filled (from
    // there, while it is unsent) when a second subscriber needs the same encoding.
    struct EncodeCache {
        MessagePtr message; // held, so its address cannot be reused by a new message
        int variant = -1;
        QByteArray bytes; // empty until a second subscriber
        qsizetype packetIdOffset = -1;
        quint64 sourceSerial = 0; // the first subscriber's connection
        quint64 sourceAt = 0;     // where its copy starts there (absolute, as Connection::outBase)
        qsizetype size = 0;
    } m_encodeCache;
};

} // namespace petrel
