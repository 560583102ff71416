// petrel-bench: an MQTT load generator that is meant never to be the bottleneck.
//
// One epoll loop per thread (default: one thread) drives non-blocking sockets with
// TCP_NODELAY. Each loop pass reads every ready socket once into a 64 KiB scratch buffer,
// parses whole packets in place with petrel_core's codec, lets publishers refill their
// windows, then writes each connection's pending bytes with one send().
//
// Every message carries (run id, flow, topic, sequence, send time) in its payload. A flow is
// one publisher; it owns a ring of `window` slots, one per message not yet complete. A
// message is complete when the broker acknowledged it (QoS 1/2) AND every subscriber that
// should get it did. The ring is both the flow control (closed loop: at most `window`
// messages outstanding per publisher, whatever the QoS) and the verifier (a receipt beyond
// the expected count is a duplicate, a slot that never completes is a loss).
#pragma once

#include "packets/codec.h"

#include <QByteArray>

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace petrel::bench {

std::int64_t nowNs();          // CLOCK_MONOTONIC
std::string seconds(double s); // "2.5 s"

enum class Scenario : std::uint8_t { Pairs, Fanout, Wildcard, ConnStorm };
const char *scenarioName(Scenario s);

struct Config {
    Scenario scenario = Scenario::Pairs;
    std::string host = "127.0.0.1";
    int port = 1883;
    int settleMs = 0;          // --settle-ms: pause between set-up and load
    std::vector<int> subPorts; // --sub-ports: subscriber i connects to subPorts[i % n] (cluster runs)
    packets::ProtocolVersion version = packets::ProtocolVersion::V311;
    int qos = 0;
    int pairs = 10;          // pairs: publishers = subscribers
    int subscribers = 100;   // fanout, wildcard
    int publishers = 10;     // wildcard
    int filtersPerSub = 5;   // wildcard
    int treeWidth = 10;      // wildcard: values per topic level
    int treeDepth = 3;       // wildcard: levels below the root
    int payload = 64;        // bytes, >= kPayloadHeader
    double seconds = 5;      // measured duration
    double warmup = 1;       // seconds before measuring
    int window = 64;         // outstanding messages per publisher (see autoWindow in main.cpp)
    bool windowSet = false;  // --window given
    double rate = 0;         // total msgs/s, open loop (0 = closed loop only)
    int threads = 1;         // epoll loops
    int connections = 10000; // connstorm
    int idle = 0;            // message scenarios: idle connections held open during the run
    int concurrency = 64;    // handshakes in flight (per run, split across threads)
    long brokerPid = 0;      // for RSS (connstorm) and broker CPU
    double stallSeconds = 3; // an incomplete message older than this is declared lost
    int keepAlive = 60;
    std::int64_t sessionExpiry = 0; // > 0: persistent sessions (see --session-expiry)
    std::string label;              // free text copied into the JSON line (e.g. broker name)
    bool jsonOnly = false;
    bool fullDecode = false;  // decode received PUBLISH packets with the codec, not the slicer
    bool groupedOpen = false; // --open-order grouped: pairs opens every publisher, then every subscriber
};

// Log-linear latency histogram in nanoseconds: exact below 128, then 64 sub-buckets per
// power of two (about 1.5% resolution).
class Histogram {
public:
    void record(std::uint64_t v)
    {
        ++counts_[index(v)];
        ++total_;
        if (v > max_) max_ = v;
    }
    void merge(const Histogram &o);
    void reset() { *this = Histogram(); }
    std::uint64_t count() const { return total_; }
    std::uint64_t max() const { return max_; }
    // Value at quantile q in [0,1] (bucket midpoint), 0 when empty.
    std::uint64_t quantile(double q) const;

private:
    static constexpr int kBuckets = 128 + 57 * 64;
    static int index(std::uint64_t v)
    {
        if (v < 128) return int(v);
        const int e = 63 - __builtin_clzll(v);
        return 128 + (e - 7) * 64 + int((v >> (e - 6)) & 63);
    }
    static std::uint64_t lower(int i);
    static std::uint64_t upper(int i);
    std::array<std::uint64_t, kBuckets> counts_{};
    std::uint64_t total_ = 0;
    std::uint64_t max_ = 0;
};

// Payload header, little-endian, at the start of every payload.
constexpr std::uint32_t kMagic = 0x31304250; // "PB01"
constexpr int kPayloadHeader = 32;           // magic, run, flow, topic (4 each), seq, send ns (8 each)

struct Slot {
    std::atomic<std::uint64_t> seq{~0ull}; // message occupying the slot
    std::atomic<std::uint32_t> received{0};
    std::uint32_t expected = 0;
    std::int64_t sentNs = 0; // publisher thread only
    std::uint8_t ack = 0;    // 0 waiting, 1 PUBREC seen (QoS 2), 2 done (QoS 0 starts at 2)
};

struct Conn;

struct Flow {
    std::uint32_t id = 0;
    int loop = 0;
    Conn *pub = nullptr;
    std::vector<std::uint32_t> topicCycle; // topic indices the publisher cycles through
    std::size_t cyclePos = 0;
    std::unique_ptr<Slot[]> ring;
    std::uint32_t ringSize = 0;
    std::uint32_t window = 0; // effective (server Receive Maximum may lower it)
    std::uint64_t sent = 0, oldest = 0, expectedTotal = 0;
    std::uint64_t lost = 0, stalls = 0, unacked = 0;
    std::int64_t progressNs = 0; // last time the oldest message completed (or none was outstanding)
    std::atomic<bool> parked{false};
    double ratePerNs = 0;
    std::int64_t rateStartNs = 0;
    std::uint64_t rateSent = 0;
    packets::Publish tmpl;
};

struct Conn {
    enum class Role : std::uint8_t { Publisher, Subscriber, Idle };
    enum class State : std::uint8_t { Pending, Connecting, WaitConnack, WaitSuback, Ready, Closed };
    int fd = -1;
    Role role = Role::Idle;
    State state = State::Pending;
    std::uint32_t index = 0; // subscriber number, flow id, or connection number
    std::uint32_t order = 0; // place among all connections of the run (Loop::add order)
    Flow *flow = nullptr;    // publisher
    QByteArray clientId;
    QList<packets::TopicSubscription> filters;  // subscriber
    const std::vector<bool> *matches = nullptr; // wildcard: topics this subscriber should get
    std::vector<std::uint64_t> nextSeq;         // subscriber: next expected seq per flow
    std::vector<std::uint64_t> qos2Pending;     // subscriber: packet ids awaiting PUBREL (bitmap)
    QByteArray in;                              // trailing partial packet
    QByteArray out;                             // bytes not yet written
    qsizetype outSent = 0;
    bool dirty = false;
    bool pollOut = false;
    std::int64_t startNs = 0;
    std::uint16_t serverReceiveMax = 65535;
};

struct Counters {
    std::uint64_t published = 0, acked = 0, delivered = 0, dups = 0, dupRedelivered = 0, late = 0,
                  reordered = 0, misrouted = 0, badPayload = 0, unexpectedAcks = 0;
    Counters operator-(const Counters &o) const;
    Counters &operator+=(const Counters &o);
};

enum Phase : int { Setup = 0, Warmup = 1, Measure = 2, Drain = 3, Done = 4 };

class Loop;

// State shared by the controller and every loop.
struct Run {
    Config cfg;
    std::uint32_t runId = 0;
    std::atomic<int> phase{Setup};
    std::vector<QByteArray> topics;
    std::vector<std::uint32_t> expectedByTopic;
    std::vector<std::unique_ptr<Flow>> flows;
    std::vector<std::unique_ptr<Loop>> loops;
    std::atomic<int> ready{0};
    std::atomic<int> failed{0};
    bool strictOrder = true; // every subscriber gets every message of a flow (pairs, fanout)
    // The loops open their connections in one order, the order they were added in, taking
    // turns (openTurn: the `order` of the next one to open). A broker that deals connections
    // out to its workers in turn then places them the same way for any --threads: with one
    // loop subscriber i and publisher i are opened one after the other, and so they are with
    // several. Off in connstorm, where only the rate counts.
    bool orderedOpen = false;
    std::atomic<std::uint32_t> openTurn{0};
    std::uint32_t added = 0; // connections added so far

    void error(const std::string &message);
    std::vector<std::string> errors() const;
    std::size_t errorCount() const;

private:
    mutable std::mutex mutex_;
    std::vector<std::string> errors_;
    std::size_t errorCount_ = 0;
};

class Loop {
public:
    Loop(Run &run, int id);
    ~Loop();
    Loop(const Loop &) = delete;
    Loop &operator=(const Loop &) = delete;

    void add(std::unique_ptr<Conn> c)
    {
        c->order = run_.added++;
        conns_.push_back(std::move(c));
    }
    void addFlow(Flow *f) { flows_.push_back(f); }
    void run();
    void wake();

    // Results, read by the controller after join (snapshots taken at phase changes).
    Counters total;
    Counters atMeasure, atDrain;
    Histogram latency;        // publish -> receive, Measure phase only
    Histogram connackLatency; // connect() -> CONNACK, every connection
    std::atomic<bool> drained{false};

private:
    void onPhase(int phase, std::int64_t now);
    void openPending(std::int64_t now);
    void open(Conn &c, std::int64_t now);
    void onEvent(Conn &c, std::uint32_t events, std::int64_t now);
    void onReadable(Conn &c, std::int64_t now);
    void handle(Conn &c, std::uint8_t first, const char *body, std::uint32_t size, std::int64_t now);
    void onConnack(Conn &c, const QByteArray &body, std::int64_t now);
    void onPublish(Conn &c, std::uint8_t first, const char *body, std::uint32_t size, std::int64_t now);
    void onAck(Conn &c, std::uint8_t first, const QByteArray &body);
    void setReady(Conn &c);
    void pump(Flow &f, std::int64_t now, int phase);
    void sendPublish(Flow &f, std::int64_t now);
    void markDirty(Conn &c);
    void flush(Conn &c);
    void fail(Conn &c, const std::string &why);
    void closeAll();
    void setPollOut(Conn &c, bool on);

    Run &run_;
    int id_;
    int ep_ = -1;
    int evfd_ = -1;
    std::vector<std::unique_ptr<Conn>> conns_;
    std::vector<Flow *> flows_;
    std::vector<Conn *> dirty_;
    std::size_t nextToOpen_ = 0;
    int handshaking_ = 0;
    int concurrency_ = 64;
    int phase_ = -1;
    std::int64_t lastPingNs_ = 0;
    std::int64_t stallNs_ = 0;
    std::unique_ptr<char[]> scratch_;
};

} // namespace petrel::bench
