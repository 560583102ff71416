// Admin introspection and actions: what petrel-admin and the HTTP admin API show and do.
//
// Snapshots are copies, taken thread-safely:
//   * clients: per-session state lives on the session's home worker, so each worker is
//     asked (through its inbox, Worker::post) to copy its sessions, all workers at once,
//     and the caller waits for the answers (bounded by kAdminTimeoutMs);
//   * subscriptions and retained messages: read under the broker's read locks.
// Actions (disconnect a client, delete a session) run on the session's home worker; the
// retained store is changed under its write lock.
//
// Threads: call from any thread that is not a broker worker thread (the GUI thread, the
// HTTP listener's acceptor thread, a test). From a hook (which runs on a worker) the
// calls still return, but the calling worker's own sessions are read inline and the
// others could wait up to the timeout. Everything returns "nothing"/false when the broker
// is not running.
#pragma once

#include "packets/packets.h"

#include <QByteArray>
#include <QJsonObject>
#include <QList>
#include <QString>

#include <cstdint>
#include <optional>

namespace petrel {

class Broker;
class BrokerCore;

namespace admin {

constexpr int kAdminTimeoutMs = 5000;

struct ClientSnapshot {
    QByteArray clientId;
    QByteArray username;
    QString remoteAddress;
    QString listenerId;
    QString node;    // cluster mode: the node the session lives on; empty otherwise (or parked)
    int worker = -1; // the worker thread the session lives on (index); -1 for a remote one
    // Cluster mode, clusterClients(): a session of another node (connected there) or parked in
    // Redis (offline, `node` empty). Only client_id, node and connected are known here.
    bool remote = false;
    int protocolVersion = 4; // 3 (3.1), 4 (3.1.1), 5
    bool connected = false;
    int keepAlive = 0;                       // effective, seconds (while connected)
    std::uint32_t sessionExpiryInterval = 0; // seconds; 0xFFFFFFFF = never
    int subscriptions = 0;
    int inflight = 0; // outbound QoS 1/2 awaiting acknowledgement
    int queued = 0;   // outbound messages waiting for the window or the client
    std::uint64_t messagesIn = 0;
    std::uint64_t messagesOut = 0;
    qint64 connectedAtMs = 0;    // when the current/last connection attached
    qint64 disconnectedAtMs = 0; // 0 while connected
    // Limits the client announced in its v5 CONNECT (while connected).
    int receiveMaximum = 65535;
    std::uint32_t maximumPacketSize = 0;
    int topicAliasMaximum = 0;
    // The will of the current/last connection, if one is waiting.
    bool hasWill = false;
    QByteArray willTopic;
    QByteArray willPayload;
    int willQos = 0;
    bool willRetain = false;
    std::uint32_t willDelayInterval = 0;
};

struct SubscriptionSnapshot {
    QByteArray clientId;
    QByteArray filter;     // as the client sent it ("$share/g/a/+" included)
    QByteArray shareGroup; // "g" of a shared subscription, empty otherwise
    int qos = 0;
    bool noLocal = false;
    bool retainAsPublished = false;
    int retainHandling = 0;
    std::uint32_t identifier = 0; // 0 = none
};

struct RetainedSnapshot {
    packets::Publish message; // topic, payload, qos, properties
    qint64 storedAtMs = 0;
    qint64 expiresAtMs = 0; // 0 = never
};

// ---- on the engine (any component holding the BrokerCore, e.g. the HTTP listener) -----

QList<ClientSnapshot> clients(BrokerCore &core);
std::optional<ClientSnapshot> client(BrokerCore &core, const QByteArray &clientId);
// Cluster mode: clients() plus the clients of the other nodes and the parked sessions
// (remote = true), sorted by id; without cluster mode, or Redis not answering within
// kAdminTimeoutMs, clients() alone (*complete = false in the latter case).
QList<ClientSnapshot> clusterClients(BrokerCore &core, bool *complete = nullptr);
QList<SubscriptionSnapshot> subscriptions(const BrokerCore &core);
QList<RetainedSnapshot> retained(const BrokerCore &core, qint64 nowMs);

// True if `reason` may be sent by a server in a v5 DISCONNECT (MQTT 5 section 3.14.2.1).
bool isServerDisconnectReason(std::uint8_t reason);

enum class Result { Done, NotFound, NotConnected, BadReason, BadWorker, Timeout };
const char *describe(Result r);

// Disconnects a connected client: v5 clients get DISCONNECT with `reason` (one of
// isServerDisconnectReason), 3.x clients are closed. The session stays if it has an expiry.
// A will is published, as on any server-initiated disconnect (MQTT 5 section 3.1.2.5).
Result disconnectClient(BrokerCore &core, const QByteArray &clientId, std::uint8_t reason);
// Ends a session for good (connected or not): a connected client is disconnected first
// (v5: DISCONNECT 0x98 Administrative action), then its subscriptions and queued messages
// go.
Result deleteSession(BrokerCore &core, const QByteArray &clientId);
// Moves a connected client (its session and connection) to worker `worker`, as the rebalancer
// does (options.rebalance): asked of its worker, which makes the move at the end of its pass
// unless the connection cannot move now (output not yet written, a TLS or WebSocket
// connection, a takeover under way). Done means asked; ClientSnapshot::worker shows the result.
Result moveClient(BrokerCore &core, const QByteArray &clientId, int worker);
// Removes the retained message of `topic`; storage hooks see OnRetainMessage with change -1.
Result deleteRetained(BrokerCore &core, const QByteArray &topic);

// Publishes `message` (topic, payload, qos, retain, properties) as the server, like
// Broker::publish. False with *error for a topic that is not a valid topic name or a QoS
// above 2.
bool publish(BrokerCore &core, const packets::Publish &message, QString *error);

// ---- JSON shapes (the admin HTTP API and petrel-admin's attached mode) -----------------

QJsonObject toJson(const ClientSnapshot &c);
ClientSnapshot clientFromJson(const QJsonObject &o);
QJsonObject toJson(const SubscriptionSnapshot &s);
SubscriptionSnapshot subscriptionFromJson(const QJsonObject &o);
// Payload as "payload" (UTF-8 text when valid, else absent) and "payload_base64" always.
QJsonObject toJson(const RetainedSnapshot &r);
RetainedSnapshot retainedFromJson(const QJsonObject &o);
// MQTT 5 publish properties: payload_format_indicator, message_expiry_interval,
// content_type, response_topic, correlation_data (base64), user_properties [[k, v], ...].
QJsonObject propertiesToJson(const packets::Properties &p);
// Reads the same keys; returns false and sets *error on a value of the wrong type.
bool propertiesFromJson(const QJsonObject &o, packets::Properties &out, QString *error);

} // namespace admin

// The admin calls on a Broker (petrel-admin's embedded mode, tests). Cheap to construct.
class BrokerAdmin {
public:
    explicit BrokerAdmin(Broker &broker) : m_broker(broker) {}
    QList<admin::ClientSnapshot> clients() const;
    std::optional<admin::ClientSnapshot> client(const QByteArray &clientId) const;
    QList<admin::SubscriptionSnapshot> subscriptions() const;
    QList<admin::RetainedSnapshot> retained() const;
    admin::Result disconnectClient(const QByteArray &clientId, std::uint8_t reason) const;
    admin::Result deleteSession(const QByteArray &clientId) const;
    admin::Result moveClient(const QByteArray &clientId, int worker) const;
    admin::Result deleteRetained(const QByteArray &topic) const;
    bool publish(const packets::Publish &message, QString *error = nullptr) const;

private:
    BrokerCore *core() const;
    Broker &m_broker;
};

} // namespace petrel
