// BrokerEvents: the hook events as Qt signals, for GUIs and embedders who prefer signals to
// writing a Hook (Broker::events() returns the broker's instance).
//
// Threads: the object lives in the thread that created the Broker, but most signals are
// emitted on the worker thread that handles the client (see hook.h). With the default
// Qt::AutoConnection a receiver living in another thread (a GUI object, say) gets a queued
// call in its own thread, with copies of the arguments; Qt::DirectConnection runs the slot
// on the worker thread, where it must be quick and thread-safe.
//
// Cost: the bridge is an observer hook with a dynamic mask (Hook::dynamicMask()). A signal
// adds its event to the mask only while something is connected to it (set on connect;
// cleared when the object's thread next runs its event loop after a disconnect), so an event nothing listens
// to costs the broker one bit test, and the bridge never copies a packet for nobody. It runs after every
// other hook, so what it reports is what the modifying hooks made of a packet. Decision events
// (onConnectAuthenticate, onACLCheck, onAuthPacket — a provider of onAuthPacket is what lets enhanced
// authentication in) and the Stored* loaders have no signal: a signal cannot answer.
#pragma once

#include "hook.h"

#include <QObject>

#include <atomic>

namespace petrel {

class BrokerEvents : public QObject, public Hook {
    Q_OBJECT
public:
    explicit BrokerEvents(QObject *parent = nullptr);
    ~BrokerEvents() override;

    QString id() const override { return QStringLiteral("qt-signals"); }
    HookMask provides() const override { return 0; }
    const std::atomic<HookMask> *dynamicMask() const override { return &m_mask; }
    // The events that have a signal (everything but the decisions and the loaders).
    static HookMask signalEvents();

