// Transport: a client connection that is not a raw socket in the worker's epoll set, such
// as TLS (QSslSocket) or WebSocket (QWebSocket). TCP and Unix sockets take the raw path,
// which is cheaper (ARCHITECTURE.md, Socket I/O); everything else implements this.
//
// Life cycle: a listener creates the transport in its own thread, moves it to the worker's
// thread (QObject::moveToThread, from the thread that owns it) and calls
// Worker::adoptTransport(). The worker then calls start() on its thread and owns the
// object: it deletes it (deleteLater) after close().
#pragma once

#include <QByteArray>
#include <QObject>

namespace petrel {

class Transport : public QObject {
    Q_OBJECT
public:
    using QObject::QObject;
    ~Transport() override = default;

    // Called once on the worker thread: connect the underlying socket's signals here.
    virtual void start() = 0;
    // Queues bytes for the peer. Never blocks; the transport buffers what it cannot send.
    virtual void write(const QByteArray &bytes) = 0;
    // Bytes accepted by write() and not yet handed to the operating system.
    virtual qint64 pendingBytes() const = 0;
    // Flushes what it can and closes. No signal is required afterwards.
    virtual void close() = 0;
    // Peer address for logs, "host:port".
    virtual QString peerAddress() const = 0;
    // TLS with client certificates: the Common Name of the certificate the peer presented
    // (for auth hooks that use it as the username). Empty without one.
    virtual QString certificateCommonName() const { return {}; }

Q_SIGNALS:
    // Bytes of the MQTT stream, in order, any framing removed.
    void received(const QByteArray &bytes);
    // The peer closed or the connection failed.
    void closed();
};

} // namespace petrel
