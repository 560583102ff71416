// Listener: one way in to the broker (ARCHITECTURE.md, listeners/).
//
// A listener is a small object that opens one server socket and hands what it accepts to
// the broker: raw descriptors (tcp, unix) go straight to a worker's epoll set, everything
// else (TLS, WebSocket) is wrapped in a petrel::Transport. The HTTP listeners (sysinfo,
// healthcheck) serve their requests themselves and hand nothing over.
//
// Threads: listeners are created, opened, used and destroyed on the broker's acceptor
// thread; the broker reaches them only through BlockingQueuedConnection calls.
//
// Types (ListenerConfig::type, as in Mochi's config files) and what they become:
//   tcp          MQTT over TCP (raw path); with tls_cert_file/tls_key_file: MQTT over TLS
//   ws           MQTT over WebSocket; with tls_cert_file/tls_key_file: over WSS
//   unix         MQTT over a Unix domain socket (address = socket path; raw path)
//   sysinfo      HTTP: GET / ($SYS JSON), /healthcheck, /metrics (Prometheus text)
//   healthcheck  HTTP: GET /healthcheck only
#pragma once

#include "broker/broker.h"
#include "broker/options.h"

#include <QHostAddress>
#include <QObject>
#include <QString>

#include <atomic>
#include <functional>
#include <memory>
#include <optional>

namespace petrel {

class BrokerCore;
class Transport;

// What a listener needs from the broker. Safe to use from the acceptor thread.
struct ListenerContext {
    BrokerCore *core = nullptr;         // workers to hand connections to; options
    std::function<BrokerStats()> stats; // for the HTTP listeners
    QString version;                    // broker version for $SYS / JSON
};

class Listener : public QObject {
    Q_OBJECT
public:
    Listener(ListenerConfig config, ListenerContext context, QObject *parent = nullptr);
    ~Listener() override;

    const QString &id() const { return m_config.id; }
    // The configured type (tcp, ws, unix, sysinfo, healthcheck).
    const QString &type() const { return m_config.type; }
    const ListenerConfig &config() const { return m_config; }
    // What clients speak to it: tcp, tls, ws, wss, unix, http. For logs and docs.
    virtual QString protocol() const = 0;

    // Opens the server socket. On failure returns false and sets *error to one line that
    // names the listener, its address and the reason. Acceptor thread.
    virtual bool listen(QString *error) = 0;
    // Stops accepting. Connections already handed to workers stay open.
    virtual void close() = 0;
    // Bound TCP port (after listen(); useful with port 0), 0 for a Unix socket.
    virtual quint16 serverPort() const { return 0; }
    // Where it listens: "127.0.0.1:1883", "[::]:1883", or the socket path.
    virtual QString boundAddress() const = 0;

    // Connections accepted through this listener that are still open (MQTT listeners).
    int connectionCount();

protected:
    // "listener <id> (<protocol> on <address>)": the start of every message about it.
    QString describe() const;
    // Admission control for maximum_connections: true if one more connection may open.
    // Logs (rate-limited) and returns false when the limit is reached.
    bool admit(const QString &peer);
    // Hands a connected socket descriptor to the next worker (raw path): sets O_NONBLOCK and,
    // for TCP, TCP_NODELAY. The worker owns the descriptor from here on.
    void handOffDescriptor(int fd, const QString &peer, bool tcp);
    // Moves a transport to the next worker's thread and gives it to that worker.
    void handOffTransport(Transport *transport);

    ListenerConfig m_config;
    ListenerContext m_context;

private:
    // Raw descriptors handed over: (fd, socket inode). A descriptor is still ours while fstat
    // finds the same socket inode on it; the worker closes it without telling us.
    struct RawEntry {
        int fd;
        quint64 inode;
    };
    std::vector<RawEntry> m_raw;
    std::shared_ptr<std::atomic<int>> m_transports = std::make_shared<std::atomic<int>>(0);
    qint64 m_lastRefusalLogMs = 0;
    int m_refusedSinceLog = 0;
};

// Creates the listener for `config` (not yet listening). Returns nullptr and sets *error
// for a type this build does not know.
std::unique_ptr<Listener> createListener(const ListenerConfig &config, const ListenerContext &context,
                                         QString *error);

// "host:port", ":port", "[v6]:port" -> address and port; a host name is resolved (first
// address). std::nullopt if the text is not such an address or the name does not resolve.
struct ListenAddress {
    QHostAddress host;
    quint16 port = 0;
};
std::optional<ListenAddress> parseListenAddress(const QString &address, QString *why = nullptr);

// "127.0.0.1:1883" / "[::1]:1883" for a bound address and port.
QString formatHostPort(const QHostAddress &host, quint16 port);

// "host:port" of the peer of a connected socket descriptor ("local" for Unix sockets).
QString socketPeerAddress(int fd);

} // namespace petrel
