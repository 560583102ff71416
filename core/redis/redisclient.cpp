#include "redisclient.h"

#include <QMetaObject>
#include <QPointer>
#include <QSocketNotifier>
#include <QTimer>

#include <hiredis/async.h>
#include <hiredis/hiredis.h>

#include <sys/time.h>

namespace petrel::redis {

Q_LOGGING_CATEGORY(lcRedis, "petrel.redis")

namespace {

const QByteArray kNotConnected = QByteArrayLiteral("not connected");
const QByteArray kConnectionLost = QByteArrayLiteral("connection lost");

Reply convert(const redisReply *r)
{
    Reply out;
    if (!r) return Reply::error(kConnectionLost);
    switch (r->type) {
    case REDIS_REPLY_STATUS:
        out.type = Reply::Type::Status;
        out.string = QByteArray(r->str, qsizetype(r->len));
        break;
    case REDIS_REPLY_ERROR:
        out.type = Reply::Type::Error;
        out.string = QByteArray(r->str, qsizetype(r->len));
        break;
    case REDIS_REPLY_STRING:
        out.type = Reply::Type::String;
        out.string = QByteArray(r->str, qsizetype(r->len));
        break;
    case REDIS_REPLY_INTEGER:
        out.type = Reply::Type::Integer;
        out.integer = r->integer;
        break;
    case REDIS_REPLY_ARRAY:
        out.type = Reply::Type::Array;
        out.elements.reserve(qsizetype(r->elements));
        for (size_t i = 0; i < r->elements; ++i)
            out.elements.append(convert(r->element[i]));
        break;
    default:
        out.type = Reply::Type::Nil;
        break;
    }
    return out;
}

QList<QList<QByteArray>> handshakeCommands(const Settings &s)
{
    QList<QList<QByteArray>> cmds;
    if (!s.username.isEmpty())
        cmds.append({QByteArrayLiteral("AUTH"), s.username.toUtf8(), s.password.toUtf8()});
    else if (!s.password.isEmpty())
        cmds.append({QByteArrayLiteral("AUTH"), s.password.toUtf8()});
    if (s.database != 0) cmds.append({QByteArrayLiteral("SELECT"), QByteArray::number(s.database)});
    return cmds;
}

} // namespace

Reply Reply::error(const QByteArray &message)
{
    Reply r;
    r.type = Type::Error;
    r.string = message;
    return r;
}

QString Reply::toString() const
{
    switch (type) {
    case Type::Nil:
        return QStringLiteral("(nil)");
    case Type::Status:
        return QString::fromUtf8(string);
    case Type::Error:
        return QStringLiteral("(error) ") + QString::fromUtf8(string);
    case Type::Integer:
        return QStringLiteral("(integer) %1").arg(integer);
    case Type::String:
        return QLatin1Char('"') + QString::fromLatin1(string.toPercentEncoding(" /:.,;-_=+*#")) +
               QLatin1Char('"');
    case Type::Array: {
        QStringList parts;
        for (const Reply &e : elements)
            parts.append(e.toString());
        return QLatin1Char('[') + parts.join(QStringLiteral(", ")) + QLatin1Char(']');
    }
    }
    return {};
}

QString Settings::address() const
{
    return (host.contains(QLatin1Char(':')) ? QLatin1Char('[') + host + QLatin1Char(']') : host) +
           QLatin1Char(':') + QString::number(port);
}

bool parseAddress(const QString &hostPort, Settings &out, QString *error)
{
    const QString text = hostPort.trimmed();
    auto fail = [&](const QString &why) {
        if (error) *error = QStringLiteral("invalid Redis address \"%1\": %2").arg(hostPort, why);
        return false;
    };
    if (text.isEmpty()) return fail(QStringLiteral("empty (expected host:port)"));
    QString host;
    QString port;
    if (text.startsWith(QLatin1Char('['))) {
        const qsizetype close = text.indexOf(QLatin1Char(']'));
        if (close < 0) return fail(QStringLiteral("missing ']'"));
        host = text.mid(1, close - 1);
        const QString rest = text.mid(close + 1);
        if (!rest.isEmpty()) {
            if (!rest.startsWith(QLatin1Char(':'))) return fail(QStringLiteral("expected ':' after ']'"));
            port = rest.mid(1);
            if (port.isEmpty()) return fail(QStringLiteral("empty port"));
        }
    } else {
        const qsizetype colon = text.lastIndexOf(QLatin1Char(':'));
        if (colon >= 0 && text.indexOf(QLatin1Char(':')) != colon)
            return fail(QStringLiteral("an IPv6 address needs brackets: [::1]:6379"));
        host = colon < 0 ? text : text.left(colon);
        if (colon >= 0) {
            port = text.mid(colon + 1);
            if (port.isEmpty()) return fail(QStringLiteral("empty port"));
        }
    }
    if (host.isEmpty()) return fail(QStringLiteral("empty host"));
    quint16 portNumber = 6379;
    if (!port.isEmpty()) {
        bool ok = false;
        const uint n = port.toUInt(&ok);
        if (!ok || n == 0 || n > 65535) return fail(QStringLiteral("port must be 1-65535"));
        portNumber = quint16(n);
    }
    out.host = host;
    out.port = portNumber;
    return true;
}

namespace detail {

// One hiredis connection driven by the owner's event loop, with the handshake (AUTH, SELECT),
// the connect timeout and the reconnect back-off. Not a QObject: the timers and notifiers are
// children of the owner, so they live on its thread.
class Link {
public:
    Link(QObject *owner, Settings settings) : m_owner(owner), m_settings(std::move(settings))
    {
        m_retry.setSingleShot(true);
        m_timeout.setSingleShot(true);
        QObject::connect(&m_retry, &QTimer::timeout, owner, [this] { connectNow(); });
        QObject::connect(&m_timeout, &QTimer::timeout, owner, [this] { onTimeout(); });
    }
    ~Link()
    {
        m_destroying = true;
        m_wanted = false;
        if (m_ctx) {
            redisAsyncContext *ctx = m_ctx;
            m_ctx = nullptr;
            redisAsyncFree(ctx); // pending callbacks run with a null reply and are dropped
        }
    }

