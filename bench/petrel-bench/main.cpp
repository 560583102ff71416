// petrel-bench: command line, scenario construction, the controller (phases, timing) and
// the report (one human line, one JSON line).
#include "bench.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

using namespace petrel::bench;
namespace packets = petrel::packets;

namespace {

const char *kUsage = R"(usage: petrel-bench SCENARIO [options]

Scenarios
  pairs      N publishers -> N subscribers, one distinct topic per pair
  fanout     1 publisher -> M subscribers on one topic (reports deliveries/s)
  wildcard   P publishers over a topic tree, M subscribers with wildcard filters
  connstorm  open K connections as fast as possible; CONNACK latency, broker RSS per connection

Connection
  --host 127.0.0.1     only the loopback address is accepted
  --port 1883
  --sub-ports P1,P2    subscribers connect to these ports in turn (publishers to --port):
                       cross-node runs against a petrel cluster (bench/scripts/cluster.sh)
  --settle-ms 0        pause after every subscription is acknowledged, before any publish
                       (cluster routes propagate after the SUBACK)
  --mqtt 3.1.1|5|3.1   protocol version (default 3.1.1)
  --threads 1          epoll loops in the generator. Connections are opened in one order
                       whatever the number (subscriber i, then publisher i, ...), so a broker
                       that deals them out to its workers in turn places them alike (not in
                       connstorm, which opens them as fast as it can)
  --open-order interleaved|grouped
                       pairs: interleaved (default) opens subscriber i, then publisher i;
                       grouped opens publishers 0..N-1, then subscribers 0..N-1. A broker that
                       deals connections out to W workers in turn puts the two ends of
                       every pair on different workers when interleaved (W = 2), and on
                       the same worker when grouped (N a multiple of W)
Load
  --qos 0|1|2          (default 0)
  --pairs 10           pairs
  --subscribers 100    fanout, wildcard
  --publishers 10      wildcard
  --filters 5          wildcard: filters per subscriber (<= --tree-width)
  --tree-width 10      wildcard: values per topic level
  --tree-depth 3       wildcard: levels below the root (2..6)
  --payload 64         bytes (>= 32: the payload carries ids and a timestamp)
  --window 64          messages outstanding per publisher (not yet acked by the broker AND
                       received by every subscriber); closes the loop for every QoS. Default
                       64, lowered for fan-out so that about 8,192 deliveries at most are
                       outstanding in all (never below 8)
  --rate 0             open loop: total msgs/s spread over the publishers (0 = off);
                       the window still bounds what is outstanding
Run
  --seconds 5          measured duration
  --warmup 1           seconds of load before measuring
  --stall-timeout 3    seconds without progress before a message is declared lost
  --connections 10000  connstorm: connections to open
  --concurrency 64     handshakes in flight at once (set-up and connstorm)
  --idle 0             pairs, fanout, wildcard: also hold this many idle connections open
                       (connected before the load starts, quiet until the end; held by a
                       child process, not by the one that measures)
  --broker-pid PID     read the broker's CPU time and (connstorm) VmRSS from /proc
  --keepalive 60       seconds
  --session-expiry N   persistent sessions: 3.1.1 clean session 0, v5 Session Expiry N s
                       (default: clean sessions), so a storage hook has work to do
  --label TEXT         copied into the JSON line
  --json               print only the JSON line
  --full-decode        decode received PUBLISH packets with petrel_core's decodePublish()
                       (full validation, slower) instead of slicing them with bounds checks

Exit status: 0 ok; 1 a verification failed (QoS 1/2 loss, duplicate, misrouted message,
broker error or disconnect); 2 bad usage.
)";

[[noreturn]] void usageError(const std::string &msg)
{
    std::fprintf(stderr, "petrel-bench: %s\n(see petrel-bench --help)\n", msg.c_str());
    std::exit(2);
}

double number(const std::string &name, const std::string &v, double lo, double hi)
{
    char *end = nullptr;
    const double d = std::strtod(v.c_str(), &end);
    if (v.empty() || *end != '\0' || !(d >= lo && d <= hi))
        usageError("--" + name + " needs a number from " + std::to_string(lo) + " to " + std::to_string(hi));
    return d;
}

