#include "test_client.h"

#include "packets/codec.h"

#include <QAtomicInteger>
#include <QDateTime>
#include <QRandomGenerator>

namespace petrel::test {

using namespace petrel::packets;

// ---- builders ----------------------------------------------------------------------------

Connect makeConnect(ProtocolVersion version, const QByteArray &clientId, bool cleanStart, quint16 keepAlive)
{
    Connect c;
    c.version = version;
    c.protocolName = version == ProtocolVersion::V31 ? QByteArray("MQIsdp") : QByteArray("MQTT");
    c.clientId = clientId;
    c.cleanStart = cleanStart;
    c.keepAlive = keepAlive;
    return c;
}

Publish makePublish(const QByteArray &topic, const QByteArray &payload, quint8 qos, bool retain)
{
    Publish p;
    p.topic = topic;
    p.payload = payload;
    p.qos = qos;
    p.retain = retain;
    return p;
}

TopicSubscription makeSubscription(const QByteArray &filter, quint8 qos)
{
    TopicSubscription s;
    s.filter = filter;
    s.options.qos = qos;
    return s;
}

QByteArray uniqueName(const QByteArray &prefix)
{
    static QAtomicInteger<quint32> counter;
    static const QByteArray run = QByteArray::number(QRandomGenerator::global()->generate() & 0xFFFFF, 36);
    // Short enough for MQTT 3.1's 23-character client id limit with a prefix of up to 10.
    return prefix.left(10) + '-' + run + '-' + QByteArray::number(counter.fetchAndAddRelaxed(1) + 1, 36);
}

QByteArray uniqueTopic(const QByteArray &suffix)
{
    return "petrel-test/" + uniqueName("t") + suffix;
}

const char *versionTag(ProtocolVersion v)
{
    switch (v) {
    case ProtocolVersion::V31:
        return "v3.1";
    case ProtocolVersion::V311:
        return "v3.1.1";
    case ProtocolVersion::V5:
        return "v5";
    }
    return "v?";
}

void addVersionRows(std::initializer_list<ProtocolVersion> versions)
{
    QTest::addColumn<int>("version");
    for (auto v : versions)
        QTest::newRow(versionTag(v)) << int(v);
}

// ---- the client --------------------------------------------------------------------------

TestClient::TestClient(QByteArray name, ProtocolVersion version) : m_name(std::move(name)), m_version(version)
{
}

TestClient::~TestClient()
{
    m_socket.abort();
}

bool TestClient::fail(const QString &message)
{
    m_lastError = QString::fromUtf8(m_name) + QLatin1String(": ") + message;
    qWarning().noquote() << m_lastError;
    return false;
}

bool TestClient::connectTcp(quint16 port, const QHostAddress &address, int timeoutMs)
{
    m_buffer.clear();
    m_rawFrames.clear();
    m_queue.clear();
    m_socket.abort();
    m_socket.connectToHost(address, port);
    if (!m_socket.waitForConnected(timeoutMs))
        return fail(QStringLiteral("cannot connect to %1:%2: %3")
                        .arg(address.toString())
                        .arg(port)
                        .arg(m_socket.errorString()));
    m_socket.setSocketOption(QAbstractSocket::LowDelayOption, 1);
    return true;
}

bool TestClient::isOpen() const
{
    return m_socket.state() == QAbstractSocket::ConnectedState;
}

bool TestClient::send(const Packet &p)
{
    return send(p, m_version);
}

// PETREL_TEST_TRACE=1 prints every packet a TestClient sends and receives.
static bool traceEnabled()
{
    static const bool on = qEnvironmentVariableIsSet("PETREL_TEST_TRACE");
    return on;
}

bool TestClient::send(const Packet &p, ProtocolVersion v)
{
    if (traceEnabled()) qDebug().noquote() << m_name << "->" << describe(p);
    QByteArray bytes;
    encodePacket(p, v, bytes);
    return sendRaw(bytes);
}

bool TestClient::sendRaw(const QByteArray &bytes)
{
    if (!isOpen()) return fail(QStringLiteral("cannot send: not connected"));
    if (m_socket.write(bytes) != bytes.size())
        return fail(QStringLiteral("write failed: ") + m_socket.errorString());
    QDeadlineTimer deadline(kTimeoutMs);
    while (m_socket.bytesToWrite() > 0) {
        if (!m_socket.waitForBytesWritten(int(std::max<qint64>(1, deadline.remainingTime()))) ||
            deadline.hasExpired())
            return m_socket.bytesToWrite() == 0 ||
                   fail(QStringLiteral("write did not complete: ") + m_socket.errorString());
    }
    return true;
}

void TestClient::close()
{
    m_socket.abort();
}

bool TestClient::disconnect(quint8 reasonCode, const Properties &props)
{
    Disconnect d;
    d.reasonCode = reasonCode;
    d.properties = props;
    const bool sent = send(d);
    // Let the server close first (it should, on DISCONNECT): then it has processed the
    // DISCONNECT before the test reconnects with the same client id.
    QDeadlineTimer deadline(1000);
    while (sent && isOpen() && !deadline.hasExpired())
        readMore(deadline);
    m_socket.abort();
    return sent;
}

bool TestClient::readMore(const QDeadlineTimer &deadline)
{
    if (m_socket.bytesAvailable() > 0) {
        m_buffer += m_socket.readAll();
        return true;
    }
    if (m_socket.state() != QAbstractSocket::ConnectedState) return false;
    const int wait = int(std::max<qint64>(1, deadline.remainingTime()));
    m_socket.waitForReadyRead(wait);
    // Data that arrived together with the close is still readable.
    if (m_socket.bytesAvailable() > 0) {
        m_buffer += m_socket.readAll();
        return true;
    }
    return false;
}

bool TestClient::decodeBuffered()
{
    for (;;) {
        const Frame f = readFrame(m_buffer, 0);
        if (f.status == Frame::Status::NeedMore) return true;
        if (f.status == Frame::Status::Error) {
            const QByteArray head = m_buffer.left(16).toHex(' ');
            m_buffer.clear();
            return fail(QStringLiteral("bad fixed header from server (%1): %2")
                            .arg(QLatin1String(f.error.message), QLatin1String(head)));
        }
        m_rawFrames << m_buffer.left(f.totalLength());
        m_buffer.remove(0, f.totalLength());
    }
}

std::optional<Packet> TestClient::take(const QDeadlineTimer &deadline)
{
    for (;;) {
        if (!m_queue.isEmpty()) return m_queue.takeFirst();
        if (!decodeBuffered()) return std::nullopt;
        if (!m_rawFrames.isEmpty()) {
            const QByteArray raw = m_rawFrames.takeFirst();
            const Frame f = readFrame(raw, 0);
            const QByteArray body = raw.mid(f.headerLength);
            Packet p;
            if (const Error e = decodePacket(f.firstByte, body, m_version, p)) {
                fail(QStringLiteral("cannot decode %1 as %2 (%3: %4): %5")
                         .arg(QLatin1String(packetTypeName(f.type())), QLatin1String(versionTag(m_version)),
                              QLatin1String(reasonName(e.code)), QLatin1String(e.message),
                              QLatin1String(raw.left(64).toHex(' '))));
                return std::nullopt;
            }
            if (traceEnabled()) qDebug().noquote() << m_name << "<-" << describe(p);
            return p;
        }
        if (!readMore(deadline)) return std::nullopt;
    }
}

std::optional<Packet> TestClient::receive(int timeoutMs)
{
    QDeadlineTimer deadline(timeoutMs);
    const QString before = m_lastError;
    auto p = take(deadline);
    if (!p && m_lastError == before) {
        if (isOpen())
            fail(QStringLiteral("no packet within %1 ms").arg(timeoutMs));
        else
            fail(QStringLiteral("connection closed by server, no packet"));
    }
    return p;
}

std::optional<Packet> TestClient::poll(int timeoutMs)
{
    return take(QDeadlineTimer(timeoutMs));
}

std::optional<QByteArray> TestClient::receiveRaw(int timeoutMs)
{
    QDeadlineTimer deadline(timeoutMs);
    if (!m_queue.isEmpty()) {
        fail(QStringLiteral("receiveRaw: packets were already decoded"));
        return std::nullopt;
    }
    for (;;) {
        if (!decodeBuffered()) return std::nullopt;
        if (!m_rawFrames.isEmpty()) return m_rawFrames.takeFirst();
        if (!readMore(deadline)) {
            fail(isOpen() ? QStringLiteral("no packet within %1 ms").arg(timeoutMs)
                          : QStringLiteral("connection closed by server, no packet"));
            return std::nullopt;
        }
    }
}

std::optional<Ack> TestClient::receiveAck(PacketType type, int timeoutMs)
{
    auto p = receive(timeoutMs);
    if (!p) return std::nullopt;
    if (auto *a = std::get_if<Ack>(&*p); a && a->type == type) return *a;
    fail(QStringLiteral("expected %1, got %2")
             .arg(QLatin1String(packetTypeName(type)), QString::fromUtf8(describe(*p))));
    return std::nullopt;
}

std::optional<SubackLike> TestClient::receiveSuback(PacketType type, int timeoutMs)
{
    auto p = receive(timeoutMs);
    if (!p) return std::nullopt;
    if (auto *a = std::get_if<SubackLike>(&*p); a && a->type == type) return *a;
    fail(QStringLiteral("expected %1, got %2")
             .arg(QLatin1String(packetTypeName(type)), QString::fromUtf8(describe(*p))));
    return std::nullopt;
}

bool TestClient::expectNoPacket(int ms)
{
    QDeadlineTimer deadline(ms);
    for (;;) {
        if (!m_queue.isEmpty() || !m_rawFrames.isEmpty()) break;
        if (!decodeBuffered()) return false;
        if (!m_rawFrames.isEmpty()) break;
        if (deadline.hasExpired()) return true;
        if (!readMore(deadline)) {
            if (!isOpen()) return true;
            if (deadline.hasExpired()) return true;
        }
    }
    auto p = take(QDeadlineTimer(0));
    return fail(QStringLiteral("expected no packet, got %1")
                    .arg(p ? QString::fromUtf8(describe(*p)) : QStringLiteral("garbage")));
}

bool TestClient::waitDisconnected(int timeoutMs)
{
    QDeadlineTimer deadline(timeoutMs);
    while (isOpen()) {
        if (deadline.hasExpired())
            return fail(QStringLiteral("server did not close the connection within %1 ms").arg(timeoutMs));
        readMore(deadline);
    }
    if (m_socket.bytesAvailable() > 0) m_buffer += m_socket.readAll();
    return true;
}

bool TestClient::expectServerDisconnect(std::optional<quint8> v5Reason, bool disconnectOptional,
                                        int timeoutMs)
{
    QDeadlineTimer deadline(timeoutMs);
    const bool expectPacket = v5Reason && isV5(m_version);
    // Anything queued before this call was already there: look at what comes next.
    const QString before = m_lastError;
    auto p = take(deadline);
    if (p) {
        if (!expectPacket)
            return fail(QStringLiteral("expected the connection to be closed without a packet, got %1")
                            .arg(QString::fromUtf8(describe(*p))));
        auto *d = std::get_if<Disconnect>(&*p);
        if (!d || d->reasonCode != *v5Reason)
            return fail(QStringLiteral("expected DISCONNECT 0x%1, got %2")
                            .arg(*v5Reason, 2, 16, QLatin1Char('0'))
                            .arg(QString::fromUtf8(describe(*p))));
    } else {
        if (m_lastError != before) return false; // undecodable bytes
        if (isOpen())
            return fail(QStringLiteral("server did not close the connection within %1 ms").arg(timeoutMs));
        if (expectPacket && !disconnectOptional)
            return fail(QStringLiteral("expected DISCONNECT 0x%1 before the close, the server just closed")
                            .arg(*v5Reason, 2, 16, QLatin1Char('0')));
        return true;
    }
    if (!waitDisconnected(int(std::max<qint64>(1, deadline.remainingTime())))) return false;
    auto extra = take(QDeadlineTimer(0));
    if (extra)
        return fail(QStringLiteral("packet after DISCONNECT: %1").arg(QString::fromUtf8(describe(*extra))));
    return true;
}

// ---- conversations -----------------------------------------------------------------------

template <class Match>
std::optional<Packet> TestClient::awaitReply(Match match, const char *what, int timeoutMs)
{
    QDeadlineTimer deadline(timeoutMs);
    QList<Packet> publishes; // arrived while waiting: requeued in order
    std::optional<Packet> result;
    const QString before = m_lastError;
    for (;;) {
        auto p = take(deadline);
        if (!p) {
            if (m_lastError == before)
                fail(isOpen() ? QStringLiteral("no %1 within %2 ms").arg(QLatin1String(what)).arg(timeoutMs)
                              : QStringLiteral("connection closed by server while waiting for %1")
                                    .arg(QLatin1String(what)));
            break;
        }
        if (match(*p)) {
            result = std::move(p);
            break;
        }
        if (std::holds_alternative<Publish>(*p)) {
            publishes << *p;
            continue;
        }
        fail(QStringLiteral("expected %1, got %2").arg(QLatin1String(what), QString::fromUtf8(describe(*p))));
        break;
    }
    m_queue = publishes + m_queue;
    return result;
}

quint16 TestClient::nextPacketId()
{
    if (++m_packetId == 0) m_packetId = 1;
    return m_packetId;
}

std::optional<Connack> TestClient::connect(const Connect &c, int timeoutMs)
{
    m_version = c.version;
    if (!send(c)) return std::nullopt;
    auto p = receive(timeoutMs);
    if (!p) return std::nullopt;
    if (auto *ack = std::get_if<Connack>(&*p)) return *ack;
    fail(QStringLiteral("expected CONNACK, got %1").arg(QString::fromUtf8(describe(*p))));
    return std::nullopt;
}

std::optional<Connack> TestClient::open(quint16 port, const Connect &c)
{
    if (!connectTcp(port)) return std::nullopt;
    auto ack = connect(c);
    if (ack && ack->reasonCode != 0) {
        fail(QStringLiteral("connection refused: %1").arg(QString::fromUtf8(describe(*ack))));
        return std::nullopt;
    }
    return ack;
}

std::optional<SubackLike> TestClient::subscribe(const QByteArray &filter, quint8 qos, const Properties &props)
{
    Subscribe s;
    s.properties = props;
    s.topics << makeSubscription(filter, qos);
    return subscribe(std::move(s));
}

std::optional<SubackLike> TestClient::subscribe(Subscribe s)
{
    if (s.packetId == 0) s.packetId = nextPacketId();
    if (!send(s)) return std::nullopt;
    const quint16 id = s.packetId;
    auto p = awaitReply(
        [id](const Packet &p) {
            auto *a = std::get_if<SubackLike>(&p);
            return a && a->type == PacketType::Suback && a->packetId == id;
        },
        "SUBACK", kTimeoutMs);
    if (!p) return std::nullopt;
    return std::get<SubackLike>(*p);
}

std::optional<SubackLike> TestClient::unsubscribe(const QList<QByteArray> &filters, const Properties &props)
{
    Unsubscribe u;
    u.packetId = nextPacketId();
    u.filters = filters;
    u.properties = props;
    if (!send(u)) return std::nullopt;
    const quint16 id = u.packetId;
    auto p = awaitReply(
        [id](const Packet &p) {
            auto *a = std::get_if<SubackLike>(&p);
            return a && a->type == PacketType::Unsuback && a->packetId == id;
        },
        "UNSUBACK", kTimeoutMs);
    if (!p) return std::nullopt;
    return std::get<SubackLike>(*p);
}

bool TestClient::publish(const Publish &p)
{
    if (p.qos == 0 || p.packetId != 0) return send(p);
    Publish q = p;
    q.packetId = nextPacketId();
    return send(q);
}

static auto ackMatcher(PacketType type, quint16 id)
{
    return [type, id](const Packet &p) {
        auto *a = std::get_if<Ack>(&p);
        return a && a->type == type && a->packetId == id;
    };
}

std::optional<Ack> TestClient::publishQos1(Publish p, int timeoutMs)
{
    p.qos = 1;
    if (p.packetId == 0) p.packetId = nextPacketId();
    if (!send(p)) return std::nullopt;
    auto r = awaitReply(ackMatcher(PacketType::Puback, p.packetId), "PUBACK", timeoutMs);
    if (!r) return std::nullopt;
    return std::get<Ack>(*r);
}

std::optional<TestClient::Qos2Acks> TestClient::publishQos2(Publish p, int timeoutMs)
{
    p.qos = 2;
    if (p.packetId == 0) p.packetId = nextPacketId();
    if (!send(p)) return std::nullopt;
    auto rec = awaitReply(ackMatcher(PacketType::Pubrec, p.packetId), "PUBREC", timeoutMs);
    if (!rec) return std::nullopt;
    Ack rel;
    rel.type = PacketType::Pubrel;
    rel.packetId = p.packetId;
    if (!send(rel)) return std::nullopt;
    auto comp = awaitReply(ackMatcher(PacketType::Pubcomp, p.packetId), "PUBCOMP", timeoutMs);
    if (!comp) return std::nullopt;
    return Qos2Acks{std::get<Ack>(*rec), std::get<Ack>(*comp)};
}

bool TestClient::publishAndWait(const Publish &p, int timeoutMs)
{
    switch (p.qos) {
    case 0:
        return publish(p);
    case 1:
        return publishQos1(p, timeoutMs).has_value();
    default:
        return publishQos2(p, timeoutMs).has_value();
    }
}

bool TestClient::acknowledge(const Publish &p, int timeoutMs)
{
    if (p.qos == 0) return true;
    Ack a;
    a.packetId = p.packetId;
    if (p.qos == 1) {
        a.type = PacketType::Puback;
        return send(a);
    }
    a.type = PacketType::Pubrec;
    if (!send(a)) return false;
    if (!awaitReply(ackMatcher(PacketType::Pubrel, p.packetId), "PUBREL", timeoutMs)) return false;
    a.type = PacketType::Pubcomp;
    return send(a);
}

bool TestClient::ping(int timeoutMs)
{
    if (!send(Pingreq{})) return false;
    return awaitReply([](const Packet &p) { return std::holds_alternative<Pingresp>(p); }, "PINGRESP",
                      timeoutMs)
        .has_value();
}

} // namespace petrel::test
