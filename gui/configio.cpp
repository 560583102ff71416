#include "configio.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonValue>
#include <QVariant>

namespace petrel::gui {

namespace {

// A YAML scalar: JSON's string syntax is valid YAML and quotes everything that needs it.
QByteArray quoted(const QString &s)
{
    QByteArray j = QJsonDocument(QJsonArray{s}).toJson(QJsonDocument::Compact);
    return j.mid(1, j.size() - 2);
}

void writeValue(QByteArray &out, const QVariant &v, int indent);

void writeMap(QByteArray &out, const QVariantMap &m, int indent)
{
    for (auto it = m.begin(); it != m.end(); ++it) {
        out += QByteArray(indent, ' ') + it.key().toUtf8() + ':';
        const QVariant &v = it.value();
        if (v.typeId() == QMetaType::QVariantMap && !v.toMap().isEmpty()) {
            out += '\n';
            writeMap(out, v.toMap(), indent + 2);
        } else if (v.typeId() == QMetaType::QVariantList && !v.toList().isEmpty()) {
            out += '\n';
            for (const QVariant &item : v.toList()) {
                out += QByteArray(indent + 2, ' ') + "- ";
                writeValue(out, item, indent + 4);
                out += '\n';
            }
        } else {
            out += ' ';
            writeValue(out, v, indent + 2);
            out += '\n';
        }
    }
}

void writeValue(QByteArray &out, const QVariant &v, int indent)
{
    switch (v.typeId()) {
    case QMetaType::Bool:
        out += v.toBool() ? "true" : "false";
        break;
    case QMetaType::Int:
    case QMetaType::LongLong:
    case QMetaType::UInt:
    case QMetaType::ULongLong:
        out += QByteArray::number(v.toLongLong());
        break;
    case QMetaType::Double:
        out += QByteArray::number(v.toDouble());
        break;
    case QMetaType::QVariantMap:
        // Flow style keeps nested maps inside lists simple.
        out += QJsonDocument(QJsonObject::fromVariantMap(v.toMap())).toJson(QJsonDocument::Compact);
        break;
    case QMetaType::QVariantList:
        out += QJsonDocument(QJsonArray::fromVariantList(v.toList())).toJson(QJsonDocument::Compact);
        break;
    default:
        out += quoted(v.toString());
    }
    Q_UNUSED(indent);
}

} // namespace

QByteArray optionsToYaml(const Options &o)
{
    QByteArray out = "# Petrel broker configuration, written by petrel-admin (Mochi MQTT schema; "
                     "petrel-server -c reads it).\n";
    out += "listeners:\n";
    for (const ListenerConfig &l : o.listeners) {
        out += "  - type: " + quoted(l.type) + "\n";
        out += "    id: " + quoted(l.id) + "\n";
        out += "    address: " + quoted(l.address) + "\n";
        if (!l.tlsCertFile.isEmpty()) out += "    tls_cert_file: " + quoted(l.tlsCertFile) + "\n";
        if (!l.tlsKeyFile.isEmpty()) out += "    tls_key_file: " + quoted(l.tlsKeyFile) + "\n";
        if (!l.tlsCaFile.isEmpty()) out += "    tls_ca_file: " + quoted(l.tlsCaFile) + "\n";
        if (!l.tlsMinimumVersion.isEmpty())
            out += "    tls_minimum_version: " + quoted(l.tlsMinimumVersion) + "\n";
        if (!l.wsPath.isEmpty()) out += "    ws_path: " + quoted(l.wsPath) + "\n";
        if (l.maximumConnections > 0)
            out += "    maximum_connections: " + QByteArray::number(l.maximumConnections) + "\n";
        if (l.unixPermissions >= 0)
            out += "    unix_permissions: \"" +
                   QByteArray::number(l.unixPermissions, 8).rightJustified(4, '0') + "\"\n";
        if (!l.adminToken.isEmpty()) out += "    admin_token: " + quoted(l.adminToken) + "\n";
    }
    // Hooks: auth allow_all or ledger, storage backends, debug, as the loader reads them.
    QVariantMap auth, storage, debug;
    for (const HookConfig &h : o.hooks) {
        if (h.type == QLatin1String("auth")) {
            if (h.name == QLatin1String("allow_all"))
                auth.insert(QStringLiteral("allow_all"), true);
            else
                auth.insert(h.name, h.settings);
        } else if (h.type == QLatin1String("storage")) {
            storage.insert(h.name, h.settings);
        } else if (h.type == QLatin1String("debug")) {
            QVariantMap d = h.settings;
            d.insert(QStringLiteral("enable"), true);
            debug = d;
        }
    }
    QVariantMap hooks;
    if (!auth.isEmpty()) hooks.insert(QStringLiteral("auth"), auth);
    if (!storage.isEmpty()) hooks.insert(QStringLiteral("storage"), storage);
    if (!debug.isEmpty()) hooks.insert(QStringLiteral("debug"), debug);
    if (!hooks.isEmpty()) {
        out += "hooks:\n";
        writeMap(out, hooks, 2);
    }
    const Capabilities &c = o.capabilities;
    out += "options:\n";
    out += "  sys_topic_resend_interval: " + QByteArray::number(o.sysTopicResendInterval) + "\n";
    out += "  inline_client: " + QByteArray(o.inlineClient ? "true" : "false") + "\n";
    out += "  worker_threads: " + QByteArray::number(o.workerThreads) + "\n";
    out += "  rebalance:\n";
    out += "    enabled: " + QByteArray(o.rebalance.enabled ? "true" : "false") + "\n";
    out += "    interval_ms: " + QByteArray::number(o.rebalance.intervalMs) + "\n";
    out += "    minimum_rate: " + QByteArray::number(o.rebalance.minimumRate) + "\n";
    out += "  capabilities:\n";
    out += "    maximum_clients: " + QByteArray::number(c.maximumClients) + "\n";
    out +=
        "    maximum_message_expiry_interval: " + QByteArray::number(c.maximumMessageExpiryInterval) + "\n";
    out +=
        "    maximum_session_expiry_interval: " + QByteArray::number(c.maximumSessionExpiryInterval) + "\n";
    out += "    maximum_inflight: " + QByteArray::number(c.maximumInflight) + "\n";
    out += "    receive_maximum: " + QByteArray::number(c.receiveMaximum) + "\n";
    out += "    topic_alias_maximum: " + QByteArray::number(c.topicAliasMaximum) + "\n";
    out += "    maximum_qos: " + QByteArray::number(c.maximumQos) + "\n";
    out += "    retain_available: " + QByteArray::number(c.retainAvailable) + "\n";
    out += "    maximum_keepalive: " + QByteArray::number(c.maximumKeepalive) + "\n";
    out += "logging:\n";
    static const char *levels[] = {"debug", "info", "warn", "error"};
    out += "  level: " + QByteArray(levels[int(o.logLevel)]) + "\n";
    return out;
}

} // namespace petrel::gui
