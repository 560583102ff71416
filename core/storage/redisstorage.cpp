#include "redisstorage.h"

#include "broker/broker.h"
#include "storedcodec.h"

#include <QDataStream>
#include <QDateTime>
#include <QDeadlineTimer>
#include <QHash>
#include <QLoggingCategory>
#include <QThread>
#include <QTimer>

#include <algorithm>

Q_LOGGING_CATEGORY(lcRedisStorage, "petrel.storage.redis")

namespace petrel::storage {

using namespace packets;
using redis::Reply;

namespace {

constexpr quint8 kFormat = 1; // first byte of every record

// ---- records -----------------------------------------------------------------------------

template <typename Fn>
QByteArray record(Fn &&write)
{
    QByteArray out;
    QDataStream s(&out, QIODevice::WriteOnly);
    s.setVersion(QDataStream::Qt_6_4);
    s << kFormat;
    write(s);
    return out;
}

// A reader positioned after the format byte; status() != Ok on bad input.
struct Reader {
    explicit Reader(const QByteArray &bytes) : s(bytes)
    {
        s.setVersion(QDataStream::Qt_6_4);
        quint8 format = 0;
        s >> format;
        if (format != kFormat) s.setStatus(QDataStream::ReadCorruptData);
    }
    bool ok() const { return s.status() == QDataStream::Ok; }
    QDataStream s;
};

QByteArray encodeClient(const StoredClient &c)
{
    return record([&](QDataStream &s) {
        s << c.username << quint8(c.version) << quint32(c.sessionExpiryInterval) << qint64(c.disconnectedAtMs)
          << c.hasWill << (c.hasWill ? encodeWill(c.will) : QByteArray())
          << quint32(c.hasWill ? c.will.properties.willDelayInterval : 0);
    });
}

bool decodeClient(const QByteArray &id, const QByteArray &bytes, StoredClient &c)
{
    Reader r(bytes);
    quint8 version = 0;
    quint32 expiry = 0, delay = 0;
    qint64 disconnectedAt = 0;
    bool hasWill = false;
    QByteArray will;
    r.s >> c.username >> version >> expiry >> disconnectedAt >> hasWill >> will >> delay;
    if (!r.ok()) return false;
    c.clientId = id;
    c.version = ProtocolVersion(version);
    c.sessionExpiryInterval = expiry;
    c.disconnectedAtMs = disconnectedAt;
    c.hasWill = hasWill && decodeWill(will, delay, c.will);
    return true;
}

QByteArray encodeSubscription(const StoredSubscription &sub)
{
    return record([&](QDataStream &s) {
        s << quint8(sub.options.qos) << sub.options.noLocal << sub.options.retainAsPublished
          << quint8(sub.options.retainHandling) << quint32(sub.identifier);
    });
}

bool decodeSubscription(const QByteArray &bytes, StoredSubscription &sub)
{
    Reader r(bytes);
    quint8 qos = 0, rh = 0;
    bool noLocal = false, rap = false;
    quint32 identifier = 0;
    r.s >> qos >> noLocal >> rap >> rh >> identifier;
    if (!r.ok()) return false;
    sub.options.qos = qos;
    sub.options.noLocal = noLocal;
    sub.options.retainAsPublished = rap;
    sub.options.retainHandling = rh;
    sub.identifier = identifier;
    return true;
}

QByteArray encodeQueued(const QueuedMessage &m)
{
    return record([&](QDataStream &s) {
        QList<quint32> ids;
        for (std::uint32_t id : m.subscriptionIds)
            ids.append(id);
        s << quint8(m.qos) << m.retainFlag << ids << encodeMessage(m.message->publish)
          << qint64(m.message->createdAtMs) << qint64(m.message->expiresAtMs);
    });
}

bool decodeQueued(const QByteArray &bytes, StoredMessage &m)
{
    Reader r(bytes);
    quint8 qos = 0;
    bool retainFlag = false;
    QList<quint32> ids;
    QByteArray publish;
    qint64 created = 0, expires = 0;
    r.s >> qos >> retainFlag >> ids >> publish >> created >> expires;
    if (!r.ok() || !decodeMessage(publish, m.publish)) return false;
    m.qos = qos;
    m.retainFlag = retainFlag;
    for (quint32 id : std::as_const(ids))
        m.subscriptionIds.append(id);
    m.createdAtMs = created;
    m.expiresAtMs = expires;
    return true;
}

QByteArray encodeInflight(std::uint16_t packetId, bool awaitingPubcomp)
{
    return record([&](QDataStream &s) { s << quint16(packetId) << awaitingPubcomp; });
}

QByteArray encodeRetained(const StoredMessage &m)
{
    return record([&](QDataStream &s) {
        s << encodeMessage(m.publish) << qint64(m.createdAtMs) << qint64(m.expiresAtMs);
    });
}

QByteArray encodeSysInfo(const StoredSysInfo &i)
{
    return record([&](QDataStream &s) {
        s << qint64(i.startedAtMs) << qint64(i.messagesReceived) << qint64(i.messagesSent)
          << qint64(i.messagesDropped) << qint64(i.bytesReceived) << qint64(i.bytesSent)
          << qint64(i.clientsMaximum);
    });
}

// HGETALL's flat [field, value, field, value, ...] array.
template <typename Fn>
void forEachPair(const Reply &r, Fn &&fn)
{
    for (qsizetype i = 0; i + 1 < r.elements.size(); i += 2)
        fn(r.elements[i].string, r.elements[i + 1].string);
}

} // namespace

// ---- the hook's thread --------------------------------------------------------------------

// Lives on the hook's QThread: owns the redis::Client, sends the batches, loads at start.
class RedisAgent : public QObject {
public:
    using Op = RedisStorageHook::Op;
    using Loaded = RedisStorageHook::Loaded;
    explicit RedisAgent(RedisStorageHook &hook) : m_hook(hook) {}

