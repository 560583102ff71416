#include "packet_print.h"

#include <QTest>

namespace petrel::packets {

namespace {

// Printable bytes are shown as a quoted string, anything else as hex; long values are cut.
QByteArray bytes(const QByteArray &b)
{
    constexpr qsizetype kMax = 64;
    const QByteArray head = b.left(kMax);
    bool printable = true;
    for (char c : head) {
        if (uchar(c) < 0x20 || uchar(c) > 0x7E) {
            printable = false;
            break;
        }
    }
    QByteArray s = printable ? '"' + head + '"' : "0x" + head.toHex();
    if (b.size() > kMax) s += "...(" + QByteArray::number(b.size()) + " bytes)";
    return s;
}

QByteArray hexCode(std::uint8_t c)
{
    return "0x" + QByteArray::number(c, 16).rightJustified(2, '0');
}

} // namespace

QByteArray describe(const Properties &p)
{
    if (p.isEmpty()) return {};
    QList<QByteArray> parts;
    auto num = [&](PropertyId id, const char *name, quint64 v) {
        if (p.has(id)) parts << QByteArray(name) + '=' + QByteArray::number(v);
    };
    auto str = [&](PropertyId id, const char *name, const QByteArray &v) {
        if (p.has(id)) parts << QByteArray(name) + '=' + bytes(v);
    };
    num(PropertyId::PayloadFormatIndicator, "payloadFormat", p.payloadFormatIndicator);
    num(PropertyId::MessageExpiryInterval, "messageExpiry", p.messageExpiryInterval);
    str(PropertyId::ContentType, "contentType", p.contentType);
    str(PropertyId::ResponseTopic, "responseTopic", p.responseTopic);
    str(PropertyId::CorrelationData, "correlationData", p.correlationData);
    if (!p.subscriptionIdentifiers.isEmpty()) {
        QList<QByteArray> ids;
        for (auto id : p.subscriptionIdentifiers)
            ids << QByteArray::number(id);
        parts << "subIds=[" + ids.join(',') + ']';
    }
    num(PropertyId::SessionExpiryInterval, "sessionExpiry", p.sessionExpiryInterval);
    str(PropertyId::AssignedClientIdentifier, "assignedClientId", p.assignedClientIdentifier);
    num(PropertyId::ServerKeepAlive, "serverKeepAlive", p.serverKeepAlive);
    str(PropertyId::AuthenticationMethod, "authMethod", p.authenticationMethod);
    str(PropertyId::AuthenticationData, "authData", p.authenticationData);
    num(PropertyId::RequestProblemInformation, "requestProblemInfo", p.requestProblemInformation);
    num(PropertyId::WillDelayInterval, "willDelay", p.willDelayInterval);
    num(PropertyId::RequestResponseInformation, "requestResponseInfo", p.requestResponseInformation);
    str(PropertyId::ResponseInformation, "responseInfo", p.responseInformation);
    str(PropertyId::ServerReference, "serverReference", p.serverReference);
    str(PropertyId::ReasonString, "reasonString", p.reasonString);
    num(PropertyId::ReceiveMaximum, "receiveMaximum", p.receiveMaximum);
    num(PropertyId::TopicAliasMaximum, "topicAliasMaximum", p.topicAliasMaximum);
    num(PropertyId::TopicAlias, "topicAlias", p.topicAlias);
    num(PropertyId::MaximumQoS, "maximumQoS", p.maximumQoS);
    num(PropertyId::RetainAvailable, "retainAvailable", p.retainAvailable);
    for (const auto &[k, v] : p.userProperties)
        parts << "user(" + bytes(k) + ':' + bytes(v) + ')';
    num(PropertyId::MaximumPacketSize, "maximumPacketSize", p.maximumPacketSize);
    num(PropertyId::WildcardSubscriptionAvailable, "wildcardSubAvailable", p.wildcardSubscriptionAvailable);
    num(PropertyId::SubscriptionIdentifierAvailable, "subIdAvailable", p.subscriptionIdentifierAvailable);
    num(PropertyId::SharedSubscriptionAvailable, "sharedSubAvailable", p.sharedSubscriptionAvailable);
    return " props{" + parts.join(' ') + '}';
}

QByteArray describe(const Connect &p)
{
    QByteArray s = "CONNECT{v" + QByteArray::number(int(p.version)) + " id=" + bytes(p.clientId) +
                   " clean=" + QByteArray::number(p.cleanStart) +
                   " keepAlive=" + QByteArray::number(p.keepAlive);
    if (p.hasUsername) s += " user=" + bytes(p.username);
    if (p.hasPassword) s += " password";
    if (p.hasWill)
        s += " will{qos=" + QByteArray::number(p.will.qos) + " retain=" + QByteArray::number(p.will.retain) +
             " topic=" + bytes(p.will.topic) + " payload=" + bytes(p.will.payload) +
             describe(p.will.properties) + '}';
    return s + describe(p.properties) + '}';
}

QByteArray describe(const Connack &p)
{
    return "CONNACK{sessionPresent=" + QByteArray::number(p.sessionPresent) +
           " code=" + hexCode(p.reasonCode) + describe(p.properties) + '}';
}

QByteArray describe(const Publish &p)
{
    return "PUBLISH{qos=" + QByteArray::number(p.qos) + " id=" + QByteArray::number(p.packetId) +
           " dup=" + QByteArray::number(p.dup) + " retain=" + QByteArray::number(p.retain) +
           " topic=" + bytes(p.topic) + " payload=" + bytes(p.payload) + describe(p.properties) + '}';
}

QByteArray describe(const Ack &p)
{
    return QByteArray(packetTypeName(p.type)) + "{id=" + QByteArray::number(p.packetId) +
           " code=" + hexCode(p.reasonCode) + describe(p.properties) + '}';
}

QByteArray describe(const Subscribe &p)
{
    QList<QByteArray> t;
    for (const auto &s : p.topics)
        t << bytes(s.filter) + ":q" + QByteArray::number(s.options.qos) + (s.options.noLocal ? " nl" : "") +
                 (s.options.retainAsPublished ? " rap" : "") + " rh" +
                 QByteArray::number(s.options.retainHandling);
    return "SUBSCRIBE{id=" + QByteArray::number(p.packetId) + " [" + t.join(", ") + ']' +
           describe(p.properties) + '}';
}

QByteArray describe(const SubackLike &p)
{
    QList<QByteArray> codes;
    for (auto c : p.reasonCodes)
        codes << hexCode(c);
    return QByteArray(packetTypeName(p.type)) + "{id=" + QByteArray::number(p.packetId) + " codes=[" +
           codes.join(',') + ']' + describe(p.properties) + '}';
}

QByteArray describe(const Unsubscribe &p)
{
    QList<QByteArray> f;
    for (const auto &s : p.filters)
        f << bytes(s);
    return "UNSUBSCRIBE{id=" + QByteArray::number(p.packetId) + " [" + f.join(", ") + ']' +
           describe(p.properties) + '}';
}

QByteArray describe(const Disconnect &p)
{
    return "DISCONNECT{code=" + hexCode(p.reasonCode) + describe(p.properties) + '}';
}

QByteArray describe(const Auth &p)
{
    return "AUTH{code=" + hexCode(p.reasonCode) + describe(p.properties) + '}';
}

QByteArray describe(const Packet &p)
{
    return std::visit(
        [](const auto &v) -> QByteArray {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, Pingreq>)
                return "PINGREQ";
            else if constexpr (std::is_same_v<T, Pingresp>)
                return "PINGRESP";
            else
                return describe(v);
        },
        p);
}

