#include "listener.h"

#include "broker/brokercore.h"
#include "broker/transport.h"
#include "broker/worker.h"
#include "httplistener.h"
#include "tcplistener.h"
#include "unixlistener.h"
#include "websocketlistener.h"

#include <QHostInfo>
#include <QLoggingCategory>
#include <QThread>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

Q_LOGGING_CATEGORY(lcListener, "petrel.listener")

namespace petrel {

Listener::Listener(ListenerConfig config, ListenerContext context, QObject *parent)
    : QObject(parent), m_config(std::move(config)), m_context(std::move(context))
{
}

Listener::~Listener() = default;

QString Listener::describe() const
{
    const QString where = boundAddress().isEmpty() ? m_config.address : boundAddress();
    return QStringLiteral("listener %1 (%2 on %3)").arg(m_config.id, protocol(), where);
}

int Listener::connectionCount()
{
    // Drop descriptors the workers have closed (or that now name another socket).
    std::erase_if(m_raw, [](const RawEntry &e) {
        struct stat st {};
        return ::fstat(e.fd, &st) != 0 || !S_ISSOCK(st.st_mode) || quint64(st.st_ino) != e.inode;
    });
    return int(m_raw.size()) + m_transports->load(std::memory_order_relaxed);
}

bool Listener::admit(const QString &peer)
{
    const int limit = m_config.maximumConnections;
    if (limit <= 0) return true;
    if (connectionCount() < limit) return true;
    // One log line per second at most, however hard the listener is hammered.
    ++m_refusedSinceLog;
    const qint64 now = nowMs();
    if (now - m_lastRefusalLogMs >= 1000) {
        qCWarning(lcListener).noquote()
            << describe() << "refused" << m_refusedSinceLog << "connection(s), last from" << peer
            << "- maximum_connections" << limit << "reached";
        m_lastRefusalLogMs = now;
        m_refusedSinceLog = 0;
    }
    return false;
}

void Listener::handOffDescriptor(int fd, const QString &peer, bool tcp)
{
    const int flags = ::fcntl(fd, F_GETFL, 0);
    ::fcntl(fd, F_SETFL, flags | O_NONBLOCK);
    if (tcp) {
        const int one = 1;
        ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    if (m_config.maximumConnections > 0) {
        struct stat st {};
        if (::fstat(fd, &st) == 0) m_raw.push_back(RawEntry{fd, quint64(st.st_ino)});
    }
    qCDebug(lcListener).noquote() << describe() << "accepted" << peer;
    m_context.core->nextWorker()->adoptSocket(fd, m_config.id, peer);
}

void Listener::handOffTransport(Transport *transport)
{
    Worker *worker = m_context.core->nextWorker();
    m_transports->fetch_add(1, std::memory_order_relaxed);
    // Runs on the worker's thread when the worker deletes the transport.
    QObject::connect(transport, &QObject::destroyed,
                     [gauge = m_transports] { gauge->fetch_sub(1, std::memory_order_relaxed); });
    qCDebug(lcListener).noquote() << describe() << "accepted" << transport->peerAddress();
    transport->moveToThread(worker->thread());
    worker->adoptTransport(transport, m_config.id);
}

std::unique_ptr<Listener> createListener(const ListenerConfig &config, const ListenerContext &context,
                                         QString *error)
{
    const QString &type = config.type;
    if (type == QLatin1String("tcp")) {
        if (!config.tlsCertFile.isEmpty() || !config.tlsKeyFile.isEmpty())
            return std::make_unique<TlsListener>(config, context);
        return std::make_unique<TcpListener>(config, context);
    }
    if (type == QLatin1String("ws")) return std::make_unique<WebSocketListener>(config, context);
    if (type == QLatin1String("unix")) return std::make_unique<UnixListener>(config, context);
    if (type == QLatin1String("sysinfo") || type == QLatin1String("healthcheck"))
        return std::make_unique<HttpListener>(config, context);
    if (error) {
        *error = QStringLiteral("listener %1: unknown type \"%2\" (expected tcp, ws, unix, sysinfo or "
                                "healthcheck)")
                     .arg(config.id, type);
    }
    return nullptr;
}

std::optional<ListenAddress> parseListenAddress(const QString &address, QString *why)
{
    const auto fail = [&](const QString &reason) -> std::optional<ListenAddress> {
        if (why) *why = reason;
        return std::nullopt;
    };
    const qsizetype colon = address.lastIndexOf(QLatin1Char(':'));
    if (colon < 0) return fail(QStringLiteral("expected host:port or :port"));
    QString host = address.left(colon);
    bool ok = false;
    const uint port = address.mid(colon + 1).toUInt(&ok);
    if (!ok || port > 65535) return fail(QStringLiteral("bad port"));
    if (host.startsWith(QLatin1Char('[')) && host.endsWith(QLatin1Char(']')))
        host = host.mid(1, host.size() - 2);
    ListenAddress result;
    result.port = quint16(port);
    if (host.isEmpty()) {
        result.host = QHostAddress::Any;
    } else if (!result.host.setAddress(host)) {
        if (host.compare(QLatin1String("localhost"), Qt::CaseInsensitive) == 0) {
            result.host = QHostAddress::LocalHost;
        } else {
            const QHostInfo info = QHostInfo::fromName(host);
            if (info.addresses().isEmpty())
                return fail(QStringLiteral("cannot resolve host \"%1\": %2").arg(host, info.errorString()));
            result.host = info.addresses().constFirst();
        }
    }
    return result;
}

QString formatHostPort(const QHostAddress &host, quint16 port)
{
    if (host == QHostAddress::Any) return QStringLiteral("*:%1").arg(port);
    if (host.protocol() == QAbstractSocket::IPv6Protocol)
        return QStringLiteral("[%1]:%2").arg(host.toString()).arg(port);
    return QStringLiteral("%1:%2").arg(host.toString()).arg(port);
}

QString socketPeerAddress(int fd)
{
    sockaddr_storage addr{};
    socklen_t len = sizeof addr;
    if (::getpeername(fd, reinterpret_cast<sockaddr *>(&addr), &len) != 0) return QStringLiteral("?");
    char host[INET6_ADDRSTRLEN] = {};
    if (addr.ss_family == AF_INET) {
        auto *a = reinterpret_cast<sockaddr_in *>(&addr);
        ::inet_ntop(AF_INET, &a->sin_addr, host, sizeof host);
        return QStringLiteral("%1:%2").arg(QLatin1String(host)).arg(ntohs(a->sin_port));
    }
    if (addr.ss_family == AF_INET6) {
        auto *a = reinterpret_cast<sockaddr_in6 *>(&addr);
        ::inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof host);
        return QStringLiteral("[%1]:%2").arg(QLatin1String(host)).arg(ntohs(a->sin6_port));
    }
    if (addr.ss_family == AF_UNIX) {
        ucred cred{};
        socklen_t credLen = sizeof cred;
        if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &credLen) == 0)
            return QStringLiteral("unix:pid=%1,uid=%2").arg(cred.pid).arg(cred.uid);
        return QStringLiteral("unix");
    }
    return QStringLiteral("?");
}

} // namespace petrel