    void start()
    {
        m_client = new redis::Client(m_hook.m_settings, this);
        QObject::connect(m_client, &redis::Client::connected, this, [this] {
            m_hook.m_connected.store(true);
            if (m_outage) {
                qCInfo(lcRedisStorage).noquote()
                    << "Redis at" << m_hook.address() << "is back;" << backlog() << "changes to write";
                m_outage = false;
            }
            tick();
        });
        QObject::connect(m_client, &redis::Client::disconnected, this, [this](const QString &why) {
            m_hook.m_connected.store(false);
            if (!m_outage)
                qCWarning(lcRedisStorage).noquote() << why << "- changes are kept in memory (at most"
                                                    << m_hook.m_maxBuffered << ") until Redis is back";
            m_outage = true;
        });
        m_timer = new QTimer(this);
        QObject::connect(m_timer, &QTimer::timeout, this, [this] { tick(); });
        m_timer->start(m_hook.m_flushMs);
        m_client->open();
    }

    void shutdown()
    {
        delete m_timer;
        m_timer = nullptr;
        delete m_client;
        m_client = nullptr;
        m_hook.m_connected.store(false);
    }

    QString lastError() const { return m_client ? m_client->lastError() : QString(); }

    std::size_t backlog()
    {
        std::lock_guard lock(m_hook.m_lock);
        return m_hook.m_ops.size() + m_retry.size() + m_deferred.size();
    }

