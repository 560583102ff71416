#include "clusternode.h"

#include "broker/brokercore.h"
#include "broker/subscriptionmerge.h"
#include "broker/worker.h"
#include "packets/codec.h"
#include "redis/redisclient.h"

#include <QCoreApplication>
#include <QDataStream>
#include <QDateTime>
#include <QElapsedTimer>
#include <QHostInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QThread>
#include <QTimer>

#include <chrono>
#include <deque>
#include <map>
#include <set>

Q_LOGGING_CATEGORY(lcCluster, "petrel.cluster")

namespace petrel::cluster {

using packets::ProtocolVersion;
using packets::Publish;

namespace {

// Control messages on <p>:ctl.
enum class Ctl : quint8 {
    RouteAdd = 1,
    RouteDel = 2,
    NodeUp = 3,
    NodeDown = 4,
    Claim = 5,
    Retain = 6,
    Park = 7,  // arg: client id, extra: session record
    Unpark = 8 // arg: client id
};

// 2: each message carries the shared groups its target serves; 3: the sender's run id and a
// sequence number per message (0 for QoS 0), for deduplication of QoS 1/2 messages.
constexpr quint32 kFrameVersion = 3;
constexpr int kReloadEveryTicks = 30; // anti-entropy: full route reload every 30 heartbeats

QByteArray encodeControl(Ctl kind, const QByteArray &node, const QByteArray &arg,
                         const QByteArray &extra = {})
{
    QByteArray out;
    QDataStream ds(&out, QIODevice::WriteOnly);
    ds << quint8(kind) << node << arg << extra;
    return out;
}

constexpr std::uint32_t kNeverExpires = 0xFFFFFFFF;

// A message as it crosses nodes: origin, times and the PUBLISH (MQTT 5 encoding, so every
// property travels).
QByteArray encodeMessage(const Message &m)
{
    Publish p = m.publish;
    p.dup = false;
    p.packetId = p.qos ? 1 : 0;
    QByteArray packet;
    packets::encodePublish(p, ProtocolVersion::V5, packet);
    QByteArray out;
    QDataStream ds(&out, QIODevice::WriteOnly);
    ds << m.originClientId << m.createdAtMs << m.expiresAtMs << packet << m.clusterId;
    return out;
}

std::shared_ptr<Message> decodeMessage(const QByteArray &bytes, const QByteArray &fromNode)
{
    QDataStream ds(bytes);
    auto m = std::make_shared<Message>();
    QByteArray packet;
    ds >> m->originClientId >> m->createdAtMs >> m->expiresAtMs >> packet;
    if (ds.status() != QDataStream::Ok) return nullptr;
    if (!ds.atEnd()) ds >> m->clusterId;
    packets::Packet decoded;
    if (packets::decodeOne(packet, ProtocolVersion::V5, decoded)) return nullptr;
    auto *p = std::get_if<Publish>(&decoded);
    if (!p) return nullptr;
    p->packetId = 0;
    p->dup = false;
    m->publish = std::move(*p);
    m->originNode = fromNode;
    return m;
}

// A parked session's record: everything but its messages.
QByteArray encodeRecord(const ParkedSession &p, qint64 expiresAtMs)
{
    QByteArray out;
    QDataStream ds(&out, QIODevice::WriteOnly);
    ds << quint8(p.version) << p.username << quint32(p.expiryInterval) << p.disconnectedAtMs << expiresAtMs
       << quint32(p.subscriptions.size());
    for (const auto &[filter, sub] : p.subscriptions)
        ds << filter << quint8(sub.options.qos) << sub.options.noLocal << sub.options.retainAsPublished
           << quint8(sub.options.retainHandling) << quint32(sub.identifier);
    return out;
}

bool decodeRecord(const QByteArray &bytes, ParkedSession &p, qint64 &expiresAtMs)
{
    QDataStream ds(bytes);
    quint8 version = 0;
    quint32 expiry = 0, count = 0;
    ds >> version >> p.username >> expiry >> p.disconnectedAtMs >> expiresAtMs >> count;
    if (ds.status() != QDataStream::Ok || count > 1000000) return false;
    p.version = ProtocolVersion(version);
    p.expiryInterval = expiry;
    for (quint32 i = 0; i < count; ++i) {
        QByteArray filter;
        quint8 qos = 0, rh = 0;
        bool noLocal = false, rap = false;
        quint32 id = 0;
        ds >> filter >> qos >> noLocal >> rap >> rh >> id;
        if (ds.status() != QDataStream::Ok) return false;
        SessionSubscription s;
        s.options.qos = qos;
        s.options.noLocal = noLocal;
        s.options.retainAsPublished = rap;
        s.options.retainHandling = rh;
        s.identifier = id;
        p.subscriptions.append({filter, s});
    }
    return true;
}

// One message in a parked session's queue.
QByteArray encodeQueued(const Outgoing &o)
{
    QByteArray out;
    QDataStream ds(&out, QIODevice::WriteOnly);
    ds << quint8(o.qos) << o.retain << quint32(o.subscriptionIds.size());
    for (std::uint32_t id : o.subscriptionIds)
        ds << quint32(id);
    ds << encodeMessage(*o.message());
    return out;
}

bool decodeQueued(const QByteArray &bytes, Outgoing &o)
{
    QDataStream ds(bytes);
    quint8 qos = 0;
    bool retain = false;
    quint32 n = 0;
    ds >> qos >> retain >> n;
    if (ds.status() != QDataStream::Ok || n > 1000) return false;
    for (quint32 i = 0; i < n; ++i) {
        quint32 id = 0;
        ds >> id;
        o.subscriptionIds.append(id);
    }
    QByteArray message;
    ds >> message;
    if (ds.status() != QDataStream::Ok) return false;
    o.setMessage(decodeMessage(message, QByteArrayLiteral("redis")));
    o.qos = qos;
    o.retain = retain;
    return o.message() != nullptr;
}

// The copies of `message` for offline sessions among matches.subscriptions (grouped here by
// subscriber): one per session, merged as BrokerCore::route does (broker/subscriptionmerge.h).
// QoS 0 copies are not made (not queued offline).
template <class Each>
void offlineCopies(topics::Matches &matches, const MessagePtr &message, Each &&each)
{
    auto &subs = matches.subscriptions;
    groupBySubscriber(subs);
    // No Local by client id: the publisher's session is not this node's object.
    const auto noLocal = [&](const topics::Subscription &s) {
        return s.options.noLocal && s.clientId == message->originClientId;
    };
    for (qsizetype i = 0; i < subs.size();) {
        const topics::SubscriberKey k = subs[i]->subscriber;
        Outgoing o;
        if (!mergeRun(subs, i, message->publish.qos, message->publish.retain, noLocal, o) || o.qos == 0)
            continue;
        o.setMessage(message);
        each(k, std::move(o));
    }
}

// A frame of messages from another node (pub/sub channel or inbox list).
struct Frame {
    QByteArray from, run;
    std::vector<std::pair<std::shared_ptr<Message>, quint64>> messages; // with their sequence
};

bool decodeFrame(const QByteArray &bytes, Frame &f)
{
    QDataStream ds(bytes);
    quint32 version = 0, count = 0;
    ds >> version >> f.from >> f.run >> count;
    if (ds.status() != QDataStream::Ok || version != kFrameVersion) return false;
    f.messages.reserve(std::min<quint32>(count, 4096));
    for (quint32 i = 0; i < count; ++i) {
        QByteArray message;
        QList<QByteArray> shared;
        quint64 seq = 0;
        ds >> message >> shared >> seq;
        if (ds.status() != QDataStream::Ok) return false;
        if (std::shared_ptr<Message> m = decodeMessage(message, f.from)) {
            m->sharedOnly = std::make_shared<const QSet<QByteArray>>(shared.cbegin(), shared.cend());
            if (seq) m->clusterId = f.run + ':' + QByteArray::number(seq);
            f.messages.push_back({std::move(m), seq});
        }
    }
    return true;
}

// A dead node's inbox (frames of QoS 1/2 messages it had not consumed), for sessions it held:
// each session gets the messages its subscriptions match that it does not have already (by
// cluster id: the dead node may have queued some before it died), appended to its messages.
void inboxCopies(const QList<redis::Reply> &frames, const std::vector<ParkedSession *> &sessions)
{
    topics::SubscriptionTree tree;
    std::vector<QSet<QByteArray>> have(sessions.size());
    for (size_t i = 0; i < sessions.size(); ++i) {
        for (const auto &[filter, sub] : std::as_const(sessions[i]->subscriptions)) {
            if (topics::splitSharedFilter(filter).isShared()) continue;
            topics::Subscription s;
            s.subscriber = topics::SubscriberKey(i + 1);
            s.clientId = sessions[i]->clientId;
            s.filter = filter;
            s.options = sub.options;
            s.identifier = sub.identifier;
            tree.subscribe(s);
        }
        for (const Outgoing &o : sessions[i]->messages)
            if (!o.message()->clusterId.isEmpty()) have[i].insert(o.message()->clusterId);
    }
    topics::Matches matches;
    for (const redis::Reply &bytes : frames) {
        Frame f;
        if (!decodeFrame(bytes.string, f)) continue;
        for (const auto &entry : f.messages) {
            if (!entry.second) continue;
            const MessagePtr m = entry.first; // not a structured binding: captured below
            matches.clear();
            tree.match(m->publish.topic, matches);
            offlineCopies(matches, m, [&](topics::SubscriberKey k, Outgoing &&o) {
                const size_t i = size_t(k - 1);
                if (have[i].contains(m->clusterId)) return;
                have[i].insert(m->clusterId);
                sessions[i]->messages.push_back(std::move(o));
            });
        }
    }
}

// Pending messages of a written-through session (hash sequence -> message), oldest first.
#define PETREL_LUA_SORTED_PENDING                                                                            \
    "local function sortedPending(key) "                                                                     \
    "  local h = redis.call('HGETALL', key) local rows = {} "                                                \
    "  for i = 1, #h, 2 do rows[#rows + 1] = {tonumber(h[i]), h[i + 1]} end "                                \
    "  table.sort(rows, function(a, b) return a[1] < b[1] end) "                                             \
    "  local out = {} for i = 1, #rows do out[i] = rows[i][2] end return out end "

// Resume of a session for a client connecting here (ARGV: prefix, client id, this node):
//   {"parked", record, messages, inbound QoS 2 ids}: it was parked, now taken out of Redis;
//   {"adopted", record, messages, owner, owner's inbox, inbound QoS 2 ids}: it was connected on
//      a node that died;
//      taken over (the inbox read in the same script: the node declaring the owner dead may
//      take and delete it right after);
//   {"wait", owner}: it is connected on a node whose liveness key still lives;
//   {"none"}: no session of this id in the cluster.
const QByteArray kResumeScript = PETREL_LUA_SORTED_PENDING
    "local p, id, me = ARGV[1], ARGV[2], ARGV[3] "
    "if redis.call('EXISTS', p .. 'adopting:' .. id) == 1 then return {'wait', 'adopting'} end "
    "local rec = redis.call('GET', p .. 'session:' .. id) "
    "if rec then "
    "  local q = redis.call('LRANGE', p .. 'queue:' .. id, 0, -1) "
    "  local ids = redis.call('SMEMBERS', p .. 'qos2:' .. id) "
    "  redis.call('DEL', p .. 'session:' .. id, p .. 'queue:' .. id, p .. 'qos2:' .. id) "
    "  redis.call('SREM', p .. 'parked', id) "
    "  return {'parked', rec, q, ids} end "
    "local owner = redis.call('HGET', p .. 'clients', id) "
    "if not owner or owner == me then return {'none'} end "
    "local live = p .. 'live:' .. owner .. ':' .. id "
    "rec = redis.call('GET', live) "
    "if not rec then return {'none'} end "
    "if redis.call('EXISTS', p .. 'alive:' .. owner) == 1 then return {'wait', owner} end "
    "local pending = p .. 'pending:' .. owner .. ':' .. id "
    "local msgs = sortedPending(pending) "
    "local q2 = p .. 'qos2:' .. owner .. ':' .. id "
    "local ids = redis.call('SMEMBERS', q2) "
    "redis.call('DEL', live, pending, q2) "
    "redis.call('HDEL', p .. 'lives:' .. owner, id) "
    "redis.call('HDEL', p .. 'clients', id) "
    "local inbox = redis.call('LRANGE', p .. 'inbox:' .. owner, 0, -1) "
    "return {'adopted', rec, msgs, owner, inbox, ids}";

// A node was declared dead (ARGV: prefix, node). Nothing happens ({0}) if its liveness key
// exists (checked here, atomically with the rest: it may have come back since the caller
// looked). Only the first caller does anything (the one that removes the node's entry; others
// get {0}): its entry, counters and route set go; its written-through sessions whose client id
// is still its own become parked sessions (record, queue with the pending messages first,
// expiry from now), its other written-through state goes, and so do its <p>clients entries;
// its inbox is taken (read and deleted). Each parked session gets <p>adopting:<id> (5 s at
// most): a resume waits until the caller has queued the inbox's messages for it and deleted it.
// Returns {1, inbox frames, then id, record, pending messages, expires at (ms, 0 = never) per
// session parked}. ARGV[3] "1": a node starting parks what its own previous run left (that run
// is dead: this one holds the liveness key); its entry stays.
const QByteArray kAdoptScript = PETREL_LUA_SORTED_PENDING
    "local p, node, self = ARGV[1], ARGV[2], ARGV[3] == '1' "
    "if not self then "
    "  if redis.call('EXISTS', p .. 'alive:' .. node) == 1 then return {0} end "
    "  if redis.call('HDEL', p .. 'nodes', node) == 0 then return {0} end end "
    "redis.call('HDEL', p .. 'stats', node) "
    "redis.call('DEL', p .. 'routes:' .. node) "
    "local inbox = redis.call('LRANGE', p .. 'inbox:' .. node, 0, -1) "
    "redis.call('DEL', p .. 'inbox:' .. node) "
    "local t = redis.call('TIME') "
    "local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) "
    "local lives = redis.call('HGETALL', p .. 'lives:' .. node) "
    "local out = {1, inbox} "
    "for i = 1, #lives, 2 do "
    "  local id, expiry = lives[i], tonumber(lives[i + 1]) "
    "  local live, pending = p .. 'live:' .. node .. ':' .. id, p .. 'pending:' .. node .. ':' .. id "
    "  local q2 = p .. 'qos2:' .. node .. ':' .. id "
    "  local rec = redis.call('GET', live) "
    "  if rec and redis.call('HGET', p .. 'clients', id) == node then "
    "    local queue = p .. 'queue:' .. id "
    "    local msgs = sortedPending(pending) "
    "    for k = #msgs, 1, -1 do redis.call('LPUSH', queue, msgs[k]) end "
    "    redis.call('SET', p .. 'session:' .. id, rec) "
    "    redis.call('DEL', p .. 'qos2:' .. id) "
    "    if redis.call('EXISTS', q2) == 1 then redis.call('RENAME', q2, p .. 'qos2:' .. id) end "
    "    local at = 0 "
    "    if expiry ~= 4294967295 then "
    "      at = now + expiry * 1000 "
    "      redis.call('PEXPIREAT', p .. 'session:' .. id, at) "
    "      redis.call('PEXPIREAT', p .. 'qos2:' .. id, at) "
    "      redis.call('PEXPIREAT', queue, at) end "
    "    redis.call('SADD', p .. 'parked', id) "
    "    redis.call('SET', p .. 'adopting:' .. id, '1', 'PX', 5000) "
    "    out[#out + 1] = id out[#out + 1] = rec out[#out + 1] = msgs out[#out + 1] = at end "
    "  redis.call('DEL', live, pending, q2) end "
    "redis.call('DEL', p .. 'lives:' .. node) "
    "local clients = redis.call('HGETALL', p .. 'clients') "
    "for i = 1, #clients, 2 do "
    "  if clients[i + 1] == node then redis.call('HDEL', p .. 'clients', clients[i]) end end "
    "return out";
#undef PETREL_LUA_SORTED_PENDING

// Reads and deletes a dead node's inbox (ARGV: prefix, node).
const QByteArray kTakeInboxScript = "local k = ARGV[1] .. 'inbox:' .. ARGV[2] "
                                    "local f = redis.call('LRANGE', k, 0, -1) redis.call('DEL', k) return f";

} // namespace

// ---- the cluster thread --------------------------------------------------------------------

class Engine : public QObject {
public:
    explicit Engine(ClusterNode &node) : n(node) {}
    // The connections go first: their pending callbacks hold snapshots of this object's.
    ~Engine() override
    {
        delete client;
        client = nullptr;
        delete sub;
        sub = nullptr;
    }

