// TCP-based MQTT listeners: plain TCP (raw descriptors into the workers' epoll sets) and
// TLS (QSslSocket in a StreamTransport).
#pragma once

#include "listener.h"

#include <QSslConfiguration>
#include <QTcpServer>

#include <functional>

#include <sys/socket.h>

namespace petrel {

// A QTcpServer that never wraps accepted sockets in QTcpSocket: every descriptor goes to
// the callback (ARCHITECTURE.md, Socket I/O).
class DescriptorServer final : public QTcpServer {
    Q_OBJECT
public:
    // The kernel's queue of connections not yet accepted. Qt's default is 50: in a connection
    // storm the queue filled while the acceptor was busy, the kernel dropped the SYNs beyond
    // it, and those clients waited for their retransmission, a whole second. SOMAXCONN is the
    // largest the kernel takes (net.core.somaxconn caps it).
    static constexpr int kListenBacklog = SOMAXCONN;

    explicit DescriptorServer(std::function<void(int fd)> onAccepted, QObject *parent = nullptr)
        : QTcpServer(parent), m_onAccepted(std::move(onAccepted))
    {
        setListenBacklogSize(kListenBacklog);
    }

protected:
    void incomingConnection(qintptr descriptor) override { m_onAccepted(int(descriptor)); }

private:
    std::function<void(int)> m_onAccepted;
};

// Base of the listeners that listen on a TCP port.
class TcpBasedListener : public Listener {
    Q_OBJECT
public:
    TcpBasedListener(ListenerConfig config, ListenerContext context, QObject *parent = nullptr);

    bool listen(QString *error) override;
    void close() override;
    quint16 serverPort() const override;
    QString boundAddress() const override;

protected:
    // Extra work before listening (e.g. reading certificates); false with *error set.
    virtual bool prepare(QString *error)
    {
        Q_UNUSED(error);
        return true;
    }
    // A connection arrived and was admitted (maximum_connections).
    virtual void accepted(int fd, const QString &peer) = 0;

private:
    DescriptorServer *m_server = nullptr;
};

class TcpListener final : public TcpBasedListener {
    Q_OBJECT
public:
    using TcpBasedListener::TcpBasedListener;
    QString protocol() const override { return QStringLiteral("tcp"); }

protected:
    void accepted(int fd, const QString &peer) override;
};

class TlsListener final : public TcpBasedListener {
    Q_OBJECT
public:
    using TcpBasedListener::TcpBasedListener;
    QString protocol() const override { return QStringLiteral("tls"); }

protected:
    bool prepare(QString *error) override;
    void accepted(int fd, const QString &peer) override;

private:
    QSslConfiguration m_tls;
};

} // namespace petrel
