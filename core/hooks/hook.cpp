#include "hook.h"

namespace petrel {

using namespace packets;

const char *hookEventName(HookEvent e)
{
    static const char *const names[] = {
        "OnStarted",
        "OnStopped",
        "OnConnectAuthenticate",
        "OnACLCheck",
        "OnSysInfoTick",
        "OnConnect",
        "OnSessionEstablish",
        "OnSessionEstablished",
        "OnDisconnect",
        "OnAuthPacket",
        "OnPacketRead",
        "OnPacketEncode",
        "OnPacketSent",
        "OnPacketProcessed",
        "OnSubscribe",
        "OnSubscribed",
        "OnSelectSubscribers",
        "OnUnsubscribe",
        "OnUnsubscribed",
        "OnPublish",
        "OnPublished",
        "OnPublishDropped",
        "OnRetainMessage",
        "OnRetainPublished",
        "OnQosPublish",
        "OnQosComplete",
        "OnQosDropped",
        "OnPacketIDExhausted",
        "OnWill",
        "OnWillSent",
        "OnClientExpired",
        "OnRetainedExpired",
        "StoredClients",
        "StoredSubscriptions",
        "StoredInflightMessages",
        "StoredRetainedMessages",
        "StoredSysInfo",
        "OnSessionUpdated",
        "OnSessionEnded",
        "OnMessageQueued",
        "OnMessageInflight",
        "OnMessageDone",
        "OnInboundQos2",
    };
    static_assert(sizeof names / sizeof names[0] == unsigned(HookEvent::Count));
    return unsigned(e) < unsigned(HookEvent::Count) ? names[unsigned(e)] : "?";
}

// Do-nothing defaults: a hook overrides what it provides.
Hook::~Hook() = default;
bool Hook::init(const QVariantMap &, QString *)
{
    return true;
}
void Hook::stop() {}
void Hook::onStarted() {}
void Hook::onStopped() {}
bool Hook::onConnectAuthenticate(const ClientInfo &, const Connect &)
{
    return false;
}
bool Hook::onACLCheck(const ClientInfo &, const QByteArray &, bool)
{
    return false;
}
void Hook::onSysInfoTick(const BrokerStats &) {}
Error Hook::onConnect(const ClientInfo &, const Connect &)
{
    return {};
}
void Hook::onSessionEstablish(const ClientInfo &, const Connect &) {}
void Hook::onSessionEstablished(const ClientInfo &, const Connect &) {}
void Hook::onDisconnect(const ClientInfo &, ReasonCode, bool) {}
Error Hook::onAuthPacket(const ClientInfo &, Auth &)
{
    return {};
}
Error Hook::onPacketRead(const ClientInfo &, Packet &)
{
    return {};
}
void Hook::onPacketEncode(const ClientInfo &, Packet &) {}
void Hook::onPacketSent(const ClientInfo &, const Packet &, const QByteArray &) {}
void Hook::onPacketProcessed(const ClientInfo &, const Packet &, Error) {}
void Hook::onSubscribe(const ClientInfo &, Subscribe &) {}
void Hook::onSubscribed(const ClientInfo &, const Subscribe &, const QList<std::uint8_t> &) {}
void Hook::onSelectSubscribers(const Publish &, QList<SelectedSubscriber> &) {}
void Hook::onUnsubscribe(const ClientInfo &, Unsubscribe &) {}
void Hook::onUnsubscribed(const ClientInfo &, const Unsubscribe &) {}
Error Hook::onPublish(const ClientInfo &, Publish &)
{
    return {};
}
void Hook::onPublished(const ClientInfo &, const Publish &) {}
void Hook::onPublishDropped(const ClientInfo &, const Publish &) {}
void Hook::onRetainMessage(const ClientInfo &, const Publish &, int) {}
void Hook::onRetainPublished(const ClientInfo &, const Publish &) {}
void Hook::onQosPublish(const ClientInfo &, const Publish &, qint64, int) {}
void Hook::onQosComplete(const ClientInfo &, const Publish &) {}
void Hook::onQosDropped(const ClientInfo &, const Publish &) {}
void Hook::onPacketIDExhausted(const ClientInfo &, const Publish &) {}
bool Hook::onWill(const ClientInfo &, Will &)
{
    return true;
}
void Hook::onWillSent(const ClientInfo &, const Publish &) {}
void Hook::onClientExpired(const QByteArray &) {}
void Hook::onRetainedExpired(const QByteArray &) {}
QList<StoredClient> Hook::storedClients()
{
    return {};
}
QList<StoredSubscription> Hook::storedSubscriptions()
{
    return {};
}
QList<StoredMessage> Hook::storedInflightMessages()
{
    return {};
}
QList<StoredMessage> Hook::storedRetainedMessages()
{
    return {};
}
std::optional<StoredSysInfo> Hook::storedSysInfo()
{
    return std::nullopt;
}
void Hook::onSessionUpdated(const StoredClient &) {}
void Hook::onSessionEnded(const QByteArray &) {}
void Hook::onMessageQueued(const QueuedMessage &) {}
void Hook::onMessageInflight(const QByteArray &, std::uint64_t, std::uint16_t, bool) {}
void Hook::onMessageDone(const QByteArray &, std::uint64_t) {}
void Hook::onInboundQos2(const QByteArray &, std::uint16_t, bool) {}
DurabilityGate *Hook::durabilityGate()
{
    return nullptr;
}

ClusterLink *Hook::clusterLink()
{
    return nullptr;
}
DurabilityGate::~DurabilityGate() = default;

} // namespace petrel