    struct RouteEvent {
        enum Kind { Add, Del, Down, Loaded } kind;
        quint64 seq;
        QByteArray node, filter;
        QSet<QByteArray> filters; // Loaded: the node's entry after its load
    };
    struct Snapshot {
        Engine *engine;
        quint64 since; // events after this one are applied again on top
        ~Snapshot() { engine->snapshotDone(since); }
    };

    void start()
    {
        redis::Settings s;
        QString why;
        redis::parseAddress(n.m_options.redisAddress, s, &why); // checked in init()
        s.username = n.m_options.redisUsername;
        s.password = n.m_options.redisPassword;
        s.database = n.m_options.redisDatabase;
        s.maxBackoffMs = 2000;
        client = new redis::Client(s, this);
        sub = new redis::Subscriber(s, this);
        QObject::connect(client, &redis::Client::connected, this, [this] { onConnected(); });
        QObject::connect(client, &redis::Client::disconnected, this, [this](const QString &reason) {
            n.m_redisUp.store(false, std::memory_order_relaxed);
            qCWarning(lcCluster).noquote() << "Redis connection lost:" << reason << "(retrying)";
        });
        QObject::connect(sub, &redis::Subscriber::connected, this, [this] {
            subReady = true;
            if (client->isConnected()) reload();
        });
        QObject::connect(sub, &redis::Subscriber::disconnected, this,
                         [this](const QString &) { subReady = false; });
        QObject::connect(
            sub, &redis::Subscriber::message, this,
            [this](const QByteArray &channel, const QByteArray &payload) { onMessage(channel, payload); });
        sub->subscribe(n.key("ctl"));
        sub->subscribe(n.key("msg:" + n.m_nodeId));
        heartbeat = new QTimer(this);
        heartbeat->setInterval(n.m_options.heartbeatMs);
        QObject::connect(heartbeat, &QTimer::timeout, this, [this] { onHeartbeat(); });
        heartbeat->start();
        client->open();
        sub->open();
    }

    // Leaves the cluster: liveness key, node entry and routes removed, the others told.
    void goodbye(std::function<void()> done)
    {
        heartbeat->stop();
        if (!client->isConnected()) {
            done();
            return;
        }
        const QByteArray me = n.m_nodeId;
        client->pipeline({{"DEL", n.key("alive:" + me)},
                          {"HDEL", n.key("nodes"), me},
                          {"HDEL", n.key("stats"), me},
                          {"DEL", n.key("routes:" + me)},
                          {"PUBLISH", n.key("ctl"), encodeControl(Ctl::NodeDown, me, {})}},
                         [done](const QList<redis::Reply> &) { done(); });
    }

    // Sends what the workers queued: commands, control messages, one PUBLISH per target node.
    void flush()
    {
        ClusterNode::Outbox box;
        std::uint64_t upTo = 0;     // every change counted up to here is in `box`
        std::uint64_t holdUpTo = 0; // every hold ticket issued up to here is in `box`
        {
            std::lock_guard lock(n.m_queueLock);
            upTo = n.m_writeSeq.load(std::memory_order_relaxed);
            holdUpTo = n.m_holdSeq.load(std::memory_order_relaxed);
            std::swap(box.durable, n.m_outbox.durable);
            std::swap(box.durableCommands, n.m_outbox.durableCommands);
            box.heldMessages = std::exchange(n.m_outbox.heldMessages, 0);
            std::swap(box.messages, n.m_outbox.messages);
            std::swap(box.control, n.m_outbox.control);
            std::swap(box.commands, n.m_outbox.commands);
            n.m_outbox.wakePending = false;
        }
        // QoS 1/2 for other nodes and parked sessions: kept until Redis has stored them.
        QList<QList<QByteArray>> durableCmds;
        auto frames = [&](QList<QList<QByteArray>> &cmds, const auto &perNode, bool durable) {
            for (auto it = perNode.cbegin(); it != perNode.cend(); ++it) {
                QByteArray frame;
                QDataStream ds(&frame, QIODevice::WriteOnly);
                ds << kFrameVersion << n.m_nodeId << runId << quint32(it->size());
                for (const auto &[m, shared] : *it)
                    ds << encodeMessage(*m) << shared << quint64(durable ? ++sendSeq : 0);
                if (durable) {
                    // Kept in the target's inbox until it has queued them; the empty
                    // PUBLISH wakes it up.
                    cmds.append({"RPUSH", n.key("inbox:" + it.key()), frame});
                    cmds.append({"PUBLISH", n.key("msg:" + it.key()), QByteArray()});
                } else {
                    cmds.append({"PUBLISH", n.key("msg:" + it.key()), frame});
                }
                n.m_forwarded.fetch_add(qint64(it->size()), std::memory_order_relaxed);
                n.m_batches.fetch_add(1, std::memory_order_relaxed);
            }
        };
        frames(durableCmds, box.durable, true);
        durableCmds.append(box.durableCommands);
        if (!durableCmds.isEmpty()) {
            held.push_back({std::move(durableCmds), holdUpTo, box.heldMessages});
            unstored.emplace(holdUpTo, std::make_pair(false, box.heldMessages));
        }
        if (!client->isConnected()) {
            qint64 lost = 0;
            for (const auto &v : std::as_const(box.messages))
                lost += qint64(v.size());
            // Write-through is given up while Redis is away (the session is in memory here).
            n.released(upTo);
            const qint64 now = QDateTime::currentMSecsSinceEpoch();
            if (lost) n.m_dropped.fetch_add(lost, std::memory_order_relaxed);
            if ((lost || box.heldMessages) && now - lastDropLogMs >= 1000) {
                qCWarning(lcCluster).noquote()
                    << "Redis unreachable:" << lost << "QoS 0 message(s) for other nodes dropped,"
                    << n.m_heldMessages.load(std::memory_order_relaxed)
                    << "QoS 1/2 message(s) kept until it is back (their publishers wait)";
                lastDropLogMs = now;
            }
            // Route changes are re-sent in full on reconnect (register()); the rest is lost.
            return;
        }
        QList<QList<QByteArray>> cmds = std::move(box.commands);
        for (const QByteArray &c : box.control)
            cmds.append({"PUBLISH", n.key("ctl"), c});
        frames(cmds, box.messages, false);
        if (cmds.isEmpty()) {
            n.released(upTo);
        } else if (upTo > releasedUpTo) {
            releasedUpTo = upTo;
            // Replies come in order: when this batch's last one is here, all of it is in
            // Redis (or the connection was lost: given up, counted as errors).
            client->pipeline(std::move(cmds),
                             [this, upTo](const QList<redis::Reply> &) { n.released(upTo); });
        } else {
            client->pipeline(std::move(cmds));
        }
        sendHeld(); // after this pass's commands (a park before a message for its queue)
    }

