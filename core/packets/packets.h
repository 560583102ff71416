// Value types for the 15 MQTT control packets, protocol levels 3 (MQTT 3.1, "MQIsdp"),
// 4 (MQTT 3.1.1) and 5 (MQTT 5.0). Pure value code: no QObject, no sockets.
//
// Byte strings (topics, client ids, payloads, binary properties) are QByteArray. When a
// packet is decoded, every one of them is a zero-copy slice of the single QByteArray that
// holds the packet body, so a decoded PUBLISH costs exactly one heap buffer however many
// subscribers it later reaches. Slices are not NUL-terminated: use size(), never strlen().
#pragma once

#include "codes.h"

#include <QByteArray>
#include <QList>
#include <QVarLengthArray>

#include <cstdint>
#include <utility>
#include <variant>

namespace petrel::packets {

enum class PacketType : std::uint8_t {
    Reserved = 0,
    Connect = 1,
    Connack = 2,
    Publish = 3,
    Puback = 4,
    Pubrec = 5,
    Pubrel = 6,
    Pubcomp = 7,
    Subscribe = 8,
    Suback = 9,
    Unsubscribe = 10,
    Unsuback = 11,
    Pingreq = 12,
    Pingresp = 13,
    Disconnect = 14,
    Auth = 15,
};

const char *packetTypeName(PacketType type);

enum class ProtocolVersion : std::uint8_t {
    V31 = 3,  // MQTT 3.1, protocol name "MQIsdp"
    V311 = 4, // MQTT 3.1.1
    V5 = 5,   // MQTT 5.0
};

inline bool isV5(ProtocolVersion v)
{
    return v == ProtocolVersion::V5;
}

// MQTT 5 property identifiers (MQTT 5 section 2.2.2.2).
enum class PropertyId : std::uint8_t {
    PayloadFormatIndicator = 0x01,
    MessageExpiryInterval = 0x02,
    ContentType = 0x03,
    ResponseTopic = 0x08,
    CorrelationData = 0x09,
    SubscriptionIdentifier = 0x0B,
    SessionExpiryInterval = 0x11,
    AssignedClientIdentifier = 0x12,
    ServerKeepAlive = 0x13,
    AuthenticationMethod = 0x15,
    AuthenticationData = 0x16,
    RequestProblemInformation = 0x17,
    WillDelayInterval = 0x18,
    RequestResponseInformation = 0x19,
    ResponseInformation = 0x1A,
    ServerReference = 0x1C,
    ReasonString = 0x1F,
    ReceiveMaximum = 0x21,
    TopicAliasMaximum = 0x22,
    TopicAlias = 0x23,
    MaximumQoS = 0x24,
    RetainAvailable = 0x25,
    UserProperty = 0x26,
    MaximumPacketSize = 0x27,
    WildcardSubscriptionAvailable = 0x28,
    SubscriptionIdentifierAvailable = 0x29,
    SharedSubscriptionAvailable = 0x2A,
};

using UserProperty = std::pair<QByteArray, QByteArray>;
// Inline room for two user properties, so decoding a typical v5 PUBLISH allocates nothing
// beyond the packet's own buffer.
using UserProperties = QVarLengthArray<UserProperty, 2>;

// All MQTT 5 properties. `has(id)` says whether a property was present on the wire (or was
// set): scalar and byte-string properties are present when their bit is marked (assign the
// field, then mark(id); the decoder marks what it reads, the encoder writes exactly the
// marked ones, so an empty but marked string is sent as a zero-length property), and user
// properties / subscription identifiers are present when their lists are non-empty (never
// mark those two).
struct Properties {
    std::uint32_t present = 0; // bit (id & 31) ... see bit()

    std::uint8_t payloadFormatIndicator = 0;
    std::uint8_t requestProblemInformation = 1;
    std::uint8_t requestResponseInformation = 0;
    std::uint8_t maximumQoS = 2;
    std::uint8_t retainAvailable = 1;
    std::uint8_t wildcardSubscriptionAvailable = 1;
    std::uint8_t subscriptionIdentifierAvailable = 1;
    std::uint8_t sharedSubscriptionAvailable = 1;
    std::uint16_t serverKeepAlive = 0;
    std::uint16_t receiveMaximum = 65535;
    std::uint16_t topicAliasMaximum = 0;
    std::uint16_t topicAlias = 0;
    std::uint32_t messageExpiryInterval = 0;
    std::uint32_t sessionExpiryInterval = 0;
    std::uint32_t willDelayInterval = 0;
    std::uint32_t maximumPacketSize = 0;

    QByteArray contentType;
    QByteArray responseTopic;
    QByteArray correlationData;
    QByteArray assignedClientIdentifier;
    QByteArray authenticationMethod;
    QByteArray authenticationData;
    QByteArray responseInformation;
    QByteArray serverReference;
    QByteArray reasonString;

    QVarLengthArray<std::uint32_t, 2> subscriptionIdentifiers; // PUBLISH may carry several
    UserProperties userProperties;                             // order preserved

    static constexpr std::uint32_t bit(PropertyId id);
    bool has(PropertyId id) const;
    void mark(PropertyId id) { present |= bit(id); }
    void clear(PropertyId id) { present &= ~bit(id); }
    bool isEmpty() const
    {
        return present == 0 && subscriptionIdentifiers.isEmpty() && userProperties.isEmpty();
    }