    void onStarted() override;
    void onStopped() override;
    void onSysInfoTick(const BrokerStats &stats) override;
    packets::Error onConnect(const ClientInfo &client, const packets::Connect &connect) override;
    void onSessionEstablish(const ClientInfo &client, const packets::Connect &connect) override;
    void onSessionEstablished(const ClientInfo &client, const packets::Connect &connect) override;
    void onDisconnect(const ClientInfo &client, packets::ReasonCode reason, bool expire) override;
    packets::Error onPacketRead(const ClientInfo &client, packets::Packet &packet) override;
    void onPacketEncode(const ClientInfo &client, packets::Packet &packet) override;
    void onPacketSent(const ClientInfo &client, const packets::Packet &packet,
                      const QByteArray &bytes) override;
    void onPacketProcessed(const ClientInfo &client, const packets::Packet &packet,
                           packets::Error error) override;
    void onSubscribe(const ClientInfo &client, packets::Subscribe &packet) override;
    void onSubscribed(const ClientInfo &client, const packets::Subscribe &packet,
                      const QList<std::uint8_t> &reasonCodes) override;
    void onSelectSubscribers(const packets::Publish &publish,
                             QList<SelectedSubscriber> &subscribers) override;
    void onUnsubscribe(const ClientInfo &client, packets::Unsubscribe &packet) override;
    void onUnsubscribed(const ClientInfo &client, const packets::Unsubscribe &packet) override;
    packets::Error onPublish(const ClientInfo &client, packets::Publish &publish) override;
    void onPublished(const ClientInfo &client, const packets::Publish &publish) override;
    void onPublishDropped(const ClientInfo &client, const packets::Publish &publish) override;
    void onRetainMessage(const ClientInfo &client, const packets::Publish &publish, int change) override;
    void onRetainPublished(const ClientInfo &client, const packets::Publish &publish) override;
    void onQosPublish(const ClientInfo &client, const packets::Publish &publish, qint64 sentAtMs,
                      int resends) override;
    void onQosComplete(const ClientInfo &client, const packets::Publish &publish) override;
    void onQosDropped(const ClientInfo &client, const packets::Publish &publish) override;
    void onPacketIDExhausted(const ClientInfo &client, const packets::Publish &publish) override;
    bool onWill(const ClientInfo &client, packets::Will &will) override;
    void onWillSent(const ClientInfo &client, const packets::Publish &publish) override;
    void onClientExpired(const QByteArray &clientId) override;
    void onRetainedExpired(const QByteArray &topic) override;
    void onSessionUpdated(const StoredClient &session) override;
    void onSessionEnded(const QByteArray &clientId) override;
    void onMessageQueued(const QueuedMessage &message) override;
    void onMessageInflight(const QByteArray &clientId, std::uint64_t sequence, std::uint16_t packetId,
                           bool awaitingPubcomp) override;
    void onMessageDone(const QByteArray &clientId, std::uint64_t sequence) override;
    void onInboundQos2(const QByteArray &clientId, std::uint16_t packetId, bool received) override;

Q_SIGNALS:
    void brokerStarted();                               // OnStarted
    void brokerStopped();                               // OnStopped
    void sysInfoTick(const petrel::BrokerStats &stats); // OnSysInfoTick
    void clientConnecting(const petrel::ClientInfo &client,
                          const petrel::packets::Connect &connect); // OnConnect
    void sessionEstablishing(const petrel::ClientInfo &client,
                             const petrel::packets::Connect &connect); // OnSessionEstablish
    void sessionEstablished(const petrel::ClientInfo &client,
                            const petrel::packets::Connect &connect); // OnSessionEstablished
    // reason: the DISCONNECT reason code (0 normal); expired: the session ended with it.
    void clientDisconnected(const petrel::ClientInfo &client, quint8 reason, bool expired);   // OnDisconnect
    void packetRead(const petrel::ClientInfo &client, const petrel::packets::Packet &packet); // OnPacketRead
    void packetEncoding(const petrel::ClientInfo &client,
                        const petrel::packets::Packet &packet); // OnPacketEncode
    void packetSent(const petrel::ClientInfo &client, const petrel::packets::Packet &packet,
                    const QByteArray &bytes); // OnPacketSent
    // errorCode: 0, or the reason code the packet was refused with.
    void packetProcessed(const petrel::ClientInfo &client, const petrel::packets::Packet &packet,
                         quint8 errorCode); // OnPacketProcessed
    void subscribing(const petrel::ClientInfo &client,
                     const petrel::packets::Subscribe &packet); // OnSubscribe
    void subscribed(const petrel::ClientInfo &client, const petrel::packets::Subscribe &packet,
                    const QList<quint8> &reasonCodes); // OnSubscribed
    void subscribersSelected(const petrel::packets::Publish &publish,
                             const QList<petrel::SelectedSubscriber> &subscribers); // OnSelectSubscribers
    void unsubscribing(const petrel::ClientInfo &client,
                       const petrel::packets::Unsubscribe &packet); // OnUnsubscribe
    void unsubscribed(const petrel::ClientInfo &client,
                      const petrel::packets::Unsubscribe &packet); // OnUnsubscribed
    void publishing(const petrel::ClientInfo &client, const petrel::packets::Publish &publish); // OnPublish
    void published(const petrel::ClientInfo &client, const petrel::packets::Publish &publish);  // OnPublished
    void publishDropped(const petrel::ClientInfo &client,
                        const petrel::packets::Publish &publish); // OnPublishDropped
    // change: +1 stored, 0 replaced, -1 cleared.
    void retainMessage(const petrel::ClientInfo &client, const petrel::packets::Publish &publish,
                       int change); // OnRetainMessage
    void retainPublished(const petrel::ClientInfo &client,
                         const petrel::packets::Publish &publish); // OnRetainPublished
    void qosPublished(const petrel::ClientInfo &client, const petrel::packets::Publish &publish,
                      qint64 sentAtMs,
                      int resends); // OnQosPublish
    void qosCompleted(const petrel::ClientInfo &client,
                      const petrel::packets::Publish &publish); // OnQosComplete
    void qosDropped(const petrel::ClientInfo &client,
                    const petrel::packets::Publish &publish); // OnQosDropped
    void packetIdExhausted(const petrel::ClientInfo &client,
                           const petrel::packets::Publish &publish); // OnPacketIDExhausted
    void willPublishing(const petrel::ClientInfo &client, const petrel::packets::Will &will); // OnWill
    void willSent(const petrel::ClientInfo &client, const petrel::packets::Publish &publish); // OnWillSent
    void clientExpired(const QByteArray &clientId); // OnClientExpired
    void retainedExpired(const QByteArray &topic);  // OnRetainedExpired
    // The persistence events (sessions with an expiry only; see hook.h).
    void sessionUpdated(const petrel::StoredClient &session); // OnSessionUpdated
    void sessionEnded(const QByteArray &clientId);            // OnSessionEnded
    void messageQueued(const petrel::QueuedMessage &message); // OnMessageQueued
    void messageInflight(const QByteArray &clientId, quint64 sequence, quint16 packetId,
                         bool awaitingPubcomp);                                    // OnMessageInflight
    void messageDone(const QByteArray &clientId, quint64 sequence);                // OnMessageDone
    void inboundQos2(const QByteArray &clientId, quint16 packetId, bool received); // OnInboundQos2

protected:
    void connectNotify(const QMetaMethod &signal) override;
    void disconnectNotify(const QMetaMethod &signal) override;

private:
    void updateMask();

    std::atomic<HookMask> m_mask{0};
};

} // namespace petrel
