// Broker: the public facade of the Petrel engine.
//
// Threads: a Broker owns one acceptor thread (QTcpServer listeners) and N worker threads
// (Options::workerThreads, default one per core). Accepted sockets are handed round-robin
// to the workers; each worker owns its connections and the sessions attached to them. The
// Broker object itself lives in the thread that created it and its signals are emitted
// there (queued), so it is safe to use from a GUI thread.
#pragma once

#include "options.h"
#include "packets/packets.h"

#include <QHostAddress>
#include <QObject>

#include <memory>

namespace petrel {

class BrokerPrivate;

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
};

class Broker : public QObject {
    Q_OBJECT
public:
    explicit Broker(Options options = {}, QObject *parent = nullptr);
    ~Broker() override;

    const Options &options() const;

    // Starts the worker threads and opens every "tcp" listener in options().listeners.
    // Returns false (and says why in *error) if a listener cannot be opened; nothing is
    // left running then.
    bool start(QString *error = nullptr);
    // Closes listeners, disconnects every client (v5: DISCONNECT 0x8B), stops the threads.
    void stop();
    bool isRunning() const;

    // Opens a TCP listener now (before or after start). Port 0 picks a free port. Returns
    // the bound port, or 0 with *error set.
    quint16 listenTcp(const QString &id, const QHostAddress &address, quint16 port, QString *error = nullptr);
    // Port a listener is bound to, 0 if there is no such listener.
    quint16 serverPort(const QString &listenerId) const;

    BrokerStats stats() const;

    // Publishes a message as the server (no client): routed to every matching subscriber
    // and retained if `retain` (an empty retained payload clears the topic). Thread-safe.
    // Returns false if the broker is not running or the topic is not a valid topic name.
    bool publish(const QByteArray &topic, const QByteArray &payload, quint8 qos = 0, bool retain = false,
                 const packets::Properties &properties = {});

Q_SIGNALS:
    void started();
    void stopped();

private:
    friend class BrokerPrivate;
    std::unique_ptr<BrokerPrivate> d;
};

} // namespace petrel