    // A command's record, owned by hiredis until its callback runs.
    struct Pending {
        Link *link;
        std::function<void(const Reply &)> cb;
    };

    void open()
    {
        m_wanted = true;
        if (!m_ctx && !m_retry.isActive()) connectNow();
    }
    bool ready() const { return m_ready; }

    // Writes a command; false when there is no connection to write to. cb runs once, with
    // the reply or "connection lost". Persistent (pub/sub) callbacks use sendPubSub.
    bool send(const QList<QByteArray> &args, std::function<void(const Reply &)> cb)
    {
        if (!m_ctx || args.isEmpty()) return false;
        std::vector<const char *> argv;
        std::vector<size_t> lens;
        argv.reserve(size_t(args.size()));
        lens.reserve(size_t(args.size()));
        for (const QByteArray &a : args) {
            argv.push_back(a.constData());
            lens.push_back(size_t(a.size()));
        }
        auto *p = new Pending{this, std::move(cb)};
        if (redisAsyncCommandArgv(m_ctx, &Link::onReply, p, int(argv.size()), argv.data(), lens.data()) !=
            REDIS_OK) {
            delete p;
            return false;
        }
        ++m_pending;
        return true;
    }

    // SUBSCRIBE/UNSUBSCRIBE: hiredis keeps the callback per channel and calls it for every
    // message; privdata is this Link (nothing to free).
    bool sendPubSub(const QList<QByteArray> &args)
    {
        if (!m_ctx) return false;
        std::vector<const char *> argv;
        std::vector<size_t> lens;
        for (const QByteArray &a : args) {
            argv.push_back(a.constData());
            lens.push_back(size_t(a.size()));
        }
        return redisAsyncCommandArgv(m_ctx, &Link::onPubSub, this, int(argv.size()), argv.data(),
                                     lens.data()) == REDIS_OK;
    }

