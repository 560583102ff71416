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
    const std::atomic<HookMask> *dynamic = hook->dynamicMask();
    if (dynamic) {
        m_dynamic.push_back(dynamic);
        m_masks.push_back(0);
        m_dynamicOf.push_back(dynamic);
        m_hooks.push_back(std::move(hook));
        updateAclShortcut();
        return true;
    }
    const HookMask m = hook->provides();
    m_static |= m;
    // Before the first dynamic observer, which stays last.
    size_t at = 0;
    while (at < m_hooks.size() && !m_dynamicOf[at])
        ++at;
    m_masks.insert(m_masks.begin() + at, m);
    m_dynamicOf.insert(m_dynamicOf.begin() + at, nullptr);
    m_hooks.insert(m_hooks.begin() + at, std::move(hook));
    updateAclShortcut();
    return true;
}

// aclAllows() asks the hooks in order until one says yes: if the first that may answer
// always says yes, the answer is known. (A dynamic hook may start answering at any time.)
void HookChain::updateAclShortcut()
{
    m_aclAllowsEverything = false;
    for (size_t i = 0; i < m_hooks.size(); ++i) {
        if (m_dynamicOf[i]) return;
        if (m_masks[i] & hookBit(HookEvent::OnACLCheck)) {
            m_aclAllowsEverything = m_hooks[i]->aclAllowsEverything();
            return;
        }
    }
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

bool HookChain::aclAsk(const ClientInfo &client, const QByteArray &topic, bool write) const
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
