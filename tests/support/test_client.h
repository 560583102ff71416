// TestClient: a small synchronous MQTT client for broker tests.
//
// Built on the codec (encode* / readFrame / decodePacket) and a QTcpSocket driven with
// blocking waits: the broker runs in its own threads, so blocking the test thread is fine.
// Every wait is bounded. Helpers return std::nullopt / false on failure, print one readable
// line (qWarning, prefixed with the client's name) and keep it in lastError(), so a test
// reads as `auto ack = c.receiveAck(PacketType::Puback); QVERIFY(ack);`.
//
// Packets arrive in one ordered queue. Acknowledgement helpers (publishQos1, subscribe, ...)
// step over PUBLISH packets that arrive while they wait and keep them queued, in order, for
// the next receive(); any other unexpected packet makes them fail.
#pragma once

#include "packet_print.h"
#include "packets/packets.h"

#include <QByteArray>
#include <QDeadlineTimer>
#include <QHostAddress>
#include <QList>
#include <QString>
#include <QTcpSocket>
#include <QTest>

#include <optional>

namespace petrel::test {

using packets::ProtocolVersion;

constexpr int kTimeoutMs = 3000; // default bound on one network wait
constexpr int kQuietMs = 300;    // how long "nothing arrives" is watched for by default

// ---- builders ----------------------------------------------------------------------------

// CONNECT for `version` ("MQIsdp" for 3.1). v5 sessions get Session Expiry 0 unless set.
packets::Connect makeConnect(ProtocolVersion version, const QByteArray &clientId, bool cleanStart = true,
                             quint16 keepAlive = 60);
packets::Publish makePublish(const QByteArray &topic, const QByteArray &payload, quint8 qos = 0,
                             bool retain = false);
packets::TopicSubscription makeSubscription(const QByteArray &filter, quint8 qos = 0);

// A name no earlier run used: client ids and topics stay distinct when tests share one
// external broker (retained messages and sessions outlive a test there).
QByteArray uniqueName(const QByteArray &prefix);
// "petrel-test/<unique>" + suffix: a topic subtree of the test's own.
QByteArray uniqueTopic(const QByteArray &suffix = {});

// Data-driven protocol versions: adds column "version" (int) and one row per version,
// named "v3.1", "v3.1.1", "v5".
void addVersionRows(std::initializer_list<ProtocolVersion> versions = {ProtocolVersion::V311,
                                                                       ProtocolVersion::V5});
const char *versionTag(ProtocolVersion v);

// ---- the client --------------------------------------------------------------------------

class TestClient {
public:
    explicit TestClient(QByteArray name = "client", ProtocolVersion version = ProtocolVersion::V311);
    ~TestClient();
    TestClient(const TestClient &) = delete;
    TestClient &operator=(const TestClient &) = delete;

    const QByteArray &name() const { return m_name; }
    ProtocolVersion version() const { return m_version; }
    // Version used to encode and decode; connect() sets it from the CONNECT.
    void setVersion(ProtocolVersion v) { m_version = v; }
    const QString &lastError() const { return m_lastError; }

    // ---- transport
    bool connectTcp(quint16 port, const QHostAddress &address = QHostAddress::LocalHost,
                    int timeoutMs = kTimeoutMs);
    // True while the TCP connection is up (the server has not closed it).
    bool isOpen() const;
    bool send(const packets::Packet &p);
    bool send(const packets::Packet &p, ProtocolVersion v);
    bool sendRaw(const QByteArray &bytes);
    // Abrupt close (no DISCONNECT): for wills and "client vanished" cases.
    void close();
    // Sends DISCONNECT (reason and properties only go on the wire in v5), waits up to 1 s for
    // the server to close the connection, then closes it.
    bool disconnect(quint8 reasonCode = 0, const packets::Properties &props = {});