Config parseArgs(int argc, char **argv)
{
    Config cfg;
    bool haveScenario = false;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (a == "-h" || a == "--help") {
            std::fputs(kUsage, stdout);
            std::exit(0);
        }
        if (a.rfind("--", 0) != 0) {
            if (haveScenario) usageError("unexpected argument '" + a + "'");
            haveScenario = true;
            if (a == "pairs")
                cfg.scenario = Scenario::Pairs;
            else if (a == "fanout")
                cfg.scenario = Scenario::Fanout;
            else if (a == "wildcard")
                cfg.scenario = Scenario::Wildcard;
            else if (a == "connstorm")
                cfg.scenario = Scenario::ConnStorm;
            else
                usageError("unknown scenario '" + a + "'");
            continue;
        }
        std::string name = a.substr(2), value;
        if (const auto eq = name.find('='); eq != std::string::npos) {
            value = name.substr(eq + 1);
            name = name.substr(0, eq);
        } else if (name == "json") {
            cfg.jsonOnly = true;
            continue;
        } else if (name == "full-decode") {
            cfg.fullDecode = true;
            continue;
        } else {
            if (i + 1 >= argc) usageError("--" + name + " needs a value");
            value = argv[++i];
        }
        if (name == "host") {
            if (value != "127.0.0.1" && value != "localhost")
                usageError("only 127.0.0.1 is a valid target for this tool");
        } else if (name == "port")
            cfg.port = int(number(name, value, 1, 65535));
        else if (name == "settle-ms")
            cfg.settleMs = int(number(name, value, 0, 60000));
        else if (name == "sub-ports") {
            cfg.subPorts.clear();
            for (const QByteArray &p : QByteArray::fromStdString(value).split(','))
                cfg.subPorts.push_back(int(number(name, p.toStdString(), 1, 65535)));
        } else if (name == "mqtt") {
            if (value == "3.1.1" || value == "4")
                cfg.version = packets::ProtocolVersion::V311;
            else if (value == "5" || value == "5.0")
                cfg.version = packets::ProtocolVersion::V5;
            else if (value == "3.1" || value == "3")
                cfg.version = packets::ProtocolVersion::V31;
            else
                usageError("--mqtt must be 3.1, 3.1.1 or 5");
        } else if (name == "qos")
            cfg.qos = int(number(name, value, 0, 2));
        else if (name == "pairs")
            cfg.pairs = int(number(name, value, 1, 100000));
        else if (name == "subscribers")
            cfg.subscribers = int(number(name, value, 1, 100000));
        else if (name == "publishers")
            cfg.publishers = int(number(name, value, 1, 100000));
        else if (name == "filters")
            cfg.filtersPerSub = int(number(name, value, 1, 64));
        else if (name == "tree-width")
            cfg.treeWidth = int(number(name, value, 2, 64));
        else if (name == "tree-depth")
            cfg.treeDepth = int(number(name, value, 2, 6));
        else if (name == "payload")
            cfg.payload = int(number(name, value, kPayloadHeader, 16 * 1024 * 1024));
        else if (name == "seconds")
            cfg.seconds = number(name, value, 0.1, 3600);
        else if (name == "warmup")
            cfg.warmup = number(name, value, 0, 600);
        else if (name == "window") {
            cfg.window = int(number(name, value, 1, 65535));
            cfg.windowSet = true;
        } else if (name == "rate")
            cfg.rate = number(name, value, 0, 1e9);
        else if (name == "threads")
            cfg.threads = int(number(name, value, 1, 64));
        else if (name == "connections")
            cfg.connections = int(number(name, value, 1, 1000000));
        else if (name == "idle")
            cfg.idle = int(number(name, value, 0, 1000000));
        else if (name == "concurrency")
            cfg.concurrency = int(number(name, value, 1, 100000));
        else if (name == "broker-pid")
            cfg.brokerPid = long(number(name, value, 1, 1e9));
        else if (name == "stall-timeout")
            cfg.stallSeconds = number(name, value, 0.05, 600);
        else if (name == "keepalive")
            cfg.keepAlive = int(number(name, value, 0, 65535));
        else if (name == "session-expiry")
            cfg.sessionExpiry = std::int64_t(number(name, value, 1, 4294967295.0));
        else if (name == "label")
            cfg.label = value;
        else if (name == "open-order") {
            if (value != "interleaved" && value != "grouped")
                usageError("--open-order must be interleaved or grouped");
            cfg.groupedOpen = value == "grouped";
        } else
            usageError("unknown option --" + name);
    }
    if (!haveScenario) usageError("no scenario given");
    if (cfg.groupedOpen && cfg.scenario != Scenario::Pairs) usageError("--open-order is for pairs");
    if (cfg.scenario == Scenario::Wildcard && cfg.filtersPerSub > cfg.treeWidth)
        usageError("--filters must not exceed --tree-width (a subscriber's filters are disjoint)");
    return cfg;
}

const char *versionName(packets::ProtocolVersion v)
{
    switch (v) {
    case packets::ProtocolVersion::V31:
        return "3.1";
    case packets::ProtocolVersion::V311:
        return "3.1.1";
    case packets::ProtocolVersion::V5:
        return "5";
    }
    return "?";
}

std::string jsonString(const std::string &s)
{
    std::string r = "\"";
    for (char ch : s) {
        if (ch == '"' || ch == '\\') {
            r += '\\';
            r += ch;
        } else if (static_cast<unsigned char>(ch) < 0x20) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\u%04x", ch);
            r += buf;
        } else {
            r += ch;
        }
    }
    return r + "\"";
}

// JSON object builder for one flat line.
class JsonLine {
public:
    void add(const char *key, const std::string &raw)
    {
        out_ += out_.empty() ? "{" : ",";
        out_ += "\"";
        out_ += key;
        out_ += "\":";
        out_ += raw;
    }
    void str(const char *key, const std::string &v) { add(key, jsonString(v)); }
    void num(const char *key, double v)
    {
        char buf[64];
        if (std::isfinite(v) && (v == std::floor(v) || std::fabs(v) >= 100) && std::fabs(v) < 1e15)
            std::snprintf(buf, sizeof buf, "%.0f", v);
        else if (std::isfinite(v))
            std::snprintf(buf, sizeof buf, "%.4g", v);
        else
            std::snprintf(buf, sizeof buf, "null");
        add(key, buf);
    }
    void boolean(const char *key, bool v) { add(key, v ? "true" : "false"); }
    std::string finish() const { return out_ + "}"; }

private:
    std::string out_;
};

// ---- /proc readers ---------------------------------------------------------------------

long readRssKiB(long pid)
{
    std::ifstream f("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(f, line)) {
        if (line.rfind("VmRSS:", 0) == 0) return std::strtol(line.c_str() + 6, nullptr, 10);
    }
    return -1;
}

