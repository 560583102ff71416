// MQTT 3.1 / 3.1.1 / 5 framing, decoding, validation and encoding.
//
// Decisions where the spec leaves the reason code open (documented once, used everywhere):
//  * A property identifier that is unknown, or known but not allowed on this packet type, is a
//    Malformed Packet (0x81), as MQTT 5 section 2.2.2.2 says: "A Control Packet which contains
//    an Identifier which is not valid for its packet type ... is a Malformed Packet".
//  * Duplicate properties and property values out of range are a Protocol Error (0x82), as the
//    text of each property says ("It is a Protocol Error to include ... more than once").
//  * A reason / return code the packet type does not define (e.g. PUBREL 0x10, v3.1.1 SUBACK
//    0x03, CONNACK return code 6) is a Protocol Error (0x82).
//  * A CONNECT whose protocol name does not match its level ("MQIsdp" for 3, "MQTT" for 4 and
//    5), or whose level is not 3, 4 or 5, is Unsupported Protocol Version (0x84): the broker
//    can answer it with CONNACK 0x84 (v5) or return code 0x01 (v3) [MQTT-3.1.2-1/2].
//  * v5 SUBSCRIBE options with QoS 3 or Retain Handling 3 are a Protocol Error (0x82), as MQTT 5
//    section 3.8.3.1 says; reserved option bits are Malformed (0x81) [MQTT-3.8.3-5]. Before v5
//    any reserved bit or QoS 3 is Malformed [MQTT-3-8.3-4].
//  * Packet type 15 (AUTH) before v5 and type 0 in every version are reserved: Malformed (0x81).
//  * A v5 AUTH with remaining length 1 is Malformed: only both the reason code and the property
//    length may be omitted (MQTT 5 section 3.15.2.1), unlike DISCONNECT which allows either.
//  * Topic Alias 0 is a Protocol Error (0x82) [MQTT-3.3.2-8]; alias > maximum is the broker's
//    check (0x94) since only it knows the negotiated maximum.
#include "codec.h"

#include <cstring>

namespace petrel::packets {

namespace {

using u8 = std::uint8_t;
using u16 = std::uint16_t;
using u32 = std::uint32_t;
using u64 = std::uint64_t;

constexpr Error malformed(const char *message)
{
    return {ReasonCode::MalformedPacket, message};
}
constexpr Error protocolError(const char *message)
{
    return {ReasonCode::ProtocolError, message};
}

// ---- bounds-checked readers: value + next offset; next < 0 means "past the end" ----------

template <typename T>
struct Read {
    T value{};
    qsizetype next = -1; // -1: not enough bytes; -2: variable byte integer longer than 4 bytes
    bool ok() const { return next >= 0; }
};

inline Read<u8> readByte(const u8 *data, qsizetype size, qsizetype pos)
{
    if (pos >= size) return {};
    return {data[pos], pos + 1};
}

inline Read<u16> readU16(const u8 *data, qsizetype size, qsizetype pos)
{
    if (size - pos < 2) return {};
    return {u16((data[pos] << 8) | data[pos + 1]), pos + 2};
}

inline Read<u32> readU32(const u8 *data, qsizetype size, qsizetype pos)
{
    if (size - pos < 4) return {};
    return {(u32(data[pos]) << 24) | (u32(data[pos + 1]) << 16) | (u32(data[pos + 2]) << 8) | data[pos + 3],
            pos + 4};
}

// Variable byte integer (MQTT 5 section 1.5.5). Non-minimal encodings are accepted; more than
// four bytes is malformed.
inline Read<u32> readVarInt(const u8 *data, qsizetype size, qsizetype pos)
{
    u32 value = 0;
    for (int i = 0; i < 4; ++i) {
        if (pos >= size) return {};
        const u8 b = data[pos++];
        value |= u32(b & 0x7F) << (7 * i);
        if (!(b & 0x80)) return {value, pos};
    }
    return {0, -2};
}

// Two-byte length + bytes, returned as a zero-copy slice of `whole`.
inline Read<QByteArray> readBinary(const QByteArray &whole, const u8 *data, qsizetype size, qsizetype pos)
{
    const Read<u16> len = readU16(data, size, pos);
    if (!len.ok() || size - len.next < len.value) return {};
    return {sharedSlice(whole, len.next, len.value), len.next + len.value};
}

// A cursor over one packet body; each method reads one field and advances only on success.
struct Decoder {
    const QByteArray &whole;
    const u8 *data;
    qsizetype size;
    qsizetype pos = 0;

    explicit Decoder(const QByteArray &body)
        : whole(body), data(reinterpret_cast<const u8 *>(body.constData())), size(body.size())
    {
    }

    qsizetype remaining() const { return size - pos; }
    bool atEnd() const { return pos >= size; }

