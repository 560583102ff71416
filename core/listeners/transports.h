// Transports for connections that cannot take the raw epoll path: MQTT over TLS, over
// WebSocket and over WebSocket on TLS (see broker/transport.h for the life cycle).
//
// A listener accepts the descriptor and creates the transport around it on the acceptor
// thread; the Qt socket objects are only created in start(), on the worker's thread, so the
// TLS handshake and the WebSocket upgrade run on the workers (spread over the cores) and
// nothing but the transport itself ever moves between threads. A client that does not get
// through the handshake is closed by the worker's CONNECT timeout (connectTimeoutMs) at the
// latest.
#pragma once

#include "broker/transport.h"

#include <QPointer>
#include <QSslConfiguration>

#include <optional>

class QTcpSocket;
class QSslSocket;
class QWebSocket;
class QWebSocketServer;

namespace petrel {

// Base: owns the descriptor until start() wraps it in a QTcpSocket or QSslSocket.
class SocketTransport : public Transport {
    Q_OBJECT
public:
    // Takes ownership of the connected descriptor `fd`. With `tls`, the server side of a TLS
    // handshake is started on it in start().
    SocketTransport(int fd, std::optional<QSslConfiguration> tls, QObject *parent = nullptr);
    ~SocketTransport() override;

    QString peerAddress() const override { return m_peer; }
    QString certificateCommonName() const override;

protected:
    // Creates the socket on the current thread; false (and closed() queued) on failure.
    bool openSocket();
    // The stream is ready for application data (TLS: after the handshake).
    virtual void onSecured() = 0;
    // Emits closed() once.
    void finish();

    int m_fd = -1;
    QString m_peer;
    std::optional<QSslConfiguration> m_tls;
    QPointer<QTcpSocket> m_socket; // a QSslSocket with TLS
    bool m_finished = false;
};

// MQTT bytes straight over the (TLS) stream.
class StreamTransport final : public SocketTransport {
    Q_OBJECT
public:
    using SocketTransport::SocketTransport;

    void start() override;
    void write(const QByteArray &bytes) override;
    qint64 pendingBytes() const override;
    void close() override;

private:
    void onSecured() override;
};

// MQTT over WebSocket binary messages: every binary message's payload is handed on as it
// is (the worker reassembles packets that span messages and splits messages that carry
// several packets). Text messages close the connection [MQTT-6.0.0-1].
class WebSocketTransport final : public SocketTransport {
    Q_OBJECT
public:
    // `path`: the request path that is accepted ("/" accepts any path, as Mochi).
    // `maximumMessageSize`: 0 = QtWebSockets' default.
    WebSocketTransport(int fd, std::optional<QSslConfiguration> tls, QString path, quint64 maximumMessageSize,
                       QObject *parent = nullptr);
    ~WebSocketTransport() override;

    void start() override;
    void write(const QByteArray &bytes) override;
    qint64 pendingBytes() const override;
    void close() override;

private:
    void onSecured() override;
    void onUpgraded();
    bool checkRequestPath();

    QString m_path;
    quint64 m_maximumMessageSize = 0;
    QPointer<QWebSocketServer> m_upgrader; // does the HTTP upgrade for this one socket
    QPointer<QWebSocket> m_ws;
    QByteArray m_early; // written before the upgrade finished (not expected)
};

} // namespace petrel
