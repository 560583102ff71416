#include "brokerevents.h"

#include "broker/broker.h"

#include <QMetaMethod>

#include <utility>

namespace petrel {

using namespace packets;

namespace {

struct SignalEvent {
    QMetaMethod signal;
    HookEvent event;
};

// Which signal reports which event. Built once; QMetaMethod::fromSignal is constexpr-free.
const std::vector<SignalEvent> &signalTable()
{
    using E = HookEvent;
    using B = BrokerEvents;
    static const std::vector<SignalEvent> table = {
        {QMetaMethod::fromSignal(&B::brokerStarted), E::OnStarted},
        {QMetaMethod::fromSignal(&B::brokerStopped), E::OnStopped},
        {QMetaMethod::fromSignal(&B::sysInfoTick), E::OnSysInfoTick},
        {QMetaMethod::fromSignal(&B::clientConnecting), E::OnConnect},
        {QMetaMethod::fromSignal(&B::sessionEstablishing), E::OnSessionEstablish},
        {QMetaMethod::fromSignal(&B::sessionEstablished), E::OnSessionEstablished},
        {QMetaMethod::fromSignal(&B::clientDisconnected), E::OnDisconnect},
        {QMetaMethod::fromSignal(&B::packetRead), E::OnPacketRead},
        {QMetaMethod::fromSignal(&B::packetEncoding), E::OnPacketEncode},
        {QMetaMethod::fromSignal(&B::packetSent), E::OnPacketSent},
        {QMetaMethod::fromSignal(&B::packetProcessed), E::OnPacketProcessed},
        {QMetaMethod::fromSignal(&B::subscribing), E::OnSubscribe},
        {QMetaMethod::fromSignal(&B::subscribed), E::OnSubscribed},
        {QMetaMethod::fromSignal(&B::subscribersSelected), E::OnSelectSubscribers},
        {QMetaMethod::fromSignal(&B::unsubscribing), E::OnUnsubscribe},
        {QMetaMethod::fromSignal(&B::unsubscribed), E::OnUnsubscribed},
        {QMetaMethod::fromSignal(&B::publishing), E::OnPublish},
        {QMetaMethod::fromSignal(&B::published), E::OnPublished},
        {QMetaMethod::fromSignal(&B::publishDropped), E::OnPublishDropped},
        {QMetaMethod::fromSignal(&B::retainMessage), E::OnRetainMessage},
        {QMetaMethod::fromSignal(&B::retainPublished), E::OnRetainPublished},
        {QMetaMethod::fromSignal(&B::qosPublished), E::OnQosPublish},
        {QMetaMethod::fromSignal(&B::qosCompleted), E::OnQosComplete},
        {QMetaMethod::fromSignal(&B::qosDropped), E::OnQosDropped},
        {QMetaMethod::fromSignal(&B::packetIdExhausted), E::OnPacketIDExhausted},
        {QMetaMethod::fromSignal(&B::willPublishing), E::OnWill},
        {QMetaMethod::fromSignal(&B::willSent), E::OnWillSent},
        {QMetaMethod::fromSignal(&B::clientExpired), E::OnClientExpired},
        {QMetaMethod::fromSignal(&B::retainedExpired), E::OnRetainedExpired},
        {QMetaMethod::fromSignal(&B::sessionUpdated), E::OnSessionUpdated},
        {QMetaMethod::fromSignal(&B::sessionEnded), E::OnSessionEnded},
        {QMetaMethod::fromSignal(&B::messageQueued), E::OnMessageQueued},
        {QMetaMethod::fromSignal(&B::messageInflight), E::OnMessageInflight},
        {QMetaMethod::fromSignal(&B::messageDone), E::OnMessageDone},
        {QMetaMethod::fromSignal(&B::inboundQos2), E::OnInboundQos2},
    };
    return table;
}

} // namespace

BrokerEvents::BrokerEvents(QObject *parent) : QObject(parent) {}

BrokerEvents::~BrokerEvents() = default;

HookMask BrokerEvents::signalEvents()
{
    HookMask m = 0;
    for (const SignalEvent &s : signalTable())
        m |= hookBit(s.event);
    return m;
}

// Qt calls these with its connection lock held (disconnectNotify at least), so they must not
// ask isSignalConnected(). A new connection sets its bit at once; after a disconnection the
// mask is recounted from the object's own thread, a moment later: until then an event may be
// emitted to nobody, which is harmless.
void BrokerEvents::connectNotify(const QMetaMethod &signal)
{
    for (const SignalEvent &s : signalTable())
        if (s.signal == signal) m_mask.fetch_or(hookBit(s.event), std::memory_order_relaxed);
}

void BrokerEvents::disconnectNotify(const QMetaMethod &)
{
    QMetaObject::invokeMethod(this, &BrokerEvents::updateMask, Qt::QueuedConnection);
}

void BrokerEvents::updateMask()
{
    HookMask m = 0;
    for (const SignalEvent &s : signalTable())
        if (isSignalConnected(s.signal)) m |= hookBit(s.event);
    m_mask.store(m, std::memory_order_relaxed);
}

void BrokerEvents::onStarted()
{
    Q_EMIT brokerStarted();
}
void BrokerEvents::onStopped()
{
    Q_EMIT brokerStopped();
}
void BrokerEvents::onSysInfoTick(const BrokerStats &stats)
{
    Q_EMIT sysInfoTick(stats);
}
Error BrokerEvents::onConnect(const ClientInfo &client, const Connect &connect)
{
    Q_EMIT clientConnecting(client, connect);
    return {};
}
void BrokerEvents::onSessionEstablish(const ClientInfo &client, const Connect &connect)
{
    Q_EMIT sessionEstablishing(client, connect);
}
void BrokerEvents::onSessionEstablished(const ClientInfo &client, const Connect &connect)
{
    Q_EMIT sessionEstablished(client, connect);
}
void BrokerEvents::onDisconnect(const ClientInfo &client, ReasonCode reason, bool expire)
{
    Q_EMIT clientDisconnected(client, quint8(reason), expire);
}
Error BrokerEvents::onPacketRead(const ClientInfo &client, Packet &packet)
{
    Q_EMIT packetRead(client, packet);
    return {};
}
void BrokerEvents::onPacketEncode(const ClientInfo &client, Packet &packet)
{
    Q_EMIT packetEncoding(client, packet);
}
void BrokerEvents::onPacketSent(const ClientInfo &client, const Packet &packet, const QByteArray &bytes)
{
    Q_EMIT packetSent(client, packet, bytes);
}
void BrokerEvents::onPacketProcessed(const ClientInfo &client, const Packet &packet, Error error)
{
    Q_EMIT packetProcessed(client, packet, error ? quint8(error.code) : quint8(0));
}
void BrokerEvents::onSubscribe(const ClientInfo &client, Subscribe &packet)
{
    Q_EMIT subscribing(client, packet);
}
void BrokerEvents::onSubscribed(const ClientInfo &client, const Subscribe &packet,
                                const QList<std::uint8_t> &reasonCodes)
{
    Q_EMIT subscribed(client, packet, reasonCodes);
}
void BrokerEvents::onSelectSubscribers(const Publish &publish, QList<SelectedSubscriber> &subscribers)
{
    Q_EMIT subscribersSelected(publish, subscribers);
}
void BrokerEvents::onUnsubscribe(const ClientInfo &client, Unsubscribe &packet)
{
    Q_EMIT unsubscribing(client, packet);
}
void BrokerEvents::onUnsubscribed(const ClientInfo &client, const Unsubscribe &packet)
{
    Q_EMIT unsubscribed(client, packet);
}
Error BrokerEvents::onPublish(const ClientInfo &client, Publish &publish)
{
    Q_EMIT publishing(client, publish);
    return {};
}
void BrokerEvents::onPublished(const ClientInfo &client, const Publish &publish)
{
    Q_EMIT published(client, publish);
}
void BrokerEvents::onPublishDropped(const ClientInfo &client, const Publish &publish)
{
    Q_EMIT publishDropped(client, publish);
}
void BrokerEvents::onRetainMessage(const ClientInfo &client, const Publish &publish, int change)
{
    Q_EMIT retainMessage(client, publish, change);
}
void BrokerEvents::onRetainPublished(const ClientInfo &client, const Publish &publish)
{
    Q_EMIT retainPublished(client, publish);
}
void BrokerEvents::onQosPublish(const ClientInfo &client, const Publish &publish, qint64 sentAtMs,
                                int resends)
{
    Q_EMIT qosPublished(client, publish, sentAtMs, resends);
}
void BrokerEvents::onQosComplete(const ClientInfo &client, const Publish &publish)
{
    Q_EMIT qosCompleted(client, publish);
}
void BrokerEvents::onQosDropped(const ClientInfo &client, const Publish &publish)
{
    Q_EMIT qosDropped(client, publish);
}
void BrokerEvents::onPacketIDExhausted(const ClientInfo &client, const Publish &publish)
{
    Q_EMIT packetIdExhausted(client, publish);
}
bool BrokerEvents::onWill(const ClientInfo &client, Will &will)
{
    Q_EMIT willPublishing(client, will);
    return true;
}
void BrokerEvents::onWillSent(const ClientInfo &client, const Publish &publish)
{
    Q_EMIT willSent(client, publish);
}
void BrokerEvents::onClientExpired(const QByteArray &clientId)
{
    Q_EMIT clientExpired(clientId);
}
void BrokerEvents::onRetainedExpired(const QByteArray &topic)
{
    Q_EMIT retainedExpired(topic);
}
void BrokerEvents::onSessionUpdated(const StoredClient &session)
{
    Q_EMIT sessionUpdated(session);
}
void BrokerEvents::onSessionEnded(const QByteArray &clientId)
{
    Q_EMIT sessionEnded(clientId);
}
void BrokerEvents::onMessageQueued(const QueuedMessage &message)
{
    Q_EMIT messageQueued(message);
}
void BrokerEvents::onMessageInflight(const QByteArray &clientId, std::uint64_t sequence,
                                     std::uint16_t packetId, bool awaitingPubcomp)
{
    Q_EMIT messageInflight(clientId, sequence, packetId, awaitingPubcomp);
}
void BrokerEvents::onMessageDone(const QByteArray &clientId, std::uint64_t sequence)
{
    Q_EMIT messageDone(clientId, sequence);
}
void BrokerEvents::onInboundQos2(const QByteArray &clientId, std::uint16_t packetId, bool received)
{
    Q_EMIT inboundQos2(clientId, packetId, received);
}

} // namespace petrel
