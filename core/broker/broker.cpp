#include "broker.h"

#include "brokercore.h"
#include "worker.h"

#include <QLoggingCategory>
#include <QMetaObject>
#include <QTcpServer>
#include <QThread>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

Q_LOGGING_CATEGORY(lcBroker, "petrel.broker")

namespace petrel {

namespace {

QString peerAddress(int fd)
{
    sockaddr_storage addr{};
    socklen_t len = sizeof addr;
    if (::getpeername(fd, reinterpret_cast<sockaddr *>(&addr), &len) != 0) return QStringLiteral("?");
    char host[INET6_ADDRSTRLEN] = {};
    quint16 port = 0;
    if (addr.ss_family == AF_INET) {
        auto *a = reinterpret_cast<sockaddr_in *>(&addr);
        ::inet_ntop(AF_INET, &a->sin_addr, host, sizeof host);
        port = ntohs(a->sin_port);
        return QStringLiteral("%1:%2").arg(QLatin1String(host)).arg(port);
    }
    if (addr.ss_family == AF_INET6) {
        auto *a = reinterpret_cast<sockaddr_in6 *>(&addr);
        ::inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof host);
        port = ntohs(a->sin6_port);
        return QStringLiteral("[%1]:%2").arg(QLatin1String(host)).arg(port);
    }
    return QStringLiteral("local");
}

// A QTcpServer that does not wrap accepted sockets in QTcpSocket: the descriptor goes
// straight to a worker's epoll set (ARCHITECTURE.md, Socket I/O).
class TcpListener : public QTcpServer {
public:
    TcpListener(BrokerCore &core, QString id) : m_core(core), m_id(std::move(id)) {}
    const QString &id() const { return m_id; }

protected:
    void incomingConnection(qintptr descriptor) override
    {
        const int fd = int(descriptor);
        const int flags = ::fcntl(fd, F_GETFL, 0);
        ::fcntl(fd, F_SETFL, flags | O_NONBLOCK);
        const int one = 1;
        ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        m_core.nextWorker()->adoptSocket(fd, m_id, peerAddress(fd));
    }

private:
    BrokerCore &m_core;
    QString m_id;
};

} // namespace

class BrokerPrivate {
public:
    explicit BrokerPrivate(const Options &o) : options(o) {}

    Options options;
    std::unique_ptr<BrokerCore> core;
    QThread acceptThread;
    QObject *acceptContext = nullptr; // lives in acceptThread; parent of the listeners
    std::vector<QThread *> threads;
    QList<TcpListener *> listeners; // owned by acceptContext
    bool running = false;

    void ensureCore()
    {
        if (core) return;
        core = std::make_unique<BrokerCore>(options);
        int n = options.workerThreads > 0 ? options.workerThreads : QThread::idealThreadCount();
        if (n < 1) n = 1;
        for (int i = 0; i < n; ++i)
            core->workers.push_back(new Worker(*core, i));
    }

    void startThreads()
    {
        acceptThread.setObjectName(QStringLiteral("petrel-accept"));
        acceptThread.start();
        acceptContext = new QObject;
        acceptContext->moveToThread(&acceptThread);
        for (Worker *w : core->workers) {
            auto *t = new QThread;
            t->setObjectName(QStringLiteral("petrel-worker-%1").arg(w->index()));
            w->moveToThread(t);
            QObject::connect(t, &QThread::started, w, &Worker::startOnThread);
            threads.push_back(t);
            t->start();
        }
    }

    quint16 listen(const QString &id, const QHostAddress &address, quint16 port, QString *error)
    {
        quint16 bound = 0;
        QString why;
        QMetaObject::invokeMethod(
            acceptContext,
            [&] {
                auto *l = new TcpListener(*core, id);
                if (!l->listen(address, port)) {
                    why = QStringLiteral("listener %1: cannot listen on %2:%3: %4")
                              .arg(id, address.toString())
                              .arg(port)
                              .arg(l->errorString());
                    delete l;
                    return;
                }
                l->setParent(acceptContext);
                listeners.append(l);
                bound = l->serverPort();
            },
            Qt::BlockingQueuedConnection);
        if (!bound && error) *error = why;
        if (bound)
            qCInfo(lcBroker).noquote() << "listener" << id << "on" << address.toString() << "port" << bound;
        return bound;
    }

