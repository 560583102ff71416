#include "debughook.h"

#include "packets/codes.h"

#include <QStringList>

#include <variant>

using namespace Qt::StringLiterals;

namespace petrel {

Q_LOGGING_CATEGORY(lcDebugHook, "petrel.debug")

using namespace packets;

namespace {

constexpr qsizetype kShortPayload = 256;

// Printable ASCII as is; quotes, backslashes and everything else escaped: one line always.
QString quoted(const QByteArray &bytes, qsizetype limit = -1)
{
    QString out;
    out.reserve(bytes.size() + 2);
    out += u'"';
    const qsizetype n = limit >= 0 ? std::min(limit, bytes.size()) : bytes.size();
    for (qsizetype i = 0; i < n; ++i) {
        const auto c = std::uint8_t(bytes[i]);
        if (c == '"' || c == '\\') {
            out += u'\\';
            out += QLatin1Char(char(c));
        } else if (c == '\n') {
            out += u"\\n"_s;
        } else if (c == '\r') {
            out += u"\\r"_s;
        } else if (c == '\t') {
            out += u"\\t"_s;
        } else if (c >= 0x20 && c < 0x7f) {
            out += QLatin1Char(char(c));
        } else {
            out += u"\\x%1"_s.arg(uint(c), 2, 16, QLatin1Char('0'));
        }
    }
    out += u'"';
    if (n < bytes.size()) out += u"...(%1 bytes)"_s.arg(bytes.size());
    return out;
}

QString hidden(const QByteArray &secret)
{
    return u"<hidden %1 bytes>"_s.arg(secret.size());
}

QString boolText(bool b)
{
    return b ? u"true"_s : u"false"_s;
}

QString code(std::uint8_t c)
{
    return u"0x%1"_s.arg(uint(c), 2, 16, QLatin1Char('0'));
}

QString properties(const Properties &p, bool showSecrets)
{
    QStringList out;
    const auto num = [&](PropertyId id, const char *name, qint64 value) {
        if (p.has(id)) out << u"%1=%2"_s.arg(QLatin1StringView(name)).arg(value);
    };
    const auto text = [&](PropertyId id, const char *name, const QByteArray &value) {
        if (p.has(id)) out << u"%1=%2"_s.arg(QLatin1StringView(name), quoted(value));
    };
    num(PropertyId::PayloadFormatIndicator, "payload_format", p.payloadFormatIndicator);
    num(PropertyId::MessageExpiryInterval, "message_expiry", p.messageExpiryInterval);
    text(PropertyId::ContentType, "content_type", p.contentType);
    text(PropertyId::ResponseTopic, "response_topic", p.responseTopic);
    text(PropertyId::CorrelationData, "correlation_data", p.correlationData);
    if (!p.subscriptionIdentifiers.isEmpty()) {
        QStringList ids;
        for (std::uint32_t id : p.subscriptionIdentifiers)
            ids << QString::number(id);
        out << u"subscription_ids=[%1]"_s.arg(ids.join(u','));
    }
    num(PropertyId::SessionExpiryInterval, "session_expiry", p.sessionExpiryInterval);
    text(PropertyId::AssignedClientIdentifier, "assigned_client_id", p.assignedClientIdentifier);
    num(PropertyId::ServerKeepAlive, "server_keepalive", p.serverKeepAlive);
    text(PropertyId::AuthenticationMethod, "auth_method", p.authenticationMethod);
    if (p.has(PropertyId::AuthenticationData)) {
        out << u"auth_data=%1"_s.arg(showSecrets ? quoted(p.authenticationData)
                                                 : hidden(p.authenticationData));
    }
    num(PropertyId::RequestProblemInformation, "request_problem_info", p.requestProblemInformation);
    num(PropertyId::WillDelayInterval, "will_delay", p.willDelayInterval);
    num(PropertyId::RequestResponseInformation, "request_response_info", p.requestResponseInformation);
    text(PropertyId::ResponseInformation, "response_info", p.responseInformation);
    text(PropertyId::ServerReference, "server_reference", p.serverReference);
    text(PropertyId::ReasonString, "reason_string", p.reasonString);
    num(PropertyId::ReceiveMaximum, "receive_maximum", p.receiveMaximum);
    num(PropertyId::TopicAliasMaximum, "topic_alias_maximum", p.topicAliasMaximum);
    num(PropertyId::TopicAlias, "topic_alias", p.topicAlias);
    num(PropertyId::MaximumQoS, "maximum_qos", p.maximumQoS);
    num(PropertyId::RetainAvailable, "retain_available", p.retainAvailable);
    for (const auto &up : p.userProperties)
        out << u"user[%1]=%2"_s.arg(quoted(up.first), quoted(up.second));
    num(PropertyId::MaximumPacketSize, "maximum_packet_size", p.maximumPacketSize);
    num(PropertyId::WildcardSubscriptionAvailable, "wildcard_sub_available", p.wildcardSubscriptionAvailable);
    num(PropertyId::SubscriptionIdentifierAvailable, "sub_id_available", p.subscriptionIdentifierAvailable);
    num(PropertyId::SharedSubscriptionAvailable, "shared_sub_available", p.sharedSubscriptionAvailable);
    if (out.isEmpty()) return {};
    return u"props={%1}"_s.arg(out.join(u' '));
}

QString clientName(const ClientInfo &client)
{
    if (!client.clientId.isEmpty()) return QString::fromUtf8(client.clientId);
    return client.remoteAddress.isEmpty() ? u"?"_s : client.remoteAddress;
}

bool isPing(const Packet &packet)
{
    return std::holds_alternative<Pingreq>(packet) || std::holds_alternative<Pingresp>(packet);
}

} // namespace

HookMask DebugHook::provides() const
{
    if (!m_options.enable) return 0;
    return hookBit(HookEvent::OnStarted) | hookBit(HookEvent::OnStopped) | hookBit(HookEvent::OnPacketRead) |
           hookBit(HookEvent::OnPacketSent) | hookBit(HookEvent::OnDisconnect) |
           hookBit(HookEvent::OnRetainMessage) | hookBit(HookEvent::OnQosPublish) |
           hookBit(HookEvent::OnQosComplete) | hookBit(HookEvent::OnQosDropped) |
           hookBit(HookEvent::OnWillSent) | hookBit(HookEvent::OnClientExpired) |
           hookBit(HookEvent::OnRetainedExpired);
}

bool DebugHook::init(const QVariantMap &config, QString *error)
{
    DebugHookOptions o = m_options;
    for (auto it = config.cbegin(); it != config.cend(); ++it) {
        const QString &k = it.key();
        bool *target = k == u"enable"             ? &o.enable
                       : k == u"show_packet_data" ? &o.showPacketData
                       : k == u"show_pings"       ? &o.showPings
                       : k == u"show_passwords"   ? &o.showPasswords
                                                  : nullptr;
        if (target) {
            if (it.value().typeId() != QMetaType::Bool) {
                if (error) *error = u"debug.%1: expected true or false"_s.arg(k);
                return false;
            }
            *target = it.value().toBool();
        } else if (k == u"level") {
            const QString level = it.value().toString().toLower();
            if (level == u"debug") {
                o.level = QtDebugMsg;
            } else if (level == u"info") {
                o.level = QtInfoMsg;
            } else {
                if (error)
                    *error = u"debug.level: expected debug or info, got \"%1\""_s.arg(it.value().toString());
                return false;
            }
        } else {
            if (error) {
                *error = u"debug: unknown setting \"%1\" (expected enable, show_packet_data, show_pings, "
                         u"show_passwords, level)"_s.arg(k);
            }
            return false;
        }
    }
    m_options = o;
    return true;
}

void DebugHook::log(const QString &line) const
{
    if (m_options.level == QtInfoMsg) {
        if (lcDebugHook().isInfoEnabled())
            QMessageLogger(nullptr, 0, nullptr, lcDebugHook().categoryName()).info().noquote() << line;
    } else if (lcDebugHook().isDebugEnabled()) {
        QMessageLogger(nullptr, 0, nullptr, lcDebugHook().categoryName()).debug().noquote() << line;
    }
}

QString DebugHook::describePacket(const Packet &packet) const
{
    const bool full = m_options.showPacketData;
    const bool secrets = m_options.showPasswords;
    QStringList m;
    std::visit(
        [&](const auto &p) {
            using T = std::decay_t<decltype(p)>;
            if constexpr (std::is_same_v<T, Connect>) {
                m << u"id=%1"_s.arg(quoted(p.clientId)) << u"clean=%1"_s.arg(boolText(p.cleanStart))
                  << u"keepalive=%1"_s.arg(p.keepAlive) << u"version=%1"_s.arg(int(p.version))
                  << u"username=%1"_s.arg(quoted(p.username));
                if (p.hasPassword)
                    m << u"password=%1"_s.arg(secrets ? quoted(p.password) : hidden(p.password));
                if (p.hasWill) {
                    m << u"will_topic=%1"_s.arg(quoted(p.will.topic))
                      << u"will_payload=%1"_s.arg(quoted(p.will.payload, full ? -1 : kShortPayload));
                    if (full) {
                        m << u"will_qos=%1"_s.arg(p.will.qos)
                          << u"will_retain=%1"_s.arg(boolText(p.will.retain));
                        if (const QString wp = properties(p.will.properties, secrets); !wp.isEmpty())
                            m << u"will_"_s + wp;
                    }
                }
                if (full) m << properties(p.properties, secrets);
            } else if constexpr (std::is_same_v<T, Publish>) {
                m << u"topic=%1"_s.arg(quoted(p.topic)) << u"qos=%1"_s.arg(p.qos)
                  << u"id=%1"_s.arg(p.packetId)
                  << u"payload=%1"_s.arg(quoted(p.payload, full ? -1 : kShortPayload));
                if (full) {
                    m << u"retain=%1"_s.arg(boolText(p.retain)) << u"dup=%1"_s.arg(boolText(p.dup))
                      << properties(p.properties, secrets);
                }
            } else if constexpr (std::is_same_v<T, Connack>) {
                m << u"reason=%1"_s.arg(code(p.reasonCode));
                if (full) m << u"session_present=%1"_s.arg(boolText(p.sessionPresent));
                if (p.properties.has(PropertyId::ReasonString) && !full)
                    m << u"reason_string=%1"_s.arg(quoted(p.properties.reasonString));
                if (full) m << properties(p.properties, secrets);
            } else if constexpr (std::is_same_v<T, Ack>) {
                m << u"id=%1"_s.arg(p.packetId) << u"reason=%1"_s.arg(code(p.reasonCode));
                if (p.properties.has(PropertyId::ReasonString) && !full)
                    m << u"reason_string=%1"_s.arg(quoted(p.properties.reasonString));
                if (full) m << properties(p.properties, secrets);
            } else if constexpr (std::is_same_v<T, Subscribe>) {
                QStringList filters;
                for (const TopicSubscription &t : p.topics) {
                    QString f = u"%1:%2"_s.arg(quoted(t.filter)).arg(t.options.qos);
                    if (full) {
                        f += u"(nl=%1,rap=%2,rh=%3)"_s.arg(int(t.options.noLocal))
                                 .arg(int(t.options.retainAsPublished))
                                 .arg(t.options.retainHandling);
                    }
                    filters << f;
                }
                m << u"id=%1"_s.arg(p.packetId) << u"filters=[%1]"_s.arg(filters.join(u','));
                if (full) m << properties(p.properties, secrets);
            } else if constexpr (std::is_same_v<T, SubackLike>) {
                QStringList reasons;
                for (std::uint8_t r : p.reasonCodes)
                    reasons << code(r);
                m << u"id=%1"_s.arg(p.packetId) << u"reasons=[%1]"_s.arg(reasons.join(u','));
                if (full) m << properties(p.properties, secrets);
            } else if constexpr (std::is_same_v<T, Unsubscribe>) {
                QStringList filters;
                for (const QByteArray &f : p.filters)
                    filters << quoted(f);
                m << u"id=%1"_s.arg(p.packetId) << u"filters=[%1]"_s.arg(filters.join(u','));
                if (full) m << properties(p.properties, secrets);
            } else if constexpr (std::is_same_v<T, Disconnect>) {
                m << u"reason=%1"_s.arg(code(p.reasonCode));
                if (p.properties.has(PropertyId::ReasonString) && !full)
                    m << u"reason_string=%1"_s.arg(quoted(p.properties.reasonString));
                if (full) m << properties(p.properties, secrets);
            } else if constexpr (std::is_same_v<T, Auth>) {
                m << u"reason=%1"_s.arg(code(p.reasonCode)) << properties(p.properties, secrets);
            }
        },
        packet);
    m.removeAll(QString());
    return m.join(u' ');
}

void DebugHook::logPacket(const ClientInfo &client, const Packet &packet, const char *direction) const
{
    if (isPing(packet) && !m_options.showPings) return;
    QString line = u"%1 %2 %3"_s.arg(QLatin1StringView(packetTypeName(packetTypeOf(packet))),
                                     QLatin1StringView(direction), clientName(client));
    const QString meta = describePacket(packet);
    if (!meta.isEmpty()) line += u' ' + meta;
    log(line);
}

void DebugHook::onStarted()
{
    log(u"broker started"_s);
}

void DebugHook::onStopped()
{
    log(u"broker stopped"_s);
}

Error DebugHook::onPacketRead(const ClientInfo &client, Packet &packet)
{
    logPacket(client, packet, "<<");
    return {};
}

void DebugHook::onPacketSent(const ClientInfo &client, const Packet &packet, const QByteArray &)
{
    logPacket(client, packet, ">>");
}

void DebugHook::onDisconnect(const ClientInfo &client, ReasonCode reason, bool expire)
{
    log(u"client disconnected client=%1 remote=%2 reason=%3 expire=%4"_s.arg(
        quoted(client.clientId), quoted(client.remoteAddress.toUtf8()), code(std::uint8_t(reason)),
        boolText(expire)));
}

void DebugHook::onRetainMessage(const ClientInfo &client, const Publish &publish, int change)
{
    const char *what = change > 0 ? "stored" : change == 0 ? "replaced" : "cleared";
    log(u"retained message %1 client=%2 %3"_s.arg(QLatin1StringView(what), quoted(client.clientId),
                                                  describePacket(publish)));
}

void DebugHook::onQosPublish(const ClientInfo &client, const Publish &publish, qint64, int resends)
{
    log(u"inflight out client=%1 resends=%2 %3"_s.arg(quoted(client.clientId))
            .arg(resends)
            .arg(describePacket(publish)));
}

void DebugHook::onQosComplete(const ClientInfo &client, const Publish &publish)
{
    log(u"inflight complete client=%1 %2"_s.arg(quoted(client.clientId), describePacket(publish)));
}

void DebugHook::onQosDropped(const ClientInfo &client, const Publish &publish)
{
    log(u"inflight dropped client=%1 %2"_s.arg(quoted(client.clientId), describePacket(publish)));
}

void DebugHook::onWillSent(const ClientInfo &client, const Publish &publish)
{
    log(u"sent will for client client=%1 %2"_s.arg(quoted(client.clientId), describePacket(publish)));
}

void DebugHook::onClientExpired(const QByteArray &clientId)
{
    log(u"client session expired client=%1"_s.arg(quoted(clientId)));
}

void DebugHook::onRetainedExpired(const QByteArray &topic)
{
    log(u"retained message expired topic=%1"_s.arg(quoted(topic)));
}

} // namespace petrel