    // Sends the kept QoS 1/2 commands, oldest first, one pipeline per flush pass. A batch all
    // of whose replies are fine is stored: hold tickets are released in order up to the
    // newest whose batch and all batches before it are stored. A batch with an error reply
    // (connection lost, Redis refusing writes) is kept and sent again on reconnect or at the
    // next heartbeat: the target drops inbox messages it has already taken (by sender run
    // and sequence); a parked session's queue may get a QoS 1/2 copy twice.
    void sendHeld()
    {
        while (!held.empty() && client->isConnected()) {
            HeldBatch batch = std::move(held.front());
            held.pop_front();
            QList<QList<QByteArray>> cmds = batch.cmds;
            client->pipeline(std::move(cmds), [this, batch = std::move(batch)](const QList<redis::Reply> &r) {
                for (const redis::Reply &reply : r) {
                    if (reply.isError()) {
                        held.push_back(batch);
                        return;
                    }
                }
                stored(batch.upTo);
            });
        }
    }

    void stored(std::uint64_t upTo)
    {
        auto it = unstored.find(upTo);
        if (it != unstored.end()) it->second.first = true;
        std::uint64_t released = 0;
        qint64 count = 0;
        while (!unstored.empty() && unstored.begin()->second.first) {
            released = unstored.begin()->first;
            count += unstored.begin()->second.second;
            unstored.erase(unstored.begin());
        }
        if (!released) return;
        n.m_heldMessages.fetch_sub(count, std::memory_order_relaxed);
        n.m_releasedHold.store(released, std::memory_order_release);
        for (Worker *w : n.m_core->workers)
            w->durableAdvanced();
    }

    // Reads this node's inbox (QoS 1/2 messages from other nodes) and hands the messages to a
    // worker; only after the worker has queued them (persistent sessions' copies written
    // through before it) are they removed from the list. A message read a second time (the
    // removal did not reach Redis) is recognised by its sender's sequence and dropped.
    void drain()
    {
        if (draining || adopting || !client->isConnected()) return;
        draining = true;
        const QByteArray inbox = n.key("inbox:" + n.m_nodeId);
        client->command({"LRANGE", inbox, "0", "63"}, [this, inbox](const redis::Reply &r) {
            if (r.isError() || r.elements.isEmpty()) {
                draining = false;
                return;
            }
            const qsizetype count = r.elements.size();
            std::vector<MessagePtr> messages;
            QByteArray from;
            for (const redis::Reply &bytes : r.elements) {
                Frame f;
                if (!decodeFrame(bytes.string, f)) {
                    qCWarning(lcCluster) << "malformed inbox frame dropped";
                    continue;
                }
                from = f.from;
                quint64 &seen = lastSeen[f.run];
                for (auto &[m, seq] : f.messages) {
                    if (seq <= seen) {
                        n.m_duplicates.fetch_add(1, std::memory_order_relaxed);
                        continue;
                    }
                    seen = seq;
                    messages.push_back(std::move(m));
                }
            }
            auto trim = [this, inbox, count] {
                flush(); // the queued copies' write-through goes first
                client->command({"LTRIM", inbox, QByteArray::number(count), "-1"});
                draining = false;
                drain();
            };
            if (messages.empty()) {
                trim();
                return;
            }
            n.m_received.fetch_add(qint64(messages.size()), std::memory_order_relaxed);
            const std::vector<Worker *> &workers = n.m_core->workers;
            workers[qHash(from) % workers.size()]->publishFromCluster(std::move(messages), [this, trim] {
                QMetaObject::invokeMethod(this, trim, Qt::QueuedConnection);
            });
        });
    }

private:
    QByteArray nodeInfo() const
    {
        QJsonObject o;
        o.insert(QStringLiteral("started"), startedAtMs);
        o.insert(QStringLiteral("pid"), qint64(QCoreApplication::applicationPid()));
        o.insert(QStringLiteral("host"), QHostInfo::localHostName());
        return QJsonDocument(o).toJson(QJsonDocument::Compact);
    }

    QList<QByteArray> aliveCommand() const
    {
        return {"SET", n.key("alive:" + n.m_nodeId), n.m_token, "PX",
                QByteArray::number(n.m_options.nodeTimeoutMs)};
    }

    void onConnected()
    {
        n.m_redisUp.store(true, std::memory_order_relaxed);
        connectedClock.start();
        if (everConnected)
            qCInfo(lcCluster).noquote() << "Redis connection back: re-registering node" << n.m_nodeId;
        const bool first = !everConnected;
        everConnected = true;
        if (first)
            adoptPreviousRun(); // registers when done
        else
            registerNode();
        if (subReady) reload();
        drain();    // what other nodes left in the inbox meanwhile
        sendHeld(); // what this node kept meanwhile
    }

    // Writes this node's entry, liveness key and route set anew and tells the others.
    void registerNode()
    {
        const QByteArray me = n.m_nodeId;
        QList<QByteArray> filters;
        {
            std::lock_guard lock(n.m_queueLock);
            filters = n.m_localFilters.values();
        }
        // One transaction: no other node reads the entry without its routes, or the routes
        // between the DEL and the SADDs.
        QList<QList<QByteArray>> cmds;
        cmds.append({"MULTI"});
        cmds.append(aliveCommand());
        cmds.append({"HSET", n.key("nodes"), me, nodeInfo()});
        cmds.append({"DEL", n.key("routes:" + me)});
        for (qsizetype i = 0; i < filters.size(); i += 500) {
            QList<QByteArray> sadd{"SADD", n.key("routes:" + me)};
            sadd.append(filters.mid(i, 500));
            cmds.append(sadd);
        }
        cmds.append({"PUBLISH", n.key("ctl"), encodeControl(Ctl::NodeUp, me, {})});
        cmds.append({"EXEC"});
        client->pipeline(std::move(cmds));
    }

    // Full reload: the live nodes and their routes, and the retained messages.
    void reload()
    {
        const quint64 generation = ++reloadGeneration;
        auto snapshot = beginSnapshot(); // before the node list is read
        client->pipeline(
            {{"HKEYS", n.key("nodes")}, {"HGETALL", n.key("retained")}, {"SMEMBERS", n.key("parked")}},
            [this, generation, snapshot](const QList<redis::Reply> &r) {
                if (generation != reloadGeneration || r.size() != 3 || r[0].isError()) return;
                applyRetained(r[1]);
                loadParked(r[2]);
                QList<QByteArray> nodes;
                for (const redis::Reply &e : r[0].elements)
                    if (e.string != n.m_nodeId) nodes.append(e.string);
                loadNodes(nodes, true, generation, snapshot);
            });
    }

    // Liveness and routes of `nodes`; replaces the whole remote table if `full`. The route
    // changes received since `snapshot` began are applied again on top (see RouteEvent).
    void loadNodes(const QList<QByteArray> &nodes, bool full, quint64 generation,
                   std::shared_ptr<Snapshot> snapshot = {})
    {
        if (!snapshot) snapshot = beginSnapshot();
        if (!full) {
            for (const QByteArray &node : nodes)
                ++loading[node];
        }
        // The nodes stay "loading" until this is done with (replied or given up).
        auto done = std::shared_ptr<void>(nullptr, [this, nodes, full](void *) {
            if (full) return;
            for (const QByteArray &node : nodes) {
                auto it = loading.find(node);
                if (it != loading.end() && --*it <= 0) loading.erase(it);
            }
        });
        QList<QList<QByteArray>> cmds;
        for (const QByteArray &node : nodes) {
            cmds.append({"EXISTS", n.key("alive:" + node)});
            cmds.append({"SMEMBERS", n.key("routes:" + node)});
        }
        if (cmds.isEmpty()) {
            if (full) {
                replaceAll({});
                replay(snapshot->since, nullptr);
            }
            loaded();
            return;
        }
        client->pipeline(
            std::move(cmds), [this, nodes, full, generation, snapshot, done](const QList<redis::Reply> &r) {
                if (full && generation != reloadGeneration) return;
                if (r.size() != nodes.size() * 2) return;
                QHash<QByteArray, QSet<QByteArray>> table;
                QList<QByteArray> dead;
                for (qsizetype i = 0; i < nodes.size(); ++i) {
                    if (r[2 * i].isError() || r[2 * i + 1].isError()) return;
                    if (r[2 * i].integer == 0) {
                        dead.append(nodes[i]);
                        continue;
                    }
                    QSet<QByteArray> &filters = table[nodes[i]];
                    for (const redis::Reply &f : r[2 * i + 1].elements)
                        filters.insert(f.string);
                }
                if (full) {
                    replaceAll(table);
                    replay(snapshot->since, nullptr);
                } else {
                    const QSet<QByteArray> only(nodes.cbegin(), nodes.cend());
                    for (auto it = table.cbegin(); it != table.cend(); ++it)
                        setNode(it.key(), it.value());
                    replay(snapshot->since, &only);
                    // What these nodes' entries are now: for snapshots still on their way.
                    std::shared_lock lock(n.m_routesLock);
                    for (auto it = table.cbegin(); it != table.cend(); ++it)
                        logEvent({RouteEvent::Loaded, 0, it.key(), {}, n.m_nodeFilters.value(it.key())});
                }
                for (const QByteArray &d : dead)
                    declareDead(d);
                loaded();
            });
    }

