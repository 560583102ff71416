#include "broker.h"

#include "admin.h"
#include "brokercore.h"
#include "cluster/clusternode.h"
#include "clusterlink.h"
#include "hooks/brokerevents.h"
#include "hooks/builtin.h"
#include "listeners/listener.h"
#include "listeners/sysinfo.h"
#include "messagering.h"
#include "worker.h"

#include <QLoggingCategory>

#include <algorithm>
#include <QMetaObject>
#include <QThread>

Q_LOGGING_CATEGORY(lcBroker, "petrel.broker")

namespace petrel {

#ifndef PETREL_VERSION
#define PETREL_VERSION "0"
#endif

// Runs fn in ctx's thread and waits. The atomic flag makes the hand-over visible to
// ThreadSanitizer too (Qt's own wait is inside uninstrumented Qt).
template <typename Fn>
void blockingCall(QObject *ctx, Fn &&fn)
{
    std::atomic<bool> posted{false};
    std::atomic<bool> done{false};
    auto call = [&] {
        [[maybe_unused]] const bool seen = posted.load(std::memory_order_acquire);
        fn();
        done.store(true, std::memory_order_release);
    };
    posted.store(true, std::memory_order_release);
    QMetaObject::invokeMethod(ctx, std::move(call), Qt::BlockingQueuedConnection);
    [[maybe_unused]] const bool ran = done.load(std::memory_order_acquire);
}

class BrokerPrivate {
public:
    BrokerPrivate(Broker *q, const Options &o) : q(q), options(o), events(std::make_shared<BrokerEvents>())
    {
        hooks.add(events, {}, nullptr); // an observer: stays after every hook added later
    }

    Broker *const q;
    Options options;
    HookChain hooks;
    std::shared_ptr<BrokerEvents> events; // in the chain; lives in the Broker's thread
    InlineSubscriptions inlineSubscriptions;
    bool configuredHooksAdded = false;
    std::shared_ptr<MessageRing> messageRing; // admin API message stream, if enabled
    std::unique_ptr<BrokerCore> core;
    QThread acceptThread;
    QObject *acceptContext = nullptr; // lives in acceptThread; parent of the listeners
    std::vector<QThread *> threads;
    // ---- listener management: everything below is used on the acceptor thread only ----
    QList<Listener *> listeners;       // owned by acceptContext
    sysinfo::Publisher *sys = nullptr; // $SYS topics; owned by acceptContext
    bool running = false;

    ListenerContext listenerContext()
    {
        ListenerContext c;
        c.core = core.get();
        c.stats = [this] { return q->stats(); };
        c.version = QStringLiteral(PETREL_VERSION);
        return c;
    }

    // Runs fn on the acceptor thread and waits for it.
    template <typename Fn>
    void onAcceptor(Fn &&fn) const
    {
        blockingCall(acceptContext, std::forward<Fn>(fn));
    }

    Listener *findListener(const QString &id) const
    {
        for (Listener *l : listeners)
            if (l->id() == id) return l;
        return nullptr;
    }

    bool addListener(const ListenerConfig &config, QString *error)
    {
        bool ok = false;
        QString why;
        onAcceptor([&] {
            if (findListener(config.id)) {
                why = QStringLiteral("listener %1: a listener with this id is already open").arg(config.id);
                return;
            }
            std::unique_ptr<Listener> l = createListener(config, listenerContext(), &why);
            if (!l || !l->listen(&why)) return;
            l->setParent(acceptContext);
            listeners.append(l.release());
            ok = true;
        });
        if (!ok) {
            qCWarning(lcBroker).noquote() << why;
            if (error) *error = why;
        }
        return ok;
    }

    void startSysTopics()
    {
        onAcceptor([this] {
            sys = new sysinfo::Publisher(
                [this] {
                    const BrokerStats stats = q->stats();
                    hooks.each(HookEvent::OnSysInfoTick, [&](Hook &h) { h.onSysInfoTick(stats); });
                    return stats;
                },
                [this](const QByteArray &topic, const QByteArray &payload) {
                    publishAsServer(topic, payload, 0, true, {}, false);
                },
                QStringLiteral(PETREL_VERSION), acceptContext);
            sys->start(options.sysTopicResendInterval);
        });
    }

