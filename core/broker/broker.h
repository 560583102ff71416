// Broker: the public facade of the Petrel engine.
//
// Threads: a Broker owns one acceptor thread (QTcpServer listeners) and N worker threads
// (Options::workerThreads, default one per core). Accepted sockets are handed round-robin
// to the workers; each worker owns its connections and the sessions attached to them. The
// Broker object itself lives in the thread that created it and its signals are emitted
// there (queued), so it is safe to use from a GUI thread.
#pragma once

#include "hooks/hook.h"
#include "inlineclient.h"
#include "options.h"
#include "packets/packets.h"

#include <QHostAddress>
#include <QObject>

#include <memory>

namespace petrel {

class BrokerPrivate;
class BrokerEvents;

struct BrokerStats {
    qint64 startedAtMs = 0;
    qint64 clientsConnected = 0;
    qint64 clientsTotal = 0;   // sessions known (connected + persistent offline)
    qint64 clientsMaximum = 0; // high-water mark of connected clients
    qint64 messagesReceived = 0;
    qint64 messagesSent = 0;
    qint64 messagesDropped = 0;
    qint64 bytesReceived = 0;
    qint64 bytesSent = 0;
    qint64 packetsReceived = 0;
    qint64 packetsSent = 0;
    qint64 subscriptions = 0;
    qint64 retained = 0;
    qint64 inflight = 0;
    int threads = 0;
    qint64 connectionsMoved = 0; // from one worker to another (options.rebalance)
};

// An open listener, as Broker::listeners() reports it.
struct ListenerInfo {
    QString id;
    QString type;        // as configured: tcp, ws, unix, sysinfo, healthcheck
    QString protocol;    // what clients speak: tcp, tls, ws, wss, unix, http
    QString address;     // bound address ("127.0.0.1:1883", "*:1883") or socket path
    quint16 port = 0;    // 0 for unix
    int connections = 0; // open connections accepted through it (MQTT listeners)
};

class Broker : public QObject {
    Q_OBJECT
public:
    explicit Broker(Options options = {}, QObject *parent = nullptr);
    ~Broker() override;

    const Options &options() const;

    // Starts the worker threads, opens every listener in options().listeners (all types, see
    // listeners/listener.h) and starts the $SYS publisher (options().sysTopicResendInterval).
    // Returns false (and says why in *error, naming the listener and its address) if a
    // listener cannot be opened; nothing is left running then.
    bool start(QString *error = nullptr);
    // Closes listeners, disconnects every client (v5: DISCONNECT 0x8B), stops the threads.
    void stop();
    bool isRunning() const;

    // Opens a TCP listener now (before or after start). Port 0 picks a free port. Returns
    // the bound port, or 0 with *error set.
    quint16 listenTcp(const QString &id, const QHostAddress &address, quint16 port, QString *error = nullptr);
    // Opens a listener of any type now (the broker must be running). Returns false with
    // *error set (naming the listener and its address) if it cannot be opened or the id is
    // already taken.
    bool addListener(const ListenerConfig &config, QString *error = nullptr);
    // Stops a listener accepting; connections it accepted stay open. False if no such id.
    bool removeListener(const QString &listenerId);
    // Port a listener is bound to (any TCP-based type), 0 if there is no such listener.
    quint16 serverPort(const QString &listenerId) const;
    // Bound address of a listener ("127.0.0.1:1883", socket path), empty if there is none.
    QString listenerAddress(const QString &listenerId) const;
    // The open listeners, in the order they were opened.
    QList<ListenerInfo> listeners() const;

    BrokerStats stats() const;

    // Adds a hook (see hooks/hook.h), after those named in options().hooks. Only while the
    // broker is stopped. `config` goes to Hook::init(). Without any hook providing
    // OnConnectAuthenticate every client is refused, and without OnACLCheck every topic.
    bool addHook(std::shared_ptr<Hook> hook, const QVariantMap &config = {}, QString *error = nullptr);

    // The hook events as Qt signals (hooks/brokerevents.h). Always there; an event costs
    // nothing until something is connected to its signal. Connect before or after start().
    BrokerEvents *events() const;

    // ---- the inline client (Options::inlineClient; every call below fails without it) ----
    // Publishes a message as the server (the inline client, no ACL check; '$' topics such as
    // $SYS allowed): routed to every matching subscriber and retained if `retain` (an empty
    // retained payload clears the topic). `qos` is the highest QoS subscribers get. Any
    // thread. False (with a log line) if the inline client is off, the broker is not running
    // or the topic is not a valid topic name.
    bool publish(const QByteArray &topic, const QByteArray &payload, quint8 qos = 0, bool retain = false,
                 const packets::Properties &properties = {});
    // Calls `handler` for every message published to a topic matching `filter`, on the
    // worker thread that routes it (inlineclient.h). Several handlers may share a filter
    // with different ids; (filter, id) again replaces the handler. Before or after start();
    // kept across stop/start. False with *error for an invalid or shared filter.
    bool subscribe(const QByteArray &filter, std::uint32_t subscriptionId, InlineHandler handler,
                   QString *error = nullptr);
    // Removes the inline subscription (filter, id). False if there was none.
    bool unsubscribe(const QByteArray &filter, std::uint32_t subscriptionId);

    // Processes `packet` as if the connected client `clientId` had sent it: hooks, ACL checks,
    // replies to the client, all as for a packet read from its socket (any packet type; a
    // second CONNECT is the protocol error it would be). Asynchronous: runs on the client's
    // worker. False with *error if the inline client is off, the broker is not running or no
    // session has that id; an injected packet for a session with no connection is logged
    // and dropped.
    bool injectPacket(const QByteArray &clientId, const packets::Packet &packet, QString *error = nullptr);

Q_SIGNALS:
    void started();
    void stopped();

private:
    friend class BrokerPrivate;
    friend class BrokerAdmin; // admin.h: snapshots and actions for petrel-admin
    std::unique_ptr<BrokerPrivate> d;
};

} // namespace petrel
