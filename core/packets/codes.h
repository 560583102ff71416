// Reason codes and the error value that carries one together with a readable message.
#pragma once

#include <cstdint>

namespace petrel::packets {

// MQTT 5 reason codes (MQTT 5 section 2.4). Several names share a value on purpose:
// the meaning depends on the packet that carries the code.
enum class ReasonCode : std::uint8_t {
    Success = 0x00,
    NormalDisconnection = 0x00,
    GrantedQoS0 = 0x00,
    GrantedQoS1 = 0x01,
    GrantedQoS2 = 0x02,
    DisconnectWithWillMessage = 0x04,
    NoMatchingSubscribers = 0x10,
    NoSubscriptionExisted = 0x11,
    ContinueAuthentication = 0x18,
    ReAuthenticate = 0x19,
    UnspecifiedError = 0x80,
    MalformedPacket = 0x81,
    ProtocolError = 0x82,
    ImplementationSpecificError = 0x83,
    UnsupportedProtocolVersion = 0x84,
    ClientIdentifierNotValid = 0x85,
    BadUserNameOrPassword = 0x86,
    NotAuthorized = 0x87,
    ServerUnavailable = 0x88,
    ServerBusy = 0x89,
    Banned = 0x8A,
    ServerShuttingDown = 0x8B,
    BadAuthenticationMethod = 0x8C,
    KeepAliveTimeout = 0x8D,
    SessionTakenOver = 0x8E,
    TopicFilterInvalid = 0x8F,
    TopicNameInvalid = 0x90,
    PacketIdentifierInUse = 0x91,
    PacketIdentifierNotFound = 0x92,
    ReceiveMaximumExceeded = 0x93,
    TopicAliasInvalid = 0x94,
    PacketTooLarge = 0x95,
    MessageRateTooHigh = 0x96,
    QuotaExceeded = 0x97,
    AdministrativeAction = 0x98,
    PayloadFormatInvalid = 0x99,
    RetainNotSupported = 0x9A,
    QoSNotSupported = 0x9B,
    UseAnotherServer = 0x9C,
    ServerMoved = 0x9D,
    SharedSubscriptionsNotSupported = 0x9E,
    ConnectionRateExceeded = 0x9F,
    MaximumConnectTime = 0xA0,
    SubscriptionIdentifiersNotSupported = 0xA1,
    WildcardSubscriptionsNotSupported = 0xA2,
};

// MQTT 3.1.1 CONNACK return codes (MQTT 3.1.1 section 3.2.2.3).
enum class ConnackReturnV3 : std::uint8_t {
    Accepted = 0x00,
    UnacceptableProtocolVersion = 0x01,
    IdentifierRejected = 0x02,
    ServerUnavailable = 0x03,
    BadUserNameOrPassword = 0x04,
    NotAuthorized = 0x05,
};

// Maps a v5 CONNACK reason code onto the closest v3.1.1 return code.
ConnackReturnV3 toV3ConnackCode(ReasonCode code);

// Readable name of a reason code, e.g. "malformed packet" (for logs and tests).
const char *reasonName(ReasonCode code);
// Reason codes a server may put in a v5 DISCONNECT (MQTT 5 section 3.14.2.1).
bool isServerDisconnectCode(ReasonCode code);

// A reason code and a message that travel together. `message` points at a string literal
// that cites the spec clause where one applies.
struct Error {
    ReasonCode code = ReasonCode::Success;
    const char *message = "";

    explicit operator bool() const { return code != ReasonCode::Success; }
    bool operator==(const Error &o) const { return code == o.code; }
};

constexpr Error ok()
{
    return {};
}

} // namespace petrel::packets
