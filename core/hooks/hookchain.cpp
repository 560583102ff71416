#include "hookchain.h"

namespace petrel {

using namespace packets;

bool HookChain::add(std::shared_ptr<Hook> hook, const QVariantMap &config, QString *error)
{
    if (!hook) return false;
    QString why;
    if (!hook->init(config, &why)) {
        if (error) *error = QStringLiteral("hook %1: %2").arg(hook->id(), why);
        return false;
    }
    const HookMask m = hook->provides();
    m_masks.push_back(m);
    m_static |= m;
    m_hooks.push_back(std::move(hook));
    return true;
}

void HookChain::stopAll()
{
    for (auto &h : m_hooks)
        h->stop();
}

bool HookChain::authenticate(const ClientInfo &client, const Connect &connect) const
{
    bool allowed = false;
    each(HookEvent::OnConnectAuthenticate, [&](Hook &h) {
        allowed = h.onConnectAuthenticate(client, connect);
        return !allowed;
    });
    return allowed;
}

bool HookChain::aclAllows(const ClientInfo &client, const QByteArray &topic, bool write) const
{
    bool allowed = false;
    each(HookEvent::OnACLCheck, [&](Hook &h) {
        allowed = h.onACLCheck(client, topic, write);
        return !allowed;
    });
    return allowed;
}

Error HookChain::onConnect(const ClientInfo &client, const Connect &connect) const
{
    Error e;
    each(HookEvent::OnConnect, [&](Hook &h) {
        e = h.onConnect(client, connect);
        return !e;
    });
    return e;
}

Error HookChain::onPublish(const ClientInfo &client, Publish &publish) const
{
    Error e;
    each(HookEvent::OnPublish, [&](Hook &h) {
        e = h.onPublish(client, publish);
        return !e;
    });
    return e;
}

Error HookChain::onPacketRead(const ClientInfo &client, Packet &packet) const
{
    Error e;
    each(HookEvent::OnPacketRead, [&](Hook &h) {
        e = h.onPacketRead(client, packet);
        return !e;
    });
    return e;
}

Error HookChain::onAuthPacket(const ClientInfo &client, Auth &packet) const
{
    Error e;
    each(HookEvent::OnAuthPacket, [&](Hook &h) {
        e = h.onAuthPacket(client, packet);
        return !e;
    });
    return e;
}

bool HookChain::onWill(const ClientInfo &client, Will &will) const
{
    bool send = true;
    each(HookEvent::OnWill, [&](Hook &h) {
        send = h.onWill(client, will);
        return send;
    });
    return send;
}

} // namespace petrel
