// fuzz_decoder: arbitrary bytes through the codec the way the broker uses it.
//
// Input: one setup byte (protocol version, see fuzz_common.h), then a byte stream. Every whole
// packet in the stream is framed with readFrame(), its body copied into one QByteArray (as
// the broker does) and decoded with decodePacket(). For each packet that decodes, these
// invariants must hold, or the target aborts (a crash for libFuzzer):
//   * decode(encode(p)) == p, and the re-decode consumes exactly the encoded bytes;
//   * encoding is canonical: encode(decode(encode(p))) == encode(p);
//   * encodePacket() returns the number of bytes it appended; for PUBLISH that equals
//     publishWireSize();
//   * a failed decode carries an MQTT 5 error reason code (>= 0x80) and a message;
//   * readFrame() refuses the packet with Packet Too Large when the limit is one byte short;
//   * for PUBLISH, readPublishInPlace() (the broker's in-place path) agrees with
//     decodeNewPublish(): it accepts every packet that decodes, with the same topic, payload
//     and packet id; every packet it accepts with a topic and no properties decodes; and its
//     copy (encodePublishCopy) is the general encoder's PUBLISH at each QoS, in every version.
#include "fuzz_common.h"
#include "packets/codec.h"
#include "support/packet_print.h"

#include <QByteArray>
#include <QByteArrayView>

#include <cstdint>
#include <cstdio>
#include <cstdlib>

using namespace petrel::packets;

namespace {

QByteArray hex(QByteArrayView bytes)
{
    return bytes.toByteArray().toHex(' ');
}

[[noreturn]] void fail(const char *what, QByteArrayView input, const Packet *first = nullptr,
                       const Packet *second = nullptr, QByteArrayView wire = {})
{
    std::fprintf(stderr, "fuzz_decoder: INVARIANT BROKEN: %s\n  input packet: %s\n", what,
                 hex(input).constData());
    if (first) std::fprintf(stderr, "  decoded:      %s\n", describe(*first).constData());
    if (!wire.isEmpty()) std::fprintf(stderr, "  re-encoded:   %s\n", hex(wire).constData());
    if (second) std::fprintf(stderr, "  re-decoded:   %s\n", describe(*second).constData());
    std::abort();
}

void checkRoundTrip(const Packet &p, ProtocolVersion version, QByteArrayView input)
{
    QByteArray wire;
    const qsizetype written = encodePacket(p, version, wire);
    if (written <= 0 || written != wire.size())
        fail("encodePacket() return value != bytes appended", input, &p);
    if (const auto *pub = std::get_if<Publish>(&p);
        pub && publishWireSize(*pub, version) != quint32(wire.size()))
        fail("publishWireSize() != encoded size", input, &p, nullptr, wire);

    Packet again;
    qsizetype consumed = -1;
    if (const Error e = decodeOne(wire, version, again, &consumed)) {
        std::fprintf(stderr, "  re-decode error: 0x%02x %s\n", unsigned(e.code), e.message);
        fail("decode(encode(p)) failed", input, &p, nullptr, wire);
    }
    if (consumed != wire.size())
        fail("decode(encode(p)) did not consume the whole packet", input, &p, &again, wire);
    if (!(again == p)) fail("decode(encode(p)) != p", input, &p, &again, wire);

    QByteArray wire2;
    encodePacket(again, version, wire2);
    if (wire2 != wire)
        fail("encoding is not canonical: encode(decode(encode(p))) != encode(p)", input, &p, &again, wire);
}

void checkInPlace(std::uint8_t firstByte, const QByteArray &body, ProtocolVersion version,
                  QByteArrayView input)
{
    Publish p;
    const Error e = decodeNewPublish(firstByte, body, version, p);
    PublishView v;
    const bool inPlace = readPublishInPlace(firstByte, body, version, v);
    if (!e && !inPlace) fail("readPublishInPlace() refused a PUBLISH that decodes", input);
    if (e && inPlace && !v.topic.isEmpty() && v.properties.isEmpty())
        fail("readPublishInPlace() accepted a PUBLISH that does not decode", input);
    if (e || !inPlace) return;
    if (v.topic != p.topic || v.payload != p.payload || v.packetId != p.packetId ||
        v.topicField != body.first(2 + p.topic.size()))
        fail("readPublishInPlace() read other fields than decodeNewPublish()", input);
    if (v.topic.isEmpty()) return; // a v5 topic alias: never copied in place
    for (ProtocolVersion to : {ProtocolVersion::V311, ProtocolVersion::V5})
        for (std::uint8_t qos : {0, 1, 2}) {
            QByteArray copy, expected;
            Publish q;
            q.topic = p.topic;
            q.payload = p.payload;
            q.qos = qos;
            q.packetId = qos ? std::uint16_t(0x8001 + p.packetId % 0x7FFF) : 0;
            const qsizetype n = encodePublishCopy(v, qos, q.packetId, to, copy);
            encodePacket(Packet(q), to, expected);
            if (copy != expected || n != copy.size() || publishCopySize(v, qos, to) != n)
                fail("encodePublishCopy() differs from the encoder's PUBLISH", input, nullptr, nullptr, copy);
        }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    if (size < 1) return 0;
    const ProtocolVersion version = petrel::fuzz::versionFromByte(data[0]);
    QByteArrayView stream(reinterpret_cast<const char *>(data + 1), qsizetype(size - 1));

    while (!stream.isEmpty()) {
        const Frame f = readFrame(stream, 0);
        if (f.status != Frame::Status::Complete) break; // NeedMore (truncated) or a bad length
        if (f.headerLength < 2 || f.headerLength > 5 || qsizetype(f.totalLength()) > stream.size())
            std::abort();
        const QByteArrayView packet = stream.first(f.totalLength());

        const Frame limited = readFrame(packet, f.totalLength() - 1);
        if (limited.status != Frame::Status::Error || limited.error.code != ReasonCode::PacketTooLarge)
            fail("readFrame() accepted a packet one byte over the maximum packet size", packet);

        const QByteArray body(packet.data() + f.headerLength, f.remainingLength); // the broker's copy
        if ((f.firstByte >> 4) == std::uint8_t(PacketType::Publish))
            checkInPlace(f.firstByte, body, version, packet);
        Packet p;
        if (const Error e = decodePacket(f.firstByte, body, version, p)) {
            if (quint8(e.code) < 0x80 || !e.message || !*e.message)
                fail("decode error without an error reason code and message", packet);
        } else {
            checkRoundTrip(p, version, packet);
        }
        stream = stream.sliced(f.totalLength());
    }
    return 0;
}