    // Sends what accumulated, unless a batch is in flight or Redis is away.
    void tick()
    {
        if (m_inFlight || !m_client || !m_client->isConnected()) return;
        std::vector<Op> batch;
        std::uint64_t upTo;
        bool writeAll;
        {
            std::lock_guard lock(m_hook.m_lock);
            if (m_hook.m_ops.empty() && m_retry.empty() && m_deferred.empty()) {
                m_hook.m_finished = m_hook.m_accepted;
                m_hook.m_flushRequested = false;
                m_hook.m_done.notify_all();
                return;
            }
            batch.swap(m_hook.m_ops);
            upTo = m_hook.m_accepted;
            writeAll = m_hook.m_flushRequested;
            m_hook.m_flushRequested = false;
        }
        RedisStorageHook::prependOlder(batch, m_deferred, m_retry);
        {
            std::lock_guard lock(m_hook.m_lock);
            m_hook.m_taken = batch.size();
        }
        const std::vector<std::size_t> queued = RedisStorageHook::fold(batch);
        // A message queued in this batch and still unfinished is kept back for one more batch
        // (as the SQLite hook does): most are acknowledged by then and never written. Nothing
        // later in the batch concerns it (inflight updates were folded into it, the end of its
        // session cancelled it), so it commutes with the rest. flush() writes everything.
        if (!writeAll) {
            for (std::size_t index : queued) {
                Op &op = batch[index];
                if (op.seq == 0 || op.deferredOnce) continue;
                op.deferredOnce = true;
                m_deferred.push_back(std::move(op));
                op = Op{};
                op.type = Op::Done; // placeholder, skipped
            }
        }
        QList<QList<QByteArray>> cmds;
        cmds.reserve(qsizetype(batch.size()) + 2);
        cmds.append({QByteArrayLiteral("MULTI")});
        for (const Op &op : batch)
            appendCommands(op, cmds);
        if (cmds.size() == 1) { // everything cancelled out
            finished(upTo);
            return;
        }
        cmds.append({QByteArrayLiteral("EXEC")});
        m_inFlight = true;
        const qsizetype commands = cmds.size() - 2;
        auto shared = std::make_shared<std::vector<Op>>(std::move(batch));
        m_client->pipeline(std::move(cmds), [this, shared, upTo, commands](const QList<Reply> &replies) {
            m_inFlight = false;
            const Reply &exec = replies.last();
            if (exec.type != Reply::Type::Array) {
                // Nothing of the batch was applied (MULTI/EXEC): keep it, oldest first.
                m_hook.m_failures.fetch_add(1);
                QByteArray why = exec.string;
                for (const Reply &r : replies)
                    if (r.isError() && r.string != exec.string && !r.string.startsWith("EXECABORT")) {
                        why = r.string;
                        break;
                    }
                if (!m_outage || m_hook.m_failures.load() == 1)
                    qCWarning(lcRedisStorage).noquote()
                        << QStringLiteral("Redis at %1: writing %2 changes failed: %3; kept for the next "
                                          "attempt (%4 failed batches so far)")
                               .arg(m_hook.address())
                               .arg(shared->size())
                               .arg(QString::fromUtf8(why))
                               .arg(m_hook.m_failures.load());
                m_outage = true;
                m_retry = std::move(*shared);
                std::lock_guard lock(m_hook.m_lock);
                m_hook.m_taken = m_retry.size() + m_deferred.size();
                return;
            }
            // Applied. A command Redis refused inside EXEC (it never should) is logged and
            // counted: retrying it would fail the same way.
            qint64 refused = 0;
            QByteArray firstError;
            for (const Reply &r : exec.elements)
                if (r.isError()) {
                    if (!refused) firstError = r.string;
                    ++refused;
                }
            if (refused) {
                m_hook.m_lost.fetch_add(refused);
                qCCritical(lcRedisStorage).noquote()
                    << QStringLiteral("Redis at %1 refused %2 of %3 commands: %4")
                           .arg(m_hook.address())
                           .arg(refused)
                           .arg(commands)
                           .arg(QString::fromUtf8(firstError));
            }
            m_hook.m_commits.fetch_add(1);
            finished(upTo);
        });
    }

    void finished(std::uint64_t upTo)
    {
        std::lock_guard lock(m_hook.m_lock);
        m_hook.m_taken = m_deferred.size();
        m_hook.m_warnedFull = false;
        m_hook.m_finished = m_deferred.empty() ? upTo : m_deferred.front().accepted - 1;
        m_hook.m_done.notify_all();
    }