    // ---- route snapshots and the changes that overtake them -----------------------------
    //
    // A snapshot of routes (HKEYS, SMEMBERS) is answered on the command connection; route
    // changes (RouteAdd, RouteDel, NodeDown) come on the subscriber connection. A change that
    // Redis published after it took the snapshot can arrive before the snapshot's reply:
    // applying the snapshot then undoes it (a route lost until the next full reload). So while
    // a snapshot is on its way, the changes received are logged, and the snapshot is applied
    // with the changes received since it was asked for applied again on top: for the ones it
    // already holds that changes nothing (each sets one filter, or a node's whole entry).
    // A node's entry only ever comes from a snapshot of its routes: a change for a node not
    // in the table loads that node's routes (a route table holding only the node's newest
    // filter would pass a probe and miss the others).
    std::shared_ptr<Snapshot> beginSnapshot()
    {
        snapshots.insert(routeSeq);
        return std::shared_ptr<Snapshot>(new Snapshot{this, routeSeq});
    }

    void snapshotDone(quint64 since)
    {
        auto it = snapshots.find(since);
        if (it != snapshots.end()) snapshots.erase(it);
        const quint64 keepAfter = snapshots.empty() ? routeSeq : *snapshots.begin();
        while (!routeLog.empty() && routeLog.front().seq <= keepAfter)
            routeLog.pop_front();
    }

    void logEvent(RouteEvent e)
    {
        e.seq = ++routeSeq;
        if (!snapshots.empty()) routeLog.push_back(std::move(e));
    }

    // Applies the logged events after `since` (only those of `only`'s nodes if given).
    void replay(quint64 since, const QSet<QByteArray> *only)
    {
        QList<QByteArray> unknown;
        {
            std::unique_lock lock(n.m_routesLock);
            for (const RouteEvent &e : routeLog) {
                if (e.seq <= since || (only && !only->contains(e.node))) continue;
                switch (e.kind) {
                case RouteEvent::Add:
                    if (n.m_nodeFilters.contains(e.node))
                        addRouteLocked(e.node, e.filter);
                    else if (!unknown.contains(e.node))
                        unknown.append(e.node);
                    break;
                case RouteEvent::Del:
                    if (auto it = n.m_nodeFilters.find(e.node);
                        it != n.m_nodeFilters.end() && it->remove(e.filter))
                        n.m_routes.unsubscribe(keyOf(e.node), e.filter);
                    break;
                case RouteEvent::Down:
                    removeNodeLocked(e.node);
                    break;
                case RouteEvent::Loaded:
                    removeNodeLocked(e.node);
                    n.m_nodeFilters.insert(e.node, {});
                    for (const QByteArray &f : e.filters)
                        addRouteLocked(e.node, f);
                    break;
                }
            }
            updated();
        }
        for (const QByteArray &node : unknown)
            loadUnknown(node);
    }

    // A route change from a node not in the table: its routes are loaded (once at a time).
    void loadUnknown(const QByteArray &node)
    {
        {
            std::shared_lock lock(n.m_routesLock);
            if (n.m_nodeFilters.contains(node)) return;
        }
        if (loading.contains(node) || !client->isConnected()) return;
        loadNodes({node}, false, 0);
    }

    // The parked sessions listed in <p>parked: their records replace the local table; ids
    // whose record expired leave the list.
    void loadParked(const redis::Reply &ids)
    {
        QList<QByteArray> list;
        for (const redis::Reply &e : ids.elements)
            list.append(e.string);
        if (list.isEmpty()) {
            std::unique_lock lock(n.m_routesLock);
            for (const QByteArray &id : n.m_parked.keys())
                n.removeParkedLocked(id);
            return;
        }
        QList<QByteArray> mget{"MGET"};
        for (const QByteArray &id : list)
            mget.append(n.key("session:" + id));
        client->command(mget, [this, list](const redis::Reply &r) {
            if (r.isError() || r.elements.size() != list.size()) return;
            QList<QByteArray> gone{"SREM", n.key("parked")};
            std::unique_lock lock(n.m_routesLock);
            for (const QByteArray &id : n.m_parked.keys())
                n.removeParkedLocked(id);
            for (qsizetype i = 0; i < list.size(); ++i) {
                if (r.elements[i].isNil())
                    gone.append(list[i]);
                else
                    n.addParkedLocked(list[i], r.elements[i].string);
            }
            if (gone.size() > 2) client->command(gone);
        });
    }

public:
    // Takes the session of a client resuming here out of Redis atomically (see
    // ClusterLink::unpark): a parked one, or one written through by a node that died. If it is
    // connected on a node still alive, that node is asked to park it (a claim with "park"),
    // and this asks again every 25 ms until it is parked or the node's liveness key expired,
    // within node_timeout_ms + 2 heartbeats.
    void unpark(const QByteArray &id, const std::function<void(std::optional<ParkedSession>)> &done)
    {
        flush(); // messages queued for it before this CONNECT go first
        resume(id, done, QDeadlineTimer(n.m_options.nodeTimeoutMs + 2 * n.m_options.heartbeatMs), false);
    }

    void resume(const QByteArray &id, const std::function<void(std::optional<ParkedSession>)> &done,
                QDeadlineTimer deadline, bool claimed)
    {
        if (!client->isConnected()) {
            qCWarning(lcCluster).noquote() << "Redis unreachable: session" << id << "not resumed";
            done(std::nullopt);
            return;
        }
        client->command(
            {"EVAL", kResumeScript, "0", n.m_prefix, id, n.m_nodeId},
            [this, id, done, deadline, claimed](const redis::Reply &r) {
                const QByteArray kind = r.elements.isEmpty() ? QByteArray() : r.elements[0].string;
                if (kind == "wait") {
                    if (deadline.hasExpired()) {
                        qCWarning(lcCluster).noquote()
                            << "session" << id << "still held by node" << r.elements.value(1).string
                            << "; the client gets a new session";
                        done(std::nullopt);
                        return;
                    }
                    if (!claimed) n.claim(id, true);
                    QTimer::singleShot(25, this,
                                       [this, id, done, deadline] { resume(id, done, deadline, true); });
                    return;
                }
                if (r.isError() || (kind != "parked" && kind != "adopted") || r.elements.size() < 3) {
                    if (r.isError())
                        qCWarning(lcCluster).noquote() << "session" << id << "not resumed:" << r.toString();
                    done(std::nullopt);
                    return;
                }
                if (kind == "parked") {
                    {
                        std::unique_lock lock(n.m_routesLock); // its Park may have come meanwhile
                        n.removeParkedLocked(id);
                    }
                    client->command({"PUBLISH", n.key("ctl"), encodeControl(Ctl::Unpark, n.m_nodeId, id)});
                }
                ParkedSession p;
                p.clientId = id;
                qint64 expiresAt = 0;
                if (!decodeRecord(r.elements[1].string, p, expiresAt)) {
                    qCWarning(lcCluster).noquote() << "session" << id << "unreadable in Redis; dropped";
                    done(std::nullopt);
                    return;
                }
                for (const redis::Reply &e : r.elements[2].elements) {
                    Outgoing o;
                    if (decodeQueued(e.string, o)) p.messages.push_back(std::move(o));
                }
                for (const redis::Reply &e : r.elements.value(kind == "parked" ? 3 : 5).elements) {
                    bool ok = false;
                    const uint id = e.string.toUInt(&ok);
                    if (ok && id > 0 && id <= 0xFFFF) p.inboundQos2.append(std::uint16_t(id));
                }
                if (kind != "adopted") {
                    done(std::move(p));
                    return;
                }
                // Its node died: what its inbox still holds for the session comes along.
                const QByteArray owner = r.elements.value(3).string;
                qCInfo(lcCluster).noquote() << "session" << id << "taken over from node" << owner << "(dead)";
                ParkedSession *target = &p;
                inboxCopies(r.elements.value(4).elements, {target});
                done(std::move(p));
            });
    }

    // The client ids connected on the other live nodes, with their node, and the parked
    // sessions' ids (node empty).
    void remoteClients(const std::function<void(std::optional<QList<QPair<QByteArray, QByteArray>>>)> &done)
    {
        if (!client->isConnected()) {
            done(std::nullopt);
            return;
        }
        client->pipeline({{"HGETALL", n.key("clients")}, {"SMEMBERS", n.key("parked")}},
                         [this, done](const QList<redis::Reply> &r) {
                             if (r.size() != 2 || r[0].isError() || r[1].isError()) {
                                 done(std::nullopt);
                                 return;
                             }
                             QList<QByteArray> live;
                             {
                                 std::shared_lock lock(n.m_routesLock);
                                 live = n.m_nodeFilters.keys();
                             }
                             QList<QPair<QByteArray, QByteArray>> out;
                             const QList<redis::Reply> &c = r[0].elements;
                             for (qsizetype i = 0; i + 1 < c.size(); i += 2)
                                 if (live.contains(c[i + 1].string))
                                     out.append({c[i].string, c[i + 1].string});
                             for (const redis::Reply &id : r[1].elements)
                                 out.append({id.string, QByteArray()});
                             done(std::move(out));
                         });
    }

private:
    void loaded()
    {
        {
            std::lock_guard lock(n.m_loadLock);
            n.m_loaded = true;
        }
        n.m_loadCv.notify_all();
    }

    void applyRetained(const redis::Reply &all)
    {
        int count = 0;
        for (qsizetype i = 0; i + 1 < all.elements.size(); i += 2) {
            std::shared_ptr<Message> m =
                decodeMessage(all.elements[i + 1].string, QByteArrayLiteral("redis"));
            if (!m) continue;
            n.m_core->retain(m);
            ++count;
        }
        if (count) qCDebug(lcCluster) << count << "retained message(s) loaded from Redis";
    }

    // $SYS cluster totals: every node writes its counters to <p>stats at each heartbeat; each
    // node sums those of the live nodes and publishes them as retained $SYS/cluster/... topics
    // (per node, as $SYS/broker/...), every sys_topic_resend_interval seconds.
    void publishTotals()
    {
        const Counters &c = n.m_core->counters;
        const QByteArray mine = QByteArray::number(c.clientsConnected.load()) + ',' +
                                QByteArray::number(c.messagesReceived.load()) + ',' +
                                QByteArray::number(c.messagesSent.load()) + ',' +
                                QByteArray::number(c.subscriptions.load());
        const qint64 interval = n.m_core->options.sysTopicResendInterval;
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        const bool due = interval > 0 && now - lastTotalsMs >= interval * 1000;
        if (!due) {
            client->command({"HSET", n.key("stats"), n.m_nodeId, mine});
            return;
        }
        lastTotalsMs = now;
        client->pipeline({{"HSET", n.key("stats"), n.m_nodeId, mine}, {"HGETALL", n.key("stats")}},
                         [this](const QList<redis::Reply> &r) {
                             if (r.size() != 2 || r[1].isError()) return;
                             QList<QByteArray> live;
                             {
                                 std::shared_lock lock(n.m_routesLock);
                                 live = n.m_nodeFilters.keys();
                             }
                             live.append(n.m_nodeId);
                             qint64 sum[4] = {0, 0, 0, 0};
                             int nodes = 0;
                             for (qsizetype i = 0; i + 1 < r[1].elements.size(); i += 2) {
                                 if (!live.contains(r[1].elements[i].string)) continue;
                                 const QList<QByteArray> f = r[1].elements[i + 1].string.split(',');
                                 if (f.size() != 4) continue;
                                 ++nodes;
                                 for (int k = 0; k < 4; ++k)
                                     sum[k] += f[k].toLongLong();
                             }
                             const std::pair<const char *, qint64> topics[] = {
                                 {"$SYS/cluster/nodes", nodes},
                                 {"$SYS/cluster/clients/connected", sum[0]},
                                 {"$SYS/cluster/messages/received", sum[1]},
                                 {"$SYS/cluster/messages/sent", sum[2]},
                                 {"$SYS/cluster/subscriptions", sum[3]},
                                 {"$SYS/cluster/messages/forwarded", n.m_forwarded.load()},
                                 {"$SYS/cluster/messages/dropped", n.m_dropped.load()}};
                             for (const auto &[topic, value] : topics)
                                 publishSys(topic, value);
                         });
    }

