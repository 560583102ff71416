#include "batchedstorage.h"

#include "broker/broker.h"

#include <QDateTime>
#include <QHash>

#include <algorithm>
#include <iterator>

namespace petrel::storage {

using namespace packets;
using Op = BatchedStorageHook::Op;

HookMask BatchedStorageHook::provides() const
{
    return hookBit(HookEvent::OnStopped) | hookBit(HookEvent::OnSubscribed) |
           hookBit(HookEvent::OnUnsubscribed) | hookBit(HookEvent::OnRetainMessage) |
           hookBit(HookEvent::OnRetainedExpired) | hookBit(HookEvent::OnSysInfoTick) |
           hookBit(HookEvent::OnSessionUpdated) | hookBit(HookEvent::OnSessionEnded) |
           hookBit(HookEvent::OnMessageQueued) | hookBit(HookEvent::OnMessageInflight) |
           hookBit(HookEvent::OnMessageDone) | hookBit(HookEvent::OnInboundQos2) |
           hookBit(HookEvent::StoredClients) | hookBit(HookEvent::StoredSubscriptions) |
           hookBit(HookEvent::StoredInflightMessages) | hookBit(HookEvent::StoredRetainedMessages) |
           hookBit(HookEvent::StoredSysInfo);
}

void BatchedStorageHook::appended(std::size_t, std::size_t) {}

// ---- events (worker threads) --------------------------------------------------------------

// Holds m_lock while an event appends its changes; then tells the subclass (appended()).
class BatchedStorageHook::Appending {
public:
    explicit Appending(BatchedStorageHook &hook)
        : m_hook(hook), m_guard(hook.m_lock), m_before(hook.m_ops.size())
    {
    }
    ~Appending()
    {
        const std::size_t after = m_hook.m_ops.size();
        m_guard.unlock();
        if (after != m_before) m_hook.appended(m_before, after);
    }
    Appending(const Appending &) = delete;
    Appending &operator=(const Appending &) = delete;

