// Worker: the I/O half (epoll, batched reads and writes, inbox, timers). The protocol half
// is in protocol.cpp.
#include "worker.h"

#include <QAbstractEventDispatcher>
#include <QLoggingCategory>
#include <QSocketNotifier>
#include <QThread>
#include <QTimer>

#include <cerrno>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

Q_LOGGING_CATEGORY(lcWorker, "petrel.worker")

namespace petrel {

using namespace packets;

namespace {
constexpr qsizetype kScratchSize = 64 * 1024;
constexpr qsizetype kFlushEarlyBytes = 256 * 1024; // flush before aboutToBlock past this
constexpr int kMaxEvents = 256;
constexpr int kReadsPerWake = 4; // reads per fd per pass: fairness between busy clients
} // namespace

Worker::Worker(BrokerCore &core, int index) : m_core(core), m_index(index)
{
    m_scratch.resize(kScratchSize);
    // Made here, before any thread can post to this worker, so m_wakeFd never changes
    // while others read it.
    m_epoll = ::epoll_create1(EPOLL_CLOEXEC);
    m_wakeFd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = quint64(m_wakeFd);
    ::epoll_ctl(m_epoll, EPOLL_CTL_ADD, m_wakeFd, &ev);
}

Worker::~Worker()
{
    for (Connection *c : std::as_const(m_connections)) {
        if (c->fd >= 0) ::close(c->fd);
        delete c->transport;
        delete c;
    }
    m_connections.clear();
    // Connections moved here that the worker stopped before adopting.
    for (auto *list : {&m_inboxMoved, &m_drainMoved}) {
        for (Connection *c : *list) {
            if (c->session && c->session->connection == c) c->session->connection = nullptr;
            if (c->fd >= 0) ::close(c->fd);
            delete c;
        }
        list->clear();
    }
    if (m_epoll >= 0) ::close(m_epoll);
    if (m_wakeFd >= 0) ::close(m_wakeFd);
}

void Worker::startOnThread()
{
    m_routed.resize(m_core.workers.size());
    m_routedCopies.resize(m_core.workers.size());
    m_copying.assign(m_core.workers.size(), false);
    m_measureFlows = m_core.rebalancer != nullptr;

    m_notifier = new QSocketNotifier(m_epoll, QSocketNotifier::Read, this);
    connect(m_notifier, &QSocketNotifier::activated, this, &Worker::onEpollReadable);
    connect(QAbstractEventDispatcher::instance(thread()), &QAbstractEventDispatcher::aboutToBlock, this,
            &Worker::flushAll);

    m_tick = new QTimer(this);
    m_tick->setInterval(100); // keepalive is enforced to within this
    connect(m_tick, &QTimer::timeout, this, &Worker::onTick);
    m_tick->start();
    // Anything posted before the notifier existed.
    drainInbox();
}

// ---- thread-safe entry points ----------------------------------------------------------

static void wake(int fd)
{
    const quint64 one = 1;
    [[maybe_unused]] auto n = ::write(fd, &one, sizeof one);
}

void Worker::adoptSocket(int fd, const QString &listenerId, const QString &remoteAddress)
{
    std::lock_guard lock(m_inboxLock);
    m_inboxSockets.push_back({fd, {listenerId, remoteAddress}});
    if (!m_wakePending && m_wakeFd >= 0) {
        m_wakePending = true;
        wake(m_wakeFd);
    }
}

void Worker::adoptTransport(Transport *transport, const QString &listenerId)
{
    post([this, transport, listenerId] {
        if (m_shuttingDown) {
            transport->close();
            transport->deleteLater();
            return;
        }
        Connection *c = newConnection(-1, transport, listenerId, transport->peerAddress());
        const quint64 serial = c->serial;
        connect(transport, &Transport::received, this, [this, serial](const QByteArray &bytes) {
            Connection *c = m_connections.value(serial);
            if (!c) return;
            if (c->closing) return; // after our DISCONNECT: input is dropped
            feed(*c, bytes.constData(), bytes.size());
            flushRouted();
        });
        connect(transport, &Transport::closed, this, [this, serial] {
            Connection *c = m_connections.value(serial);
            if (!c) return;
            if (!c->closing) closeConnection(*c, true);
            scheduleDestroy(*c);
            flushAll();
        });
        transport->start();
    });
}

Connection *Worker::newConnection(int fd, Transport *transport, const QString &listenerId,
                                  const QString &remote)
{
    auto *c = new Connection;
    c->fd = fd;
    c->transport = transport;
    c->serial = m_nextSerial++;
    c->info.listenerId = listenerId;
    c->info.remoteAddress = remote;
    c->acceptedAtMs = nowMs();
    c->lastReceivedMs = c->acceptedAtMs;
    m_connections.insert(c->serial, c);
    m_connectionCount.fetch_add(1, std::memory_order_relaxed);
    return c;
}

void Worker::postDeliveries(std::vector<Delivery> &batch, CopyStream &copies)
{
    if (batch.empty()) return;
    std::lock_guard lock(m_inboxLock);
    if (m_inboxDeliveries.empty()) {
        // (Both buffers' capacity stays in circulation.)
        m_inboxDeliveries.swap(batch);
        std::swap(m_inboxCopies, copies);
    } else {
        const qsizetype base = m_inboxCopies.bytes.size();
        // (Copied, not shared: each side keeps a buffer of its own to write into.)
        m_inboxCopies.bytes.append(copies.bytes.constData(), copies.bytes.size());
        m_inboxCopies.keep.insert(m_inboxCopies.keep.end(), std::make_move_iterator(copies.keep.begin()),
                                  std::make_move_iterator(copies.keep.end()));
        for (Delivery &d : batch) {
            if (d.copyAt >= 0) {
                d.copyAt += base;
                d.copyEnd += base;
            }
            m_inboxDeliveries.push_back(std::move(d));
        }
        batch.clear();
    }
    copies.clear();
    if (!m_wakePending && m_wakeFd >= 0) {
        m_wakePending = true;
        wake(m_wakeFd);
    }
}

void Worker::post(std::function<void()> fn)
{
    std::lock_guard lock(m_inboxLock);
    m_inboxTasks.push_back(std::move(fn));
    if (!m_wakePending && m_wakeFd >= 0) {
        m_wakePending = true;
        wake(m_wakeFd);
    }
}

void Worker::requestMove(SessionPtr session, Worker *target)
{
    post([this, session = std::move(session), target]() mutable {
        if (session->home.load(std::memory_order_acquire) != this || m_core.stopping.load()) return;
        m_movesWanted.emplace_back(std::move(session), target);
    });
}

void Worker::drainInbox()
{
    {
        std::lock_guard lock(m_inboxLock);
        m_drainDeliveries.swap(m_inboxDeliveries);
        std::swap(m_drainCopies, m_inboxCopies);
        m_drainTasks.swap(m_inboxTasks);
        m_drainSockets.swap(m_inboxSockets);
        m_drainMoved.swap(m_inboxMoved);
        m_wakePending = false;
        // One read resets the counter (not EFD_SEMAPHORE), and posters write only while no
        // wake-up is pending, so nothing is left to read after this one.
        quint64 v;
        [[maybe_unused]] auto n = ::read(m_wakeFd, &v, sizeof v);
    }
    // Before any task: a task posted here for a moved session came after its connection.
    for (Connection *c : m_drainMoved)
        adoptMoved(c);
    m_drainMoved.clear();
    for (auto &[fd, names] : m_drainSockets) {
        if (m_shuttingDown) {
            ::close(fd);
            continue;
        }
        epoll_event ev{};
        ev.events = EPOLLIN | EPOLLRDHUP;
        Connection *c = newConnection(fd, nullptr, names.first, names.second);
        ev.data.ptr = c;
        if (::epoll_ctl(m_epoll, EPOLL_CTL_ADD, fd, &ev) != 0) {
            qCWarning(lcWorker) << "epoll_ctl add failed for" << c->info.remoteAddress << strerror(errno);
            scheduleDestroy(*c);
        }
    }
    m_drainSockets.clear();
    for (auto &fn : m_drainTasks)
        fn();
    m_drainTasks.clear();
    for (Delivery &d : m_drainDeliveries) {
        if (d.copyAt >= 0)
            deliverCopies(m_drainCopies.bytes, d.copyAt, d.copyEnd);
        else
            deliverLocal(std::move(d));
    }
    m_drainDeliveries.clear();
    m_drainCopies.clear(); // (the sessions' references last until here)
    if (!m_flushSoon.empty()) flushEarly();
    flushRouted();
}

// ---- reading ---------------------------------------------------------------------------

void Worker::onEpollReadable()
{
    epoll_event events[kMaxEvents];
    int n = ::epoll_wait(m_epoll, events, kMaxEvents, 0);
    for (int i = 0; i < n; ++i) {
        // The eventfd was registered with data.u64 == its fd number; connections with their
        // pointer, which is never a small integer.
        if (events[i].data.u64 == quint64(m_wakeFd)) {
            drainInbox();
            continue;
        }
        auto *c = static_cast<Connection *>(events[i].data.ptr);
        if (events[i].events & EPOLLOUT) {
            flush(*c);
        }
        if (events[i].events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
            if (!c->closing)
                readFrom(*c);
            else if (c->passive)
                discardInput(*c);
            else if (events[i].events & (EPOLLHUP | EPOLLERR))
                scheduleDestroy(*c);
        }
    }
    flushRouted();
    for (Connection *c : m_closing)
        destroyConnection(c);
    m_closing.clear();
}

void Worker::readFrom(Connection &c)
{
    for (int round = 0; round < kReadsPerWake && !c.closing; ++round) {
        ssize_t n = ::recv(c.fd, m_scratch.data(), m_scratch.size(), 0);
        if (n == 0) {
            closeConnection(c, true); // peer closed without DISCONNECT
            return;
        }
        if (n < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK) return;
            if (errno == EINTR) continue;
            closeConnection(c, true);
            return;
        }
        if (!feed(c, m_scratch.data(), n)) return;
        if (n < qsizetype(m_scratch.size())) return; // socket drained
    }
}