    QByteArray key(const char *kind) const { return m_hook.m_prefix + kind; }
    QByteArray key(const char *kind, const QByteArray &clientId) const
    {
        return m_hook.m_prefix + kind + ':' + clientId;
    }

    void appendCommands(const Op &op, QList<QList<QByteArray>> &cmds) const
    {
        static const QByteArray HSET = QByteArrayLiteral("HSET"), HDEL = QByteArrayLiteral("HDEL");
        switch (op.type) {
        case Op::Client:
            cmds.append({HSET, key("CL"), op.key,
                         encodeClient(*std::get<std::shared_ptr<const StoredClient>>(op.data))});
            break;
        case Op::EndClient:
            cmds.append({HDEL, key("CL"), op.key});
            cmds.append({QByteArrayLiteral("DEL"), key("SUB", op.key), key("MSG", op.key), key("IFL", op.key),
                         key("INB", op.key)});
            break;
        case Op::Subscribe:
            cmds.append({HSET, key("SUB", op.key), op.key2,
                         encodeSubscription(std::get<StoredSubscription>(op.data))});
            break;
        case Op::Unsubscribe:
            cmds.append({HDEL, key("SUB", op.key), op.key2});
            break;
        case Op::Queue: {
            const QByteArray seq = QByteArray::number(quint64(op.seq));
            cmds.append({HSET, key("MSG", op.key), seq, encodeQueued(std::get<QueuedMessage>(op.data))});
            if (op.packetId)
                cmds.append({HSET, key("IFL", op.key), seq, encodeInflight(op.packetId, op.flag)});
            break;
        }
        case Op::Inflight:
            cmds.append({HSET, key("IFL", op.key), QByteArray::number(quint64(op.seq)),
                         encodeInflight(op.packetId, op.flag)});
            break;
        case Op::Done:
            if (op.seq == 0) break; // cancelled within the batch
            cmds.append({HDEL, key("MSG", op.key), QByteArray::number(quint64(op.seq))});
            cmds.append({HDEL, key("IFL", op.key), QByteArray::number(quint64(op.seq))});
            break;
        case Op::InboundAdd:
            cmds.append({QByteArrayLiteral("SADD"), key("INB", op.key), QByteArray::number(op.packetId)});
            break;
        case Op::InboundDel:
            cmds.append({QByteArrayLiteral("SREM"), key("INB", op.key), QByteArray::number(op.packetId)});
            break;
        case Op::Retain:
            cmds.append({HSET, key("RET"), op.key,
                         encodeRetained(*std::get<std::shared_ptr<const StoredMessage>>(op.data))});
            break;
        case Op::Unretain:
            cmds.append({HDEL, key("RET"), op.key});
            break;
        case Op::SysInfo:
            cmds.append(
                {QByteArrayLiteral("SET"), key("SYS"), encodeSysInfo(std::get<StoredSysInfo>(op.data))});
            break;
        }
    }

    // ---- loading (two round trips: the global keys, then every session's keys) ----------

    void load(int attempt)
    {
        if (!m_client->isConnected()) {
            if (attempt >= 50) return loadFailed(QStringLiteral("not connected: ") + lastError());
            QTimer::singleShot(100, this, [this, attempt] { load(attempt + 1); });
            return;
        }
        m_client->pipeline({{QByteArrayLiteral("HGETALL"), key("CL")},
                            {QByteArrayLiteral("HGETALL"), key("RET")},
                            {QByteArrayLiteral("GET"), key("SYS")}},
                           [this, attempt](const QList<Reply> &r) {
                               for (const Reply &x : r)
                                   if (x.isError()) {
                                       if (attempt < 50) {
                                           QTimer::singleShot(100, this,
                                                              [this, attempt] { load(attempt + 1); });
                                           return;
                                       }
                                       return loadFailed(QString::fromUtf8(x.string));
                                   }
                               loadSessions(r, attempt);
                           });
    }