    bool inlineClientEnabled(const char *call, QString *error = nullptr) const
    {
        if (options.inlineClient) return true;
        const QString why =
            QStringLiteral("Broker::%1: the inline client is disabled (Options::inlineClient, "
                           "options.inline_client in the config file)")
                .arg(QLatin1String(call));
        qCWarning(lcBroker).noquote() << why;
        if (error) *error = why;
        return false;
    }

    void publishAsServer(const QByteArray &topic, const QByteArray &payload, quint8 qos, bool retain,
                         const packets::Properties &properties, bool reportRetain = true)
    {
        auto message = std::make_shared<Message>();
        message->publish.topic = topic;
        message->publish.payload = payload;
        message->publish.qos = qos;
        message->publish.retain = retain;
        message->publish.properties = properties;
        message->createdAtMs = nowMs();
        message->expiresAtMs = core->messageExpiresAt(properties, message->createdAtMs);
        core->nextWorker()->publishFromServer(std::move(message), reportRetain);
    }

    // Hooks named in the config file, added once, before any added by code.
    bool addConfiguredHooks(QString *error)
    {
        if (configuredHooksAdded) return true;
        configuredHooksAdded = true;
        // The admin API's message stream: only when some listener serves the admin API.
        if (std::any_of(options.listeners.cbegin(), options.listeners.cend(),
                        [](const ListenerConfig &l) { return !l.adminToken.isEmpty(); })) {
            messageRing = std::make_shared<MessageRing>();
            if (!hooks.add(makeMessageRingHook(messageRing), {}, error)) return false;
        }
        std::vector<std::shared_ptr<Hook>> created;
        for (const HookConfig &hc : std::as_const(options.hooks)) {
            QString why;
            std::shared_ptr<Hook> hook = createBuiltinHook(hc, &why);
            if (!hook && !why.isEmpty()) {
                if (error) *error = QStringLiteral("hooks.%1: %2").arg(hc.type, why);
                return false;
            }
            if (!hook) {
                qCWarning(lcBroker).noquote()
                    << QStringLiteral("hooks.%1.%2 is not available in this build; ignored")
                           .arg(hc.type, hc.name);
                continue;
            }
            QVariantMap settings = hc.settings;
            // Storage paths are relative to the data directory (petrel-server --data-dir).
            if (hc.type == QLatin1String("storage") && !options.dataDir.isEmpty())
                settings.insert(QStringLiteral("data_dir"), options.dataDir);
            if (!hooks.add(std::move(hook), settings, error)) return false;
        }
        // Cluster mode (config `cluster:`): checks Redis and claims the node id in init().
        if (options.cluster.enabled && !hooks.add(cluster::createClusterNode(options.cluster), {}, error))
            return false;
        return true;
    }