// Parses received bytes: whole packets straight from `data`, a trailing partial packet
// kept in c.in. Returns false once the connection is closing.
bool Worker::feed(Connection &c, const char *data, qsizetype n)
{
    m_traffic.bytesReceived += n;
    c.lastReceivedMs = now();
    c.activeSinceTick = true;
    qsizetype consumed = 0;
    if (c.in.isEmpty()) {
        if (!parseBuffer(c, data, n, &consumed)) return false;
        if (consumed < n) c.in = QByteArray(data + consumed, n - consumed);
    } else {
        c.in.append(data, n);
        if (!parseBuffer(c, c.in.constData(), c.in.size(), &consumed)) return false;
        c.in.remove(0, consumed);
        if (c.in.isEmpty()) c.in = QByteArray(); // release the buffer of a drained connection
    }
    return true;
}

// After a server DISCONNECT in passive mode: read and drop until the client closes.
void Worker::discardInput(Connection &c)
{
    for (;;) {
        ssize_t n = ::recv(c.fd, m_scratch.data(), m_scratch.size(), 0);
        if (n > 0) continue;
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
        scheduleDestroy(c);
        return;
    }
}

void Worker::scheduleDestroy(Connection &c)
{
    if (std::find(m_closing.begin(), m_closing.end(), &c) == m_closing.end()) m_closing.push_back(&c);
}

