// Incremental framing, decoding, validation and encoding of MQTT packets.
//
// The data path is:
//   bytes -> readFrame() on whatever is buffered (returns NeedMore until a whole packet is
//   there, checking the size limit BEFORE anything is allocated) -> the caller copies the
//   body into one QByteArray -> decode*() slices every field out of that one buffer.
// Encoding appends to a caller-owned QByteArray: size is computed first, the buffer grows
// once, fields are written in place (no per-field allocation).
#pragma once

#include "packets.h"

#include <QByteArray>
#include <QByteArrayView>

#include <cstdint>

namespace petrel::packets {

// ---- framing -------------------------------------------------------------------------

struct Frame {
    enum class Status : std::uint8_t { NeedMore, Complete, Error };
    Status status = Status::NeedMore;
    std::uint8_t firstByte = 0;        // type << 4 | flags
    std::uint32_t remainingLength = 0; // body size
    std::uint32_t headerLength = 0;    // 2..5 bytes of fixed header
    Error error;                       // when status == Error

    PacketType type() const { return PacketType(firstByte >> 4); }
    std::uint8_t flags() const { return firstByte & 0x0F; }
    std::uint32_t totalLength() const { return headerLength + remainingLength; }
};

// Reads the fixed header at the start of `buffer`. `maximumPacketSize` (whole packet,
// header included; 0 = no limit beyond the protocol's 268,435,460 bytes) is checked as soon
// as the remaining length is known, so an oversized packet is refused before its body
// arrives or any memory is reserved for it. Complete means buffer holds totalLength() bytes.
Frame readFrame(QByteArrayView buffer, std::uint32_t maximumPacketSize);

// Validates the fixed-header flags for a packet type [MQTT-2.1.3-1] and PUBLISH QoS 3
// [MQTT-3.3.1-4]. Returns MalformedPacket for reserved flag violations.
namespace detail {
Error fixedHeaderFlagsError(std::uint8_t firstByte); // the reason, for flags found wrong
}
inline Error checkFixedHeaderFlags(std::uint8_t firstByte)
{
    const std::uint8_t type = firstByte >> 4, flags = firstByte & 0x0F;
    bool valid = false;
    if (type == std::uint8_t(PacketType::Publish)) {
        const std::uint8_t qos = (flags >> 1) & 3;
        valid = qos != 3 && (qos != 0 || !(flags & 0x08));
    } else if (type == std::uint8_t(PacketType::Pubrel) || type == std::uint8_t(PacketType::Subscribe) ||
               type == std::uint8_t(PacketType::Unsubscribe)) {
        valid = flags == 0x02;
    } else {
        valid = type != 0 && flags == 0;
    }
    return valid ? ok() : detail::fixedHeaderFlagsError(firstByte);
}

// ---- decoding ------------------------------------------------------------------------
// `body` is the remaining-length bytes of one packet; decoded byte strings share it.
// `version` is the connection's negotiated protocol level (CONNECT carries its own).

Error decodeConnect(const QByteArray &body, Connect &out);
Error decodeConnack(const QByteArray &body, ProtocolVersion version, Connack &out);
Error decodePublish(std::uint8_t firstByte, const QByteArray &body, ProtocolVersion version, Publish &out);
// decodePublish() into a Publish that nobody has written to since it was default-constructed
// (the broker's new Message): the same checks, without the cost of resetting `out` first.
Error decodeNewPublish(std::uint8_t firstByte, const QByteArray &body, ProtocolVersion version, Publish &out);
Error decodeAck(std::uint8_t firstByte, const QByteArray &body, ProtocolVersion version, Ack &out);
// A PUBLISH read in place, for the broker's path that forwards a message without copying it:
// views into `body`, nothing allocated. It checks what decodeNewPublish() checks (the QoS
// from `firstByte`, the topic's length, UTF-8 and wildcards, the packet id) but the contents
// of the v5 properties, of which it only finds the extent: `properties` holds their bytes
// without the length in front. False where decodeNewPublish() reports an error; the caller
// leaves the reporting to it. `topicField` is the topic with its 2-byte length in front.
struct PublishView {
    QByteArrayView topicField;
    QByteArrayView topic;
    QByteArrayView properties;
    QByteArrayView payload;
    std::uint16_t packetId = 0;
};
bool readPublishInPlace(std::uint8_t firstByte, QByteArrayView body, ProtocolVersion version,
                        PublishView &out);
// An acknowledgement without its properties (validated all the same): what the broker needs of
// a PUBACK/PUBREC/PUBREL/PUBCOMP. The 2-byte form, by far the most common, builds no Ack.
struct AckFields {
    PacketType type = PacketType::Puback;
    std::uint16_t packetId = 0;
    std::uint8_t reasonCode = 0;
};
Error decodeAckFields(std::uint8_t firstByte, const QByteArray &body, ProtocolVersion version,
                      AckFields &out);
Error decodeSubscribe(const QByteArray &body, ProtocolVersion version, Subscribe &out);
Error decodeSuback(std::uint8_t firstByte, const QByteArray &body, ProtocolVersion version, SubackLike &out);
Error decodeUnsubscribe(const QByteArray &body, ProtocolVersion version, Unsubscribe &out);
Error decodeDisconnect(const QByteArray &body, ProtocolVersion version, Disconnect &out);
Error decodeAuth(const QByteArray &body, ProtocolVersion version, Auth &out);

// Decodes any packet (fixed-header flags checked too). For tests, tools and the fuzzer;
// the broker calls the typed functions directly.
Error decodePacket(std::uint8_t firstByte, const QByteArray &body, ProtocolVersion version, Packet &out);

// Convenience for whole packets in one buffer (fixed header + body): decodes the first
// packet and reports how many bytes it used. NeedMore is reported as MalformedPacket with
// consumed == 0 when `bytes` ends early.
Error decodeOne(const QByteArray &bytes, ProtocolVersion version, Packet &out, qsizetype *consumed = nullptr);

// ---- validation helpers (shared with the broker) --------------------------------------

// Well-formed UTF-8 with no U+0000 and no surrogates [MQTT-1.5.4-1], [MQTT-1.5.4-2].
bool isValidUtf8(QByteArrayView s);
// Topic name for PUBLISH: non-empty (unless allowEmpty for v5 alias use), no '+' or '#' [MQTT-3.3.2-2].
bool isValidTopicName(QByteArrayView topic, bool allowEmpty = false);
// A topic name of ASCII without U+0000, '+' or '#', as most are: valid UTF-8 and a valid topic
// name, checked eight bytes at a time. False says only "not that": check such a name in full.
bool isPlainAsciiTopicName(QByteArrayView topic);
// Topic filter: '#' only last and alone in its level, '+' alone in its level [MQTT-4.7.1-1/2].
// Shared subscriptions "$share/{group}/{filter}" need a non-empty group without wildcards
// and a non-empty filter [MQTT-4.8.2-1/2].
bool isValidTopicFilter(QByteArrayView filter);
bool isSharedFilter(QByteArrayView filter);

// ---- encoding ------------------------------------------------------------------------
// Each encoder appends one whole packet to `out` and returns the number of bytes written.
// Fields the version cannot carry (properties before v5, reason codes where v3 has none)
// are left out, which is how properties are downgraded for v3 clients.

qsizetype encodeConnect(const Connect &p, QByteArray &out);
qsizetype encodeConnack(const Connack &p, ProtocolVersion version, QByteArray &out);
qsizetype encodePublish(const Publish &p, ProtocolVersion version, QByteArray &out);
// The fixed-header flags and packet id of a PUBLISH, apart from the message they carry.
struct PublishHeader {
    std::uint8_t qos = 0;
    bool retain = false;
    bool dup = false;
    std::uint16_t packetId = 0;
};
// Encodes `p`'s topic, properties and payload under header `h` instead of p's own qos,
// retain, dup and packet id: how a stored message goes to a subscriber at its own QoS,
// without copying the Publish.
qsizetype encodePublish(const Publish &p, const PublishHeader &h, ProtocolVersion version, QByteArray &out);
qsizetype encodeAck(const Ack &p, ProtocolVersion version, QByteArray &out);
// An acknowledgement without properties, without building an Ack: 4 bytes, or 5 with a v5
// reason code [MQTT-3.4.2.1]. encodeAck() writes the same bytes for such an Ack.
qsizetype encodeAck(PacketType type, std::uint16_t packetId, std::uint8_t reasonCode, ProtocolVersion version,
                    QByteArray &out);
qsizetype encodeSubscribe(const Subscribe &p, ProtocolVersion version, QByteArray &out);
qsizetype encodeSuback(const SubackLike &p, ProtocolVersion version, QByteArray &out);
qsizetype encodeUnsubscribe(const Unsubscribe &p, ProtocolVersion version, QByteArray &out);
qsizetype encodePingreq(QByteArray &out);
qsizetype encodePingresp(QByteArray &out);
qsizetype encodeDisconnect(const Disconnect &p, ProtocolVersion version, QByteArray &out);
qsizetype encodeAuth(const Auth &p, ProtocolVersion version, QByteArray &out);
qsizetype encodePacket(const Packet &p, ProtocolVersion version, QByteArray &out);

// A PUBLISH with the topic and payload of `in`, RETAIN and DUP clear and no properties, at
// `qos` (with `packetId` when above 0), for a client of `version`: its size on the wire (0 if
// too large to encode), and the same appended to `out` (returns its size, 0 and nothing
// appended if too large).
inline qsizetype publishCopySize(const PublishView &in, std::uint8_t qos, ProtocolVersion version);
qsizetype encodePublishCopy(const PublishView &in, std::uint8_t qos, std::uint16_t packetId,
                            ProtocolVersion version, QByteArray &out);

// Size the PUBLISH would have on the wire (to check a client's Maximum Packet Size before
// encoding).
std::uint32_t publishWireSize(const Publish &p, ProtocolVersion version);

// Variable byte integer helpers.
constexpr int varIntSize(std::uint32_t value) // 1..4
{
    return value < 128u ? 1 : value < 16384u ? 2 : value < 2097152u ? 3 : 4;
}
constexpr std::uint32_t kMaxVarInt = 268435455; // largest remaining length

inline qsizetype publishCopySize(const PublishView &in, std::uint8_t qos, ProtocolVersion version)
{
    const std::uint64_t rest = std::uint64_t(in.topicField.size()) + std::uint64_t(in.payload.size()) +
                               (qos ? 2 : 0) + (isV5(version) ? 1 : 0);
    return rest > kMaxVarInt ? 0 : qsizetype(1 + varIntSize(std::uint32_t(rest)) + rest);
}

// Zero-copy slice of `whole` sharing its buffer (no allocation, one reference count).
QByteArray sharedSlice(const QByteArray &whole, qsizetype pos, qsizetype len);
// The same taking `whole`'s own reference (no reference count touched; `whole` is left empty).
QByteArray sharedSlice(QByteArray &&whole, qsizetype pos, qsizetype len);

} // namespace petrel::packets