// utime + stime in seconds from a /proc .../stat file, -1 if unreadable; *name gets the
// command name between the parentheses (a thread's name for /proc/PID/task/TID/stat).
double readStatCpuSeconds(const std::string &path, std::string *name = nullptr)
{
    std::ifstream f(path);
    std::string all((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    const auto open = all.find('(');
    const auto close = all.rfind(')');
    if (open == std::string::npos || close == std::string::npos || close < open) return -1;
    if (name) *name = all.substr(open + 1, close - open - 1);
    std::istringstream in(all.substr(close + 2));
    std::string field;
    unsigned long long utime = 0, stime = 0;
    for (int i = 3; i <= 15 && in >> field; ++i) {
        if (i == 14) utime = std::strtoull(field.c_str(), nullptr, 10);
        if (i == 15) stime = std::strtoull(field.c_str(), nullptr, 10);
    }
    return double(utime + stime) / double(sysconf(_SC_CLK_TCK));
}

// utime + stime of a process in seconds, -1 if unreadable.
double readCpuSeconds(long pid)
{
    return readStatCpuSeconds("/proc/" + std::to_string(pid) + "/stat");
}

// CPU seconds of each thread of a process, by thread id, with its name.
struct ThreadCpu {
    std::string name;
    double seconds = 0;
};
std::map<long, ThreadCpu> readThreadCpu(long pid)
{
    std::map<long, ThreadCpu> out;
    const std::string dir = "/proc/" + std::to_string(pid) + "/task";
    std::error_code ec;
    for (const auto &e : std::filesystem::directory_iterator(dir, ec)) {
        const std::string tid = e.path().filename().string();
        ThreadCpu t;
        t.seconds = readStatCpuSeconds(e.path().string() + "/stat", &t.name);
        if (t.seconds >= 0) out[std::strtol(tid.c_str(), nullptr, 10)] = t;
    }
    return out;
}

// Per-thread CPU use of the broker over a measured interval: how the work spreads over its
// threads (workers, acceptor, storage), and which one would saturate first — a broker whose
// work is spread over several threads is limited by its busiest one.
struct ThreadUse {
    std::string name;
    double cpu = 0; // fraction of one core over the interval
};
std::vector<ThreadUse> threadUse(const std::map<long, ThreadCpu> &before,
                                 const std::map<long, ThreadCpu> &after, double seconds)
{
    std::vector<ThreadUse> out;
    if (seconds <= 0) return out;
    for (const auto &[tid, t] : after) {
        const auto b = before.find(tid);
        const double used = t.seconds - (b == before.end() ? 0 : b->second.seconds);
        out.push_back({t.name + "/" + std::to_string(tid), used / seconds});
    }
    std::sort(out.begin(), out.end(), [](const ThreadUse &a, const ThreadUse &b) { return a.cpu > b.cpu; });
    return out;
}

double selfCpuSeconds()
{
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    return double(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           1e-6 * double(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
}

void sleepSeconds(double s)
{
    std::this_thread::sleep_for(std::chrono::duration<double>(s));
}

// ---- scenario construction ---------------------------------------------------------------

QByteArray clientId(const Run &run, char kind, std::size_t i)
{
    char buf[64];
    std::snprintf(buf, sizeof buf, "pb-%08x-%c%zu", run.runId, kind, i);
    return QByteArray(buf);
}

std::vector<std::string> splitLevels(const std::string &s)
{
    std::vector<std::string> r;
    std::size_t start = 0;
    for (;;) {
        const auto slash = s.find('/', start);
        r.push_back(s.substr(start, slash - start));
        if (slash == std::string::npos) return r;
        start = slash + 1;
    }
}

bool filterMatches(const std::vector<std::string> &filter, const std::vector<std::string> &topic)
{
    for (std::size_t i = 0; i < filter.size(); ++i) {
        if (filter[i] == "#") return true;
        if (i >= topic.size()) return false;
        if (filter[i] != "+" && filter[i] != topic[i]) return false;
    }
    return filter.size() == topic.size();
}

Flow *newFlow(Run &run, int loop)
{
    auto f = std::make_unique<Flow>();
    f->id = std::uint32_t(run.flows.size());
    f->loop = loop;
    f->ringSize = std::uint32_t(run.cfg.window);
    f->window = f->ringSize;
    f->ring.reset(new Slot[f->ringSize]);
    f->tmpl.qos = std::uint8_t(run.cfg.qos);
    f->tmpl.payload = QByteArray(run.cfg.payload, 'x');
    run.flows.push_back(std::move(f));
    return run.flows.back().get();
}

std::unique_ptr<Conn> newPublisher(Run &run, Flow *f)
{
    auto c = std::make_unique<Conn>();
    c->role = Conn::Role::Publisher;
    c->index = f->id;
    c->flow = f;
    c->clientId = clientId(run, 'p', f->id);
    f->pub = c.get();
    return c;
}

std::unique_ptr<Conn> newSubscriber(Run &run, std::size_t i, const std::vector<QByteArray> &filters)
{
    auto c = std::make_unique<Conn>();
    c->role = Conn::Role::Subscriber;
    c->index = std::uint32_t(i);
    c->clientId = clientId(run, 's', i);
    for (const QByteArray &f : filters) {
        packets::TopicSubscription t;
        t.filter = f;
        t.options.qos = std::uint8_t(run.cfg.qos);
        c->filters.append(t);
    }
    return c;
}

// Wildcard: a tree "pb/w/L1/.../Ld" with treeWidth values per level. Subscriber j gets
// `filters` filters, each rooted at a different first-level value (so no message matches two
// filters of one subscriber and each delivery is counted once), of four kinds: exact topic,
// one '+', a trailing '#', two '+'. Deterministic (fixed seed).
void buildWildcard(Run &run, std::vector<std::vector<QByteArray>> &subFilters,
                   std::vector<std::unique_ptr<std::vector<bool>>> &matches)
{
    const Config &cfg = run.cfg;
    const int w = cfg.treeWidth, d = cfg.treeDepth;
    std::size_t count = 1;
    for (int i = 0; i < d; ++i)
        count *= std::size_t(w);
    if (count > 1000000) usageError("the topic tree is too large (tree-width ^ tree-depth > 1,000,000)");
    std::vector<std::vector<std::string>> topicLevels(count);
    for (std::size_t t = 0; t < count; ++t) {
        std::vector<std::string> lv{"pb", "w"};
        std::size_t rest = t;
        std::vector<std::string> digits(static_cast<std::size_t>(d));
        for (int i = d - 1; i >= 0; --i) {
            digits[std::size_t(i)] = std::to_string(rest % std::size_t(w));
            rest /= std::size_t(w);
        }
        lv.insert(lv.end(), digits.begin(), digits.end());
        std::string name;
        for (std::size_t i = 0; i < lv.size(); ++i)
            name += (i ? "/" : "") + lv[i];
        run.topics.push_back(QByteArray(name.c_str()));
        topicLevels[t] = std::move(lv);
    }
    run.expectedByTopic.assign(count, 0);
    std::mt19937 rng(42);
    auto rnd = [&](int n) { return int(rng() % std::uint32_t(n)); };
    for (int j = 0; j < cfg.subscribers; ++j) {
        std::vector<QByteArray> filters;
        auto m = std::make_unique<std::vector<bool>>(count, false);
        for (int k = 0; k < cfg.filtersPerSub; ++k) {
            std::vector<std::string> lv{"pb", "w", std::to_string((j + k) % w)};
            for (int i = 1; i < d; ++i)
                lv.push_back(std::to_string(rnd(w)));
            switch ((j * 7 + k) % 4) {
            case 0:
                break; // exact
            case 1:
                lv[std::size_t(2 + 1 + rnd(d - 1))] = "+";
                break;
            case 2:
                lv.resize(std::size_t(2 + 1 + rnd(d - 1))), lv.push_back("#");
                break;
            case 3:
                lv[std::size_t(2 + 1 + rnd(d - 1))] = "+";
                lv[std::size_t(2 + 1 + rnd(d - 1))] = "+";
                break;
            }
            std::string name;
            for (std::size_t i = 0; i < lv.size(); ++i)
                name += (i ? "/" : "") + lv[i];
            filters.push_back(QByteArray(name.c_str()));
            const auto fl = splitLevels(name);
            for (std::size_t t = 0; t < count; ++t) {
                if (filterMatches(fl, topicLevels[t]) && !(*m)[t]) {
                    (*m)[t] = true;
                    ++run.expectedByTopic[t];
                }
            }
        }
        subFilters.push_back(std::move(filters));
        matches.push_back(std::move(m));
    }
}

// Default window: 64 messages per publisher, lowered when a message fans out so that the
// deliveries outstanding in all stay near 8,192 (a closed loop that keeps any broker busy
// without queueing seconds of latency), but never below 8.
void autoWindow(Run &run, int publishers, double deliveriesPerMessage)
{
    if (run.cfg.windowSet) return;
    const double w = 8192.0 / (double(publishers) * std::max(1.0, deliveriesPerMessage));
    run.cfg.window = std::clamp(int(w), 8, 64);
}

void build(Run &run, std::vector<std::unique_ptr<std::vector<bool>>> &matches)
{
    const Config &cfg = run.cfg;
    const int T = cfg.threads;
    for (int i = 0; i < T; ++i)
        run.loops.push_back(std::make_unique<Loop>(run, i));
    run.orderedOpen = T > 1;
    std::vector<std::unique_ptr<Conn>> subs;
    switch (cfg.scenario) {
    case Scenario::Pairs:
        for (int i = 0; i < cfg.pairs; ++i) {
            run.topics.push_back(QByteArray("pb/pair/") + QByteArray::number(i));
            run.expectedByTopic.push_back(1);
        }
        autoWindow(run, cfg.pairs, 1);
        for (int i = 0; i < cfg.pairs; ++i) {
            Flow *f = newFlow(run, i % T);
            f->topicCycle = {std::uint32_t(i)};
            Loop &loop = *run.loops[std::size_t(i % T)];
            if (!cfg.groupedOpen) loop.add(newSubscriber(run, std::size_t(i), {run.topics[std::size_t(i)]}));
            loop.add(newPublisher(run, f));
            loop.addFlow(f);
        }
        // Grouped: the subscribers after the publishers of every pair, so subscriber i is
        // connection N + i and publisher i connection i (see --open-order).
        if (cfg.groupedOpen)
            for (int i = 0; i < cfg.pairs; ++i)
                run.loops[std::size_t(i % T)]->add(
                    newSubscriber(run, std::size_t(i), {run.topics[std::size_t(i)]}));
        break;
    case Scenario::Fanout: {
        run.topics.push_back("pb/fanout");
        run.expectedByTopic.push_back(std::uint32_t(cfg.subscribers));
        autoWindow(run, 1, cfg.subscribers);
        for (int j = 0; j < cfg.subscribers; ++j)
            run.loops[std::size_t(j % T)]->add(newSubscriber(run, std::size_t(j), {run.topics[0]}));
        Flow *f = newFlow(run, 0);
        f->topicCycle = {0};
        run.loops[0]->add(newPublisher(run, f));
        run.loops[0]->addFlow(f);
        break;
    }
    case Scenario::Wildcard: {
        run.strictOrder = false;
        std::vector<std::vector<QByteArray>> subFilters;
        buildWildcard(run, subFilters, matches);
        std::vector<std::uint32_t> live;
        for (std::uint32_t t = 0; t < run.topics.size(); ++t)
            if (run.expectedByTopic[t] > 0) live.push_back(t);
        if (live.empty()) usageError("no topic matches any filter");
        double fan = 0;
        for (std::uint32_t t : live)
            fan += run.expectedByTopic[t];
        autoWindow(run, cfg.publishers, fan / double(live.size()));
        for (int j = 0; j < cfg.subscribers; ++j) {
            auto c = newSubscriber(run, std::size_t(j), subFilters[std::size_t(j)]);
            c->matches = matches[std::size_t(j)].get();
            run.loops[std::size_t(j % T)]->add(std::move(c));
        }
        for (int p = 0; p < cfg.publishers; ++p) {
            Flow *f = newFlow(run, p % T);
            // Each publisher walks all live topics, starting at a different place.
            const std::size_t start = live.size() * std::size_t(p) / std::size_t(cfg.publishers);
            f->topicCycle.assign(live.begin() + std::ptrdiff_t(start), live.end());
            f->topicCycle.insert(f->topicCycle.end(), live.begin(), live.begin() + std::ptrdiff_t(start));
            run.loops[std::size_t(p % T)]->add(newPublisher(run, f));
            run.loops[std::size_t(p % T)]->addFlow(f);
        }
        break;
    }
    case Scenario::ConnStorm:
        break;
    }
    // (The idle connections of --idle are held by another process: IdleHolder.)
    if (cfg.rate > 0) {
        const double perFlow = cfg.rate / double(run.flows.size()) / 1e9;
        for (auto &f : run.flows)
            f->ratePerNs = perFlow;
    }
}

// The connections the measuring process opens (the idle ones of --idle are IdleHolder's).
std::size_t connCount(const Config &cfg)
{
    switch (cfg.scenario) {
    case Scenario::Pairs:
        return std::size_t(cfg.pairs) * 2;
    case Scenario::Fanout:
        return std::size_t(cfg.subscribers) + 1;
    case Scenario::Wildcard:
        return std::size_t(cfg.subscribers + cfg.publishers);
    case Scenario::ConnStorm:
        return std::size_t(cfg.connections);
    }
    return 0;
}

// Waits until every connection is up (or one failed, or the deadline passed). Returns false
// on failure.
bool waitReady(Run &run, std::size_t total, double timeoutSeconds, double *elapsed)
{
    const auto t0 = nowNs();
    const auto deadline = t0 + std::int64_t(timeoutSeconds * 1e9);
    for (;;) {
        if (std::size_t(run.ready.load()) >= total) break;
        if (run.failed.load() > 0) return false;
        if (nowNs() > deadline) {
            run.error("set-up timed out: " + std::to_string(run.ready.load()) + " of " +
                      std::to_string(total) + " connections ready after " + seconds(timeoutSeconds));
            return false;
        }
        std::this_thread::sleep_for(std::chrono::microseconds(500));
    }
    *elapsed = double(nowNs() - t0) / 1e9;
    return true;
}

void startThreads(Run &run, std::vector<std::thread> &threads)
{
    for (auto &l : run.loops)
        threads.emplace_back([lp = l.get()] { lp->run(); });
}

void stopThreads(Run &run, std::vector<std::thread> &threads)
{
    run.phase.store(Done, std::memory_order_release);
    for (auto &l : run.loops)
        l->wake();
    for (auto &t : threads)
        t.join();
    threads.clear();
}

std::string fmtRate(double v)
{
    char buf[32];
    if (v >= 1e6)
        std::snprintf(buf, sizeof buf, "%.2fM", v / 1e6);
    else if (v >= 1e3)
        std::snprintf(buf, sizeof buf, "%.1fk", v / 1e3);
    else
        std::snprintf(buf, sizeof buf, "%.0f", v);
    return buf;
}

void emit(const Config &cfg, const std::string &human, const JsonLine &json)
{
    if (!cfg.jsonOnly) std::printf("%s\n", human.c_str());
    std::printf("%s\n", json.finish().c_str());
    std::fflush(stdout);
}

void addCommon(JsonLine &j, const Config &cfg)
{
    j.str("tool", "petrel-bench");
    j.str("scenario", scenarioName(cfg.scenario));
    j.str("label", cfg.label);
    j.str("mqtt", versionName(cfg.version));
    j.num("port", cfg.port);
    j.num("threads", cfg.threads);
}

// ---- connstorm ----------------------------------------------------------------------------

int runStorm(Config cfg)
{
    auto makeRun = [&](int connections) {
        auto run = std::make_unique<Run>();
        run->cfg = cfg;
        run->cfg.connections = connections;
        run->runId = std::uint32_t(std::random_device{}());
        for (int i = 0; i < cfg.threads; ++i)
            run->loops.push_back(std::make_unique<Loop>(*run, i));
        for (int i = 0; i < connections; ++i) {
            auto c = std::make_unique<Conn>();
            c->role = Conn::Role::Idle;
            c->index = std::uint32_t(i);
            c->clientId = clientId(*run, 'c', std::size_t(i));
            run->loops[std::size_t(i % cfg.threads)]->add(std::move(c));
        }
        return run;
    };
    std::vector<std::string> errors;
    std::vector<std::thread> threads;
    double elapsed = 0;

    // Warm-up: a few hundred connections, then all closed, so the broker's allocator and
    // accept path are warm before the "before" RSS sample.
    const int warm = std::min(cfg.connections, 500);
    {
        auto run = makeRun(warm);
        startThreads(*run, threads);
        const bool ok = waitReady(*run, std::size_t(warm), 30, &elapsed);
        stopThreads(*run, threads);
        if (!ok) errors = run->errors();
    }
    sleepSeconds(errors.empty() ? 0.5 : 0);
    const long rssBefore = cfg.brokerPid ? readRssKiB(cfg.brokerPid) : -1;
    const double cpu0 = cfg.brokerPid ? readCpuSeconds(cfg.brokerPid) : -1;

    auto run = makeRun(cfg.connections);
    bool ok = errors.empty();
    long rssAfter = -1;
    double seconds = 0, brokerCpu = -1;
    Histogram connack;
    if (ok) {
        startThreads(*run, threads);
        const double timeout = std::max(60.0, cfg.connections / 500.0);
        ok = waitReady(*run, std::size_t(cfg.connections), timeout, &seconds);
        if (cfg.brokerPid) brokerCpu = readCpuSeconds(cfg.brokerPid) - cpu0;
        if (ok) {
            sleepSeconds(1.0); // let the broker settle with every connection idle
            if (cfg.brokerPid) rssAfter = readRssKiB(cfg.brokerPid);
        }
        stopThreads(*run, threads);
        for (auto &l : run->loops)
            connack.merge(l->connackLatency);
        errors = run->errors();
    }
    const int connected = run->ready.load();
    ok = ok && errors.empty() && connected == cfg.connections;

    const double rate = seconds > 0 ? connected / seconds : 0;
    const double perConn = (rssBefore >= 0 && rssAfter >= 0 && connected > 0)
                               ? double(rssAfter - rssBefore) * 1024.0 / connected
                               : -1;
    JsonLine j;
    addCommon(j, cfg);
    j.num("connections", cfg.connections);
    j.num("concurrency", cfg.concurrency);
    j.num("connected", connected);
    j.num("failed", run->failed.load());
    j.num("seconds", seconds);
    j.num("connects_per_s", rate);
    j.num("connack_p50_us", double(connack.quantile(0.5)) / 1e3);
    j.num("connack_p99_us", double(connack.quantile(0.99)) / 1e3);
    j.num("connack_p999_us", double(connack.quantile(0.999)) / 1e3);
    j.num("connack_max_us", double(connack.max()) / 1e3);
    j.num("broker_rss_before_kib", double(rssBefore));
    j.num("broker_rss_after_kib", double(rssAfter));
    j.num("broker_rss_per_conn_bytes", perConn);
    j.num("broker_cpu_s", brokerCpu);
    j.boolean("ok", ok);
    std::string errs = "[";
    for (std::size_t i = 0; i < errors.size(); ++i)
        errs += (i ? "," : "") + jsonString(errors[i]);
    j.add("errors", errs + "]");

    char human[512];
    std::snprintf(
        human, sizeof human,
        "connstorm mqtt=%s %d connections (%d in flight): %s connects/s, CONNACK p50 %.0f us p99 %.0f "
        "us; broker RSS %s%s [%s]",
        versionName(cfg.version), connected, cfg.concurrency, fmtRate(rate).c_str(),
        double(connack.quantile(0.5)) / 1e3, double(connack.quantile(0.99)) / 1e3,
        perConn >= 0 ? std::to_string(long(std::lround(perConn))).c_str() : "n/a",
        perConn >= 0 ? " B per idle connection" : " (no --broker-pid)", ok ? "OK" : "FAILED");
    emit(cfg, human, j);
    for (const auto &e : errors)
        std::fprintf(stderr, "petrel-bench: error: %s\n", e.c_str());
    return ok ? 0 : 1;
}

// ---- message scenarios ----------------------------------------------------------------------

// The idle connections of --idle, held open by a child process for the length of the run:
// connected before the load starts, quiet until the end (a PINGREQ each half keep-alive).
// Not in the measuring process: 10,000 more sockets there made the generator itself about a
// fifth slower per message (its system calls), which read as a cost of idle clients on the
// broker; with the same connections held by another process the broker's figure did not
// move (docs/benchmarks.md, "Idle clients: who holds them"). Real idle clients are other
// processes too.
class IdleHolder {
public:
    // Forks the holder and waits until its connections are up. False (with the reason in
    // *error) if they could not all be opened.
    bool start(const Config &cfg, std::string *error)
    {
        int ready[2], stop[2];
        if (::pipe(ready) != 0 || ::pipe(stop) != 0) {
            *error = std::string("pipe(): ") + std::strerror(errno);
            return false;
        }
        std::fflush(nullptr);
        const pid_t parent = ::getpid();
        m_pid = ::fork();
        if (m_pid < 0) {
            *error = std::string("fork(): ") + std::strerror(errno);
            return false;
        }
        if (m_pid == 0) {
            ::close(ready[0]);
            ::close(stop[1]);
            ::prctl(PR_SET_PDEATHSIG, SIGTERM);    // never outlives the measuring process
            if (::getppid() != parent) ::_exit(1); // (which may have ended before the line above)
            ::_exit(hold(cfg, ready[1], stop[0]));
        }
        ::close(ready[1]);
        ::close(stop[0]);
        m_stop = stop[1];
        // One byte when all are up; end of file (the holder exited) if not.
        char ok = 0;
        ssize_t n;
        do {
            n = ::read(ready[0], &ok, 1);
        } while (n < 0 && errno == EINTR);
        ::close(ready[0]);
        if (n == 1 && ok == 1) return true;
        *error = "the " + std::to_string(cfg.idle) + " idle connections could not be opened (see above)";
        finish();
        return false;
    }
    // Closes the idle connections: the holder exits when its pipe closes.
    void finish()
    {
        if (m_stop >= 0) ::close(m_stop);
        m_stop = -1;
        if (m_pid > 0) {
            int status = 0;
            while (::waitpid(m_pid, &status, 0) < 0 && errno == EINTR) {
            }
        }
        m_pid = -1;
    }
    ~IdleHolder() { finish(); }

private:
    static int hold(Config cfg, int readyFd, int stopFd)
    {
        Run run;
        run.cfg = cfg;
        run.runId = std::uint32_t(std::random_device{}());
        run.loops.push_back(std::make_unique<Loop>(run, 0));
        for (int i = 0; i < cfg.idle; ++i) {
            auto c = std::make_unique<Conn>();
            c->role = Conn::Role::Idle;
            c->index = std::uint32_t(i);
            c->clientId = clientId(run, 'i', std::size_t(i));
            run.loops[0]->add(std::move(c));
        }
        std::vector<std::thread> threads;
        startThreads(run, threads);
        double seconds = 0;
        const bool ok = waitReady(run, std::size_t(cfg.idle), 30 + cfg.idle / 1000.0, &seconds);
        if (!ok)
            for (const std::string &e : run.errors())
                std::fprintf(stderr, "petrel-bench: idle connections: %s\n", e.c_str());
        const char byte = ok ? 1 : 0;
        [[maybe_unused]] auto w = ::write(readyFd, &byte, 1);
        ::close(readyFd);
        for (char c; ok;) { // until the measuring process closes the pipe (or ends)
            const ssize_t r = ::read(stopFd, &c, 1);
            if (r <= 0 && !(r < 0 && errno == EINTR)) break;
        }
        stopThreads(run, threads);
        return ok ? 0 : 1;
    }

    pid_t m_pid = -1;
    int m_stop = -1;
};

int runMessages(Config cfg)
{
    IdleHolder idle;
    if (cfg.idle > 0) {
        std::string why;
        if (!idle.start(cfg, &why)) {
            std::fprintf(stderr, "petrel-bench: %s\n", why.c_str());
            return 1;
        }
    }
    Run run;
    run.cfg = cfg;
    run.runId = std::uint32_t(std::random_device{}());
    std::vector<std::unique_ptr<std::vector<bool>>> matches;
    build(run, matches);
    cfg = run.cfg; // build() may have chosen the window
    const std::size_t total = connCount(cfg);
    std::vector<std::thread> threads;
    startThreads(run, threads);
    double setupSeconds = 0;
    const bool setupOk = waitReady(run, total, 30 + double(total) / 1000.0, &setupSeconds);
    double dt = 0, benchCpu = -1, brokerCpu = -1;
    std::vector<ThreadUse> brokerThreads;
    bool drained = false;
    if (setupOk) {
        // Cluster runs: subscriptions reach the other nodes asynchronously after the SUBACK.
        if (cfg.settleMs > 0) sleepSeconds(cfg.settleMs / 1000.0);
        run.phase.store(Warmup, std::memory_order_release);
        sleepSeconds(cfg.warmup);
        const double self0 = selfCpuSeconds();
        const double broker0 = cfg.brokerPid ? readCpuSeconds(cfg.brokerPid) : -1;
        const auto threads0 = cfg.brokerPid ? readThreadCpu(cfg.brokerPid) : std::map<long, ThreadCpu>{};
        const auto t0 = nowNs();
        run.phase.store(Measure, std::memory_order_release);
        sleepSeconds(cfg.seconds);
        run.phase.store(Drain, std::memory_order_release);
        const auto t1 = nowNs();
        dt = double(t1 - t0) / 1e9;
        benchCpu = (selfCpuSeconds() - self0) / dt;
        if (cfg.brokerPid) {
            brokerCpu = (readCpuSeconds(cfg.brokerPid) - broker0) / dt;
            brokerThreads = threadUse(threads0, readThreadCpu(cfg.brokerPid), dt);
        }
        const auto deadline = nowNs() + std::int64_t((cfg.stallSeconds + 3) * 1e9);
        while (nowNs() < deadline) {
            drained =
                std::all_of(run.loops.begin(), run.loops.end(), [](auto &l) { return l->drained.load(); });
            if (drained) break;
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
    }
    stopThreads(run, threads);
    idle.finish();

    // ---- aggregate
    Counters tot, meas;
    Histogram lat, connack;
    for (auto &l : run.loops) {
        tot += l->total;
        meas += l->atDrain - l->atMeasure;
        lat.merge(l->latency);
        connack.merge(l->connackLatency);
    }
    std::uint64_t sent = 0, expected = 0, stalls = 0, unacked = 0;
    for (auto &f : run.flows) {
        sent += f->sent;
        expected += f->expectedTotal;
        stalls += f->stalls;
        unacked += f->unacked;
        if (cfg.qos > 0)
            for (std::uint64_t s = f->oldest; s < f->sent; ++s)
                if (f->ring[s % f->ringSize].ack != 2) ++unacked;
    }
    const std::uint64_t lost = expected > tot.delivered ? expected - tot.delivered : 0;
    auto errors = run.errors();
    const std::size_t errorCount = run.errorCount();
    std::vector<std::string> problems;
    auto problem = [&](bool bad, const std::string &what) {
        if (bad) problems.push_back(what);
    };
    const bool reliable = cfg.qos > 0;
    problem(!setupOk, "set-up failed");
    problem(setupOk && !drained, "did not drain within " + seconds(cfg.stallSeconds + 3));
    problem(setupOk && meas.delivered == 0,
            "nothing delivered during the measured " + seconds(cfg.seconds) + " (broker stalled?)");
    problem(reliable && lost > 0,
            std::to_string(lost) + " QoS " + std::to_string(cfg.qos) + " messages lost");
    problem(reliable && unacked > 0, std::to_string(unacked) + " publishes never acknowledged");
    problem(tot.dups > 0, std::to_string(tot.dups) + " duplicates");
    problem(reliable && tot.late > 0, std::to_string(tot.late) + " late or duplicate deliveries");
    problem(reliable && run.strictOrder && tot.reordered > 0,
            std::to_string(tot.reordered) + " deliveries out of order");
    problem(tot.misrouted > 0, std::to_string(tot.misrouted) + " misrouted deliveries");
    problem(tot.badPayload > 0, std::to_string(tot.badPayload) + " foreign or corrupt payloads");
    problem(tot.unexpectedAcks > 0, std::to_string(tot.unexpectedAcks) + " unexpected acknowledgements");
    // QoS 0 may lose messages (reported as a warning); any other error fails the run.
    std::size_t hardErrors = errorCount;
    if (!reliable)
        hardErrors = std::size_t(std::count_if(errors.begin(), errors.end(), [](const std::string &e) {
            return e.find(" seq ") == std::string::npos;
        }));
    problem(hardErrors > 0, std::to_string(hardErrors) + " errors (connection failures, refusals, stalls)");
    const bool ok = problems.empty();

    const double msgs = dt > 0 ? double(meas.published) / dt : 0;
    const double deliveries = dt > 0 ? double(meas.delivered) / dt : 0;
    JsonLine j;
    addCommon(j, cfg);
    j.num("qos", cfg.qos);
    switch (cfg.scenario) {
    case Scenario::Pairs:
        j.num("pairs", cfg.pairs);
        break;
    case Scenario::Fanout:
        j.num("subscribers", cfg.subscribers);
        break;
    case Scenario::Wildcard:
        j.num("publishers", cfg.publishers);
        j.num("subscribers", cfg.subscribers);
        j.num("filters", double(cfg.subscribers) * cfg.filtersPerSub);
        j.num("topics", double(run.topics.size()));
        j.num("avg_fanout", sent ? double(expected) / double(sent) : 0);
        break;
    case Scenario::ConnStorm:
        break;
    }
    j.num("payload", cfg.payload);
    j.num("window", cfg.window);
    j.num("idle", cfg.idle);
    j.num("rate", cfg.rate);
    j.num("seconds", dt);
    j.num("warmup", cfg.warmup);
    j.num("setup_s", setupSeconds);
    j.num("msgs_per_s", msgs);
    j.num("deliveries_per_s", deliveries);
    j.num("lat_p50_us", double(lat.quantile(0.5)) / 1e3);
    j.num("lat_p99_us", double(lat.quantile(0.99)) / 1e3);
    j.num("lat_p999_us", double(lat.quantile(0.999)) / 1e3);
    j.num("lat_max_us", double(lat.max()) / 1e3);
    j.num("sent", double(sent));
    j.num("expected", double(expected));
    j.num("delivered", double(tot.delivered));
    j.num("lost", double(lost));
    j.num("stalls", double(stalls));
    j.num("unacked", double(unacked));
    j.num("duplicates", double(tot.dups));
    j.num("dup_redelivered", double(tot.dupRedelivered));
    j.num("late", double(tot.late));
    j.num("reordered", double(tot.reordered));
    j.num("misrouted", double(tot.misrouted));
    j.num("bench_cpu", benchCpu);
    j.num("broker_cpu", brokerCpu);
    j.num("broker_cpu_ns_per_delivery", brokerCpu >= 0 && deliveries > 0 ? brokerCpu * 1e9 / deliveries : -1);
    if (!brokerThreads.empty()) {
        // Threads that used at least 1 % of a core, busiest first.
        std::string list = "{";
        for (const auto &t : brokerThreads)
            if (t.cpu >= 0.01)
                list += (list.size() > 1 ? "," : "") + jsonString(t.name) + ":" + std::to_string(t.cpu);
        j.add("broker_threads_cpu", list + "}");
        const double busiest = brokerThreads.front().cpu;
        j.num("broker_busiest_thread_cpu", busiest);
        j.num("broker_busiest_thread_ns_per_delivery", deliveries > 0 ? busiest * 1e9 / deliveries : -1);
    }
    j.boolean("ok", ok);
    std::string errs = "[";
    std::vector<std::string> all = problems;
    for (const auto &e : errors)
        all.push_back(e);
    for (std::size_t i = 0; i < all.size() && i < 20; ++i)
        errs += (i ? "," : "") + jsonString(all[i]);
    j.add("errors", errs + "]");

    std::string shape;
    switch (cfg.scenario) {
    case Scenario::Pairs:
        shape = std::to_string(cfg.pairs) + " pairs";
        break;
    case Scenario::Fanout:
        shape = "1->" + std::to_string(cfg.subscribers);
        break;
    case Scenario::Wildcard:
        shape = std::to_string(cfg.publishers) + " pub, " + std::to_string(cfg.subscribers) + " sub x " +
                std::to_string(cfg.filtersPerSub) + " filters, " + std::to_string(run.topics.size()) +
                " topics";
        break;
    case Scenario::ConnStorm:
        break;
    }
    char human[768];
    std::snprintf(
        human, sizeof human,
        "%s mqtt=%s qos=%d %s, %dB, window %d%s, %.1fs: %s msgs/s, %s deliveries/s; latency p50 %.0f us "
        "p99 %.0f us; lost %llu dup %llu reordered %llu; bench cpu %.0f%%%s [%s]",
        scenarioName(cfg.scenario), versionName(cfg.version), cfg.qos, shape.c_str(), cfg.payload, cfg.window,
        cfg.rate > 0 ? (", rate " + fmtRate(cfg.rate) + "/s").c_str() : "", dt, fmtRate(msgs).c_str(),
        fmtRate(deliveries).c_str(), double(lat.quantile(0.5)) / 1e3, double(lat.quantile(0.99)) / 1e3,
        (unsigned long long)lost, (unsigned long long)tot.dups, (unsigned long long)tot.reordered,
        benchCpu * 100,
        brokerCpu >= 0 ? (", broker cpu " + std::to_string(int(brokerCpu * 100)) + "%").c_str() : "",
        ok ? "OK" : "FAILED");
    emit(cfg, human, j);
    if (!reliable && lost > 0)
        std::fprintf(stderr, "petrel-bench: warning: %llu QoS 0 messages lost\n", (unsigned long long)lost);
    if (benchCpu > 0.9 * cfg.threads)
        std::fprintf(stderr,
                     "petrel-bench: warning: the generator used %.0f%% CPU; it may be the bottleneck "
                     "(try --threads 2 without pinning)\n",
                     benchCpu * 100);
    for (const auto &p : all)
        std::fprintf(stderr, "petrel-bench: %s: %s\n", ok ? "note" : "error", p.c_str());
    return ok ? 0 : 1;
}

} // namespace

int main(int argc, char **argv)
{
    Config cfg = parseArgs(argc, argv);
    std::signal(SIGPIPE, SIG_IGN);
    rlimit rl{};
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    // (Each process: the measuring one, and the holder of the idle connections.)
    const std::size_t fds = std::max(connCount(cfg), std::size_t(cfg.idle)) + 64;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rlim_t(fds) > rl.rlim_cur)
        usageError("needs " + std::to_string(fds) + " file descriptors, the limit is " +
                   std::to_string(rl.rlim_cur));
    return cfg.scenario == Scenario::ConnStorm ? runStorm(cfg) : runMessages(cfg);
}