    void loadSessions(const QList<Reply> &global, int attempt)
    {
        auto l = std::make_shared<Loaded>();
        int skipped = 0;
        forEachPair(global[0], [&](const QByteArray &id, const QByteArray &value) {
            StoredClient c;
            if (decodeClient(id, value, c))
                l->clients.append(c);
            else
                ++skipped;
        });
        forEachPair(global[1], [&](const QByteArray &, const QByteArray &value) {
            StoredMessage m;
            m.kind = StoredMessage::Kind::Retained;
            Reader rd(value);
            QByteArray publish;
            qint64 created = 0, expires = 0;
            rd.s >> publish >> created >> expires;
            if (!rd.ok() || !decodeMessage(publish, m.publish)) {
                ++skipped;
                return;
            }
            m.retainFlag = true;
            m.createdAtMs = created;
            m.expiresAtMs = expires;
            l->retained.append(std::move(m));
        });
        if (global[2].type == Reply::Type::String) {
            Reader rd(global[2].string);
            StoredSysInfo s;
            rd.s >> s.startedAtMs >> s.messagesReceived >> s.messagesSent >> s.messagesDropped >>
                s.bytesReceived >> s.bytesSent >> s.clientsMaximum;
            if (rd.ok())
                l->sysInfo = s;
            else
                ++skipped;
        }
        QList<QList<QByteArray>> cmds;
        for (const StoredClient &c : std::as_const(l->clients)) {
            cmds.append({QByteArrayLiteral("HGETALL"), key("SUB", c.clientId)});
            cmds.append({QByteArrayLiteral("HGETALL"), key("MSG", c.clientId)});
            cmds.append({QByteArrayLiteral("HGETALL"), key("IFL", c.clientId)});
            cmds.append({QByteArrayLiteral("SMEMBERS"), key("INB", c.clientId)});
        }
        m_client->pipeline(std::move(cmds), [this, l, skipped, attempt](const QList<Reply> &r) mutable {
            for (const Reply &x : r)
                if (x.isError()) {
                    if (attempt < 50) {
                        QTimer::singleShot(100, this, [this, attempt] { load(attempt + 1); });
                        return;
                    }
                    return loadFailed(QString::fromUtf8(x.string));
                }
            for (qsizetype i = 0; i < l->clients.size(); ++i) {
                const QByteArray &id = l->clients[i].clientId;
                forEachPair(r[i * 4], [&](const QByteArray &filter, const QByteArray &value) {
                    StoredSubscription s;
                    s.clientId = id;
                    s.filter = filter;
                    if (decodeSubscription(value, s))
                        l->subscriptions.append(s);
                    else
                        ++skipped;
                });
                QHash<QByteArray, QByteArray> inflight;
                forEachPair(r[i * 4 + 2],
                            [&](const QByteArray &seq, const QByteArray &v) { inflight.insert(seq, v); });
                forEachPair(r[i * 4 + 1], [&](const QByteArray &seq, const QByteArray &value) {
                    StoredMessage m;
                    m.clientId = id;
                    m.sequence = seq.toULongLong();
                    if (!m.sequence || !decodeQueued(value, m)) {
                        ++skipped;
                        return;
                    }
                    m.kind = StoredMessage::Kind::QueuedOut;
                    const QByteArray state = inflight.value(seq);
                    if (!state.isEmpty()) {
                        Reader rd(state);
                        quint16 packetId = 0;
                        bool awaiting = false;
                        rd.s >> packetId >> awaiting;
                        if (rd.ok() && packetId) {
                            m.kind = StoredMessage::Kind::InflightOut;
                            m.packetId = packetId;
                            m.awaitingPubcomp = awaiting;
                        }
                    }
                    l->messages.append(std::move(m));
                });
                for (const Reply &pid : r[i * 4 + 3].elements) {
                    StoredMessage m;
                    m.kind = StoredMessage::Kind::InboundQos2;
                    m.clientId = id;
                    m.packetId = std::uint16_t(pid.string.toUInt());
                    if (m.packetId) l->messages.append(std::move(m));
                }
            }
            if (skipped)
                qCWarning(lcRedisStorage).noquote()
                    << "Redis at" << m_hook.address() << ":" << skipped << "stored records under"
                    << m_hook.m_prefix << "cannot be decoded; skipped";
            l->valid = true;
            m_hook.setLoaded(std::move(*l));
            m_hook.m_done.notify_all();
        });
    }

