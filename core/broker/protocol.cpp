// Worker: the protocol half. Every handler runs on the worker thread that owns the
// connection and its session.
#include "clusterlink.h"
#include "worker.h"

#include <QLoggingCategory>
#include <QRandomGenerator>

#include <cstring>

Q_DECLARE_LOGGING_CATEGORY(lcWorker)
Q_LOGGING_CATEGORY(lcProtocol, "petrel.protocol")

namespace petrel {

using namespace packets;

namespace {

constexpr std::uint32_t kNeverExpires = 0xFFFFFFFF;

std::uint16_t effectiveInflightWindow(const Capabilities &caps, const Connection &c)
{
    const std::uint16_t serverMax = caps.maximumInflight ? caps.maximumInflight : 8192;
    return std::min(serverMax, c.clientReceiveMaximum);
}

} // namespace

// More levels than the limit (0 = none)? Counts separators, stopping early.
bool tooDeep(const QByteArray &topic, std::int32_t maximumLevels)
{
    if (maximumLevels <= 0 || topic.size() < maximumLevels) return false;
    qsizetype levels = 1;
    for (const char ch : topic)
        if (ch == '/' && ++levels > maximumLevels) return true;
    return false;
}

// A packet as the reader would hand it over: first byte and body (a slice of one buffer).
// False if it does not encode to a complete frame.
bool encodeAsRead(const Packet &packet, ProtocolVersion version, std::uint8_t &firstByte, QByteArray &body)
{
    QByteArray whole;
    encodePacket(packet, version, whole);
    const Frame f = readFrame(whole, 0);
    if (f.status != Frame::Status::Complete) return false;
    firstByte = f.firstByte;
    body = sharedSlice(whole, f.headerLength, f.remainingLength);
    return true;
}

qint64 remainingExpirySeconds(const Message &m, qint64 now)
{
    if (m.expiresAtMs == 0) return -1;
    return std::max<qint64>(0, (m.expiresAtMs - now + 999) / 1000);
}

// ---- dispatch ----------------------------------------------------------------------------

void Worker::handlePacket(Connection &c, std::uint8_t firstByte, const QByteArray &body)
{
    const auto type = PacketType(firstByte >> 4);
    if (!c.connectSeen) {
        if (type != PacketType::Connect) {
            // [MQTT-3.1.0-1] the first packet must be CONNECT: close without a reply.
            qCDebug(lcProtocol) << c.info.remoteAddress << "first packet is not CONNECT";
            closeConnection(c, true);
            return;
        }
        handleConnect(c, body);
        return;
    }
    if (!c.session) {
        // CONNECT seen, no CONNACK yet: only AUTH (enhanced authentication) and DISCONNECT.
        if (type == PacketType::Auth && c.pendingConnect)
            handleAuth(c, body);
        else
            closeConnection(c, true);
        return;
    }
    const HookChain &hooks = m_core.hooks;
    const HookMask mask = hookMask();
    if ((mask & (hookBit(HookEvent::OnPacketRead) | hookBit(HookEvent::OnPacketProcessed))) == 0) {
        dispatchPacket(c, firstByte, body);
        return;
    }
    // Some hook wants to see (or change) packets: decode generically once.
    Packet packet;
    Error e = decodePacket(firstByte, body, c.version, packet);
    if (e) {
        disconnectWithReason(c, e.code, e.message);
        return;
    }
    if (mask & hookBit(HookEvent::OnPacketRead)) {
        if (Error he = hooks.onPacketRead(c.info, packet)) {
            disconnectWithReason(c, he.code, he.message);
            return;
        }
        std::uint8_t first = 0;
        QByteArray rewritten;
        if (!encodeAsRead(packet, c.version, first, rewritten)) {
            disconnectWithReason(c, ReasonCode::ImplementationSpecificError,
                                 "a hook produced an unencodable packet");
            return;
        }
        dispatchPacket(c, first, rewritten);
    } else {
        dispatchPacket(c, firstByte, body);
    }
    if (mask & hookBit(HookEvent::OnPacketProcessed))
        hooks.each(HookEvent::OnPacketProcessed, [&](Hook &h) { h.onPacketProcessed(c.info, packet, e); });
}

void Worker::dispatchPacket(Connection &c, std::uint8_t firstByte, const QByteArray &body)
{
    const auto type = PacketType(firstByte >> 4);
    if (Error e = checkFixedHeaderFlags(firstByte)) {
        disconnectWithReason(c, e.code, e.message);
        return;
    }
    switch (type) {
    case PacketType::Publish:
        handlePublish(c, firstByte, body);
        break;
    case PacketType::Puback:
    case PacketType::Pubrec:
    case PacketType::Pubrel:
    case PacketType::Pubcomp:
        handleAck(c, firstByte, body);
        break;
    case PacketType::Subscribe:
        handleSubscribe(c, body);
        break;
    case PacketType::Unsubscribe:
        handleUnsubscribe(c, body);
        break;
    case PacketType::Pingreq:
        if (!body.isEmpty()) {
            disconnectWithReason(c, ReasonCode::MalformedPacket, "PINGREQ with a body");
            return;
        }
        send(c, Packet(Pingresp{}));
        break;
    case PacketType::Disconnect:
        handleDisconnect(c, body);
        break;
    case PacketType::Auth:
        handleAuth(c, body);
        break;
    case PacketType::Connect:
        disconnectWithReason(c, ReasonCode::ProtocolError, "second CONNECT [MQTT-3.1.0-2]");
        break;
    default:
        // CONNACK, SUBACK, UNSUBACK, PINGRESP and reserved types never come from a client.
        disconnectWithReason(c, ReasonCode::ProtocolError, "packet type not allowed from a client");
        break;
    }
}

// Encodes any packet for the client, through the OnPacketEncode/OnPacketSent hooks when
// some hook provides them.
void Worker::send(Connection &c, Packet &&packet)
{
    const HookChain &hooks = m_core.hooks;
    const HookMask mask = hookMask();
    if (mask & hookBit(HookEvent::OnPacketEncode))
        hooks.each(HookEvent::OnPacketEncode, [&](Hook &h) { h.onPacketEncode(c.info, packet); });
    const qsizetype start = c.out.size();
    encodePacket(packet, c.version, c.out);
    wrote(c);
    if (mask & hookBit(HookEvent::OnPacketSent)) {
        const QByteArray bytes = c.out.mid(start);
        hooks.each(HookEvent::OnPacketSent, [&](Hook &h) { h.onPacketSent(c.info, packet, bytes); });
    }
}

void Worker::sendAck(Connection &c, PacketType type, std::uint16_t packetId, std::uint8_t reasonCode)
{
    if (hookMask() & (hookBit(HookEvent::OnPacketEncode) | hookBit(HookEvent::OnPacketSent))) {
        Ack a; // hooks that see outgoing packets get it as a value
        a.type = type;
        a.packetId = packetId;
        a.reasonCode = reasonCode;
        send(c, Packet(std::move(a)));
        return;
    }
    encodeAck(type, packetId, reasonCode, c.version, c.out);
    wrote(c);
}

void Worker::wrote(Connection &c)
{
    ++m_traffic.packetsSent;
    if (const DurabilityGate *g = m_core.durability) {
        // Sync persistence: this packet (an acknowledgement, a delivery, ...) may follow
        // changes not durable yet; it waits for them, and so does all later output.
        const std::uint64_t written = g->writeSequence();
        if (written > g->durableSequence() && (c.held.empty() || c.held.back().second < written))
            c.held.emplace_back(c.lastEnd, written);
        c.lastEnd = c.outBase + quint64(c.out.size());
    }
    markDirty(c);
}

void Worker::disconnectWithReason(Connection &c, ReasonCode reason, const char *why)
{
    if (c.closing) return;
    c.disconnectReason = std::uint8_t(reason);
    qCInfo(lcProtocol).noquote() << "disconnecting"
                                 << (c.session ? QString::fromUtf8(c.session->clientId)
                                               : c.info.remoteAddress)
                                 << "reason" << Qt::hex << int(reason) << why;
    if (c.established && isV5(c.version) && isServerDisconnectCode(reason)) {
        Disconnect d;
        d.reasonCode = std::uint8_t(reason);
        if (c.requestProblemInformation && why && *why && reason != ReasonCode::NormalDisconnection) {
            d.properties.reasonString = QByteArray(why);
            d.properties.mark(PropertyId::ReasonString);
        }
        send(c, Packet(std::move(d)));
        // Compatibility: leave closing to the client (the Paho suite expects it).
        c.passive = m_core.caps().compatibilities.passiveClientDisconnect;
    }
    closeConnection(c, reason != ReasonCode::NormalDisconnection || !c.normalDisconnect);
}

// ---- CONNECT -----------------------------------------------------------------------------

void Worker::sendConnackError(Connection &c, const Connect &connect, ReasonCode reason)
{
    reason = obscured(reason);
    Connack ack;
    if (isV5(connect.version)) {
        ack.reasonCode = std::uint8_t(reason);
    } else {
        ack.reasonCode = std::uint8_t(toV3ConnackCode(reason));
    }
    c.version = connect.version;
    send(c, Packet(std::move(ack)));
    c.connectSeen = true;
    closeConnection(c, false);
}

void Worker::handleConnect(Connection &c, const QByteArray &body)
{
    c.connectSeen = true;
    Connect connect;
    if (Error e = decodeConnect(body, connect)) {
        qCInfo(lcProtocol).noquote() << c.info.remoteAddress << "bad CONNECT:" << e.message;
        // Answer in the layout the client can read: v5 for level 5 and above (a newer client
        // gets 0x84 in the v5 layout), the 3.1.1 layout below. Other errors get a CONNACK
        // only in v5, where reason codes exist [MQTT-3.1.4-1].
        const qsizetype nameLength =
            body.size() >= 2 ? (qsizetype(std::uint8_t(body[0])) << 8 | std::uint8_t(body[1])) : 0;
        const int level = body.size() > 2 + nameLength ? std::uint8_t(body[2 + nameLength]) : 0;
        Connect asked;
        asked.version = level >= 5 ? ProtocolVersion::V5 : ProtocolVersion::V311;
        if (e.code == ReasonCode::UnsupportedProtocolVersion || level == 5) {
            sendConnackError(c, asked, e.code);
        } else if (e.code == ReasonCode::ClientIdentifierNotValid) {
            sendConnackError(c, asked, e.code);
        } else {
            closeConnection(c, false);
        }
        return;
    }
    c.version = connect.version;
    const Capabilities &caps = m_core.caps();

    if (int(connect.version) < caps.minimumProtocolVersion) {
        sendConnackError(c, connect, ReasonCode::UnsupportedProtocolVersion);
        return;
    }
    if (connect.clientId.isEmpty()) {
        // [MQTT-3.1.3-8] v3.1.1 needs clean session for an empty id; v3.1 needs an id.
        if ((connect.version == ProtocolVersion::V311 && !connect.cleanStart) ||
            connect.version == ProtocolVersion::V31) {
            sendConnackError(c, connect, ReasonCode::ClientIdentifierNotValid);
            return;
        }
    }
    if (caps.maximumClients > 0 &&
        m_core.counters.clientsConnected.load(std::memory_order_relaxed) >= caps.maximumClients) {
        sendConnackError(c, connect,
                         isV5(connect.version) ? ReasonCode::QuotaExceeded : ReasonCode::ServerUnavailable);
        return;
    }
    if (connect.hasWill) {
        if (connect.will.qos > caps.maximumQos) {
            sendConnackError(c, connect, ReasonCode::QoSNotSupported); // [MQTT-3.2.2-12]
            return;
        }
        if (connect.will.retain && !caps.retainAvailable) {
            sendConnackError(c, connect, ReasonCode::RetainNotSupported); // [MQTT-3.2.2-13]
            return;
        }
    }
    if (connect.clientId.isEmpty()) {
        const quint64 n = m_core.assignedIdCounter.fetch_add(1) + 1;
        connect.clientId = QByteArrayLiteral("petrel-") +
                           QByteArray::number(QRandomGenerator::global()->generate64(), 36) + '-' +
                           QByteArray::number(n);
        connect.properties.assignedClientIdentifier = connect.clientId;
        connect.properties.mark(PropertyId::AssignedClientIdentifier); // remembered for CONNACK
    } else {
        // Our own decode slices point into `body`; detach the id so the session does not pin it.
        connect.clientId = QByteArray(connect.clientId.constData(), connect.clientId.size());
    }
    c.info.clientId = connect.clientId;
    c.info.username = connect.hasUsername ? QByteArray(connect.username.constData(), connect.username.size())
                                          : QByteArray();
    c.info.version = connect.version;
    if (c.transport) c.info.certificateCN = c.transport->certificateCommonName();

    const HookChain &hooks = m_core.hooks;
    if (Error e = hooks.onConnect(c.info, connect)) {
        sendConnackError(c, connect, e.code);
        return;
    }
    if (isV5(connect.version) && connect.properties.has(PropertyId::AuthenticationMethod)) {
        // Enhanced authentication (MQTT 5 section 4.12): a hook providing OnAuthPacket
        // runs the exchange; without one the method is unsupported.
        if (!hooked(HookEvent::OnAuthPacket)) {
            sendConnackError(c, connect, ReasonCode::BadAuthenticationMethod);
            return;
        }
        c.authMethod = QByteArray(connect.properties.authenticationMethod.constData(),
                                  connect.properties.authenticationMethod.size());
        Auth first;
        first.properties.authenticationMethod = c.authMethod;
        first.properties.mark(PropertyId::AuthenticationMethod);
        if (connect.properties.has(PropertyId::AuthenticationData)) {
            first.properties.authenticationData = connect.properties.authenticationData;
            first.properties.mark(PropertyId::AuthenticationData);
        }
        c.pendingConnect = std::make_unique<Connect>(std::move(connect));
        runAuthExchange(c, std::move(first));
        return;
    }
    if (!hooks.authenticate(c.info, connect)) {
        sendConnackError(c, connect, ReasonCode::BadUserNameOrPassword);
        return;
    }
    establishSession(c, std::move(connect));
}

// One step of enhanced authentication: the hooks look at the client's AUTH data (or the
// CONNECT's) and set the packet's reason code to Success or Continue Authentication, or
// return an error.
void Worker::runAuthExchange(Connection &c, Auth packet)
{
    Error e = m_core.hooks.onAuthPacket(c.info, packet);
    const auto reason = ReasonCode(packet.reasonCode);
    if (!e && std::uint8_t(reason) >= 0x80) e = Error{reason, "authentication failed"};
    packet.properties.authenticationMethod = c.authMethod;
    packet.properties.mark(PropertyId::AuthenticationMethod);
    if (c.pendingConnect) {
        if (e) {
            sendConnackError(c, *c.pendingConnect, e.code);
            return;
        }
        if (reason == ReasonCode::ContinueAuthentication) {
            send(c, Packet(std::move(packet)));
            return;
        }
        // Success: the CONNACK carries the method and the hook's final data.
        Connect connect = std::move(*c.pendingConnect);
        c.pendingConnect.reset();
        c.authReply = std::make_unique<Properties>(packet.properties);
        establishSession(c, std::move(connect));
        return;
    }
    // Re-authentication of an established connection [MQTT-4.12.1].
    if (e) {
        disconnectWithReason(c, e.code, "re-authentication failed");
        return;
    }
    if (reason != ReasonCode::ContinueAuthentication) packet.reasonCode = std::uint8_t(ReasonCode::Success);
    send(c, Packet(std::move(packet)));
}

void Worker::establishSession(Connection &c, Connect connect)
{
    m_core.hooks.each(HookEvent::OnSessionEstablish, [&](Hook &h) { h.onSessionEstablish(c.info, connect); });
    // Cluster mode: a persistent session of this client id parked in Redis (its client left
    // some node), or connected on another node (which parks it, or died), is resumed here;
    // a clean start drops a parked one. Asynchronous, like a hand-over; asked once.
    if (m_core.cluster && !c.clusterAsked &&
        (!connect.cleanStart || m_core.cluster->isParked(connect.clientId))) {
        c.clusterAsked = true;
        bool local = false;
        {
            std::lock_guard lock(m_core.registryLock);
            local = m_core.registry.contains(connect.clientId);
        }
        if (!local && connect.cleanStart) {
            m_core.cluster->dropParked(connect.clientId);
        } else if (!local) {
            c.awaitingSession = true;
            const quint64 serial = c.serial;
            m_core.cluster->unpark(connect.clientId,
                                   [this, serial, connect](std::optional<ParkedSession> parked) {
                                       post([this, serial, connect, parked = std::move(parked)]() mutable {
                                           resumeFromCluster(serial, std::move(connect), std::move(parked));
                                       });
                                   });
            return;
        }
    }
    // Find or create the session. Takeover of a session living on another worker is
    // asynchronous: that worker detaches it and hands it to us.
    SessionPtr session;
    SessionPtr previous;
    bool sessionPresent = false;
    {
        std::lock_guard lock(m_core.registryLock);
        previous = m_core.registry.value(connect.clientId);
        if (previous && !connect.cleanStart && !previous->expired) {
            session = previous;
            sessionPresent = true;
        } else {
            session = std::make_shared<Session>(connect.clientId);
            session->home.store(this);
            m_core.registry.insert(connect.clientId, session);
            if (!previous) m_core.counters.clientsTotal.fetch_add(1, std::memory_order_relaxed);
        }
    }
    if (previous && previous != session) {
        // Clean start over an existing session: that session ends now (will included). Its
        // stored state goes now, before the new session's; the old session's own end later
        // finds the registry pointing elsewhere and leaves the store alone.
        if (previous->persistent.load(std::memory_order_relaxed) && hooked(HookEvent::OnSessionEnded))
            m_core.hooks.each(HookEvent::OnSessionEnded,
                              [&](Hook &h) { h.onSessionEnded(connect.clientId); });
        takeOverAtHome(previous);
        previous.reset();
    }
    Worker *home = session->home.load();
    if (home == this && !session->settling) {
        takeOverLocally(session, false);
        attachSession(c, std::move(connect), session, sessionPresent);
        return;
    }
    // Ask the session's worker to detach it and send it over (or, if it lives here but is
    // still settling in, this worker once it has: handOver() waits for the fence).
    c.awaitingSession = true;
    requestHandover(session, c.serial, std::move(connect), sessionPresent);
}

// Runs on any worker: asks the session's current home to give it to this worker.
void Worker::requestHandover(const SessionPtr &session, quint64 serial, Connect connect, bool sessionPresent)
{
    Worker *home = session->home.load();
    Worker *target = this;
    home->post([home, target, session, serial, connect = std::move(connect), sessionPresent]() mutable {
        home->handOver(session, target, serial, std::move(connect), sessionPresent);
    });
}

// On the session's home (as it was when asked). Deliveries for the session that other workers
// routed here before the hand-over may still be on their way: in their inboxes, or here behind
// this task. They must reach the client before anything routed to the new home since, so the
// hand-over goes behind a fence [MQTT-4.6.0-5]:
// - the session is marked settling, then its home changes (so whoever sees the new home also
//   sees the mark);
// - every other worker passes on what it routed here and then a FenceAck (fenceFor), in order
//   behind it in this worker's inbox;
// - this worker passes everything for the session on to the new home, marked forwarded, and
//   after the last FenceAck a Release;
// - the new home delivers what is forwarded at once, holds the rest back until the Release,
//   and then delivers it (fenceMarker).
void Worker::handOver(const SessionPtr &session, Worker *target, quint64 serial, Connect connect,
                      bool sessionPresent)
{
    if (session->home.load() != this) {
        // It moved on meanwhile: ask its new home.
        target->post([target, session, serial, connect = std::move(connect), sessionPresent]() mutable {
            target->requestHandover(session, serial, std::move(connect), sessionPresent);
        });
        return;
    }
    if (session->settling) {
        // Still taking in what was on its way to it here: handed on once that is in.
        m_settling[session.get()].after.push_back(
            [this, session, target, serial, connect = std::move(connect), sessionPresent]() mutable {
                handOver(session, target, serial, std::move(connect), sessionPresent);
            });
        return;
    }
    if (target == this) {
        // Asked while it settled in here (a move, or an earlier hand-over): no fence needed.
        takeOverLocally(session, false);
        continueConnect(serial, std::move(connect), session, sessionPresent);
        return;
    }
    takeOverLocally(session, false);
    std::erase(m_offline, session);
    fenceAround(session, [&] {
        session->home.store(target);
        target->post([target, session, serial, connect = std::move(connect), sessionPresent]() mutable {
            target->continueConnect(serial, std::move(connect), session, sessionPresent);
        });
    });
}

void Worker::fenceAround(const SessionPtr &session, const std::function<void()> &changeHome)
{
    session->settling = true;
    m_fenceAcksAwaited[session.get()] = int(m_core.workers.size()) - 1;
    changeHome();
    for (Worker *w : m_core.workers) {
        if (w != this) w->post([w, session, oldHome = this] { w->fenceFor(session, oldHome); });
    }
}

void Worker::fenceFor(const SessionPtr &session, Worker *oldHome)
{
    Delivery ack;
    ack.session = session;
    ack.kind = Delivery::Kind::FenceAck;
    m_routed[size_t(oldHome->index())].push_back(std::move(ack)); // behind what is routed there
    flushRouted();
}

void Worker::fenceMarker(Delivery &&d)
{
    const Session *s = d.session.get();
    if (d.kind == Delivery::Kind::FenceAck) {
        // On the old home: every worker's deliveries routed here before the hand-over are in.
        auto it = m_fenceAcksAwaited.find(s);
        if (it == m_fenceAcksAwaited.end() || --*it > 0) return;
        m_fenceAcksAwaited.erase(it);
        Worker *home = d.session->home.load(std::memory_order_acquire);
        d.kind = Delivery::Kind::Release;
        if (home != this) {
            m_routed[size_t(home->index())].push_back(std::move(d)); // behind all it passed on
            return;
        }
    }
    // Release, on the new home: what was held back goes out, in the order it came.
    d.session->settling = false;
    Settling settled = m_settling.take(s);
    for (Delivery &held : settled.held)
        deliverLocal(std::move(held));
    for (auto &fn : settled.after)
        fn();
}

void Worker::whenSettled(const SessionPtr &session, std::function<void()> fn)
{
    if (session->settling)
        m_settling[session.get()].after.push_back(std::move(fn));
    else
        fn();
}

// A clean start ended `s`: it is taken over and ended on its home, wherever it lives by then.
void Worker::takeOverAtHome(const SessionPtr &s)
{
    Worker *home = s->home.load(std::memory_order_acquire);
    if (home != this) {
        home->post([home, s] { home->takeOverAtHome(s); });
        return;
    }
    whenSettled(s, [this, s] {
        takeOverLocally(s, true);
        flushRouted();
    });
}

// Detaches `s` from its connection on this (its home) worker, as a takeover: v5 clients
// get DISCONNECT 0x8E. If the session ends (clean start elsewhere), it is ended here.
void Worker::takeOverLocally(const SessionPtr &s, bool sessionEnds)
{
    if (s->connection) {
        Connection &old = *s->connection;
        qCInfo(lcProtocol).noquote() << "session taken over:" << QString::fromUtf8(s->clientId);
        if (!sessionEnds) {
            // The session lives on with the new connection: detach it here so closing the
            // old connection does not end it. A will without delay still goes out; a
            // delayed one is cancelled by the new connection [MQTT-3.1.3-9].
            old.session.reset();
            s->connection = nullptr;
            m_core.counters.clientsConnected.fetch_sub(1, std::memory_order_relaxed);
            const std::uint32_t delay =
                s->will && isV5(s->version) ? s->will->properties.willDelayInterval : 0;
            if (s->will && delay == 0) fireWill(*s);
            s->will.reset();
        }
        disconnectWithReason(old, ReasonCode::SessionTakenOver, "another connection used this client id");
    }
    if (sessionEnds) endSession(s);
}

void Worker::resumeFromCluster(quint64 serial, Connect connect, std::optional<ParkedSession> parked)
{
    Connection *c = m_connections.value(serial);
    SessionPtr session;
    if (parked) {
        std::lock_guard lock(m_core.registryLock);
        if (!m_core.registry.contains(parked->clientId)) {
            session = std::make_shared<Session>(parked->clientId);
            session->home.store(this);
            m_core.registry.insert(parked->clientId, session);
            m_core.counters.clientsTotal.fetch_add(1, std::memory_order_relaxed);
        }
    }
    if (!session) {
        // Gone (expired, resumed elsewhere, Redis unreachable): a new session, as without it.
        if (c && !c->closing) {
            c->awaitingSession = false;
            establishSession(*c, std::move(connect));
            flushRouted();
        }
        return;
    }
    Session &s = *session;
    s.client.username = parked->username;
    s.version = parked->version;
    s.expiryInterval = parked->expiryInterval;
    s.disconnectedAtMs = parked->disconnectedAtMs;
    for (const auto &[filter, sub] : std::as_const(parked->subscriptions)) {
        m_core.addSubscription(s, filter, sub);
        s.subscriptions.insert(filter, sub);
    }
    for (std::uint16_t id : std::as_const(parked->inboundQos2))
        s.inboundQos2.insert(id);
    // Its messages are this node's to keep now (written through again in cluster mode).
    s.persistent.store(s.expiryInterval != 0, std::memory_order_relaxed);
    for (Outgoing &o : parked->messages) {
        Delivery d;
        d.session = session;
        d.out = std::move(o);
        persistQueued(d);
        s.pending.push_back(std::move(d.out));
    }
    qCInfo(lcProtocol).noquote() << "session" << QString::fromUtf8(s.clientId)
                                 << "resumed from the cluster with" << s.subscriptions.size()
                                 << "subscription(s) and" << s.pending.size() << "queued message(s)";
    continueConnect(serial, std::move(connect), std::move(session), true);
}

void Worker::continueConnect(quint64 serial, Connect connect, SessionPtr session, bool sessionPresent)
{
    Connection *c = m_connections.value(serial);
    if (!c || c->closing) {
        // The new connection went away while the session travelled: it is now offline here.
        session->disconnectedAtMs = nowMs();
        m_offline.push_back(session);
        return;
    }
    c->awaitingSession = false;
    attachSession(*c, std::move(connect), session, sessionPresent);
    // Parse what arrived after CONNECT while we waited.
    if (!c->closing && !c->in.isEmpty()) {
        QByteArray pending;
        pending.swap(c->in);
        qsizetype consumed = 0;
        if (parseBuffer(*c, pending.constData(), pending.size(), &consumed) && consumed < pending.size())
            c->in = pending.mid(consumed);
    }
    flushRouted();
}

void Worker::attachSession(Connection &c, Connect connect, SessionPtr session, bool sessionPresent)
{
    const Capabilities &caps = m_core.caps();
    const qint64 now = nowMs();
    std::erase(m_offline, session);
    c.session = session;
    session->connection = &c;
    session->client = c.info;
    session->version = connect.version;
    session->disconnectedAtMs = 0;
    session->connectedAtMs = now;

    // Session expiry: v5 property (capped), v3 clean session 0 = keep for the maximum.
    std::uint32_t expiry = 0;
    if (isV5(connect.version)) {
        expiry = connect.properties.sessionExpiryInterval;
    } else if (!connect.cleanStart) {
        expiry = kNeverExpires;
    }
    const bool expiryCapped = expiry > caps.maximumSessionExpiryInterval;
    if (expiryCapped) expiry = caps.maximumSessionExpiryInterval;
    session->expiryInterval = expiry;
    if (session->persistent.exchange(expiry != 0, std::memory_order_relaxed) && expiry == 0 &&
        hooked(HookEvent::OnSessionEnded)) {
        // Resumed without an expiry: it ends with this connection, so nothing of it is kept.
        m_core.hooks.each(HookEvent::OnSessionEnded, [&](Hook &h) { h.onSessionEnded(session->clientId); });
    }

    // A new connection cancels a will still waiting for its delay [MQTT-3.1.3-9].
    session->willDueAtMs = 0;
    session->will.reset();
    if (connect.hasWill) {
        session->will = std::make_unique<Will>(connect.will);
        session->will->topic = QByteArray(connect.will.topic.constData(), connect.will.topic.size());
    }
    persistSession(*session);
    if (m_core.cluster) session->clusterClaim = m_core.cluster->clientConnected(session->clientId);

    // Keep alive, with the server maximum (v5 tells the client via Server Keep Alive).
    std::uint16_t keepAlive = connect.keepAlive;
    bool keepAliveChanged = false;
    if (caps.maximumKeepalive > 0 && (keepAlive == 0 || keepAlive > caps.maximumKeepalive)) {
        if (isV5(connect.version)) {
            keepAlive = caps.maximumKeepalive;
            keepAliveChanged = true;
        }
    }
    c.keepAlive = keepAlive;

    if (isV5(connect.version)) {
        const Properties &p = connect.properties;
        if (p.has(PropertyId::ReceiveMaximum)) c.clientReceiveMaximum = p.receiveMaximum;
        if (p.has(PropertyId::MaximumPacketSize)) c.clientMaximumPacketSize = p.maximumPacketSize;
        if (p.has(PropertyId::TopicAliasMaximum)) c.clientTopicAliasMaximum = p.topicAliasMaximum;
        if (p.has(PropertyId::RequestProblemInformation))
            c.requestProblemInformation = p.requestProblemInformation;
    }

    Connack ack;
    ack.sessionPresent = sessionPresent;
    if (isV5(connect.version)) {
        Properties &p = ack.properties;
        if (expiryCapped) {
            p.sessionExpiryInterval = expiry;
            p.mark(PropertyId::SessionExpiryInterval);
        }
        p.receiveMaximum = caps.receiveMaximum;
        p.mark(PropertyId::ReceiveMaximum);
        if (caps.maximumQos < 2) {
            p.maximumQoS = caps.maximumQos;
            p.mark(PropertyId::MaximumQoS);
        }
        if (!caps.retainAvailable) {
            p.retainAvailable = 0;
            p.mark(PropertyId::RetainAvailable);
        }
        if (caps.maximumPacketSize > 0) {
            p.maximumPacketSize = caps.maximumPacketSize;
            p.mark(PropertyId::MaximumPacketSize);
        }
        if (connect.properties.has(PropertyId::AssignedClientIdentifier)) {
            p.assignedClientIdentifier = session->clientId;
            p.mark(PropertyId::AssignedClientIdentifier);
        }
        p.topicAliasMaximum = caps.topicAliasMaximum;
        p.mark(PropertyId::TopicAliasMaximum);
        if (!caps.wildcardSubAvailable) {
            p.wildcardSubscriptionAvailable = 0;
            p.mark(PropertyId::WildcardSubscriptionAvailable);
        }
        if (!caps.subIdAvailable) {
            p.subscriptionIdentifierAvailable = 0;
            p.mark(PropertyId::SubscriptionIdentifierAvailable);
        }
        if (!caps.sharedSubAvailable) {
            p.sharedSubscriptionAvailable = 0;
            p.mark(PropertyId::SharedSubscriptionAvailable);
        }
        if (keepAliveChanged) {
            p.serverKeepAlive = keepAlive;
            p.mark(PropertyId::ServerKeepAlive);
        }
        if ((connect.properties.requestResponseInformation ||
             caps.compatibilities.alwaysReturnResponseInfo)) {
            p.responseInformation = QByteArrayLiteral("responses/") + session->clientId;
            p.mark(PropertyId::ResponseInformation);
        }
    }
    if (c.authReply) {
        // Enhanced authentication succeeded: the method and the hook's last data.
        ack.properties.authenticationMethod = c.authMethod;
        ack.properties.mark(PropertyId::AuthenticationMethod);
        if (c.authReply->has(PropertyId::AuthenticationData)) {
            ack.properties.authenticationData = c.authReply->authenticationData;
            ack.properties.mark(PropertyId::AuthenticationData);
        }
        c.authReply.reset();
    }
    c.version = connect.version;
    send(c, Packet(std::move(ack)));
    c.established = true;
    if (hooked(HookEvent::OnSessionEstablished))
        m_core.hooks.each(HookEvent::OnSessionEstablished,
                          [&](Hook &h) { h.onSessionEstablished(c.info, connect); });

    const qint64 connected = m_core.counters.clientsConnected.fetch_add(1, std::memory_order_relaxed) + 1;
    qint64 maxSeen = m_core.counters.clientsMaximum.load(std::memory_order_relaxed);
    while (connected > maxSeen && !m_core.counters.clientsMaximum.compare_exchange_weak(
                                      maxSeen, connected, std::memory_order_relaxed)) {
    }
    qCDebug(lcProtocol).noquote() << "connected" << QString::fromUtf8(session->clientId) << "from"
                                  << c.info.remoteAddress << "v" << int(connect.version)
                                  << (sessionPresent ? "(resumed)" : "");

    // Resend what was in flight, in order, then what was queued [MQTT-4.4.0-1]. Messages
    // that expired while the client was away are dropped instead (inflight expiry), and so
    // are those now larger than the client's maximum packet size.
    Session &s = *session;
    for (auto it = s.inflight.begin(); it != s.inflight.end();) {
        InflightOut &f = *it;
        bool keep = true;
        if (f.state == InflightOut::State::AwaitPubcomp) {
            sendAck(c, PacketType::Pubrel, f.packetId);
        } else if (f.out.message()->expiresAtMs && f.out.message()->expiresAtMs <= now) {
            dropped(s, f.out, true);
            keep = false;
        } else {
            keep = sendPublish(s, c, f.out, f.packetId, true);
        }
        if (keep) {
            ++it;
        } else {
            s.usedPacketIds.remove(f.packetId);
            --m_traffic.inflight;
            it = s.inflight.erase(it);
        }
    }
    pump(s);
}

// ---- PUBLISH in --------------------------------------------------------------------------

void Worker::handlePublish(Connection &c, std::uint8_t firstByte, const QByteArray &body)
{
    // Decoded straight into the Message that subscribers will share (no Publish copied or
    // moved per message); dropped again if the PUBLISH is refused.
    auto message = std::make_shared<Message>();
    Publish &p = message->publish;
    if (Error e = decodeNewPublish(firstByte, body, c.version, p)) {
        disconnectWithReason(c, e.code, e.message);
        return;
    }
    const Capabilities &caps = m_core.caps();
    if (p.qos > caps.maximumQos) {
        disconnectWithReason(c, ReasonCode::QoSNotSupported, "QoS above the server maximum [MQTT-3.2.2-11]");
        return;
    }
    if (p.retain && !caps.retainAvailable) {
        disconnectWithReason(c, ReasonCode::RetainNotSupported, "retain not available [MQTT-3.2.2-14]");
        return;
    }
    if (isV5(c.version)) {
        if (p.properties.has(PropertyId::TopicAlias)) {
            const std::uint16_t alias = p.properties.topicAlias;
            if (alias == 0 || alias > caps.topicAliasMaximum) {
                disconnectWithReason(c, ReasonCode::TopicAliasInvalid,
                                     "topic alias out of range [MQTT-3.3.2-9]");
                return;
            }
            if (p.topic.isEmpty()) {
                auto it = c.inboundAliases.constFind(alias);
                if (it == c.inboundAliases.constEnd()) {
                    disconnectWithReason(c, ReasonCode::ProtocolError, "unknown topic alias [MQTT-3.3.4-?]");
                    return;
                }
                p.topic = *it;
            } else {
                // Keep the alias target in its own small buffer, not pinning this packet.
                c.inboundAliases.insert(alias, QByteArray(p.topic.constData(), p.topic.size()));
            }
            p.properties.clear(PropertyId::TopicAlias);
            p.properties.topicAlias = 0;
        } else if (p.topic.isEmpty()) {
            disconnectWithReason(c, ReasonCode::ProtocolError,
                                 "empty topic without topic alias [MQTT-3.3.2-1]");
            return;
        }
    }
    Session &s = *c.session;
    if (p.qos == 2) {
        if (s.inboundQos2.contains(p.packetId)) {
            // Duplicate of a QoS 2 message not yet released: acknowledge, don't deliver twice
            // (cluster: not before what the link holds is in Redis, the first copy included).
            if (const std::uint64_t h = m_core.cluster ? m_core.cluster->pendingHold() : 0)
                c.clusterHeld.emplace_back(c.outBase + quint64(c.out.size()), h);
            sendAck(c, PacketType::Pubrec, p.packetId);
            return;
        }
        // Receive Maximum is announced to v5 clients only; a 3.1.1 client cannot know it, and
        // its unreleased QoS 2 messages are bounded by the 65535 packet ids.
        if (isV5(c.version) && s.inboundQos2.size() >= caps.receiveMaximum) {
            disconnectWithReason(c, ReasonCode::ReceiveMaximumExceeded,
                                 "receive maximum exceeded [MQTT-3.3.4-9]");
            return;
        }
    }
    ++m_traffic.messagesReceived;
    ++s.messagesIn;
    const std::uint16_t packetId = p.packetId;
    const std::uint8_t qos = p.qos;

    // Access control, then the OnPublish hooks. A refused message is acknowledged with the
    // reason (v5; v3 has no reason codes) and not published.
    const HookChain &hooks = m_core.hooks;
    ReasonCode refused = ReasonCode::Success;
    std::uint64_t hold = 0; // cluster: what the acknowledgement waits for
    if (tooDeep(p.topic, caps.maximumTopicLevels)) {
        refused = ReasonCode::TopicNameInvalid;
    } else if (!hooks.aclAllows(c.info, p.topic, true)) {
        refused = ReasonCode::NotAuthorized;
    } else if (p.retain && !p.payload.isEmpty() && retainedStoreFull(p.topic)) {
        refused = ReasonCode::QuotaExceeded;
    } else if (qos > 0 && m_core.cluster && !m_core.cluster->admit(p)) {
        // Cluster mode, Redis unreachable and the unstored cross-node messages at their bound.
        if (!isV5(c.version)) { // no reason codes: not acknowledged, the client sends it again
            disconnectWithReason(c, ReasonCode::QuotaExceeded, "cluster: Redis unreachable, backlog full");
            return;
        }
        refused = ReasonCode::QuotaExceeded;
    } else if (hooked(HookEvent::OnPublish)) {
        if (Error e = hooks.onPublish(c.info, p)) refused = e.code;
    }
    if (refused == ReasonCode::Success && !p.topic.startsWith('$')) {
        // (Clients may not publish into $SYS and other '$' topics: acknowledged, dropped.)
        stampFromClient(*message, s, now());
        if (message->publish.retain) retainFromClient(c.info, message);
        m_flowSource = m_measureFlows ? &c : nullptr;
        hold = publishMessage(message);
        m_flowSource = nullptr;
        if (hooked(HookEvent::OnPublished))
            hooks.each(HookEvent::OnPublished, [&](Hook &h) { h.onPublished(c.info, message->publish); });
    }
    const std::uint8_t ackCode = isV5(c.version) ? std::uint8_t(obscured(refused)) : 0;
    if (hold && qos) // the acknowledgement (and what follows it) waits for Redis
        c.clusterHeld.emplace_back(c.outBase + quint64(c.out.size()), hold);
    if (qos == 1) {
        sendAck(c, PacketType::Puback, packetId, ackCode);
    } else if (qos == 2) {
        if (ackCode < 0x80) { // a refused QoS 2 flow ends here
            s.inboundQos2.insert(packetId);
            if (hooked(HookEvent::OnInboundQos2) && s.persistent.load(std::memory_order_relaxed))
                hooks.each(HookEvent::OnInboundQos2,
                           [&](Hook &h) { h.onInboundQos2(s.clientId, packetId, true); });
        }
        sendAck(c, PacketType::Pubrec, packetId, ackCode);
    }
}

// ---- copies forwarded to another worker ------------------------------------------------
// The items of a CopyStream, each a fixed part read and written with memcpy (the stream has no
// alignment), in the order publishInPlace() appends them: one PUBLISH, then the copies of it
// for that worker's sessions.
namespace {
enum class CopyItem : std::uint8_t { Publish, Copy };

// Followed by the topic field (with its 2-byte length) and the payload.
struct PublishItem {
    CopyItem kind;
    std::uint8_t qos; // as published
    std::uint32_t topicFieldSize;
    std::uint32_t payloadSize;
    qint64 createdAtMs;
    quintptr originSession;
};

struct CopyOfItem {
    CopyItem kind;
    std::uint8_t qos; // of this copy
    Session *session;
};

// Room for `n` more bytes at the end of `bytes` (uninitialised).
char *grow(QByteArray &bytes, qsizetype n)
{
    const qsizetype at = bytes.size();
    bytes.resize(at + n);
    return bytes.data() + at;
}
} // namespace

// Hooks that see or change messages and packets, none of which a PUBLISH forwarded in place
// (publishInPlace, deliverCopies) calls; with one of them provided, it takes the general path.
// At QoS 1/2 also those told of copies in flight or stored, or of inbound QoS 2 flows.
constexpr HookMask kSeesMessages =
    hookBit(HookEvent::OnPacketRead) | hookBit(HookEvent::OnPacketProcessed) | hookBit(HookEvent::OnPublish) |
    hookBit(HookEvent::OnPublished) | hookBit(HookEvent::OnSelectSubscribers) |
    hookBit(HookEvent::OnPacketEncode) |
    hookBit(HookEvent::OnPacketSent); // (OnMessageQueued never sees a QoS 0 copy)
constexpr HookMask kSeesQos = kSeesMessages | hookBit(HookEvent::OnQosPublish) |
                              hookBit(HookEvent::OnMessageQueued) | hookBit(HookEvent::OnMessageInflight) |
                              hookBit(HookEvent::OnInboundQos2);

// The common PUBLISH forwarded from the read buffer: a topic with a current cached route, no
// properties, not retained, and a copy for every subscriber that can go into its output at
// once (takesCopyNow). That is a subscriber connected with nothing queued, no subscription
// identifier or topic alias to add, within its packet size; a QoS 0 copy also within its
// pending-bytes limit, a QoS 1/2 copy also with room in its in-flight window (the copy goes
// into flight at once, as pump() would send it). And a broker with no hook that sees or
// changes messages and packets (kSeesMessages, kSeesQos), no inline subscription, no cluster.
// Each copy is the PUBLISH's own topic and payload behind a new fixed header (and its packet
// id, and for a v5 subscriber an empty property length). No message becomes a Message: the
// copies in flight at QoS 1/2, which may have to be sent again, share one buffer with its topic
// and payload, of which a Message is made only if one is needed (Outgoing::setInPlace).
//
// A subscriber on another worker gets its copy as bytes: the topic and payload are appended
// once per worker to the copies that go with the batch of deliveries for it, and its worker
// decides there, with the session's state at hand, as this function would (deliverCopies). So a
// message that crosses workers is not a Message made on one thread, read on another and freed
// there, but a few dozen bytes in a buffer that is handed over whole. Such a subscriber must
// have no subscription identifier to add (its connection's version is not known here).
//
// A PUBLISH that qualifies but for its subscribers (a local one with messages queued, say) is
// made a Message here and delivered on the route already found, as publishMessage() would:
// the work done so far is not done again. Returns false, having changed nothing, for anything
// else: that PUBLISH takes the general path (handlePublish), which also reports malformed ones
// and answers duplicate QoS 2 packet ids. What it does is what handlePublish() does with such
// a PUBLISH, step for step, the acknowledgement to the publisher included.
bool Worker::publishInPlace(Connection &c, std::uint8_t firstByte, QByteArrayView body)
{
    const std::uint8_t qos = (firstByte >> 1) & 3;
    if ((hookMask() & (qos ? kSeesQos : kSeesMessages)) || m_core.cluster ||
        m_core.inlineSubscriptions->count())
        return false;
    PublishView v;
    if (!readPublishInPlace(firstByte, body, c.version, v) || !v.properties.isEmpty() || v.topic.isEmpty() ||
        v.topic.front() == '$')
        return false;
    const Capabilities &caps = m_core.caps();
    Session &publisher = *c.session;
    if (qos > caps.maximumQos) return false;
    if (qos == 2 && (publisher.inboundQos2.contains(v.packetId) ||
                     (isV5(c.version) && publisher.inboundQos2.size() >= caps.receiveMaximum)))
        return false;
    const QByteArray topic = QByteArray::fromRawData(v.topic.data(), v.topic.size());
    if (tooDeep(topic, caps.maximumTopicLevels)) return false;
    const RouteCache::Entry *route = m_core.currentRoute(topic, m_routeCache);
    if (!route) return false;
    // Each subscriber's copy at each QoS up to the message's must be encodable.
    for (int q = 0; q <= qos; ++q) {
        if (publishCopySize(v, std::uint8_t(q), ProtocolVersion::V311) == 0 ||
            publishCopySize(v, std::uint8_t(q), ProtocolVersion::V5) == 0)
            return false;
    }

    const quintptr origin = publisher.key();
    const std::vector<RouteCache::Target> &targets = route->targets;
    m_inPlaceTargets.clear();
    bool inPlace = true;
    int inFlightLeft = 0; // copies at QoS 1/2 on this worker, which may have to be sent again
    const auto noLocal = [&](const RouteCache::Target &t) {
        return t.options.noLocal && t.subscriber == origin; // [MQTT-3.8.3-3]
    };
    for (qsizetype i = 0; inPlace && i < qsizetype(targets.size());) {
        // One run per subscriber: its matching subscriptions merged into one copy.
        const RouteCache::Target &first = targets[size_t(i)];
        m_inPlaceMerged.subscriptionIds.clear();
        if (!mergeRun(targets, i, qos, false, noLocal, m_inPlaceMerged)) continue;
        const std::uint8_t q = m_inPlaceMerged.qos;
        const bool identifiers = !m_inPlaceMerged.subscriptionIds.isEmpty();
        const Session &s = *first.session;
        const Worker *home = s.home.load(std::memory_order_acquire);
        if (home != this) {
            inPlace = !identifiers;
            m_inPlaceTargets.push_back({&first.session, q, int(home->index())});
            continue;
        }
        inPlace = takesCopyNow(s, q, identifiers, v);
        if (q) ++inFlightLeft;
        m_inPlaceTargets.push_back({&first.session, q, -1});
    }
    std::shared_ptr<Message> message;
    if (!inPlace) {
        // What decodeNewPublish() would make of it: topic and payload share one copy of the
        // body (the payload takes the copy's own reference).
        message = std::make_shared<Message>();
        Publish &p = message->publish;
        QByteArray whole = body.toByteArray();
        p.topic = sharedSlice(whole, v.topic.data() - body.data(), v.topic.size());
        p.payload = sharedSlice(std::move(whole), v.payload.data() - body.data(), v.payload.size());
        p.qos = qos;
        p.packetId = v.packetId;
    }

    // From here on as handlePublish(): counted, access checked (a refused message is not
    // delivered; a QoS 0 one is not acknowledged either), delivered to the subscribers that
    // may read it, acknowledged.
    ++m_traffic.messagesReceived;
    ++publisher.messagesIn;
    ReasonCode refused = ReasonCode::Success;
    if (!m_core.hooks.aclAllows(c.info, topic, true)) {
        refused = ReasonCode::NotAuthorized;
    } else if (!inPlace) {
        stampFromClient(*message, publisher, now());
        m_flowSource = m_measureFlows ? &c : nullptr;
        deliverTargets(targets, std::move(message));
        m_flowSource = nullptr;
    } else {
        m_flowSource = m_measureFlows ? &c : nullptr;
        // The copies in flight keep topic and payload in one buffer they share, and the Message
        // is made of it only if one is needed (Outgoing::setInPlace). As stampFromClient() would
        // stamp it, without the origin's client id: only inline subscribers and cluster links
        // read that, and neither gets this message (a copy in flight is only ever sent again to
        // its session).
        QByteArray inFlightBytes;
        if (inFlightLeft)
            inFlightBytes = Outgoing::inPlaceBytes(v.topic, v.payload, qos, origin, now(),
                                                   m_core.messageExpiresAt(now()));
        bool copied = false;
        for (const InPlaceTarget &t : m_inPlaceTargets) {
            noteFlow(*t.session);
            if (t.worker >= 0) {
                copied = true;
                // Into the stream for its worker: the PUBLISH once, then this copy.
                const size_t w = size_t(t.worker);
                CopyStream &copies = m_routedCopies[w];
                std::vector<Delivery> &routed = m_routed[w];
                if (!m_copying[w]) {
                    m_copying[w] = true;
                    const qsizetype at = copies.bytes.size();
                    const PublishItem item{CopyItem::Publish,
                                           qos,
                                           std::uint32_t(v.topicField.size()),
                                           std::uint32_t(v.payload.size()),
                                           now(),
                                           origin};
                    char *to =
                        grow(copies.bytes, qsizetype(sizeof item) + v.topicField.size() + v.payload.size());
                    std::memcpy(to, &item, sizeof item);
                    std::memcpy(to + sizeof item, v.topicField.data(), size_t(v.topicField.size()));
                    if (!v.payload.isEmpty())
                        std::memcpy(to + sizeof item + v.topicField.size(), v.payload.data(),
                                    size_t(v.payload.size()));
                    if (routed.empty() || routed.back().copyEnd != at) { // else the last one goes on
                        Delivery d;
                        d.copyAt = at;
                        routed.push_back(std::move(d));
                    }
                }
                Session *s = t.session->get();
                const CopyOfItem item{CopyItem::Copy, t.qos, s};
                std::memcpy(grow(copies.bytes, sizeof item), &item, sizeof item);
                routed.back().copyEnd = copies.bytes.size();
                if (copies.keep.empty() || copies.keep.back().get() != s) copies.keep.push_back(*t.session);
                continue;
            }
            Session &s = **t.session;
            if (!mayRead(s, topic)) continue;
            Connection &sc = *s.connection;
            if (t.qos == 0) {
                encodePublishCopy(v, 0, 0, sc.version, sc.out);
            } else {
                // Into flight, as pump() puts it there (intoFlight).
                const std::uint16_t id = s.allocatePacketId();
                encodePublishCopy(v, t.qos, id, sc.version, sc.out);
                // The last copy takes this function's reference.
                intoFlight(s, id, t.qos)
                    .out.setInPlace(--inFlightLeft ? inFlightBytes : std::move(inFlightBytes));
            }
            ++m_traffic.messagesSent;
            ++s.messagesOut;
            wrote(sc);
        }
        if (copied) std::fill(m_copying.begin(), m_copying.end(), 0);
        m_flowSource = nullptr;
    }
    const std::uint8_t ackCode = isV5(c.version) ? std::uint8_t(obscured(refused)) : 0;
    if (qos == 1) {
        sendAck(c, PacketType::Puback, v.packetId, ackCode);
    } else if (qos == 2) {
        if (ackCode < 0x80) publisher.inboundQos2.insert(v.packetId); // a refused QoS 2 flow ends here
        sendAck(c, PacketType::Pubrec, v.packetId, ackCode);
    }
    return true;
}

bool Worker::takesCopyNow(const Session &s, std::uint8_t qos, bool identifiers, const PublishView &v) const
{
    const Connection *sc = s.connection;
    if (s.expired || s.settling || !sc || !s.pending.empty()) return false;
    const bool v5 = isV5(sc->version);
    if (((v5 || qos) && identifiers) || (v5 && sc->clientTopicAliasMaximum > 0)) return false;
    const qsizetype size = publishCopySize(v, qos, sc->version);
    if (size == 0 || (sc->clientMaximumPacketSize > 0 && std::uint64_t(size) > sc->clientMaximumPacketSize))
        return false;
    const Capabilities &caps = m_core.caps();
    if (qos == 0)
        return sc->out.size() - sc->outOffset + (sc->transport ? sc->transport->pendingBytes() : 0) <=
               caps.maximumClientBytesPending;
    // (A copy in flight keeps its subscription identifiers for a resend, even to a v3
    // connection of the session: those go the general way.)
    return !sc->closing && s.inflight.size() < effectiveInflightWindow(caps, *sc) &&
           s.usedPacketIds.size() < 65535;
}

void Worker::deliverCopies(const QByteArray &copies, qsizetype begin, qsizetype end)
{
    PublishItem publish{};
    PublishView v;
    MessagePtr made;          // the Message of `publish`, once one copy needed it
    QByteArray inFlightBytes; // the same for the copies in flight (Outgoing::setInPlace)
    const auto message = [&]() -> const MessagePtr & {
        if (!made) {
            // As publishInPlace() stamps its own (stampFromClient, without the client id).
            auto m = std::make_shared<Message>();
            Publish &p = m->publish;
            QByteArray whole(v.topic.data(), v.topic.size() + v.payload.size());
            p.topic = sharedSlice(whole, 0, v.topic.size());
            p.payload = sharedSlice(std::move(whole), v.topic.size(), v.payload.size());
            p.qos = publish.qos;
            m->originSession = publish.originSession;
            m->createdAtMs = publish.createdAtMs;
            m->expiresAtMs = m_core.messageExpiresAt(p.properties, publish.createdAtMs);
            made = std::move(m);
        }
        return made;
    };
    for (qsizetype at = begin; at < end;) {
        const char *item = copies.constData() + at;
        if (CopyItem(*item) == CopyItem::Publish) {
            std::memcpy(&publish, item, sizeof publish);
            const char *bytes = item + sizeof publish;
            v.topicField = QByteArrayView(bytes, publish.topicFieldSize);
            v.topic = v.topicField.sliced(2);
            v.payload = QByteArrayView(bytes + publish.topicFieldSize, publish.payloadSize);
            made.reset();
            inFlightBytes = QByteArray();
            at += qsizetype(sizeof publish) + publish.topicFieldSize + publish.payloadSize;
            continue;
        }
        CopyOfItem copy;
        std::memcpy(&copy, item, sizeof copy);
        at += qsizetype(sizeof copy);
        Session &s = *copy.session;
        const std::uint8_t q = copy.qos;
        if ((hookMask() & (q ? kSeesQos : kSeesMessages)) || s.home.load(std::memory_order_acquire) != this ||
            !takesCopyNow(s, q, false, v)) {
            // The general way, where deliverLocal() follows a session that moved, queues
            // behind what is queued, and applies the subscriber's limits.
            Delivery d;
            d.session = s.shared_from_this();
            d.out.qos = q;
            d.out.setMessage(message());
            deliverLocal(std::move(d));
            continue;
        }
        if (!mayRead(s, QByteArray::fromRawData(v.topic.data(), v.topic.size()))) continue;
        Connection &sc = *s.connection;
        if (q == 0) {
            encodePublishCopy(v, 0, 0, sc.version, sc.out);
        } else {
            const std::uint16_t id = s.allocatePacketId();
            encodePublishCopy(v, q, id, sc.version, sc.out);
            // As publishInPlace() puts its own copies in flight, without a Message.
            if (inFlightBytes.isNull())
                inFlightBytes =
                    Outgoing::inPlaceBytes(v.topic, v.payload, publish.qos, publish.originSession,
                                           publish.createdAtMs, m_core.messageExpiresAt(publish.createdAtMs));
            intoFlight(s, id, q).out.setInPlace(inFlightBytes);
        }
        ++m_traffic.messagesSent;
        ++s.messagesOut;
        wrote(sc);
    }
}

// A message from client `s`, published now (a PUBLISH or its will): its origin (No Local;
// the client id too unless `clientId` is false), its times and expiry, and the fields that
// belong to one hop only cleared.
void Worker::stampFromClient(Message &m, const Session &s, qint64 now, bool clientId) const
{
    if (clientId) m.originClientId = s.clientId;
    m.originSession = s.key();
    m.createdAtMs = now;
    m.expiresAtMs = m_core.messageExpiresAt(m.publish.properties, now);
    m.publish.dup = false;
    m.publish.packetId = 0;
}

// ObscureNotAuthorized: "not authorized" and "bad credentials" become "unspecified error".
ReasonCode Worker::obscured(ReasonCode code) const
{
    if (m_core.caps().compatibilities.obscureNotAuthorized &&
        (code == ReasonCode::NotAuthorized || code == ReasonCode::BadUserNameOrPassword))
        return ReasonCode::UnspecifiedError;
    return code;
}

// At the retained-message limit, a retained message to a topic not yet stored is refused.
bool Worker::retainedStoreFull(const QByteArray &topic) const
{
    const std::int64_t limit = m_core.caps().maximumRetainedMessages;
    if (limit <= 0 || m_core.counters.retained.load(std::memory_order_relaxed) < limit) return false;
    std::shared_lock lock(m_core.retainedLock);
    return qint64(m_core.retained.size()) >= limit && !m_core.retained.find(topic);
}

void Worker::retainFromClient(const ClientInfo &client, const MessagePtr &message)
{
    const int change = m_core.retain(message);
    if (m_core.cluster) m_core.cluster->retained(message);
    if (hooked(HookEvent::OnRetainMessage))
        m_core.hooks.each(HookEvent::OnRetainMessage,
                          [&](Hook &h) { h.onRetainMessage(client, message->publish, change); });
}

void Worker::publishFromServer(MessagePtr message, bool reportRetain)
{
    post([this, reportRetain, message = std::move(message)] {
        if (message->publish.retain) {
            if (reportRetain) { // the inline client: OnRetainMessage (and so persistence) as for a client
                static const ClientInfo inlineClient{
                    "inline", {}, QStringLiteral("inline"), QStringLiteral("local"), {}, ProtocolVersion::V5,
                    true};
                retainFromClient(inlineClient, message);
            } else {
                m_core.retain(message);
            }
        }
        publishMessage(message);
        flushRouted();
    });
}

void Worker::publishFromCluster(std::vector<MessagePtr> messages, std::function<void()> routed)
{
    post([this, messages = std::move(messages), routed = std::move(routed)] {
        for (const MessagePtr &m : messages)
            publishMessage(m);
        flushRouted();
        if (routed) routed();
    });
}

void Worker::takeOverFromCluster(const QByteArray &clientId, std::uint64_t claim, bool park)
{
    post([this, clientId, claim, park] {
        SessionPtr s;
        {
            std::lock_guard lock(m_core.registryLock);
            s = m_core.registry.value(clientId);
        }
        if (!s || s->expired) return;
        Worker *home = s->home.load(std::memory_order_acquire);
        if (home != this) {
            if (home) home->takeOverFromCluster(clientId, claim, park);
            return;
        }
        if (s->clusterClaim >= claim) return; // connected here after that claim: this one is newer
        qCInfo(lcProtocol).noquote() << "client" << QString::fromUtf8(clientId)
                                     << "connected on another node";
        if (park && s->expiryInterval != 0) {
            // The client resumes its session there: it leaves this node through Redis.
            takeOverLocally(s, false);
            s->disconnectedAtMs = nowMs();
            parkSession(s);
        } else {
            takeOverLocally(s, true);
        }
        flushRouted();
    });
}

std::uint64_t Worker::publishMessage(const MessagePtr &message)
{
    std::uint64_t hold = 0;
    m_routeScratch.clear();
    // Cluster mode: to the nodes with a matching filter ($SYS topics are per node). Each shared
    // group matched anywhere is served by one node, chosen by the cluster.
    if (m_core.cluster && message->originNode.isEmpty() && !message->publish.topic.startsWith("$SYS")) {
        thread_local std::vector<QByteArray> localShared;
        localShared.clear();
        m_core.route(message, m_routeScratch, &localShared, &m_routeCache);
        for (const QByteArray &f : m_core.cluster->forward(message, localShared, hold)) {
            Delivery d;
            if (m_core.rerouteShared(message, f, 0, d)) m_routeScratch.push_back(std::move(d));
        }
    } else {
        // (Storage hooks store QoS 1/2 copies on this worker, below; a QoS 0 copy is not stored.)
        if (!hooked(HookEvent::OnSelectSubscribers) &&
            (message->publish.qos == 0 || !hooked(HookEvent::OnMessageQueued))) {
            if (const RouteCache::Entry *e = m_core.currentRoute(message->publish.topic, m_routeCache)) {
                deliverTargets(e->targets, message);
                m_core.inlineSubscriptions->deliver(*message);
                return hold;
            }
        }
        m_core.route(message, m_routeScratch, nullptr, &m_routeCache);
    }
    if (hooked(HookEvent::OnSelectSubscribers)) selectSubscribers(message, m_routeScratch);
    if (hooked(HookEvent::OnMessageQueued)) {
        // Stored here, on the publisher's worker, so the publisher's acknowledgement comes
        // after every subscriber's copy was handed to storage (sync mode waits for it).
        for (Delivery &d : m_routeScratch)
            persistQueued(d);
    }
    for (Delivery &d : m_routeScratch) {
        noteFlow(d.session);
        Worker *home = d.session->home.load(std::memory_order_acquire);
        if (home == this)
            deliverLocal(std::move(d));
        else
            m_routed[home->index()].push_back(std::move(d));
    }
    m_routeScratch.clear();
    m_core.inlineSubscriptions->deliver(*message);
    return hold;
}

// A cached route, delivered without a Delivery per session: a QoS 0 copy for a connected
// session of this worker with nothing queued is encoded into its output at once (the common
// case, no reference counting per subscriber); every other goes through deliverLocal() or to
// its session's worker, as route() would have it.
void Worker::deliverTargets(const std::vector<RouteCache::Target> &targets, const MessagePtr &message)
{
    Outgoing merged; // one reference to the message for every session, not one each
    merged.setMessage(message);
    forEachMergedTarget(targets, *message, merged, [&](const RouteCache::Target &t, const Outgoing &o) {
        noteFlow(t.session);
        Session &s = *t.session;
        Worker *home = s.home.load(std::memory_order_acquire);
        if (o.qos == 0 && home == this && !s.expired && !s.settling && s.connection && s.pending.empty()) {
            if (mayRead(s, message->publish.topic)) sendQos0Now(s, o);
            return;
        }
        Delivery d{t.session, o};
        if (home == this)
            deliverLocal(std::move(d));
        else
            m_routed[home->index()].push_back(std::move(d));
    });
}

// Read access is checked on every delivery, not only at SUBSCRIBE: a wildcard subscription
// must not carry messages from topics the client may not read (as Mochi). The inline
// client's own deliveries do not come through here.
bool Worker::mayRead(const Session &s, const QByteArray &topic) const
{
    return m_core.hooks.aclAllows(s.client, topic, false);
}

void Worker::injectPacket(SessionPtr session, Packet packet)
{
    post([this, session = std::move(session), packet = std::move(packet)]() mutable {
        Worker *home = session->home.load(std::memory_order_acquire);
        if (home != this) { // moved since: follow it
            home->injectPacket(std::move(session), std::move(packet));
            return;
        }
        if (session->expired || !session->connection) {
            qCInfo(lcProtocol).noquote() << "injected packet for" << QString::fromUtf8(session->clientId)
                                         << "dropped: the client is not connected";
            return;
        }
        Connection &c = *session->connection;
        std::uint8_t first = 0;
        QByteArray body;
        if (!encodeAsRead(packet, c.version, first, body)) {
            qCWarning(lcProtocol).noquote() << "injected packet for" << QString::fromUtf8(session->clientId)
                                            << "dropped: it cannot be encoded";
            return;
        }
        handlePacket(c, first, body);
        flushRouted();
    });
}

// OnSelectSubscribers: hooks see the chosen subscribers and may drop, change or add them
// (an added client id must have a session on this broker).
void Worker::selectSubscribers(const MessagePtr &message, std::vector<Delivery> &deliveries)
{
    QList<SelectedSubscriber> selected;
    selected.reserve(qsizetype(deliveries.size()));
    for (const Delivery &d : deliveries) {
        SelectedSubscriber sel;
        sel.clientId = d.session->clientId;
        sel.qos = d.out.qos;
        sel.retain = d.out.retain;
        for (std::uint32_t id : d.out.subscriptionIds)
            sel.subscriptionIds.append(id);
        sel.sharedFilter = d.out.sharedFilter;
        selected.append(std::move(sel));
    }
    m_core.hooks.each(HookEvent::OnSelectSubscribers,
                      [&](Hook &h) { h.onSelectSubscribers(message->publish, selected); });
    QHash<QByteArray, SessionPtr> known;
    for (const Delivery &d : deliveries)
        known.insert(d.session->clientId, d.session);
    deliveries.clear();
    for (const SelectedSubscriber &sel : std::as_const(selected)) {
        SessionPtr session = known.value(sel.clientId);
        if (!session) {
            std::lock_guard lock(m_core.registryLock);
            session = m_core.registry.value(sel.clientId);
        }
        if (!session) continue;
        Delivery d;
        d.session = std::move(session);
        d.out.setMessage(message);
        d.out.qos = std::min(sel.qos, message->publish.qos);
        d.out.retain = sel.retain;
        for (std::uint32_t id : sel.subscriptionIds)
            d.out.subscriptionIds.append(id);
        d.out.sharedFilter = sel.sharedFilter;
        deliveries.push_back(std::move(d));
    }
}

void Worker::flushRouted()
{
    for (size_t i = 0; i < m_routed.size(); ++i) {
        if (!m_routed[i].empty()) m_core.workers[i]->postDeliveries(m_routed[i], m_routedCopies[i]);
    }
}

// ---- delivery out ------------------------------------------------------------------------

// A message for this session was dropped: counted, and reported to the hooks
// (OnQosDropped for a message that was in flight, OnPublishDropped otherwise).
void Worker::dropped(Session &s, const Outgoing &o, bool wasInflight)
{
    m_core.counters.messagesDropped.fetch_add(1, std::memory_order_relaxed);
    persistDone(s, o.storeSeq);
    const HookEvent e = wasInflight ? HookEvent::OnQosDropped : HookEvent::OnPublishDropped;
    if (!hooked(e) || !o.message()) return;
    m_core.hooks.each(e, [&](Hook &h) {
        if (wasInflight)
            h.onQosDropped(s.client, o.message()->publish);
        else
            h.onPublishDropped(s.client, o.message()->publish);
    });
}

void Worker::deliverLocal(Delivery &&d, bool readChecked)
{
    if (d.kind != Delivery::Kind::Message) {
        fenceMarker(std::move(d));
        return;
    }
    Session &s = *d.session;
    if (s.expired) {
        if (d.out.storeSeq && hooked(HookEvent::OnMessageDone))
            m_core.hooks.each(HookEvent::OnMessageDone,
                              [&](Hook &h) { h.onMessageDone(s.clientId, d.out.storeSeq); });
        return;
    }
    Worker *home = s.home.load(std::memory_order_acquire);
    if (home != this) {
        // The session moved to another worker after this delivery was routed.
        d.forwarded = true;
        m_routed[home->index()].push_back(std::move(d));
        return;
    }
    if (s.settling && !d.forwarded) {
        // Routed here after a hand-over whose fence is not through (handOver).
        m_settling[&s].held.push_back(std::move(d));
        return;
    }
    const Capabilities &caps = m_core.caps();
    if (d.out.qos == 0 && !s.connection) return; // QoS 0 is not queued for offline sessions
    if (!readChecked && !mayRead(s, d.out.message()->publish.topic)) return;
    if (d.out.qos == 0 && s.connection && s.pending.empty()) {
        sendQos0Now(s, d.out);
        return;
    }
    if (qsizetype(s.pending.size()) >= caps.maximumClientWritesPending) {
        // Never a silent loss: counted, reported (OnPublishDropped), logged; and a connected
        // client that lets QoS 1/2 pile up this far is disconnected with Quota Exceeded, so it
        // knows. Its session keeps the queue (up to the limit) for when it comes back.
        dropped(s, d.out, false);
        // One line per session per second at most: a full queue drops at the publishers' rate.
        ++s.dropsSinceLog;
        const qint64 now = this->now();
        if (now - s.lastDropLogMs >= 1000) {
            qCWarning(lcProtocol).noquote() << "queue full for" << QString::fromUtf8(s.clientId) << "-"
                                            << s.dropsSinceLog << "message(s) dropped";
            s.lastDropLogMs = now;
            s.dropsSinceLog = 0;
        }
        if (d.out.qos > 0 && s.connection)
            disconnectWithReason(*s.connection, ReasonCode::QuotaExceeded, "outbound queue full");
        return;
    }
    if (d.out.storeSeq == 0) persistQueued(d); // retained on subscribe, shared hand-off
    s.pending.push_back(std::move(d.out));
    if (s.connection) pump(s);
}

// A QoS 0 copy for a connected session with nothing queued (access already checked): into
// its output now, or dropped if the client is too far behind in reading.
void Worker::sendQos0Now(Session &s, const Outgoing &o)
{
    Connection &c = *s.connection;
    const qint64 queued = c.out.size() - c.outOffset + (c.transport ? c.transport->pendingBytes() : 0);
    if (queued > m_core.caps().maximumClientBytesPending) {
        dropped(s, o, false);
        return;
    }
    sendPublish(s, c, o, 0, false);
}

// Moves queued messages into flight while the client's window allows.
void Worker::pump(Session &s)
{
    if (!s.connection || s.connection->closing) return;
    Connection &c = *s.connection;
    const std::uint16_t window = effectiveInflightWindow(m_core.caps(), c);
    const qint64 now = this->now();
    while (!s.pending.empty()) {
        Outgoing &o = s.pending.front();
        if (o.message()->expiresAtMs && o.message()->expiresAtMs <= now) {
            dropped(s, o, false);
            s.pending.pop_front();
            continue;
        }
        if (o.qos == 0) {
            sendPublish(s, c, o, 0, false);
            s.pending.pop_front();
            continue;
        }
        if (s.inflight.size() >= window) break;
        const std::uint16_t id = s.allocatePacketId();
        if (id == 0) {
            if (hooked(HookEvent::OnPacketIDExhausted))
                m_core.hooks.each(HookEvent::OnPacketIDExhausted,
                                  [&](Hook &h) { h.onPacketIDExhausted(s.client, o.message()->publish); });
            break;
        }
        if (!sendPublish(s, c, o, id, false)) {
            // Too large for this client: dropped for it, not queued forever.
            s.usedPacketIds.remove(id);
            s.pending.pop_front();
            continue;
        }
        InflightOut &f = intoFlight(s, id, o.qos);
        f.out = std::move(o);
        if (hooked(HookEvent::OnQosPublish))
            m_core.hooks.each(HookEvent::OnQosPublish,
                              [&](Hook &h) { h.onQosPublish(s.client, f.out.message()->publish, now, 0); });
        if (f.out.storeSeq && hooked(HookEvent::OnMessageInflight))
            m_core.hooks.each(HookEvent::OnMessageInflight,
                              [&](Hook &h) { h.onMessageInflight(s.clientId, f.out.storeSeq, id, false); });
        s.pending.pop_front();
    }
}

// A copy just sent to `s` with packet id `id`: in flight until its acknowledgement.
// The caller fills in the rest of its `out` (the message, at least).
InflightOut &Worker::intoFlight(Session &s, std::uint16_t id, std::uint8_t qos)
{
    InflightOut &f = s.inflight.emplace_back();
    f.packetId = id;
    f.state = qos == 1 ? InflightOut::State::AwaitPuback : InflightOut::State::AwaitPubrec;
    f.out.qos = qos;
    ++m_traffic.inflight;
    return f;
}

// Encodes one PUBLISH for this client and queues its bytes. Returns false if the client's
// maximum packet size forbids it (the message is dropped for this client only).
bool Worker::sendPublish(Session &s, Connection &c, const Outgoing &o, std::uint16_t packetId, bool dup)
{
    const Message &m = *o.message();
    const bool v5 = isV5(c.version);
    const bool hasExpiry = v5 && m.publish.properties.has(PropertyId::MessageExpiryInterval);
    // Hooks that see outgoing packets (OnPacketEncode/OnPacketSent) get each PUBLISH as a
    // value, so the shared encoding is skipped for them.
    const bool hooked =
        (hookMask() & (hookBit(HookEvent::OnPacketEncode) | hookBit(HookEvent::OnPacketSent))) != 0;
    const bool perClient =
        hooked || (v5 && (hasExpiry || !o.subscriptionIds.isEmpty() || c.clientTopicAliasMaximum > 0));

    if (!perClient) {
        // The common case: the same bytes for every subscriber of this (message, version
        // class, qos, retain) but the packet id. Encoded once, copied, the id and DUP patched.
        const int variant = (v5 ? 8 : 0) | (o.qos << 1) | (o.retain ? 1 : 0);
        if (m_encodeCache.message.get() != &m || m_encodeCache.variant != variant) {
            // The first subscriber: encoded straight into its output. The bytes are copied
            // out for the cache only if a second subscriber comes (most messages have one).
            const qsizetype start = c.out.size();
            const PublishHeader h{o.qos, o.retain, dup, packetId};
            const qsizetype n = encodePublish(m.publish, h, c.version, c.out);
            if (n == 0 || (c.clientMaximumPacketSize > 0 && std::uint32_t(n) > c.clientMaximumPacketSize)) {
                c.out.truncate(start);
                dropped(s, o, false); // [MQTT-3.1.2-25]
                return false;
            }
            m_encodeCache.message = o.message();
            m_encodeCache.variant = variant;
            m_encodeCache.sourceSerial = c.serial;
            m_encodeCache.sourceAt = c.outBase + quint64(start);
            m_encodeCache.size = n;
            if (m_encodeCache.bytes.isDetached())
                m_encodeCache.bytes.resize(0); // keeps the buffer (clear() would free it)
            else
                m_encodeCache.bytes = QByteArray();
            // The packet id follows the fixed header (type byte, 1-4 length bytes) and the
            // topic (2-byte length + bytes).
            qsizetype header = 2;
            while (header < 5 && (std::uint8_t(c.out.at(start + header - 1)) & 0x80))
                ++header;
            m_encodeCache.packetIdOffset = o.qos ? header + 2 + m.publish.topic.size() : -1;
            ++m_traffic.messagesSent;
            ++s.messagesOut;
            wrote(c);
            return true;
        }
        if (m_encodeCache.bytes.isEmpty()) {
            // The second subscriber: the bytes come from the first one's output if they are
            // still there (not yet written out), or are encoded again.
            const Connection *src = m_connections.value(m_encodeCache.sourceSerial);
            const quint64 at = m_encodeCache.sourceAt;
            if (src && src->outBase <= at &&
                at + quint64(m_encodeCache.size) <= src->outBase + quint64(src->out.size())) {
                m_encodeCache.bytes.append(src->out.constData() + (at - src->outBase), m_encodeCache.size);
                m_encodeCache.bytes.data()[0] = char(m_encodeCache.bytes.at(0) & ~0x08); // DUP is per client
            } else {
                const PublishHeader h{o.qos, o.retain, false, std::uint16_t(o.qos ? 1 : 0)};
                encodePublish(m.publish, h, c.version, m_encodeCache.bytes);
            }
        }
        if (c.clientMaximumPacketSize > 0 &&
            std::uint32_t(m_encodeCache.bytes.size()) > c.clientMaximumPacketSize) {
            dropped(s, o, false); // [MQTT-3.1.2-25]
            return false;
        }
        // (Not QByteArray::append(): it would share the cache's buffer when `out` is empty,
        // and patching the packet id would then copy it again.)
        const qsizetype start = c.out.size();
        const qsizetype n = m_encodeCache.bytes.size();
        c.out.resize(start + n);
        char *d = c.out.data() + start;
        std::memcpy(d, m_encodeCache.bytes.constData(), size_t(n));
        if (dup) d[0] = char(d[0] | 0x08);
        if (m_encodeCache.packetIdOffset >= 0) {
            d[m_encodeCache.packetIdOffset] = char(packetId >> 8);
            d[m_encodeCache.packetIdOffset + 1] = char(packetId & 0xFF);
        }
        ++m_traffic.messagesSent;
        ++s.messagesOut;
        wrote(c);
        return true;
    }

    // v5 with per-subscriber parts: remaining expiry, subscription ids, topic alias.
    Publish p;
    p.topic = m.publish.topic;
    p.payload = m.publish.payload;
    p.qos = o.qos;
    p.retain = o.retain;
    p.dup = dup;
    p.packetId = packetId;
    p.properties = m.publish.properties;
    p.properties.subscriptionIdentifiers.clear();
    if (hasExpiry) p.properties.messageExpiryInterval = std::uint32_t(remainingExpirySeconds(m, now()));
    for (std::uint32_t id : o.subscriptionIds)
        p.properties.subscriptionIdentifiers.append(id);
    bool newAlias = false;
    if (c.clientTopicAliasMaximum > 0) {
        auto it = c.outboundAliases.constFind(p.topic);
        if (it != c.outboundAliases.constEnd()) {
            p.properties.topicAlias = *it;
            p.properties.mark(PropertyId::TopicAlias);
            p.topic = QByteArray();
        } else if (c.outboundAliases.size() < c.clientTopicAliasMaximum) {
            p.properties.topicAlias = std::uint16_t(c.outboundAliases.size() + 1);
            p.properties.mark(PropertyId::TopicAlias);
            newAlias = true;
        }
    }
    if (c.clientMaximumPacketSize > 0 && publishWireSize(p, c.version) > c.clientMaximumPacketSize) {
        // [MQTT-3.1.2-25] never send a packet larger than the client allows; drop for it.
        dropped(s, o, false);
        return false;
    }
    if (newAlias)
        c.outboundAliases.insert(QByteArray(p.topic.constData(), p.topic.size()), p.properties.topicAlias);
    ++m_traffic.messagesSent;
    ++s.messagesOut;
    if (hooked) {
        send(c, Packet(std::move(p)));
    } else {
        encodePublish(p, c.version, c.out);
        wrote(c);
    }
    return true;
}

// ---- acknowledgements --------------------------------------------------------------------

void Worker::handleAck(Connection &c, std::uint8_t firstByte, const QByteArray &body)
{
    AckFields a; // (the acknowledgement's properties are not used here)
    if (Error e = decodeAckFields(firstByte, body, c.version, a)) {
        disconnectWithReason(c, e.code, e.message);
        return;
    }
    processAck(c, a);
}

// The 2-byte PUBACK/PUBREC/PUBREL/PUBCOMP (reason Success, no properties), by far the most
// common, read where it lies: no body copied, no generic dispatch. Returns false, having done
// nothing, for anything else (a hook that sees packets, packet id 0): handleAck() takes it.
bool Worker::ackInPlace(Connection &c, std::uint8_t firstByte, QByteArrayView body)
{
    if (hookMask() & (hookBit(HookEvent::OnPacketRead) | hookBit(HookEvent::OnPacketProcessed))) return false;
    const std::uint16_t id = std::uint16_t((std::uint8_t(body[0]) << 8) | std::uint8_t(body[1]));
    if (id == 0) return false;
    processAck(c, AckFields{PacketType(firstByte >> 4), id, 0});
    return true;
}

void Worker::processAck(Connection &c, const AckFields &a)
{
    Session &s = *c.session;
    switch (a.type) {
    case PacketType::Pubrel: {
        std::uint8_t reason = 0;
        if (s.inboundQos2.remove(a.packetId)) {
            if (hooked(HookEvent::OnInboundQos2) && s.persistent.load(std::memory_order_relaxed))
                m_core.hooks.each(HookEvent::OnInboundQos2,
                                  [&](Hook &h) { h.onInboundQos2(s.clientId, a.packetId, false); });
        } else if (isV5(c.version)) {
            reason = std::uint8_t(ReasonCode::PacketIdentifierNotFound);
        }
        sendAck(c, PacketType::Pubcomp, a.packetId, reason);
        return;
    }
    case PacketType::Puback:
    case PacketType::Pubrec:
    case PacketType::Pubcomp: {
        auto it = std::find_if(s.inflight.begin(), s.inflight.end(),
                               [&](const InflightOut &f) { return f.packetId == a.packetId; });
        if (it == s.inflight.end()) {
            if (a.type == PacketType::Pubrec)
                sendAck(c, PacketType::Pubrel, a.packetId,
                        isV5(c.version) ? std::uint8_t(ReasonCode::PacketIdentifierNotFound) : 0);
            return; // unknown id: nothing to do [MQTT-4.3.2]
        }
        const bool expected =
            (a.type == PacketType::Puback && it->state == InflightOut::State::AwaitPuback) ||
            (a.type == PacketType::Pubrec && it->state == InflightOut::State::AwaitPubrec) ||
            (a.type == PacketType::Pubcomp && it->state == InflightOut::State::AwaitPubcomp);
        if (!expected) {
            if (a.type == PacketType::Pubrec && it->state == InflightOut::State::AwaitPubcomp) {
                // A repeated PUBREC: answer with PUBREL again.
                sendAck(c, PacketType::Pubrel, a.packetId);
            }
            return;
        }
        if (a.type == PacketType::Pubrec && a.reasonCode < 0x80) {
            it->state = InflightOut::State::AwaitPubcomp;
            if (it->out.storeSeq && hooked(HookEvent::OnMessageInflight))
                m_core.hooks.each(HookEvent::OnMessageInflight, [&](Hook &h) {
                    h.onMessageInflight(s.clientId, it->out.storeSeq, it->packetId, true);
                });
            sendAck(c, PacketType::Pubrel, a.packetId);
            return;
        }
        // PUBACK, PUBCOMP, or PUBREC with an error code: the flow is over.
        if (hooked(HookEvent::OnQosComplete))
            m_core.hooks.each(HookEvent::OnQosComplete,
                              [&](Hook &h) { h.onQosComplete(c.info, it->out.message()->publish); });
        persistDone(s, it->out.storeSeq);
        s.usedPacketIds.remove(it->packetId);
        if (it == s.inflight.begin())
            s.inflight.pop_front(); // acks come in order: the common case, without erase()'s moves
        else
            s.inflight.erase(it);
        --m_traffic.inflight;
        pump(s);
        return;
    }
    default:
        return;
    }
}

// ---- SUBSCRIBE / UNSUBSCRIBE -------------------------------------------------------------

void Worker::handleSubscribe(Connection &c, const QByteArray &body)
{
    Subscribe sub;
    if (Error e = decodeSubscribe(body, c.version, sub)) {
        disconnectWithReason(c, e.code, e.message);
        return;
    }
    const Capabilities &caps = m_core.caps();
    std::uint32_t identifier = 0;
    if (sub.properties.has(PropertyId::SubscriptionIdentifier)) {
        if (!caps.subIdAvailable) {
            disconnectWithReason(c, ReasonCode::SubscriptionIdentifiersNotSupported,
                                 "subscription identifiers not available [MQTT-3.8.2-?]");
            return;
        }
        identifier = sub.properties.subscriptionIdentifiers.first();
    }
    const HookChain &hooks = m_core.hooks;
    if (hooked(HookEvent::OnSubscribe))
        hooks.each(HookEvent::OnSubscribe, [&](Hook &h) { h.onSubscribe(c.info, sub); });
    Session &s = *c.session;
    SubackLike ack;
    ack.type = PacketType::Suback;
    ack.packetId = sub.packetId;
    struct NewSub {
        QByteArray filter;
        SessionSubscription sub;
        bool isNew;
    };
    QVarLengthArray<NewSub, 4> granted;
    for (const TopicSubscription &t : sub.topics) {
        const bool shared = isSharedFilter(t.filter);
        const bool wildcard = t.filter.contains('+') || t.filter.contains('#');
        ReasonCode code = ReasonCode(std::min<std::uint8_t>(t.options.qos, caps.maximumQos));
        if (shared && !caps.sharedSubAvailable)
            code = ReasonCode::SharedSubscriptionsNotSupported;
        else if (wildcard && !caps.wildcardSubAvailable)
            code = ReasonCode::WildcardSubscriptionsNotSupported;
        else if (tooDeep(t.filter, caps.maximumTopicLevels))
            code = ReasonCode::TopicFilterInvalid;
        else if (shared && t.options.noLocal) {
            disconnectWithReason(c, ReasonCode::ProtocolError,
                                 "No Local on a shared subscription [MQTT-3.8.3-4]");
            return;
        } else if (!hooks.aclAllows(c.info, t.filter, false)) {
            code = obscured(ReasonCode::NotAuthorized);
        }
        if (std::uint8_t(code) < 0x80 && caps.maximumSubscriptionsPerClient > 0 &&
            s.subscriptions.size() >= caps.maximumSubscriptionsPerClient &&
            !s.subscriptions.contains(t.filter))
            code = ReasonCode::QuotaExceeded;
        if (std::uint8_t(code) >= 0x80) {
            ack.reasonCodes.append(isV5(c.version) ? std::uint8_t(code) : 0x80);
            continue;
        }
        SessionSubscription ss;
        ss.options = t.options;
        ss.options.qos = std::uint8_t(code);
        ss.identifier = identifier;
        const QByteArray filter(t.filter.constData(), t.filter.size()); // own copy, not a slice
        const bool isNew = m_core.addSubscription(s, filter, ss);
        s.subscriptions.insert(filter, ss);
        granted.append({filter, ss, isNew});
        ack.reasonCodes.append(std::uint8_t(code));
    }
    const QList<std::uint8_t> codes = ack.reasonCodes;
    const quint64 ackStart = c.outBase + quint64(c.out.size());
    send(c, Packet(std::move(ack)));
    if (hooked(HookEvent::OnSubscribed)) {
        hooks.each(HookEvent::OnSubscribed, [&](Hook &h) { h.onSubscribed(c.info, sub, codes); });
        holdFrom(c, ackStart); // the SUBACK leaves once what the hooks wrote is durable
    }
    // Retained messages after the SUBACK [MQTT-3.8.4-?], per Retain Handling.
    for (const NewSub &g : granted) {
        if (isSharedFilter(g.filter)) continue; // never for shared subscriptions [MQTT-3.8.4-?]
        if (g.sub.options.retainHandling == 2) continue;
        if (g.sub.options.retainHandling == 1 && !g.isNew) continue;
        sendRetained(s, g.filter, g.sub);
    }
}

void Worker::sendRetained(Session &s, const QByteArray &filter, const SessionSubscription &sub)
{
    const qint64 now = nowMs();
    std::vector<MessagePtr> found;
    {
        std::shared_lock lock(m_core.retainedLock);
        m_core.retained.match(filter, now, [&](const topics::RetainedStore::Entry &e) {
            auto m = std::make_shared<Message>();
            m->publish = e.message;
            m->createdAtMs = e.storedAtMs;
            m->expiresAtMs = e.expiresAtMs;
            found.push_back(std::move(m));
        });
    }
    for (MessagePtr &m : found) {
        if (!mayRead(s, m->publish.topic)) continue;
        Delivery d;
        d.session = s.shared_from_this();
        d.out.setMessage(std::move(m));
        d.out.qos = std::min(d.out.message()->publish.qos, sub.options.qos);
        d.out.retain = true; // retained on subscribe keeps its flag [MQTT-3.3.1-8]
        if (sub.identifier) d.out.subscriptionIds.append(sub.identifier);
        const MessagePtr message = d.out.message();
        deliverLocal(std::move(d), true);
        if (hooked(HookEvent::OnRetainPublished))
            m_core.hooks.each(HookEvent::OnRetainPublished,
                              [&](Hook &h) { h.onRetainPublished(s.client, message->publish); });
    }
}

void Worker::handleUnsubscribe(Connection &c, const QByteArray &body)
{
    Unsubscribe u;
    if (Error e = decodeUnsubscribe(body, c.version, u)) {
        disconnectWithReason(c, e.code, e.message);
        return;
    }
    const HookChain &hooks = m_core.hooks;
    if (hooked(HookEvent::OnUnsubscribe))
        hooks.each(HookEvent::OnUnsubscribe, [&](Hook &h) { h.onUnsubscribe(c.info, u); });
    Session &s = *c.session;
    SubackLike ack;
    ack.type = PacketType::Unsuback;
    ack.packetId = u.packetId;
    for (const QByteArray &filter : u.filters) {
        const bool existed = s.subscriptions.remove(filter) > 0;
        if (existed) m_core.removeSubscription(s, filter);
        ack.reasonCodes.append(
            std::uint8_t(existed ? ReasonCode::Success : ReasonCode::NoSubscriptionExisted));
    }
    const quint64 ackStart = c.outBase + quint64(c.out.size());
    send(c, Packet(std::move(ack)));
    if (hooked(HookEvent::OnUnsubscribed)) {
        hooks.each(HookEvent::OnUnsubscribed, [&](Hook &h) { h.onUnsubscribed(c.info, u); });
        holdFrom(c, ackStart);
    }
}

// ---- DISCONNECT / AUTH -------------------------------------------------------------------

void Worker::handleDisconnect(Connection &c, const QByteArray &body)
{
    Disconnect d;
    if (Error e = decodeDisconnect(body, c.version, d)) {
        disconnectWithReason(c, e.code, e.message);
        return;
    }
    Session &s = *c.session;
    if (isV5(c.version) && d.properties.has(PropertyId::SessionExpiryInterval)) {
        if (s.expiryInterval == 0 && d.properties.sessionExpiryInterval != 0) {
            // [MQTT-3.14.2-2] cannot turn a zero expiry into a non-zero one.
            disconnectWithReason(c, ReasonCode::ProtocolError,
                                 "session expiry set on DISCONNECT after 0 [MQTT-3.14.2-2]");
            return;
        }
        s.expiryInterval =
            std::min(d.properties.sessionExpiryInterval, m_core.caps().maximumSessionExpiryInterval);
    }
    const bool withWill =
        isV5(c.version) && d.reasonCode == std::uint8_t(ReasonCode::DisconnectWithWillMessage);
    if (!withWill) s.will.reset(); // normal DISCONNECT discards the will [MQTT-3.14.4-3]
    c.normalDisconnect = true;
    c.disconnectReason = d.reasonCode;
    closeConnection(c, withWill);
}

void Worker::handleAuth(Connection &c, const QByteArray &body)
{
    Auth a;
    if (Error e = decodeAuth(body, c.version, a)) {
        disconnectWithReason(c, e.code, e.message);
        return;
    }
    if (c.authMethod.isEmpty()) {
        // No authentication method at CONNECT: AUTH is a protocol error [MQTT-4.12.0-1].
        disconnectWithReason(c, ReasonCode::ProtocolError,
                             "AUTH without an authentication method [MQTT-4.12.0-1]");
        return;
    }
    if (a.properties.authenticationMethod != c.authMethod) {
        disconnectWithReason(c, ReasonCode::ProtocolError,
                             "AUTH with another authentication method [MQTT-4.12.0-5]");
        return;
    }
    const auto reason = ReasonCode(a.reasonCode);
    const bool expected = c.pendingConnect ? reason == ReasonCode::ContinueAuthentication
                                           : (reason == ReasonCode::ReAuthenticate ||
                                              reason == ReasonCode::ContinueAuthentication);
    if (!expected) {
        disconnectWithReason(c, ReasonCode::ProtocolError, "unexpected AUTH reason code [MQTT-4.12.0-2]");
        return;
    }
    runAuthExchange(c, std::move(a));
}

// ---- session end -------------------------------------------------------------------------

void Worker::detachSession(Connection &c, bool abnormal)
{
    if (!c.session) return;
    SessionPtr s = std::move(c.session);
    c.session.reset();
    if (s->connection != &c) return; // already taken over
    s->connection = nullptr;
    s->disconnectedAtMs = nowMs();
    m_core.counters.clientsConnected.fetch_sub(1, std::memory_order_relaxed);
    if (hooked(HookEvent::OnDisconnect)) {
        const auto reason =
            c.disconnectReason ? ReasonCode(*c.disconnectReason) : ReasonCode::UnspecifiedError;
        const bool expire = s->expiryInterval == 0;
        m_core.hooks.each(HookEvent::OnDisconnect, [&](Hook &h) { h.onDisconnect(c.info, reason, expire); });
    }
    if (!abnormal) s->will.reset();
    if (s->will) {
        const std::uint32_t delay = isV5(s->version) ? s->will->properties.willDelayInterval : 0;
        const std::uint32_t due = std::min(delay, s->expiryInterval);
        if (due == 0)
            fireWill(*s);
        else
            s->willDueAtMs = s->disconnectedAtMs + qint64(due) * 1000;
    }
    handOffShared(*s);
    if (s->expiryInterval == 0) {
        endSession(s);
    } else if (m_core.cluster && s->willDueAtMs == 0) {
        parkSession(s); // resumable on any node; a delayed will is sent here first (checkSessions)
    } else {
        persistSession(*s);
        m_offline.push_back(s);
    }
    flushRouted();
}

// A member of a shared subscription left: its queued and unacknowledged messages from
// shared subscriptions go to another member of the same group, if there is one
// (MQTT 5 section 4.8.2). Messages already PUBREC'd stay: the client has them.
void Worker::handOffShared(Session &s)
{
    auto reroute = [&](const Outgoing &o) {
        Delivery d;
        if (!m_core.rerouteShared(o.message(), o.sharedFilter, s.key(), d)) return false;
        Worker *home = d.session->home.load(std::memory_order_acquire);
        if (home == this)
            deliverLocal(std::move(d));
        else
            m_routed[home->index()].push_back(std::move(d));
        return true;
    };
    for (auto it = s.pending.begin(); it != s.pending.end();) {
        if (!it->sharedFilter.isEmpty() && reroute(*it)) {
            persistDone(s, it->storeSeq);
            it = s.pending.erase(it);
        } else
            ++it;
    }
    for (auto it = s.inflight.begin(); it != s.inflight.end();) {
        if (!it->out.sharedFilter.isEmpty() && it->state != InflightOut::State::AwaitPubcomp &&
            reroute(it->out)) {
            persistDone(s, it->out.storeSeq);
            s.usedPacketIds.remove(it->packetId);
            --m_traffic.inflight;
            it = s.inflight.erase(it);
        } else {
            ++it;
        }
    }
}

void Worker::fireWill(Session &s)
{
    const std::unique_ptr<Will> will = std::move(s.will); // fired at most once
    s.willDueAtMs = 0;
    if (!will) return;
    const HookChain &hooks = m_core.hooks;
    if (hooked(HookEvent::OnWill) && !hooks.onWill(s.client, *will)) return; // suppressed
    if (!hooks.aclAllows(s.client, will->topic, true)) {
        qCInfo(lcProtocol).noquote() << "will of" << QString::fromUtf8(s.clientId) << "not allowed on"
                                     << QString::fromUtf8(will->topic);
        return;
    }
    auto message = std::make_shared<Message>();
    Publish &p = message->publish;
    p.topic = will->topic;
    p.payload = will->payload;
    p.qos = will->qos;
    p.retain = will->retain;
    p.properties = will->properties;
    p.properties.clear(PropertyId::WillDelayInterval);
    p.properties.willDelayInterval = 0;
    stampFromClient(*message, s, nowMs());
    qCDebug(lcProtocol).noquote() << "will of" << QString::fromUtf8(s.clientId) << "published";
    if (message->publish.retain) retainFromClient(s.client, message);
    publishMessage(message);
    if (hooked(HookEvent::OnWillSent))
        hooks.each(HookEvent::OnWillSent, [&](Hook &h) { h.onWillSent(s.client, message->publish); });
}

// Removes the session for good: registry, subscriptions, queued messages.
void Worker::endSession(const SessionPtr &s)
{
    if (s->expired) return;
    fireWill(*s); // a will still waiting for its delay goes out when the session ends
    handOffShared(*s);
    s->expired = true;
    bool current = false;
    {
        std::lock_guard lock(m_core.registryLock);
        auto it = m_core.registry.find(s->clientId);
        if (it != m_core.registry.end() && it->get() == s.get()) {
            m_core.registry.erase(it);
            m_core.counters.clientsTotal.fetch_sub(1, std::memory_order_relaxed);
            current = true;
        }
    }
    if (current && m_core.cluster) m_core.cluster->sessionEnded(s->clientId);
    // A session replaced by a clean start had its stored state removed then already.
    if (s->persistent.exchange(false, std::memory_order_relaxed) && current &&
        hooked(HookEvent::OnSessionEnded))
        m_core.hooks.each(HookEvent::OnSessionEnded, [&](Hook &h) { h.onSessionEnded(s->clientId); });
    m_core.removeAllSubscriptions(*s);
    s->subscriptions.clear();
    // What the session still held is lost with it: counted and reported, never silent.
    for (const InflightOut &f : s->inflight)
        dropped(*s, f.out, true);
    for (const Outgoing &o : s->pending)
        dropped(*s, o, false);
    m_traffic.inflight -= qint64(s->inflight.size());
    s->inflight.clear();
    s->pending.clear();
    s->usedPacketIds.clear();
    s->inboundQos2.clear();
    std::erase(m_offline, s);
}

// Cluster mode: the session leaves this node for Redis with its subscriptions and its QoS 1/2
// messages (queued, and unacknowledged ones, which go out again as new deliveries when it is
// resumed; ones already PUBREC'd stay behind: the client has them). Here it ends without
// counting its messages as dropped.
void Worker::parkSession(const SessionPtr &s)
{
    if (s->expired || s->connection) return;
    ParkedSession p;
    p.clientId = s->clientId;
    p.username = s->client.username;
    p.version = s->version;
    p.expiryInterval = s->expiryInterval;
    p.disconnectedAtMs = s->disconnectedAtMs;
    for (auto it = s->subscriptions.cbegin(); it != s->subscriptions.cend(); ++it)
        p.subscriptions.append({it.key(), it.value()});
    p.inboundQos2 = s->inboundQos2.values();
    for (const InflightOut &f : s->inflight)
        if (f.state != InflightOut::State::AwaitPubcomp) p.messages.push_back(f.out);
    for (const Outgoing &o : s->pending)
        if (o.qos > 0) p.messages.push_back(o);
    for (Outgoing &o : p.messages) {
        persistDone(*s, o.storeSeq);
        o.storeSeq = 0;
    }
    m_traffic.inflight -= qint64(s->inflight.size());
    s->inflight.clear();
    s->pending.clear();
    s->usedPacketIds.clear();
    s->will.reset();
    s->willDueAtMs = 0;
    // Subscriptions leave the route table before the session is parked: from then on the
    // cluster's parked-session table routes its messages into Redis.
    m_core.cluster->park(std::move(p));
    endSession(s);
}

// ---- persistence events -----------------------------------------------------------------

void Worker::persistSession(const Session &s)
{
    if (!hooked(HookEvent::OnSessionUpdated) || !s.persistent.load(std::memory_order_relaxed)) return;
    StoredClient r;
    r.clientId = s.clientId;
    r.username = s.client.username;
    r.version = s.version;
    r.sessionExpiryInterval = s.expiryInterval;
    r.disconnectedAtMs = s.disconnectedAtMs;
    r.hasWill = bool(s.will);
    if (s.will) r.will = *s.will;
    m_core.hooks.each(HookEvent::OnSessionUpdated, [&](Hook &h) { h.onSessionUpdated(r); });
}

// Gives a QoS 1/2 delivery to a persistent session its storage sequence and tells the hooks.
// Any worker (the session may live elsewhere; only its const id and atomic flag are read).
void Worker::persistQueued(Delivery &d)
{
    if (!hooked(HookEvent::OnMessageQueued) || d.out.qos == 0 || d.out.storeSeq ||
        !d.session->persistent.load(std::memory_order_relaxed))
        return;
    d.out.storeSeq = m_core.messageSequence.fetch_add(1, std::memory_order_relaxed) + 1;
    QueuedMessage m;
    m.clientId = d.session->clientId;
    m.sequence = d.out.storeSeq;
    m.qos = d.out.qos;
    m.retainFlag = d.out.retain;
    m.subscriptionIds = d.out.subscriptionIds;
    m.message = d.out.message();
    m_core.hooks.each(HookEvent::OnMessageQueued, [&](Hook &h) { h.onMessageQueued(m); });
}

void Worker::persistDone(const Session &s, std::uint64_t storeSeq)
{
    if (storeSeq == 0 || !hooked(HookEvent::OnMessageDone)) return;
    m_core.hooks.each(HookEvent::OnMessageDone, [&](Hook &h) { h.onMessageDone(s.clientId, storeSeq); });
}

void Worker::checkSessions(qint64 now)
{
    std::vector<SessionPtr> ending;
    std::vector<SessionPtr> parking;
    for (const SessionPtr &s : m_offline) {
        if (s->willDueAtMs && s->willDueAtMs <= now) {
            fireWill(*s);
            persistSession(*s); // the will is gone from the stored session too
            if (m_core.cluster) parking.push_back(s);
        }
        // Drop queued messages that expired while the client is away (oldest first).
        while (!s->pending.empty() && s->pending.front().message()->expiresAtMs &&
               s->pending.front().message()->expiresAtMs <= now) {
            dropped(*s, s->pending.front(), false);
            s->pending.pop_front();
        }
        s->pending.release();
        s->inflight.release();
        if (s->expiryInterval != kNeverExpires &&
            now - s->disconnectedAtMs >= qint64(s->expiryInterval) * 1000)
            ending.push_back(s);
    }
    for (const SessionPtr &s : parking)
        if (std::find(ending.begin(), ending.end(), s) == ending.end()) parkSession(s);
    for (const SessionPtr &s : ending) {
        endSession(s);
        if (hooked(HookEvent::OnClientExpired))
            m_core.hooks.each(HookEvent::OnClientExpired, [&](Hook &h) { h.onClientExpired(s->clientId); });
    }
}

} // namespace petrel
