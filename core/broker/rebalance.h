// Connection affinity between workers. A message whose publisher and subscriber live on
// different workers crosses between them: into the other worker's inbox, with a wake-up of
// the other core per batch. On the machines Petrel is measured on that wake-up costs more
// than the message itself, so two workers carrying only crossing flows were slower than one
// (docs/benchmarks.md, "Pairs on one worker each"). Clients are dealt out to the workers in
// turn when they connect, before anyone knows who will talk to whom.
//
// So the workers measure, per publishing connection, where its copies go (Worker::noteFlow).
// A connection whose copies go, nearly all, to one session of another worker is a *flow*.
// Every interval each worker reports its flows and its load (messages in and out per second)
// here; worker 0 then asks the Rebalancer which sessions to move (decide), and each move is
// made by the session's worker (Worker::moveConnection, behind the hand-over fence).
//
// Which end moves: the one that leaves the workers' loads more even. A subscriber that is the
// target of several flows stays put (moving it would only make its other publishers cross),
// and a move that would leave the loads more uneven than they are, than a quarter of the
// total and than the flow itself weighs on one side is not made (a lone pair still comes
// together: two workers passing its messages to each other did less than one alone). A flow must be seen in
// two measurements in a row, so a burst moves nothing; a session moved recently is left alone for a while, so
// nothing swings back and forth.
#pragma once

#include "session/session.h"

#include <QHash>
#include <QSet>

#include <functional>
#include <mutex>
#include <vector>

namespace petrel {

struct FlowSample {
    SessionPtr publisher;  // connected, on worker `from`
    SessionPtr subscriber; // on worker `to` when measured
    int from = 0;
    int to = 0;
    double rate = 0;             // copies per second
    bool fixedPublisher = false; // its connection cannot move (TLS, WebSocket)
};

struct SessionMove {
    SessionPtr session;
    int to = 0; // worker index
};

// The choice itself, without state: `loads` per worker (messages per second), `flows` as
// reported; `mayMove` says whether a session may move now. Pure, so it is tested on its own.
std::vector<SessionMove> planMoves(std::vector<double> loads, std::vector<FlowSample> flows,
                                   const std::function<bool(const Session &)> &mayMove);

class Rebalancer {
public:
    Rebalancer(int workers, int cooldownMs);

    // Worker `worker`'s measurement of one interval. Any thread.
    void report(int worker, double load, std::vector<FlowSample> flows);
    // The moves to make now: empty unless every worker has reported since the last call.
    // Any thread (worker 0 calls it after its own report).
    std::vector<SessionMove> decide(qint64 nowMs);

private:
    struct Slot {
        bool fresh = false;
        double load = 0;
        std::vector<FlowSample> flows;
    };
    std::mutex m_lock;
    std::vector<Slot> m_slots;
    const int m_cooldownMs;
    QSet<const Session *> m_seen;             // publishers of the flows of the last round
    QHash<const Session *, qint64> m_movedAt; // sessions moved lately (identity only)
    bool m_skipRound = false;                 // the round after moves measured part of the old placement
};

} // namespace petrel