    void publishSys(const char *topic, qint64 value)
    {
        auto m = std::make_shared<Message>();
        m->publish.topic = QByteArray(topic);
        m->publish.payload = QByteArray::number(value);
        m->publish.retain = true;
        m->createdAtMs = QDateTime::currentMSecsSinceEpoch();
        n.m_core->nextWorker()->publishFromServer(std::move(m), false);
    }

    // This node's QoS 1/2 messages for other nodes that Redis has not stored yet (their
    // publishers wait for the acknowledgement): published from here, not from a Redis reply
    // like the totals, because it matters while Redis is down.
    void publishHeld()
    {
        const qint64 interval = n.m_core->options.sysTopicResendInterval;
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        if (interval <= 0 || now - lastHeldMs < interval * 1000) return;
        lastHeldMs = now;
        publishSys("$SYS/cluster/messages/held", n.m_heldMessages.load(std::memory_order_relaxed));
    }

    void onHeartbeat()
    {
        publishHeld();
        if (!client->isConnected()) return;
        publishTotals();
        drain();    // in case a wake-up was lost
        sendHeld(); // batches Redis refused
        const bool fullReload = ++ticks % kReloadEveryTicks == 0;
        client->pipeline(
            {aliveCommand(), {"HSET", n.key("nodes"), n.m_nodeId, nodeInfo()}, {"HKEYS", n.key("nodes")}},
            [this, fullReload](const QList<redis::Reply> &r) {
                if (r.size() != 3 || r[1].isError() || r[2].isError()) return;
                if (r[1].integer == 1) {
                    // Another node took us for dead (a pause longer than the node
                    // timeout) and removed our routes: register again.
                    qCWarning(lcCluster).noquote()
                        << "node" << n.m_nodeId
                        << "was removed from the cluster by another node; registering again";
                    registerNode();
                }
                if (fullReload && subReady) {
                    reload();
                    return;
                }
                QList<QByteArray> nodes;
                for (const redis::Reply &e : r[2].elements)
                    if (e.string != n.m_nodeId) nodes.append(e.string);
                checkNodes(nodes);
            });
    }

    // Known nodes: still alive? New nodes: their routes.
    void checkNodes(const QList<QByteArray> &listed)
    {
        QList<QByteArray> known;
        {
            std::shared_lock lock(n.m_routesLock);
            known = n.m_nodeFilters.keys();
        }
        QList<QByteArray> unknown;
        for (const QByteArray &node : listed)
            if (!known.contains(node)) unknown.append(node);
        if (!unknown.isEmpty()) loadNodes(unknown, false, 0);
        // A known node no longer listed was removed by itself (goodbye) or by the node taking it
        // over: its NodeDown follows on the control channel, after the Park of its sessions
        // (removing its routes here first would drop messages in between). A lost NodeDown is
        // corrected by the next full reload.
        QList<QList<QByteArray>> cmds;
        QList<QByteArray> asked;
        for (const QByteArray &node : known) {
            if (!listed.contains(node)) continue;
            cmds.append({"EXISTS", n.key("alive:" + node)});
            asked.append(node);
        }
        if (cmds.isEmpty()) return;
        client->pipeline(std::move(cmds), [this, asked](const QList<redis::Reply> &r) {
            if (r.size() != asked.size()) return;
            for (qsizetype i = 0; i < asked.size(); ++i)
                if (!r[i].isError() && r[i].integer == 0) declareDead(asked[i]);
        });
    }

    // A node's liveness key expired: it is gone. Its routes go, here and in Redis.
    // One node (the first whose kAdoptScript runs) takes the dead node's sessions and inbox
    // over and then tells the others; until then every node, this one included, keeps
    // routing to the dead node's inbox, so no message falls between its routes and the
    // parked sessions' table.
    void declareDead(const QByteArray &node)
    {
        // "No heartbeat for node_timeout_ms" can only be said after this node has watched
        // Redis that long: right after (re)connecting (Redis restarted, from a snapshot or
        // not) the other nodes may not have re-registered yet. The next heartbeat looks again.
        if (!connectedClock.isValid() || connectedClock.elapsed() < n.m_options.nodeTimeoutMs) return;
        if (declaring.contains(node)) return;
        declaring.insert(node);
        client->command({"EVAL", kAdoptScript, "0", n.m_prefix, node}, [this, node](const redis::Reply &r) {
            declaring.remove(node);
            if (r.isError()) {
                qCWarning(lcCluster).noquote() << "node" << node << "not taken over:" << r.toString();
                return;
            }
            if (r.elements.size() < 2 || r.elements[0].integer != 1) return; // another node does it
            qCWarning(lcCluster).noquote() << "node" << node << "is gone (no heartbeat for"
                                           << n.m_options.nodeTimeoutMs << "ms): its routes are removed";
            adoptParked(node, r.elements.mid(2), r.elements[1].elements);
        });
    }

    // The sessions of a dead node, parked by kAdoptScript: the QoS 1/2 messages in its inbox
    // that they match (and do not have) are queued behind their pending ones; then every node
    // is told, and queues their messages in Redis from then on.
    // A node killed and restarted under the same id before another node declared it dead left
    // written-through sessions (and an inbox) that no node would take over: at its first
    // connection the node parks them itself, as the node declaring it dead would, announces
    // them, and only then registers (its routes). Until then, and a moment after (for what
    // other nodes still sent to its inbox under its old routes), it does not drain its inbox.
    void adoptPreviousRun()
    {
        adopting = true;
        client->command({"EVAL", kAdoptScript, "0", n.m_prefix, n.m_nodeId, "1"},
                        [this](const redis::Reply &r) {
                            if (r.isError() || r.elements.size() < 2 || r.elements[0].integer != 1) {
                                if (r.isError())
                                    qCWarning(lcCluster).noquote()
                                        << "sessions of the previous run not parked:" << r.toString();
                                registerNode();
                                adopting = false;
                                drain();
                                return;
                            }
                            adoptParked(n.m_nodeId, r.elements.mid(2), r.elements[1].elements, true);
                        });
    }

    void adoptParked(const QByteArray &node, const QList<redis::Reply> &rows,
                     const QList<redis::Reply> &inbox, bool self = false)
    {
        std::vector<ParkedSession> sessions;
        std::vector<std::pair<QByteArray, qint64>> meta; // record, expires at
        for (qsizetype i = 0; i + 3 < rows.size(); i += 4) {
            ParkedSession p;
            p.clientId = rows[i].string;
            qint64 unused = 0;
            if (!decodeRecord(rows[i + 1].string, p, unused)) continue;
            for (const redis::Reply &e : rows[i + 2].elements) {
                Outgoing o;
                if (decodeQueued(e.string, o)) p.messages.push_back(std::move(o));
            }
            sessions.push_back(std::move(p));
            meta.push_back({rows[i + 1].string, rows[i + 3].integer});
        }
        std::vector<ParkedSession *> targets;
        std::vector<size_t> before;
        for (ParkedSession &p : sessions) {
            targets.push_back(&p);
            before.push_back(p.messages.size());
        }
        inboxCopies(inbox, targets);
        QList<QList<QByteArray>> cmds;
        int recovered = 0;
        for (size_t i = 0; i < sessions.size(); ++i) {
            const ParkedSession &p = sessions[i];
            if (p.messages.size() > before[i]) {
                QList<QByteArray> push{"RPUSH", n.key("queue:" + p.clientId)};
                for (size_t k = before[i]; k < p.messages.size(); ++k)
                    push.append(encodeQueued(p.messages[k]));
                recovered += int(p.messages.size() - before[i]);
                cmds.append(push);
                if (meta[i].second)
                    cmds.append(
                        {"PEXPIREAT", n.key("queue:" + p.clientId), QByteArray::number(meta[i].second)});
            }
            // Resumable from now on (a resume meanwhile waits: it would miss the copies).
            cmds.append({"DEL", n.key("adopting:" + p.clientId)});
            {
                std::unique_lock lock(n.m_routesLock);
                n.addParkedLocked(p.clientId, meta[i].first);
            }
            cmds.append(
                {"PUBLISH", n.key("ctl"), encodeControl(Ctl::Park, n.m_nodeId, p.clientId, meta[i].first)});
        }
        if (!sessions.empty())
            qCInfo(lcCluster).noquote() << sessions.size() << "session(s) of"
                                        << (self ? QByteArray("this node's previous run") : "node " + node)
                                        << "parked for their clients to resume," << recovered
                                        << "message(s) recovered from its inbox";
        if (self) {
            // Announced before this run's routes replace the old ones (registerNode).
            client->pipeline(std::move(cmds));
            registerNode();
            if (sessions.empty()) {
                adopting = false;
                drain();
                return;
            }
        } else {
            // The parked sessions are known here and announced before the node's routes go.
            removeNode(node);
            logEvent({RouteEvent::Down, 0, node, {}, {}});
            cmds.append({"PUBLISH", n.key("ctl"), encodeControl(Ctl::NodeDown, node, {})});
            client->pipeline(std::move(cmds));
            if (sessions.empty()) return;
        }
        // What other nodes sent to the dead node's inbox until they got NodeDown (self: until
        // they had this run's routes): once more, a moment later, for the same sessions
        // (deduplicated against what they got already). Self: read, not taken: the frames then
        // go through this run's drain as well, for its own sessions.
        auto kept = std::make_shared<std::vector<ParkedSession>>(std::move(sessions));
        QTimer::singleShot(std::max(500, 2 * n.m_options.heartbeatMs), this, [this, node, kept, self] {
            QList<QByteArray> read{"EVAL", kTakeInboxScript, "0", n.m_prefix, node};
            if (self) read = {"LRANGE", n.key("inbox:" + node), "0", "-1"};
            client->command(read, [this, kept, self](const redis::Reply &frames) {
                if (self) {
                    adopting = false;
                    QMetaObject::invokeMethod(
                        this, [this] { drain(); }, Qt::QueuedConnection);
                }
                if (frames.isError() || frames.elements.isEmpty()) return;
                std::vector<ParkedSession *> targets;
                std::vector<size_t> before;
                for (ParkedSession &p : *kept) {
                    targets.push_back(&p);
                    before.push_back(p.messages.size());
                }
                inboxCopies(frames.elements, targets);
                QList<QList<QByteArray>> cmds;
                for (size_t i = 0; i < kept->size(); ++i) {
                    const ParkedSession &p = (*kept)[i];
                    if (p.messages.size() == before[i]) continue;
                    QList<QByteArray> push{"RPUSH", n.key("queue:" + p.clientId)};
                    for (size_t k = before[i]; k < p.messages.size(); ++k)
                        push.append(encodeQueued(p.messages[k]));
                    cmds.append(push);
                }
                if (!cmds.isEmpty()) client->pipeline(std::move(cmds));
            });
        });
    }

