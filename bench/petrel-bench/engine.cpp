// The epoll client engine of petrel-bench: connection set-up, MQTT framing and the
// publish/verify path. See bench.h for the model (flows, slots, windows).
#include "bench.h"

#include <arpa/inet.h>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

namespace petrel::bench {

using packets::PacketType;

std::int64_t nowNs()
{
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return std::int64_t(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

std::string seconds(double s)
{
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g s", s);
    return buf;
}

const char *scenarioName(Scenario s)
{
    switch (s) {
    case Scenario::Pairs:
        return "pairs";
    case Scenario::Fanout:
        return "fanout";
    case Scenario::Wildcard:
        return "wildcard";
    case Scenario::ConnStorm:
        return "connstorm";
    }
    return "?";
}

// ---- Histogram ---------------------------------------------------------------------------

std::uint64_t Histogram::lower(int i)
{
    if (i < 128) return std::uint64_t(i);
    const int e = (i - 128) / 64 + 7;
    const int m = (i - 128) % 64;
    return std::uint64_t(64 + m) << (e - 6);
}

std::uint64_t Histogram::upper(int i)
{
    if (i < 128) return std::uint64_t(i);
    const int e = (i - 128) / 64 + 7;
    return lower(i) + (std::uint64_t(1) << (e - 6)) - 1;
}

void Histogram::merge(const Histogram &o)
{
    for (int i = 0; i < kBuckets; ++i)
        counts_[i] += o.counts_[i];
    total_ += o.total_;
    if (o.max_ > max_) max_ = o.max_;
}

std::uint64_t Histogram::quantile(double q) const
{
    if (total_ == 0) return 0;
    std::uint64_t rank = std::uint64_t(q * double(total_));
    if (rank >= total_) rank = total_ - 1;
    std::uint64_t seen = 0;
    for (int i = 0; i < kBuckets; ++i) {
        seen += counts_[i];
        if (seen > rank) return std::min((lower(i) + upper(i)) / 2, max_);
    }
    return max_;
}

// ---- Counters, Run -------------------------------------------------------------------------

Counters Counters::operator-(const Counters &o) const
{
    Counters r;
    r.published = published - o.published;
    r.acked = acked - o.acked;
    r.delivered = delivered - o.delivered;
    r.dups = dups - o.dups;
    r.dupRedelivered = dupRedelivered - o.dupRedelivered;
    r.late = late - o.late;
    r.reordered = reordered - o.reordered;
    r.misrouted = misrouted - o.misrouted;
    r.badPayload = badPayload - o.badPayload;
    r.unexpectedAcks = unexpectedAcks - o.unexpectedAcks;
    return r;
}

Counters &Counters::operator+=(const Counters &o)
{
    published += o.published;
    acked += o.acked;
    delivered += o.delivered;
    dups += o.dups;
    dupRedelivered += o.dupRedelivered;
    late += o.late;
    reordered += o.reordered;
    misrouted += o.misrouted;
    badPayload += o.badPayload;
    unexpectedAcks += o.unexpectedAcks;
    return *this;
}

void Run::error(const std::string &message)
{
    std::lock_guard lock(mutex_);
    ++errorCount_;
    if (errors_.size() < 20) errors_.push_back(message);
}

std::vector<std::string> Run::errors() const
{
    std::lock_guard lock(mutex_);
    return errors_;
}

std::size_t Run::errorCount() const
{
    std::lock_guard lock(mutex_);
    return errorCount_;
}

// ---- little helpers ----------------------------------------------------------------------

namespace {

template <typename T>
T load(const char *p)
{
    T v;
    std::memcpy(&v, p, sizeof v); // little-endian hosts only (x86-64, aarch64)
    return v;
}

template <typename T>
void store(char *p, T v)
{
    std::memcpy(p, &v, sizeof v);
}

std::string connName(const Conn &c)
{
    return std::string(c.clientId.constData(), c.clientId.size());
}

} // namespace

// ---- Loop ----------------------------------------------------------------------------------

Loop::Loop(Run &run, int id) : run_(run), id_(id), scratch_(new char[65536])
{
    ep_ = epoll_create1(EPOLL_CLOEXEC);
    evfd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.ptr = nullptr; // the wake-up fd
    epoll_ctl(ep_, EPOLL_CTL_ADD, evfd_, &ev);
    concurrency_ = std::max(1, run.cfg.concurrency / std::max(1, run.cfg.threads));
    stallNs_ = std::int64_t(run.cfg.stallSeconds * 1e9);
}

Loop::~Loop()
{
    closeAll();
    if (evfd_ >= 0) ::close(evfd_);
    if (ep_ >= 0) ::close(ep_);
}

void Loop::wake()
{
    const std::uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(evfd_, &one, sizeof one);
}

void Loop::run()
{
    epoll_event events[512];
    std::int64_t now = nowNs();
    lastPingNs_ = now;
    const bool rateMode = run_.cfg.rate > 0;
    for (;;) {
        const int phase = run_.phase.load(std::memory_order_acquire);
        if (phase != phase_) onPhase(phase, now);
        if (phase == Done) break;
        openPending(now);

        const int timeout = (rateMode && (phase == Warmup || phase == Measure)) ? 1 : 5;
        const int n = epoll_wait(ep_, events, 512, timeout);
        now = nowNs();
        for (int i = 0; i < n; ++i) {
            if (events[i].data.ptr == nullptr) {
                std::uint64_t v;
                [[maybe_unused]] auto r = ::read(evfd_, &v, sizeof v);
                continue;
            }
            onEvent(*static_cast<Conn *>(events[i].data.ptr), events[i].events, now);
        }

        for (Flow *f : flows_)
            pump(*f, now, phase);

        // Keep-alive: quiet connections (QoS 0 subscribers, idle storm connections) ping.
        if (run_.cfg.keepAlive > 0 && now - lastPingNs_ > std::int64_t(run_.cfg.keepAlive) * 500000000) {
            lastPingNs_ = now;
            for (auto &c : conns_) {
                if (c->state != Conn::State::Ready) continue;
                packets::encodePingreq(c->out);
                markDirty(*c);
            }
        }

        for (Conn *c : dirty_)
            flush(*c);
        dirty_.clear();

        if (phase == Drain && !drained.load(std::memory_order_relaxed)) {
            bool all = true;
            for (Flow *f : flows_)
                all = all && f->oldest == f->sent;
            if (all) drained.store(true, std::memory_order_release);
        }
    }
    closeAll();
}

void Loop::onPhase(int phase, std::int64_t now)
{
    phase_ = phase;
    if (phase == Measure) {
        atMeasure = total;
        latency.reset();
    } else if (phase == Drain) {
        atDrain = total;
    } else if (phase == Warmup) {
        for (Flow *f : flows_) {
            f->rateStartNs = now;
            f->rateSent = 0;
            f->progressNs = now;
        }
    }
}

void Loop::openPending(std::int64_t now)
{
    while (handshaking_ < concurrency_ && nextToOpen_ < conns_.size()) {
        Conn &c = *conns_[nextToOpen_];
        if (run_.orderedOpen && c.order != run_.openTurn.load(std::memory_order_acquire))
            return; // another loop's turn; it wakes this one when it has taken it
        ++nextToOpen_;
        // On loopback connect() has completed the handshake, or queued it at the listener,
        // by the time it returns: the broker accepts in the order of these calls.
        open(c, now);
        if (run_.orderedOpen) {
            run_.openTurn.store(c.order + 1, std::memory_order_release);
            for (auto &l : run_.loops)
                if (l.get() != this) l->wake();
        }
    }
}

void Loop::open(Conn &c, std::int64_t now)
{
    c.fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c.fd < 0) {
        fail(c, std::string("socket(): ") + std::strerror(errno));
        return;
    }
    const int one = 1;
    setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    int port = run_.cfg.port;
    if (c.role == Conn::Role::Subscriber && !run_.cfg.subPorts.empty())
        port = run_.cfg.subPorts[c.index % run_.cfg.subPorts.size()];
    addr.sin_port = htons(std::uint16_t(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    c.startNs = now;
    ++handshaking_;
    const int r = ::connect(c.fd, reinterpret_cast<sockaddr *>(&addr), sizeof addr);
    if (r != 0 && errno != EINPROGRESS) {
        fail(c, std::string("connect(): ") + std::strerror(errno));
        return;
    }
    c.state = r == 0 ? Conn::State::WaitConnack : Conn::State::Connecting;

    packets::Connect connect;
    connect.version = run_.cfg.version;
    if (connect.version == packets::ProtocolVersion::V31) connect.protocolName = "MQIsdp";
    connect.cleanStart = true;
    if (run_.cfg.sessionExpiry > 0) {
        // Persistent sessions; a fresh one each run (v5: clean start with an expiry).
        if (connect.version == packets::ProtocolVersion::V5) {
            connect.properties.sessionExpiryInterval = std::uint32_t(run_.cfg.sessionExpiry);
            connect.properties.mark(packets::PropertyId::SessionExpiryInterval);
        } else {
            connect.cleanStart = false;
        }
    }
    connect.keepAlive = std::uint16_t(run_.cfg.keepAlive);
    connect.clientId = c.clientId;
    packets::encodeConnect(connect, c.out);

    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLOUT;
    ev.data.ptr = &c;
    c.pollOut = true;
    epoll_ctl(ep_, EPOLL_CTL_ADD, c.fd, &ev);
    if (r == 0) markDirty(c);
}

void Loop::setPollOut(Conn &c, bool on)
{
    if (c.pollOut == on || c.fd < 0) return;
    c.pollOut = on;
    epoll_event ev{};
    ev.events = EPOLLIN | (on ? std::uint32_t(EPOLLOUT) : 0u);
    ev.data.ptr = &c;
    epoll_ctl(ep_, EPOLL_CTL_MOD, c.fd, &ev);
}

void Loop::onEvent(Conn &c, std::uint32_t events, std::int64_t now)
{
    if (c.state == Conn::State::Closed) return;
    if (c.state == Conn::State::Connecting) {
        int err = 0;
        socklen_t len = sizeof err;
        getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &err, &len);
        if (err != 0) {
            fail(c, std::string("connect: ") + std::strerror(err));
            return;
        }
        if (!(events & (EPOLLOUT | EPOLLIN))) return;
        c.state = Conn::State::WaitConnack;
    }
    if (events & EPOLLOUT) markDirty(c);
    if (events & (EPOLLIN | EPOLLERR | EPOLLHUP)) onReadable(c, now);
}

void Loop::onReadable(Conn &c, std::int64_t now)
{
    char *scratch = scratch_.get();
    const ssize_t n = ::recv(c.fd, scratch, 65536, 0);
    if (n == 0) {
        fail(c, "connection closed by the broker");
        return;
    }
    if (n < 0) {
        if (errno == EAGAIN || errno == EINTR) return;
        fail(c, std::string("recv: ") + std::strerror(errno));
        return;
    }
    const bool direct = c.in.isEmpty();
    if (!direct) c.in.append(scratch, n);
    const char *data = direct ? scratch : c.in.constData();
    const qsizetype len = direct ? qsizetype(n) : c.in.size();
    qsizetype pos = 0;
    while (pos < len) {
        const packets::Frame f = packets::readFrame(QByteArrayView(data + pos, len - pos), 0);
        if (f.status == packets::Frame::Status::NeedMore) break;
        if (f.status == packets::Frame::Status::Error) {
            fail(c, std::string("framing error from the broker: ") + f.error.message);
            return;
        }
        handle(c, f.firstByte, data + pos + f.headerLength, f.remainingLength, now);
        if (c.state == Conn::State::Closed) return;
        pos += f.totalLength();
    }
    if (direct) {
        if (pos < len) c.in = QByteArray(data + pos, len - pos);
    } else {
        c.in.remove(0, pos);
    }
}

void Loop::handle(Conn &c, std::uint8_t first, const char *body, std::uint32_t size, std::int64_t now)
{
    const PacketType type = PacketType(first >> 4);
    if (type == PacketType::Publish) {
        onPublish(c, first, body, size, now);
        return;
    }
    const QByteArray bytes = QByteArray::fromRawData(body, size);
    switch (type) {
    case PacketType::Connack:
        onConnack(c, bytes, now);
        return;
    case PacketType::Suback: {
        packets::SubackLike s;
        if (packets::Error e = packets::decodeSuback(first, bytes, run_.cfg.version, s)) {
            fail(c, std::string("bad SUBACK: ") + e.message);
            return;
        }
        for (std::uint8_t code : s.reasonCodes) {
            if (code != std::uint8_t(run_.cfg.qos)) {
                fail(c, "SUBACK refused or downgraded a subscription (code " + std::to_string(code) + ")");
                return;
            }
        }
        if (c.state == Conn::State::WaitSuback) setReady(c);
        return;
    }
    case PacketType::Puback:
    case PacketType::Pubrec:
    case PacketType::Pubrel:
    case PacketType::Pubcomp:
        onAck(c, first, bytes);
        return;
    case PacketType::Pingresp:
        return;
    case PacketType::Disconnect: {
        packets::Disconnect d;
        packets::decodeDisconnect(bytes, run_.cfg.version, d);
        fail(c, "DISCONNECT from the broker, reason " + std::to_string(d.reasonCode));
        return;
    }
    default:
        fail(c, std::string("unexpected packet from the broker: ") + packets::packetTypeName(type));
        return;
    }
}

void Loop::onConnack(Conn &c, const QByteArray &body, std::int64_t now)
{
    packets::Connack ack;
    if (packets::Error e = packets::decodeConnack(body, run_.cfg.version, ack)) {
        fail(c, std::string("bad CONNACK: ") + e.message);
        return;
    }
    if (ack.reasonCode != 0) {
        fail(c, "CONNACK refused, code " + std::to_string(ack.reasonCode));
        return;
    }
    if (c.state != Conn::State::WaitConnack) return;
    connackLatency.record(std::uint64_t(now - c.startNs));
    --handshaking_;
    if (ack.properties.has(packets::PropertyId::ReceiveMaximum))
        c.serverReceiveMax = ack.properties.receiveMaximum;
    if (c.role == Conn::Role::Subscriber) {
        packets::Subscribe s;
        s.packetId = 1;
        s.topics = c.filters;
        packets::encodeSubscribe(s, run_.cfg.version, c.out);
        markDirty(c);
        c.state = Conn::State::WaitSuback;
        return;
    }
    if (c.role == Conn::Role::Publisher && run_.cfg.qos > 0)
        c.flow->window = std::min<std::uint32_t>(c.flow->window, c.serverReceiveMax);
    setReady(c);
}

void Loop::setReady(Conn &c)
{
    c.state = Conn::State::Ready;
    run_.ready.fetch_add(1, std::memory_order_acq_rel);
}

namespace {

struct InPublish {
    bool dup = false;
    std::uint8_t qos = 0;
    std::uint16_t packetId = 0;
    QByteArrayView topic;
    const char *payload = nullptr;
    qsizetype payloadSize = 0;
};

// The receive path of a load generator has to cost less than the broker's, so PUBLISH packets
// from the broker are sliced here with bounds checks only; the exact topic comparison in
// onPublish is stricter than the codec's validation anyway. --full-decode uses decodePublish().
const char *slicePublish(std::uint8_t first, const char *body, std::uint32_t size, bool v5, InPublish &out)
{
    const auto *b = reinterpret_cast<const unsigned char *>(body);
    out.dup = first & 0x08;
    out.qos = (first >> 1) & 3;
    if (out.qos == 3) return "QoS 3 [MQTT-3.3.1-4]";
    if (size < 2) return "topic length past the end";
    const std::uint32_t topicLen = std::uint32_t(b[0]) << 8 | b[1];
    std::uint32_t pos = 2;
    if (size - pos < topicLen) return "topic past the end";
    out.topic = QByteArrayView(body + pos, topicLen);
    pos += topicLen;
    if (out.qos > 0) {
        if (size - pos < 2) return "packet identifier past the end";
        out.packetId = std::uint16_t(b[pos] << 8 | b[pos + 1]);
        if (out.packetId == 0) return "packet identifier 0";
        pos += 2;
    }
    if (v5) {
        std::uint32_t len = 0;
        for (int i = 0;; ++i) {
            if (i == 4 || pos >= size) return "properties length malformed";
            len |= std::uint32_t(b[pos] & 0x7F) << (7 * i);
            if (!(b[pos++] & 0x80)) break;
        }
        if (size - pos < len) return "properties past the end";
        pos += len;
    }
    out.payload = body + pos;
    out.payloadSize = qsizetype(size - pos);
    return nullptr;
}

} // namespace

void Loop::onPublish(Conn &c, std::uint8_t first, const char *body, std::uint32_t size, std::int64_t now)
{
    InPublish p;
    if (run_.cfg.fullDecode) {
        // The decoded byte arrays are raw-data slices of `body`, so the views outlive `full`.
        packets::Publish full;
        if (packets::Error e =
                packets::decodePublish(first, QByteArray::fromRawData(body, size), run_.cfg.version, full)) {
            fail(c, std::string("bad PUBLISH from the broker: ") + e.message);
            return;
        }
        p.dup = full.dup;
        p.qos = full.qos;
        p.packetId = full.packetId;
        p.topic = full.topic;
        p.payload = full.payload.constData();
        p.payloadSize = full.payload.size();
    } else if (const char *why = slicePublish(first, body, size, packets::isV5(run_.cfg.version), p)) {
        fail(c, std::string("bad PUBLISH from the broker: ") + why);
        return;
    }
    Counters &k = total;
    auto ackIt = [&] {
        if (p.qos == 0) return;
        packets::Ack a;
        a.type = p.qos == 1 ? PacketType::Puback : PacketType::Pubrec;
        a.packetId = p.packetId;
        packets::encodeAck(a, run_.cfg.version, c.out);
        markDirty(c);
    };
    if (p.qos == 2) {
        // Exactly once, method A: deliver on PUBLISH, remember the id until PUBREL. The same id
        // again before PUBREL is a redelivery of a message we already counted.
        if (c.qos2Pending.empty()) c.qos2Pending.assign(1024, 0);
        std::uint64_t &word = c.qos2Pending[p.packetId >> 6];
        const std::uint64_t bit = std::uint64_t(1) << (p.packetId & 63);
        if (word & bit) {
            if (p.dup)
                ++k.dupRedelivered;
            else
                ++k.dups;
            ackIt();
            return;
        }
        word |= bit;
    }
    const char *pl = p.payload;
    if (p.payloadSize < kPayloadHeader || load<std::uint32_t>(pl) != kMagic ||
        load<std::uint32_t>(pl + 4) != run_.runId) {
        ++k.badPayload;
        ackIt();
        return;
    }
    const std::uint32_t flowId = load<std::uint32_t>(pl + 8);
    const std::uint32_t topic = load<std::uint32_t>(pl + 12);
    const std::uint64_t seq = load<std::uint64_t>(pl + 16);
    const std::int64_t sentNs = load<std::int64_t>(pl + 24);
    if (flowId >= run_.flows.size() || topic >= run_.topics.size()) {
        ++k.badPayload;
        ackIt();
        return;
    }
    if (p.topic != QByteArrayView(run_.topics[topic]) || (c.matches && !(*c.matches)[topic])) ++k.misrouted;

    Flow &f = *run_.flows[flowId];
    Slot &s = f.ring[seq % f.ringSize];
    bool counted = false;
    if (s.seq.load(std::memory_order_acquire) == seq) {
        const std::uint32_t r = s.received.fetch_add(1, std::memory_order_seq_cst) + 1;
        if (r <= s.expected)
            counted = true;
        else if (p.dup && p.qos == 1)
            ++k.dupRedelivered;
        else
            ++k.dups;
    } else if (p.dup && p.qos == 1) {
        ++k.dupRedelivered;
    } else {
        ++k.late; // arrived after its slot was retired (declared lost) or a duplicate of an old one
    }
    if (counted) {
        ++k.delivered;
        if (c.nextSeq.size() <= flowId) c.nextSeq.resize(run_.flows.size(), 0);
        std::uint64_t &next = c.nextSeq[flowId];
        if (seq < next)
            ++k.reordered;
        else
            next = seq + 1;
        if (phase_ == Measure) latency.record(std::uint64_t(std::max<std::int64_t>(0, now - sentNs)));
        if (f.loop != id_ && f.parked.load(std::memory_order_seq_cst) &&
            f.parked.exchange(false, std::memory_order_seq_cst))
            run_.loops[f.loop]->wake();
    }
    ackIt();
}

void Loop::onAck(Conn &c, std::uint8_t first, const QByteArray &body)
{
    packets::Ack a;
    if (packets::Error e = packets::decodeAck(first, body, run_.cfg.version, a)) {
        fail(c, std::string("bad acknowledgement: ") + e.message);
        return;
    }
    if (a.type == PacketType::Pubrel) { // subscriber side of QoS 2
        if (!c.qos2Pending.empty())
            c.qos2Pending[a.packetId >> 6] &= ~(std::uint64_t(1) << (a.packetId & 63));
        packets::Ack comp;
        comp.type = PacketType::Pubcomp;
        comp.packetId = a.packetId;
        packets::encodeAck(comp, run_.cfg.version, c.out);
        markDirty(c);
        return;
    }
    Flow *f = c.flow;
    if (!f) {
        ++total.unexpectedAcks;
        return;
    }
    if (a.reasonCode >= 0x80) {
        run_.error(connName(c) + ": broker refused a publish, reason " + std::to_string(a.reasonCode));
    }
    // Packet id = seq % 65535 + 1 and at most `window` (<= 65535) are outstanding, so the id
    // names exactly one seq in [oldest, sent).
    const std::uint64_t residue = a.packetId - 1;
    const std::uint64_t base = f->oldest;
    const std::uint64_t seq = base + (residue + 65535 - base % 65535) % 65535;
    Slot &s = f->ring[seq % f->ringSize];
    if (seq >= f->sent || s.seq.load(std::memory_order_relaxed) != seq) {
        ++total.unexpectedAcks;
        return;
    }
    const bool qos2 = run_.cfg.qos == 2;
    if (a.type == PacketType::Puback && !qos2 && s.ack == 0) {
        s.ack = 2;
        ++total.acked;
    } else if (a.type == PacketType::Pubrec && qos2 && s.ack == 0) {
        s.ack = 1;
        packets::Ack rel;
        rel.type = PacketType::Pubrel;
        rel.packetId = a.packetId;
        packets::encodeAck(rel, run_.cfg.version, c.out);
        markDirty(c);
    } else if (a.type == PacketType::Pubcomp && qos2 && s.ack == 1) {
        s.ack = 2;
        ++total.acked;
    } else {
        ++total.unexpectedAcks;
    }
}

void Loop::pump(Flow &f, std::int64_t now, int phase)
{
    if (f.pub->state != Conn::State::Ready) return;
    const bool crossThread = run_.cfg.threads > 1;
    for (int attempt = 0; attempt < 2; ++attempt) {
        if (crossThread) f.parked.store(false, std::memory_order_relaxed);
        while (f.oldest < f.sent) {
            Slot &s = f.ring[f.oldest % f.ringSize];
            const std::uint32_t got = s.received.load(std::memory_order_seq_cst);
            if (s.ack == 2 && got >= s.expected) {
                ++f.oldest;
                f.progressNs = now;
                continue;
            }
            // Lost: nothing completed for stallSeconds and this message is that old too (so a
            // run of lost messages is declared at once, not one per timeout).
            if (now - std::max(f.progressNs, s.sentNs) <= stallNs_) break;
            const std::uint32_t missing = s.expected - std::min(got, s.expected);
            f.lost += missing;
            ++f.stalls;
            if (s.ack != 2) ++f.unacked;
            if (f.stalls <= 3)
                run_.error("flow " + std::to_string(f.id) + " seq " + std::to_string(f.oldest) +
                           ": received " + std::to_string(got) + "/" + std::to_string(s.expected) +
                           (s.ack == 2 ? "" : ", never acknowledged") + " after " +
                           seconds(run_.cfg.stallSeconds));
            s.seq.store(~0ull, std::memory_order_release);
            ++f.oldest;
        }
        if (f.oldest == f.sent) f.progressNs = now;
        if (phase != Warmup && phase != Measure) return;

        std::uint64_t room = f.window - (f.sent - f.oldest);
        if (f.ratePerNs > 0) {
            const auto due = std::uint64_t(double(now - f.rateStartNs) * f.ratePerNs);
            room = std::min<std::uint64_t>(room, due > f.rateSent ? due - f.rateSent : 0);
        }
        for (std::uint64_t i = 0; i < room; ++i)
            sendPublish(f, now);
        if (f.ratePerNs > 0 && f.window - (f.sent - f.oldest) == 0) {
            // Window-limited in open-loop mode: the broker is behind; do not build a backlog.
            const auto due = std::uint64_t(double(now - f.rateStartNs) * f.ratePerNs);
            if (due > f.rateSent + f.window) f.rateSent = due - f.window;
        }
        if (!crossThread || room > 0 || f.sent - f.oldest < f.window) return;
        // Window full and receipts may come from other threads: park, then look once more
        // (a receiver that completes a slot after this store sees parked and wakes us).
        f.parked.store(true, std::memory_order_seq_cst);
        const Slot &s = f.ring[f.oldest % f.ringSize];
        if (!(s.ack == 2 && s.received.load(std::memory_order_seq_cst) >= s.expected)) return;
    }
}

void Loop::sendPublish(Flow &f, std::int64_t now)
{
    const std::uint64_t seq = f.sent;
    const std::uint32_t topic = f.topicCycle[f.cyclePos];
    if (++f.cyclePos == f.topicCycle.size()) f.cyclePos = 0;
    Slot &s = f.ring[seq % f.ringSize];
    s.received.store(0, std::memory_order_relaxed);
    s.expected = run_.expectedByTopic[topic];
    s.ack = run_.cfg.qos == 0 ? 2 : 0;
    s.sentNs = now;
    s.seq.store(seq, std::memory_order_release);

    if (f.topicCycle.size() > 1 || f.tmpl.topic.isNull()) f.tmpl.topic = run_.topics[topic];
    if (f.tmpl.qos > 0) f.tmpl.packetId = std::uint16_t(seq % 65535 + 1);
    Conn &c = *f.pub;
    packets::encodePublish(f.tmpl, run_.cfg.version, c.out);
    char *pl = c.out.data() + c.out.size() - f.tmpl.payload.size();
    store<std::uint32_t>(pl, kMagic);
    store<std::uint32_t>(pl + 4, run_.runId);
    store<std::uint32_t>(pl + 8, f.id);
    store<std::uint32_t>(pl + 12, topic);
    store<std::uint64_t>(pl + 16, seq);
    store<std::int64_t>(pl + 24, now);
    ++f.sent;
    ++f.rateSent;
    f.expectedTotal += s.expected;
    ++total.published;
    markDirty(c);
}

void Loop::markDirty(Conn &c)
{
    if (c.dirty || c.fd < 0) return;
    c.dirty = true;
    dirty_.push_back(&c);
}

void Loop::flush(Conn &c)
{
    c.dirty = false;
    if (c.fd < 0 || c.state == Conn::State::Closed || c.state == Conn::State::Connecting) return;
    const qsizetype pending = c.out.size() - c.outSent;
    if (pending > 0) {
        const ssize_t n = ::send(c.fd, c.out.constData() + c.outSent, std::size_t(pending), MSG_NOSIGNAL);
        if (n < 0) {
            if (errno != EAGAIN && errno != EINTR) {
                fail(c, std::string("send: ") + std::strerror(errno));
                return;
            }
        } else {
            c.outSent += n;
        }
    }
    if (c.outSent == c.out.size()) {
        c.out.resize(0); // keeps the capacity
        c.outSent = 0;
        setPollOut(c, false);
    } else {
        setPollOut(c, true);
    }
}

void Loop::fail(Conn &c, const std::string &why)
{
    if (c.state == Conn::State::Closed) return;
    const bool handshake = c.state != Conn::State::Ready;
    const int phase = run_.phase.load(std::memory_order_relaxed);
    if (phase < Done) run_.error(connName(c) + ": " + why + (handshake ? " (during connect)" : ""));
    if (handshake) run_.failed.fetch_add(1, std::memory_order_acq_rel);
    if (c.state == Conn::State::Connecting || c.state == Conn::State::WaitConnack) --handshaking_;
    c.state = Conn::State::Closed;
    if (c.fd >= 0) {
        epoll_ctl(ep_, EPOLL_CTL_DEL, c.fd, nullptr);
        ::close(c.fd);
        c.fd = -1;
    }
}

void Loop::closeAll()
{
    // Reset instead of FIN: thousands of storm connections must not sit in TIME_WAIT and
    // exhaust the ephemeral ports of the next run.
    const linger lg{1, 0};
    for (auto &c : conns_) {
        if (c->fd < 0) continue;
        if (c->state == Conn::State::Ready && c->role != Conn::Role::Idle) {
            QByteArray bye;
            packets::encodeDisconnect(packets::Disconnect{}, run_.cfg.version, bye);
            [[maybe_unused]] auto n = ::send(c->fd, bye.constData(), std::size_t(bye.size()), MSG_NOSIGNAL);
        } else {
            setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
        }
        ::close(c->fd);
        c->fd = -1;
        c->state = Conn::State::Closed;
    }
}

} // namespace petrel::bench