// Parses every whole packet in data[0..size). Returns false when the connection closed.
bool Worker::parseBuffer(Connection &c, const char *data, qsizetype size, qsizetype *consumed)
{
    qsizetype pos = 0;
    while (pos < size && !c.closing && !c.awaitingSession) {
        // Until CONNECT has been accepted only a small packet is allowed (checked before
        // the body is buffered); afterwards the configured maximum.
        const std::uint32_t limit =
            c.session ? m_core.caps().maximumPacketSize : m_core.caps().maximumConnectPacketSize;
        Frame f = readFrame(QByteArrayView(data + pos, size - pos), limit);
        if (f.status == Frame::Status::NeedMore) break;
        if (f.status == Frame::Status::Error) {
            disconnectWithReason(c, f.error.code, f.error.message);
            *consumed = pos;
            return false;
        }
        const QByteArrayView bodyView(data + pos + f.headerLength, f.remainingLength);
        pos += f.totalLength();
        ++m_traffic.packetsReceived;
        // A plain PUBLISH is forwarded straight from `data` when it can be, and a plain
        // acknowledgement read there; anything else is copied out and dispatched.
        bool done = false;
        if (c.session) {
            const std::uint8_t t = f.firstByte;
            if ((t & 0xF1) == 0x30) // PUBLISH, not retained
                done = publishInPlace(c, t, bodyView);
            else if (f.remainingLength == 2 && (t == 0x40 || t == 0x50 || t == 0x62 || t == 0x70))
                done = ackInPlace(c, t, bodyView);
        }
        if (!done) handlePacket(c, f.firstByte, bodyView.toByteArray());
        if (!m_flushSoon.empty()) flushEarly();
    }
    // Bytes after a CONNECT whose session is still being handed over stay buffered in
    // c.in like a partial packet; continueConnect() parses them.
    *consumed = pos;
    return !c.closing;
}