    template <typename T>
    bool take(Read<T> r, T &out)
    {
        if (!r.ok()) return false;
        out = std::move(r.value);
        pos = r.next;
        return true;
    }
    bool byte(u8 &v) { return take(readByte(data, size, pos), v); }
    bool u16v(u16 &v) { return take(readU16(data, size, pos), v); }
    bool u32v(u32 &v) { return take(readU32(data, size, pos), v); }
    bool binary(QByteArray &v) { return take(readBinary(whole, data, size, pos), v); }
    // UTF-8 string: 0 = ok, 1 = past the end, 2 = ill-formed UTF-8
    int string(QByteArray &v)
    {
        if (!binary(v)) return 1;
        return isValidUtf8(v) ? 0 : 2;
    }
};

// ---- properties ----------------------------------------------------------------------

// Where a property may appear (MQTT 5 section 2.2.2.2, table 2-4).
enum Ctx : u16 {
    CConnect = 1 << 0,
    CConnack = 1 << 1,
    CPublish = 1 << 2,
    CWill = 1 << 3,
    CPubAck = 1 << 4, // PUBACK, PUBREC, PUBREL, PUBCOMP
    CSubscribe = 1 << 5,
    CSuback = 1 << 6,
    CUnsubscribe = 1 << 7,
    CUnsuback = 1 << 8,
    CDisconnect = 1 << 9,
    CAuth = 1 << 10,
    CAll = 0x7FF,
};

u16 allowedIn(u8 id)
{
    switch (PropertyId(id)) {
    case PropertyId::PayloadFormatIndicator:
    case PropertyId::MessageExpiryInterval:
    case PropertyId::ContentType:
    case PropertyId::ResponseTopic:
    case PropertyId::CorrelationData:
        return CPublish | CWill;
    case PropertyId::SubscriptionIdentifier:
        return CPublish | CSubscribe;
    case PropertyId::SessionExpiryInterval:
        return CConnect | CConnack | CDisconnect;
    case PropertyId::AssignedClientIdentifier:
        return CConnack;
    case PropertyId::ServerKeepAlive:
        return CConnack;
    case PropertyId::AuthenticationMethod:
    case PropertyId::AuthenticationData:
        return CConnect | CConnack | CAuth;
    case PropertyId::RequestProblemInformation:
        return CConnect;
    case PropertyId::WillDelayInterval:
        return CWill;
    case PropertyId::RequestResponseInformation:
        return CConnect;
    case PropertyId::ResponseInformation:
        return CConnack;
    case PropertyId::ServerReference:
        return CConnack | CDisconnect;
    case PropertyId::ReasonString:
        return CConnack | CPubAck | CSuback | CUnsuback | CDisconnect | CAuth;
    case PropertyId::ReceiveMaximum:
    case PropertyId::TopicAliasMaximum:
        return CConnect | CConnack;
    case PropertyId::TopicAlias:
        return CPublish;
    case PropertyId::MaximumQoS:
    case PropertyId::RetainAvailable:
        return CConnack;
    case PropertyId::UserProperty:
        return CAll;
    case PropertyId::MaximumPacketSize:
        return CConnect | CConnack;
    case PropertyId::WildcardSubscriptionAvailable:
    case PropertyId::SubscriptionIdentifierAvailable:
    case PropertyId::SharedSubscriptionAvailable:
        return CConnack;
    }
    return 0; // unknown identifier
}

// Reads the property length and the properties into `out`.
Error decodeProperties(Decoder &d, Ctx ctx, Properties &out)
{
    const Read<u32> len = readVarInt(d.data, d.size, d.pos);
    if (len.next == -2) return malformed("property length longer than 4 bytes [MQTT-1.5.5]");
    if (!len.ok()) return malformed("property length past the end [MQTT-2.2.2]");
    if (d.size - len.next < qsizetype(len.value)) return malformed("properties past the end [MQTT-2.2.2]");

    Decoder p(d.whole);
    p.pos = len.next;
    p.size = len.next + len.value; // bounded to the property block
    d.pos = p.size;

    while (!p.atEnd()) {
        u8 id = 0;
        p.byte(id); // cannot fail: not at end
        const u16 allowed = allowedIn(id);
        if (allowed == 0) return malformed("unknown property identifier [MQTT-2.2.2-2]");
        if (!(allowed & ctx)) return malformed("property not valid for this packet type [MQTT-2.2.2-2]");
        const PropertyId pid = PropertyId(id);
        if (pid != PropertyId::UserProperty && pid != PropertyId::SubscriptionIdentifier) {
            if (out.present & Properties::bit(pid))
                return protocolError("property included more than once [MQTT-2.2.2-2]");
            out.mark(pid);
        }

        auto byteProp = [&](u8 &field, bool boolean) -> Error {
            if (!p.byte(field)) return malformed("property value past the end [MQTT-2.2.2]");
            if (boolean && field > 1) return protocolError("property value must be 0 or 1 [MQTT-2.2.2]");
            return ok();
        };
        // zeroMessage: the Protocol Error when 0 is not allowed, nullptr when it is.
        auto u16Prop = [&](u16 &field, const char *zeroMessage) -> Error {
            if (!p.u16v(field)) return malformed("property value past the end [MQTT-2.2.2]");
            if (zeroMessage && field == 0) return protocolError(zeroMessage);
            return ok();
        };
        auto u32Prop = [&](u32 &field, const char *zeroMessage) -> Error {
            if (!p.u32v(field)) return malformed("property value past the end [MQTT-2.2.2]");
            if (zeroMessage && field == 0) return protocolError(zeroMessage);
            return ok();
        };
        auto stringProp = [&](QByteArray &field) -> Error {
            switch (p.string(field)) {
            case 1:
                return malformed("property value past the end [MQTT-2.2.2]");
            case 2:
                return malformed("property string is not well-formed UTF-8 [MQTT-1.5.4-1]");
            }
            return ok();
        };
        auto binaryProp = [&](QByteArray &field) -> Error {
            if (!p.binary(field)) return malformed("property value past the end [MQTT-2.2.2]");
            return ok();
        };

        Error e;
        switch (pid) {
        case PropertyId::PayloadFormatIndicator:
            e = byteProp(out.payloadFormatIndicator, true);
            break;
        case PropertyId::MessageExpiryInterval:
            e = u32Prop(out.messageExpiryInterval, nullptr);
            break;
        case PropertyId::ContentType:
            e = stringProp(out.contentType);
            break;
        case PropertyId::ResponseTopic:
            e = stringProp(out.responseTopic);
            break;
        case PropertyId::CorrelationData:
            e = binaryProp(out.correlationData);
            break;
        case PropertyId::SubscriptionIdentifier: {
            if (ctx != CPublish && !out.subscriptionIdentifiers.isEmpty())
                return protocolError("subscription identifier included more than once [MQTT-3.8.2.1.2]");
            const Read<u32> v = readVarInt(p.data, p.size, p.pos);
            if (v.next == -2) return malformed("subscription identifier longer than 4 bytes [MQTT-1.5.5]");
            if (!v.ok()) return malformed("property value past the end [MQTT-2.2.2]");
            if (v.value == 0) return protocolError("subscription identifier 0 [MQTT-3.8.2.1.2]");
            p.pos = v.next;
            out.subscriptionIdentifiers.append(v.value);
            break;
        }
        case PropertyId::SessionExpiryInterval:
            e = u32Prop(out.sessionExpiryInterval, nullptr);
            break;
        case PropertyId::AssignedClientIdentifier:
            e = stringProp(out.assignedClientIdentifier);
            break;
        case PropertyId::ServerKeepAlive:
            e = u16Prop(out.serverKeepAlive, nullptr);
            break;
        case PropertyId::AuthenticationMethod:
            e = stringProp(out.authenticationMethod);
            break;
        case PropertyId::AuthenticationData:
            e = binaryProp(out.authenticationData);
            break;
        case PropertyId::RequestProblemInformation:
            e = byteProp(out.requestProblemInformation, true);
            break;
        case PropertyId::WillDelayInterval:
            e = u32Prop(out.willDelayInterval, nullptr);
            break;
        case PropertyId::RequestResponseInformation:
            e = byteProp(out.requestResponseInformation, true);
            break;
        case PropertyId::ResponseInformation:
            e = stringProp(out.responseInformation);
            break;
        case PropertyId::ServerReference:
            e = stringProp(out.serverReference);
            break;
        case PropertyId::ReasonString:
            e = stringProp(out.reasonString);
            break;
        case PropertyId::ReceiveMaximum:
            e = u16Prop(out.receiveMaximum, "receive maximum 0 [MQTT-3.1.2.11.3] [MQTT-3.2.2.3.3]");
            break;
        case PropertyId::TopicAliasMaximum:
            e = u16Prop(out.topicAliasMaximum, nullptr);
            break;
        case PropertyId::TopicAlias:
            e = u16Prop(out.topicAlias, "topic alias 0 [MQTT-3.3.2-8]");
            break;
        case PropertyId::MaximumQoS:
            e = byteProp(out.maximumQoS, true);
            break;
        case PropertyId::RetainAvailable:
            e = byteProp(out.retainAvailable, true);
            break;
        case PropertyId::UserProperty: {
            UserProperty up;
            if ((e = stringProp(up.first))) return e;
            if ((e = stringProp(up.second))) return e;
            out.userProperties.append(std::move(up));
            break;
        }
        case PropertyId::MaximumPacketSize:
            e = u32Prop(out.maximumPacketSize, "maximum packet size 0 [MQTT-3.1.2.11.4] [MQTT-3.2.2.3.6]");
            break;
        case PropertyId::WildcardSubscriptionAvailable:
            e = byteProp(out.wildcardSubscriptionAvailable, true);
            break;
        case PropertyId::SubscriptionIdentifierAvailable:
            e = byteProp(out.subscriptionIdentifierAvailable, true);
            break;
        case PropertyId::SharedSubscriptionAvailable:
            e = byteProp(out.sharedSubscriptionAvailable, true);
            break;
        }
        if (e) return e;
    }

    if ((ctx & (CConnect | CConnack | CAuth)) && out.has(PropertyId::AuthenticationData) &&
        !out.has(PropertyId::AuthenticationMethod))
        return protocolError("authentication data without authentication method [MQTT-3.1.2.11.10]");
    return ok();
}

// ---- reason codes each packet type may carry (MQTT 5 sections 3.x.2.1) ------------------

bool validReasonCode(PacketType type, u8 c)
{
    switch (type) {
    case PacketType::Connack:
        return c == 0x00 || (c >= 0x80 && c <= 0x8A) || c == 0x8C || c == 0x90 || c == 0x95 || c == 0x97 ||
               (c >= 0x99 && c <= 0x9D) || c == 0x9F;
    case PacketType::Puback:
    case PacketType::Pubrec:
        return c == 0x00 || c == 0x10 || c == 0x80 || c == 0x83 || c == 0x87 || c == 0x90 || c == 0x91 ||
               c == 0x97 || c == 0x99;
    case PacketType::Pubrel:
    case PacketType::Pubcomp:
        return c == 0x00 || c == 0x92;
    case PacketType::Suback:
        return c <= 0x02 || c == 0x80 || c == 0x83 || c == 0x87 || c == 0x8F || c == 0x91 || c == 0x97 ||
               c == 0x9E || c == 0xA1 || c == 0xA2;
    case PacketType::Unsuback:
        return c == 0x00 || c == 0x11 || c == 0x80 || c == 0x83 || c == 0x87 || c == 0x8F || c == 0x91;
    case PacketType::Disconnect:
        return c == 0x00 || c == 0x04 || (c >= 0x80 && c <= 0x83) || c == 0x87 || c == 0x89 || c == 0x8B ||
               (c >= 0x8D && c <= 0x90) || (c >= 0x93 && c <= 0xA2);
    case PacketType::Auth:
        return c == 0x00 || c == 0x18 || c == 0x19;
    default:
        return false;
    }
}

// ---- encoding helpers ------------------------------------------------------------------

template <typename F>
void forEachProperty(const Properties &p, F &f)
{
    using P = PropertyId;
    auto has = [&](P id) { return (p.present & Properties::bit(id)) != 0; };
    // Ascending identifier order: the canonical encoding the catalogue uses.
    if (has(P::PayloadFormatIndicator)) f.byte(P::PayloadFormatIndicator, p.payloadFormatIndicator);
    if (has(P::MessageExpiryInterval)) f.u32v(P::MessageExpiryInterval, p.messageExpiryInterval);
    if (has(P::ContentType)) f.bytes(P::ContentType, p.contentType);
    if (has(P::ResponseTopic)) f.bytes(P::ResponseTopic, p.responseTopic);
    if (has(P::CorrelationData)) f.bytes(P::CorrelationData, p.correlationData);
    for (u32 id : p.subscriptionIdentifiers)
        f.varint(P::SubscriptionIdentifier, id);
    if (has(P::SessionExpiryInterval)) f.u32v(P::SessionExpiryInterval, p.sessionExpiryInterval);
    if (has(P::AssignedClientIdentifier)) f.bytes(P::AssignedClientIdentifier, p.assignedClientIdentifier);
    if (has(P::ServerKeepAlive)) f.u16v(P::ServerKeepAlive, p.serverKeepAlive);
    if (has(P::AuthenticationMethod)) f.bytes(P::AuthenticationMethod, p.authenticationMethod);
    if (has(P::AuthenticationData)) f.bytes(P::AuthenticationData, p.authenticationData);
    if (has(P::RequestProblemInformation)) f.byte(P::RequestProblemInformation, p.requestProblemInformation);
    if (has(P::WillDelayInterval)) f.u32v(P::WillDelayInterval, p.willDelayInterval);
    if (has(P::RequestResponseInformation))
        f.byte(P::RequestResponseInformation, p.requestResponseInformation);
    if (has(P::ResponseInformation)) f.bytes(P::ResponseInformation, p.responseInformation);
    if (has(P::ServerReference)) f.bytes(P::ServerReference, p.serverReference);
    if (has(P::ReasonString)) f.bytes(P::ReasonString, p.reasonString);
    if (has(P::ReceiveMaximum)) f.u16v(P::ReceiveMaximum, p.receiveMaximum);
    if (has(P::TopicAliasMaximum)) f.u16v(P::TopicAliasMaximum, p.topicAliasMaximum);
    if (has(P::TopicAlias)) f.u16v(P::TopicAlias, p.topicAlias);
    if (has(P::MaximumQoS)) f.byte(P::MaximumQoS, p.maximumQoS);
    if (has(P::RetainAvailable)) f.byte(P::RetainAvailable, p.retainAvailable);
    for (const UserProperty &up : p.userProperties)
        f.pair(up.first, up.second);
    if (has(P::MaximumPacketSize)) f.u32v(P::MaximumPacketSize, p.maximumPacketSize);
    if (has(P::WildcardSubscriptionAvailable))
        f.byte(P::WildcardSubscriptionAvailable, p.wildcardSubscriptionAvailable);
    if (has(P::SubscriptionIdentifierAvailable))
        f.byte(P::SubscriptionIdentifierAvailable, p.subscriptionIdentifierAvailable);
    if (has(P::SharedSubscriptionAvailable))
        f.byte(P::SharedSubscriptionAvailable, p.sharedSubscriptionAvailable);
}

// Encoded size of a two-byte-length string; a string longer than 65,535 bytes cannot be
// encoded and makes the packet too large, so the encoder writes nothing for it.
constexpr u64 kTooLong = u64(1) << 40;
inline u64 strSize(const QByteArray &s)
{
    return s.size() > 0xFFFF ? kTooLong : 2 + u64(s.size());
}

struct PropertySizer {
    u64 size = 0;
    void byte(PropertyId, u8) { size += 2; }
    void u16v(PropertyId, u16) { size += 3; }
    void u32v(PropertyId, u32) { size += 5; }
    void varint(PropertyId, u32 v) { size += 1 + varIntSize(v); }
    void bytes(PropertyId, const QByteArray &v) { size += 1 + strSize(v); }
    void pair(const QByteArray &k, const QByteArray &v) { size += 1 + strSize(k) + strSize(v); }
};

inline char *putByte(char *w, u8 v)
{
    *w = char(v);
    return w + 1;
}
inline char *putU16(char *w, u16 v)
{
    w[0] = char(v >> 8);
    w[1] = char(v);
    return w + 2;
}
inline char *putU32(char *w, u32 v)
{
    w[0] = char(v >> 24);
    w[1] = char(v >> 16);
    w[2] = char(v >> 8);
    w[3] = char(v);
    return w + 4;
}
inline char *putVarInt(char *w, u32 v)
{
    do {
        u8 b = v & 0x7F;
        v >>= 7;
        if (v) b |= 0x80;
        *w++ = char(b);
    } while (v);
    return w;
}
inline char *putRaw(char *w, const QByteArray &v)
{
    if (!v.isEmpty()) std::memcpy(w, v.constData(), size_t(v.size()));
    return w + v.size();
}
inline char *putString(char *w, const QByteArray &v)
{
    return putRaw(putU16(w, u16(v.size())), v);
}

struct PropertyWriter {
    char *w;
    void byte(PropertyId id, u8 v) { w = putByte(putByte(w, u8(id)), v); }
    void u16v(PropertyId id, u16 v) { w = putU16(putByte(w, u8(id)), v); }
    void u32v(PropertyId id, u32 v) { w = putU32(putByte(w, u8(id)), v); }
    void varint(PropertyId id, u32 v) { w = putVarInt(putByte(w, u8(id)), v); }
    void bytes(PropertyId id, const QByteArray &v) { w = putString(putByte(w, u8(id)), v); }
    void pair(const QByteArray &k, const QByteArray &v)
    {
        w = putString(putString(putByte(w, u8(PropertyId::UserProperty)), k), v);
    }
};

// Size of the property block (not counting its length prefix).
u64 propertiesSize(const Properties &p)
{
    PropertySizer s;
    forEachProperty(p, s);
    return s.size;
}

// Length prefix + properties.
char *putProperties(char *w, const Properties &p, u64 size)
{
    w = putVarInt(w, u32(size)); // fits: beginPacket() refused anything larger
    PropertyWriter pw{w};
    forEachProperty(p, pw);
    return pw.w;
}

inline u64 withPrefix(u64 propertySize)
{
    return propertySize > kMaxVarInt ? kTooLong : u64(varIntSize(u32(propertySize))) + propertySize;
}

// Grows `out` by `n` bytes and returns where they start. With room left in its own buffer
// (the common case: a connection's output grows in place), without QByteArray::resize()'s
// general path. The bytes are the caller's to fill; the terminating '\0' stays.
char *growBy(QByteArray &out, qsizetype n)
{
    QByteArray::DataPointer &d = out.data_ptr();
    if (!d.needsDetach() && d.freeSpaceAtEnd() > n) {
        char *w = d.data() + d.size;
        d.size += n;
        w[n] = '\0';
        return w;
    }
    const qsizetype start = out.size();
    out.resize(start + n);
    return out.data() + start;
}

// Grows `out` once by the whole packet and writes the fixed header. Returns where the body
// starts, or nullptr (nothing written) when the body is too large for a remaining length.
char *beginPacket(QByteArray &out, u8 firstByte, u64 remainingLength, qsizetype &written)
{
    if (remainingLength > kMaxVarInt) {
        written = 0;
        return nullptr;
    }
    const u32 rl = u32(remainingLength);
    written = 1 + varIntSize(rl) + qsizetype(rl);
    char *w = growBy(out, written);
    w = putByte(w, firstByte);
    return putVarInt(w, rl);
}

constexpr char kMqtt[] = "MQTT";
constexpr char kMqisdp[] = "MQIsdp";

u64 publishRemainingLength(const Publish &p, std::uint8_t qos, ProtocolVersion version, u64 *propSize)
{
    u64 rl = strSize(p.topic) + u64(p.payload.size());
    if (qos > 0) rl += 2;
    if (isV5(version)) {
        *propSize = propertiesSize(p.properties);
        rl += withPrefix(*propSize);
    }
    return rl;
}

} // namespace

// ---- shared helpers --------------------------------------------------------------------

namespace {
bool sliceFits(qsizetype size, qsizetype pos, qsizetype len)
{
    return len > 0 && pos >= 0 && pos <= size && size - pos >= len;
}

// The slice [pos, pos + len) of the buffer `dp` holds a reference to.
QByteArray sliceOf(QByteArray::DataPointer dp, qsizetype pos, qsizetype len)
{
    dp.ptr += pos;
    dp.size = len;
    return QByteArray(std::move(dp));
}
} // namespace

QByteArray sharedSlice(const QByteArray &whole, qsizetype pos, qsizetype len)
{
    if (!sliceFits(whole.size(), pos, len)) return QByteArray();
    return sliceOf(const_cast<QByteArray &>(whole).data_ptr(), pos, len); // +1 reference
}

QByteArray sharedSlice(QByteArray &&whole, qsizetype pos, qsizetype len)
{
    if (!sliceFits(whole.size(), pos, len)) return QByteArray();
    return sliceOf(std::move(whole.data_ptr()), pos, len); // whole's reference, none added
}

bool isPlainAsciiTopicName(QByteArrayView topic)
{
    constexpr u64 ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
    const auto hasZeroByte = [](u64 w) { return ((w - ones) & ~w & highs) != 0; };
    const char *p = topic.data();
    qsizetype n = topic.size();
    for (; n >= 8; p += 8, n -= 8) {
        u64 w;
        std::memcpy(&w, p, 8);
        if ((w & highs) || hasZeroByte(w) || hasZeroByte(w ^ (ones * u8('+'))) ||
            hasZeroByte(w ^ (ones * u8('#'))))
            return false;
    }
    for (; n > 0; ++p, --n) {
        const u8 c = u8(*p);
        if (c == 0 || c >= 0x80 || c == '+' || c == '#') return false;
    }
    return true;
}

bool isValidUtf8(QByteArrayView s)
{
    const auto *p = reinterpret_cast<const unsigned char *>(s.data());
    const auto *const end = p + s.size();
    while (p < end) {
        // ASCII fast path, eight bytes at a time: no high bit set and no zero byte.
        while (end - p >= 8) {
            std::uint64_t w;
            std::memcpy(&w, p, 8);
            if (w & 0x8080808080808080ull) break;
            if ((w - 0x0101010101010101ull) & ~w & 0x8080808080808080ull) return false; // U+0000
            p += 8;
        }
        if (p >= end) break;
        const unsigned c = *p;
        if (c < 0x80) {
            if (c == 0) return false; // [MQTT-1.5.4-2]
            ++p;
            continue;
        }
        if (c < 0xC2) return false; // stray continuation byte or overlong 2-byte form
        if (c < 0xE0) {
            if (end - p < 2 || (p[1] & 0xC0) != 0x80) return false;
            p += 2;
            continue;
        }
        if (c < 0xF0) {
            if (end - p < 3) return false;
            const unsigned c1 = p[1];
            if (c == 0xE0 && c1 < 0xA0) return false;  // overlong
            if (c == 0xED && c1 >= 0xA0) return false; // surrogates U+D800..U+DFFF [MQTT-1.5.4-1]
            if ((c1 & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80) return false;
            p += 3;
            continue;
        }
        if (c < 0xF5) {
            if (end - p < 4) return false;
            const unsigned c1 = p[1];
            if (c == 0xF0 && c1 < 0x90) return false;  // overlong
            if (c == 0xF4 && c1 >= 0x90) return false; // above U+10FFFF
            if ((c1 & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80 || (p[3] & 0xC0) != 0x80) return false;
            p += 4;
            continue;
        }
        return false;
    }
    return true;
}

// Structure only; the decoder checks UTF-8 with isValidUtf8 first.
bool isValidTopicName(QByteArrayView topic, bool allowEmpty)
{
    if (topic.isEmpty()) return allowEmpty;
    const char *d = topic.data();
    const size_t n = size_t(topic.size());
    return !std::memchr(d, '+', n) && !std::memchr(d, '#', n);
}

bool isSharedFilter(QByteArrayView filter)
{
    return filter.startsWith(QByteArrayView("$share/"));
}

bool isValidTopicFilter(QByteArrayView filter)
{
    if (filter.isEmpty()) return false; // [MQTT-4.7.3-1]
    if (isSharedFilter(filter)) {
        const QByteArrayView rest = filter.sliced(7);
        const void *slash = std::memchr(rest.data(), '/', size_t(rest.size()));
        if (!slash) return false; // no filter after the group [MQTT-4.8.2-2]
        const qsizetype groupLength = static_cast<const char *>(slash) - rest.data();
        if (groupLength == 0) return false; // empty share name [MQTT-4.8.2-1]
        const QByteArrayView group = rest.first(groupLength);
        if (group.contains('+') || group.contains('#')) return false; // [MQTT-4.8.2-2]
        filter = rest.sliced(groupLength + 1);
        if (filter.isEmpty()) return false;
    }
    const char *p = filter.data();
    const qsizetype n = filter.size();
    for (qsizetype i = 0; i < n; ++i) {
        if (p[i] == '+') {
            // '+' fills a whole level [MQTT-4.7.1-2]
            if ((i > 0 && p[i - 1] != '/') || (i + 1 < n && p[i + 1] != '/')) return false;
        } else if (p[i] == '#') {
            // '#' is alone in the last level [MQTT-4.7.1-1]
            if (i + 1 != n || (i > 0 && p[i - 1] != '/')) return false;
        }
    }
    return true;
}

// ---- framing ---------------------------------------------------------------------------

Frame readFrame(QByteArrayView buffer, std::uint32_t maximumPacketSize)
{
    Frame f;
    if (buffer.isEmpty()) return f;
    const auto *data = reinterpret_cast<const u8 *>(buffer.data());
    f.firstByte = data[0];
    const Read<u32> rl = readVarInt(data, buffer.size(), 1);
    if (rl.next == -2) {
        f.status = Frame::Status::Error;
        f.error = malformed("remaining length longer than 4 bytes [MQTT-1.5.5]");
        return f;
    }
    if (!rl.ok()) return f; // NeedMore
    f.remainingLength = rl.value;
    f.headerLength = u32(rl.next);
    if (maximumPacketSize != 0 && f.totalLength() > maximumPacketSize) {
        f.status = Frame::Status::Error;
        f.error = {ReasonCode::PacketTooLarge, "packet larger than the maximum packet size [MQTT-3.1.2-24]"};
        return f;
    }
    if (buffer.size() >= qsizetype(f.totalLength())) f.status = Frame::Status::Complete;
    return f;
}

namespace detail {
Error fixedHeaderFlagsError(std::uint8_t firstByte)
{
    const u8 flags = firstByte & 0x0F;
    switch (PacketType(firstByte >> 4)) {
    case PacketType::Reserved:
        return malformed("reserved packet type 0 [MQTT-2.1.2]");
    case PacketType::Publish: {
        const u8 qos = (flags >> 1) & 3;
        if (qos == 3) return malformed("PUBLISH with QoS 3 [MQTT-3.3.1-4]");
        if (qos == 0 && (flags & 0x08)) return malformed("PUBLISH QoS 0 with DUP set [MQTT-3.3.1-2]");
        break;
    }
    case PacketType::Pubrel:
    case PacketType::Subscribe:
    case PacketType::Unsubscribe:
        return flags == 0x02 ? ok() : malformed("reserved flags must be 0010 [MQTT-2.1.3-1]");
    default:
        return flags == 0 ? ok() : malformed("reserved flags set [MQTT-2.1.3-1]");
    }
    return ok();
}
} // namespace detail

// ---- decoders --------------------------------------------------------------------------

Error decodeConnect(const QByteArray &body, Connect &out)
{
    out = Connect{};
    Decoder d(body);
    if (!d.binary(out.protocolName)) return malformed("CONNECT protocol name past the end [MQTT-3.1.2-1]");
    u8 level = 0;
    if (!d.byte(level)) return malformed("CONNECT protocol level past the end [MQTT-3.1.2-2]");
    if (level < 3 || level > 5)
        return {ReasonCode::UnsupportedProtocolVersion, "unsupported protocol level [MQTT-3.1.2-2]"};
    out.version = ProtocolVersion(level);
    const QByteArrayView expected = level == 3 ? QByteArrayView(kMqisdp) : QByteArrayView(kMqtt);
    if (QByteArrayView(out.protocolName) != expected)
        return {ReasonCode::UnsupportedProtocolVersion,
                "protocol name does not match the level [MQTT-3.1.2-1]"};

    u8 flags = 0;
    if (!d.byte(flags)) return malformed("CONNECT flags past the end [MQTT-3.1.2]");
    if (flags & 0x01) return malformed("CONNECT reserved flag set [MQTT-3.1.2-3]");
    out.cleanStart = flags & 0x02;
    out.hasWill = flags & 0x04;
    out.will.qos = (flags >> 3) & 3;
    out.will.retain = flags & 0x20;
    out.hasPassword = flags & 0x40;
    out.hasUsername = flags & 0x80;
    if (!out.hasWill && (out.will.qos != 0 || out.will.retain))
        return malformed("will QoS/retain set without will flag [MQTT-3.1.2-11] [MQTT-3.1.2-13]");
    if (out.will.qos == 3) return malformed("will QoS 3 [MQTT-3.1.2-12]");
    if (out.hasPassword && !out.hasUsername && level < 5)
        return malformed("password flag without user name flag [MQTT-3.1.2-22]");
    if (!d.u16v(out.keepAlive)) return malformed("CONNECT keep alive past the end [MQTT-3.1.2.10]");

    if (level == 5)
        if (Error e = decodeProperties(d, CConnect, out.properties)) return e;

    switch (d.string(out.clientId)) {
    case 1:
        return malformed("client identifier past the end [MQTT-3.1.3-3]");
    case 2:
        return malformed("client identifier is not well-formed UTF-8 [MQTT-3.1.3-4]");
    }
    if (out.hasWill) {
        if (level == 5)
            if (Error e = decodeProperties(d, CWill, out.will.properties)) return e;
        switch (d.string(out.will.topic)) {
        case 1:
            return malformed("will topic past the end [MQTT-3.1.3-9]");
        case 2:
            return malformed("will topic is not well-formed UTF-8 [MQTT-3.1.3-11]");
        }
        if (!isValidTopicName(out.will.topic))
            return {ReasonCode::TopicNameInvalid, "will topic is not a valid topic name [MQTT-3.1.3-11]"};
        if (!d.binary(out.will.payload)) return malformed("will payload past the end [MQTT-3.1.3-9]");
    }
    if (out.hasUsername) {
        switch (d.string(out.username)) {
        case 1:
            return malformed("user name past the end [MQTT-3.1.3-12]");
        case 2:
            return malformed("user name is not well-formed UTF-8 [MQTT-3.1.3-12]");
        }
    }
    if (out.hasPassword && !d.binary(out.password)) return malformed("password past the end [MQTT-3.1.3.5]");
    if (!d.atEnd()) return malformed("bytes after the CONNECT payload [MQTT-3.1.3]");
    return ok();
}

Error decodeConnack(const QByteArray &body, ProtocolVersion version, Connack &out)
{
    out = Connack{};
    Decoder d(body);
    u8 flags = 0;
    if (!d.byte(flags) || !d.byte(out.reasonCode))
        return malformed("CONNACK shorter than 2 bytes [MQTT-3.2.2]");
    if (flags & 0xFE) return malformed("CONNACK reserved flags set [MQTT-3.2.2-1]");
    out.sessionPresent = flags & 0x01;
    if (!isV5(version)) {
        if (!d.atEnd()) return malformed("CONNACK remaining length must be 2 [MQTT-3.2.1]");
        if (out.reasonCode > 5) return protocolError("reserved CONNACK return code [MQTT-3.2.2.3]");
        if (out.sessionPresent && out.reasonCode != 0)
            return protocolError("session present with a non-zero return code [MQTT-3.2.2-4]");
        return ok();
    }
    if (Error e = decodeProperties(d, CConnack, out.properties)) return e;
    if (!d.atEnd()) return malformed("bytes after the CONNACK properties [MQTT-3.2.3]");
    if (!validReasonCode(PacketType::Connack, out.reasonCode))
        return protocolError("invalid CONNACK reason code [MQTT-3.2.2-8]");
    if (out.sessionPresent && out.reasonCode >= 0x80)
        return protocolError("session present with a failure reason code [MQTT-3.2.2-6]");
    return ok();
}

Error decodePublish(std::uint8_t firstByte, const QByteArray &body, ProtocolVersion version, Publish &out)
{
    if (Error e = checkFixedHeaderFlags(firstByte)) return e;
    out = Publish{}; // a reused object keeps nothing (no allocation: all fields start empty)
    return decodeNewPublish(firstByte, body, version, out);
}

Error decodeNewPublish(std::uint8_t firstByte, const QByteArray &body, ProtocolVersion version, Publish &out)
{
    if (Error e = checkFixedHeaderFlags(firstByte)) return e;
    out.dup = firstByte & 0x08;
    out.qos = (firstByte >> 1) & 3;
    out.retain = firstByte & 0x01;

    Decoder d(body);
    switch (d.string(out.topic)) {
    case 1:
        return malformed("PUBLISH topic past the end [MQTT-3.3.2-1]");
    case 2:
        return malformed("PUBLISH topic is not well-formed UTF-8 [MQTT-3.3.2-1]");
    }
    if (!isValidTopicName(out.topic, isV5(version))) {
        if (out.topic.isEmpty()) return {ReasonCode::TopicNameInvalid, "empty topic name [MQTT-4.7.3-1]"};
        return {ReasonCode::TopicNameInvalid, "wildcard in PUBLISH topic [MQTT-3.3.2-2]"};
    }
    if (out.qos > 0) {
        if (!d.u16v(out.packetId)) return malformed("PUBLISH packet identifier past the end [MQTT-3.3.2.2]");
        if (out.packetId == 0) return malformed("PUBLISH packet identifier 0 [MQTT-2.2.1-3]");
    }
    if (isV5(version)) {
        if (Error e = decodeProperties(d, CPublish, out.properties)) return e;
        if (out.topic.isEmpty() && !out.properties.has(PropertyId::TopicAlias))
            return protocolError("empty topic name without topic alias [MQTT-3.3.4]");
    }
    out.payload = sharedSlice(body, d.pos, d.remaining());
    return ok();
}

bool readPublishInPlace(std::uint8_t firstByte, QByteArrayView body, ProtocolVersion version,
                        PublishView &out)
{
    if (checkFixedHeaderFlags(firstByte)) return false;
    const auto *data = reinterpret_cast<const u8 *>(body.data());
    const qsizetype size = body.size();
    const Read<u16> len = readU16(data, size, 0);
    if (!len.ok() || size - len.next < len.value) return false;
    out.topicField = body.first(len.next + len.value);
    out.topic = body.sliced(len.next, len.value);
    if (out.topic.isEmpty()
            ? !isV5(version) // (a v5 alias: its topic is in the properties)
            : !isPlainAsciiTopicName(out.topic) && (!isValidUtf8(out.topic) || !isValidTopicName(out.topic)))
        return false;
    qsizetype pos = len.next + len.value;
    out.packetId = 0;
    if ((firstByte >> 1) & 3) {
        const Read<u16> id = readU16(data, size, pos);
        if (!id.ok() || id.value == 0) return false;
        out.packetId = id.value;
        pos = id.next;
    }
    out.properties = {};
    if (isV5(version)) {
        const Read<u32> plen = readVarInt(data, size, pos);
        if (!plen.ok() || size - plen.next < qsizetype(plen.value)) return false;
        out.properties = body.sliced(plen.next, plen.value);
        pos = plen.next + plen.value;
    }
    out.payload = body.sliced(pos);
    return true;
}

Error decodeAck(std::uint8_t firstByte, const QByteArray &body, ProtocolVersion version, Ack &out)
{
    const PacketType type = PacketType(firstByte >> 4);
    if (type < PacketType::Puback || type > PacketType::Pubcomp)
        return malformed("not a PUBACK/PUBREC/PUBREL/PUBCOMP [MQTT-2.1.2]");
    if (Error e = checkFixedHeaderFlags(firstByte)) return e;
    out = Ack{};
    out.type = type;
    Decoder d(body);
    if (!d.u16v(out.packetId)) return malformed("packet identifier past the end [MQTT-2.2.1]");
    if (out.packetId == 0) return malformed("packet identifier 0 [MQTT-2.2.1-3]");
    if (!isV5(version)) {
        if (!d.atEnd()) return malformed("acknowledgement remaining length must be 2 [MQTT-3.4.1]");
        return ok();
    }
    if (d.atEnd()) return ok(); // reason 0, no properties [MQTT-3.4.2.1]
    d.byte(out.reasonCode);
    if (!d.atEnd()) {
        if (Error e = decodeProperties(d, CPubAck, out.properties)) return e;
        if (!d.atEnd()) return malformed("bytes after the acknowledgement properties [MQTT-3.4.2]");
    }
    if (!validReasonCode(type, out.reasonCode))
        return protocolError("invalid reason code for this acknowledgement [MQTT-3.4.2-1]");
    return ok();
}

Error decodeAckFields(std::uint8_t firstByte, const QByteArray &body, ProtocolVersion version, AckFields &out)
{
    const PacketType type = PacketType(firstByte >> 4);
    if (body.size() == 2 && type >= PacketType::Puback && type <= PacketType::Pubcomp &&
        !checkFixedHeaderFlags(firstByte)) {
        const std::uint16_t id = std::uint16_t((std::uint8_t(body[0]) << 8) | std::uint8_t(body[1]));
        if (id != 0) {
            out = AckFields{type, id, 0};
            return ok();
        }
    }
    Ack a; // every other form, and every error, exactly as decodeAck() has them
    if (Error e = decodeAck(firstByte, body, version, a)) return e;
    out = AckFields{a.type, a.packetId, a.reasonCode};
    return ok();
}

Error decodeSubscribe(const QByteArray &body, ProtocolVersion version, Subscribe &out)
{
    out = Subscribe{};
    Decoder d(body);
    if (!d.u16v(out.packetId)) return malformed("SUBSCRIBE packet identifier past the end [MQTT-3.8.2]");
    if (out.packetId == 0) return malformed("SUBSCRIBE packet identifier 0 [MQTT-2.2.1-3]");
    const bool v5 = isV5(version);
    if (v5)
        if (Error e = decodeProperties(d, CSubscribe, out.properties)) return e;
    if (d.atEnd()) return protocolError("SUBSCRIBE without topic filters [MQTT-3.8.3-2]");
    while (!d.atEnd()) {
        TopicSubscription sub;
        switch (d.string(sub.filter)) {
        case 1:
            return malformed("topic filter past the end [MQTT-3.8.3-1]");
        case 2:
            return malformed("topic filter is not well-formed UTF-8 [MQTT-3.8.3-1]");
        }
        if (!isValidTopicFilter(sub.filter))
            return {ReasonCode::TopicFilterInvalid, "invalid topic filter [MQTT-4.7.1-1] [MQTT-4.8.2-1]"};
        u8 options = 0;
        if (!d.byte(options)) return malformed("subscription options past the end [MQTT-3.8.3]");
        sub.options.qos = options & 0x03;
        if (!v5) {
            if (options & 0xFC) return malformed("reserved subscription option bits set [MQTT-3-8.3-4]");
            if (sub.options.qos == 3) return malformed("subscription QoS 3 [MQTT-3-8.3-4]");
        } else {
            if (options & 0xC0) return malformed("reserved subscription option bits set [MQTT-3.8.3-5]");
            sub.options.noLocal = options & 0x04;
            sub.options.retainAsPublished = options & 0x08;
            sub.options.retainHandling = (options >> 4) & 0x03;
            if (sub.options.qos == 3) return protocolError("subscription QoS 3 [MQTT-3.8.3.1]");
            if (sub.options.retainHandling == 3) return protocolError("retain handling 3 [MQTT-3.8.3.1]");
            if (sub.options.noLocal && isSharedFilter(sub.filter))
                return protocolError("no local on a shared subscription [MQTT-3.8.3-4]");
        }
        out.topics.append(std::move(sub));
    }
    return ok();
}

Error decodeSuback(std::uint8_t firstByte, const QByteArray &body, ProtocolVersion version, SubackLike &out)
{
    const PacketType type = PacketType(firstByte >> 4);
    if (type != PacketType::Suback && type != PacketType::Unsuback)
        return malformed("not a SUBACK/UNSUBACK [MQTT-2.1.2]");
    if (Error e = checkFixedHeaderFlags(firstByte)) return e;
    out = SubackLike{};
    out.type = type;
    Decoder d(body);
    if (!d.u16v(out.packetId)) return malformed("packet identifier past the end [MQTT-2.2.1]");
    if (out.packetId == 0) return malformed("packet identifier 0 [MQTT-2.2.1-3]");
    const bool v5 = isV5(version);
    if (v5)
        if (Error e = decodeProperties(d, type == PacketType::Suback ? CSuback : CUnsuback, out.properties))
            return e;
    if (!v5 && type == PacketType::Unsuback) {
        if (!d.atEnd()) return malformed("UNSUBACK remaining length must be 2 [MQTT-3.11.1]");
        return ok();
    }
    if (d.atEnd()) return protocolError("acknowledgement without reason codes [MQTT-3.9.3] [MQTT-3.11.3]");
    out.reasonCodes.reserve(d.remaining());
    while (!d.atEnd()) {
        u8 c = 0;
        d.byte(c);
        const bool valid = v5 ? validReasonCode(type, c) : (c <= 0x02 || c == 0x80);
        if (!valid) return protocolError("invalid return/reason code [MQTT-3.9.3-2] [MQTT-3.11.3-2]");
        out.reasonCodes.append(c);
    }
    return ok();
}

Error decodeUnsubscribe(const QByteArray &body, ProtocolVersion version, Unsubscribe &out)
{
    out = Unsubscribe{};
    Decoder d(body);
    if (!d.u16v(out.packetId)) return malformed("UNSUBSCRIBE packet identifier past the end [MQTT-3.10.2]");
    if (out.packetId == 0) return malformed("UNSUBSCRIBE packet identifier 0 [MQTT-2.2.1-3]");
    if (isV5(version))
        if (Error e = decodeProperties(d, CUnsubscribe, out.properties)) return e;
    if (d.atEnd()) return protocolError("UNSUBSCRIBE without topic filters [MQTT-3.10.3-2]");
    while (!d.atEnd()) {
        QByteArray filter;
        switch (d.string(filter)) {
        case 1:
            return malformed("topic filter past the end [MQTT-3.10.3-1]");
        case 2:
            return malformed("topic filter is not well-formed UTF-8 [MQTT-3.10.3-1]");
        }
        if (!isValidTopicFilter(filter))
            return {ReasonCode::TopicFilterInvalid, "invalid topic filter [MQTT-4.7.1-1] [MQTT-4.8.2-1]"};
        out.filters.append(std::move(filter));
    }
    return ok();
}

Error decodeDisconnect(const QByteArray &body, ProtocolVersion version, Disconnect &out)
{
    out = Disconnect{};
    Decoder d(body);
    if (!isV5(version)) {
        if (!d.atEnd()) return malformed("DISCONNECT remaining length must be 0 [MQTT-3.14.1]");
        return ok();
    }
    if (d.atEnd()) return ok(); // normal disconnection [MQTT-3.14.2.1]
    d.byte(out.reasonCode);
    if (!d.atEnd()) {
        if (Error e = decodeProperties(d, CDisconnect, out.properties)) return e;
        if (!d.atEnd()) return malformed("bytes after the DISCONNECT properties [MQTT-3.14.2]");
    }
    if (!validReasonCode(PacketType::Disconnect, out.reasonCode))
        return protocolError("invalid DISCONNECT reason code [MQTT-3.14.2-1]");
    return ok();
}

Error decodeAuth(const QByteArray &body, ProtocolVersion version, Auth &out)
{
    out = Auth{};
    if (!isV5(version)) return malformed("packet type 15 is reserved before MQTT 5 [MQTT-2.1.2]");
    Decoder d(body);
    if (d.atEnd()) return ok(); // success, no properties [MQTT-3.15.2.1]
    d.byte(out.reasonCode);
    if (d.atEnd()) return malformed("AUTH reason code without property length [MQTT-3.15.2.1]");
    if (Error e = decodeProperties(d, CAuth, out.properties)) return e;
    if (!d.atEnd()) return malformed("bytes after the AUTH properties [MQTT-3.15.2]");
    if (!validReasonCode(PacketType::Auth, out.reasonCode))
        return protocolError("invalid AUTH reason code [MQTT-3.15.2-1]");
    return ok();
}

Error decodePacket(std::uint8_t firstByte, const QByteArray &body, ProtocolVersion version, Packet &out)
{
    if (Error e = checkFixedHeaderFlags(firstByte)) return e;
    switch (PacketType(firstByte >> 4)) {
    case PacketType::Reserved:
        return malformed("reserved packet type 0 [MQTT-2.1.2]");
    case PacketType::Connect:
        return decodeConnect(body, out.emplace<Connect>());
    case PacketType::Connack:
        return decodeConnack(body, version, out.emplace<Connack>());
    case PacketType::Publish:
        return decodePublish(firstByte, body, version, out.emplace<Publish>());
    case PacketType::Puback:
    case PacketType::Pubrec:
    case PacketType::Pubrel:
    case PacketType::Pubcomp:
        return decodeAck(firstByte, body, version, out.emplace<Ack>());
    case PacketType::Subscribe:
        return decodeSubscribe(body, version, out.emplace<Subscribe>());
    case PacketType::Suback:
    case PacketType::Unsuback:
        return decodeSuback(firstByte, body, version, out.emplace<SubackLike>());
    case PacketType::Unsubscribe:
        return decodeUnsubscribe(body, version, out.emplace<Unsubscribe>());
    case PacketType::Pingreq:
        out.emplace<Pingreq>();
        return body.isEmpty() ? ok() : malformed("PINGREQ remaining length must be 0 [MQTT-3.12.1]");
    case PacketType::Pingresp:
        out.emplace<Pingresp>();
        return body.isEmpty() ? ok() : malformed("PINGRESP remaining length must be 0 [MQTT-3.13.1]");
    case PacketType::Disconnect:
        return decodeDisconnect(body, version, out.emplace<Disconnect>());
    case PacketType::Auth:
        return decodeAuth(body, version, out.emplace<Auth>());
    }
    return malformed("unknown packet type [MQTT-2.1.2]");
}

Error decodeOne(const QByteArray &bytes, ProtocolVersion version, Packet &out, qsizetype *consumed)
{
    if (consumed) *consumed = 0;
    const Frame f = readFrame(bytes, 0);
    if (f.status == Frame::Status::Error) return f.error;
    if (f.status == Frame::Status::NeedMore)
        return malformed("packet ends before its remaining length [MQTT-2.1.4]");
    if (consumed) *consumed = f.totalLength();
    return decodePacket(f.firstByte, sharedSlice(bytes, f.headerLength, f.remainingLength), version, out);
}

// ---- encoders --------------------------------------------------------------------------

qsizetype encodeConnect(const Connect &p, QByteArray &out)
{
    const bool v5 = isV5(p.version);
    const bool v31 = p.version == ProtocolVersion::V31;
    // The protocol name follows the version (p.protocolName is what a decoder saw).
    const QByteArrayView name = v31 ? QByteArrayView(kMqisdp) : QByteArrayView(kMqtt);
    u64 propSize = 0, willPropSize = 0;
    u64 rl = 2 + name.size() + 1 + 1 + 2 + strSize(p.clientId);
    if (v5) {
        propSize = propertiesSize(p.properties);
        rl += withPrefix(propSize);
    }
    if (p.hasWill) {
        if (v5) {
            willPropSize = propertiesSize(p.will.properties);
            rl += withPrefix(willPropSize);
        }
        rl += strSize(p.will.topic) + strSize(p.will.payload);
    }
    if (p.hasUsername) rl += strSize(p.username);
    if (p.hasPassword) rl += strSize(p.password);

    qsizetype written = 0;
    char *w = beginPacket(out, 0x10, rl, written);
    if (!w) return 0;
    w = putU16(w, u16(name.size()));
    std::memcpy(w, name.data(), size_t(name.size()));
    w += name.size();
    w = putByte(w, u8(p.version));
    u8 flags = 0;
    if (p.cleanStart) flags |= 0x02;
    if (p.hasWill) flags |= 0x04 | u8((p.will.qos & 3) << 3) | (p.will.retain ? 0x20 : 0);
    if (p.hasPassword) flags |= 0x40;
    if (p.hasUsername) flags |= 0x80;
    w = putByte(w, flags);
    w = putU16(w, p.keepAlive);
    if (v5) w = putProperties(w, p.properties, propSize);
    w = putString(w, p.clientId);
    if (p.hasWill) {
        if (v5) w = putProperties(w, p.will.properties, willPropSize);
        w = putString(w, p.will.topic);
        w = putString(w, p.will.payload);
    }
    if (p.hasUsername) w = putString(w, p.username);
    if (p.hasPassword) w = putString(w, p.password);
    return written;
}

qsizetype encodeConnack(const Connack &p, ProtocolVersion version, QByteArray &out)
{
    u64 propSize = 0;
    u64 rl = 2;
    if (isV5(version)) {
        propSize = propertiesSize(p.properties);
        rl += withPrefix(propSize);
    }
    qsizetype written = 0;
    char *w = beginPacket(out, 0x20, rl, written);
    if (!w) return 0;
    w = putByte(w, p.sessionPresent ? 1 : 0);
    w = putByte(w, p.reasonCode);
    if (isV5(version)) putProperties(w, p.properties, propSize);
    return written;
}

qsizetype encodePublishCopy(const PublishView &in, std::uint8_t qos, std::uint16_t packetId,
                            ProtocolVersion version, QByteArray &out)
{
    const qsizetype n = publishCopySize(in, qos, version);
    if (n == 0) return 0;
    char *w = growBy(out, n);
    *w++ = char((u8(PacketType::Publish) << 4) | (qos << 1));
    w = putVarInt(w, u32(in.topicField.size() + in.payload.size() + (qos ? 2 : 0) + (isV5(version) ? 1 : 0)));
    std::memcpy(w, in.topicField.data(), size_t(in.topicField.size()));
    w += in.topicField.size();
    if (qos) {
        *w++ = char(packetId >> 8);
        *w++ = char(packetId & 0xFF);
    }
    if (isV5(version)) *w++ = 0; // property length
    if (!in.payload.isEmpty()) std::memcpy(w, in.payload.data(), size_t(in.payload.size()));
    return n;
}

std::uint32_t publishWireSize(const Publish &p, ProtocolVersion version)
{
    u64 propSize = 0;
    const u64 rl = publishRemainingLength(p, p.qos, version, &propSize);
    if (rl > kMaxVarInt) return 0xFFFFFFFFu;
    return u32(1 + varIntSize(u32(rl)) + rl);
}

qsizetype encodePublish(const Publish &p, ProtocolVersion version, QByteArray &out)
{
    return encodePublish(p, PublishHeader{p.qos, p.retain, p.dup, p.packetId}, version, out);
}

qsizetype encodePublish(const Publish &p, const PublishHeader &h, ProtocolVersion version, QByteArray &out)
{
    u64 propSize = 0;
    const u64 rl = publishRemainingLength(p, h.qos, version, &propSize);
    const u8 first = 0x30 | (h.dup ? 0x08 : 0) | u8((h.qos & 3) << 1) | (h.retain ? 0x01 : 0);
    qsizetype written = 0;
    char *w = beginPacket(out, first, rl, written);
    if (!w) return 0;
    w = putString(w, p.topic);
    if (h.qos > 0) w = putU16(w, h.packetId);
    if (isV5(version)) w = putProperties(w, p.properties, propSize);
    putRaw(w, p.payload);
    return written;
}

qsizetype encodeAck(const Ack &p, ProtocolVersion version, QByteArray &out)
{
    const u8 first = u8(u8(p.type) << 4) | (p.type == PacketType::Pubrel ? 0x02 : 0);
    // Decided by the encoded size, so a stray mark() on an empty list cannot change the form.
    const u64 propSize = isV5(version) ? propertiesSize(p.properties) : 0;
    const bool hasProps = propSize > 0;
    if (!hasProps) return encodeAck(p.type, p.packetId, p.reasonCode, version, out);
    u64 rl = 2;
    if (isV5(version)) {
        // Short forms [MQTT-3.4.2.1]: reason 0 without properties is 2 bytes, reason alone 3 bytes.
        if (hasProps) {
            rl += 1 + withPrefix(propSize);
        } else if (p.reasonCode != 0) {
            rl += 1;
        }
    }
    qsizetype written = 0;
    char *w = beginPacket(out, first, rl, written);
    if (!w) return 0;
    w = putU16(w, p.packetId);
    if (rl > 2) w = putByte(w, p.reasonCode);
    if (hasProps) putProperties(w, p.properties, propSize);
    return written;
}

qsizetype encodeAck(PacketType type, std::uint16_t packetId, std::uint8_t reasonCode, ProtocolVersion version,
                    QByteArray &out)
{
    const bool withReason = isV5(version) && reasonCode != 0;
    const char bytes[5] = {char(u8(u8(type) << 4) | (type == PacketType::Pubrel ? 0x02 : 0)),
                           char(withReason ? 3 : 2), char(packetId >> 8), char(packetId & 0xFF),
                           char(reasonCode)};
    const qsizetype n = withReason ? 5 : 4;
    std::memcpy(growBy(out, n), bytes, size_t(n)); // (append() would go through insert())
    return n;
}

qsizetype encodeSubscribe(const Subscribe &p, ProtocolVersion version, QByteArray &out)
{
    const bool v5 = isV5(version);
    u64 propSize = 0;
    u64 rl = 2;
    if (v5) {
        propSize = propertiesSize(p.properties);
        rl += withPrefix(propSize);
    }
    for (const TopicSubscription &t : p.topics)
        rl += strSize(t.filter) + 1;
    qsizetype written = 0;
    char *w = beginPacket(out, 0x82, rl, written);
    if (!w) return 0;
    w = putU16(w, p.packetId);
    if (v5) w = putProperties(w, p.properties, propSize);
    for (const TopicSubscription &t : p.topics) {
        w = putString(w, t.filter);
        u8 o = t.options.qos & 3;
        if (v5)
            o |= (t.options.noLocal ? 0x04 : 0) | (t.options.retainAsPublished ? 0x08 : 0) |
                 u8((t.options.retainHandling & 3) << 4);
        w = putByte(w, o);
    }
    return written;
}

qsizetype encodeSuback(const SubackLike &p, ProtocolVersion version, QByteArray &out)
{
    const bool v5 = isV5(version);
    const bool codes = v5 || p.type == PacketType::Suback; // v3 UNSUBACK has no payload
    u64 propSize = 0;
    u64 rl = 2;
    if (v5) {
        propSize = propertiesSize(p.properties);
        rl += withPrefix(propSize);
    }
    if (codes) rl += u64(p.reasonCodes.size());
    qsizetype written = 0;
    char *w = beginPacket(out, u8(u8(p.type) << 4), rl, written);
    if (!w) return 0;
    w = putU16(w, p.packetId);
    if (v5) w = putProperties(w, p.properties, propSize);
    if (codes)
        for (u8 c : p.reasonCodes)
            w = putByte(w, c);
    return written;
}

qsizetype encodeUnsubscribe(const Unsubscribe &p, ProtocolVersion version, QByteArray &out)
{
    const bool v5 = isV5(version);
    u64 propSize = 0;
    u64 rl = 2;
    if (v5) {
        propSize = propertiesSize(p.properties);
        rl += withPrefix(propSize);
    }
    for (const QByteArray &f : p.filters)
        rl += strSize(f);
    qsizetype written = 0;
    char *w = beginPacket(out, 0xA2, rl, written);
    if (!w) return 0;
    w = putU16(w, p.packetId);
    if (v5) w = putProperties(w, p.properties, propSize);
    for (const QByteArray &f : p.filters)
        w = putString(w, f);
    return written;
}

qsizetype encodePingreq(QByteArray &out)
{
    out.append(char(0xC0)).append(char(0x00));
    return 2;
}

qsizetype encodePingresp(QByteArray &out)
{
    out.append(char(0xD0)).append(char(0x00));
    return 2;
}

qsizetype encodeDisconnect(const Disconnect &p, ProtocolVersion version, QByteArray &out)
{
    const u64 propSize = isV5(version) ? propertiesSize(p.properties) : 0;
    const bool hasProps = propSize > 0;
    u64 rl = 0;
    if (isV5(version)) {
        // Short forms [MQTT-3.14.2.1]: no body for a normal disconnection, reason alone otherwise.
        if (hasProps) {
            rl = 1 + withPrefix(propSize);
        } else if (p.reasonCode != 0) {
            rl = 1;
        }
    }
    qsizetype written = 0;
    char *w = beginPacket(out, 0xE0, rl, written);
    if (!w) return 0;
    if (rl > 0) w = putByte(w, p.reasonCode);
    if (hasProps) putProperties(w, p.properties, propSize);
    return written;
}

qsizetype encodeAuth(const Auth &p, ProtocolVersion version, QByteArray &out)
{
    if (!isV5(version)) return 0; // AUTH does not exist before MQTT 5: nothing written
    const u64 propSize = propertiesSize(p.properties);
    u64 rl = 0;
    // Reason code and property length are omitted together or not at all [MQTT-3.15.2.1].
    if (p.reasonCode != 0 || propSize > 0) rl = 1 + withPrefix(propSize);
    qsizetype written = 0;
    char *w = beginPacket(out, 0xF0, rl, written);
    if (!w) return 0;
    if (rl > 0) putProperties(putByte(w, p.reasonCode), p.properties, propSize);
    return written;
}

qsizetype encodePacket(const Packet &p, ProtocolVersion version, QByteArray &out)
{
    struct Visitor {
        ProtocolVersion v;
        QByteArray &out;
        qsizetype operator()(const Connect &x) const { return encodeConnect(x, out); }
        qsizetype operator()(const Connack &x) const { return encodeConnack(x, v, out); }
        qsizetype operator()(const Publish &x) const { return encodePublish(x, v, out); }
        qsizetype operator()(const Ack &x) const { return encodeAck(x, v, out); }
        qsizetype operator()(const Subscribe &x) const { return encodeSubscribe(x, v, out); }
        qsizetype operator()(const SubackLike &x) const { return encodeSuback(x, v, out); }
        qsizetype operator()(const Unsubscribe &x) const { return encodeUnsubscribe(x, v, out); }
        qsizetype operator()(const Pingreq &) const { return encodePingreq(out); }
        qsizetype operator()(const Pingresp &) const { return encodePingresp(out); }
        qsizetype operator()(const Disconnect &x) const { return encodeDisconnect(x, v, out); }
        qsizetype operator()(const Auth &x) const { return encodeAuth(x, v, out); }
    };
    return std::visit(Visitor{version, out}, p);
}

} // namespace petrel::packets
