// The inline client's subscriptions: embedding code subscribes a handler to a topic filter
// (Broker::subscribe) and receives every matching message, from network clients and from
// Broker::publish alike, without a socket. As in Mochi: QoS 0 delivery, no shared
// subscriptions, no ACL checks, and no replay of retained messages.
//
// Threads: the handler runs on the worker thread that routes the message (the publisher's
// worker, or any worker for Broker::publish), possibly on several workers at once: it must
// be quick and thread-safe. Subscribing and unsubscribing are thread-safe, also from inside
// a handler.
#pragma once

#include "packets/packets.h"
#include "topics/topics.h"

#include <QByteArray>
#include <QHash>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <shared_mutex>

namespace petrel {

struct Message;

// What an inline subscription receives.
struct InlineMessage {
    QByteArray filter;               // the filter subscribed to
    std::uint32_t subscriptionId;    // the id given to Broker::subscribe
    QByteArray publisherId;          // client id of the publisher; empty for Broker::publish
    const packets::Publish &publish; // topic, payload, properties, qos and retain as published
};
using InlineHandler = std::function<void(const InlineMessage &)>;

class InlineSubscriptions {
public:
    // Adds or replaces the subscription (filter, id). The filter must be valid and not shared.
    void subscribe(const QByteArray &filter, std::uint32_t id, InlineHandler handler);
    // False if there was no such subscription.
    bool unsubscribe(const QByteArray &filter, std::uint32_t id);
    // Calls the handler of every matching subscription. One relaxed load when there is none.
    void deliver(const Message &message) const;
    int count() const { return m_count.load(std::memory_order_relaxed); }

private:
    static topics::SubscriberKey keyOf(std::uint32_t id) { return topics::SubscriberKey(id) + 1; }

    mutable std::shared_mutex m_lock;
    topics::SubscriptionTree m_tree;
    QHash<QPair<QByteArray, std::uint32_t>, std::shared_ptr<const InlineHandler>> m_handlers;
    std::atomic<int> m_count{0};
};

} // namespace petrel
