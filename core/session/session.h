// Per-client session state. A Session is touched only by the worker thread it currently
// lives on (Session::home); other threads hand it work through that worker's inbox.
#pragma once

#include "packets/packets.h"
#include "session/lazydeque.h"
#include "session/packetidset.h"

#include <QByteArray>
#include <QHash>
#include <QSet>
#include <QString>

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

namespace petrel {

class Worker;
struct Connection;

// What the broker (and its hooks) know of a client.
struct ClientInfo {
    QByteArray clientId;
    QByteArray username;
    QString remoteAddress; // "host:port", or "inline" for the inline client
    QString listenerId;    // listener the client came in on
    QString certificateCN; // TLS client certificate common name, if any
    packets::ProtocolVersion version = packets::ProtocolVersion::V311;
    bool isInline = false;
};

// An application message on its way through the broker. Immutable once routed, shared by
// every delivery (one payload buffer however many subscribers).
struct Message {
    // Provided, so that make_shared<Message>() does not zero the whole object (value
    // initialisation of a class without one does) before the members set themselves.
    Message() noexcept {}

    packets::Publish publish;   // as received: topic resolved from any alias, qos/retain as published
    QByteArray originClientId;  // for inline subscribers and cluster links; empty on one
                                // forwarded in place (publishInPlace), which neither gets
    quintptr originSession = 0; // for No Local
    qint64 createdAtMs = 0;
    qint64 expiresAtMs = 0; // 0 = never
    QByteArray originNode;  // cluster mode: the node it was published on, when not this one
    // Cluster mode, a message from another node: the shared subscriptions ("$share/g/f") this
    // node serves for it (the publisher's node chose one node per group); null = all.
    std::shared_ptr<const QSet<QByteArray>> sharedOnly;
    // Cluster mode, a QoS 1/2 message that crossed nodes through Redis: "<node>/<run>:<seq>",
    // unique cluster-wide; kept with its queued copies so a re-read copy is recognised.
    QByteArray clusterId;
};
using MessagePtr = std::shared_ptr<const Message>;

// One message queued for or in flight to a subscriber.
struct Outgoing {
    // The message. A copy that publishInPlace() puts in flight has none made for it: it holds
    // its topic and payload, and what the Message would say of them, in one buffer
    // (setInPlace), and message() makes the Message from that the first time one is asked
    // for (a resend, a hook). Most copies in flight are acknowledged without it, and so cost
    // one allocation and no reference counting beyond that buffer's.
    const MessagePtr &message() const
    {
        if (!m_message && !m_inPlace.isNull()) makeMessage();
        return m_message;
    }
    void setMessage(MessagePtr message)
    {
        m_message = std::move(message);
        m_inPlace = QByteArray();
    }
    // The buffer for setInPlace(): the message a PUBLISH with topic and payload (and no
    // properties, not retained) published at `qos` makes, stamped with the given origin and times.
    static QByteArray inPlaceBytes(QByteArrayView topic, QByteArrayView payload, std::uint8_t qos,
                                   quintptr originSession, qint64 createdAtMs, qint64 expiresAtMs);
    // Shared (a reference, not a copy) by all copies of one PUBLISH.
    void setInPlace(QByteArray bytes)
    {
        m_message.reset();
        m_inPlace = std::move(bytes);
    }

    std::uint8_t qos = 0;
    bool retain = false; // retain flag to send
    QVarLengthArray<std::uint32_t, 2> subscriptionIds;
    QByteArray sharedFilter;    // "$share/g/f" when delivered through a shared subscription
    std::uint64_t storeSeq = 0; // persistence: sequence of this delivery in storage, 0 = not stored

private:
    void makeMessage() const;
    // A Session and its queues are touched by its home worker only, so message() may make
    // the Message on a const Outgoing.
    mutable MessagePtr m_message;
    mutable QByteArray m_inPlace; // see inPlaceBytes()
};

struct InflightOut {
    enum class State : std::uint8_t { AwaitPuback, AwaitPubrec, AwaitPubcomp };
    std::uint16_t packetId = 0;
    State state = State::AwaitPuback;
    Outgoing out;
};

struct SessionSubscription {
    packets::SubscribeOptions options;
    std::uint32_t identifier = 0;
};

class Session : public std::enable_shared_from_this<Session> {
public:
    explicit Session(QByteArray id) : clientId(std::move(id)) {}

    quintptr key() const { return reinterpret_cast<quintptr>(this); }

    const QByteArray clientId;
    std::atomic<Worker *> home{nullptr};

    // --- state owned by the home worker -------------------------------------------------
    ClientInfo client;                // of the current/last connection
    Connection *connection = nullptr; // attached network connection, if any
    packets::ProtocolVersion version = packets::ProtocolVersion::V311;
    std::uint32_t expiryInterval = 0; // seconds after disconnect; 0xFFFFFFFF = never
    qint64 disconnectedAtMs = 0;      // when the last connection ended (0 while connected)
    qint64 lastDropLogMs = 0;         // rate limit of the "queue full" warning
    quint32 dropsSinceLog = 0;
    qint64 connectedAtMs = 0;      // when the current/last connection attached (admin)
    std::uint64_t messagesIn = 0;  // PUBLISH packets received from this client (admin)
    std::uint64_t messagesOut = 0; // PUBLISH packets sent to this client (admin)
    bool expired = false;          // removed from the registry; drop deliveries
    // Taken over from another worker, whose deliveries routed before the hand-over may still be
    // on their way here: until they are all in, the deliveries routed since are held back and
    // none is written to the connection directly (Worker::handOver). Set by the old home before
    // it hands the session over, cleared here.
    bool settling = false;
    std::uint64_t clusterClaim = 0; // cluster mode: ClusterLink::clientConnected() at the last attach
    // Outlives its connection (expiry > 0): persistence events are fired for it. Written by
    // the home worker, read by workers routing messages to it.
    std::atomic<bool> persistent{false};

    QHash<QByteArray, SessionSubscription> subscriptions; // filter -> options

    // Outbound QoS 1/2 in send order. Acks usually come in order, so the one acknowledged
    // is found at the front and removed in O(1).
    LazyDeque<InflightOut> inflight;
    LazyDeque<Outgoing> pending; // outbound messages waiting for window or connection
    std::uint16_t lastPacketId = 0;
    PacketIdSet usedPacketIds; // ids of `inflight`
    PacketIdSet inboundQos2;   // QoS 2 ids received, PUBREC sent, awaiting PUBREL

    // Will of the current/last connection, fired on abnormal close (with a delay in v5).
    std::unique_ptr<packets::Will> will; // allocated only while there is one
    qint64 willDueAtMs = 0;              // non-zero while a delayed will waits

    // Allocates a packet id that is not in flight; 0 when all 65535 are used.
    std::uint16_t allocatePacketId()
    {
        if (usedPacketIds.size() >= 65535) return 0;
        do {
            lastPacketId = std::uint16_t(lastPacketId + 1);
        } while (lastPacketId == 0 || usedPacketIds.contains(lastPacketId));
        usedPacketIds.insert(lastPacketId);
        return lastPacketId;
    }
};
using SessionPtr = std::shared_ptr<Session>;

} // namespace petrel
