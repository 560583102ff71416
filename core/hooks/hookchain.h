// The ordered chain of hooks the broker calls. Hooks are added before the broker starts;
// while it runs the chain is read-only, so worker threads call it without locks. A bit
// mask of the events any hook provides makes an unprovided event cost one test.
#pragma once

#include "hook.h"

#include <atomic>
#include <memory>
#include <vector>

namespace petrel {

class HookChain {
public:
    // Adds a hook (not while the broker runs). Calls hook->init(config). Hooks run in the
    // order added, except that observers with a dynamic mask (Hook::dynamicMask(), the Qt
    // signal bridge) always stay after every other hook, so they see what the modifying
    // hooks made of a packet.
    bool add(std::shared_ptr<Hook> hook, const QVariantMap &config, QString *error);
    const std::vector<std::shared_ptr<Hook>> &hooks() const { return m_hooks; }
    void stopAll();

    // Events provided by some hook, the current bits of dynamic hooks included.
    HookMask mask() const
    {
        HookMask m = m_static;
        for (const std::atomic<HookMask> *d : m_dynamic)
            m |= d->load(std::memory_order_relaxed);
        return m;
    }
    bool provides(HookEvent e) const { return (mask() & hookBit(e)) != 0; }

    // Calls fn(hook) for each hook that provides `e`, in order, until fn returns false.
    template <class F>
    void each(HookEvent e, F fn) const
    {
        const HookMask bit = hookBit(e);
        for (size_t i = 0; i < m_hooks.size(); ++i) {
            const HookMask m = m_dynamicOf[i] ? m_dynamicOf[i]->load(std::memory_order_relaxed) : m_masks[i];
            if ((m & bit) == 0) continue;
            if constexpr (std::is_same_v<decltype(fn(*m_hooks[i])), bool>) {
                if (!fn(*m_hooks[i])) return;
            } else {
                fn(*m_hooks[i]);
            }
        }
    }

    // The two access questions: any hook saying yes allows; no hook at all denies.
    bool authenticate(const ClientInfo &client, const packets::Connect &connect) const;
    bool aclAllows(const ClientInfo &client, const QByteArray &topic, bool write) const
    {
        return m_aclAllowsEverything || aclAsk(client, topic, write);
    }
    // True if the first hook to answer access questions allows everything (AllowAllHook
    // before any other onACLCheck provider): aclAllows() is then true without a call.
    bool aclAllowsEverything() const { return m_aclAllowsEverything; }
    // First error wins.
    packets::Error onConnect(const ClientInfo &client, const packets::Connect &connect) const;
    packets::Error onPublish(const ClientInfo &client, packets::Publish &publish) const;
    packets::Error onPacketRead(const ClientInfo &client, packets::Packet &packet) const;
    packets::Error onAuthPacket(const ClientInfo &client, packets::Auth &packet) const;
    bool onWill(const ClientInfo &client, packets::Will &will) const;

private:
    bool aclAsk(const ClientInfo &client, const QByteArray &topic, bool write) const;
    void updateAclShortcut();

    std::vector<std::shared_ptr<Hook>> m_hooks;
    std::vector<HookMask> m_masks;
    std::vector<const std::atomic<HookMask> *> m_dynamicOf; // per hook: its dynamic mask, or null
    std::vector<const std::atomic<HookMask> *> m_dynamic;   // the non-null ones
    HookMask m_static = 0;
    bool m_aclAllowsEverything = false;
};

} // namespace petrel