    void countError() { ++m_errors; }

    QObject *m_owner;
    Settings m_settings;
    std::function<void()> onReady;                    // connected and handshake done
    std::function<void(const QString &)> onLost;      // was ready, connection gone
    std::function<void(const Reply &)> onPubSubReply; // Subscriber: every pub/sub reply
    quint64 m_errors = 0;
    quint64 m_reconnects = 0;
    QString m_lastError;
    int m_pending = 0;
    bool m_destroying = false;

private:
    void connectNow()
    {
        if (!m_wanted || m_ctx) return;
        const QByteArray host = m_settings.host.toUtf8();
        redisAsyncContext *ctx = redisAsyncConnect(host.constData(), m_settings.port);
        if (!ctx) {
            fail(QStringLiteral("cannot allocate a connection"));
            return;
        }
        if (ctx->err) {
            const QString why = QString::fromLocal8Bit(ctx->errstr);
            redisAsyncFree(ctx);
            fail(why);
            return;
        }
        m_ctx = ctx;
        ctx->data = this;
        attach(ctx);
        redisAsyncSetConnectCallback(ctx, &Link::onConnect);
        redisAsyncSetDisconnectCallback(ctx, &Link::onDisconnect);
        m_timeout.start(qMax(1, m_settings.connectTimeoutMs));
    }

    // A connect attempt failed (not a loss of a ready connection): log when it is news, count,
    // retry later.
    void fail(const QString &why)
    {
        ++m_errors;
        const QString message = QStringLiteral("Redis at %1: %2").arg(m_settings.address(), why);
        if (message != m_lastError || m_failedAttempts == 0)
            qCWarning(lcRedis).noquote() << message << "(retrying with back-off)";
        m_lastError = message;
        ++m_failedAttempts;
        scheduleRetry();
    }

    void scheduleRetry()
    {
        if (!m_wanted || m_destroying) return;
        const int shift = qMin(m_failedAttempts, 16);
        const qint64 delay =
            qMin<qint64>(qMax(1, m_settings.maxBackoffMs), qint64(100) << qMax(0, shift - 1));
        m_retry.start(int(delay));
    }

    void onTimeout()
    {
        if (!m_ctx || m_ready) return;
        redisAsyncContext *ctx = m_ctx;
        m_ctx = nullptr; // onDisconnect (if the TCP part completed) sees a stale context
        redisAsyncFree(ctx);
        fail(QStringLiteral("connect timed out after %1 ms").arg(m_settings.connectTimeoutMs));
    }

    void handshakeStep(QList<QList<QByteArray>> cmds)
    {
        if (cmds.isEmpty()) {
            m_timeout.stop();
            m_ready = true;
            if (m_everConnected) {
                ++m_reconnects;
                qCInfo(lcRedis).noquote() << "Redis at" << m_settings.address() << "connected again";
            }
            m_everConnected = true;
            m_failedAttempts = 0;
            if (onReady) onReady();
            return;
        }
        const QList<QByteArray> cmd = cmds.takeFirst();
        const QString what = QString::fromLatin1(cmd.first());
        redisAsyncContext *ctx = m_ctx;
        send(cmd, [this, ctx, what, cmds](const Reply &r) {
            if (m_ctx != ctx || m_destroying) return;
            if (r.isError()) {
                ++m_errors;
                m_lastError = QStringLiteral("Redis at %1: %2 failed: %3")
                                  .arg(m_settings.address(), what, QString::fromUtf8(r.string));
                if (m_failedAttempts == 0 || m_lastLoggedHandshake != m_lastError)
                    qCWarning(lcRedis).noquote() << m_lastError << "(retrying with back-off)";
                m_lastLoggedHandshake = m_lastError;
                ++m_failedAttempts;
                m_ctx = nullptr;
                m_timeout.stop();
                redisAsyncFree(ctx); // freed right after this callback; onDisconnect ignores it
                scheduleRetry();
                return;
            }
            handshakeStep(cmds);
        });
    }