    void loadFailed(const QString &why)
    {
        qCCritical(lcRedisStorage).noquote()
            << "Redis at" << m_hook.address() << ": loading the stored state failed:" << why
            << "- the broker starts without it";
        Loaded nothing;
        nothing.valid = true;
        m_hook.setLoaded(std::move(nothing));
        m_hook.m_done.notify_all();
    }

    RedisStorageHook &m_hook;
    redis::Client *m_client = nullptr;
    QTimer *m_timer = nullptr;
    std::vector<Op> m_retry;    // the failed batch, sent again first
    std::vector<Op> m_deferred; // queued messages kept back from the last batch
    bool m_inFlight = false;
    bool m_outage = false;
};

// ---- the hook -----------------------------------------------------------------------------

RedisStorageHook::RedisStorageHook() = default;

RedisStorageHook::~RedisStorageHook()
{
    stop();
}

bool RedisStorageHook::init(const QVariantMap &config, QString *error)
{
    const auto fail = [&](const QString &why) {
        if (error) *error = why;
        return false;
    };
    if (m_thread) return fail(QStringLiteral("already initialised"));
    const QString address =
        config.value(QStringLiteral("address"), QStringLiteral("localhost:6379")).toString();
    QString why;
    if (!redis::parseAddress(address, m_settings, &why)) return fail(why);
    m_settings.username = config.value(QStringLiteral("username")).toString();
    m_settings.password = config.value(QStringLiteral("password")).toString();
    bool ok = true;
    if (config.contains(QStringLiteral("database"))) {
        m_settings.database = config.value(QStringLiteral("database")).toInt(&ok);
        if (!ok || m_settings.database < 0) return fail(QStringLiteral("database must be a number >= 0"));
    }
    m_prefix = config.value(QStringLiteral("h_prefix"), QStringLiteral("petrel-")).toString().toUtf8();
    if (config.contains(QStringLiteral("flush_ms"))) {
        m_flushMs = config.value(QStringLiteral("flush_ms")).toInt(&ok);
        if (!ok || m_flushMs < 1 || m_flushMs > 60000)
            return fail(QStringLiteral("flush_ms must be 1 to 60000"));
    }
    if (config.contains(QStringLiteral("max_buffered"))) {
        const qlonglong n = config.value(QStringLiteral("max_buffered")).toLongLong(&ok);
        if (!ok || n < 1) return fail(QStringLiteral("max_buffered must be at least 1"));
        m_maxBuffered = std::size_t(n);
    }
    if (config.contains(QStringLiteral("connect_timeout_ms"))) {
        m_settings.connectTimeoutMs = config.value(QStringLiteral("connect_timeout_ms")).toInt(&ok);
        if (!ok || m_settings.connectTimeoutMs < 1)
            return fail(QStringLiteral("connect_timeout_ms must be >= 1"));
    }

    // Redis must answer now (with AUTH and SELECT): a clear error instead of a broker that
    // starts without its state.
    const Reply pong = redis::commandSync(m_settings, {QByteArrayLiteral("PING")}, &why);
    if (pong.isError()) return fail(why.isEmpty() ? QString::fromUtf8(pong.string) : why);

    m_thread = new QThread;
    m_thread->setObjectName(QStringLiteral("petrel-redis-storage"));
    m_agent = new RedisAgent(*this);
    m_agent->moveToThread(m_thread);
    m_thread->start();
    {
        std::lock_guard lock(m_lock);
        m_running = true;
    }
    RedisAgent *agent = m_agent;
    QMetaObject::invokeMethod(
        m_agent, [agent] { agent->start(); }, Qt::BlockingQueuedConnection);
    QDeadlineTimer deadline(m_settings.connectTimeoutMs + 3000);
    while (!m_connected.load() && !deadline.hasExpired())
        QThread::msleep(5);
    if (!m_connected.load()) {
        QString last;
        QMetaObject::invokeMethod(
            m_agent, [agent, &last] { last = agent->lastError(); }, Qt::BlockingQueuedConnection);
        stop();
        return fail(last.isEmpty() ? QStringLiteral("cannot connect to Redis at %1").arg(address) : last);
    }
    qCInfo(lcRedisStorage).noquote() << "storage: Redis at" << m_settings.address() << "database"
                                     << m_settings.database << "prefix" << m_prefix;
    return true;
}

void RedisStorageHook::stop()
{
    if (!m_thread) return;
    // onStopped() has already waited up to 10 s for Redis; this is the last look.
    if (!flush(backlog() ? 2000 : 0)) {
        const qint64 left = backlog();
        if (left > 0) {
            m_lost.fetch_add(left);
            qCCritical(lcRedisStorage).noquote()
                << "Redis at" << address() << ":" << left << "changes could not be written before stopping";
        }
    }
    RedisAgent *agent = m_agent;
    QMetaObject::invokeMethod(
        m_agent, [agent] { agent->shutdown(); }, Qt::BlockingQueuedConnection);
    m_thread->quit();
    m_thread->wait();
    delete m_agent;
    m_agent = nullptr;
    delete m_thread;
    m_thread = nullptr;
    std::lock_guard lock(m_lock);
    m_running = false;
    m_done.notify_all();
}

bool RedisStorageHook::flush(int timeoutMs)
{
    std::unique_lock lock(m_lock);
    if (!m_running) return m_finished >= m_accepted;
    const std::uint64_t target = m_accepted;
    m_flushRequested = true;
    RedisAgent *agent = m_agent;
    QMetaObject::invokeMethod(
        m_agent, [agent] { agent->tick(); }, Qt::QueuedConnection);
    return m_done.wait_for(lock, std::chrono::milliseconds(timeoutMs), [&] {
        return m_finished >= target || !m_running;
    }) && m_finished >= target;
}

qint64 RedisStorageHook::backlog() const
{
    std::lock_guard lock(m_lock);
    return qint64(m_ops.size() + m_taken);
}

// ---- events (worker threads) --------------------------------------------------------------

bool RedisStorageHook::admit(Op &op)
{
    if (m_ops.size() + m_taken >= m_maxBuffered) {
        m_lost.fetch_add(1);
        if (!m_warnedFull) {
            m_warnedFull = true;
            qCCritical(lcRedisStorage).noquote()
                << "Redis at" << m_settings.address() << ":" << m_maxBuffered
                << "changes are waiting to be written (max_buffered); newer changes are dropped "
                   "until Redis takes them (counted as lost)";
        }
        return false;
    }
    op.accepted = ++m_accepted;
    return true;
}

void RedisStorageHook::onStopped()
{
    flush();
}

// ---- loaders (the broker's thread, at start) -----------------------------------------------

QList<StoredClient> RedisStorageHook::storedClients()
{
    // Every loader but the first reads what this one loaded: one consistent snapshot.
    std::unique_lock lock(m_lock);
    if (!m_running) return {};
    m_loaded.valid = false;
    RedisAgent *agent = m_agent;
    QMetaObject::invokeMethod(
        m_agent, [agent] { agent->load(0); }, Qt::QueuedConnection);
    m_done.wait_for(lock, std::chrono::seconds(60), [this] { return m_loaded.valid || !m_running; });
    return m_loaded.clients;
}

} // namespace petrel::storage
