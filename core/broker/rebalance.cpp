#include "rebalance.h"

#include <algorithm>
#include <cmath>

namespace petrel {

std::vector<SessionMove> planMoves(std::vector<double> loads, std::vector<FlowSample> flows,
                                   const std::function<bool(const Session &)> &mayMove)
{
    std::vector<SessionMove> moves;
    double total = 0;
    for (double l : loads)
        total += l;
    // How many flows each subscriber takes: one that takes several stays where it is.
    QHash<const Session *, int> inbound;
    for (const FlowSample &f : flows)
        ++inbound[f.subscriber.get()];
    std::stable_sort(flows.begin(), flows.end(),
                     [](const FlowSample &a, const FlowSample &b) { return a.rate > b.rate; });
    QSet<const Session *> placed; // sessions this plan moves, or keeps for a flow it settles
    const auto valid = [&](int w) { return w >= 0 && size_t(w) < loads.size(); };
    for (const FlowSample &f : flows) {
        const int a = f.from;
        const int b = f.to;
        if (a == b || !valid(a) || !valid(b) || f.rate <= 0) continue;
        if (placed.contains(f.publisher.get()) || placed.contains(f.subscriber.get())) continue;
        const double r = f.rate;
        const double before = std::abs(loads[size_t(a)] - loads[size_t(b)]);
        // Moving the publisher to b takes its load there; moving the subscriber to a the same.
        const double afterPublisher = std::abs((loads[size_t(a)] - r) - (loads[size_t(b)] + r));
        const double afterSubscriber = std::abs((loads[size_t(a)] + r) - (loads[size_t(b)] - r));
        const bool publisherMay = !f.fixedPublisher && mayMove(*f.publisher);
        const bool subscriberMay = inbound.value(f.subscriber.get()) == 1 && mayMove(*f.subscriber);
        bool movePublisher;
        if (publisherMay && subscriberMay)
            movePublisher = afterPublisher <= afterSubscriber;
        else if (publisherMay || subscriberMay)
            movePublisher = publisherMay;
        else
            continue;
        const double after = movePublisher ? afterPublisher : afterSubscriber;
        // Too uneven: more than they are, than a quarter of the total, and than the flow's
        // own weight on one side (so a lone pair still comes together).
        if (after > std::max({before, total / 4, 2 * r})) continue;
        if (movePublisher) {
            moves.push_back({f.publisher, b});
            loads[size_t(a)] -= r;
            loads[size_t(b)] += r;
        } else {
            moves.push_back({f.subscriber, a});
            loads[size_t(a)] += r;
            loads[size_t(b)] -= r;
        }
        placed.insert(f.publisher.get());
        placed.insert(f.subscriber.get());
    }
    return moves;
}

Rebalancer::Rebalancer(int workers, int cooldownMs)
    : m_slots(size_t(std::max(workers, 0))), m_cooldownMs(cooldownMs)
{
}

void Rebalancer::report(int worker, double load, std::vector<FlowSample> flows)
{
    std::lock_guard lock(m_lock);
    if (worker < 0 || size_t(worker) >= m_slots.size()) return;
    Slot &s = m_slots[size_t(worker)];
    s.fresh = true;
    s.load = load;
    s.flows = std::move(flows);
}

std::vector<SessionMove> Rebalancer::decide(qint64 nowMs)
{
    std::lock_guard lock(m_lock);
    std::vector<double> loads;
    std::vector<FlowSample> flows;
    for (const Slot &s : m_slots) {
        if (!s.fresh) return {};
    }
    for (Slot &s : m_slots) {
        s.fresh = false;
        loads.push_back(s.load);
        for (FlowSample &f : s.flows)
            flows.push_back(std::move(f));
        s.flows.clear();
    }
    for (auto it = m_movedAt.begin(); it != m_movedAt.end();) {
        if (nowMs - it.value() >= m_cooldownMs)
            it = m_movedAt.erase(it);
        else
            ++it;
    }
    QSet<const Session *> seen;
    std::vector<FlowSample> steady; // seen in the last round too
    for (FlowSample &f : flows) {
        seen.insert(f.publisher.get());
        if (m_seen.contains(f.publisher.get())) steady.push_back(std::move(f));
    }
    m_seen = std::move(seen);
    if (m_skipRound) {
        m_skipRound = false;
        return {};
    }
    std::vector<SessionMove> moves = planMoves(std::move(loads), std::move(steady),
                                               [this](const Session &s) { return !m_movedAt.contains(&s); });
    for (const SessionMove &m : moves)
        m_movedAt.insert(m.session.get(), nowMs);
    if (!moves.empty()) m_skipRound = true;
    return moves;
}

} // namespace petrel
