#include "tcplistener.h"

#include "tls.h"
#include "transports.h"

#include <QLoggingCategory>

#include <unistd.h>

Q_DECLARE_LOGGING_CATEGORY(lcListener)

namespace petrel {

TcpBasedListener::TcpBasedListener(ListenerConfig config, ListenerContext context, QObject *parent)
    : Listener(std::move(config), std::move(context), parent)
{
}

bool TcpBasedListener::listen(QString *error)
{
    const auto fail = [&](const QString &why) {
        if (error) *error = QStringLiteral("%1: %2").arg(describe(), why);
        return false;
    };
    QString why;
    const auto address = parseListenAddress(m_config.address, &why);
    if (!address) return fail(QStringLiteral("bad address \"%1\": %2").arg(m_config.address, why));
    if (!prepare(&why)) return fail(why);
    auto *server = new DescriptorServer(
        [this](int fd) {
            const QString peer = socketPeerAddress(fd);
            if (!admit(peer)) {
                ::close(fd);
                return;
            }
            accepted(fd, peer);
        },
        this);
    if (!server->listen(address->host, address->port)) {
        const QString reason = server->errorString();
        delete server;
        return fail(QStringLiteral("cannot listen: %1").arg(reason));
    }
    m_server = server;
    qCInfo(lcListener).noquote() << describe() << "listening";
    return true;
}

void TcpBasedListener::close()
{
    if (!m_server) return;
    m_server->close();
    delete m_server;
    m_server = nullptr;
}

quint16 TcpBasedListener::serverPort() const
{
    return m_server ? m_server->serverPort() : 0;
}

QString TcpBasedListener::boundAddress() const
{
    if (!m_server) return {};
    return formatHostPort(m_server->serverAddress(), m_server->serverPort());
}

void TcpListener::accepted(int fd, const QString &peer)
{
    handOffDescriptor(fd, peer, true);
}

bool TlsListener::prepare(QString *error)
{
    auto tls = loadServerTlsConfiguration(m_config, error);
    if (!tls) return false;
    m_tls = *tls;
    return true;
}

void TlsListener::accepted(int fd, const QString &peer)
{
    Q_UNUSED(peer);
    handOffTransport(new StreamTransport(fd, m_tls));
}

} // namespace petrel