    void stopAll()
    {
        if (acceptContext) {
            QMetaObject::invokeMethod(
                acceptContext,
                [this] {
                    qDeleteAll(listeners);
                    listeners.clear();
                    delete acceptContext;
                    acceptContext = nullptr;
                },
                Qt::BlockingQueuedConnection);
        }
        acceptThread.quit();
        acceptThread.wait();
        if (core) {
            for (size_t i = 0; i < core->workers.size(); ++i) {
                Worker *w = core->workers[i];
                if (i < threads.size() && threads[i]->isRunning()) {
                    QMetaObject::invokeMethod(
                        w,
                        [w] { w->shutdownOnThread(std::uint8_t(packets::ReasonCode::ServerShuttingDown)); },
                        Qt::BlockingQueuedConnection);
                }
            }
            for (QThread *t : threads) {
                t->quit();
                t->wait();
                delete t;
            }
            threads.clear();
            for (Worker *w : core->workers)
                delete w;
            core->workers.clear();
            core.reset();
        }
        running = false;
    }
};

Broker::Broker(Options options, QObject *parent)
    : QObject(parent), d(std::make_unique<BrokerPrivate>(options))
{
}

Broker::~Broker()
{
    stop();
}

const Options &Broker::options() const
{
    return d->options;
}

bool Broker::isRunning() const
{
    return d->running;
}

bool Broker::start(QString *error)
{
    if (d->running) return true;
    d->ensureCore();
    d->core->startedAtMs = nowMs();
    d->startThreads();
    d->running = true;
    for (const ListenerConfig &l : std::as_const(d->options.listeners)) {
        if (l.type != QLatin1String("tcp")) {
            qCWarning(lcBroker).noquote()
                << "listener" << l.id << "of type" << l.type << "is not supported by this build; skipped";
            continue;
        }
        QHostAddress host = QHostAddress::Any;
        quint16 port = 0;
        const qsizetype colon = l.address.lastIndexOf(QLatin1Char(':'));
        QString hostPart = colon >= 0 ? l.address.left(colon) : QString();
        if (hostPart.startsWith(QLatin1Char('[')) && hostPart.endsWith(QLatin1Char(']')))
            hostPart = hostPart.mid(1, hostPart.size() - 2);
        bool ok = false;
        port = quint16(l.address.mid(colon + 1).toUShort(&ok));
        if (!ok || (!hostPart.isEmpty() && !host.setAddress(hostPart))) {
            if (error) *error = QStringLiteral("listener %1: bad address \"%2\"").arg(l.id, l.address);
            stop();
            return false;
        }
        if (hostPart.isEmpty()) host = QHostAddress::Any;
        if (!listenTcp(l.id, host, port, error)) {
            stop();
            return false;
        }
    }
    Q_EMIT started();
    return true;
}

void Broker::stop()
{
    if (!d->running) return;
    d->stopAll();
    Q_EMIT stopped();
}

quint16 Broker::listenTcp(const QString &id, const QHostAddress &address, quint16 port, QString *error)
{
    if (!d->running) {
        if (error) *error = QStringLiteral("broker is not running");
        return 0;
    }
    return d->listen(id, address, port, error);
}

quint16 Broker::serverPort(const QString &listenerId) const
{
    if (!d->running) return 0;
    quint16 port = 0;
    QMetaObject::invokeMethod(
        d->acceptContext,
        [&] {
            for (TcpListener *l : std::as_const(d->listeners))
                if (l->id() == listenerId) port = l->serverPort();
        },
        Qt::BlockingQueuedConnection);
    return port;
}

bool Broker::publish(const QByteArray &topic, const QByteArray &payload, quint8 qos, bool retain,
                     const packets::Properties &properties)
{
    if (!d->running || qos > 2 || !packets::isValidTopicName(topic) || !packets::isValidUtf8(topic))
        return false;
    auto message = std::make_shared<Message>();
    message->publish.topic = topic;
    message->publish.payload = payload;
    message->publish.qos = qos;
    message->publish.retain = retain;
    message->publish.properties = properties;
    message->createdAtMs = nowMs();
    message->expiresAtMs = d->core->messageExpiresAt(properties, message->createdAtMs);
    d->core->nextWorker()->publishFromServer(std::move(message));
    return true;
}

BrokerStats Broker::stats() const
{
    BrokerStats s;
    if (!d->core) return s;
    const Counters &c = d->core->counters;
    s.startedAtMs = d->core->startedAtMs;
    s.clientsConnected = c.clientsConnected.load();
    s.clientsTotal = c.clientsTotal.load();
    s.clientsMaximum = c.clientsMaximum.load();
    s.messagesReceived = c.messagesReceived.load();
    s.messagesSent = c.messagesSent.load();
    s.messagesDropped = c.messagesDropped.load();
    s.bytesReceived = c.bytesReceived.load();
    s.bytesSent = c.bytesSent.load();
    s.packetsReceived = c.packetsReceived.load();
    s.packetsSent = c.packetsSent.load();
    s.subscriptions = c.subscriptions.load();
    s.retained = c.retained.load();
    s.inflight = c.inflight.load();
    s.threads = int(d->core->workers.size());
    return s;
}

} // namespace petrel
