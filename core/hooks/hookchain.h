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
    // Adds a hook (not while the broker runs). Calls hook->init(config).
    bool add(std::shared_ptr<Hook> hook, const QVariantMap &config, QString *error);
    const std::vector<std::shared_ptr<Hook>> &hooks() const { return m_hooks; }
    void stopAll();

    // Events provided by some hook. Bits set by setDynamic() (the Qt signal bridge, whose
    // events depend on what is connected) are included.
    HookMask mask() const { return m_static | m_dynamic.load(std::memory_order_relaxed); }
    bool provides(HookEvent e) const { return (mask() & hookBit(e)) != 0; }
    void setDynamic(HookMask bits) { m_dynamic.store(bits, std::memory_order_relaxed); }

    // Calls fn(hook) for each hook that provides `e`, in order, until fn returns false.
    template <class F>
    void each(HookEvent e, F fn) const
    {
        const HookMask bit = hookBit(e);
        for (size_t i = 0; i < m_hooks.size(); ++i) {
            if ((m_masks[i] & bit) == 0) continue;
            if constexpr (std::is_same_v<decltype(fn(*m_hooks[i])), bool>) {
                if (!fn(*m_hooks[i])) return;
            } else {
                fn(*m_hooks[i]);
            }
        }
    }

    // The two access questions: any hook saying yes allows; no hook at all denies.
    bool authenticate(const ClientInfo &client, const packets::Connect &connect) const;
    bool aclAllows(const ClientInfo &client, const QByteArray &topic, bool write) const;
    // First error wins.
    packets::Error onConnect(const ClientInfo &client, const packets::Connect &connect) const;
    packets::Error onPublish(const ClientInfo &client, packets::Publish &publish) const;
    packets::Error onPacketRead(const ClientInfo &client, packets::Packet &packet) const;
    packets::Error onAuthPacket(const ClientInfo &client, packets::Auth &packet) const;
    bool onWill(const ClientInfo &client, packets::Will &will) const;

private:
    std::vector<std::shared_ptr<Hook>> m_hooks;
    std::vector<HookMask> m_masks;
    HookMask m_static = 0;
    std::atomic<HookMask> m_dynamic{0};
};

} // namespace petrel