    void onMessage(const QByteArray &channel, const QByteArray &payload)
    {
        if (channel == n.key("ctl"))
            onControl(payload);
        else
            onMessages(payload);
    }

    void onControl(const QByteArray &payload)
    {
        QDataStream ds(payload);
        quint8 kind = 0;
        QByteArray node, arg, extra;
        ds >> kind >> node >> arg >> extra;
        if (ds.status() != QDataStream::Ok) {
            qCWarning(lcCluster) << "malformed control message ignored";
            return;
        }
        const bool self = node == n.m_nodeId;
        switch (Ctl(kind)) {
        case Ctl::RouteAdd:
            if (!self) {
                logEvent({RouteEvent::Add, 0, node, arg, {}});
                addRoute(node, arg);
            }
            break;
        case Ctl::RouteDel:
            if (!self) {
                logEvent({RouteEvent::Del, 0, node, arg, {}});
                removeRoute(node, arg);
            }
            break;
        case Ctl::NodeUp:
            if (!self) {
                qCInfo(lcCluster).noquote() << "node" << node << "joined";
                loadNodes({node}, false, 0);
            }
            break;
        case Ctl::NodeDown:
            if (!self) {
                qCInfo(lcCluster).noquote() << "node" << node << "left";
                logEvent({RouteEvent::Down, 0, node, {}, {}});
                removeNode(node);
            }
            break;
        case Ctl::Claim: {
            // A claim that arrives while one of ours for the id is still on its way to Redis
            // is older than ours: ignored (ours wins on every node). Otherwise sessions that
            // attached before this moment (clock below `claim`) are taken over.
            bool ours = false;
            std::uint64_t claim = 0;
            {
                std::lock_guard lock(n.m_queueLock);
                claim = ++n.m_claimClock;
                auto it = n.m_ownClaims.find(arg);
                if (it != n.m_ownClaims.end()) {
                    ours = true; // a connection here claimed the id after this claim
                    if (self && --*it <= 0) n.m_ownClaims.erase(it);
                }
            }
            // extra "park": the other node resumes the session; a persistent one is parked.
            if (!self && !ours) n.m_core->nextWorker()->takeOverFromCluster(arg, claim, extra == "park");
            break;
        }
        case Ctl::Park:
            if (!self && !n.isLocal(arg)) {
                std::unique_lock lock(n.m_routesLock);
                n.addParkedLocked(arg, extra);
            }
            break;
        case Ctl::Unpark:
            if (!self) {
                std::unique_lock lock(n.m_routesLock);
                n.removeParkedLocked(arg);
            }
            break;
        case Ctl::Retain:
            if (!self) {
                if (std::shared_ptr<Message> m = decodeMessage(arg, node)) n.m_core->retain(m);
            }
            break;
        default:
            qCWarning(lcCluster) << "unknown control message" << kind << "ignored";
        }
    }

    void onMessages(const QByteArray &frame)
    {
        if (frame.isEmpty()) { // QoS 1/2 messages in the inbox
            drain();
            return;
        }
        Frame f;
        if (!decodeFrame(frame, f)) {
            qCWarning(lcCluster) << "malformed message frame ignored";
            return;
        }
        std::vector<MessagePtr> messages;
        messages.reserve(f.messages.size());
        for (auto &[m, seq] : f.messages)
            messages.push_back(std::move(m));
        if (messages.empty()) return;
        n.m_received.fetch_add(qint64(messages.size()), std::memory_order_relaxed);
        // Every frame of one node goes through the same worker: its messages keep their order.
        const std::vector<Worker *> &workers = n.m_core->workers;
        workers[qHash(f.from) % workers.size()]->publishFromCluster(std::move(messages));
    }

    // ---- the remote route table (writers: this thread) ----------------------------------

    topics::SubscriberKey keyOf(const QByteArray &node)
    {
        auto it = n.m_nodeKeys.constFind(node);
        if (it != n.m_nodeKeys.constEnd()) return *it;
        const topics::SubscriberKey k = n.m_nextNodeKey++;
        n.m_nodeKeys.insert(node, k);
        n.m_nodeNames.insert(k, node);
        return k;
    }

    void addRouteLocked(const QByteArray &node, const QByteArray &filter)
    {
        QSet<QByteArray> &filters = n.m_nodeFilters[node];
        if (filters.contains(filter)) return;
        filters.insert(filter);
        topics::Subscription s;
        s.subscriber = keyOf(node);
        s.clientId = node;
        s.filter = filter;
        s.options.qos = 2;
        n.m_routes.subscribe(s);
    }

    void removeNodeLocked(const QByteArray &node)
    {
        auto it = n.m_nodeFilters.find(node);
        if (it == n.m_nodeFilters.end()) return;
        const topics::SubscriberKey k = keyOf(node);
        for (const QByteArray &f : std::as_const(*it))
            n.m_routes.unsubscribe(k, f);
        n.m_nodeFilters.erase(it);
    }

    void updated()
    {
        n.m_remoteFilterCount.store(n.m_routes.size(), std::memory_order_relaxed);
        n.m_liveNodes.store(n.m_nodeFilters.size() + 1, std::memory_order_relaxed);
    }

    void addRoute(const QByteArray &node, const QByteArray &filter)
    {
        {
            std::unique_lock lock(n.m_routesLock);
            if (n.m_nodeFilters.contains(node)) {
                addRouteLocked(node, filter);
                updated();
                return;
            }
        }
        loadUnknown(node);
    }

    void removeRoute(const QByteArray &node, const QByteArray &filter)
    {
        std::unique_lock lock(n.m_routesLock);
        auto it = n.m_nodeFilters.find(node);
        if (it == n.m_nodeFilters.end() || !it->remove(filter)) return;
        n.m_routes.unsubscribe(keyOf(node), filter);
        updated();
    }

    void setNode(const QByteArray &node, const QSet<QByteArray> &filters)
    {
        std::unique_lock lock(n.m_routesLock);
        removeNodeLocked(node);
        n.m_nodeFilters.insert(node, {});
        for (const QByteArray &f : filters)
            addRouteLocked(node, f);
        updated();
    }

    void removeNode(const QByteArray &node)
    {
        std::unique_lock lock(n.m_routesLock);
        removeNodeLocked(node);
        updated();
    }

    // A full snapshot. A node it does not list whose own load is on its way (it announced
    // itself after the snapshot's node list was read) keeps its entry: that load decides.
    void replaceAll(const QHash<QByteArray, QSet<QByteArray>> &table)
    {
        std::unique_lock lock(n.m_routesLock);
        for (const QByteArray &node : n.m_nodeFilters.keys()) {
            if (!table.contains(node) && loading.contains(node)) continue;
            removeNodeLocked(node);
        }
        for (auto it = table.cbegin(); it != table.cend(); ++it) {
            n.m_nodeFilters.insert(it.key(), {});
            for (const QByteArray &f : it.value())
                addRouteLocked(it.key(), f);
        }
        updated();
    }

