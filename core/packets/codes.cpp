// Reason code names and the v5 -> v3.1.1 CONNACK mapping.
#include "codes.h"

namespace petrel::packets {

// Reason codes a server may put in a v5 DISCONNECT (MQTT 5 section 3.14.2.1).
bool isServerDisconnectCode(ReasonCode r)
{
    switch (r) {
    case ReasonCode::NormalDisconnection:
    case ReasonCode::UnspecifiedError:
    case ReasonCode::MalformedPacket:
    case ReasonCode::ProtocolError:
    case ReasonCode::ImplementationSpecificError:
    case ReasonCode::NotAuthorized:
    case ReasonCode::ServerBusy:
    case ReasonCode::ServerShuttingDown:
    case ReasonCode::KeepAliveTimeout:
    case ReasonCode::SessionTakenOver:
    case ReasonCode::TopicFilterInvalid:
    case ReasonCode::TopicNameInvalid:
    case ReasonCode::ReceiveMaximumExceeded:
    case ReasonCode::TopicAliasInvalid:
    case ReasonCode::PacketTooLarge:
    case ReasonCode::MessageRateTooHigh:
    case ReasonCode::QuotaExceeded:
    case ReasonCode::AdministrativeAction:
    case ReasonCode::PayloadFormatInvalid:
    case ReasonCode::RetainNotSupported:
    case ReasonCode::QoSNotSupported:
    case ReasonCode::UseAnotherServer:
    case ReasonCode::ServerMoved:
    case ReasonCode::SharedSubscriptionsNotSupported:
    case ReasonCode::ConnectionRateExceeded:
    case ReasonCode::MaximumConnectTime:
    case ReasonCode::SubscriptionIdentifiersNotSupported:
    case ReasonCode::WildcardSubscriptionsNotSupported:
        return true;
    default:
        return false;
    }
}

ConnackReturnV3 toV3ConnackCode(ReasonCode code)
{
    switch (code) {
    case ReasonCode::Success:
        return ConnackReturnV3::Accepted;
    case ReasonCode::UnsupportedProtocolVersion:
        return ConnackReturnV3::UnacceptableProtocolVersion;
    case ReasonCode::ClientIdentifierNotValid:
        return ConnackReturnV3::IdentifierRejected;
    case ReasonCode::BadUserNameOrPassword:
    case ReasonCode::BadAuthenticationMethod:
        return ConnackReturnV3::BadUserNameOrPassword;
    case ReasonCode::NotAuthorized:
    case ReasonCode::Banned:
        return ConnackReturnV3::NotAuthorized;
    default:
        // ServerUnavailable, ServerBusy, UseAnotherServer, ServerMoved, QuotaExceeded,
        // ConnectionRateExceeded, ... : v3.1.1 has nothing closer than "server unavailable".
        return ConnackReturnV3::ServerUnavailable;
    }
}

const char *reasonName(ReasonCode code)
{
    switch (static_cast<std::uint8_t>(code)) {
    case 0x00:
        return "success";
    case 0x01:
        return "granted qos 1";
    case 0x02:
        return "granted qos 2";
    case 0x04:
        return "disconnect with will message";
    case 0x10:
        return "no matching subscribers";
    case 0x11:
        return "no subscription existed";
    case 0x18:
        return "continue authentication";
    case 0x19:
        return "re-authenticate";
    case 0x80:
        return "unspecified error";
    case 0x81:
        return "malformed packet";
    case 0x82:
        return "protocol error";
    case 0x83:
        return "implementation specific error";
    case 0x84:
        return "unsupported protocol version";
    case 0x85:
        return "client identifier not valid";
    case 0x86:
        return "bad user name or password";
    case 0x87:
        return "not authorized";
    case 0x88:
        return "server unavailable";
    case 0x89:
        return "server busy";
    case 0x8A:
        return "banned";
    case 0x8B:
        return "server shutting down";
    case 0x8C:
        return "bad authentication method";
    case 0x8D:
        return "keep alive timeout";
    case 0x8E:
        return "session taken over";
    case 0x8F:
        return "topic filter invalid";
    case 0x90:
        return "topic name invalid";
    case 0x91:
        return "packet identifier in use";
    case 0x92:
        return "packet identifier not found";
    case 0x93:
        return "receive maximum exceeded";
    case 0x94:
        return "topic alias invalid";
    case 0x95:
        return "packet too large";
    case 0x96:
        return "message rate too high";
    case 0x97:
        return "quota exceeded";
    case 0x98:
        return "administrative action";
    case 0x99:
        return "payload format invalid";
    case 0x9A:
        return "retain not supported";
    case 0x9B:
        return "qos not supported";
    case 0x9C:
        return "use another server";
    case 0x9D:
        return "server moved";
    case 0x9E:
        return "shared subscriptions not supported";
    case 0x9F:
        return "connection rate exceeded";
    case 0xA0:
        return "maximum connect time";
    case 0xA1:
        return "subscription identifiers not supported";
    case 0xA2:
        return "wildcard subscriptions not supported";
    }
    return "unknown reason code";
}

} // namespace petrel::packets
