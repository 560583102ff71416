// The packet catalogue (see catalogue.h). Each case is the packet's bytes with a comment per
// field. pkt() writes the fixed header (first byte + remaining length computed from the body),
// props() prefixes a property block with its length, str() prefixes a string with its
// two-byte length; raw() is used where the header itself is under test.
//
// Canonical encodings (what the encoder writes, so round trips are byte-exact): properties in
// ascending identifier order (user properties and subscription identifiers in list order),
// minimal variable byte integers, and the v5 short forms of acks, DISCONNECT and AUTH.
// Cases with another valid encoding are marked roundTrip = false.
#include "catalogue.h"

#include <initializer_list>

using namespace petrel::packets;

namespace {

using V = ProtocolVersion;
using RC = ReasonCode;
using PT = PacketType;
constexpr V v3 = V::V31;
constexpr V v4 = V::V311;
constexpr V v5 = V::V5;

// One piece of a byte list: a byte (int), raw characters (string literal) or bytes.
struct Piece {
    QByteArray b;
    Piece(int byte) : b(1, char(byte)) {}
    Piece(const char *s) : b(s) {}
    Piece(QByteArray a) : b(std::move(a)) {}
};

QByteArray raw(std::initializer_list<Piece> pieces)
{
    QByteArray out;
    for (const Piece &p : pieces)
        out += p.b;
    return out;
}

QByteArray varint(quint32 v)
{
    QByteArray out;
    do {
        char b = char(v & 0x7F);
        v >>= 7;
        if (v) b = char(b | 0x80);
        out += b;
    } while (v);
    return out;
}

// Two-byte length + bytes (UTF-8 string or binary data).
QByteArray str(const QByteArray &s)
{
    QByteArray out;
    out += char(s.size() >> 8);
    out += char(s.size() & 0xFF);
    return out + s;
}

// Property length + properties.
QByteArray props(std::initializer_list<Piece> pieces)
{
    const QByteArray body = raw(pieces);
    return varint(quint32(body.size())) + body;
}

// Fixed header (first byte, remaining length) + body.
QByteArray pkt(int firstByte, std::initializer_list<Piece> body)
{
    const QByteArray b = raw(body);
    return QByteArray(1, char(firstByte)) + varint(quint32(b.size())) + b;
}

const char *name(const QByteArray &s)
{
    static QList<QByteArray> names; // keeps generated ids alive; their data never moves
    names.append(s);
    return names.last().constData();
}

// ---- decoded-value builders ----------------------------------------------------------

Connect mkConnect(V v, const char *clientId, quint16 keepAlive, bool clean = true)
{
    Connect c;
    c.version = v;
    c.protocolName = v == v3 ? "MQIsdp" : "MQTT";
    c.cleanStart = clean;
    c.keepAlive = keepAlive;
    c.clientId = clientId;
    return c;
}

Publish mkPublish(const QByteArray &topic, const QByteArray &payload, quint8 qos = 0, quint16 id = 0,
                  bool retain = false, bool dup = false)
{
    Publish p;
    p.topic = topic;
    p.payload = payload;
    p.qos = qos;
    p.packetId = id;
    p.retain = retain;
    p.dup = dup;
    return p;
}

Ack mkAck(PT type, quint16 id, quint8 reason = 0)
{
    Ack a;
    a.type = type;
    a.packetId = id;
    a.reasonCode = reason;
    return a;
}

TopicSubscription sub(const char *filter, quint8 qos, bool noLocal = false, bool rap = false, quint8 rh = 0)
{
    TopicSubscription t;
    t.filter = filter;
    t.options.qos = qos;
    t.options.noLocal = noLocal;
    t.options.retainAsPublished = rap;
    t.options.retainHandling = rh;
    return t;
}

Subscribe mkSubscribe(quint16 id, QList<TopicSubscription> topics)
{
    Subscribe s;
    s.packetId = id;
    s.topics = std::move(topics);
    return s;
}

SubackLike mkSuback(PT type, quint16 id, QList<quint8> codes)
{
    SubackLike s;
    s.type = type;
    s.packetId = id;
    s.reasonCodes = std::move(codes);
    return s;
}

Unsubscribe mkUnsubscribe(quint16 id, QList<QByteArray> filters)
{
    Unsubscribe u;
    u.packetId = id;
    u.filters = std::move(filters);
    return u;
}

template <typename T, typename U>
void set(Properties &p, PropertyId id, T Properties::*field, U value)
{
    p.*field = T(value);
    p.mark(id);
}

struct Builder {
    QList<CatalogueCase> list;
    void ok(const char *id, V v, QByteArray bytes, Packet decoded, bool roundTrip = true)
    {
        list.append(CatalogueCase{id, v, std::move(bytes), true, std::move(decoded), RC::Success, roundTrip});
    }
    void bad(const char *id, V v, QByteArray bytes, RC expected)
    {
        list.append(CatalogueCase{id, v, std::move(bytes), false, Packet{}, expected, false});
    }
};

using P = PropertyId;

// ---- CONNECT -------------------------------------------------------------------------

void connectCases(Builder &b)
{
    const QByteArray mqtt = str("MQTT"), mqisdp = str("MQIsdp");

    b.ok("v3/connect/minimal", v3,
         pkt(0x10, {mqisdp,        // protocol name "MQIsdp"
                    0x03,          // protocol level 3
                    0x02,          // flags: clean session
                    0x00, 0x3C,    // keep alive 60
                    str("pet1")}), // client id
         mkConnect(v3, "pet1", 60));

    {
        Connect c = mkConnect(v3, "c3", 10);
        c.hasWill = c.hasUsername = c.hasPassword = true;
        c.will.qos = 1;
        c.will.retain = true;
        c.will.topic = "w/t";
        c.will.payload = "bye";
        c.username = "u";
        c.password = "p";
        b.ok("v3/connect/full", v3,
             pkt(0x10, {mqisdp, 0x03,
                        0xEE,       // flags: user, password, will retain, will qos 1, will, clean
                        0x00, 0x0A, // keep alive 10
                        str("c3"),  // client id
                        str("w/t"), // will topic
                        str("bye"), // will payload
                        str("u"),   // user name
                        str("p")}), // password
             c);
    }

    b.ok("v4/connect/minimal", v4,
         pkt(0x10, {mqtt,       // protocol name "MQTT"
                    0x04,       // protocol level 4
                    0x02,       // flags: clean session
                    0x00, 0x1E, // keep alive 30
                    str("c")}), // client id
         mkConnect(v4, "c", 30));

    b.ok("v4/connect/empty-client-id", v4,
         pkt(0x10, {mqtt, 0x04, 0x02, 0x00, 0x00, 0x00, 0x00}), // client id "" (server assigns one)
         mkConnect(v4, "", 0));

    {
        Connect c = mkConnect(v4, "full-4", 65535);
        c.hasWill = c.hasUsername = c.hasPassword = true;
        c.will.qos = 2;
        c.will.retain = true;
        c.will.topic = "status/full-4";
        c.will.payload = QByteArray("\x00\xFF", 2);
        c.username = "user";
        c.password = QByteArray("\x00\x01pw", 4);
        b.ok("v4/connect/full", v4,
             pkt(0x10, {mqtt, 0x04,
                        0xF6,                   // flags: user, password, will retain, will qos 2, will, clean
                        0xFF, 0xFF,             // keep alive 65535
                        str("full-4"),          // client id
                        str("status/full-4"),   // will topic
                        0x00, 0x02, 0x00, 0xFF, // will payload (binary)
                        str("user"),            // user name
                        0x00, 0x04, 0x00, 0x01, 'p', 'w'}), // password (binary)
             c);
    }
    {
        Connect c = mkConnect(v4, "persistent", 120, false);
        c.hasWill = true;
        c.will.qos = 1;
        c.will.topic = "lwt";
        b.ok("v4/connect/will-qos1-no-clean", v4,
             pkt(0x10, {mqtt, 0x04,
                        0x0C,       // flags: will qos 1, will; clean session 0
                        0x00, 0x78, // keep alive 120
                        str("persistent"), str("lwt"), 0x00, 0x00}), // empty will payload
             c);
    }
    {
        Connect c = mkConnect(v4, "u-only", 5);
        c.hasUsername = true;
        c.username = "caf\xC3\xA9"; // "café"
        b.ok("v4/connect/username-only", v4,
             pkt(0x10, {mqtt, 0x04, 0x82, // flags: user name, clean
                        0x00, 0x05, str("u-only"), str("caf\xC3\xA9")}),
             c);
    }

    b.ok("v5/connect/minimal", v5,
         pkt(0x10, {mqtt, 0x05, // protocol level 5
                    0x02, 0x00, 0x3C,
                    0x00, // property length 0
                    str("c5")}),
         mkConnect(v5, "c5", 60));

    {
        Connect c = mkConnect(v5, "full-5", 30);
        c.hasWill = c.hasUsername = c.hasPassword = true;
        c.will.qos = 1;
        c.will.retain = true;
        c.will.topic = "will/full-5";
        c.will.payload = "gone";
        c.username = "alice";
        c.password = "secret";
        Properties &p = c.properties;
        set(p, P::SessionExpiryInterval, &Properties::sessionExpiryInterval, 3600);
        set(p, P::AuthenticationMethod, &Properties::authenticationMethod, QByteArray("SCRAM"));
        set(p, P::AuthenticationData, &Properties::authenticationData, QByteArray("\x01\x02", 2));
        set(p, P::RequestProblemInformation, &Properties::requestProblemInformation, 0);
        set(p, P::RequestResponseInformation, &Properties::requestResponseInformation, 1);
        set(p, P::ReceiveMaximum, &Properties::receiveMaximum, 20);
        set(p, P::TopicAliasMaximum, &Properties::topicAliasMaximum, 10);
        p.userProperties = {{"a", "1"}, {"b", "2"}};
        set(p, P::MaximumPacketSize, &Properties::maximumPacketSize, 65536);
        Properties &w = c.will.properties;
        set(w, P::PayloadFormatIndicator, &Properties::payloadFormatIndicator, 1);
        set(w, P::MessageExpiryInterval, &Properties::messageExpiryInterval, 60);
        set(w, P::ContentType, &Properties::contentType, QByteArray("text/plain"));
        set(w, P::ResponseTopic, &Properties::responseTopic, QByteArray("r/t"));
        set(w, P::CorrelationData, &Properties::correlationData, QByteArray("id-1"));
        set(w, P::WillDelayInterval, &Properties::willDelayInterval, 5);
        w.userProperties = {{"k", "v"}};
        b.ok("v5/connect/full", v5,
             pkt(0x10, {mqtt, 0x05,
                        0xEE,       // flags: user, password, will retain, will qos 1, will, clean
                        0x00, 0x1E, // keep alive 30
                        props({0x11, 0x00,         0x00,     0x0E, 0x10,   // session expiry 3600
                               0x15, str("SCRAM"),                         // authentication method
                               0x16, 0x00,         0x02,     0x01, 0x02,   // authentication data
                               0x17, 0x00,                                 // request problem information 0
                               0x19, 0x01,                                 // request response information 1
                               0x21, 0x00,         0x14,                   // receive maximum 20
                               0x22, 0x00,         0x0A,                   // topic alias maximum 10
                               0x26, str("a"),     str("1"),               // user property a=1
                               0x26, str("b"),     str("2"),               // user property b=2
                               0x27, 0x00,         0x01,     0x00, 0x00}), // maximum packet size 65536
                        str("full-5"),                                     // client id
                        props({0x01,    0x01,                              // will: payload format UTF-8
                               0x02,    0x00,
                               0x00,    0x00,
                               0x3C,                       // will: message expiry 60
                               0x03,    str("text/plain"), // will: content type
                               0x08,    str("r/t"),        // will: response topic
                               0x09,    str("id-1"),       // will: correlation data
                               0x18,    0x00,
                               0x00,    0x00,
                               0x05, // will delay interval 5
                               0x26,    str("k"),
                               str("v")}),  // will: user property
                        str("will/full-5"), // will topic
                        str("gone"),        // will payload
                        str("alice"),       // user name
                        str("secret")}),    // password
             c);
    }
    {
        Connect c = mkConnect(v5, "tok", 60);
        c.hasPassword = true;
        c.password = "jwt";
        b.ok("v5/connect/password-without-username", v5,
             pkt(0x10, {mqtt, 0x05, 0x42, // flags: password, clean (allowed in v5)
                        0x00, 0x3C, 0x00, str("tok"), str("jwt")}),
             c);
    }
    {
        Connect c = mkConnect(v5, "w", 0);
        c.hasWill = true;
        c.will.topic = "t";
        c.will.payload = "x";
        b.ok("v5/connect/will-no-properties", v5,
             pkt(0x10, {mqtt, 0x05, 0x06, // flags: will, clean
                        0x00, 0x00, 0x00, str("w"),
                        0x00, // will property length 0
                        str("t"), str("x")}),
             c);
    }

    // -- invalid CONNECT --
    b.bad("v4/connect/protocol-name-mqisdp-level-4", v4,
          pkt(0x10, {mqisdp, 0x04, 0x02, 0x00, 0x3C, str("c")}), RC::UnsupportedProtocolVersion);
    b.bad("v3/connect/protocol-name-mqtt-level-3", v3, pkt(0x10, {mqtt, 0x03, 0x02, 0x00, 0x3C, str("c")}),
          RC::UnsupportedProtocolVersion);
    b.bad("v4/connect/protocol-name-lowercase", v4,
          pkt(0x10, {str("mqtt"), 0x04, 0x02, 0x00, 0x3C, str("c")}), RC::UnsupportedProtocolVersion);
    b.bad("v4/connect/level-6", v4, pkt(0x10, {mqtt, 0x06, 0x02, 0x00, 0x3C, str("c")}),
          RC::UnsupportedProtocolVersion);
    b.bad("v4/connect/level-2", v4, pkt(0x10, {mqtt, 0x02, 0x02, 0x00, 0x3C, str("c")}),
          RC::UnsupportedProtocolVersion);
    b.bad("v3/connect/reserved-flag", v3, pkt(0x10, {mqisdp, 0x03, 0x03, 0x00, 0x3C, str("c")}),
          RC::MalformedPacket);
    b.bad("v4/connect/reserved-flag", v4, pkt(0x10, {mqtt, 0x04, 0x03, 0x00, 0x3C, str("c")}),
          RC::MalformedPacket);
    b.bad("v5/connect/reserved-flag", v5, pkt(0x10, {mqtt, 0x05, 0x03, 0x00, 0x3C, 0x00, str("c")}),
          RC::MalformedPacket);
    b.bad("v4/connect/will-qos-without-will", v4,
          pkt(0x10, {mqtt, 0x04, 0x0A, /* will qos 1, no will flag */ 0x00, 0x3C, str("c")}),
          RC::MalformedPacket);
    b.bad("v4/connect/will-retain-without-will", v4,
          pkt(0x10, {mqtt, 0x04, 0x22, /* will retain, no will flag */ 0x00, 0x3C, str("c")}),
          RC::MalformedPacket);
    b.bad("v5/connect/will-qos-without-will", v5,
          pkt(0x10, {mqtt, 0x05, 0x12, /* will qos 2, no will flag */ 0x00, 0x3C, 0x00, str("c")}),
          RC::MalformedPacket);
    b.bad(
        "v4/connect/will-qos-3", v4,
        pkt(0x10, {mqtt, 0x04, 0x1E, /* will qos 3, will, clean */ 0x00, 0x3C, str("c"), str("t"), str("x")}),
        RC::MalformedPacket);
    b.bad("v5/connect/will-qos-3", v5,
          pkt(0x10, {mqtt, 0x05, 0x1E, 0x00, 0x3C, 0x00, str("c"), 0x00, str("t"), str("x")}),
          RC::MalformedPacket);
    b.bad("v4/connect/password-without-username", v4,
          pkt(0x10, {mqtt, 0x04, 0x42, /* password, clean */ 0x00, 0x3C, str("c"), str("pw")}),
          RC::MalformedPacket);
    b.bad("v3/connect/password-without-username", v3,
          pkt(0x10, {mqisdp, 0x03, 0x42, 0x00, 0x3C, str("c"), str("pw")}), RC::MalformedPacket);
    b.bad("v4/connect/client-id-invalid-utf8", v4,
          pkt(0x10, {mqtt, 0x04, 0x02, 0x00, 0x3C, 0x00, 0x02, 0xC3, 0x28}), RC::MalformedPacket);
    b.bad("v4/connect/client-id-nul", v4,
          pkt(0x10, {mqtt, 0x04, 0x02, 0x00, 0x3C, 0x00, 0x03, 'a', 0x00, 'b'}), RC::MalformedPacket);
    b.bad("v5/connect/client-id-surrogate", v5,
          pkt(0x10, {mqtt, 0x05, 0x02, 0x00, 0x3C, 0x00, 0x00, 0x03, 0xED, 0xA0, 0x80}), RC::MalformedPacket);
    b.bad("v4/connect/trailing-bytes", v4,
          pkt(0x10, {mqtt, 0x04, 0x02, 0x00, 0x3C, str("c"), 0x00 /* extra byte */}), RC::MalformedPacket);
    b.bad("v4/connect/client-id-past-end", v4,
          pkt(0x10, {mqtt, 0x04, 0x02, 0x00, 0x3C, 0x00, 0x05, 'a', 'b'}), RC::MalformedPacket);
    b.bad("v4/connect/keep-alive-past-end", v4, pkt(0x10, {mqtt, 0x04, 0x02}), RC::MalformedPacket);
    b.bad("v4/connect/protocol-name-past-end", v4, pkt(0x10, {0x00, 0x04, 'M', 'Q'}), RC::MalformedPacket);
    b.bad("v4/connect/header-flags", v4, pkt(0x12, {mqtt, 0x04, 0x02, 0x00, 0x3C, str("c")}),
          RC::MalformedPacket);
    b.bad("v4/connect/will-topic-wildcard", v4,
          pkt(0x10, {mqtt, 0x04, 0x06, 0x00, 0x3C, str("c"), str("a/#"), str("x")}), RC::TopicNameInvalid);
    b.bad("v4/connect/will-topic-invalid-utf8", v4,
          pkt(0x10, {mqtt, 0x04, 0x06, 0x00, 0x3C, str("c"), 0x00, 0x01, 0xFE, str("x")}),
          RC::MalformedPacket);
    b.bad("v4/connect/will-payload-missing", v4,
          pkt(0x10, {mqtt, 0x04, 0x06, 0x00, 0x3C, str("c"), str("t")}), RC::MalformedPacket);
    b.bad("v4/connect/username-invalid-utf8", v4,
          pkt(0x10, {mqtt, 0x04, 0x82, 0x00, 0x3C, str("c"), 0x00, 0x02, 0xC0, 0x80}), RC::MalformedPacket);
    b.bad("v4/connect/password-missing", v4, pkt(0x10, {mqtt, 0x04, 0xC2, 0x00, 0x3C, str("c"), str("u")}),
          RC::MalformedPacket);
    b.bad("v5/connect/property-not-allowed", v5,
          pkt(0x10, {mqtt, 0x05, 0x02, 0x00, 0x3C, props({0x23, 0x00, 0x01}) /* topic alias */, str("c")}),
          RC::MalformedPacket);
    b.bad("v5/connect/unknown-property", v5,
          pkt(0x10, {mqtt, 0x05, 0x02, 0x00, 0x3C, props({0x7F, 0x00}), str("c")}), RC::MalformedPacket);
    b.bad("v5/connect/duplicate-session-expiry", v5,
          pkt(0x10, {mqtt, 0x05, 0x02, 0x00, 0x3C,
                     props({0x11, 0x00, 0x00, 0x00, 0x01, 0x11, 0x00, 0x00, 0x00, 0x02}), str("c")}),
          RC::ProtocolError);
    b.bad("v5/connect/duplicate-authentication-method", v5,
          pkt(0x10, {mqtt, 0x05, 0x02, 0x00, 0x3C, props({0x15, str("a"), 0x15, str("b")}), str("c")}),
          RC::ProtocolError);
    b.bad("v5/connect/receive-maximum-0", v5,
          pkt(0x10, {mqtt, 0x05, 0x02, 0x00, 0x3C, props({0x21, 0x00, 0x00}), str("c")}), RC::ProtocolError);
    b.bad("v5/connect/maximum-packet-size-0", v5,
          pkt(0x10, {mqtt, 0x05, 0x02, 0x00, 0x3C, props({0x27, 0x00, 0x00, 0x00, 0x00}), str("c")}),
          RC::ProtocolError);
    b.bad("v5/connect/request-problem-information-2", v5,
          pkt(0x10, {mqtt, 0x05, 0x02, 0x00, 0x3C, props({0x17, 0x02}), str("c")}), RC::ProtocolError);
    b.bad("v5/connect/request-response-information-2", v5,
          pkt(0x10, {mqtt, 0x05, 0x02, 0x00, 0x3C, props({0x19, 0x02}), str("c")}), RC::ProtocolError);
    b.bad("v5/connect/property-length-past-end", v5,
          pkt(0x10, {mqtt, 0x05, 0x02, 0x00, 0x3C, 0x20 /* property length 32 */, str("c")}),
          RC::MalformedPacket);
    b.bad("v5/connect/property-length-5-bytes", v5,
          pkt(0x10, {mqtt, 0x05, 0x02, 0x00, 0x3C, 0x80, 0x80, 0x80, 0x80, 0x01, str("c")}),
          RC::MalformedPacket);
    b.bad("v5/connect/property-value-past-end", v5,
          pkt(0x10, {mqtt, 0x05, 0x02, 0x00, 0x3C, props({0x11, 0x00, 0x00}) /* 2 of 4 bytes */, str("c")}),
          RC::MalformedPacket);
    b.bad("v5/connect/will-payload-format-2", v5,
          pkt(0x10, {mqtt, 0x05, 0x06, 0x00, 0x3C, 0x00, str("c"), props({0x01, 0x02}), str("t"), str("x")}),
          RC::ProtocolError);
    b.bad("v5/connect/will-property-not-allowed", v5,
          pkt(0x10, {mqtt, 0x05, 0x06, 0x00, 0x3C, 0x00, str("c"),
                     props({0x11, 0x00, 0x00, 0x00, 0x01}) /* session expiry in will */, str("t"), str("x")}),
          RC::MalformedPacket);
    b.bad("v5/connect/authentication-data-without-method", v5,
          pkt(0x10, {mqtt, 0x05, 0x02, 0x00, 0x3C, props({0x16, str("d")}), str("c")}), RC::ProtocolError);
    b.bad("v5/connect/user-property-invalid-utf8", v5,
          pkt(0x10, {mqtt, 0x05, 0x02, 0x00, 0x3C, props({0x26, str("k"), 0x00, 0x01, 0xFF}), str("c")}),
          RC::MalformedPacket);
    b.bad("v5/connect/user-property-missing-value", v5,
          pkt(0x10, {mqtt, 0x05, 0x02, 0x00, 0x3C, props({0x26, str("k")}), str("c")}), RC::MalformedPacket);
}

// ---- CONNACK -------------------------------------------------------------------------

void connackCases(Builder &b)
{
    auto connack = [](bool sp, quint8 rc) {
        Connack c;
        c.sessionPresent = sp;
        c.reasonCode = rc;
        return c;
    };
    b.ok("v3/connack/accepted", v3, pkt(0x20, {0x00 /* flags */, 0x00 /* accepted */}), connack(false, 0));
    b.ok("v3/connack/not-authorized", v3, pkt(0x20, {0x00, 0x05 /* not authorized */}), connack(false, 5));
    b.ok("v4/connack/accepted", v4, pkt(0x20, {0x00, 0x00}), connack(false, 0));
    b.ok("v4/connack/session-present", v4, pkt(0x20, {0x01 /* session present */, 0x00}), connack(true, 0));
    b.ok("v4/connack/bad-credentials", v4, pkt(0x20, {0x00, 0x04}), connack(false, 4));
    b.ok("v5/connack/minimal", v5, pkt(0x20, {0x00, 0x00 /* success */, 0x00 /* no properties */}),
         connack(false, 0));
    {
        Connack c = connack(true, 0);
        Properties &p = c.properties;
        set(p, P::SessionExpiryInterval, &Properties::sessionExpiryInterval, 120);
        set(p, P::AssignedClientIdentifier, &Properties::assignedClientIdentifier, QByteArray("auto-1"));
        set(p, P::ServerKeepAlive, &Properties::serverKeepAlive, 30);
        set(p, P::AuthenticationMethod, &Properties::authenticationMethod, QByteArray("SCRAM"));
        set(p, P::AuthenticationData, &Properties::authenticationData, QByteArray("xyz"));
        set(p, P::ResponseInformation, &Properties::responseInformation, QByteArray("resp/"));
        set(p, P::ServerReference, &Properties::serverReference, QByteArray("other:1883"));
        set(p, P::ReasonString, &Properties::reasonString, QByteArray("welcome"));
        set(p, P::ReceiveMaximum, &Properties::receiveMaximum, 100);
        set(p, P::TopicAliasMaximum, &Properties::topicAliasMaximum, 16);
        set(p, P::MaximumQoS, &Properties::maximumQoS, 1);
        set(p, P::RetainAvailable, &Properties::retainAvailable, 0);
        p.userProperties = {{"x", "y"}};
        set(p, P::MaximumPacketSize, &Properties::maximumPacketSize, 1048576);
        set(p, P::WildcardSubscriptionAvailable, &Properties::wildcardSubscriptionAvailable, 0);
        set(p, P::SubscriptionIdentifierAvailable, &Properties::subscriptionIdentifierAvailable, 0);
        set(p, P::SharedSubscriptionAvailable, &Properties::sharedSubscriptionAvailable, 1);
        b.ok("v5/connack/full", v5,
             pkt(0x20, {0x01, // session present
                        0x00, // success
                        props({0x11,     0x00,
                               0x00,     0x00,
                               0x78,                    // session expiry 120
                               0x12,     str("auto-1"), // assigned client identifier
                               0x13,     0x00,
                               0x1E,                        // server keep alive 30
                               0x15,     str("SCRAM"),      // authentication method
                               0x16,     str("xyz"),        // authentication data
                               0x1A,     str("resp/"),      // response information
                               0x1C,     str("other:1883"), // server reference
                               0x1F,     str("welcome"),    // reason string
                               0x21,     0x00,
                               0x64, // receive maximum 100
                               0x22,     0x00,
                               0x10,           // topic alias maximum 16
                               0x24,     0x01, // maximum qos 1
                               0x25,     0x00, // retain not available
                               0x26,     str("x"),
                               str("y"), // user property
                               0x27,     0x00,
                               0x10,     0x00,
                               0x00,               // maximum packet size 1 MiB
                               0x28,     0x00,     // wildcard subscriptions not available
                               0x29,     0x00,     // subscription identifiers not available
                               0x2A,     0x01})}), // shared subscriptions available
             c);
    }
    {
        Connack c = connack(false, 0x87);
        set(c.properties, P::ReasonString, &Properties::reasonString, QByteArray("denied"));
        b.ok("v5/connack/not-authorized", v5,
             pkt(0x20, {0x00, 0x87 /* not authorized */, props({0x1F, str("denied")})}), c);
    }
    {
        Connack c = connack(false, 0x9C);
        set(c.properties, P::ServerReference, &Properties::serverReference, QByteArray("b.example:1883"));
        b.ok("v5/connack/use-another-server", v5,
             pkt(0x20, {0x00, 0x9C /* use another server */, props({0x1C, str("b.example:1883")})}), c);
    }

    b.bad("v3/connack/return-code-6", v3, pkt(0x20, {0x00, 0x06}), RC::ProtocolError);
    b.bad("v4/connack/return-code-6", v4, pkt(0x20, {0x00, 0x06}), RC::ProtocolError);
    b.bad("v4/connack/reserved-flags", v4, pkt(0x20, {0x02, 0x00}), RC::MalformedPacket);
    b.bad("v4/connack/too-long", v4, pkt(0x20, {0x00, 0x00, 0x00}), RC::MalformedPacket);
    b.bad("v4/connack/too-short", v4, pkt(0x20, {0x00}), RC::MalformedPacket);
    b.bad("v4/connack/session-present-with-error", v4, pkt(0x20, {0x01, 0x05}), RC::ProtocolError);
    b.bad("v4/connack/header-flags", v4, pkt(0x21, {0x00, 0x00}), RC::MalformedPacket);
    b.bad("v5/connack/reserved-flags", v5, pkt(0x20, {0x80, 0x00, 0x00}), RC::MalformedPacket);
    b.bad("v5/connack/invalid-reason", v5, pkt(0x20, {0x00, 0x05, 0x00}), RC::ProtocolError);
    b.bad("v5/connack/session-present-with-failure", v5, pkt(0x20, {0x01, 0x87, 0x00}), RC::ProtocolError);
    b.bad("v5/connack/missing-property-length", v5, pkt(0x20, {0x00, 0x00}), RC::MalformedPacket);
    b.bad("v5/connack/trailing-bytes", v5, pkt(0x20, {0x00, 0x00, 0x00, 0x00}), RC::MalformedPacket);
    b.bad("v5/connack/maximum-qos-2", v5, pkt(0x20, {0x00, 0x00, props({0x24, 0x02})}), RC::ProtocolError);
    b.bad("v5/connack/retain-available-2", v5, pkt(0x20, {0x00, 0x00, props({0x25, 0x02})}),
          RC::ProtocolError);
    b.bad("v5/connack/wildcard-available-2", v5, pkt(0x20, {0x00, 0x00, props({0x28, 0x02})}),
          RC::ProtocolError);
    b.bad("v5/connack/subscription-id-available-2", v5, pkt(0x20, {0x00, 0x00, props({0x29, 0x02})}),
          RC::ProtocolError);
    b.bad("v5/connack/shared-available-2", v5, pkt(0x20, {0x00, 0x00, props({0x2A, 0x02})}),
          RC::ProtocolError);
    b.bad("v5/connack/receive-maximum-0", v5, pkt(0x20, {0x00, 0x00, props({0x21, 0x00, 0x00})}),
          RC::ProtocolError);
    b.bad("v5/connack/property-not-allowed", v5,
          pkt(0x20, {0x00, 0x00, props({0x18, 0x00, 0x00, 0x00, 0x01}) /* will delay */}),
          RC::MalformedPacket);
    b.bad("v5/connack/duplicate-reason-string", v5,
          pkt(0x20, {0x00, 0x00, props({0x1F, str("a"), 0x1F, str("b")})}), RC::ProtocolError);
    b.bad("v5/connack/authentication-data-without-method", v5,
          pkt(0x20, {0x00, 0x00, props({0x16, str("d")})}), RC::ProtocolError);
}

// ---- PUBLISH -------------------------------------------------------------------------

void publishCases(Builder &b)
{
    b.ok("v3/publish/qos0", v3, pkt(0x30, {str("a/b") /* topic */, "hello" /* payload */}),
         mkPublish("a/b", "hello"));
    b.ok("v3/publish/qos1", v3, pkt(0x32, {str("a/b"), 0x00, 0x01 /* packet id 1 */, "x"}),
         mkPublish("a/b", "x", 1, 1));
    b.ok("v3/publish/qos2-retain", v3, pkt(0x35, {str("r"), 0x00, 0x02, "y"}),
         mkPublish("r", "y", 2, 2, true));
    b.ok("v4/publish/qos0-empty-payload", v4, pkt(0x30, {str("t")}), mkPublish("t", ""));
    b.ok("v4/publish/qos0-retain", v4, pkt(0x31, {str("t"), "on"}), mkPublish("t", "on", 0, 0, true));
    b.ok("v4/publish/qos1", v4, pkt(0x32, {str("a/b/c"), 0x12, 0x34 /* packet id 0x1234 */, "payload"}),
         mkPublish("a/b/c", "payload", 1, 0x1234));
    b.ok("v4/publish/qos2-dup", v4, pkt(0x3C /* dup, qos 2 */, {str("d"), 0xFF, 0xFF, "z"}),
         mkPublish("d", "z", 2, 0xFFFF, false, true));
    b.ok("v4/publish/utf8-topic", v4, pkt(0x30, {str("caf\xC3\xA9/\xF0\x9F\x90\xA6"), "bird"}),
         mkPublish("caf\xC3\xA9/\xF0\x9F\x90\xA6", "bird"));
    b.ok("v4/publish/sys-topic", v4, pkt(0x30, {str("$SYS/broker/uptime"), "42"}),
         mkPublish("$SYS/broker/uptime", "42"));
    b.ok("v4/publish/binary-payload", v4, pkt(0x30, {str("bin"), 0x00, 0xFF, 0x80, 0x00}),
         mkPublish("bin", QByteArray("\x00\xFF\x80\x00", 4)));
    b.ok("v4/publish/two-byte-remaining-length", v4, pkt(0x30, {str("big"), QByteArray(200, 'z')}),
         mkPublish("big", QByteArray(200, 'z')));
    b.ok("v4/publish/non-minimal-remaining-length", v4,
         raw({0x30, 0x86, 0x00, // remaining length 6 in two bytes (accepted, not canonical)
              str("a/b"), "x"}),
         mkPublish("a/b", "x"), false);
    b.ok("v5/publish/qos0-no-properties", v5, pkt(0x30, {str("a"), 0x00 /* property length */, "hi"}),
         mkPublish("a", "hi"));
    b.ok("v5/publish/qos0-empty-payload", v5, pkt(0x30, {str("a"), 0x00}), mkPublish("a", ""));
    {
        Publish p = mkPublish("s/t", "{}", 1, 7);
        Properties &pr = p.properties;
        set(pr, P::PayloadFormatIndicator, &Properties::payloadFormatIndicator, 1);
        set(pr, P::MessageExpiryInterval, &Properties::messageExpiryInterval, 60);
        set(pr, P::ContentType, &Properties::contentType, QByteArray("application/json"));
        set(pr, P::ResponseTopic, &Properties::responseTopic, QByteArray("reply/1"));
        set(pr, P::CorrelationData, &Properties::correlationData, QByteArray("corr"));
        set(pr, P::TopicAlias, &Properties::topicAlias, 5);
        pr.userProperties = {{"k1", "v1"}, {"k2", "v2"}};
        b.ok("v5/publish/qos1-all-properties", v5,
             pkt(0x32, {str("s/t"), 0x00, 0x07, // packet id 7
                        props({0x01,      0x01, // payload format: UTF-8
                               0x02,      0x00,
                               0x00,      0x00,
                               0x3C,                               // message expiry 60
                               0x03,      str("application/json"), // content type
                               0x08,      str("reply/1"),          // response topic
                               0x09,      str("corr"),             // correlation data
                               0x23,      0x00,
                               0x05, // topic alias 5
                               0x26,      str("k1"),
                               str("v1"), // user property
                               0x26,      str("k2"),
                               str("v2")}), // user property
                        "{}"}),
             p);
    }
    {
        Publish p = mkPublish("a/b", "p", 2, 9);
        p.properties.subscriptionIdentifiers = {1, 268435455};
        p.properties.userProperties = {{"a", "b"}, {"a", "c"}};
        b.ok("v5/publish/qos2-subscription-identifiers", v5,
             pkt(0x34, {str("a/b"), 0x00, 0x09,
                        props({0x0B, 0x01,                   // subscription identifier 1
                               0x0B, 0xFF, 0xFF, 0xFF, 0x7F, // subscription identifier 268435455
                               0x26, str("a"), str("b"),     // user property a=b
                               0x26, str("a"), str("c")}),   // user property a=c (keys may repeat)
                        "p"}),
             p);
    }
    {
        Publish p = mkPublish("", "x");
        set(p.properties, P::TopicAlias, &Properties::topicAlias, 1);
        b.ok("v5/publish/topic-alias-empty-topic", v5,
             pkt(0x30, {0x00, 0x00 /* empty topic */, props({0x23, 0x00, 0x01}) /* topic alias 1 */, "x"}),
             p);
    }
    {
        Publish p = mkPublish("e", "x");
        set(p.properties, P::ContentType, &Properties::contentType, QByteArray()); // present, zero length
        set(p.properties, P::CorrelationData, &Properties::correlationData, QByteArray());
        b.ok("v5/publish/empty-string-properties", v5,
             pkt(0x30, {str("e"),
                        props({0x03, 0x00, 0x00,   // content type ""
                               0x09, 0x00, 0x00}), // correlation data (empty)
                        "x"}),
             p);
    }
    b.ok("v5/publish/dup-qos1-retain", v5, pkt(0x3B, {str("q"), 0x00, 0x03, 0x00, "m"}),
         mkPublish("q", "m", 1, 3, true, true));

    // -- invalid PUBLISH --
    b.bad("v3/publish/qos3", v3, pkt(0x36, {str("a"), 0x00, 0x01}), RC::MalformedPacket);
    b.bad("v4/publish/qos3", v4, pkt(0x36, {str("a"), 0x00, 0x01}), RC::MalformedPacket);
    b.bad("v5/publish/qos3", v5, pkt(0x36, {str("a"), 0x00, 0x01, 0x00}), RC::MalformedPacket);
    b.bad("v4/publish/qos0-dup", v4, pkt(0x38, {str("a"), "x"}), RC::MalformedPacket);
    b.bad("v5/publish/qos0-dup", v5, pkt(0x38, {str("a"), 0x00, "x"}), RC::MalformedPacket);
    b.bad("v4/publish/qos1-packet-id-0", v4, pkt(0x32, {str("a"), 0x00, 0x00, "x"}), RC::MalformedPacket);
    b.bad("v5/publish/qos2-packet-id-0", v5, pkt(0x34, {str("a"), 0x00, 0x00, 0x00, "x"}),
          RC::MalformedPacket);
    b.bad("v4/publish/packet-id-past-end", v4, pkt(0x32, {str("a"), 0x01}), RC::MalformedPacket);
    b.bad("v4/publish/wildcard-plus", v4, pkt(0x30, {str("a/+"), "x"}), RC::TopicNameInvalid);
    b.bad("v4/publish/wildcard-hash", v4, pkt(0x30, {str("a/#"), "x"}), RC::TopicNameInvalid);
    b.bad("v3/publish/wildcard-hash", v3, pkt(0x30, {str("#"), "x"}), RC::TopicNameInvalid);
    b.bad("v5/publish/wildcard-hash", v5, pkt(0x30, {str("a/#"), 0x00, "x"}), RC::TopicNameInvalid);
    b.bad("v5/publish/wildcard-plus-qos1", v5, pkt(0x32, {str("+"), 0x00, 0x01, 0x00}), RC::TopicNameInvalid);
    b.bad("v3/publish/empty-topic", v3, pkt(0x30, {0x00, 0x00, "x"}), RC::TopicNameInvalid);
    b.bad("v4/publish/empty-topic", v4, pkt(0x30, {0x00, 0x00, "x"}), RC::TopicNameInvalid);
    b.bad("v5/publish/empty-topic-without-alias", v5, pkt(0x30, {0x00, 0x00, 0x00, "x"}), RC::ProtocolError);
    b.bad("v4/publish/topic-invalid-utf8", v4, pkt(0x30, {0x00, 0x01, 0xFF, "x"}), RC::MalformedPacket);
    b.bad("v4/publish/topic-nul", v4, pkt(0x30, {0x00, 0x03, 'a', 0x00, 'b', "x"}), RC::MalformedPacket);
    b.bad("v4/publish/topic-nul-long", v4,
          pkt(0x30, {0x00, 0x09, "abc", 0x00, "defgh"}) /* NUL inside the 8-byte fast path */,
          RC::MalformedPacket);
    b.bad("v4/publish/topic-surrogate", v4, pkt(0x30, {0x00, 0x03, 0xED, 0xA0, 0x80, "x"}),
          RC::MalformedPacket);
    b.bad("v4/publish/topic-overlong-2-byte", v4, pkt(0x30, {0x00, 0x02, 0xC0, 0xAF, "x"}),
          RC::MalformedPacket);
    b.bad("v4/publish/topic-overlong-3-byte", v4, pkt(0x30, {0x00, 0x03, 0xE0, 0x80, 0xAF, "x"}),
          RC::MalformedPacket);
    b.bad("v4/publish/topic-overlong-4-byte", v4, pkt(0x30, {0x00, 0x04, 0xF0, 0x80, 0x80, 0xAF, "x"}),
          RC::MalformedPacket);
    b.bad("v4/publish/topic-above-u10ffff", v4, pkt(0x30, {0x00, 0x04, 0xF4, 0x90, 0x80, 0x80, "x"}),
          RC::MalformedPacket);
    b.bad("v4/publish/topic-truncated-sequence", v4, pkt(0x30, {0x00, 0x03, 'a', 0xE2, 0x82, "x"}),
          RC::MalformedPacket);
    b.bad("v4/publish/topic-stray-continuation", v4, pkt(0x30, {0x00, 0x02, 'a', 0x80}), RC::MalformedPacket);
    b.bad("v5/publish/topic-invalid-utf8", v5, pkt(0x30, {0x00, 0x01, 0xC1, 0x00}), RC::MalformedPacket);
    b.bad("v4/publish/topic-past-end", v4, pkt(0x30, {0x00, 0x10, 'a', 'b', 'c'}), RC::MalformedPacket);
    b.bad("v4/publish/topic-length-missing", v4, pkt(0x30, {0x00}), RC::MalformedPacket);
    b.bad("v4/publish/remaining-length-5-bytes", v4, raw({0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F}),
          RC::MalformedPacket);
    b.bad("v5/publish/missing-property-length", v5, pkt(0x30, {str("a")}), RC::MalformedPacket);
    b.bad("v5/publish/duplicate-payload-format", v5,
          pkt(0x30, {str("a"), props({0x01, 0x00, 0x01, 0x01}), "x"}), RC::ProtocolError);
    b.bad("v5/publish/payload-format-2", v5, pkt(0x30, {str("a"), props({0x01, 0x02}), "x"}),
          RC::ProtocolError);
    b.bad("v5/publish/topic-alias-0", v5, pkt(0x30, {str("a"), props({0x23, 0x00, 0x00}), "x"}),
          RC::ProtocolError);
    b.bad("v5/publish/duplicate-topic-alias", v5,
          pkt(0x30, {str("a"), props({0x23, 0x00, 0x01, 0x23, 0x00, 0x02}), "x"}), RC::ProtocolError);
    b.bad("v5/publish/subscription-identifier-0", v5, pkt(0x30, {str("a"), props({0x0B, 0x00}), "x"}),
          RC::ProtocolError);
    b.bad("v5/publish/subscription-identifier-5-bytes", v5,
          pkt(0x30, {str("a"), props({0x0B, 0x80, 0x80, 0x80, 0x80, 0x01}), "x"}), RC::MalformedPacket);
    b.bad("v5/publish/property-not-allowed", v5,
          pkt(0x30, {str("a"), props({0x11, 0x00, 0x00, 0x00, 0x01}) /* session expiry */, "x"}),
          RC::MalformedPacket);
    b.bad("v5/publish/unknown-property", v5, pkt(0x30, {str("a"), props({0x04, 0x00}), "x"}),
          RC::MalformedPacket);
    b.bad("v5/publish/property-length-past-end", v5, pkt(0x30, {str("a"), 0x0A /* 10 bytes */, 0x01, 0x00}),
          RC::MalformedPacket);
    b.bad("v5/publish/property-value-past-end", v5,
          pkt(0x30, {str("a"), props({0x02, 0x00, 0x00}) /* expiry 2 of 4 bytes */, "x"}),
          RC::MalformedPacket);
    b.bad("v5/publish/content-type-invalid-utf8", v5,
          pkt(0x30, {str("a"), props({0x03, 0x00, 0x02, 0xC3, 0x28}), "x"}), RC::MalformedPacket);
    b.bad("v5/publish/response-topic-nul", v5, pkt(0x30, {str("a"), props({0x08, 0x00, 0x01, 0x00}), "x"}),
          RC::MalformedPacket);
    b.bad("v5/publish/duplicate-correlation-data", v5,
          pkt(0x30, {str("a"), props({0x09, str("1"), 0x09, str("2")}), "x"}), RC::ProtocolError);
    b.bad("v5/publish/user-property-missing-value", v5, pkt(0x30, {str("a"), props({0x26, str("k")}), "x"}),
          RC::MalformedPacket);
}

// ---- PUBACK, PUBREC, PUBREL, PUBCOMP -----------------------------------------------------

void ackCases(Builder &b)
{
    struct Kind {
        PT type;
        const char *name;
        int first;      // first byte with the required flags
        quint8 reason;  // a valid non-zero reason code for this type
        quint8 invalid; // a reason code this type does not define
    };
    const Kind kinds[] = {
        {PT::Puback, "puback", 0x40, 0x10 /* no matching subscribers */, 0x92},
        {PT::Pubrec, "pubrec", 0x50, 0x80 /* unspecified error */, 0x92},
        {PT::Pubrel, "pubrel", 0x62, 0x92 /* packet identifier not found */, 0x10},
        {PT::Pubcomp, "pubcomp", 0x70, 0x92 /* packet identifier not found */, 0x80},
    };
    for (const Kind &k : kinds) {
        const QByteArray n = k.name;
        const int f = k.first;
        b.ok(name("v3/" + n + "/basic"), v3, pkt(f, {0x00, 0x01 /* packet id 1 */}), mkAck(k.type, 1));
        b.ok(name("v4/" + n + "/basic"), v4, pkt(f, {0x12, 0x34 /* packet id 0x1234 */}),
             mkAck(k.type, 0x1234));
        b.ok(name("v5/" + n + "/short"), v5, pkt(f, {0x00, 0x05 /* packet id; reason 0 implied */}),
             mkAck(k.type, 5));
        b.ok(name("v5/" + n + "/reason"), v5, pkt(f, {0x00, 0x06, k.reason /* reason, no properties */}),
             mkAck(k.type, 6, k.reason));
        {
            Ack a = mkAck(k.type, 0xFFFF, k.reason);
            set(a.properties, P::ReasonString, &Properties::reasonString, QByteArray("why"));
            a.properties.userProperties = {{"k", "v"}};
            b.ok(name("v5/" + n + "/properties"), v5,
                 pkt(f, {0xFF, 0xFF, k.reason,
                         props({0x1F, str("why"),             // reason string
                                0x26, str("k"), str("v")})}), // user property
                 a);
        }
        {
            Ack a = mkAck(k.type, 8);
            a.properties.userProperties = {{"only", "user"}};
            b.ok(name("v5/" + n + "/success-with-properties"), v5,
                 pkt(f, {0x00, 0x08, 0x00, props({0x26, str("only"), str("user")})}), a);
        }
        b.ok(name("v5/" + n + "/explicit-success"), v5, pkt(f, {0x00, 0x07, 0x00 /* reason 0 spelled out */}),
             mkAck(k.type, 7), false);
        b.ok(name("v5/" + n + "/empty-properties"), v5,
             pkt(f, {0x00, 0x07, k.reason, 0x00 /* property length 0 spelled out */}),
             mkAck(k.type, 7, k.reason), false);

        b.bad(name("v3/" + n + "/too-long"), v3, pkt(f, {0x00, 0x01, 0x00}), RC::MalformedPacket);
        b.bad(name("v4/" + n + "/too-long"), v4, pkt(f, {0x00, 0x01, 0x00}), RC::MalformedPacket);
        b.bad(name("v4/" + n + "/too-short"), v4, pkt(f, {0x01}), RC::MalformedPacket);
        b.bad(name("v5/" + n + "/empty"), v5, pkt(f, {}), RC::MalformedPacket);
        b.bad(name("v4/" + n + "/packet-id-0"), v4, pkt(f, {0x00, 0x00}), RC::MalformedPacket);
        b.bad(name("v5/" + n + "/packet-id-0"), v5, pkt(f, {0x00, 0x00}), RC::MalformedPacket);
        b.bad(name("v4/" + n + "/header-flags"), v4, pkt(f ^ 0x02, {0x00, 0x01}), RC::MalformedPacket);
        b.bad(name("v5/" + n + "/header-flags"), v5, pkt(f | 0x08, {0x00, 0x01}), RC::MalformedPacket);
        b.bad(name("v5/" + n + "/invalid-reason"), v5, pkt(f, {0x00, 0x01, k.invalid}), RC::ProtocolError);
        b.bad(name("v5/" + n + "/property-not-allowed"), v5,
              pkt(f, {0x00, 0x01, 0x00, props({0x23, 0x00, 0x01}) /* topic alias */}), RC::MalformedPacket);
        b.bad(name("v5/" + n + "/duplicate-reason-string"), v5,
              pkt(f, {0x00, 0x01, 0x00, props({0x1F, str("a"), 0x1F, str("b")})}), RC::ProtocolError);
        b.bad(name("v5/" + n + "/properties-past-end"), v5, pkt(f, {0x00, 0x01, 0x00, 0x05, 0x1F}),
              RC::MalformedPacket);
        b.bad(name("v5/" + n + "/trailing-bytes"), v5, pkt(f, {0x00, 0x01, 0x00, 0x00, 0x00}),
              RC::MalformedPacket);
    }
}

// ---- SUBSCRIBE -----------------------------------------------------------------------

void subscribeCases(Builder &b)
{
    b.ok("v3/subscribe/single", v3, pkt(0x82, {0x00, 0x01 /* packet id */, str("a/b"), 0x00 /* qos 0 */}),
         mkSubscribe(1, {sub("a/b", 0)}));
    b.ok("v3/subscribe/multiple", v3, pkt(0x82, {0x00, 0x02, str("a/#"), 0x01, str("+/x"), 0x02}),
         mkSubscribe(2, {sub("a/#", 1), sub("+/x", 2)}));
    b.ok("v4/subscribe/single", v4, pkt(0x82, {0x00, 0x0A, str("sensors/+/temp"), 0x01}),
         mkSubscribe(10, {sub("sensors/+/temp", 1)}));
    b.ok("v4/subscribe/multiple", v4,
         pkt(0x82, {0xAB, 0xCD,                 // packet id
                    str("#"), 0x00,             // everything, qos 0
                    str("a/+/c"), 0x01,         // single-level wildcard, qos 1
                    str("$share/g1/a/b"), 0x02, // shared subscription, qos 2
                    str("+"), 0x00,             // one level
                    str("/"), 0x01,             // two empty levels
                    str("+/+/#"), 0x02}),       // mixed wildcards
         mkSubscribe(0xABCD, {sub("#", 0), sub("a/+/c", 1), sub("$share/g1/a/b", 2), sub("+", 0), sub("/", 1),
                              sub("+/+/#", 2)}));
    b.ok("v5/subscribe/minimal", v5, pkt(0x82, {0x00, 0x01, 0x00 /* no properties */, str("a"), 0x00}),
         mkSubscribe(1, {sub("a", 0)}));
    {
        Subscribe s =
            mkSubscribe(10, {sub("a/b", 1, true, true, 2), sub("c/#", 2, false, false, 1),
                             sub("$share/grp/d/+", 0, false, true, 0), sub("e", 2, true, false, 0)});
        s.properties.subscriptionIdentifiers = {5};
        s.properties.userProperties = {{"k", "v"}};
        b.ok("v5/subscribe/all-options", v5,
             pkt(0x82, {0x00, 0x0A,
                        props({0x0B, 0x05,                 // subscription identifier 5
                               0x26, str("k"), str("v")}), // user property
                        str("a/b"), 0x2D, // qos 1, no local, retain as published, retain handling 2
                        str("c/#"), 0x12, // qos 2, retain handling 1
                        str("$share/grp/d/+"), 0x08, // qos 0, retain as published
                        str("e"), 0x06}),            // qos 2, no local
             s);
    }
    {
        Subscribe s = mkSubscribe(3, {sub("x", 1)});
        s.properties.subscriptionIdentifiers = {268435455};
        b.ok("v5/subscribe/largest-subscription-identifier", v5,
             pkt(0x82, {0x00, 0x03, props({0x0B, 0xFF, 0xFF, 0xFF, 0x7F}), str("x"), 0x01}), s);
    }

    b.bad("v3/subscribe/header-flags", v3, pkt(0x80, {0x00, 0x01, str("a"), 0x00}), RC::MalformedPacket);
    b.bad("v4/subscribe/header-flags", v4, pkt(0x80, {0x00, 0x01, str("a"), 0x00}), RC::MalformedPacket);
    b.bad("v5/subscribe/header-flags", v5, pkt(0x83, {0x00, 0x01, 0x00, str("a"), 0x00}),
          RC::MalformedPacket);
    b.bad("v4/subscribe/packet-id-0", v4, pkt(0x82, {0x00, 0x00, str("a"), 0x00}), RC::MalformedPacket);
    b.bad("v5/subscribe/packet-id-0", v5, pkt(0x82, {0x00, 0x00, 0x00, str("a"), 0x00}), RC::MalformedPacket);
    b.bad("v4/subscribe/packet-id-past-end", v4, pkt(0x82, {0x00}), RC::MalformedPacket);
    b.bad("v3/subscribe/no-filters", v3, pkt(0x82, {0x00, 0x01}), RC::ProtocolError);
    b.bad("v4/subscribe/no-filters", v4, pkt(0x82, {0x00, 0x01}), RC::ProtocolError);
    b.bad("v5/subscribe/no-filters", v5, pkt(0x82, {0x00, 0x01, 0x00}), RC::ProtocolError);
    b.bad("v4/subscribe/reserved-option-bits", v4, pkt(0x82, {0x00, 0x01, str("a"), 0x04}),
          RC::MalformedPacket);
    b.bad("v4/subscribe/qos-3", v4, pkt(0x82, {0x00, 0x01, str("a"), 0x03}), RC::MalformedPacket);
    b.bad("v3/subscribe/qos-3", v3, pkt(0x82, {0x00, 0x01, str("a"), 0x03}), RC::MalformedPacket);
    b.bad("v5/subscribe/qos-3", v5, pkt(0x82, {0x00, 0x01, 0x00, str("a"), 0x03}), RC::ProtocolError);
    b.bad("v5/subscribe/retain-handling-3", v5, pkt(0x82, {0x00, 0x01, 0x00, str("a"), 0x30}),
          RC::ProtocolError);
    b.bad("v5/subscribe/reserved-option-bits", v5, pkt(0x82, {0x00, 0x01, 0x00, str("a"), 0x40}),
          RC::MalformedPacket);
    b.bad("v5/subscribe/reserved-option-bit-7", v5, pkt(0x82, {0x00, 0x01, 0x00, str("a"), 0x80}),
          RC::MalformedPacket);
    b.bad("v4/subscribe/options-missing", v4, pkt(0x82, {0x00, 0x01, str("a")}), RC::MalformedPacket);
    b.bad("v4/subscribe/second-options-missing", v4, pkt(0x82, {0x00, 0x01, str("a"), 0x00, str("b")}),
          RC::MalformedPacket);
    b.bad("v4/subscribe/filter-past-end", v4, pkt(0x82, {0x00, 0x01, 0x00, 0x09, 'a'}), RC::MalformedPacket);
    b.bad("v4/subscribe/filter-invalid-utf8", v4, pkt(0x82, {0x00, 0x01, 0x00, 0x01, 0xFF, 0x00}),
          RC::MalformedPacket);
    b.bad("v5/subscribe/filter-nul", v5, pkt(0x82, {0x00, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00}),
          RC::MalformedPacket);
    b.bad("v4/subscribe/filter-hash-not-last", v4, pkt(0x82, {0x00, 0x01, str("a/#/b"), 0x00}),
          RC::TopicFilterInvalid);
    b.bad("v4/subscribe/filter-plus-suffix", v4, pkt(0x82, {0x00, 0x01, str("a+"), 0x00}),
          RC::TopicFilterInvalid);
    b.bad("v4/subscribe/filter-plus-prefix", v4, pkt(0x82, {0x00, 0x01, str("a/+b"), 0x00}),
          RC::TopicFilterInvalid);
    b.bad("v4/subscribe/filter-hash-prefix", v4, pkt(0x82, {0x00, 0x01, str("#a"), 0x00}),
          RC::TopicFilterInvalid);
    b.bad("v4/subscribe/filter-hash-suffix", v4, pkt(0x82, {0x00, 0x01, str("a/b#"), 0x00}),
          RC::TopicFilterInvalid);
    b.bad("v3/subscribe/filter-hash-not-last", v3, pkt(0x82, {0x00, 0x01, str("#/a"), 0x00}),
          RC::TopicFilterInvalid);
    b.bad("v4/subscribe/empty-filter", v4, pkt(0x82, {0x00, 0x01, 0x00, 0x00, 0x00}), RC::TopicFilterInvalid);
    b.bad("v5/subscribe/empty-filter", v5, pkt(0x82, {0x00, 0x01, 0x00, 0x00, 0x00, 0x00}),
          RC::TopicFilterInvalid);
    b.bad("v5/subscribe/filter-hash-not-last", v5, pkt(0x82, {0x00, 0x01, 0x00, str("a/#/b"), 0x00}),
          RC::TopicFilterInvalid);
    b.bad("v5/subscribe/shared-empty-group", v5, pkt(0x82, {0x00, 0x01, 0x00, str("$share//a"), 0x00}),
          RC::TopicFilterInvalid);
    b.bad("v5/subscribe/shared-wildcard-group", v5, pkt(0x82, {0x00, 0x01, 0x00, str("$share/g+/a"), 0x00}),
          RC::TopicFilterInvalid);
    b.bad("v5/subscribe/shared-hash-group", v5, pkt(0x82, {0x00, 0x01, 0x00, str("$share/#/a"), 0x00}),
          RC::TopicFilterInvalid);
    b.bad("v5/subscribe/shared-no-filter", v5, pkt(0x82, {0x00, 0x01, 0x00, str("$share/g"), 0x00}),
          RC::TopicFilterInvalid);
    b.bad("v5/subscribe/shared-empty-filter", v5, pkt(0x82, {0x00, 0x01, 0x00, str("$share/g/"), 0x00}),
          RC::TopicFilterInvalid);
    b.bad("v5/subscribe/shared-invalid-filter", v5, pkt(0x82, {0x00, 0x01, 0x00, str("$share/g/a#"), 0x00}),
          RC::TopicFilterInvalid);
    b.bad("v4/subscribe/shared-empty-group", v4, pkt(0x82, {0x00, 0x01, str("$share//a"), 0x00}),
          RC::TopicFilterInvalid);
    b.bad("v5/subscribe/no-local-on-shared", v5, pkt(0x82, {0x00, 0x01, 0x00, str("$share/g/a"), 0x04}),
          RC::ProtocolError);
    b.bad("v5/subscribe/subscription-identifier-0", v5,
          pkt(0x82, {0x00, 0x01, props({0x0B, 0x00}), str("a"), 0x00}), RC::ProtocolError);
    b.bad("v5/subscribe/duplicate-subscription-identifier", v5,
          pkt(0x82, {0x00, 0x01, props({0x0B, 0x01, 0x0B, 0x02}), str("a"), 0x00}), RC::ProtocolError);
    b.bad("v5/subscribe/property-not-allowed", v5,
          pkt(0x82, {0x00, 0x01, props({0x23, 0x00, 0x01}), str("a"), 0x00}), RC::MalformedPacket);
    b.bad("v5/subscribe/properties-past-end", v5, pkt(0x82, {0x00, 0x01, 0x09, 0x0B}), RC::MalformedPacket);
}

// ---- SUBACK --------------------------------------------------------------------------

void subackCases(Builder &b)
{
    b.ok("v3/suback/single", v3, pkt(0x90, {0x00, 0x01 /* packet id */, 0x00 /* granted qos 0 */}),
         mkSuback(PT::Suback, 1, {0}));
    b.ok("v3/suback/multiple", v3, pkt(0x90, {0x00, 0x02, 0x01, 0x02, 0x80 /* failure */}),
         mkSuback(PT::Suback, 2, {1, 2, 0x80}));
    b.ok("v4/suback/all-codes", v4, pkt(0x90, {0x12, 0x34, 0x00, 0x01, 0x02, 0x80}),
         mkSuback(PT::Suback, 0x1234, {0, 1, 2, 0x80}));
    b.ok("v5/suback/minimal", v5, pkt(0x90, {0x00, 0x01, 0x00 /* no properties */, 0x01}),
         mkSuback(PT::Suback, 1, {1}));
    {
        SubackLike s =
            mkSuback(PT::Suback, 7, {0x00, 0x01, 0x02, 0x80, 0x83, 0x87, 0x8F, 0x91, 0x97, 0x9E, 0xA1, 0xA2});
        set(s.properties, P::ReasonString, &Properties::reasonString, QByteArray("ok"));
        s.properties.userProperties = {{"k", "v"}};
        b.ok("v5/suback/properties-every-code", v5,
             pkt(0x90, {0x00, 0x07,
                        props({0x1F, str("ok"),             // reason string
                               0x26, str("k"), str("v")}),  // user property
                        0x00, 0x01, 0x02,                   // granted qos 0, 1, 2
                        0x80, 0x83, 0x87, 0x8F, 0x91, 0x97, // failures
                        0x9E, 0xA1, 0xA2}),                 // not supported: shared, sub ids, wildcards
             s);
    }

    b.bad("v3/suback/code-3", v3, pkt(0x90, {0x00, 0x01, 0x03}), RC::ProtocolError);
    b.bad("v4/suback/code-3", v4, pkt(0x90, {0x00, 0x01, 0x03}), RC::ProtocolError);
    b.bad("v4/suback/v5-code", v4, pkt(0x90, {0x00, 0x01, 0x87}), RC::ProtocolError);
    b.bad("v5/suback/code-3", v5, pkt(0x90, {0x00, 0x01, 0x00, 0x03}), RC::ProtocolError);
    b.bad("v4/suback/packet-id-0", v4, pkt(0x90, {0x00, 0x00, 0x00}), RC::MalformedPacket);
    b.bad("v5/suback/packet-id-0", v5, pkt(0x90, {0x00, 0x00, 0x00, 0x00}), RC::MalformedPacket);
    b.bad("v4/suback/no-codes", v4, pkt(0x90, {0x00, 0x01}), RC::ProtocolError);
    b.bad("v5/suback/no-codes", v5, pkt(0x90, {0x00, 0x01, 0x00}), RC::ProtocolError);
    b.bad("v4/suback/header-flags", v4, pkt(0x92, {0x00, 0x01, 0x00}), RC::MalformedPacket);
    b.bad("v5/suback/property-not-allowed", v5,
          pkt(0x90, {0x00, 0x01, props({0x11, 0x00, 0x00, 0x00, 0x01}), 0x00}), RC::MalformedPacket);
    b.bad("v5/suback/duplicate-reason-string", v5,
          pkt(0x90, {0x00, 0x01, props({0x1F, str("a"), 0x1F, str("b")}), 0x00}), RC::ProtocolError);
}

// ---- UNSUBSCRIBE ---------------------------------------------------------------------

void unsubscribeCases(Builder &b)
{
    b.ok("v3/unsubscribe/single", v3, pkt(0xA2, {0x00, 0x01 /* packet id */, str("a/b")}),
         mkUnsubscribe(1, {"a/b"}));
    b.ok("v4/unsubscribe/multiple", v4, pkt(0xA2, {0x00, 0x02, str("a/#"), str("+/b"), str("$share/g/x")}),
         mkUnsubscribe(2, {"a/#", "+/b", "$share/g/x"}));
    b.ok("v5/unsubscribe/minimal", v5, pkt(0xA2, {0x00, 0x03, 0x00 /* no properties */, str("a")}),
         mkUnsubscribe(3, {"a"}));
    {
        Unsubscribe u = mkUnsubscribe(4, {"a/+", "$share/g/b/#"});
        u.properties.userProperties = {{"k", "v"}, {"k2", "v2"}};
        b.ok("v5/unsubscribe/properties", v5,
             pkt(0xA2, {0x00, 0x04,
                        props({0x26, str("k"), str("v"),     // user property
                               0x26, str("k2"), str("v2")}), // user property
                        str("a/+"), str("$share/g/b/#")}),
             u);
    }

    b.bad("v4/unsubscribe/header-flags", v4, pkt(0xA0, {0x00, 0x01, str("a")}), RC::MalformedPacket);
    b.bad("v5/unsubscribe/header-flags", v5, pkt(0xA3, {0x00, 0x01, 0x00, str("a")}), RC::MalformedPacket);
    b.bad("v3/unsubscribe/header-flags", v3, pkt(0xA0, {0x00, 0x01, str("a")}), RC::MalformedPacket);
    b.bad("v4/unsubscribe/packet-id-0", v4, pkt(0xA2, {0x00, 0x00, str("a")}), RC::MalformedPacket);
    b.bad("v5/unsubscribe/packet-id-0", v5, pkt(0xA2, {0x00, 0x00, 0x00, str("a")}), RC::MalformedPacket);
    b.bad("v3/unsubscribe/no-filters", v3, pkt(0xA2, {0x00, 0x01}), RC::ProtocolError);
    b.bad("v4/unsubscribe/no-filters", v4, pkt(0xA2, {0x00, 0x01}), RC::ProtocolError);
    b.bad("v5/unsubscribe/no-filters", v5, pkt(0xA2, {0x00, 0x01, 0x00}), RC::ProtocolError);
    b.bad("v4/unsubscribe/filter-hash-not-last", v4, pkt(0xA2, {0x00, 0x01, str("a/#/b")}),
          RC::TopicFilterInvalid);
    b.bad("v4/unsubscribe/empty-filter", v4, pkt(0xA2, {0x00, 0x01, 0x00, 0x00}), RC::TopicFilterInvalid);
    b.bad("v5/unsubscribe/empty-filter", v5, pkt(0xA2, {0x00, 0x01, 0x00, 0x00, 0x00}),
          RC::TopicFilterInvalid);
    b.bad("v5/unsubscribe/shared-no-filter", v5, pkt(0xA2, {0x00, 0x01, 0x00, str("$share/g")}),
          RC::TopicFilterInvalid);
    b.bad("v4/unsubscribe/filter-invalid-utf8", v4, pkt(0xA2, {0x00, 0x01, 0x00, 0x02, 0xC3, 0x28}),
          RC::MalformedPacket);
    b.bad("v4/unsubscribe/filter-past-end", v4, pkt(0xA2, {0x00, 0x01, 0x00, 0x05, 'a'}),
          RC::MalformedPacket);
    b.bad("v5/unsubscribe/property-not-allowed", v5,
          pkt(0xA2, {0x00, 0x01, props({0x0B, 0x01}) /* subscription identifier */, str("a")}),
          RC::MalformedPacket);
}

// ---- UNSUBACK ------------------------------------------------------------------------

void unsubackCases(Builder &b)
{
    b.ok("v3/unsuback/basic", v3, pkt(0xB0, {0x00, 0x01 /* packet id, no payload before v5 */}),
         mkSuback(PT::Unsuback, 1, {}));
    b.ok("v4/unsuback/basic", v4, pkt(0xB0, {0x43, 0x21}), mkSuback(PT::Unsuback, 0x4321, {}));
    b.ok("v5/unsuback/codes", v5,
         pkt(0xB0, {0x00, 0x02, 0x00 /* no properties */, 0x00, 0x11 /* no subscription existed */, 0x87}),
         mkSuback(PT::Unsuback, 2, {0x00, 0x11, 0x87}));
    {
        SubackLike s = mkSuback(PT::Unsuback, 3, {0x00, 0x80, 0x83, 0x8F, 0x91});
        set(s.properties, P::ReasonString, &Properties::reasonString, QByteArray("r"));
        s.properties.userProperties = {{"k", "v"}};
        b.ok("v5/unsuback/properties", v5,
             pkt(0xB0, {0x00, 0x03, props({0x1F, str("r"), 0x26, str("k"), str("v")}), 0x00, 0x80, 0x83, 0x8F,
                        0x91}),
             s);
    }

    b.bad("v3/unsuback/with-payload", v3, pkt(0xB0, {0x00, 0x01, 0x00}), RC::MalformedPacket);
    b.bad("v4/unsuback/with-payload", v4, pkt(0xB0, {0x00, 0x01, 0x00}), RC::MalformedPacket);
    b.bad("v4/unsuback/packet-id-0", v4, pkt(0xB0, {0x00, 0x00}), RC::MalformedPacket);
    b.bad("v5/unsuback/packet-id-0", v5, pkt(0xB0, {0x00, 0x00, 0x00, 0x00}), RC::MalformedPacket);
    b.bad("v5/unsuback/invalid-code", v5, pkt(0xB0, {0x00, 0x01, 0x00, 0x01}), RC::ProtocolError);
    b.bad("v5/unsuback/no-codes", v5, pkt(0xB0, {0x00, 0x01, 0x00}), RC::ProtocolError);
    b.bad("v4/unsuback/header-flags", v4, pkt(0xB2, {0x00, 0x01}), RC::MalformedPacket);
    b.bad("v5/unsuback/property-not-allowed", v5, pkt(0xB0, {0x00, 0x01, props({0x0B, 0x01}), 0x00}),
          RC::MalformedPacket);
}

// ---- PINGREQ, PINGRESP, DISCONNECT, AUTH, reserved -------------------------------------

void pingCases(Builder &b)
{
    b.ok("v3/pingreq/basic", v3, raw({0xC0, 0x00}), Pingreq{});
    b.ok("v4/pingreq/basic", v4, raw({0xC0, 0x00}), Pingreq{});
    b.ok("v5/pingreq/basic", v5, raw({0xC0, 0x00}), Pingreq{});
    b.ok("v3/pingresp/basic", v3, raw({0xD0, 0x00}), Pingresp{});
    b.ok("v4/pingresp/basic", v4, raw({0xD0, 0x00}), Pingresp{});
    b.ok("v5/pingresp/basic", v5, raw({0xD0, 0x00}), Pingresp{});
    b.bad("v3/pingreq/remaining-length-1", v3, raw({0xC0, 0x01, 0x00}), RC::MalformedPacket);
    b.bad("v4/pingreq/remaining-length-1", v4, raw({0xC0, 0x01, 0x00}), RC::MalformedPacket);
    b.bad("v5/pingresp/remaining-length-1", v5, raw({0xD0, 0x01, 0x00}), RC::MalformedPacket);
    b.bad("v4/pingreq/header-flags", v4, raw({0xC1, 0x00}), RC::MalformedPacket);
    b.bad("v5/pingresp/header-flags", v5, raw({0xD8, 0x00}), RC::MalformedPacket);
}

void disconnectCases(Builder &b)
{
    auto disconnect = [](quint8 rc) {
        Disconnect d;
        d.reasonCode = rc;
        return d;
    };
    b.ok("v3/disconnect/basic", v3, raw({0xE0, 0x00}), disconnect(0));
    b.ok("v4/disconnect/basic", v4, raw({0xE0, 0x00}), disconnect(0));
    b.ok("v5/disconnect/normal", v5, raw({0xE0, 0x00 /* reason 0 and no properties implied */}),
         disconnect(0));
    b.ok("v5/disconnect/reason-only", v5, pkt(0xE0, {0x04 /* disconnect with will message */}),
         disconnect(4));
    {
        Disconnect d = disconnect(0x8B);
        set(d.properties, P::SessionExpiryInterval, &Properties::sessionExpiryInterval, 0);
        set(d.properties, P::ServerReference, &Properties::serverReference, QByteArray("b:1883"));
        set(d.properties, P::ReasonString, &Properties::reasonString, QByteArray("bye"));
        d.properties.userProperties = {{"k", "v"}};
        b.ok("v5/disconnect/properties", v5,
             pkt(0xE0, {0x8B,                                // server shutting down
                        props({0x11, 0x00, 0x00, 0x00, 0x00, // session expiry 0
                               0x1C, str("b:1883"),          // server reference
                               0x1F, str("bye"),             // reason string
                               0x26, str("k"), str("v")})}), // user property
             d);
    }
    {
        Disconnect d = disconnect(0);
        set(d.properties, P::SessionExpiryInterval, &Properties::sessionExpiryInterval, 300);
        b.ok("v5/disconnect/session-expiry", v5, pkt(0xE0, {0x00, props({0x11, 0x00, 0x00, 0x01, 0x2C})}), d);
    }
    b.ok("v5/disconnect/explicit-normal", v5, pkt(0xE0, {0x00}), disconnect(0), false);
    b.ok("v5/disconnect/empty-properties", v5, pkt(0xE0, {0x00, 0x00}), disconnect(0), false);
    b.ok("v5/disconnect/reason-empty-properties", v5, pkt(0xE0, {0x8E, 0x00}), disconnect(0x8E), false);

    b.bad("v3/disconnect/remaining-length-1", v3, pkt(0xE0, {0x00}), RC::MalformedPacket);
    b.bad("v4/disconnect/remaining-length-1", v4, pkt(0xE0, {0x00}), RC::MalformedPacket);
    b.bad("v4/disconnect/header-flags", v4, raw({0xE1, 0x00}), RC::MalformedPacket);
    b.bad("v5/disconnect/header-flags", v5, raw({0xE2, 0x00}), RC::MalformedPacket);
    b.bad("v5/disconnect/invalid-reason", v5, pkt(0xE0, {0x05}), RC::ProtocolError);
    b.bad("v5/disconnect/property-not-allowed", v5, pkt(0xE0, {0x00, props({0x23, 0x00, 0x01})}),
          RC::MalformedPacket);
    b.bad("v5/disconnect/properties-past-end", v5, pkt(0xE0, {0x00, 0x04, 0x11}), RC::MalformedPacket);
    b.bad("v5/disconnect/duplicate-session-expiry", v5,
          pkt(0xE0, {0x00, props({0x11, 0x00, 0x00, 0x00, 0x01, 0x11, 0x00, 0x00, 0x00, 0x01})}),
          RC::ProtocolError);
    b.bad("v5/disconnect/trailing-bytes", v5, pkt(0xE0, {0x00, 0x00, 0xFF}), RC::MalformedPacket);
}

void authCases(Builder &b)
{
    auto auth = [](quint8 rc) {
        Auth a;
        a.reasonCode = rc;
        return a;
    };
    b.ok("v5/auth/success", v5, raw({0xF0, 0x00 /* reason 0 and no properties implied */}), auth(0));
    {
        Auth a = auth(0x18);
        set(a.properties, P::AuthenticationMethod, &Properties::authenticationMethod,
            QByteArray("SCRAM-SHA-1"));
        set(a.properties, P::AuthenticationData, &Properties::authenticationData, QByteArray("data"));
        b.ok("v5/auth/continue", v5,
             pkt(0xF0, {0x18,                            // continue authentication
                        props({0x15, str("SCRAM-SHA-1"), // authentication method
                               0x16, str("data")})}),    // authentication data
             a);
    }
    {
        Auth a = auth(0x19);
        set(a.properties, P::AuthenticationMethod, &Properties::authenticationMethod, QByteArray("SCRAM"));
        set(a.properties, P::ReasonString, &Properties::reasonString, QByteArray("again"));
        a.properties.userProperties = {{"k", "v"}};
        b.ok("v5/auth/reauthenticate", v5,
             pkt(0xF0, {0x19, // re-authenticate
                        props({0x15, str("SCRAM"), 0x1F, str("again"), 0x26, str("k"), str("v")})}),
             a);
    }
    b.ok("v5/auth/reason-without-properties", v5, pkt(0xF0, {0x18, 0x00 /* property length 0 */}),
         auth(0x18));
    b.ok("v5/auth/success-empty-properties", v5, pkt(0xF0, {0x00, 0x00}), auth(0), false);

    b.bad("v3/auth/reserved-type", v3, raw({0xF0, 0x00}), RC::MalformedPacket);
    b.bad("v4/auth/reserved-type", v4, raw({0xF0, 0x00}), RC::MalformedPacket);
    b.bad("v4/auth/reserved-type-with-body", v4, pkt(0xF0, {0x18, 0x00}), RC::MalformedPacket);
    b.bad("v5/auth/header-flags", v5, raw({0xF1, 0x00}), RC::MalformedPacket);
    b.bad("v5/auth/invalid-reason", v5, pkt(0xF0, {0x01, 0x00}), RC::ProtocolError);
    b.bad("v5/auth/reason-without-property-length", v5, pkt(0xF0, {0x18}), RC::MalformedPacket);
    b.bad("v5/auth/data-without-method", v5, pkt(0xF0, {0x18, props({0x16, str("d")})}), RC::ProtocolError);
    b.bad("v5/auth/property-not-allowed", v5, pkt(0xF0, {0x18, props({0x11, 0x00, 0x00, 0x00, 0x01})}),
          RC::MalformedPacket);
    b.bad("v5/auth/duplicate-method", v5, pkt(0xF0, {0x18, props({0x15, str("a"), 0x15, str("b")})}),
          RC::ProtocolError);
    b.bad("v5/auth/trailing-bytes", v5, pkt(0xF0, {0x18, 0x00, 0x00}), RC::MalformedPacket);

    b.bad("v3/reserved/type-0", v3, raw({0x00, 0x00}), RC::MalformedPacket);
    b.bad("v4/reserved/type-0", v4, raw({0x00, 0x00}), RC::MalformedPacket);
    b.bad("v5/reserved/type-0", v5, raw({0x00, 0x00}), RC::MalformedPacket);
}

QList<CatalogueCase> build()
{
    Builder b;
    connectCases(b);
    connackCases(b);
    publishCases(b);
    ackCases(b);
    subscribeCases(b);
    subackCases(b);
    unsubscribeCases(b);
    unsubackCases(b);
    pingCases(b);
    disconnectCases(b);
    authCases(b);
    return std::move(b.list);
}

} // namespace

const QList<CatalogueCase> &packetCatalogue()
{
    static const QList<CatalogueCase> cases = build();
    return cases;
}
