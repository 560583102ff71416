// BrokerCore::restore: the broker's state rebuilt from the Stored* loaders of the hooks
// (persistence), before the workers start and before any listener opens.
#include "brokercore.h"
#include "packets/codec.h"
#include "worker.h"

#include <QLoggingCategory>

#include <algorithm>

Q_LOGGING_CATEGORY(lcRestore, "petrel.restore")

namespace petrel {

using namespace packets;

namespace {
constexpr std::uint32_t kNeverExpires = 0xFFFFFFFF;
}

int BrokerCore::restore()
{
    const HookMask loaders = hookBit(HookEvent::StoredClients) | hookBit(HookEvent::StoredSubscriptions) |
                             hookBit(HookEvent::StoredInflightMessages) |
                             hookBit(HookEvent::StoredRetainedMessages) | hookBit(HookEvent::StoredSysInfo);
    if ((hooks.mask() & loaders) == 0 || workers.empty()) return 0;
    const qint64 now = nowMs();

    // ---- sessions
    QList<StoredClient> clients;
    hooks.each(HookEvent::StoredClients, [&](Hook &h) { clients += h.storedClients(); });
    QHash<QByteArray, SessionPtr> sessions;
    int expiredSessions = 0;
    const auto ended = [&](const QByteArray &clientId) {
        hooks.each(HookEvent::OnSessionEnded, [&](Hook &h) { h.onSessionEnded(clientId); });
    };
    for (const StoredClient &c : std::as_const(clients)) {
        const std::uint32_t expiry = std::min(c.sessionExpiryInterval, caps().maximumSessionExpiryInterval);
        // A session that was connected when the state was saved (a crash) counts as
        // disconnected now.
        const qint64 disconnectedAt = c.disconnectedAtMs > 0 ? c.disconnectedAtMs : now;
        if (c.clientId.isEmpty() || sessions.contains(c.clientId) || expiry == 0 ||
            (expiry != kNeverExpires && now - disconnectedAt >= qint64(expiry) * 1000)) {
            ++expiredSessions;
            ended(c.clientId);
            continue;
        }
        auto s = std::make_shared<Session>(c.clientId);
        s->client.clientId = c.clientId;
        s->client.username = c.username;
        s->client.version = c.version;
        s->version = c.version;
        s->expiryInterval = expiry;
        s->disconnectedAtMs = disconnectedAt;
        s->persistent.store(true, std::memory_order_relaxed);
        if (c.hasWill) {
            s->will = std::make_unique<Will>(c.will);
            // The will waits for its delay (v5), counted from the disconnection, as it would
            // have without the restart; at the latest it goes when the session ends.
            const std::uint32_t delay = isV5(c.version) ? c.will.properties.willDelayInterval : 0;
            s->willDueAtMs = disconnectedAt + qint64(std::min(delay, expiry)) * 1000;
        }
        sessions.insert(c.clientId, s);
    }

    // ---- subscriptions
    QList<StoredSubscription> subs;
    hooks.each(HookEvent::StoredSubscriptions, [&](Hook &h) { subs += h.storedSubscriptions(); });
    int restoredSubscriptions = 0;
    for (const StoredSubscription &sub : std::as_const(subs)) {
        const SessionPtr s = sessions.value(sub.clientId);
        if (!s || !isValidTopicFilter(sub.filter)) continue;
        SessionSubscription ss;
        ss.options = sub.options;
        ss.identifier = sub.identifier;
        addSubscription(*s, sub.filter, ss);
        s->subscriptions.insert(sub.filter, ss);
        ++restoredSubscriptions;
    }

    // ---- queued and inflight messages, inbound QoS 2 ids
    QList<StoredMessage> messages;
    hooks.each(HookEvent::StoredInflightMessages, [&](Hook &h) { messages += h.storedInflightMessages(); });
    std::stable_sort(messages.begin(), messages.end(),
                     [](const StoredMessage &a, const StoredMessage &b) { return a.sequence < b.sequence; });
    std::uint64_t maxSequence = 0;
    int expiredMessages = 0;
    int restoredMessages = 0;
    for (const StoredMessage &m : std::as_const(messages)) {
        maxSequence = std::max(maxSequence, m.sequence);
        const SessionPtr s = sessions.value(m.clientId);
        if (!s) continue; // its session is gone: the hook was told above
        if (m.kind == StoredMessage::Kind::InboundQos2) {
            if (m.packetId) s->inboundQos2.insert(m.packetId);
            continue;
        }
        if (m.kind != StoredMessage::Kind::InflightOut && m.kind != StoredMessage::Kind::QueuedOut) continue;
        const bool inflight = m.kind == StoredMessage::Kind::InflightOut && m.packetId != 0 &&
                              !s->usedPacketIds.contains(m.packetId);
        const bool awaitingPubcomp = inflight && m.qos == 2 && m.awaitingPubcomp;
        // An expired message is dropped, unless its PUBLISH was already acknowledged
        // (PUBREC): then only the PUBREL is left to send.
        if (m.qos == 0 || m.qos > 2 || (!awaitingPubcomp && m.expiresAtMs && m.expiresAtMs <= now)) {
            ++expiredMessages;
            hooks.each(HookEvent::OnMessageDone, [&](Hook &h) { h.onMessageDone(m.clientId, m.sequence); });
            continue;
        }
        auto message = std::make_shared<Message>();
        message->publish = m.publish;
        message->publish.packetId = 0;
        message->publish.dup = false;
        message->createdAtMs = m.createdAtMs;
        message->expiresAtMs = m.expiresAtMs;
        Outgoing o;
        o.setMessage(std::move(message));
        o.qos = m.qos;
        o.retain = m.retainFlag;
        for (std::uint32_t id : m.subscriptionIds)
            o.subscriptionIds.append(id);
        o.storeSeq = m.sequence;
        if (inflight) {
            InflightOut f;
            f.packetId = m.packetId;
            f.state = m.qos == 1 ? InflightOut::State::AwaitPuback
                                 : (awaitingPubcomp ? InflightOut::State::AwaitPubcomp
                                                    : InflightOut::State::AwaitPubrec);
            f.out = std::move(o);
            s->usedPacketIds.insert(m.packetId);
            s->lastPacketId = std::max(s->lastPacketId, m.packetId);
            s->inflight.push_back(std::move(f));
            counters.inflight.fetch_add(1, std::memory_order_relaxed);
        } else {
            s->pending.push_back(std::move(o));
        }
        ++restoredMessages;
    }
    messageSequence.store(maxSequence, std::memory_order_relaxed);

    // ---- retained messages
    QList<StoredMessage> retainedMessages;
    hooks.each(HookEvent::StoredRetainedMessages,
               [&](Hook &h) { retainedMessages += h.storedRetainedMessages(); });
    int expiredRetained = 0;
    {
        std::unique_lock lock(retainedLock);
        for (const StoredMessage &m : std::as_const(retainedMessages)) {
            if (!isValidTopicName(m.publish.topic) || m.publish.payload.isEmpty()) continue;
            if (m.expiresAtMs && m.expiresAtMs <= now) {
                ++expiredRetained;
                lock.unlock();
                hooks.each(HookEvent::OnRetainedExpired,
                           [&](Hook &h) { h.onRetainedExpired(m.publish.topic); });
                lock.lock();
                continue;
            }
            Publish p = m.publish;
            p.retain = true;
            p.dup = false;
            p.packetId = 0;
            retained.set(p, m.createdAtMs, m.expiresAtMs);
        }
        counters.retained.store(retained.size(), std::memory_order_relaxed);
    }

    // ---- $SYS counters (RestoreSysInfoOnRestart)
    if (caps().compatibilities.restoreSysInfoOnRestart) {
        std::optional<StoredSysInfo> info;
        hooks.each(HookEvent::StoredSysInfo, [&](Hook &h) {
            if (!info) info = h.storedSysInfo();
        });
        if (info) {
            counters.messagesReceived.store(info->messagesReceived);
            counters.messagesSent.store(info->messagesSent);
            counters.messagesDropped.store(info->messagesDropped);
            counters.bytesReceived.store(info->bytesReceived);
            counters.bytesSent.store(info->bytesSent);
            counters.clientsMaximum.store(info->clientsMaximum);
        }
    }

    // ---- the sessions go to the workers, offline, and into the registry
    {
        std::lock_guard lock(registryLock);
        int i = 0;
        for (const SessionPtr &s : std::as_const(sessions)) {
            registry.insert(s->clientId, s);
            workers[size_t(i++) % workers.size()]->adoptRestoredSession(s);
        }
        counters.clientsTotal.fetch_add(sessions.size(), std::memory_order_relaxed);
    }
    qCInfo(lcRestore).noquote() << QStringLiteral("restored %1 sessions (%2 expired), %3 subscriptions, %4 "
                                                  "messages (%5 expired), %6 retained (%7 expired)")
                                       .arg(sessions.size())
                                       .arg(expiredSessions)
                                       .arg(restoredSubscriptions)
                                       .arg(restoredMessages)
                                       .arg(expiredMessages)
                                       .arg(retainedMessages.size() - expiredRetained)
                                       .arg(expiredRetained);
    return int(sessions.size());
}

} // namespace petrel