    void ensureCore()
    {
        if (core) return;
        core = std::make_unique<BrokerCore>(options, hooks);
        core->messageRing = messageRing;
        core->inlineSubscriptions = &inlineSubscriptions;
        int n = options.workerThreads > 0 ? options.workerThreads : QThread::idealThreadCount();
        if (n < 1) n = 1;
        for (int i = 0; i < n; ++i)
            core->workers.push_back(new Worker(*core, i));
        if (options.rebalance.enabled && n > 1) {
            // A session moved is left where it is for ten measurements.
            core->rebalancer =
                std::make_unique<Rebalancer>(n, 10 * std::max(options.rebalance.intervalMs, 1));
        }
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

    // Sessions, messages, retained messages and counters from the storage hooks, and the
    // durability gate of a storage hook in sync mode.
    void restoreState()
    {
        // Cluster mode: attached first, so the restored subscriptions enter the route table.
        for (const auto &h : hooks.hooks()) {
            if (ClusterLink *link = h->clusterLink()) {
                core->cluster = link;
                link->attach(*core);
                break;
            }
        }
        core->restore();
        for (const auto &h : hooks.hooks()) {
            if (DurabilityGate *g = h->durabilityGate()) {
                core->durability = g;
                std::vector<Worker *> workers = core->workers;
                g->setDurableCallback([workers](std::uint64_t) {
                    for (Worker *w : workers)
                        w->durableAdvanced();
                });
                break;
            }
        }
    }

    void stopAll()
    {
        if (acceptContext) {
            blockingCall(acceptContext, [this] {
                delete sys;
                sys = nullptr;
                qDeleteAll(listeners);
                listeners.clear();
                delete acceptContext;
                acceptContext = nullptr;
            });
        }
        acceptThread.quit();
        acceptThread.wait();
        if (core) {
            core->stopping.store(true);
            for (size_t i = 0; i < core->workers.size(); ++i) {
                Worker *w = core->workers[i];
                if (i < threads.size() && threads[i]->isRunning()) {
                    blockingCall(w, [w] {
                        w->shutdownOnThread(std::uint8_t(packets::ReasonCode::ServerShuttingDown));
                    });
                }
            }
            if (core->durability) core->durability->setDurableCallback({});
            for (QThread *t : threads) {
                t->quit();
                t->wait();
                delete t;
            }
            threads.clear();
            if (core->cluster) {
                core->cluster->detach();
                core->cluster = nullptr;
            }
            for (Worker *w : core->workers)
                delete w;
            core->workers.clear();
            core.reset();
        }
        running = false;
    }
};

Broker::Broker(Options options, QObject *parent)
    : QObject(parent), d(std::make_unique<BrokerPrivate>(this, options))
{
}

Broker::~Broker()
{
    stop();
    d->hooks.stopAll();
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
    if (!d->addConfiguredHooks(error)) return false;
    d->ensureCore();
    d->core->startedAtMs = nowMs();
    d->restoreState(); // persistence: before any listener opens
    d->startThreads();
    d->running = true;
    for (const ListenerConfig &l : std::as_const(d->options.listeners)) {
        if (!d->addListener(l, error)) {
            stop();
            return false;
        }
    }
    d->startSysTopics();
    d->hooks.each(HookEvent::OnStarted, [](Hook &h) { h.onStarted(); });
    Q_EMIT started();
    return true;
}

void Broker::stop()
{
    if (!d->running) return;
    d->stopAll();
    d->hooks.each(HookEvent::OnStopped, [](Hook &h) { h.onStopped(); });
    Q_EMIT stopped();
}

bool Broker::addHook(std::shared_ptr<Hook> hook, const QVariantMap &config, QString *error)
{
    if (d->running) {
        if (error) *error = QStringLiteral("hooks can only be added while the broker is stopped");
        return false;
    }
    // Hooks from the config file come first, as in Mochi's file-based setup.
    if (!d->addConfiguredHooks(error)) return false;
    return d->hooks.add(std::move(hook), config, error);
}

BrokerEvents *Broker::events() const
{
    return d->events.get();
}

quint16 Broker::listenTcp(const QString &id, const QHostAddress &address, quint16 port, QString *error)
{
    ListenerConfig config;
    config.type = QStringLiteral("tcp");
    config.id = id;
    config.address = address.protocol() == QAbstractSocket::IPv6Protocol
                         ? QStringLiteral("[%1]:%2").arg(address.toString()).arg(port)
                         : QStringLiteral("%1:%2").arg(address.toString()).arg(port);
    if (address == QHostAddress::Any) config.address = QStringLiteral(":%1").arg(port);
    if (!addListener(config, error)) return 0;
    return serverPort(id);
}

bool Broker::addListener(const ListenerConfig &config, QString *error)
{
    if (!d->running) {
        if (error) *error = QStringLiteral("listener %1: the broker is not running").arg(config.id);
        return false;
    }
    return d->addListener(config, error);
}

bool Broker::removeListener(const QString &id)
{
    if (!d->running) return false;
    bool found = false;
    d->onAcceptor([&] {
        Listener *l = d->findListener(id);
        if (!l) return;
        found = true;
        d->listeners.removeOne(l);
        l->close();
        delete l;
    });
    if (found) qCInfo(lcBroker).noquote() << "listener" << id << "closed";
    return found;
}

quint16 Broker::serverPort(const QString &listenerId) const
{
    if (!d->running) return 0;
    quint16 port = 0;
    d->onAcceptor([&] {
        if (Listener *l = d->findListener(listenerId)) port = l->serverPort();
    });
    return port;
}

QString Broker::listenerAddress(const QString &listenerId) const
{
    if (!d->running) return {};
    QString address;
    d->onAcceptor([&] {
        if (Listener *l = d->findListener(listenerId)) address = l->boundAddress();
    });
    return address;
}

QList<ListenerInfo> Broker::listeners() const
{
    QList<ListenerInfo> result;
    if (!d->running) return result;
    d->onAcceptor([&] {
        for (Listener *l : std::as_const(d->listeners))
            result.append(ListenerInfo{l->id(), l->type(), l->protocol(), l->boundAddress(), l->serverPort(),
                                       l->connectionCount()});
    });
    return result;
}

bool Broker::publish(const QByteArray &topic, const QByteArray &payload, quint8 qos, bool retain,
                     const packets::Properties &properties)
{
    if (!d->inlineClientEnabled("publish")) return false;
    if (!d->running || qos > 2 || !packets::isValidTopicName(topic) || !packets::isValidUtf8(topic))
        return false;
    d->publishAsServer(topic, payload, qos, retain, properties);
    return true;
}

bool Broker::subscribe(const QByteArray &filter, std::uint32_t subscriptionId, InlineHandler handler,
                       QString *error)
{
    if (!d->inlineClientEnabled("subscribe", error)) return false;
    auto fail = [&](const QString &why) {
        if (error) *error = why;
        return false;
    };
    if (!packets::isValidTopicFilter(filter) || !packets::isValidUtf8(filter))
        return fail(QStringLiteral("not a valid topic filter: %1").arg(QString::fromUtf8(filter)));
    if (topics::splitSharedFilter(filter).isShared())
        return fail(QStringLiteral("the inline client cannot join shared subscriptions: %1")
                        .arg(QString::fromUtf8(filter)));
    if (!handler) return fail(QStringLiteral("no handler"));
    d->inlineSubscriptions.subscribe(filter, subscriptionId, std::move(handler));
    return true;
}

bool Broker::unsubscribe(const QByteArray &filter, std::uint32_t subscriptionId)
{
    if (!d->inlineClientEnabled("unsubscribe")) return false;
    return d->inlineSubscriptions.unsubscribe(filter, subscriptionId);
}

bool Broker::injectPacket(const QByteArray &clientId, const packets::Packet &packet, QString *error)
{
    if (!d->inlineClientEnabled("injectPacket", error)) return false;
    if (!d->running) {
        if (error) *error = QStringLiteral("the broker is not running");
        return false;
    }
    SessionPtr session;
    {
        std::lock_guard lock(d->core->registryLock);
        session = d->core->registry.value(clientId);
    }
    if (!session) {
        if (error) *error = QStringLiteral("no session for client %1").arg(QString::fromUtf8(clientId));
        return false;
    }
    Worker *home = session->home.load(std::memory_order_acquire);
    if (!home) {
        if (error) *error = QStringLiteral("client %1 is still connecting").arg(QString::fromUtf8(clientId));
        return false;
    }
    home->injectPacket(std::move(session), packet);
    return true;
}

BrokerCore *BrokerAdmin::core() const
{
    return m_broker.d->running ? m_broker.d->core.get() : nullptr;
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
    // Each worker adds its change at the end of a pass; a session that moved between workers
    // can leave the sum below zero for a moment.
    s.inflight = std::max<qint64>(0, c.inflight.load());
    s.threads = int(d->core->workers.size());
    s.connectionsMoved = c.connectionsMoved.load();
    return s;
}

} // namespace petrel