// ---- writing ---------------------------------------------------------------------------

void Worker::durableAdvanced()
{
    // Pairs with flushLimit(): it sets the flag, then reads the durable sequence again.
    if (m_durableWanted.exchange(false)) post([this] { releaseHeld(); });
}

void Worker::adoptRestoredSession(SessionPtr session)
{
    session->home.store(this);
    m_offline.push_back(std::move(session));
}

void Worker::releaseHeld()
{
    std::vector<quint64> held;
    held.swap(m_held);
    for (quint64 serial : held) {
        Connection *c = m_connections.value(serial);
        if (!c) continue;
        c->inHeldList = false;
        flush(*c);
    }
}

// How much of c.out may be written now: all of it, unless sync persistence holds output
// written after changes that are not durable yet.
qsizetype Worker::flushLimit(Connection &c)
{
    if (c.held.empty() && c.clusterHeld.empty()) return c.out.size();
    qsizetype limit = c.out.size();
    // Entries whose ticket/sequence `done()` says is reached go; the first other one limits.
    const auto check = [&](auto &held, auto done) {
        for (;;) {
            while (!held.empty() && done(held.front().second))
                held.pop_front();
            if (held.empty()) return;
            if (!c.inHeldList) {
                c.inHeldList = true;
                m_held.push_back(c.serial);
            }
            m_durableWanted.store(true);
            // The storage/cluster thread may have advanced before it could see the flag: look again.
            if (!done(held.front().second)) {
                limit = std::min(limit, qsizetype(held.front().first - c.outBase));
                return;
            }
        }
    };
    if (!c.held.empty())
        check(c.held, [this](std::uint64_t seq) { return seq <= m_core.durability->durableSequence(); });
    if (!c.clusterHeld.empty())
        check(c.clusterHeld,
              [this](std::uint64_t ticket) { return ticket <= m_core.cluster->releasedHold(); });
    return limit;
}

void Worker::holdFrom(Connection &c, quint64 start)
{
    const DurabilityGate *g = m_core.durability;
    if (!g) return;
    const std::uint64_t written = g->writeSequence();
    if (written <= g->durableSequence() || (!c.held.empty() && c.held.back().second >= written)) return;
    // Not before what has been written already, nor before an earlier entry.
    start = std::max(start, c.outBase + quint64(c.outOffset));
    if (!c.held.empty()) start = std::max(start, c.held.back().first);
    c.held.emplace_back(start, written);
}