    ClusterNode &n;
    redis::Client *client = nullptr;
    redis::Subscriber *sub = nullptr;
    QTimer *heartbeat = nullptr;
    bool subReady = false;
    bool everConnected = false;
    quint64 reloadGeneration = 0;
    int ticks = 0;
    bool draining = false;
    bool adopting = false;            // parking what this node's previous run left (adoptPreviousRun)
    QSet<QByteArray> declaring;       // dead nodes whose kAdoptScript is on its way
    QElapsedTimer connectedClock;     // since the command connection was (re)established
    quint64 routeSeq = 0;             // route events received (RouteEvent)
    std::deque<RouteEvent> routeLog;  // those received while snapshots are on their way
    std::multiset<quint64> snapshots; // snapshots on their way: routeSeq when asked for
    QHash<QByteArray, int> loading;   // nodes whose routes are being loaded (not full)
    std::uint64_t releasedUpTo = 0;
    // Kept QoS 1/2 commands (sendHeld); hold tickets not released: ticket -> stored?, messages.
    struct HeldBatch {
        QList<QList<QByteArray>> cmds;
        std::uint64_t upTo = 0;
        qint64 messages = 0;
    };
    std::deque<HeldBatch> held;
    std::map<std::uint64_t, std::pair<bool, qint64>> unstored;
    quint64 sendSeq = 0;                 // QoS 1/2 messages sent to inboxes, this run
    QHash<QByteArray, quint64> lastSeen; // sender's run id -> last sequence taken from the inbox
    // This run of this node, in the ids of the QoS 1/2 messages it sends.
    const QByteArray runId = n.m_nodeId + '/' + QByteArray::number(QDateTime::currentMSecsSinceEpoch());
    qint64 lastDropLogMs = 0;
    qint64 lastTotalsMs = 0;
    qint64 lastHeldMs = 0;
    const qint64 startedAtMs = QDateTime::currentMSecsSinceEpoch();
};

// ---- ClusterNode -------------------------------------------------------------------------

ClusterNode::ClusterNode(const ClusterOptions &options)
    : m_options(options), m_nodeId(options.nodeId.toUtf8()), m_prefix(options.prefix.toUtf8() + ":cluster:")
{
    m_token = QHostInfo::localHostName().toUtf8() + ':' +
              QByteArray::number(QCoreApplication::applicationPid()) + ':' +
              QByteArray::number(QDateTime::currentMSecsSinceEpoch());
}

ClusterNode::~ClusterNode()
{
    detach();
}

bool ClusterNode::init(const QVariantMap &, QString *error)
{
    redis::Settings s;
    QString why;
    if (!redis::parseAddress(m_options.redisAddress, s, &why)) {
        if (error) *error = QStringLiteral("cluster.redis.address: %1").arg(why);
        return false;
    }
    s.username = m_options.redisUsername;
    s.password = m_options.redisPassword;
    s.database = m_options.redisDatabase;
    // The node id is this node's while its liveness key lives: a second node with the same
    // id would split the route table between two brokers.
    const redis::Reply r = redis::commandSync(
        s,
        {"SET", key("alive:" + m_nodeId), m_token, "NX", "PX", QByteArray::number(m_options.nodeTimeoutMs)},
        &why);
    if (r.isError()) {
        if (error) *error = QStringLiteral("cluster: %1").arg(why);
        return false;
    }
    if (r.isNil()) {
        if (error)
            *error =
                QStringLiteral("cluster: node id \"%1\" is in use by a running node (Redis key %2 at %3); "
                               "give every node its own cluster.node_id, or wait %4 ms after that node "
                               "stopped")
                    .arg(m_options.nodeId, QString::fromUtf8(key("alive:" + m_nodeId)), s.address())
                    .arg(m_options.nodeTimeoutMs);
        return false;
    }
    qCInfo(lcCluster).noquote() << "node" << m_options.nodeId << "joining the cluster on Redis" << s.address()
                                << "prefix" << QString::fromUtf8(m_prefix);
    return true;
}

void ClusterNode::attach(BrokerCore &core)
{
    if (m_thread) return;
    m_core = &core;
    {
        std::lock_guard lock(m_loadLock);
        m_loaded = false;
    }
    m_thread = new QThread;
    m_thread->setObjectName(QStringLiteral("petrel-cluster"));
    m_engine = new Engine(*this);
    m_engine->moveToThread(m_thread);
    m_thread->start();
    Engine *e = m_engine;
    QMetaObject::invokeMethod(
        e, [e] { e->start(); }, Qt::QueuedConnection);
    // Retained messages and routes before the listeners open, within a bound.
    const int waitMs = 3000;
    std::unique_lock lock(m_loadLock);
    if (!m_loadCv.wait_for(lock, std::chrono::milliseconds(waitMs), [this] { return m_loaded; }))
        qCWarning(lcCluster).noquote()
            << "the cluster state (routes, retained messages) was not loaded from Redis"
            << "within" << waitMs << "ms; it is loaded when Redis answers";
}

void ClusterNode::detach()
{
    if (!m_thread) return;
    Engine *e = m_engine;
    // Flush what the workers queued last, then leave the cluster (bounded wait).
    auto state = std::make_shared<std::pair<std::mutex, std::condition_variable>>();
    auto done = std::make_shared<bool>(false);
    QMetaObject::invokeMethod(
        e,
        [e, state, done] {
            e->flush();
            e->goodbye([state, done] {
                std::lock_guard lock(state->first);
                *done = true;
                state->second.notify_all();
            });
        },
        Qt::QueuedConnection);
    {
        std::unique_lock lock(state->first);
        state->second.wait_for(lock, std::chrono::milliseconds(2000), [&] { return *done; });
    }
    QMetaObject::invokeMethod(
        e, [e] { delete e; }, Qt::BlockingQueuedConnection);
    m_thread->quit();
    m_thread->wait();
    delete m_thread;
    m_thread = nullptr;
    m_engine = nullptr;
    m_core = nullptr;
    std::lock_guard lock(m_queueLock);
    m_outbox = Outbox{};
    m_ownClaims.clear();
}

void ClusterNode::wake()
{
    if (m_outbox.wakePending || !m_engine) return;
    m_outbox.wakePending = true;
    Engine *e = m_engine;
    QMetaObject::invokeMethod(
        e, [e] { e->flush(); }, Qt::QueuedConnection);
}

std::vector<QByteArray> ClusterNode::forward(const MessagePtr &message,
                                             const std::vector<QByteArray> &localShared, std::uint64_t &hold)
{
    const bool anyParked = m_parkedCount.load(std::memory_order_relaxed) > 0;
    const bool anyRemote = m_remoteFilterCount.load(std::memory_order_relaxed) > 0;
    if (!anyRemote && !anyParked) return localShared;
    thread_local topics::Matches matches;
    // Target nodes, each with the shared groups it serves for this message.
    QVarLengthArray<std::pair<QByteArray, QList<QByteArray>>, 4> targets;
    auto target = [&](const QByteArray &node) -> QList<QByteArray> & {
        for (auto &t : targets)
            if (t.first == node) return t.second;
        targets.append({node, {}});
        return targets.back().second;
    };
    std::vector<QByteArray> serveHere;
    QVarLengthArray<QByteArray, 4> decided;                     // shared groups that some other node has too
    QVarLengthArray<std::pair<QByteArray, Outgoing>, 4> queued; // parked sessions' copies
    const Publish &p = message->publish;
    qint64 now = 0;
    {
        std::shared_lock lock(m_routesLock);
        if (anyParked && p.qos > 0) {
            matches.clear();
            m_parkedRoutes.match(p.topic, matches);
            offlineCopies(matches, message, [&](topics::SubscriberKey k, Outgoing &&o) {
                const QByteArray id = m_parkedIds.value(k);
                const auto entry = m_parked.constFind(id);
                if (entry == m_parked.constEnd()) return;
                if (entry->expiresAtMs) {
                    if (!now) now = nowMs();
                    if (entry->expiresAtMs <= now) return;
                }
                queued.append({id, std::move(o)});
            });
            matches.clear();
        }
        if (anyRemote) {
            matches.clear();
            m_routes.match(p.topic, matches);
            for (const topics::Subscription *s : std::as_const(matches.subscriptions))
                target(m_nodeNames.value(s->subscriber));
            // One node per shared group, among the nodes with members (this one included).
            for (const topics::SharedGroupMatch &g : std::as_const(matches.shared)) {
                const QByteArray &filter = g.members.front().filter;
                decided.append(filter);
                QVarLengthArray<QByteArray, 4> nodes;
                const bool here =
                    std::find(localShared.begin(), localShared.end(), filter) != localShared.end();
                if (here) nodes.append(QByteArray());
                for (const topics::Subscription &s : g.members)
                    nodes.append(m_nodeNames.value(s.subscriber));
                const QByteArray &chosen =
                    nodes[m_sharedTurn.fetch_add(1, std::memory_order_relaxed) % nodes.size()];
                if (chosen.isEmpty())
                    serveHere.push_back(filter);
                else
                    target(chosen).append(filter);
            }
            matches.clear();
        }
    }
    // Groups with members here only.
    for (const QByteArray &f : localShared)
        if (std::find(decided.begin(), decided.end(), f) == decided.end()) serveHere.push_back(f);
    if (targets.isEmpty() && queued.isEmpty()) return serveHere;
    std::lock_guard lock(m_queueLock);
    // QoS 1/2 goes through the target's inbox list: the publisher's acknowledgement waits
    // until Redis has it (its hold ticket), kept here while Redis is unreachable. QoS 0 stays
    // on pub/sub.
    auto &box = p.qos > 0 ? m_outbox.durable : m_outbox.messages;
    for (const auto &[node, shared] : std::as_const(targets))
        box[node].push_back({message, shared});
    for (const auto &[id, o] : std::as_const(queued))
        m_outbox.durableCommands.append({"RPUSH", key("queue:" + id), encodeQueued(o)});
    if (p.qos > 0) {
        hold = m_holdSeq.fetch_add(1, std::memory_order_relaxed) + 1;
        ++m_outbox.heldMessages;
        m_heldMessages.fetch_add(1, std::memory_order_relaxed);
    }
    wake();
    return serveHere;
}

std::uint64_t ClusterNode::pendingHold() const
{
    const std::uint64_t issued = m_holdSeq.load(std::memory_order_relaxed);
    return issued > m_releasedHold.load(std::memory_order_acquire) ? issued : 0;
}

bool ClusterNode::admit(const Publish &p)
{
    if (m_heldMessages.load(std::memory_order_relaxed) < m_options.maxHeldMessages) return true;
    // At the bound: refused if a copy would have to cross nodes (or go to a parked session).
    thread_local topics::Matches matches;
    matches.clear();
    std::shared_lock lock(m_routesLock);
    m_routes.match(p.topic, matches);
    m_parkedRoutes.match(p.topic, matches);
    const bool crosses = !matches.subscriptions.isEmpty() || !matches.shared.isEmpty();
    matches.clear();
    return !crosses;
}

void ClusterNode::filterAdded(const QByteArray &filter)
{
    std::lock_guard lock(m_queueLock);
    m_localFilters.insert(filter);
    m_outbox.commands.append({"SADD", key("routes:" + m_nodeId), filter});
    m_outbox.control.push_back(encodeControl(Ctl::RouteAdd, m_nodeId, filter));
    m_writeSeq.fetch_add(1, std::memory_order_release); // the SUBACK waits for the route
    wake();
}

void ClusterNode::filterRemoved(const QByteArray &filter)
{
    std::lock_guard lock(m_queueLock);
    m_localFilters.remove(filter);
    m_outbox.commands.append({"SREM", key("routes:" + m_nodeId), filter});
    m_outbox.control.push_back(encodeControl(Ctl::RouteDel, m_nodeId, filter));
    m_writeSeq.fetch_add(1, std::memory_order_release);
    wake();
}

void ClusterNode::retained(const MessagePtr &message)
{
    const Publish &p = message->publish;
    const QByteArray encoded = encodeMessage(*message);
    std::lock_guard lock(m_queueLock);
    if (p.payload.isEmpty())
        m_outbox.commands.append({"HDEL", key("retained"), p.topic});
    else
        m_outbox.commands.append({"HSET", key("retained"), p.topic, encoded});
    m_outbox.control.push_back(encodeControl(Ctl::Retain, m_nodeId, encoded));
    wake();
}

std::uint64_t ClusterNode::clientConnected(const QByteArray &clientId)
{
    std::lock_guard lock(m_queueLock);
    ++m_ownClaims[clientId];
    m_outbox.commands.append({"HSET", key("clients"), clientId, m_nodeId});
    m_outbox.control.push_back(encodeControl(Ctl::Claim, m_nodeId, clientId));
    wake();
    return m_claimClock;
}

void ClusterNode::sessionEnded(const QByteArray &clientId)
{
    // Only if the entry is still this node's: the client may be on another node by now.
    static const QByteArray script = "if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then "
                                     "return redis.call('HDEL', KEYS[1], ARGV[1]) end return 0";
    std::lock_guard lock(m_queueLock);
    m_outbox.commands.append({"EVAL", script, "1", key("clients"), clientId, m_nodeId});
    wake();
}

bool ClusterNode::isLocal(const QByteArray &clientId) const
{
    if (!m_core) return false;
    std::lock_guard lock(m_core->registryLock);
    const SessionPtr s = m_core->registry.value(clientId);
    return s && !s->expired;
}

void ClusterNode::claim(const QByteArray &clientId, bool park)
{
    std::lock_guard lock(m_queueLock);
    ++m_ownClaims[clientId];
    m_outbox.control.push_back(
        encodeControl(Ctl::Claim, m_nodeId, clientId, park ? QByteArrayLiteral("park") : QByteArray()));
    wake();
}

// ---- write-through of connected persistent sessions ----------------------------------------
//
// <p>live:<node>:<id>     the session's record (as parked, without expiry), rewritten when it
//                         connects, subscribes or unsubscribes
// <p>lives:<node>         hash: client id -> session expiry interval (seconds)
// <p>pending:<node>:<id>  hash: storage sequence -> queued or unacknowledged QoS 1/2 message
// All of it goes through the outbox: one pipeline per event-loop pass of the cluster thread.

HookMask ClusterNode::provides() const
{
    return hookBit(HookEvent::OnSessionUpdated) | hookBit(HookEvent::OnSessionEnded) |
           hookBit(HookEvent::OnSubscribed) | hookBit(HookEvent::OnUnsubscribed) |
           hookBit(HookEvent::OnMessageQueued) | hookBit(HookEvent::OnMessageInflight) |
           hookBit(HookEvent::OnMessageDone) | hookBit(HookEvent::OnInboundQos2);
}

void ClusterNode::writeLive(const QByteArray &clientId)
{
    if (!m_core) return;
    SessionPtr s;
    {
        std::lock_guard lock(m_core->registryLock);
        s = m_core->registry.value(clientId);
    }
    // Called on the session's home worker: its fields are this thread's to read.
    if (!s || s->expired || !s->persistent.load(std::memory_order_relaxed)) return;
    ParkedSession p;
    p.clientId = clientId;
    p.username = s->client.username;
    p.version = s->version;
    p.expiryInterval = s->expiryInterval;
    for (auto it = s->subscriptions.cbegin(); it != s->subscriptions.cend(); ++it)
        p.subscriptions.append({it.key(), it.value()});
    const QByteArray record = encodeRecord(p, 0);
    std::lock_guard lock(m_queueLock);
    m_outbox.commands.append({"SET", key("live:" + m_nodeId + ':' + clientId), record});
    m_outbox.commands.append(
        {"HSET", key("lives:" + m_nodeId), clientId, QByteArray::number(quint64(p.expiryInterval))});
    m_writeSeq.fetch_add(1, std::memory_order_release); // a SUBACK/UNSUBACK waits for it
    wake();
}

void ClusterNode::onSessionUpdated(const StoredClient &session)
{
    writeLive(session.clientId);
}

void ClusterNode::onSubscribed(const ClientInfo &client, const packets::Subscribe &,
                               const QList<std::uint8_t> &)
{
    writeLive(client.clientId);
}

void ClusterNode::onUnsubscribed(const ClientInfo &client, const packets::Unsubscribe &)
{
    writeLive(client.clientId);
}

void ClusterNode::onInboundQos2(const QByteArray &clientId, std::uint16_t packetId, bool received)
{
    // Before the PUBREC (received) / PUBCOMP (released) leaves: a session taken over after this
    // node died neither delivers a resent PUBLISH again nor refuses its PUBREL.
    std::lock_guard lock(m_queueLock);
    m_outbox.commands.append({received ? "SADD" : "SREM", qos2Key(clientId), QByteArray::number(packetId)});
    m_writeSeq.fetch_add(1, std::memory_order_release);
    wake();
}

void ClusterNode::onSessionEnded(const QByteArray &clientId)
{
    std::lock_guard lock(m_queueLock);
    m_outbox.commands.append(
        {"DEL", key("live:" + m_nodeId + ':' + clientId), pendingKey(clientId), qos2Key(clientId)});
    m_outbox.commands.append({"HDEL", key("lives:" + m_nodeId), clientId});
    wake();
}

void ClusterNode::onMessageQueued(const QueuedMessage &m)
{
    Outgoing o;
    o.setMessage(m.message);
    o.qos = m.qos;
    o.retain = m.retainFlag;
    o.subscriptionIds = m.subscriptionIds;
    const QByteArray encoded = encodeQueued(o);
    std::lock_guard lock(m_queueLock);
    m_outbox.commands.append({"HSET", pendingKey(m.clientId), QByteArray::number(m.sequence), encoded});
    m_writeSeq.fetch_add(1, std::memory_order_release);
    wake();
}

void ClusterNode::onMessageInflight(const QByteArray &clientId, std::uint64_t sequence, std::uint16_t,
                                    bool awaitingPubcomp)
{
    // PUBREC received: the client has the message; a resume elsewhere does not send it again.
    if (awaitingPubcomp) onMessageDone(clientId, sequence);
}

void ClusterNode::onMessageDone(const QByteArray &clientId, std::uint64_t sequence)
{
    std::lock_guard lock(m_queueLock);
    m_outbox.commands.append({"HDEL", pendingKey(clientId), QByteArray::number(sequence)});
    wake();
}

void ClusterNode::addParkedLocked(const QByteArray &clientId, const QByteArray &record)
{
    removeParkedLocked(clientId);
    ParkedSession p;
    Parked entry;
    if (!decodeRecord(record, p, entry.expiresAtMs)) return;
    entry.key = m_nextParkedKey++;
    entry.subscriptions = p.subscriptions;
    for (const auto &[filter, sub] : std::as_const(p.subscriptions)) {
        if (topics::splitSharedFilter(filter).isShared()) continue; // shared groups: per node
        topics::Subscription s;
        s.subscriber = entry.key;
        s.clientId = clientId;
        s.filter = filter;
        s.options = sub.options;
        s.identifier = sub.identifier;
        m_parkedRoutes.subscribe(s);
    }
    m_parkedIds.insert(entry.key, clientId);
    m_parked.insert(clientId, entry);
    m_parkedCount.store(m_parked.size(), std::memory_order_relaxed);
}

void ClusterNode::removeParkedLocked(const QByteArray &clientId)
{
    auto it = m_parked.find(clientId);
    if (it == m_parked.end()) return;
    for (const auto &[filter, sub] : std::as_const(it->subscriptions))
        m_parkedRoutes.unsubscribe(it->key, filter);
    m_parkedIds.remove(it->key);
    m_parked.erase(it);
    m_parkedCount.store(m_parked.size(), std::memory_order_relaxed);
}

bool ClusterNode::isParked(const QByteArray &clientId)
{
    if (m_parkedCount.load(std::memory_order_relaxed) == 0) return false;
    std::shared_lock lock(m_routesLock);
    auto it = m_parked.constFind(clientId);
    return it != m_parked.constEnd() && (it->expiresAtMs == 0 || it->expiresAtMs > nowMs());
}

void ClusterNode::park(ParkedSession session)
{
    const qint64 expiresAt = session.expiryInterval == kNeverExpires
                                 ? 0
                                 : session.disconnectedAtMs + qint64(session.expiryInterval) * 1000;
    const QByteArray record = encodeRecord(session, expiresAt);
    const QByteArray &id = session.clientId;
    {
        std::unique_lock lock(m_routesLock);
        addParkedLocked(id, record);
    }
    const QByteArray sessionKey = key("session:" + id), queueKey = key("queue:" + id);
    QList<QByteArray> set{"SET", sessionKey, record};
    if (expiresAt) set << "PXAT" << QByteArray::number(expiresAt);
    QList<QByteArray> push{"RPUSH", queueKey};
    for (const Outgoing &o : session.messages)
        push.append(encodeQueued(o));
    const QByteArray qos2 = key("qos2:" + id);
    QList<QByteArray> ids{"SADD", qos2};
    for (std::uint16_t packetId : std::as_const(session.inboundQos2))
        ids.append(QByteArray::number(packetId));
    std::lock_guard lock(m_queueLock);
    m_outbox.commands.append({"DEL", queueKey, qos2});
    m_outbox.commands.append(set);
    if (push.size() > 2) m_outbox.commands.append(push);
    if (ids.size() > 2) m_outbox.commands.append(ids);
    if (expiresAt) {
        m_outbox.commands.append({"PEXPIREAT", queueKey, QByteArray::number(expiresAt)});
        m_outbox.commands.append({"PEXPIREAT", qos2, QByteArray::number(expiresAt)});
    }
    m_outbox.commands.append({"SADD", key("parked"), id});
    m_outbox.control.push_back(encodeControl(Ctl::Park, m_nodeId, id, record));
    wake();
}

void ClusterNode::unpark(const QByteArray &clientId, std::function<void(std::optional<ParkedSession>)> done)
{
    {
        std::unique_lock lock(m_routesLock);
        removeParkedLocked(clientId);
    }
    std::lock_guard lock(m_queueLock);
    if (!m_engine) {
        done(std::nullopt);
        return;
    }
    Engine *e = m_engine;
    QMetaObject::invokeMethod(
        e, [e, clientId, done = std::move(done)] { e->unpark(clientId, done); }, Qt::QueuedConnection);
}

void ClusterNode::dropParked(const QByteArray &clientId)
{
    {
        std::unique_lock lock(m_routesLock);
        removeParkedLocked(clientId);
    }
    std::lock_guard lock(m_queueLock);
    m_outbox.commands.append(
        {"DEL", key("session:" + clientId), key("queue:" + clientId), key("qos2:" + clientId)});
    m_outbox.commands.append({"SREM", key("parked"), clientId});
    m_outbox.control.push_back(encodeControl(Ctl::Unpark, m_nodeId, clientId));
    wake();
}

std::optional<QList<QPair<QByteArray, QByteArray>>> ClusterNode::remoteClients(int timeoutMs)
{
    struct State {
        std::mutex lock;
        std::condition_variable cv;
        bool done = false;
        std::optional<QList<QPair<QByteArray, QByteArray>>> result;
    };
    auto state = std::make_shared<State>();
    {
        std::lock_guard lock(m_queueLock);
        if (!m_engine) return std::nullopt;
        Engine *e = m_engine;
        QMetaObject::invokeMethod(
            e,
            [e, state] {
                e->remoteClients([state](std::optional<QList<QPair<QByteArray, QByteArray>>> r) {
                    std::lock_guard lock(state->lock);
                    state->result = std::move(r);
                    state->done = true;
                    state->cv.notify_all();
                });
            },
            Qt::QueuedConnection);
    }
    std::unique_lock lock(state->lock);
    state->cv.wait_for(lock, std::chrono::milliseconds(timeoutMs), [&] { return state->done; });
    return state->result;
}

void ClusterNode::setDurableCallback(std::function<void(std::uint64_t)> fn)
{
    std::lock_guard lock(m_durableFnLock);
    m_durableFn = std::move(fn);
}

void ClusterNode::released(std::uint64_t upTo)
{
    std::uint64_t cur = m_durableSeq.load(std::memory_order_relaxed);
    while (cur < upTo && !m_durableSeq.compare_exchange_weak(cur, upTo, std::memory_order_release))
        ;
    std::lock_guard lock(m_durableFnLock);
    if (m_durableFn) m_durableFn(upTo);
}

ClusterStats ClusterNode::stats() const
{
    ClusterStats s;
    s.nodes = m_liveNodes.load(std::memory_order_relaxed);
    s.remoteFilters = m_remoteFilterCount.load(std::memory_order_relaxed);
    s.messagesForwarded = m_forwarded.load(std::memory_order_relaxed);
    s.messagesReceived = m_received.load(std::memory_order_relaxed);
    s.messagesDropped = m_dropped.load(std::memory_order_relaxed);
    s.messagesHeld = m_heldMessages.load(std::memory_order_relaxed);
    s.batchesSent = m_batches.load(std::memory_order_relaxed);
    s.duplicatesDropped = m_duplicates.load(std::memory_order_relaxed);
    s.redisConnected = m_redisUp.load(std::memory_order_relaxed);
    return s;
}

std::shared_ptr<Hook> createClusterNode(const ClusterOptions &options)
{
    return std::make_shared<ClusterNode>(options);
}

} // namespace petrel::cluster