    void add(Op &&op)
    {
        if (m_hook.admit(op)) m_hook.m_ops.push_back(std::move(op));
    }

private:
    BatchedStorageHook &m_hook;
    std::unique_lock<std::mutex> m_guard;
    const std::size_t m_before;
};

void BatchedStorageHook::append(Op &&op)
{
    Appending(*this).add(std::move(op));
}

// A session is stored from its first update to its end; only then are its subscriptions.
void BatchedStorageHook::appendSession(Op &&op, bool stored)
{
    Appending changes(*this);
    if (stored)
        m_persistent.insert(op.key);
    else
        m_persistent.remove(op.key);
    changes.add(std::move(op));
}

void BatchedStorageHook::onSessionUpdated(const StoredClient &session)
{
    Op op(Op::Client, session.clientId);
    op.data = std::make_shared<const StoredClient>(session);
    appendSession(std::move(op), true);
}

void BatchedStorageHook::onSessionEnded(const QByteArray &clientId)
{
    appendSession(Op(Op::EndClient, clientId), false);
}

void BatchedStorageHook::onSubscribed(const ClientInfo &client, const Subscribe &packet,
                                      const QList<std::uint8_t> &reasonCodes)
{
    std::uint32_t identifier = 0;
    if (packet.properties.has(PropertyId::SubscriptionIdentifier) &&
        !packet.properties.subscriptionIdentifiers.isEmpty())
        identifier = packet.properties.subscriptionIdentifiers.first();
    Appending changes(*this);
    if (!m_persistent.contains(client.clientId)) return; // its session ends with the connection
    for (qsizetype i = 0; i < packet.topics.size() && i < reasonCodes.size(); ++i) {
        if (reasonCodes[i] >= 0x80) continue;
        const TopicSubscription &t = packet.topics[i];
        StoredSubscription s;
        s.clientId = client.clientId;
        s.filter = QByteArray(t.filter.constData(), t.filter.size());
        s.options = t.options;
        s.options.qos = reasonCodes[i];
        s.identifier = identifier;
        Op op(Op::Subscribe, client.clientId);
        op.key2 = s.filter;
        op.data = std::move(s);
        changes.add(std::move(op));
    }
}

void BatchedStorageHook::onUnsubscribed(const ClientInfo &client, const Unsubscribe &packet)
{
    Appending changes(*this);
    if (!m_persistent.contains(client.clientId)) return;
    for (const QByteArray &filter : packet.filters) {
        Op op(Op::Unsubscribe, client.clientId);
        op.key2 = QByteArray(filter.constData(), filter.size());
        changes.add(std::move(op));
    }
}

void BatchedStorageHook::onRetainMessage(const ClientInfo &, const Publish &publish, int)
{
    Op op;
    op.key = QByteArray(publish.topic.constData(), publish.topic.size());
    if (publish.payload.isEmpty()) {
        op.type = Op::Unretain;
    } else {
        op.type = Op::Retain;
        StoredMessage m;
        m.kind = StoredMessage::Kind::Retained;
        m.publish = publish;
        m.createdAtMs = QDateTime::currentMSecsSinceEpoch();
        // The broker applies its maximum message expiry again when it loads the message.
        if (publish.properties.has(PropertyId::MessageExpiryInterval) &&
            publish.properties.messageExpiryInterval)
            m.expiresAtMs = m.createdAtMs + qint64(publish.properties.messageExpiryInterval) * 1000;
        op.data = std::make_shared<const StoredMessage>(std::move(m));
    }
    append(std::move(op));
}

void BatchedStorageHook::onRetainedExpired(const QByteArray &topic)
{
    append(Op(Op::Unretain, topic));
}

void BatchedStorageHook::onSysInfoTick(const BrokerStats &stats)
{
    const StoredSysInfo s{.startedAtMs = stats.startedAtMs,
                          .messagesReceived = stats.messagesReceived,
                          .messagesSent = stats.messagesSent,
                          .messagesDropped = stats.messagesDropped,
                          .bytesReceived = stats.bytesReceived,
                          .bytesSent = stats.bytesSent,
                          .clientsMaximum = stats.clientsMaximum};
    Op op(Op::SysInfo, {});
    op.data = s;
    append(std::move(op));
}

void BatchedStorageHook::onMessageQueued(const QueuedMessage &message)
{
    Op op(Op::Queue, message.clientId, message.sequence);
    op.data = message;
    append(std::move(op));
}

void BatchedStorageHook::onMessageInflight(const QByteArray &clientId, std::uint64_t sequence,
                                           std::uint16_t packetId, bool awaitingPubcomp)
{
    Op op(Op::Inflight, clientId, sequence, packetId);
    op.flag = awaitingPubcomp;
    append(std::move(op));
}

void BatchedStorageHook::onMessageDone(const QByteArray &clientId, std::uint64_t sequence)
{
    append(Op(Op::Done, clientId, sequence));
}

void BatchedStorageHook::onInboundQos2(const QByteArray &clientId, std::uint16_t packetId, bool received)
{
    append(Op(received ? Op::InboundAdd : Op::InboundDel, clientId, 0, packetId));
}

// ---- loaders (the broker's thread, at start) -----------------------------------------------

void BatchedStorageHook::setLoaded(Loaded &&loaded)
{
    std::lock_guard lock(m_lock);
    for (const StoredClient &c : std::as_const(loaded.clients))
        m_persistent.insert(c.clientId);
    m_loaded = std::move(loaded);
}

QList<StoredSubscription> BatchedStorageHook::storedSubscriptions()
{
    std::lock_guard lock(m_lock);
    return m_loaded.subscriptions;
}

QList<StoredMessage> BatchedStorageHook::storedInflightMessages()
{
    std::lock_guard lock(m_lock);
    return m_loaded.messages;
}

QList<StoredMessage> BatchedStorageHook::storedRetainedMessages()
{
    std::lock_guard lock(m_lock);
    return m_loaded.retained;
}

std::optional<StoredSysInfo> BatchedStorageHook::storedSysInfo()
{
    std::lock_guard lock(m_lock);
    auto s = m_loaded.sysInfo;
    // Loaded once per start: the lists are not needed any more.
    m_loaded.clients.clear();
    m_loaded.subscriptions.clear();
    m_loaded.messages.clear();
    m_loaded.retained.clear();
    return s;
}

// ---- batches (the hook's thread) -----------------------------------------------------------

std::vector<std::size_t> BatchedStorageHook::fold(std::vector<Op> &batch)
{
    QHash<std::uint64_t, std::size_t> queued;
    std::size_t lastSys = batch.size();
    for (std::size_t i = 0; i < batch.size(); ++i) {
        Op &op = batch[i];
        switch (op.type) {
        case Op::Queue:
            queued.insert(op.seq, i);
            break;
        case Op::Inflight: {
            auto it = queued.constFind(op.seq);
            if (it == queued.constEnd()) break;
            batch[*it].packetId = op.packetId;
            batch[*it].flag = op.flag;
            op.type = Op::Done; // placeholder, skipped by the writers
            op.seq = 0;
            break;
        }
        case Op::Done: {
            if (op.seq == 0) break;
            auto it = queued.constFind(op.seq);
            if (it == queued.constEnd()) break;
            batch[*it].type = Op::Done; // both vanish
            batch[*it].seq = 0;
            op.seq = 0;
            queued.erase(it);
            break;
        }
        case Op::EndClient:
            // The session's records go: its messages queued earlier in this batch need no write.
            for (auto it = queued.begin(); it != queued.end();) {
                Op &q = batch[*it];
                if (q.key == op.key) {
                    q.type = Op::Done;
                    q.seq = 0;
                    it = queued.erase(it);
                } else {
                    ++it;
                }
            }
            break;
        case Op::SysInfo:
            if (lastSys < batch.size()) batch[lastSys].type = Op::Done, batch[lastSys].seq = 0;
            lastSys = i;
            break;
        default:
            break;
        }
    }
    std::vector<std::size_t> standing(queued.cbegin(), queued.cend());
    std::sort(standing.begin(), standing.end());
    return standing;
}

void BatchedStorageHook::prependOlder(std::vector<Op> &batch, std::vector<Op> &deferred,
                                      std::vector<Op> &retry)
{
    if (retry.empty() && deferred.empty()) return;
    std::vector<Op> all;
    all.reserve(deferred.size() + retry.size() + batch.size());
    for (std::vector<Op> *part : {&deferred, &retry, &batch}) {
        std::move(part->begin(), part->end(), std::back_inserter(all));
        part->clear();
    }
    batch.swap(all);
}

} // namespace petrel::storage