    // ---- receiving
    std::optional<packets::Packet> receive(int timeoutMs = kTimeoutMs);
    // Like receive(), but silent when nothing comes: for "the server may send X" cases.
    std::optional<packets::Packet> poll(int timeoutMs = kTimeoutMs);
    // The raw bytes of the next whole packet (nothing is decoded).
    std::optional<QByteArray> receiveRaw(int timeoutMs = kTimeoutMs);
    // Next packet; fails (nullopt + message) if it is of another type.
    template <class T>
    std::optional<T> receiveAs(int timeoutMs = kTimeoutMs);
    // PUBACK/PUBREC/PUBREL/PUBCOMP share Ack, SUBACK/UNSUBACK share SubackLike: these check the type.
    std::optional<packets::Ack> receiveAck(packets::PacketType type, int timeoutMs = kTimeoutMs);
    std::optional<packets::SubackLike> receiveSuback(packets::PacketType type = packets::PacketType::Suback,
                                                     int timeoutMs = kTimeoutMs);
    std::optional<packets::Publish> receivePublish(int timeoutMs = kTimeoutMs)
    {
        return receiveAs<packets::Publish>(timeoutMs);
    }
    // True if no packet arrives within `ms` (a server close is fine, a packet is not).
    bool expectNoPacket(int ms = kQuietMs);
    // True once the server has closed the connection. Packets that arrive first stay queued.
    bool waitDisconnected(int timeoutMs = kTimeoutMs);
    // The server ends the connection: if `v5Reason` is set and the client speaks v5, a
    // DISCONNECT with that reason must come first (set `disconnectOptional` where the spec
    // lets the server just close); for v3 nothing may arrive before the close.
    bool expectServerDisconnect(std::optional<quint8> v5Reason, bool disconnectOptional = false,
                                int timeoutMs = kTimeoutMs);
    // Packets decoded but not yet returned by receive().
    qsizetype queuedPackets() const { return m_queue.size(); }

    // ---- conversations
    // Sends CONNECT (the client's version becomes c.version) and waits for CONNACK.
    std::optional<packets::Connack> connect(const packets::Connect &c, int timeoutMs = kTimeoutMs);
    // connectTcp + connect, failing unless the CONNACK accepts.
    std::optional<packets::Connack> open(quint16 port, const packets::Connect &c);
    std::optional<packets::SubackLike> subscribe(const QByteArray &filter, quint8 qos = 0,
                                                 const packets::Properties &props = {});
    std::optional<packets::SubackLike> subscribe(packets::Subscribe s); // packetId 0 = next id
    std::optional<packets::SubackLike> unsubscribe(const QList<QByteArray> &filters,
                                                   const packets::Properties &props = {});
    // QoS 0 publish (sends and returns). QoS > 0 with packetId 0 gets the next id.
    bool publish(const packets::Publish &p);
    // QoS 1: sends and waits for PUBACK.
    std::optional<packets::Ack> publishQos1(packets::Publish p, int timeoutMs = kTimeoutMs);
    // QoS 2: PUBLISH -> PUBREC -> PUBREL -> PUBCOMP; returns both acks.
    struct Qos2Acks {
        packets::Ack pubrec;
        packets::Ack pubcomp;
    };
    std::optional<Qos2Acks> publishQos2(packets::Publish p, int timeoutMs = kTimeoutMs);
    // Publishes at p.qos with the matching handshake; true when it completed.
    bool publishAndWait(const packets::Publish &p, int timeoutMs = kTimeoutMs);
    // Completes the receiver side for a PUBLISH the broker sent: QoS 1 PUBACK; QoS 2 PUBREC,
    // wait PUBREL, PUBCOMP. QoS 0 does nothing.
    bool acknowledge(const packets::Publish &p, int timeoutMs = kTimeoutMs);
    // PINGREQ -> PINGRESP.
    bool ping(int timeoutMs = kTimeoutMs);
    quint16 nextPacketId();

private:
    bool fail(const QString &message);
    // Decodes whole packets from m_buffer into m_queue; false on a decode error.
    bool decodeBuffered();
    // Reads more bytes, waiting until `deadline`; false if none came (timeout or closed).
    bool readMore(const QDeadlineTimer &deadline);
    std::optional<packets::Packet> take(const QDeadlineTimer &deadline);
    // Waits for a packet accepted by `match`, keeping PUBLISH packets queued in order.
    template <class Match>
    std::optional<packets::Packet> awaitReply(Match match, const char *what, int timeoutMs);

    QByteArray m_name;
    ProtocolVersion m_version;
    QTcpSocket m_socket;
    QByteArray m_buffer;            // bytes not yet framed
    QList<QByteArray> m_rawFrames;  // whole frames not yet decoded (receiveRaw)
    QList<packets::Packet> m_queue; // decoded, not yet returned
    QString m_lastError;
    quint16 m_packetId = 0;
};

template <class T>
std::optional<T> TestClient::receiveAs(int timeoutMs)
{
    auto p = receive(timeoutMs);
    if (!p) return std::nullopt;
    if (auto *v = std::get_if<T>(&*p)) return *v;
    fail(QStringLiteral("expected %1, got %2")
             .arg(QString::fromLatin1(packets::packetTypeName(packets::packetTypeOf(packets::Packet(T{})))),
                  QString::fromUtf8(packets::describe(*p))));
    return std::nullopt;
}

} // namespace petrel::test