    bool operator==(const Properties &) const = default;
};

// One bit per property that may appear at most once. 27 identifiers fit in 32 bits.
constexpr std::uint32_t Properties::bit(PropertyId id)
{
    switch (id) {
    case PropertyId::PayloadFormatIndicator:
        return 1u << 0;
    case PropertyId::MessageExpiryInterval:
        return 1u << 1;
    case PropertyId::ContentType:
        return 1u << 2;
    case PropertyId::ResponseTopic:
        return 1u << 3;
    case PropertyId::CorrelationData:
        return 1u << 4;
    case PropertyId::SubscriptionIdentifier:
        return 1u << 5;
    case PropertyId::SessionExpiryInterval:
        return 1u << 6;
    case PropertyId::AssignedClientIdentifier:
        return 1u << 7;
    case PropertyId::ServerKeepAlive:
        return 1u << 8;
    case PropertyId::AuthenticationMethod:
        return 1u << 9;
    case PropertyId::AuthenticationData:
        return 1u << 10;
    case PropertyId::RequestProblemInformation:
        return 1u << 11;
    case PropertyId::WillDelayInterval:
        return 1u << 12;
    case PropertyId::RequestResponseInformation:
        return 1u << 13;
    case PropertyId::ResponseInformation:
        return 1u << 14;
    case PropertyId::ServerReference:
        return 1u << 15;
    case PropertyId::ReasonString:
        return 1u << 16;
    case PropertyId::ReceiveMaximum:
        return 1u << 17;
    case PropertyId::TopicAliasMaximum:
        return 1u << 18;
    case PropertyId::TopicAlias:
        return 1u << 19;
    case PropertyId::MaximumQoS:
        return 1u << 20;
    case PropertyId::RetainAvailable:
        return 1u << 21;
    case PropertyId::UserProperty:
        return 1u << 22;
    case PropertyId::MaximumPacketSize:
        return 1u << 23;
    case PropertyId::WildcardSubscriptionAvailable:
        return 1u << 24;
    case PropertyId::SubscriptionIdentifierAvailable:
        return 1u << 25;
    case PropertyId::SharedSubscriptionAvailable:
        return 1u << 26;
    }
    return 0;
}

inline bool Properties::has(PropertyId id) const
{
    if (id == PropertyId::UserProperty) return !userProperties.isEmpty();
    if (id == PropertyId::SubscriptionIdentifier) return !subscriptionIdentifiers.isEmpty();
    return (present & bit(id)) != 0;
}

// ---- the packets ---------------------------------------------------------------------

struct Will {
    std::uint8_t qos = 0;
    bool retain = false;
    QByteArray topic;
    QByteArray payload;
    Properties properties; // will properties (v5)
    bool operator==(const Will &) const = default;
};

struct Connect {
    ProtocolVersion version = ProtocolVersion::V311;
    QByteArray protocolName = "MQTT"; // "MQIsdp" for V31
    bool cleanStart = true;           // "clean session" before v5
    bool hasWill = false;
    bool hasUsername = false;
    bool hasPassword = false;
    std::uint16_t keepAlive = 0;
    QByteArray clientId;
    QByteArray username;
    QByteArray password;
    Will will;
    Properties properties;
    bool operator==(const Connect &) const = default;
};

struct Connack {
    bool sessionPresent = false;
    std::uint8_t reasonCode = 0; // v5 ReasonCode, or ConnackReturnV3 before v5
    Properties properties;
    bool operator==(const Connack &) const = default;
};

struct Publish {
    bool dup = false;
    std::uint8_t qos = 0;
    bool retain = false;
    QByteArray topic; // may be empty in v5 when a topic alias is used
    std::uint16_t packetId = 0;
    Properties properties;
    QByteArray payload;
    bool operator==(const Publish &) const = default;
};

// PUBACK, PUBREC, PUBREL, PUBCOMP share one shape.
struct Ack {
    PacketType type = PacketType::Puback;
    std::uint16_t packetId = 0;
    std::uint8_t reasonCode = 0;
    Properties properties;
    bool operator==(const Ack &) const = default;
};

// Subscription options byte (MQTT 5 section 3.8.3.1); only qos is used before v5.
struct SubscribeOptions {
    std::uint8_t qos = 0;
    bool noLocal = false;
    bool retainAsPublished = false;
    std::uint8_t retainHandling = 0; // 0 send, 1 send if new, 2 do not send
    bool operator==(const SubscribeOptions &) const = default;
};

struct TopicSubscription {
    QByteArray filter;
    SubscribeOptions options;
    bool operator==(const TopicSubscription &) const = default;
};

struct Subscribe {
    std::uint16_t packetId = 0;
    Properties properties; // subscription identifier, user properties
    QList<TopicSubscription> topics;
    bool operator==(const Subscribe &) const = default;
};

// SUBACK and UNSUBACK: one reason code per topic (UNSUBACK has none before v5).
struct SubackLike {
    PacketType type = PacketType::Suback;
    std::uint16_t packetId = 0;
    Properties properties;
    QList<std::uint8_t> reasonCodes;
    bool operator==(const SubackLike &) const = default;
};

struct Unsubscribe {
    std::uint16_t packetId = 0;
    Properties properties;
    QList<QByteArray> filters;
    bool operator==(const Unsubscribe &) const = default;
};

struct Pingreq {
    bool operator==(const Pingreq &) const = default;
};
struct Pingresp {
    bool operator==(const Pingresp &) const = default;
};

struct Disconnect {
    std::uint8_t reasonCode = 0;
    Properties properties;
    bool operator==(const Disconnect &) const = default;
};

struct Auth {
    std::uint8_t reasonCode = 0;
    Properties properties;
    bool operator==(const Auth &) const = default;
};

using Packet = std::variant<Connect, Connack, Publish, Ack, Subscribe, SubackLike, Unsubscribe, Pingreq,
                            Pingresp, Disconnect, Auth>;

PacketType packetTypeOf(const Packet &p);

} // namespace petrel::packets