    // hiredis -> Qt: a notifier per direction and per context, created disabled and switched by
    // hiredis' addRead/delRead/addWrite/delWrite hooks. hiredis calls cleanup while it frees the
    // context, possibly from inside a notifier's signal: disable now, delete later.
    struct Adapter {
        QSocketNotifier *read = nullptr;
        QSocketNotifier *write = nullptr;
    };
    void attach(redisAsyncContext *ctx)
    {
        auto *a = new Adapter;
        const int fd = ctx->c.fd;
        a->read = new QSocketNotifier(fd, QSocketNotifier::Read, m_owner);
        a->write = new QSocketNotifier(fd, QSocketNotifier::Write, m_owner);
        a->read->setEnabled(false);
        a->write->setEnabled(false);
        QObject::connect(a->read, &QSocketNotifier::activated, m_owner, [ctx] { redisAsyncHandleRead(ctx); });
        QObject::connect(a->write, &QSocketNotifier::activated, m_owner,
                         [ctx] { redisAsyncHandleWrite(ctx); });
        ctx->ev.data = a;
        ctx->ev.addRead = [](void *d) { static_cast<Adapter *>(d)->read->setEnabled(true); };
        ctx->ev.delRead = [](void *d) { static_cast<Adapter *>(d)->read->setEnabled(false); };
        ctx->ev.addWrite = [](void *d) { static_cast<Adapter *>(d)->write->setEnabled(true); };
        ctx->ev.delWrite = [](void *d) { static_cast<Adapter *>(d)->write->setEnabled(false); };
        ctx->ev.cleanup = [](void *d) {
            auto *a = static_cast<Adapter *>(d);
            for (QSocketNotifier *n : {a->read, a->write}) {
                n->setEnabled(false);
                QObject::disconnect(n, nullptr, nullptr, nullptr);
                n->deleteLater();
            }
            delete a;
        };
    }

    static void onConnect(const redisAsyncContext *ac, int status)
    {
        auto *self = static_cast<Link *>(ac->data);
        if (!self || self->m_ctx != ac) return;
        if (status != REDIS_OK) {
            const QString why = QString::fromLocal8Bit(ac->errstr);
            self->m_ctx = nullptr; // hiredis frees it after this callback
            self->m_timeout.stop();
            self->fail(why);
            return;
        }
        self->handshakeStep(handshakeCommands(self->m_settings));
    }

    static void onDisconnect(const redisAsyncContext *ac, int status)
    {
        auto *self = static_cast<Link *>(ac->data);
        if (!self || self->m_destroying) return;
        if (self->m_ctx != ac) return; // a context we gave up ourselves (timeout, handshake)
        self->m_ctx = nullptr;
        self->m_timeout.stop();
        const bool wasReady = self->m_ready;
        self->m_ready = false;
        const QString why =
            status == REDIS_OK ? QStringLiteral("connection closed") : QString::fromLocal8Bit(ac->errstr);
        if (!wasReady) {
            self->fail(why);
            return;
        }
        ++self->m_errors;
        self->m_lastError = QStringLiteral("Redis at %1: %2").arg(self->m_settings.address(), why);
        qCWarning(lcRedis).noquote() << "lost the connection to" << self->m_lastError
                                     << "(reconnecting with back-off)";
        self->m_failedAttempts = 1;
        self->scheduleRetry();
        if (self->onLost) self->onLost(self->m_lastError);
    }

    static void onReply(redisAsyncContext *, void *reply, void *privdata)
    {
        auto *p = static_cast<Pending *>(privdata);
        Link *self = p->link;
        --self->m_pending;
        if (!self->m_destroying && p->cb) {
            const Reply r = convert(static_cast<redisReply *>(reply));
            if (r.isError()) ++self->m_errors;
            p->cb(r);
        }
        delete p;
    }