void Worker::markDirty(Connection &c)
{
    if (c.writesThisTick < 255) ++c.writesThisTick;
    if (!c.dirty) {
        c.dirty = true;
        m_dirty.push_back(&c);
    }
    // Past kFlushEarlyBytes the output is written before the pass ends, but not from here:
    // markDirty() runs inside delivery loops, and a send() that fails closes the connection,
    // which can publish a will and so change the sessions and routes such a loop walks.
    // flushEarly() runs where no loop is under way: after each packet read, after the inbox.
    // (A full socket is written when it becomes writable: EPOLLOUT.)
    if (!c.flushSoon && !c.wantWrite && c.out.size() - c.outOffset > kFlushEarlyBytes) {
        c.flushSoon = true;
        m_flushSoon.push_back(c.serial);
    }
}

void Worker::flushEarly()
{
    // (By index: a flush that closes a connection can add entries.)
    for (size_t i = 0; i < m_flushSoon.size(); ++i) {
        Connection *c = m_connections.value(m_flushSoon[i]);
        if (c && c->flushSoon) flush(*c);
    }
    m_flushSoon.clear();
}

void Worker::publishTraffic()
{
    Counters &g = m_core.counters;
    m_windowLoad += m_traffic.messagesReceived + m_traffic.messagesSent;
    const auto add = [](std::atomic<qint64> &to, qint64 &n) {
        if (n) {
            to.fetch_add(n, std::memory_order_relaxed);
            n = 0;
        }
    };
    add(g.messagesReceived, m_traffic.messagesReceived);
    add(g.messagesSent, m_traffic.messagesSent);
    add(g.packetsReceived, m_traffic.packetsReceived);
    add(g.packetsSent, m_traffic.packetsSent);
    add(g.bytesReceived, m_traffic.bytesReceived);
    add(g.bytesSent, m_traffic.bytesSent);
    add(g.inflight, m_traffic.inflight);
}

void Worker::endIteration()
{
    publishTraffic();
    m_iterationNowValid = false;
    m_iterationMaskValid = false;
}

void Worker::flushAll()
{
    // Counted before the packets leave, so nobody sees a message before its count.
    publishTraffic();
    if (m_dirty.empty()) {
        for (Connection *c : m_closing)
            destroyConnection(c);
        m_closing.clear();
        if (!m_movesWanted.empty()) performMoves();
        endIteration();
        return;
    }
    // flush() may close connections; iterate over a stable copy.
    std::vector<Connection *> dirty;
    dirty.swap(m_dirty);
    for (Connection *c : dirty) {
        c->dirty = false;
        flush(*c);
    }
    dirty.clear();
    if (m_dirty.empty()) m_dirty.swap(dirty); // keep capacity
    m_flushSoon.clear();                      // all written above
    for (Connection *c : m_closing)
        destroyConnection(c);
    m_closing.clear();
    if (!m_movesWanted.empty()) performMoves();
    endIteration();
}