QDebug operator<<(QDebug d, const Packet &p)
{
    QDebugStateSaver s(d);
    return d.noquote().nospace() << describe(p);
}
QDebug operator<<(QDebug d, const Properties &p)
{
    QDebugStateSaver s(d);
    return d.noquote().nospace() << describe(p);
}
QDebug operator<<(QDebug d, const Connect &p)
{
    QDebugStateSaver s(d);
    return d.noquote().nospace() << describe(p);
}
QDebug operator<<(QDebug d, const Connack &p)
{
    QDebugStateSaver s(d);
    return d.noquote().nospace() << describe(p);
}
QDebug operator<<(QDebug d, const Publish &p)
{
    QDebugStateSaver s(d);
    return d.noquote().nospace() << describe(p);
}
QDebug operator<<(QDebug d, const Ack &p)
{
    QDebugStateSaver s(d);
    return d.noquote().nospace() << describe(p);
}
QDebug operator<<(QDebug d, const Subscribe &p)
{
    QDebugStateSaver s(d);
    return d.noquote().nospace() << describe(p);
}
QDebug operator<<(QDebug d, const SubackLike &p)
{
    QDebugStateSaver s(d);
    return d.noquote().nospace() << describe(p);
}
QDebug operator<<(QDebug d, const Unsubscribe &p)
{
    QDebugStateSaver s(d);
    return d.noquote().nospace() << describe(p);
}
QDebug operator<<(QDebug d, const Disconnect &p)
{
    QDebugStateSaver s(d);
    return d.noquote().nospace() << describe(p);
}

char *toString(const Packet &p)
{
    return qstrdup(describe(p).constData());
}
char *toString(const Properties &p)
{
    return qstrdup(("{" + describe(p) + " }").constData());
}
char *toString(const Connack &p)
{
    return qstrdup(describe(p).constData());
}
char *toString(const Publish &p)
{
    return qstrdup(describe(p).constData());
}
char *toString(const Ack &p)
{
    return qstrdup(describe(p).constData());
}
char *toString(const SubackLike &p)
{
    return qstrdup(describe(p).constData());
}
char *toString(const Disconnect &p)
{
    return qstrdup(describe(p).constData());
}

} // namespace petrel::packets
