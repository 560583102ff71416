#include "inlineclient.h"

#include "session/session.h"

#include <QVarLengthArray>

#include <mutex>

namespace petrel {

void InlineSubscriptions::subscribe(const QByteArray &filter, std::uint32_t id, InlineHandler handler)
{
    auto shared = std::make_shared<const InlineHandler>(std::move(handler));
    std::unique_lock lock(m_lock);
    topics::Subscription s;
    s.subscriber = keyOf(id);
    s.filter = filter;
    s.identifier = id;
    m_tree.subscribe(s);
    m_handlers.insert({filter, id}, std::move(shared));
    m_count.store(int(m_handlers.size()), std::memory_order_relaxed);
}

bool InlineSubscriptions::unsubscribe(const QByteArray &filter, std::uint32_t id)
{
    std::unique_lock lock(m_lock);
    const bool existed = m_tree.unsubscribe(keyOf(id), filter);
    m_handlers.remove({filter, id});
    m_count.store(int(m_handlers.size()), std::memory_order_relaxed);
    return existed;
}

void InlineSubscriptions::deliver(const Message &message) const
{
    if (m_count.load(std::memory_order_relaxed) == 0) return;
    struct Hit {
        QByteArray filter;
        std::uint32_t id;
        std::shared_ptr<const InlineHandler> handler;
    };
    QVarLengthArray<Hit, 4> hits;
    {
        std::shared_lock lock(m_lock);
        topics::Matches matches;
        m_tree.match(message.publish.topic, matches);
        for (const topics::Subscription *s : std::as_const(matches.subscriptions)) {
            auto it = m_handlers.constFind({s->filter, s->identifier});
            if (it != m_handlers.constEnd()) hits.append(Hit{s->filter, s->identifier, *it});
        }
    }
    // Called without the lock, so a handler may subscribe or unsubscribe.
    for (const Hit &h : std::as_const(hits))
        (*h.handler)(InlineMessage{h.filter, h.id, message.originClientId, message.publish});
}

} // namespace petrel