bool Worker::flush(Connection &c)
{
    c.flushSoon = false;
    c.activeSinceTick = true;
    const qsizetype limit = flushLimit(c);
    if (c.transport) {
        if (c.outOffset < limit) {
            const qint64 n = limit - c.outOffset;
            c.transport->write(c.outOffset == 0 && limit == c.out.size() ? c.out : c.out.mid(c.outOffset, n));
            m_traffic.bytesSent += n;
        }
        if (limit == c.out.size()) {
            c.outBase += quint64(c.out.size());
            c.out.clear();
        } else {
            c.out.remove(0, limit);
            c.outBase += quint64(limit);
        }
        c.outOffset = 0;
        if (c.closing && !c.passive && c.out.isEmpty()) scheduleDestroy(c);
        return true;
    }
    if (c.fd < 0) return false;
    while (c.outOffset < limit) {
        ssize_t n =
            ::send(c.fd, c.out.constData() + c.outOffset, limit - c.outOffset, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) break;
            c.outBase += quint64(c.out.size());
            c.out.clear();
            c.outOffset = 0;
            c.held.clear();
            closeConnection(c, true);
            return false;
        }
        m_traffic.bytesSent += n;
        c.outOffset += n;
    }
    const bool drained = c.outOffset >= c.out.size();
    const bool socketFull = c.outOffset < limit; // (not output held for durability)
    if (drained) {
        // Free big buffers so idle connections stay small; keep small ones for reuse.
        c.outBase += quint64(c.out.size());
        // (QByteArray::clear() would free the buffer too: a busy connection would allocate
        // it again on every pass. onTick() frees the small ones of connections gone quiet.)
        if (c.out.capacity() > 64 * 1024 || !c.out.isDetached())
            c.out = QByteArray();
        else
            c.out.resize(0);
        c.outOffset = 0;
    } else if (c.outOffset > 1024 * 1024) {
        c.out.remove(0, c.outOffset);
        c.outBase += quint64(c.outOffset);
        c.outOffset = 0;
    }
    if (socketFull != c.wantWrite) {
        c.wantWrite = socketFull;
        epoll_event ev{};
        ev.events = EPOLLIN | EPOLLRDHUP | (c.wantWrite ? std::uint32_t(EPOLLOUT) : 0u);
        ev.data.ptr = &c;
        ::epoll_ctl(m_epoll, EPOLL_CTL_MOD, c.fd, &ev);
    }
    if (drained && c.closing && !c.passive) {
        // Output written: now close for real.
        ::shutdown(c.fd, SHUT_WR);
        scheduleDestroy(c);
    }
    return true;
}

// ---- closing ---------------------------------------------------------------------------

void Worker::closeConnection(Connection &c, bool abnormal)
{
    if (c.closing) return;
    c.closing = true;
    detachSession(c, abnormal);
    c.acceptedAtMs = nowMs(); // from now on: the base of the close deadline (onTick)
    if (c.out.size() > c.outOffset || c.passive) {
        // Let pending output (e.g. a DISCONNECT) go out first, bounded by the tick.
        markDirty(c);
        return;
    }
    scheduleDestroy(c);
}

void Worker::destroyConnection(Connection *c)
{
    if (m_connections.value(c->serial) != c) return;
    m_connections.remove(c->serial);
    m_connectionCount.fetch_sub(1, std::memory_order_relaxed);
    if (!c->closing) detachSession(*c, true);
    if (c->transport) {
        c->transport->disconnect(this);
        c->transport->close();
        c->transport->deleteLater();
        c->transport = nullptr;
    }
    if (c->fd >= 0) {
        ::epoll_ctl(m_epoll, EPOLL_CTL_DEL, c->fd, nullptr);
        ::close(c->fd);
        c->fd = -1;
    }
    std::erase(m_dirty, c);
    delete c;
}

void Connection::giveBackStorage()
{
    if (!activeSinceTick && quietTicks >= kQuietTicksBeforeFree) return;
    activeSinceTick = false;
    // Queues that ran empty give their storage back (an idle connection after a burst costs
    // no more than one that never queued: see LazyDeque).
    held.release();
    // The kept write buffer goes unless the connection writes regularly: one that wrote two
    // packets or more in one of the last ten ticks (a subscriber getting a message stream)
    // keeps it, so it does not allocate one per message; one that wrote its CONNACK and went
    // idle gives it back at once.
    if (writesThisTick >= 2)
        quietTicks = 0;
    else if (quietTicks < 255)
        ++quietTicks;
    writesThisTick = 0;
    if (quietTicks >= kQuietTicksBeforeFree && out.isEmpty() && !dirty) out = QByteArray();
    if (session) {
        session->pending.release();
        session->inflight.release();
    }
}

