// Hooks: how embedders extend the broker (the events of Mochi MQTT's hook interface, in C++).
//
// A hook derives from Hook, overrides the events it handles and says so in provides(). The
// broker asks provides() once when the hook is added and keeps one bit per event for the
// whole chain, so an event no hook provides costs one bit test on the hot path.
//
// Hooks run in the order they were added. Modifying events (onPacketRead, onPublish,
// onSubscribe, onUnsubscribe, onWill, onSelectSubscribers, onPacketEncode, onAuthPacket)
// hand their result to the next hook. An Error returned by onConnect or onPublish stops the
// chain and rejects with its reason code.
//
// Threads: client events (everything with a ClientInfo) are called on the worker thread
// that owns the client; several workers call them at the same time for different clients,
// so a hook must be thread-safe. onStarted/onStopped and the Stored* loaders are called on
// the thread that owns the Broker; onSysInfoTick on the broker's acceptor thread, once per
// $SYS interval; onRetainedExpired on worker 0, within a second of the expiry.
// onPacketIDExhausted cannot fire while the inflight window (at most 65535) is checked
// before a packet id is taken, as the engine does; it is kept for the interface's sake.
#pragma once

#include "packets/packets.h"
#include "session/session.h"

#include <QByteArray>
#include <QList>
#include <QString>
#include <QVariantMap>

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>

namespace petrel {

struct BrokerStats;
class ClusterLink;
class DurabilityGate;

enum class HookEvent : std::uint8_t {
    OnStarted,
    OnStopped,
    OnConnectAuthenticate,
    OnACLCheck,
    OnSysInfoTick,
    OnConnect,
    OnSessionEstablish,
    OnSessionEstablished,
    OnDisconnect,
    OnAuthPacket,
    OnPacketRead,
    OnPacketEncode,
    OnPacketSent,
    OnPacketProcessed,
    OnSubscribe,
    OnSubscribed,
    OnSelectSubscribers,
    OnUnsubscribe,
    OnUnsubscribed,
    OnPublish,
    OnPublished,
    OnPublishDropped,
    OnRetainMessage,
    OnRetainPublished,
    OnQosPublish,
    OnQosComplete,
    OnQosDropped,
    OnPacketIDExhausted,
    OnWill,
    OnWillSent,
    OnClientExpired,
    OnRetainedExpired,
    StoredClients,
    StoredSubscriptions,
    StoredInflightMessages,
    StoredRetainedMessages,
    StoredSysInfo,
    // Persistence events (Petrel): what a storage hook needs to follow a session's state
    // exactly. Fired only for sessions that outlive their connection (session expiry > 0).
    OnSessionUpdated,
    OnSessionEnded,
    OnMessageQueued,
    OnMessageInflight,
    OnMessageDone,
    OnInboundQos2,
    Count
};

using HookMask = std::uint64_t;
constexpr HookMask hookBit(HookEvent e)
{
    return HookMask(1) << unsigned(e);
}
static_assert(unsigned(HookEvent::Count) <= 64);

const char *hookEventName(HookEvent e);

// One subscriber chosen for a message; onSelectSubscribers may drop entries or change them.
struct SelectedSubscriber {
    QByteArray clientId;
    std::uint8_t qos = 0;
    bool retain = false;
    QList<std::uint32_t> subscriptionIds;
    QByteArray sharedFilter; // non-empty when chosen through a shared subscription
};

// Records the Stored* loaders return: what persistence keeps of the broker's state.
struct StoredSubscription {
    QByteArray clientId;
    QByteArray filter;
    packets::SubscribeOptions options;
    std::uint32_t identifier = 0;
};

struct StoredClient {
    QByteArray clientId;
    QByteArray username;
    packets::ProtocolVersion version = packets::ProtocolVersion::V311;
    std::uint32_t sessionExpiryInterval = 0;
    qint64 disconnectedAtMs = 0; // 0 = was connected when the state was saved
    bool hasWill = false;
    packets::Will will; // with its Will Delay Interval, if any
};

struct StoredMessage {
    enum class Kind : std::uint8_t { Retained, InflightOut, QueuedOut, InboundQos2 };
    Kind kind = Kind::Retained;
    QByteArray clientId;        // for inflight/queued/inbound
    std::uint64_t sequence = 0; // InflightOut/QueuedOut: broker-wide order of the delivery
    std::uint16_t packetId = 0;
    bool awaitingPubcomp = false; // InflightOut: PUBREC received, PUBREL sent
    std::uint8_t qos = 0;         // delivery QoS for this client
    bool retainFlag = false;
    QList<std::uint32_t> subscriptionIds;
    packets::Publish publish; // topic, payload, properties, original qos/retain
    qint64 createdAtMs = 0;
    qint64 expiresAtMs = 0;
};

// OnMessageQueued: one session's copy of a message. The message itself is shared with the
// broker (no copy of topic, payload or properties is made for the event).
struct QueuedMessage {
    QByteArray clientId;
    std::uint64_t sequence = 0; // broker-wide order of the delivery
    std::uint8_t qos = 0;       // delivery QoS for this client
    bool retainFlag = false;
    QVarLengthArray<std::uint32_t, 2> subscriptionIds;
    MessagePtr message; // publish (topic, payload, properties), createdAtMs, expiresAtMs
};

struct StoredSysInfo {
    qint64 startedAtMs = 0;
    qint64 messagesReceived = 0;
    qint64 messagesSent = 0;
    qint64 messagesDropped = 0;
    qint64 bytesReceived = 0;
    qint64 bytesSent = 0;
    qint64 clientsMaximum = 0;
};

class Hook {
public:
    virtual ~Hook();

