#include "backend.h"

#include "hooks/hook.h"
#include "models.h"

#include <QDateTime>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkReply>
#include <QUrlQuery>

#include <QDir>
#include <QThread>

#include <cerrno>
#include <sys/resource.h>
#include <unistd.h>

namespace petrel::gui {

QString protocolName(int version)
{
    switch (version) {
    case 3:
        return QStringLiteral("3.1");
    case 4:
        return QStringLiteral("3.1.1");
    case 5:
        return QStringLiteral("5");
    }
    return QString::number(version);
}

QSet<int> processThreadIds()
{
    QSet<int> ids;
    const QStringList tasks =
        QDir(QStringLiteral("/proc/self/task")).entryList(QDir::Dirs | QDir::NoDotAndDotDot);
    for (const QString &t : tasks)
        ids.insert(t.toInt());
    return ids;
}

int threadNice(int tid)
{
    errno = 0;
    const int nice = ::getpriority(PRIO_PROCESS, id_t(tid));
    return errno ? 0 : nice;
}

qint64 residentMemoryBytes()
{
    QFile f(QStringLiteral("/proc/self/statm"));
    if (!f.open(QIODevice::ReadOnly)) return 0;
    const QList<QByteArray> parts = f.readAll().split(' ');
    return parts.size() < 2 ? 0 : parts[1].toLongLong() * qint64(::sysconf(_SC_PAGESIZE));
}

// ---- Backend ---------------------------------------------------------------------------------

Backend::~Backend() = default;

void Backend::startPolling(int snapshotMs)
{
    m_snapshotTimer.setInterval(snapshotMs);
    m_fastTimer.setInterval(250);
    disconnect(&m_snapshotTimer, nullptr, this, nullptr);
    disconnect(&m_fastTimer, nullptr, this, nullptr);
    connect(&m_snapshotTimer, &QTimer::timeout, this, &Backend::refresh);
    connect(&m_fastTimer, &QTimer::timeout, this, [this] {
        drainMessages();
        pollLog();
    });
    m_snapshotTimer.start();
    m_fastTimer.start();
    refresh();
}

void Backend::stopPolling()
{
    m_snapshotTimer.stop();
    m_fastTimer.stop();
}

// ---- MessageTap ------------------------------------------------------------------------------

void MessageTap::add(MessageRecord &&r)
{
    std::lock_guard lock(m_lock);
    if (int(m_batch.size()) >= m_capacity) {
        ++m_dropped;
        return;
    }
    m_batch.push_back(std::move(r));
}

qint64 MessageTap::take(std::vector<MessageRecord> &out)
{
    out.clear();
    std::lock_guard lock(m_lock);
    out.swap(m_batch);
    const qint64 dropped = m_dropped;
    m_dropped = 0;
    return dropped;
}

// ---- EmbeddedBackend -------------------------------------------------------------------------

namespace {

// Sees every message a client publishes (after ACL and OnPublish hooks accepted it) and
// hands a copy to the tap. Runs on worker threads: one short lock per message.
class TapHook final : public Hook {
public:
    explicit TapHook(std::shared_ptr<MessageTap> tap) : m_tap(std::move(tap)) {}
    QString id() const override { return QStringLiteral("petrel-admin-tap"); }
    HookMask provides() const override { return hookBit(HookEvent::OnPublished); }
    void onPublished(const ClientInfo &client, const packets::Publish &p) override
    {
        MessageRecord r;
        r.timeMs = QDateTime::currentMSecsSinceEpoch();
        r.clientId = client.clientId;
        // Copies detach from the packet buffer the decoder sliced them from.
        r.topic = QByteArray(p.topic.constData(), p.topic.size());
        r.payload = QByteArray(p.payload.constData(), p.payload.size());
        r.qos = p.qos;
        r.retain = p.retain;
        if (!p.properties.isEmpty()) r.properties = p.properties;
        m_tap->add(std::move(r));
    }

private:
    std::shared_ptr<MessageTap> m_tap;
};

} // namespace

EmbeddedBackend::EmbeddedBackend(QObject *parent)
    : Backend(parent), m_clientDiffer(ClientsModel::keyOf, ClientsModel::changedColumns),
      m_subscriptionDiffer(SubscriptionsModel::keyOf, SubscriptionsModel::changedColumns)
{
}

EmbeddedBackend::~EmbeddedBackend()
{
    stop();
}

bool EmbeddedBackend::start(const Options &options, QString *error)
{
    stop();
    LogRing::install(); // the Log view's source (idempotent)
    m_tap = std::make_shared<MessageTap>();
    auto broker = std::make_unique<Broker>(options);
    if (!broker->addHook(std::make_shared<TapHook>(m_tap), {}, error)) return false;
    const QSet<int> before = processThreadIds();
    if (!broker->start(error)) return false;
    // The broker's threads yield to the UI thread when the CPU is saturated (nice +10;
    // threads they start inherit it): a broker under full load must not freeze the window
    // (docs/gui-responsiveness.md). Costs the broker nothing while a core is free.
    m_brokerThreads.clear();
    for (int tid : processThreadIds())
        if (!before.contains(tid)) m_brokerThreads.append(tid);
    for (int tid : std::as_const(m_brokerThreads))
        ::setpriority(PRIO_PROCESS, id_t(tid), std::min(19, ::getpriority(PRIO_PROCESS, 0) + kBrokerNice));
    m_broker = std::move(broker);
    ++m_generation;
    m_logSeq = 0;
    Q_EMIT activeChanged(true);
    return true;
}

void EmbeddedBackend::joinRefresh()
{
    if (m_refreshThread.joinable()) m_refreshThread.join();
}

void EmbeddedBackend::stop()
{
    joinRefresh();
    ++m_generation;
    // A new broker run starts from lists no model holds: the first change set is taken whole.
    m_clientDiffer.reset();
    m_subscriptionDiffer.reset();
    m_brokerThreads.clear();
    if (!m_broker) return;
    m_broker->stop();
    m_broker.reset();
    Q_EMIT activeChanged(false);
}

bool EmbeddedBackend::isActive() const
{
    return m_broker && m_broker->isRunning();
}

QString EmbeddedBackend::describe() const
{
    if (!isActive()) return tr("Embedded broker stopped");
    QStringList where;
    for (const ListenerInfo &l : m_broker->listeners())
        where << QStringLiteral("%1 %2").arg(l.protocol, l.address);
    return tr("Embedded broker running: %1").arg(where.join(QStringLiteral(", ")));
}

void EmbeddedBackend::refresh()
{
    if (!isActive() || m_refreshing.load()) return;
    joinRefresh(); // the previous one has finished: release its thread
    m_refreshing = true;
    Broker *broker = m_broker.get();
    const quint64 generation = m_generation;
    m_refreshThread = std::thread([this, broker, generation] {
        BrokerAdmin admin(*broker);
        Snapshot s;
        s.takenAtMs = QDateTime::currentMSecsSinceEpoch();
        s.stats = broker->stats();
        s.memoryBytes = residentMemoryBytes();
        // The diffs against the lists handed out last run here too, not on the GUI thread
        // (10,000 clients: tens of milliseconds, docs/gui-responsiveness.md).
        if (m_diffInBackground) {
            s.clientChanges = m_clientDiffer.next(admin.clients());
            s.clients = s.clientChanges->rows;
            s.subscriptionChanges = m_subscriptionDiffer.next(admin.subscriptions());
            s.subscriptions = s.subscriptionChanges->rows;
        } else {
            m_clientDiffer.reset(); // when it is switched back on, a first change set no view follows
            m_subscriptionDiffer.reset();
            s.clients = admin.clients();
            s.subscriptions = admin.subscriptions();
        }
        s.retained = admin.retained();
        QMetaObject::invokeMethod(
            this,
            [this, s = std::move(s), generation] {
                m_refreshing = false;
                if (generation == m_generation) Q_EMIT snapshotReady(s);
            },
            Qt::QueuedConnection);
    });
}

void EmbeddedBackend::pollLog()
{
    const QList<LogEntry> entries = LogRing::instance().since(m_logSeq, 2000);
    if (entries.isEmpty()) return;
    m_logSeq = entries.last().seq;
    Q_EMIT logArrived(entries);
}

void EmbeddedBackend::drainMessages()
{
    if (!m_tap) return;
    const qint64 dropped = m_tap->take(m_drain);
    if (m_drain.empty() && dropped == 0) return;
    Q_EMIT messagesArrived(QList<MessageRecord>(std::make_move_iterator(m_drain.begin()),
                                                std::make_move_iterator(m_drain.end())),
                           dropped);
    m_drain.clear();
}

static QString resultText(admin::Result r)
{
    switch (r) {
    case admin::Result::Done:
        return QString();
    case admin::Result::NotFound:
        return Backend::tr("no such client or topic");
    case admin::Result::NotConnected:
        return Backend::tr("the client is not connected");
    case admin::Result::BadReason:
        return Backend::tr("a server may not send this reason code");
    case admin::Result::BadWorker:
        return Backend::tr("no such worker thread");
    case admin::Result::Timeout:
        return Backend::tr("the broker did not answer in time");
    }
    return QString();
}

void EmbeddedBackend::disconnectClient(const QByteArray &clientId, quint8 reason)
{
    if (!isActive()) return;
    const admin::Result r = BrokerAdmin(*m_broker).disconnectClient(clientId, reason);
    const QString id = QString::fromUtf8(clientId);
    Q_EMIT actionFinished(r == admin::Result::Done,
                          r == admin::Result::Done ? tr("Client %1 disconnected").arg(id)
                                                   : tr("Cannot disconnect %1: %2").arg(id, resultText(r)));
    refresh();
}

void EmbeddedBackend::deleteSession(const QByteArray &clientId)
{
    if (!isActive()) return;
    const admin::Result r = BrokerAdmin(*m_broker).deleteSession(clientId);
    const QString id = QString::fromUtf8(clientId);
    Q_EMIT actionFinished(r == admin::Result::Done,
                          r == admin::Result::Done
                              ? tr("Session %1 deleted").arg(id)
                              : tr("Cannot delete session %1: %2").arg(id, resultText(r)));
    refresh();
}

void EmbeddedBackend::deleteRetained(const QByteArray &topic)
{
    if (!isActive()) return;
    const admin::Result r = BrokerAdmin(*m_broker).deleteRetained(topic);
    const QString t = QString::fromUtf8(topic);
    Q_EMIT actionFinished(r == admin::Result::Done,
                          r == admin::Result::Done
                              ? tr("Retained message on %1 deleted").arg(t)
                              : tr("Cannot delete retained %1: %2").arg(t, resultText(r)));
    refresh();
}

void EmbeddedBackend::publish(const packets::Publish &message)
{
    if (!isActive()) {
        Q_EMIT actionFinished(false, tr("Start the broker first"));
        return;
    }
    QString why;
    const bool ok = BrokerAdmin(*m_broker).publish(message, &why);
    const QString t = QString::fromUtf8(message.topic);
    if (ok && m_tap) {
        // Server publishes skip the client hooks: show them in Messages/Topics too.
        MessageRecord r;
        r.timeMs = QDateTime::currentMSecsSinceEpoch();
        r.topic = message.topic;
        r.payload = message.payload;
        r.qos = message.qos;
        r.retain = message.retain;
        r.properties = message.properties;
        m_tap->add(std::move(r));
    }
    Q_EMIT actionFinished(ok, ok ? tr("Published to %1").arg(t) : tr("Cannot publish to %1: %2").arg(t, why));
}

// ---- AttachedBackend -------------------------------------------------------------------------

struct AttachedBackend::Pending {
    Snapshot snapshot;
    int remaining = 3;
    bool waitsForClients = false; // the first refresh after attaching waits for the first walk
    QString error;
};

struct AttachedBackend::Walk {
    QList<admin::ClientSnapshot> clients;                             // written on the parse thread only
    std::shared_ptr<const RowChanges<admin::ClientSnapshot>> changes; // the last page's parse: the diff
    QString nextAfterId;
    QString error;
};

struct AttachedBackend::Differs {
    quint64 generation = 0;
    RowDiffer<admin::ClientSnapshot> clients{ClientsModel::keyOf, ClientsModel::changedColumns};
    RowDiffer<admin::SubscriptionSnapshot> subscriptions{SubscriptionsModel::keyOf,
                                                         SubscriptionsModel::changedColumns};
};

AttachedBackend::Differs &AttachedBackend::differs(quint64 generation)
{
    // Another target (setTarget bumped the generation): its first lists are taken whole.
    if (!m_differs || m_differs->generation != generation) {
        m_differs = std::make_unique<Differs>();
        m_differs->generation = generation;
    }
    return *m_differs;
}

AttachedBackend::AttachedBackend(QObject *parent) : Backend(parent)
{
    // Generous: a busy server with 10,000 clients takes seconds to list them (gui-responsiveness.md).
    m_nam.setTransferTimeout(15000);
    m_parsePool.setMaxThreadCount(1);
    m_parsePool.setExpiryTimeout(-1); // keep the thread: parseThread() stays valid
}

AttachedBackend::~AttachedBackend()
{
    // Parses still queued or running post to this object: finish them before it goes (events
    // posted to it are dropped with it).
    m_parsePool.clear();
    m_parsePool.waitForDone();
}

void AttachedBackend::inBackground(std::function<void()> work, std::function<void()> then)
{
    const quint64 generation = m_generation;
    m_parsePool.start([this, work = std::move(work), then = std::move(then), generation]() mutable {
        m_parseThread = QThread::currentThread();
        work();
        QMetaObject::invokeMethod(
            this,
            [this, then = std::move(then), generation] {
                if (generation == m_generation) then();
            },
            Qt::QueuedConnection);
    });
}

void AttachedBackend::setTarget(const QUrl &base, const QString &token)
{
    m_base = base;
    m_token = token;
    m_logSeq = 0;
    m_messageSeq = 0;
    m_logPending = false;
    m_messagesPending = false;
    ++m_generation;
    m_pending.reset();
    m_walk.reset();
    m_clients.clear();
    m_clientChanges.reset();
    m_clientsSerial = 0;
    m_clientWalks = 0;
    setActive(false);
}

QString AttachedBackend::describe() const
{
    if (m_active) return tr("Attached to %1").arg(m_base.toString());
    if (!m_lastError.isEmpty()) return tr("Not attached to %1: %2").arg(m_base.toString(), m_lastError);
    return tr("Not attached");
}

void AttachedBackend::setActive(bool active, const QString &error)
{
    m_lastError = error;
    if (active == m_active) return;
    m_active = active;
    Q_EMIT activeChanged(active);
}

QNetworkReply *AttachedBackend::send(const QByteArray &method, const QString &path, const QByteArray &body)
{
    QUrl url = m_base;
    const QString pathOnly = path.section(QLatin1Char('?'), 0, 0);
    url.setPath(url.path().chopped(url.path().endsWith(QLatin1Char('/')) ? 1 : 0) + pathOnly,
                QUrl::TolerantMode);
    if (path.contains(QLatin1Char('?'))) url.setQuery(path.section(QLatin1Char('?'), 1), QUrl::StrictMode);
    QNetworkRequest req(url);
    req.setRawHeader("Authorization", "Bearer " + m_token.toUtf8());
    if (!body.isEmpty())
        req.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
    return m_nam.sendCustomRequest(req, method, body);
}

// The error text of a finished reply: the API's {"error"} if there is one.
static QString replyError(QNetworkReply *r)
{
    const QJsonObject o = QJsonDocument::fromJson(r->readAll()).object();
    const QString apiError = o.value(QStringLiteral("error")).toString();
    if (!apiError.isEmpty()) return apiError;
    return r->errorString();
}

static void parseStats(const QJsonObject &o, Snapshot &snapshot)
{
    BrokerStats &s = snapshot.stats;
    s.startedAtMs = o.value(QStringLiteral("started_at_ms")).toInteger();
    s.clientsConnected = o.value(QStringLiteral("clients_connected")).toInteger();
    s.clientsTotal = o.value(QStringLiteral("clients_total")).toInteger();
    s.clientsMaximum = o.value(QStringLiteral("clients_maximum")).toInteger();
    s.messagesReceived = o.value(QStringLiteral("messages_received")).toInteger();
    s.messagesSent = o.value(QStringLiteral("messages_sent")).toInteger();
    s.messagesDropped = o.value(QStringLiteral("messages_dropped")).toInteger();
    s.bytesReceived = o.value(QStringLiteral("bytes_received")).toInteger();
    s.bytesSent = o.value(QStringLiteral("bytes_sent")).toInteger();
    s.packetsReceived = o.value(QStringLiteral("packets_received")).toInteger();
    s.packetsSent = o.value(QStringLiteral("packets_sent")).toInteger();
    s.subscriptions = o.value(QStringLiteral("subscriptions")).toInteger();
    s.retained = o.value(QStringLiteral("retained")).toInteger();
    s.inflight = o.value(QStringLiteral("inflight")).toInteger();
    s.threads = o.value(QStringLiteral("threads")).toInt();
    snapshot.memoryBytes = o.value(QStringLiteral("memory_rss_bytes")).toInteger();
    // Rates are computed from the server's clock, not ours.
    const qint64 t = o.value(QStringLiteral("time_ms")).toInteger();
    if (t) snapshot.takenAtMs = t;
}

// Every JSON answer is read on the GUI thread (a copy of the bytes) and parsed on the parse
// thread: with 10,000 clients the list is megabytes of JSON, seconds of parsing on a busy
// machine (docs/gui-responsiveness.md).
void AttachedBackend::refresh()
{
    if (!m_base.isValid() || m_base.isEmpty()) return;
    if (!m_walk) walkClients(); // the next walk of the client list, at its own pace
    if (m_pending) return;      // the previous refresh is still running
    auto pending = std::make_shared<Pending>();
    m_pending = pending;
    pending->snapshot.takenAtMs = QDateTime::currentMSecsSinceEpoch();
    pending->waitsForClients = m_clientWalks == 0;
    if (pending->waitsForClients) ++pending->remaining;
    const auto get = [this, pending](const QString &path, std::function<void(const QJsonObject &)> parse) {
        QNetworkReply *r = send("GET", path);
        connect(r, &QNetworkReply::finished, this, [this, r, pending, parse] {
            r->deleteLater();
            if (r->error() != QNetworkReply::NoError) {
                if (pending->error.isEmpty()) pending->error = replyError(r);
                finishRefresh(pending);
                return;
            }
            inBackground([body = r->readAll(), parse] { parse(QJsonDocument::fromJson(body).object()); },
                         [this, pending] { finishRefresh(pending); });
        });
    };
    get(QStringLiteral("/api/v1/stats"),
        [pending](const QJsonObject &o) { parseStats(o, pending->snapshot); });
    get(QStringLiteral("/api/v1/subscriptions"),
        [this, pending, generation = m_generation](const QJsonObject &o) {
            QList<admin::SubscriptionSnapshot> subscriptions;
            for (const QJsonValue &v : o.value(QStringLiteral("subscriptions")).toArray())
                subscriptions.append(admin::subscriptionFromJson(v.toObject()));
            if (!m_diffInBackground) { // the views diff it (bench-gui --diff-on-ui-thread)
                differs(generation).subscriptions.reset();
                pending->snapshot.subscriptions = std::move(subscriptions);
                return;
            }
            // Diffed here, on the parse thread, against the list handed out last.
            auto changes = differs(generation).subscriptions.next(subscriptions);
            pending->snapshot.subscriptions = changes->rows;
            pending->snapshot.subscriptionChanges = std::move(changes);
        });
    get(QStringLiteral("/api/v1/retained"), [pending](const QJsonObject &o) {
        for (const QJsonValue &v : o.value(QStringLiteral("retained")).toArray())
            pending->snapshot.retained.append(admin::retainedFromJson(v.toObject()));
    });
}

void AttachedBackend::finishRefresh(std::shared_ptr<Pending> pending)
{
    if (--pending->remaining > 0) return;
    if (m_pending == pending) m_pending.reset();
    if (!pending->error.isEmpty()) {
        setActive(false, pending->error);
        return;
    }
    setActive(true);
    pending->snapshot.clients = m_clients;
    pending->snapshot.clientChanges = m_clientChanges;
    pending->snapshot.clientsSerial = m_clientsSerial;
    Q_EMIT snapshotReady(pending->snapshot);
}

void AttachedBackend::walkClients()
{
    m_walk = std::make_shared<Walk>();
    fetchClientPage(QString());
}

void AttachedBackend::fetchClientPage(const QString &afterId)
{
    const std::shared_ptr<Walk> walk = m_walk;
    QString path = QStringLiteral("/api/v1/clients?limit=%1").arg(m_pageSize);
    if (!afterId.isEmpty())
        path += QStringLiteral("&after_id=") + QString::fromLatin1(QUrl::toPercentEncoding(afterId));
    QNetworkReply *r = send("GET", path);
    connect(r, &QNetworkReply::finished, this, [this, r, walk, generation = m_generation] {
        r->deleteLater();
        if (m_walk != walk) return;
        const auto done = [this, walk] {
            if (m_walk != walk) return;
            m_walk.reset();
            if (!walk->error.isEmpty()) {
                // The refresh waiting for the first list reports the error.
                if (m_pending && m_pending->waitsForClients) {
                    if (m_pending->error.isEmpty()) m_pending->error = walk->error;
                    m_pending->waitsForClients = false;
                    finishRefresh(m_pending);
                }
                return;
            }
            m_clientChanges = std::move(walk->changes);
            m_clients = m_clientChanges ? m_clientChanges->rows : std::move(walk->clients);
            static std::atomic<quint64> serials{0};
            m_clientsSerial = ++serials;
            ++m_clientWalks;
            if (m_pending && m_pending->waitsForClients) {
                m_pending->waitsForClients = false;
                finishRefresh(m_pending);
            }
        };
        if (r->error() != QNetworkReply::NoError) {
            walk->error = replyError(r);
            done();
            return;
        }
        auto rows = std::make_shared<int>(0);
        inBackground(
            [this, body = r->readAll(), walk, rows, generation] {
                const QJsonObject o = QJsonDocument::fromJson(body).object();
                const QJsonArray list = o.value(QStringLiteral("clients")).toArray();
                walk->clients.reserve(o.value(QStringLiteral("total")).toInt(int(list.size())));
                for (const QJsonValue &v : list)
                    walk->clients.append(admin::clientFromJson(v.toObject()));
                *rows = int(list.size());
                walk->nextAfterId = o.value(QStringLiteral("next_after_id")).toString();
                // The walk is complete: diffed here, against the list handed out last.
                if (walk->nextAfterId.isEmpty()) {
                    if (m_diffInBackground)
                        walk->changes = differs(generation).clients.next(walk->clients);
                    else
                        differs(generation).clients.reset();
                }
            },
            [this, walk, rows, done] {
                if (m_walk != walk) return;
                ++m_pagesFetched;
                Q_EMIT clientPageParsed(*rows);
                if (walk->nextAfterId.isEmpty())
                    done();
                else
                    fetchClientPage(walk->nextAfterId);
            });
    });
}

// The server's recent messages (GET /api/v1/messages), polled with the log: the Messages
// view and the Topics tree in attached mode.
void AttachedBackend::pollMessages()
{
    if (!m_active || m_messagesPending) return;
    m_messagesPending = true;
    QNetworkReply *r = send("GET", QStringLiteral("/api/v1/messages?after=%1&limit=5000").arg(m_messageSeq));
    connect(r, &QNetworkReply::finished, this, [this, r, generation = m_generation] {
        r->deleteLater();
        if (generation != m_generation) return;
        if (r->error() != QNetworkReply::NoError) {
            m_messagesPending = false;
            return;
        }
        struct Parsed {
            QList<MessageRecord> batch;
            qint64 next = 0;
        };
        auto parsed = std::make_shared<Parsed>();
        inBackground(
            [body = r->readAll(), parsed] {
                const QJsonObject o = QJsonDocument::fromJson(body).object();
                const QJsonArray list = o.value(QStringLiteral("messages")).toArray();
                parsed->batch.reserve(list.size());
                for (const QJsonValue &v : list) {
                    const QJsonObject m = v.toObject();
                    MessageRecord rec;
                    rec.timeMs = m.value(QStringLiteral("time_ms")).toInteger();
                    rec.clientId = m.value(QStringLiteral("client_id")).toString().toUtf8();
                    rec.topic = m.value(QStringLiteral("topic")).toString().toUtf8();
                    rec.payload = QByteArray::fromBase64(
                        m.value(QStringLiteral("payload_base64")).toString().toLatin1());
                    rec.qos = m.value(QStringLiteral("qos")).toInt();
                    rec.retain = m.value(QStringLiteral("retain")).toBool();
                    admin::propertiesFromJson(m.value(QStringLiteral("properties")).toObject(),
                                              rec.properties, nullptr);
                    parsed->batch.append(std::move(rec));
                }
                parsed->next = o.value(QStringLiteral("next_after")).toInteger();
            },
            [this, parsed] {
                m_messagesPending = false;
                // Messages the ring dropped between two polls (more than 5000 in 250 ms).
                const qint64 skipped =
                    std::max<qint64>(0, parsed->next - m_messageSeq - parsed->batch.size());
                m_messageSeq = std::max(m_messageSeq, parsed->next);
                if (!parsed->batch.isEmpty() || skipped) Q_EMIT messagesArrived(parsed->batch, skipped);
            });
    });
}

void AttachedBackend::pollLog()
{
    pollMessages();
    if (!m_active || m_logPending) return;
    m_logPending = true;
    QNetworkReply *r = send("GET", QStringLiteral("/api/v1/log?after=%1&limit=2000").arg(m_logSeq));
    connect(r, &QNetworkReply::finished, this, [this, r, generation = m_generation] {
        r->deleteLater();
        if (generation != m_generation) return;
        if (r->error() != QNetworkReply::NoError) {
            m_logPending = false;
            return;
        }
        struct Parsed {
            QList<LogEntry> entries;
            qint64 next = 0;
        };
        auto parsed = std::make_shared<Parsed>();
        inBackground(
            [body = r->readAll(), parsed] {
                const QJsonObject o = QJsonDocument::fromJson(body).object();
                for (const QJsonValue &v : o.value(QStringLiteral("entries")).toArray()) {
                    const QJsonObject e = v.toObject();
                    LogEntry entry;
                    entry.seq = e.value(QStringLiteral("seq")).toInteger();
                    entry.timeMs = e.value(QStringLiteral("time_ms")).toInteger();
                    entry.type = LogRing::levelFromName(e.value(QStringLiteral("level")).toString());
                    entry.category = e.value(QStringLiteral("category")).toString();
                    entry.message = e.value(QStringLiteral("message")).toString();
                    parsed->entries.append(entry);
                }
                parsed->next = o.value(QStringLiteral("next_after")).toInteger();
            },
            [this, parsed] {
                m_logPending = false;
                m_logSeq = std::max(m_logSeq, parsed->next);
                if (!parsed->entries.isEmpty()) Q_EMIT logArrived(parsed->entries);
            });
    });
}

void AttachedBackend::action(const QByteArray &method, const QString &path, const QByteArray &body,
                             const QString &doneText)
{
    QNetworkReply *r = send(method, path, body);
    connect(r, &QNetworkReply::finished, this, [this, r, doneText] {
        r->deleteLater();
        if (r->error() == QNetworkReply::NoError) {
            Q_EMIT actionFinished(true, doneText);
            refresh();
        } else {
            Q_EMIT actionFinished(false, tr("%1 failed: %2").arg(doneText, replyError(r)));
        }
    });
}

static QString encoded(const QByteArray &id)
{
    return QString::fromLatin1(QUrl::toPercentEncoding(QString::fromUtf8(id)));
}

void AttachedBackend::disconnectClient(const QByteArray &clientId, quint8 reason)
{
    action("POST", QStringLiteral("/api/v1/clients/%1/disconnect").arg(encoded(clientId)),
           QJsonDocument(QJsonObject{{QStringLiteral("reason"), int(reason)}}).toJson(QJsonDocument::Compact),
           tr("Client %1 disconnected").arg(QString::fromUtf8(clientId)));
}

void AttachedBackend::deleteSession(const QByteArray &clientId)
{
    action("DELETE", QStringLiteral("/api/v1/sessions/%1").arg(encoded(clientId)), {},
           tr("Session %1 deleted").arg(QString::fromUtf8(clientId)));
}

void AttachedBackend::deleteRetained(const QByteArray &topic)
{
    action("DELETE", QStringLiteral("/api/v1/retained?topic=%1").arg(encoded(topic)), {},
           tr("Retained message on %1 deleted").arg(QString::fromUtf8(topic)));
}

void AttachedBackend::publish(const packets::Publish &message)
{
    QJsonObject o{{QStringLiteral("topic"), QString::fromUtf8(message.topic)},
                  {QStringLiteral("payload_base64"), QString::fromLatin1(message.payload.toBase64())},
                  {QStringLiteral("qos"), int(message.qos)},
                  {QStringLiteral("retain"), message.retain}};
    const QJsonObject props = admin::propertiesToJson(message.properties);
    if (!props.isEmpty()) o.insert(QStringLiteral("properties"), props);
    action("POST", QStringLiteral("/api/v1/publish"), QJsonDocument(o).toJson(QJsonDocument::Compact),
           tr("Published to %1").arg(QString::fromUtf8(message.topic)));
}

} // namespace petrel::gui