void Worker::onTick()
{
    const qint64 now = nowMs();
    // Routes filled before the last subscription change hold sessions that may be gone.
    m_routeCache.dropStale(m_core.subscriptionGeneration.load(std::memory_order_relaxed));
    const int connectTimeout = m_core.caps().connectTimeoutMs;
    std::vector<Connection *> expired;
    for (Connection *c : std::as_const(m_connections)) {
        c->giveBackStorage(); // (with 10,000 idle clients, visiting all of it was 2 % of the time)
        if (c->closing) {
            // Peer not reading our last bytes, or (passive mode) not closing: give up.
            if (now - c->acceptedAtMs > (c->passive ? 10000 : 2000)) expired.push_back(c);
            continue;
        }
        if (!c->connectSeen) {
            if (connectTimeout > 0 && now - c->acceptedAtMs > connectTimeout) expired.push_back(c);
            continue;
        }
        if (c->keepAlive > 0 && now - c->lastReceivedMs > qint64(c->keepAlive) * 1500) expired.push_back(c);
    }
    for (Connection *c : expired) {
        if (c->closing) {
            c->outBase += quint64(c->out.size());
            c->out.clear();
            c->outOffset = 0;
            c->held.clear();
            scheduleDestroy(*c);
        } else if (!c->connectSeen) {
            closeConnection(*c, true);
        } else {
            disconnectWithReason(*c, ReasonCode::KeepAliveTimeout, "keep alive timeout [MQTT-3.1.2-22]");
        }
    }
    checkSessions(now);
    if (m_core.rebalancer) reportFlows(now);
    if (!m_held.empty()) releaseHeld(); // in case a durability wake-up was missed
    if (m_index == 0 && now >= m_nextRetainedPurgeMs) {
        // One worker drops expired retained messages, once a second.
        m_nextRetainedPurgeMs = now + 1000;
        QList<packets::Publish> expired;
        {
            std::unique_lock lock(m_core.retainedLock);
            m_core.retained.purgeExpired(now, &expired);
            m_core.counters.retained.store(m_core.retained.size(), std::memory_order_relaxed);
        }
        if (!expired.isEmpty() && hooked(HookEvent::OnRetainedExpired)) {
            for (const packets::Publish &p : std::as_const(expired))
                m_core.hooks.each(HookEvent::OnRetainedExpired,
                                  [&](Hook &h) { h.onRetainedExpired(p.topic); });
        }
    }
    flushRouted();
    flushAll();
}

// ---- connection affinity (rebalance.h) ----------------------------------------------------

void Worker::reportFlows(qint64 now)
{
    const RebalanceOptions &o = m_core.options.rebalance;
    if (m_core.stopping.load(std::memory_order_relaxed)) return;
    if (m_lastFlowReportMs == 0) m_lastFlowReportMs = now - o.intervalMs; // (the first interval)
    const qint64 elapsed = now - m_lastFlowReportMs;
    if (elapsed < o.intervalMs) return;
    m_lastFlowReportMs = now;
    const double perSecond = 1000.0 / double(elapsed);
    std::vector<FlowSample> flows;
    for (Connection *c : std::as_const(m_connections)) {
        if (!c->flowCopies) continue;
        const double rate = double(c->flowCopies) * perSecond;
        // Nearly all (nine in ten) of its copies for one session, and enough of them.
        const bool flow = c->flowCopies >= 9 * std::uint64_t(c->flowOther) && rate >= o.minimumRate;
        SessionPtr target = flow ? m_flowTargets.value(c).lock() : SessionPtr();
        if (target.get() != c->flowTarget) target.reset();
        c->flowTarget = nullptr;
        c->flowCopies = 0;
        c->flowOther = 0;
        if (!target || !c->session || c->closing || c->session->connection != c) continue;
        const Worker *home = target->home.load(std::memory_order_acquire);
        if (!home || home == this) continue;
        flows.push_back(
            {c->session, std::move(target), m_index, home->index(), rate, c->transport != nullptr});
    }
    m_flowTargets.clear();
    m_core.rebalancer->report(m_index, double(m_windowLoad) * perSecond, std::move(flows));
    m_windowLoad = 0;
    if (m_index != 0) return;
    for (SessionMove &m : m_core.rebalancer->decide(now)) {
        Worker *home = m.session->home.load(std::memory_order_acquire);
        if (home) home->requestMove(std::move(m.session), m_core.workers[size_t(m.to)]);
    }
}