    virtual QString id() const = 0;
    // The events this hook handles (OR of hookBit()). Asked once, when the hook is added.
    virtual HookMask provides() const = 0;
    // For observers whose events change while the broker runs (the Qt signal bridge: what is
    // connected): a mask the broker reads on each event instead of provides(). Such hooks
    // run after all others. Default: none.
    virtual const std::atomic<HookMask> *dynamicMask() const { return nullptr; }
    // Called when the hook is added, with its settings from the config (may be empty).
    // Returning false (with *error) refuses the hook.
    virtual bool init(const QVariantMap &config, QString *error);
    // Called when the broker stops or the hook is removed.
    virtual void stop();

    virtual void onStarted();
    virtual void onStopped();
    // true = let the client in. With no hook providing it, every client is refused.
    virtual bool onConnectAuthenticate(const ClientInfo &client, const packets::Connect &connect);
    // true = allowed. write: PUBLISH to `topic`. read: SUBSCRIBE to the filter `topic`, and
    // again for each message delivered to the client (`topic` is then the message's topic),
    // so a wildcard subscription never carries what the client may not read.
    virtual bool onACLCheck(const ClientInfo &client, const QByteArray &topic, bool write);
    // True if onACLCheck answers yes to everything, whatever the client and topic (then the
    // chain skips the calls when this hook is the first to answer).
    virtual bool aclAllowsEverything() const { return false; }
    virtual void onSysInfoTick(const BrokerStats &stats);
    // A returned error (code >= 0x80) refuses the connection with that CONNACK code.
    virtual packets::Error onConnect(const ClientInfo &client, const packets::Connect &connect);
    virtual void onSessionEstablish(const ClientInfo &client, const packets::Connect &connect);
    virtual void onSessionEstablished(const ClientInfo &client, const packets::Connect &connect);
    // reason: why the connection ended (0 normal); expire: the session ends with it.
    virtual void onDisconnect(const ClientInfo &client, packets::ReasonCode reason, bool expire);
    virtual packets::Error onAuthPacket(const ClientInfo &client, packets::Auth &packet);
    // Before the packet is processed; may change it, or return an error to disconnect.
    virtual packets::Error onPacketRead(const ClientInfo &client, packets::Packet &packet);
    // Before a packet to the client is encoded; may change it.
    virtual void onPacketEncode(const ClientInfo &client, packets::Packet &packet);
    // After the packet's bytes were queued on the client's socket (writes are batched).
    virtual void onPacketSent(const ClientInfo &client, const packets::Packet &packet,
                              const QByteArray &bytes);
    virtual void onPacketProcessed(const ClientInfo &client, const packets::Packet &packet,
                                   packets::Error error);
    virtual void onSubscribe(const ClientInfo &client, packets::Subscribe &packet);
    virtual void onSubscribed(const ClientInfo &client, const packets::Subscribe &packet,
                              const QList<std::uint8_t> &reasonCodes);
    virtual void onSelectSubscribers(const packets::Publish &publish, QList<SelectedSubscriber> &subscribers);
    virtual void onUnsubscribe(const ClientInfo &client, packets::Unsubscribe &packet);
    virtual void onUnsubscribed(const ClientInfo &client, const packets::Unsubscribe &packet);
    // May change the message; an error (code >= 0x80) rejects it: v5 acks carry the code,
    // v3 clients get a plain ack and the message is dropped.
    virtual packets::Error onPublish(const ClientInfo &client, packets::Publish &publish);
    virtual void onPublished(const ClientInfo &client, const packets::Publish &publish);
    // A message for this client was dropped (queue full, too large, expired).
    virtual void onPublishDropped(const ClientInfo &client, const packets::Publish &publish);
    // change: +1 stored, 0 replaced, -1 cleared.
    virtual void onRetainMessage(const ClientInfo &client, const packets::Publish &publish, int change);
    virtual void onRetainPublished(const ClientInfo &client, const packets::Publish &publish);
    virtual void onQosPublish(const ClientInfo &client, const packets::Publish &publish, qint64 sentAtMs,
                              int resends);
    virtual void onQosComplete(const ClientInfo &client, const packets::Publish &publish);
    virtual void onQosDropped(const ClientInfo &client, const packets::Publish &publish);
    virtual void onPacketIDExhausted(const ClientInfo &client, const packets::Publish &publish);
    // May change the will, or return false to suppress it.
    virtual bool onWill(const ClientInfo &client, packets::Will &will);
    virtual void onWillSent(const ClientInfo &client, const packets::Publish &publish);
    virtual void onClientExpired(const QByteArray &clientId);
    virtual void onRetainedExpired(const QByteArray &topic);