    static void onPubSub(redisAsyncContext *, void *reply, void *privdata)
    {
        auto *self = static_cast<Link *>(privdata);
        if (!reply || self->m_destroying) return; // the connection went; onDisconnect handles it
        if (self->onPubSubReply) self->onPubSubReply(convert(static_cast<redisReply *>(reply)));
    }

    redisAsyncContext *m_ctx = nullptr;
    QTimer m_retry;
    QTimer m_timeout;
    bool m_wanted = false;
    bool m_ready = false;
    bool m_everConnected = false;
    int m_failedAttempts = 0;
    QString m_lastLoggedHandshake;
};

} // namespace detail

// ---- Client --------------------------------------------------------------------------------

Client::Client(Settings settings, QObject *parent)
    : QObject(parent), m_link(std::make_unique<detail::Link>(this, std::move(settings)))
{
    m_link->onReady = [this] { Q_EMIT connected(); };
    m_link->onLost = [this](const QString &why) { Q_EMIT disconnected(why); };
}

Client::~Client() = default;

void Client::open()
{
    m_link->open();
}
bool Client::isConnected() const
{
    return m_link->ready();
}
quint64 Client::errorCount() const
{
    return m_link->m_errors;
}
quint64 Client::reconnectCount() const
{
    return m_link->m_reconnects;
}
QString Client::lastError() const
{
    return m_link->m_lastError;
}
const Settings &Client::settings() const
{
    return m_link->m_settings;
}
int Client::pendingCount() const
{
    return m_link->m_pending;
}

void Client::deliverLater(Callback cb, const Reply &reply)
{
    m_link->countError();
    if (!cb) return;
    QMetaObject::invokeMethod(
        this, [cb = std::move(cb), reply] { cb(reply); }, Qt::QueuedConnection);
}

void Client::command(QList<QByteArray> args, Callback cb)
{
    if (args.isEmpty()) {
        deliverLater(std::move(cb), Reply::error(QByteArrayLiteral("ERR empty command")));
        return;
    }
    if (!m_link->ready()) {
        deliverLater(std::move(cb), Reply::error(kNotConnected));
        return;
    }
    Callback copy = cb;
    if (!m_link->send(args, std::move(cb))) deliverLater(std::move(copy), Reply::error(kNotConnected));
}

void Client::pipeline(QList<QList<QByteArray>> commands, std::function<void(const QList<Reply> &)> cb)
{
    struct Batch {
        QList<Reply> replies;
        qsizetype remaining = 0;
        std::function<void(const QList<Reply> &)> cb;
    };
    auto batch = std::make_shared<Batch>();
    batch->replies.resize(commands.size());
    batch->remaining = commands.size();
    batch->cb = std::move(cb);
    if (commands.isEmpty()) {
        if (batch->cb)
            QMetaObject::invokeMethod(
                this, [batch] { batch->cb(batch->replies); }, Qt::QueuedConnection);
        return;
    }
    for (qsizetype i = 0; i < commands.size(); ++i) {
        command(std::move(commands[i]), [batch, i](const Reply &r) {
            batch->replies[i] = r;
            if (--batch->remaining == 0 && batch->cb) batch->cb(batch->replies);
        });
    }
}

// ---- Subscriber ----------------------------------------------------------------------------

Subscriber::Subscriber(Settings settings, QObject *parent)
    : QObject(parent), m_link(std::make_unique<detail::Link>(this, std::move(settings)))
{
    m_link->onReady = [this] {
        if (!m_channels.isEmpty()) sendSubscribe(m_channels.values(), true);
        Q_EMIT connected();
    };
    m_link->onLost = [this](const QString &why) { Q_EMIT disconnected(why); };
    m_link->onPubSubReply = [this](const Reply &r) {
        if (r.type != Reply::Type::Array || r.elements.size() < 3) return;
        if (r.elements[0].string == "message") Q_EMIT message(r.elements[1].string, r.elements[2].string);
    };
}

Subscriber::~Subscriber() = default;

void Subscriber::open()
{
    m_link->open();
}
bool Subscriber::isConnected() const
{
    return m_link->ready();
}
quint64 Subscriber::errorCount() const
{
    return m_link->m_errors;
}
quint64 Subscriber::reconnectCount() const
{
    return m_link->m_reconnects;
}
QString Subscriber::lastError() const
{
    return m_link->m_lastError;
}

void Subscriber::subscribe(const QByteArray &channel)
{
    if (m_channels.contains(channel)) return;
    m_channels.insert(channel);
    if (m_link->ready()) sendSubscribe({channel}, true);
}

void Subscriber::unsubscribe(const QByteArray &channel)
{
    if (!m_channels.remove(channel)) return;
    if (m_link->ready()) sendSubscribe({channel}, false);
}

void Subscriber::sendSubscribe(const QList<QByteArray> &channels, bool subscribe)
{
    QList<QByteArray> args{subscribe ? QByteArrayLiteral("SUBSCRIBE") : QByteArrayLiteral("UNSUBSCRIBE")};
    args.append(channels);
    if (!m_link->sendPubSub(args)) m_link->countError(); // sent again on the next connect
}

// ---- commandSync ---------------------------------------------------------------------------

Reply commandSync(const Settings &s, QList<QByteArray> args, QString *error)
{
    auto failWith = [&](const QString &message) {
        if (error) *error = message;
        return Reply::error(message.toUtf8());
    };
    timeval tv{};
    tv.tv_sec = s.connectTimeoutMs / 1000;
    tv.tv_usec = (s.connectTimeoutMs % 1000) * 1000;
    const QByteArray host = s.host.toUtf8();
    redisContext *c = redisConnectWithTimeout(host.constData(), s.port, tv);
    if (!c) return failWith(QStringLiteral("cannot connect to Redis at %1: out of memory").arg(s.address()));
    std::unique_ptr<redisContext, void (*)(redisContext *)> guard(c, redisFree);
    if (c->err)
        return failWith(QStringLiteral("cannot connect to Redis at %1: %2")
                            .arg(s.address(), QString::fromLocal8Bit(c->errstr)));
    redisSetTimeout(c, tv);
    auto run = [&](const QList<QByteArray> &cmd, Reply *out) -> bool {
        std::vector<const char *> argv;
        std::vector<size_t> lens;
        for (const QByteArray &a : cmd) {
            argv.push_back(a.constData());
            lens.push_back(size_t(a.size()));
        }
        auto *r = static_cast<redisReply *>(redisCommandArgv(c, int(argv.size()), argv.data(), lens.data()));
        if (!r) {
            *out = failWith(
                QStringLiteral("Redis at %1: %2 failed: %3")
                    .arg(s.address(), QString::fromLatin1(cmd.first()), QString::fromLocal8Bit(c->errstr)));
            return false;
        }
        *out = convert(r);
        freeReplyObject(r);
        return true;
    };
    Reply reply;
    for (const QList<QByteArray> &cmd : handshakeCommands(s)) {
        if (!run(cmd, &reply)) return reply;
        if (reply.isError())
            return failWith(
                QStringLiteral("Redis at %1: %2 failed: %3")
                    .arg(s.address(), QString::fromLatin1(cmd.first()), QString::fromUtf8(reply.string)));
    }
    if (args.isEmpty()) return failWith(QStringLiteral("empty Redis command"));
    if (!run(args, &reply)) return reply;
    if (reply.isError() && error)
        *error = QStringLiteral("Redis at %1: %2 failed: %3")
                     .arg(s.address(), QString::fromLatin1(args.first()), QString::fromUtf8(reply.string));
    return reply;
}

} // namespace petrel::redis
