#include "admin.h"

#include "broker.h"
#include "brokercore.h"
#include "clusterlink.h"
#include "messagering.h"
#include "topics/topics.h"
#include "worker.h"

#include <QJsonArray>
#include <QLoggingCategory>
#include <QThread>

#include <algorithm>
#include <condition_variable>
#include <functional>
#include <mutex>

Q_LOGGING_CATEGORY(lcAdmin, "petrel.admin")

namespace petrel {

using namespace packets;
using namespace Qt::StringLiterals;

// ---- worker side ---------------------------------------------------------------------------

static admin::ClientSnapshot snapshotOf(const Session &s, const Connection *c)
{
    admin::ClientSnapshot out;
    out.clientId = s.clientId;
    out.username = s.client.username;
    out.remoteAddress = s.client.remoteAddress;
    out.listenerId = s.client.listenerId;
    out.protocolVersion = int(s.version);
    out.connected = c != nullptr;
    out.sessionExpiryInterval = s.expiryInterval;
    out.subscriptions = int(s.subscriptions.size());
    out.inflight = int(s.inflight.size());
    out.queued = int(s.pending.size());
    out.messagesIn = s.messagesIn;
    out.messagesOut = s.messagesOut;
    out.connectedAtMs = s.connectedAtMs;
    out.disconnectedAtMs = s.disconnectedAtMs;
    if (c) {
        out.keepAlive = c->keepAlive;
        out.receiveMaximum = c->clientReceiveMaximum;
        out.maximumPacketSize = c->clientMaximumPacketSize;
        out.topicAliasMaximum = c->clientTopicAliasMaximum;
    }
    out.hasWill = bool(s.will);
    if (s.will) {
        out.willTopic = s.will->topic;
        out.willPayload = s.will->payload;
        out.willQos = s.will->qos;
        out.willRetain = s.will->retain;
        out.willDelayInterval = s.will->properties.willDelayInterval;
    }
    return out;
}

void Worker::adminCollect(QList<admin::ClientSnapshot> &out, const QByteArray *onlyClient) const
{
    for (const Connection *c : m_connections) {
        const Session *s = c->session.get();
        if (!s || s->connection != c || s->expired) continue;
        if (onlyClient && s->clientId != *onlyClient) continue;
        out.append(snapshotOf(*s, c));
        out.back().worker = m_index;
        if (m_core.options.cluster.enabled) out.back().node = m_core.options.cluster.nodeId;
    }
    for (const SessionPtr &s : m_offline) {
        if (s->expired || s->connection) continue;
        if (onlyClient && s->clientId != *onlyClient) continue;
        out.append(snapshotOf(*s, nullptr));
        out.back().worker = m_index;
        if (m_core.options.cluster.enabled) out.back().node = m_core.options.cluster.nodeId;
    }
}

bool Worker::adminDisconnect(const SessionPtr &s, std::uint8_t reason)
{
    if (s->expired || !s->connection) return false;
    disconnectWithReason(*s->connection, ReasonCode(reason), "disconnected by the administrator");
    flushRouted();
    return true;
}

void Worker::adminEndSession(const SessionPtr &s)
{
    if (s->connection) {
        disconnectWithReason(*s->connection, ReasonCode::AdministrativeAction,
                             "session deleted by the administrator");
    }
    if (!s->expired) {
        endSession(s);
        if (m_core.hooks.provides(HookEvent::OnClientExpired))
            m_core.hooks.each(HookEvent::OnClientExpired, [&](Hook &h) { h.onClientExpired(s->clientId); });
    }
    flushRouted();
}

namespace admin {

namespace {

// Shared between the caller and the tasks it posted: a caller that timed out leaves, the
// tasks still find live state.
struct Wait {
    std::mutex m;
    std::condition_variable cv;
    int remaining = 0;
    void finishOne()
    {
        std::lock_guard lock(m);
        if (--remaining == 0) cv.notify_all();
    }
    bool wait()
    {
        std::unique_lock lock(m);
        return cv.wait_for(lock, std::chrono::milliseconds(kAdminTimeoutMs),
                           [this] { return remaining == 0; });
    }
};

bool onWorkerThread(const Worker *w)
{
    return w->thread() == QThread::currentThread();
}

QList<ClientSnapshot> collect(BrokerCore &core, const QByteArray *onlyClient)
{
    struct State : Wait {
        QList<ClientSnapshot> out;
    };
    auto st = std::make_shared<State>();
    st->remaining = int(core.workers.size());
    const bool filtered = onlyClient != nullptr;
    const QByteArray only = filtered ? *onlyClient : QByteArray();
    for (Worker *w : core.workers) {
        auto task = [st, w, filtered, only] {
            QList<ClientSnapshot> part;
            w->adminCollect(part, filtered ? &only : nullptr);
            {
                std::lock_guard lock(st->m);
                st->out.append(part);
            }
            st->finishOne();
        };
        if (onWorkerThread(w))
            task();
        else
            w->post(std::move(task));
    }
    if (!st->wait()) qCWarning(lcAdmin) << "a worker did not answer the client snapshot in time";
    std::lock_guard lock(st->m);
    return st->out;
}

// Runs fn(Worker &home, const SessionPtr &) on the home worker of clientId's session and
// waits for its result. A session that moves to another worker meanwhile is followed.
Result onHome(BrokerCore &core, const QByteArray &clientId,
              std::function<Result(Worker &, const SessionPtr &)> fn)
{
    SessionPtr session;
    {
        std::lock_guard lock(core.registryLock);
        session = core.registry.value(clientId);
    }
    if (!session) return Result::NotFound; // `expired` is checked on the home worker

    struct State : Wait {
        Result result = Result::Timeout;
        std::function<Result(Worker &, const SessionPtr &)> fn;
        std::function<void(int)> attempt;
    };
    auto st = std::make_shared<State>();
    st->remaining = 1;
    st->fn = std::move(fn);
    std::weak_ptr<State> weak = st;
    st->attempt = [weak, session](int hops) {
        auto st = weak.lock();
        if (!st) return;
        Worker *home = session->home.load();
        auto task = [weak, session, home, hops] {
            auto st = weak.lock();
            if (!st) return;
            if (session->home.load() != home && hops < 16) {
                st->attempt(hops + 1); // it moved on: follow it
                return;
            }
            const Result r = st->fn(*home, session);
            {
                std::lock_guard lock(st->m);
                st->result = r;
            }
            st->finishOne();
        };
        if (onWorkerThread(home))
            task();
        else
            home->post(std::move(task));
    };
    st->attempt(0);
    const bool answered = st->wait();
    std::lock_guard lock(st->m);
    return answered ? st->result : Result::Timeout;
}

} // namespace

QList<ClientSnapshot> clients(BrokerCore &core)
{
    QList<ClientSnapshot> all = collect(core, nullptr);
    std::sort(all.begin(), all.end(),
              [](const ClientSnapshot &a, const ClientSnapshot &b) { return a.clientId < b.clientId; });
    return all;
}

QList<ClientSnapshot> clusterClients(BrokerCore &core, bool *complete)
{
    if (complete) *complete = true;
    QList<ClientSnapshot> all = clients(core);
    if (!core.cluster) return all;
    const auto remote = core.cluster->remoteClients(kAdminTimeoutMs);
    if (!remote) {
        if (complete) *complete = false;
        return all;
    }
    QSet<QByteArray> here;
    for (const ClientSnapshot &c : std::as_const(all))
        here.insert(c.clientId);
    for (const auto &[id, node] : *remote) {
        if (here.contains(id)) continue; // this node's view of its own sessions wins
        ClientSnapshot c;
        c.clientId = id;
        c.node = QString::fromUtf8(node);
        c.connected = !node.isEmpty();
        c.remote = true;
        all.append(c);
        here.insert(id);
    }
    std::sort(all.begin(), all.end(),
              [](const ClientSnapshot &a, const ClientSnapshot &b) { return a.clientId < b.clientId; });
    return all;
}

std::optional<ClientSnapshot> client(BrokerCore &core, const QByteArray &clientId)
{
    const QList<ClientSnapshot> found = collect(core, &clientId);
    if (found.isEmpty()) return std::nullopt;
    return found.first();
}

QList<SubscriptionSnapshot> subscriptions(const BrokerCore &core)
{
    QList<SubscriptionSnapshot> out;
    {
        std::shared_lock lock(core.subscriptionsLock);
        out.reserve(core.subscriptions.size());
        core.subscriptions.forEach([&](const topics::Subscription &s) {
            SubscriptionSnapshot snap;
            snap.clientId = s.clientId;
            snap.filter = s.filter;
            snap.shareGroup = topics::splitSharedFilter(s.filter).group.toByteArray();
            snap.qos = s.options.qos;
            snap.noLocal = s.options.noLocal;
            snap.retainAsPublished = s.options.retainAsPublished;
            snap.retainHandling = s.options.retainHandling;
            snap.identifier = s.identifier;
            out.append(std::move(snap));
        });
    }
    std::sort(out.begin(), out.end(), [](const SubscriptionSnapshot &a, const SubscriptionSnapshot &b) {
        return a.filter != b.filter ? a.filter < b.filter : a.clientId < b.clientId;
    });
    return out;
}

QList<RetainedSnapshot> retained(const BrokerCore &core, qint64 nowMs)
{
    QList<RetainedSnapshot> out;
    {
        std::shared_lock lock(core.retainedLock);
        out.reserve(core.retained.size());
        core.retained.forEach([&](const topics::RetainedStore::Entry &e) {
            if (e.isExpired(nowMs)) return;
            out.append(RetainedSnapshot{e.message, e.storedAtMs, e.expiresAtMs});
        });
    }
    std::sort(out.begin(), out.end(), [](const RetainedSnapshot &a, const RetainedSnapshot &b) {
        return a.message.topic < b.message.topic;
    });
    return out;
}

bool isServerDisconnectReason(std::uint8_t reason)
{
    return packets::isServerDisconnectCode(ReasonCode(reason));
}

const char *describe(Result r)
{
    switch (r) {
    case Result::Done:
        return "done";
    case Result::NotFound:
        return "no such client";
    case Result::NotConnected:
        return "the client is not connected";
    case Result::BadReason:
        return "not a reason code a server may send in DISCONNECT";
    case Result::BadWorker:
        return "no such worker";
    case Result::Timeout:
        return "the broker did not answer in time";
    }
    return "?";
}

Result disconnectClient(BrokerCore &core, const QByteArray &clientId, std::uint8_t reason)
{
    if (!isServerDisconnectReason(reason)) return Result::BadReason;
    const Result r = onHome(core, clientId, [reason](Worker &w, const SessionPtr &s) {
        if (s->expired) return Result::NotFound;
        return w.adminDisconnect(s, reason) ? Result::Done : Result::NotConnected;
    });
    if (r == Result::Done)
        qCInfo(lcAdmin).noquote() << "client" << QString::fromUtf8(clientId) << "disconnected, reason"
                                  << Qt::hex << reason;
    return r;
}

Result deleteSession(BrokerCore &core, const QByteArray &clientId)
{
    const Result r = onHome(core, clientId, [](Worker &w, const SessionPtr &s) {
        if (s->expired) return Result::NotFound;
        w.adminEndSession(s);
        return Result::Done;
    });
    if (r == Result::Done) qCInfo(lcAdmin).noquote() << "session" << QString::fromUtf8(clientId) << "deleted";
    return r;
}

Result moveClient(BrokerCore &core, const QByteArray &clientId, int worker)
{
    if (worker < 0 || size_t(worker) >= core.workers.size()) return Result::BadWorker;
    Worker *target = core.workers[size_t(worker)];
    return onHome(core, clientId, [target](Worker &w, const SessionPtr &s) {
        if (s->expired) return Result::NotFound;
        if (!s->connection) return Result::NotConnected;
        w.requestMove(s, target);
        return Result::Done;
    });
}

Result deleteRetained(BrokerCore &core, const QByteArray &topic)
{
    bool removed = false;
    {
        std::unique_lock lock(core.retainedLock);
        removed = core.retained.remove(topic);
        core.counters.retained.store(core.retained.size(), std::memory_order_relaxed);
    }
    if (!removed) return Result::NotFound;
    if (core.hooks.provides(HookEvent::OnRetainMessage)) {
        ClientInfo who;
        who.remoteAddress = QStringLiteral("admin");
        who.isInline = true;
        Publish cleared;
        cleared.topic = topic;
        cleared.retain = true;
        core.hooks.each(HookEvent::OnRetainMessage, [&](Hook &h) { h.onRetainMessage(who, cleared, -1); });
    }
    qCInfo(lcAdmin).noquote() << "retained message on" << QString::fromUtf8(topic) << "deleted";
    return Result::Done;
}

bool publish(BrokerCore &core, const Publish &message, QString *error)
{
    const auto fail = [&](const QString &why) {
        if (error) *error = why;
        return false;
    };
    if (message.topic.isEmpty() || !isValidTopicName(message.topic) || !isValidUtf8(message.topic))
        return fail(u"not a valid topic name (non-empty UTF-8, no + or #)"_s);
    if (message.qos > 2) return fail(u"qos must be 0, 1 or 2"_s);
    auto m = std::make_shared<Message>();
    m->publish = message;
    m->publish.packetId = 0;
    m->publish.dup = false;
    m->createdAtMs = nowMs();
    m->expiresAtMs = core.messageExpiresAt(message.properties, m->createdAtMs);
    if (core.messageRing) core.messageRing->append(QByteArray(), m->publish);
    core.nextWorker()->publishFromServer(std::move(m));
    return true;
}

// ---- JSON ----------------------------------------------------------------------------------

static QString text(const QByteArray &b)
{
    return QString::fromUtf8(b);
}

static QJsonValue payloadText(const QByteArray &payload)
{
    if (!isValidUtf8(payload)) return QJsonValue::Null;
    return QString::fromUtf8(payload);
}

QJsonObject toJson(const ClientSnapshot &c)
{
    QJsonObject o{
        {u"client_id"_s, text(c.clientId)},
        {u"username"_s, text(c.username)},
        {u"remote_address"_s, c.remoteAddress},
        {u"listener"_s, c.listenerId},
        {u"protocol_version"_s, c.protocolVersion},
        {u"connected"_s, c.connected},
        {u"keepalive"_s, c.keepAlive},
        {u"session_expiry_interval"_s, qint64(c.sessionExpiryInterval)},
        {u"subscriptions"_s, c.subscriptions},
        {u"inflight"_s, c.inflight},
        {u"queued"_s, c.queued},
        {u"messages_in"_s, qint64(c.messagesIn)},
        {u"messages_out"_s, qint64(c.messagesOut)},
        {u"connected_at_ms"_s, c.connectedAtMs},
        {u"disconnected_at_ms"_s, c.disconnectedAtMs},
        {u"receive_maximum"_s, c.receiveMaximum},
        {u"maximum_packet_size"_s, qint64(c.maximumPacketSize)},
        {u"topic_alias_maximum"_s, c.topicAliasMaximum},
    };
    if (!c.node.isEmpty() || c.remote) o.insert(u"node"_s, c.node);
    if (c.worker >= 0) o.insert(u"worker"_s, c.worker);
    if (c.remote) o.insert(u"remote"_s, true);
    if (c.hasWill) {
        o.insert(u"will"_s, QJsonObject{{u"topic"_s, text(c.willTopic)},
                                        {u"payload"_s, payloadText(c.willPayload)},
                                        {u"payload_base64"_s, QString::fromLatin1(c.willPayload.toBase64())},
                                        {u"qos"_s, c.willQos},
                                        {u"retain"_s, c.willRetain},
                                        {u"delay_interval"_s, qint64(c.willDelayInterval)}});
    }
    return o;
}

ClientSnapshot clientFromJson(const QJsonObject &o)
{
    ClientSnapshot c;
    c.clientId = o.value(u"client_id"_s).toString().toUtf8();
    c.username = o.value(u"username"_s).toString().toUtf8();
    c.remoteAddress = o.value(u"remote_address"_s).toString();
    c.listenerId = o.value(u"listener"_s).toString();
    c.node = o.value(u"node"_s).toString();
    c.remote = o.value(u"remote"_s).toBool();
    c.worker = o.value(u"worker"_s).toInt(-1);
    c.protocolVersion = o.value(u"protocol_version"_s).toInt(4);
    c.connected = o.value(u"connected"_s).toBool();
    c.keepAlive = o.value(u"keepalive"_s).toInt();
    c.sessionExpiryInterval = std::uint32_t(o.value(u"session_expiry_interval"_s).toInteger());
    c.subscriptions = o.value(u"subscriptions"_s).toInt();
    c.inflight = o.value(u"inflight"_s).toInt();
    c.queued = o.value(u"queued"_s).toInt();
    c.messagesIn = std::uint64_t(o.value(u"messages_in"_s).toInteger());
    c.messagesOut = std::uint64_t(o.value(u"messages_out"_s).toInteger());
    c.connectedAtMs = o.value(u"connected_at_ms"_s).toInteger();
    c.disconnectedAtMs = o.value(u"disconnected_at_ms"_s).toInteger();
    c.receiveMaximum = o.value(u"receive_maximum"_s).toInt(65535);
    c.maximumPacketSize = std::uint32_t(o.value(u"maximum_packet_size"_s).toInteger());
    c.topicAliasMaximum = o.value(u"topic_alias_maximum"_s).toInt();
    const QJsonObject will = o.value(u"will"_s).toObject();
    c.hasWill = !will.isEmpty();
    if (c.hasWill) {
        c.willTopic = will.value(u"topic"_s).toString().toUtf8();
        c.willPayload = QByteArray::fromBase64(will.value(u"payload_base64"_s).toString().toLatin1());
        c.willQos = will.value(u"qos"_s).toInt();
        c.willRetain = will.value(u"retain"_s).toBool();
        c.willDelayInterval = std::uint32_t(will.value(u"delay_interval"_s).toInteger());
    }
    return c;
}

QJsonObject toJson(const SubscriptionSnapshot &s)
{
    QJsonObject o{{u"client_id"_s, text(s.clientId)},
                  {u"filter"_s, text(s.filter)},
                  {u"qos"_s, s.qos},
                  {u"no_local"_s, s.noLocal},
                  {u"retain_as_published"_s, s.retainAsPublished},
                  {u"retain_handling"_s, s.retainHandling},
                  {u"identifier"_s, qint64(s.identifier)}};
    if (!s.shareGroup.isEmpty()) o.insert(u"share_group"_s, text(s.shareGroup));
    return o;
}

SubscriptionSnapshot subscriptionFromJson(const QJsonObject &o)
{
    SubscriptionSnapshot s;
    s.clientId = o.value(u"client_id"_s).toString().toUtf8();
    s.filter = o.value(u"filter"_s).toString().toUtf8();
    s.shareGroup = o.value(u"share_group"_s).toString().toUtf8();
    s.qos = o.value(u"qos"_s).toInt();
    s.noLocal = o.value(u"no_local"_s).toBool();
    s.retainAsPublished = o.value(u"retain_as_published"_s).toBool();
    s.retainHandling = o.value(u"retain_handling"_s).toInt();
    s.identifier = std::uint32_t(o.value(u"identifier"_s).toInteger());
    return s;
}

QJsonObject propertiesToJson(const Properties &p)
{
    QJsonObject o;
    if (p.has(PropertyId::PayloadFormatIndicator))
        o.insert(u"payload_format_indicator"_s, int(p.payloadFormatIndicator));
    if (p.has(PropertyId::MessageExpiryInterval))
        o.insert(u"message_expiry_interval"_s, qint64(p.messageExpiryInterval));
    if (p.has(PropertyId::ContentType)) o.insert(u"content_type"_s, text(p.contentType));
    if (p.has(PropertyId::ResponseTopic)) o.insert(u"response_topic"_s, text(p.responseTopic));
    if (p.has(PropertyId::CorrelationData))
        o.insert(u"correlation_data"_s, QString::fromLatin1(p.correlationData.toBase64()));
    if (!p.userProperties.isEmpty()) {
        QJsonArray users;
        for (const UserProperty &u : p.userProperties)
            users.append(QJsonArray{text(u.first), text(u.second)});
        o.insert(u"user_properties"_s, users);
    }
    return o;
}

bool propertiesFromJson(const QJsonObject &o, Properties &out, QString *error)
{
    const auto fail = [&](const QString &why) {
        if (error) *error = why;
        return false;
    };
    static const QStringList known = {
        u"payload_format_indicator"_s, u"message_expiry_interval"_s, u"content_type"_s,
        u"response_topic"_s,           u"correlation_data"_s,        u"user_properties"_s};
    for (auto it = o.begin(); it != o.end(); ++it) {
        if (!known.contains(it.key()))
            return fail(
                u"properties.%1: unknown property; expected one of: %2"_s.arg(it.key(), known.join(u", ")));
    }
    if (o.contains(u"payload_format_indicator"_s)) {
        const QJsonValue v = o.value(u"payload_format_indicator"_s);
        if (!v.isDouble() || (v.toInt(-1) != 0 && v.toInt(-1) != 1))
            return fail(u"properties.payload_format_indicator: expected 0 or 1"_s);
        out.payloadFormatIndicator = std::uint8_t(v.toInt());
        out.mark(PropertyId::PayloadFormatIndicator);
    }
    if (o.contains(u"message_expiry_interval"_s)) {
        const QJsonValue v = o.value(u"message_expiry_interval"_s);
        const qint64 n = v.toInteger(-1);
        if (!v.isDouble() || n < 0 || n > 0xFFFFFFFFLL)
            return fail(u"properties.message_expiry_interval: expected seconds, 0..4294967295"_s);
        out.messageExpiryInterval = std::uint32_t(n);
        out.mark(PropertyId::MessageExpiryInterval);
    }
    for (const auto &[key, field, id] :
         {std::tuple{u"content_type"_s, &Properties::contentType, PropertyId::ContentType},
          std::tuple{u"response_topic"_s, &Properties::responseTopic, PropertyId::ResponseTopic}}) {
        if (!o.contains(key)) continue;
        const QJsonValue v = o.value(key);
        if (!v.isString()) return fail(u"properties.%1: expected a string"_s.arg(key));
        out.*field = v.toString().toUtf8();
        out.mark(id);
    }
    if (out.has(PropertyId::ResponseTopic) && !isValidTopicName(out.responseTopic))
        return fail(u"properties.response_topic: not a valid topic name (no wildcards)"_s);
    if (o.contains(u"correlation_data"_s)) {
        const QJsonValue v = o.value(u"correlation_data"_s);
        if (!v.isString()) return fail(u"properties.correlation_data: expected base64 text"_s);
        auto decoded =
            QByteArray::fromBase64Encoding(v.toString().toLatin1(), QByteArray::AbortOnBase64DecodingErrors);
        if (!decoded) return fail(u"properties.correlation_data: not valid base64"_s);
        out.correlationData = *decoded;
        out.mark(PropertyId::CorrelationData);
    }
    if (o.contains(u"user_properties"_s)) {
        const QJsonValue v = o.value(u"user_properties"_s);
        if (!v.isArray()) return fail(u"properties.user_properties: expected a list of [key, value] pairs"_s);
        for (const QJsonValue &pair : v.toArray()) {
            const QJsonArray kv = pair.toArray();
            if (!pair.isArray() || kv.size() != 2 || !kv[0].isString() || !kv[1].isString())
                return fail(u"properties.user_properties: each entry must be [\"key\", \"value\"]"_s);
            out.userProperties.append({kv[0].toString().toUtf8(), kv[1].toString().toUtf8()});
        }
    }
    return true;
}

QJsonObject toJson(const RetainedSnapshot &r)
{
    const Publish &p = r.message;
    QJsonObject o{{u"topic"_s, text(p.topic)},
                  {u"payload"_s, payloadText(p.payload)},
                  {u"payload_base64"_s, QString::fromLatin1(p.payload.toBase64())},
                  {u"qos"_s, int(p.qos)},
                  {u"stored_at_ms"_s, r.storedAtMs},
                  {u"expires_at_ms"_s, r.expiresAtMs}};
    const QJsonObject props = propertiesToJson(p.properties);
    if (!props.isEmpty()) o.insert(u"properties"_s, props);
    return o;
}

RetainedSnapshot retainedFromJson(const QJsonObject &o)
{
    RetainedSnapshot r;
    r.message.topic = o.value(u"topic"_s).toString().toUtf8();
    r.message.payload = QByteArray::fromBase64(o.value(u"payload_base64"_s).toString().toLatin1());
    r.message.qos = std::uint8_t(o.value(u"qos"_s).toInt());
    r.message.retain = true;
    r.storedAtMs = o.value(u"stored_at_ms"_s).toInteger();
    r.expiresAtMs = o.value(u"expires_at_ms"_s).toInteger();
    propertiesFromJson(o.value(u"properties"_s).toObject(), r.message.properties, nullptr);
    return r;
}

} // namespace admin

bool BrokerAdmin::publish(const packets::Publish &message, QString *error) const
{
    BrokerCore *c = core();
    if (!c) {
        if (error) *error = u"the broker is not running"_s;
        return false;
    }
    return admin::publish(*c, message, error);
}

// ---- BrokerAdmin ---------------------------------------------------------------------------

QList<admin::ClientSnapshot> BrokerAdmin::clients() const
{
    BrokerCore *c = core();
    return c ? admin::clients(*c) : QList<admin::ClientSnapshot>();
}

std::optional<admin::ClientSnapshot> BrokerAdmin::client(const QByteArray &clientId) const
{
    BrokerCore *c = core();
    return c ? admin::client(*c, clientId) : std::nullopt;
}

QList<admin::SubscriptionSnapshot> BrokerAdmin::subscriptions() const
{
    BrokerCore *c = core();
    return c ? admin::subscriptions(*c) : QList<admin::SubscriptionSnapshot>();
}

QList<admin::RetainedSnapshot> BrokerAdmin::retained() const
{
    BrokerCore *c = core();
    return c ? admin::retained(*c, nowMs()) : QList<admin::RetainedSnapshot>();
}

admin::Result BrokerAdmin::disconnectClient(const QByteArray &clientId, std::uint8_t reason) const
{
    BrokerCore *c = core();
    return c ? admin::disconnectClient(*c, clientId, reason) : admin::Result::NotFound;
}

admin::Result BrokerAdmin::moveClient(const QByteArray &clientId, int worker) const
{
    BrokerCore *c = core();
    return c ? admin::moveClient(*c, clientId, worker) : admin::Result::NotFound;
}

admin::Result BrokerAdmin::deleteSession(const QByteArray &clientId) const
{
    BrokerCore *c = core();
    return c ? admin::deleteSession(*c, clientId) : admin::Result::NotFound;
}

admin::Result BrokerAdmin::deleteRetained(const QByteArray &topic) const
{
    BrokerCore *c = core();
    return c ? admin::deleteRetained(*c, topic) : admin::Result::NotFound;
}

} // namespace petrel