void Worker::performMoves()
{
    std::vector<std::pair<SessionPtr, Worker *>> wanted;
    wanted.swap(m_movesWanted);
    for (auto &[session, target] : wanted)
        moveConnection(session, target);
}

// On the session's home, outside any read loop (an epoll batch could still name the
// connection). The session goes to `target` as in a takeover (handOver): behind the fence, so
// what other workers routed here before the move reaches the client before anything routed
// there since. What the client published here was routed before the move (flushRouted), so
// its own messages keep their order too [MQTT-4.6.0-5].
bool Worker::moveConnection(const SessionPtr &session, Worker *target)
{
    if (target == this || m_shuttingDown || m_core.stopping.load()) return false;
    if (session->home.load() != this || session->settling || session->expired) return false;
    Connection *c = session->connection;
    if (!c || c->session != session || c->fd < 0 || c->transport || c->closing || !c->established ||
        c->awaitingSession || c->passive || c->pendingConnect)
        return false;
    if (m_fenceAcksAwaited.contains(session.get()) || m_settling.contains(session.get())) return false;
    // Its output leaves from here; output still held (sync persistence, cluster) or a full
    // socket keep it here for now.
    flush(*c);
    if (c->closing || c->outOffset < c->out.size() || c->wantWrite || !c->held.empty() ||
        !c->clusterHeld.empty() || c->inHeldList)
        return false;
    flushRouted();
    ::epoll_ctl(m_epoll, EPOLL_CTL_DEL, c->fd, nullptr);
    m_connections.remove(c->serial);
    m_connectionCount.fetch_sub(1, std::memory_order_relaxed);
    std::erase(m_dirty, c);
    c->dirty = false;
    c->flushSoon = false;
    c->flowTarget = nullptr; // (measured again there)
    c->flowCopies = 0;
    c->flowOther = 0;
    fenceAround(session, [&] {
        // The home changes under the new worker's inbox lock, after the connection is in its
        // inbox: whoever posts there for the session after seeing the new home posts behind
        // it, and a drain adopts moved connections before it runs any task.
        std::lock_guard lock(target->m_inboxLock);
        target->m_inboxMoved.push_back(c);
        session->home.store(target);
        if (!target->m_wakePending && target->m_wakeFd >= 0) {
            target->m_wakePending = true;
            wake(target->m_wakeFd);
        }
    });
    m_core.counters.connectionsMoved.fetch_add(1, std::memory_order_relaxed);
    qCDebug(lcWorker).noquote() << "client" << QString::fromUtf8(session->clientId) << "moved to worker"
                                << target->index();
    return true;
}

void Worker::adoptMoved(Connection *c)
{
    c->serial = m_nextSerial++;
    m_connections.insert(c->serial, c);
    m_connectionCount.fetch_add(1, std::memory_order_relaxed);
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLRDHUP;
    ev.data.ptr = c;
    if (::epoll_ctl(m_epoll, EPOLL_CTL_ADD, c->fd, &ev) != 0) {
        qCWarning(lcWorker) << "epoll_ctl add failed for" << c->info.remoteAddress << strerror(errno);
        closeConnection(*c, true);
        return;
    }
    if (m_shuttingDown) disconnectWithReason(*c, ReasonCode::ServerShuttingDown, "server shutting down");
    // (Bytes that arrived meanwhile are in the socket: the epoll set reports them.)
}

void Worker::shutdownOnThread(std::uint8_t reason)
{
    m_shuttingDown = true;
    const auto conns = m_connections.values();
    for (Connection *c : conns) {
        if (c->closing) continue;
        if (c->session)
            disconnectWithReason(*c, ReasonCode(reason), "server shutting down");
        else
            closeConnection(*c, false);
    }
    flushAll();
    for (Connection *c : m_connections.values())
        destroyConnection(c);
    m_closing.clear();
    if (m_tick) m_tick->stop();
    if (m_notifier) m_notifier->setEnabled(false);
}

} // namespace petrel