    virtual QList<StoredClient> storedClients();
    virtual QList<StoredSubscription> storedSubscriptions();
    virtual QList<StoredMessage> storedInflightMessages();
    virtual QList<StoredMessage> storedRetainedMessages();
    virtual std::optional<StoredSysInfo> storedSysInfo();

    // ---- persistence events (Petrel) ------------------------------------------------
    // Fired for sessions with a session expiry > 0 only, on the worker that owns the session
    // except onMessageQueued (see below). A storage hook applies them in the order received.
    //
    // The session's durable state changed: connected (expiry, will), disconnected
    // (disconnectedAtMs, will kept for its delay), a delayed will was sent.
    virtual void onSessionUpdated(const StoredClient &session);
    // The session of this client id ended for good (clean start, expiry, DISCONNECT with
    // expiry 0): its subscriptions, messages and inbound QoS 2 ids go with it.
    virtual void onSessionEnded(const QByteArray &clientId);
    // A QoS 1/2 message was queued for a session. Called on the worker that routed the
    // message, before the publisher's acknowledgement is sent.
    virtual void onMessageQueued(const QueuedMessage &message);
    // A queued message was sent with `packetId` (awaitingPubcomp false), or its PUBREC came
    // (awaitingPubcomp true).
    virtual void onMessageInflight(const QByteArray &clientId, std::uint64_t sequence, std::uint16_t packetId,
                                   bool awaitingPubcomp);
    // A queued or inflight message is finished: acknowledged, dropped or expired.
    virtual void onMessageDone(const QByteArray &clientId, std::uint64_t sequence);
    // An inbound QoS 2 packet id was recorded (received: PUBREC sent) or released (PUBREL).
    virtual void onInboundQos2(const QByteArray &clientId, std::uint16_t packetId, bool received);

    // Durability (Petrel): a hook whose writes become durable after the event returns (a
    // storage hook in sync mode) returns a gate; the broker then holds every packet it writes
    // to a client after a change until that change is durable. Asked once at start.
    virtual DurabilityGate *durabilityGate();

    // Cluster mode (Petrel, broker/clusterlink.h): the hook that connects this broker to other
    // nodes returns its link. Asked once at start; the first hook returning one is used.
    virtual ClusterLink *clusterLink();
};

// See Hook::durabilityGate(). Sequence numbers count the changes a hook has accepted.
class DurabilityGate {
public:
    virtual ~DurabilityGate();
    // The sequence number of the last change accepted (any thread).
    virtual std::uint64_t writeSequence() const = 0;
    // Every change up to this sequence number is durable (any thread).
    virtual std::uint64_t durableSequence() const = 0;
    // `fn(durable)` is called after each commit, on the hook's thread; it must be cheap.
    // Cleared with an empty function before the broker's workers go away.
    virtual void setDurableCallback(std::function<void(std::uint64_t)> fn) = 0;
};

// Lets every client in and allows every topic. For development and local testing.
class AllowAllHook : public Hook {
public:
    QString id() const override { return QStringLiteral("allow-all-auth"); }
    HookMask provides() const override
    {
        return hookBit(HookEvent::OnConnectAuthenticate) | hookBit(HookEvent::OnACLCheck);
    }
    bool onConnectAuthenticate(const ClientInfo &, const packets::Connect &) override { return true; }
    bool onACLCheck(const ClientInfo &, const QByteArray &, bool) override { return true; }
    bool aclAllowsEverything() const override { return true; }
};

} // namespace petrel
