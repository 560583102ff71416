#include "adminapi.h"

#include "broker/admin.h"
#include "broker/brokercore.h"
#include "broker/logring.h"
#include "broker/messagering.h"
#include "packets/codec.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QUrlQuery>

#include <algorithm>
#include <unistd.h>

namespace petrel {

using namespace Qt::StringLiterals;

namespace {

constexpr int kMaxClientPage = 100000;

QByteArray json(const QJsonObject &o)
{
    return QJsonDocument(o).toJson(QJsonDocument::Compact) + '\n';
}

AdminResponse reply(int status, const QJsonObject &o)
{
    return AdminResponse{status, json(o), {}};
}

AdminResponse error(int status, const QString &message)
{
    return reply(status, QJsonObject{{u"error"_s, message}});
}

AdminResponse methodNotAllowed(const QByteArray &allow)
{
    AdminResponse r = error(405, u"method not allowed; use %1"_s.arg(QString::fromLatin1(allow)));
    r.headers.append(qMakePair(QByteArray("Allow"), allow));
    return r;
}

// Constant-time comparison: the time taken does not tell how much of a guess was right.
bool sameSecret(const QByteArray &a, const QByteArray &b)
{
    unsigned char diff = a.size() == b.size() ? 0 : 1;
    const qsizetype n = std::min(a.size(), b.size());
    for (qsizetype i = 0; i < n; ++i)
        diff |= static_cast<unsigned char>(a[i] ^ b[i]);
    return diff == 0;
}

qint64 residentBytes()
{
    QFile f(u"/proc/self/statm"_s);
    if (!f.open(QIODevice::ReadOnly)) return 0;
    const QList<QByteArray> parts = f.readAll().split(' ');
    if (parts.size() < 2) return 0;
    return parts[1].toLongLong() * qint64(::sysconf(_SC_PAGESIZE));
}

QJsonObject statsJson(const BrokerStats &s)
{
    const qint64 now = nowMs();
    return QJsonObject{{u"started_at_ms"_s, s.startedAtMs},
                       {u"uptime_seconds"_s, s.startedAtMs ? (now - s.startedAtMs) / 1000 : 0},
                       {u"time_ms"_s, now},
                       {u"clients_connected"_s, s.clientsConnected},
                       {u"clients_total"_s, s.clientsTotal},
                       {u"clients_maximum"_s, s.clientsMaximum},
                       {u"messages_received"_s, s.messagesReceived},
                       {u"messages_sent"_s, s.messagesSent},
                       {u"messages_dropped"_s, s.messagesDropped},
                       {u"bytes_received"_s, s.bytesReceived},
                       {u"bytes_sent"_s, s.bytesSent},
                       {u"packets_received"_s, s.packetsReceived},
                       {u"packets_sent"_s, s.packetsSent},
                       {u"subscriptions"_s, s.subscriptions},
                       {u"retained"_s, s.retained},
                       {u"inflight"_s, s.inflight},
                       {u"threads"_s, s.threads},
                       {u"connections_moved"_s, s.connectionsMoved},
                       {u"memory_rss_bytes"_s, residentBytes()}};
}

AdminResponse resultReply(admin::Result r)
{
    switch (r) {
    case admin::Result::Done:
        return reply(200, QJsonObject{{u"ok"_s, true}});
    case admin::Result::NotFound:
        return error(404, QString::fromLatin1(admin::describe(r)));
    case admin::Result::NotConnected:
        return error(409, QString::fromLatin1(admin::describe(r)));
    case admin::Result::BadReason:
    case admin::Result::BadWorker:
        return error(400, QString::fromLatin1(admin::describe(r)));
    case admin::Result::Timeout:
        return error(503, QString::fromLatin1(admin::describe(r)));
    }
    return error(500, u"unexpected result"_s);
}

// Body as a JSON object; an empty body is an empty object.
std::optional<QJsonObject> bodyObject(const QByteArray &body, AdminResponse *fail)
{
    if (body.trimmed().isEmpty()) return QJsonObject();
    QJsonParseError pe;
    const QJsonDocument doc = QJsonDocument::fromJson(body, &pe);
    if (pe.error != QJsonParseError::NoError) {
        *fail =
            error(400, u"the body is not valid JSON: %1 at offset %2"_s.arg(pe.errorString()).arg(pe.offset));
        return std::nullopt;
    }
    if (!doc.isObject()) {
        *fail = error(400, u"the body must be a JSON object"_s);
        return std::nullopt;
    }
    return doc.object();
}

AdminResponse publish(BrokerCore &core, const QByteArray &body)
{
    AdminResponse fail;
    const auto o = bodyObject(body, &fail);
    if (!o) return fail;
    static const QStringList known = {u"topic"_s, u"payload"_s, u"payload_base64"_s,
                                      u"qos"_s,   u"retain"_s,  u"properties"_s};
    for (auto it = o->begin(); it != o->end(); ++it)
        if (!known.contains(it.key()))
            return error(400, u"unknown key \"%1\"; expected: %2"_s.arg(it.key(), known.join(u", ")));
    packets::Publish p;
    const QJsonValue topic = o->value(u"topic"_s);
    if (!topic.isString() || topic.toString().isEmpty())
        return error(400, u"\"topic\" is required (a string)"_s);
    p.topic = topic.toString().toUtf8();
    if (o->contains(u"payload"_s) && o->contains(u"payload_base64"_s))
        return error(400, u"give \"payload\" or \"payload_base64\", not both"_s);
    if (o->contains(u"payload"_s)) {
        const QJsonValue v = o->value(u"payload"_s);
        if (!v.isString())
            return error(400, u"\"payload\" must be a string (use payload_base64 for bytes)"_s);
        p.payload = v.toString().toUtf8();
    } else if (o->contains(u"payload_base64"_s)) {
        const QJsonValue v = o->value(u"payload_base64"_s);
        auto decoded =
            QByteArray::fromBase64Encoding(v.toString().toLatin1(), QByteArray::AbortOnBase64DecodingErrors);
        if (!v.isString() || !decoded) return error(400, u"\"payload_base64\" is not valid base64"_s);
        p.payload = *decoded;
    }
    if (o->contains(u"qos"_s)) {
        const QJsonValue v = o->value(u"qos"_s);
        const int qos = v.toInt(-1);
        if (!v.isDouble() || qos < 0 || qos > 2) return error(400, u"\"qos\" must be 0, 1 or 2"_s);
        p.qos = std::uint8_t(qos);
    }
    if (o->contains(u"retain"_s)) {
        const QJsonValue v = o->value(u"retain"_s);
        if (!v.isBool()) return error(400, u"\"retain\" must be true or false"_s);
        p.retain = v.toBool();
    }
    if (o->contains(u"properties"_s)) {
        const QJsonValue v = o->value(u"properties"_s);
        if (!v.isObject()) return error(400, u"\"properties\" must be an object"_s);
        QString why;
        if (!admin::propertiesFromJson(v.toObject(), p.properties, &why)) return error(400, why);
    }
    QString why;
    if (!admin::publish(core, p, &why)) return error(400, u"topic \"%1\": %2"_s.arg(topic.toString(), why));
    return reply(200, QJsonObject{{u"ok"_s, true}});
}

AdminResponse logTail(const QUrlQuery &query)
{
    bool ok = true;
    qint64 after = 0;
    int limit = 500;
    QtMsgType minimum = QtDebugMsg;
    if (query.hasQueryItem(u"after"_s)) {
        after = query.queryItemValue(u"after"_s).toLongLong(&ok);
        if (!ok || after < 0) return error(400, u"after: expected a sequence number >= 0"_s);
    }
    if (query.hasQueryItem(u"limit"_s)) {
        limit = query.queryItemValue(u"limit"_s).toInt(&ok);
        if (!ok || limit < 1 || limit > LogRing::kDefaultCapacity)
            return error(400, u"limit: expected 1..%1"_s.arg(LogRing::kDefaultCapacity));
    }
    if (query.hasQueryItem(u"level"_s)) {
        minimum = LogRing::levelFromName(query.queryItemValue(u"level"_s), &ok);
        if (!ok) return error(400, u"level: expected debug, info, warning, critical or fatal"_s);
    }
    // QtMsgType is not ordered by severity (info is 4): rank them.
    const auto rank = [](QtMsgType t) {
        switch (t) {
        case QtDebugMsg:
            return 0;
        case QtInfoMsg:
            return 1;
        case QtWarningMsg:
            return 2;
        case QtCriticalMsg:
            return 3;
        case QtFatalMsg:
            return 4;
        }
        return 1;
    };
    const QList<LogEntry> entries = LogRing::instance().since(after, limit);
    QJsonArray out;
    qint64 last = after;
    for (const LogEntry &e : entries) {
        last = e.seq;
        if (rank(e.type) < rank(minimum)) continue;
        out.append(QJsonObject{{u"seq"_s, e.seq},
                               {u"time_ms"_s, e.timeMs},
                               {u"level"_s, LogRing::levelName(e.type)},
                               {u"category"_s, e.category},
                               {u"message"_s, e.message}});
    }
    return reply(200, QJsonObject{{u"entries"_s, out},
                                  {u"next_after"_s, std::max(last, after)},
                                  {u"enabled"_s, LogRing::isInstalled()}});
}

// GET /api/v1/clients: every session, or one page of them. Pages are keyed by client id
// (the list is sorted by id): `?after_id=X&limit=N` gives the first N clients whose id sorts
// after X, so a walk of the pages sees every client that stays connected exactly once even
// while others come and go (an offset would skip or repeat rows then).
AdminResponse clientList(BrokerCore &core, const QString &what, const QUrlQuery &query)
{
    qsizetype limit = -1;
    if (query.hasQueryItem(u"limit"_s)) {
        bool ok = false;
        limit = query.queryItemValue(u"limit"_s).toInt(&ok);
        if (!ok || limit < 1 || limit > kMaxClientPage)
            return error(400, u"limit: expected 1..%1"_s.arg(kMaxClientPage));
    }
    const bool paged = limit > 0 || query.hasQueryItem(u"after_id"_s);
    const QByteArray afterId = query.queryItemValue(u"after_id"_s, QUrl::FullyDecoded).toUtf8();
    // Cluster mode: the whole cluster's, unless ?scope=local (sorted by id either way).
    bool complete = true;
    const bool local = query.queryItemValue(u"scope"_s) == u"local"_s;
    const QList<admin::ClientSnapshot> all =
        local ? admin::clients(core) : admin::clusterClients(core, &complete);
    auto it = all.cbegin();
    if (!afterId.isEmpty())
        it = std::upper_bound(
            all.cbegin(), all.cend(), afterId,
            [](const QByteArray &id, const admin::ClientSnapshot &c) { return id < c.clientId; });
    QJsonArray list;
    for (qsizetype n = 0; it != all.cend() && (limit < 0 || n < limit); ++it, ++n)
        list.append(admin::toJson(*it));
    QJsonObject o{{what, list}};
    if (!complete) o.insert(u"cluster_incomplete"_s, true);
    if (paged) {
        o.insert(u"total"_s, qint64(all.size()));
        if (it != all.cend()) o.insert(u"next_after_id"_s, QString::fromUtf8((it - 1)->clientId));
    }
    return reply(200, o);
}

AdminResponse messageTail(BrokerCore &core, const QUrlQuery &query)
{
    bool ok = true;
    qint64 after = 0;
    int limit = 1000;
    if (query.hasQueryItem(u"after"_s)) {
        after = query.queryItemValue(u"after"_s).toLongLong(&ok);
        if (!ok || after < 0) return error(400, u"after: expected a sequence number >= 0"_s);
    }
    if (query.hasQueryItem(u"limit"_s)) {
        limit = query.queryItemValue(u"limit"_s).toInt(&ok);
        if (!ok || limit < 1 || limit > MessageRing::kDefaultCapacity)
            return error(400, u"limit: expected 1..%1"_s.arg(MessageRing::kDefaultCapacity));
    }
    const QByteArray filter = query.queryItemValue(u"filter"_s, QUrl::FullyDecoded).toUtf8();
    if (!filter.isEmpty() && !packets::isValidTopicFilter(filter))
        return error(400, u"filter: not a valid topic filter"_s);
    QJsonArray out;
    qint64 last = after;
    if (core.messageRing) {
        last = std::max(after, core.messageRing->lastSeq());
        for (const RecordedMessage &m : core.messageRing->since(after, limit, filter)) {
            QJsonObject o{{u"seq"_s, m.seq},
                          {u"time_ms"_s, m.timeMs},
                          {u"client_id"_s, QString::fromUtf8(m.clientId)},
                          {u"topic"_s, QString::fromUtf8(m.topic)},
                          {u"payload_base64"_s, QString::fromLatin1(m.payload.toBase64())},
                          {u"qos"_s, m.qos},
                          {u"retain"_s, m.retain}};
            if (packets::isValidUtf8(m.payload)) o.insert(u"payload"_s, QString::fromUtf8(m.payload));
            const QJsonObject props = admin::propertiesToJson(m.properties);
            if (!props.isEmpty()) o.insert(u"properties"_s, props);
            out.append(o);
        }
    }
    return reply(
        200,
        QJsonObject{{u"messages"_s, out}, {u"next_after"_s, last}, {u"enabled"_s, bool(core.messageRing)}});
}

} // namespace

bool isAdminApiPath(const QString &path)
{
    return path == u"/api" || path.startsWith(u"/api/");
}

AdminResponse handleAdminApi(const AdminRequest &request, BrokerCore &core, const QString &token,
                             const std::function<BrokerStats()> &stats)
{
    if (token.isEmpty())
        return error(
            403, u"the admin API is disabled on this listener: set admin_token on it (docs/admin-api.md)"_s);
    const QByteArray expected = "Bearer " + token.toUtf8();
    if (!sameSecret(request.authorization.trimmed(), expected)) {
        AdminResponse r =
            error(401, u"missing or wrong token: send \"Authorization: Bearer <admin_token>\""_s);
        r.headers.append(
            qMakePair(QByteArray("WWW-Authenticate"), QByteArray("Bearer realm=\"petrel-admin\"")));
        return r;
    }
    // Segments after /api/v1, percent-decoded one by one (a client id may contain '/').
    const QString encodedPath = request.url.path(QUrl::FullyEncoded);
    QStringList parts = encodedPath.split(u'/', Qt::SkipEmptyParts);
    if (parts.size() < 2 || parts[0] != u"api" || parts[1] != u"v1")
        return error(404,
                     u"unknown admin API path %1; the API lives under /api/v1/"_s.arg(request.url.path()));
    parts = parts.mid(2);
    for (QString &p : parts)
        p = QUrl::fromPercentEncoding(p.toLatin1());
    const QByteArray &m = request.method;
    const bool get = m == "GET" || m == "HEAD";
    const QUrlQuery query(request.url);
    const auto notFound = [&] { return error(404, u"unknown admin API path %1"_s.arg(request.url.path())); };
    if (parts.isEmpty()) return notFound();
    const QString &what = parts[0];

    if (what == u"stats" && parts.size() == 1) {
        if (!get) return methodNotAllowed("GET");
        return reply(200, statsJson(stats()));
    }
    if ((what == u"clients" || what == u"sessions") && parts.size() == 1) {
        if (!get) return methodNotAllowed("GET");
        return clientList(core, what, query);
    }
    if ((what == u"clients" || what == u"sessions") && parts.size() == 2) {
        const QByteArray id = parts[1].toUtf8();
        if (m == "DELETE") return resultReply(admin::deleteSession(core, id));
        if (!get) return methodNotAllowed("GET, DELETE");
        const auto c = admin::client(core, id);
        if (!c) return error(404, u"no client \"%1\""_s.arg(parts[1]));
        QJsonObject o = admin::toJson(*c);
        QJsonArray subs;
        for (const admin::SubscriptionSnapshot &s : admin::subscriptions(core))
            if (s.clientId == id) subs.append(admin::toJson(s));
        o.insert(u"subscription_list"_s, subs);
        return reply(200, o);
    }
    if (what == u"clients" && parts.size() == 3 && parts[2] == u"disconnect") {
        if (m != "POST") return methodNotAllowed("POST");
        AdminResponse fail;
        const auto o = bodyObject(request.body, &fail);
        if (!o) return fail;
        int reason = int(packets::ReasonCode::AdministrativeAction);
        if (o->contains(u"reason"_s)) {
            const QJsonValue v = o->value(u"reason"_s);
            reason = v.toInt(-1);
            if (!v.isDouble() || reason < 0 || reason > 255)
                return error(400, u"\"reason\" must be a reason code number 0..255"_s);
        }
        return resultReply(admin::disconnectClient(core, parts[1].toUtf8(), std::uint8_t(reason)));
    }
    if (what == u"subscriptions" && parts.size() == 1) {
        if (!get) return methodNotAllowed("GET");
        const QByteArray client = query.queryItemValue(u"client"_s, QUrl::FullyDecoded).toUtf8();
        QJsonArray list;
        for (const admin::SubscriptionSnapshot &s : admin::subscriptions(core))
            if (client.isEmpty() || s.clientId == client) list.append(admin::toJson(s));
        return reply(200, QJsonObject{{u"subscriptions"_s, list}});
    }
    if (what == u"retained" && parts.size() == 1) {
        if (m == "DELETE") {
            if (!query.hasQueryItem(u"topic"_s))
                return error(400, u"give the topic: DELETE /api/v1/retained?topic=..."_s);
            return resultReply(
                admin::deleteRetained(core, query.queryItemValue(u"topic"_s, QUrl::FullyDecoded).toUtf8()));
        }
        if (!get) return methodNotAllowed("GET, DELETE");
        QJsonArray list;
        for (const admin::RetainedSnapshot &r : admin::retained(core, nowMs()))
            list.append(admin::toJson(r));
        return reply(200, QJsonObject{{u"retained"_s, list}});
    }
    if (what == u"log" && parts.size() == 1) {
        if (!get) return methodNotAllowed("GET");
        return logTail(query);
    }
    if (what == u"messages" && parts.size() == 1) {
        if (!get) return methodNotAllowed("GET");
        return messageTail(core, query);
    }
    if (what == u"publish" && parts.size() == 1) {
        if (m != "POST") return methodNotAllowed("POST");
        return publish(core, request.body);
    }
    return notFound();
}

} // namespace petrel
