// How the subscriptions of one session that match a message become one delivery, shared by
// BrokerCore::route (sessions on this node) and the cluster (sessions parked in Redis).
#pragma once

#include "session/session.h"
#include "topics/topics.h"

#include <algorithm>

namespace petrel {

// Sorts matched subscriptions by subscriber, so that each session's overlapping ones are a run.
template <class Subscriptions>
void groupBySubscriber(Subscriptions &subs)
{
    if (subs.size() > 1)
        std::sort(subs.begin(), subs.end(), [](const topics::Subscription *a, const topics::Subscription *b) {
            return a->subscriber < b->subscriber;
        });
}

namespace detail {
template <class T>
const T &asRef(const T &v)
{
    return v;
}
template <class T>
const T &asRef(const T *p)
{
    return *p;
}
} // namespace detail

// The run of one session's subscriptions starting at subs[i] gives one delivery of a message
// published with `qos` and `retain`: the highest QoS, every subscription identifier, the retain flag if any
// of them asks for it (Retain As Published). Subscriptions for which `skip(s)` is true (No Local) are left
// out. Advances `i` past the run; false if none was left. `subs` holds Subscription pointers or values with
// the same fields (subscriber, options, identifier).
template <class Subscriptions, class Skip>
bool mergeRun(const Subscriptions &subs, qsizetype &i, std::uint8_t qos, bool retain, Skip &&skip,
              Outgoing &out)
{
    const auto at = [&](qsizetype k) -> const auto &
    {
        return detail::asRef(subs[k]);
    };
    const topics::SubscriberKey key = at(i).subscriber;
    bool any = false;
    for (; i < qsizetype(subs.size()) && at(i).subscriber == key; ++i) {
        const auto &s = at(i);
        if (skip(s)) continue;
        const std::uint8_t granted = std::min(s.options.qos, qos);
        if (!any || granted > out.qos) out.qos = granted;
        if (s.options.retainAsPublished && retain) out.retain = true;
        if (s.identifier) out.subscriptionIds.append(s.identifier);
        any = true;
    }
    return any;
}

} // namespace petrel
