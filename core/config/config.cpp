// Config loader: yaml-cpp builds a node tree (JSON included), then a strict schema walk turns it
// into Options. Every problem is thrown inside this file as Failure{ConfigError} and caught,
// together with anything yaml-cpp or the standard library throws, at the two public functions.
#include "config/config.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QHash>
#include <QLoggingCategory>
#include <QRegularExpression>
#include <QStringList>

#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <charconv>
#include <cmath>
#include <functional>
#include <limits>
#include <sstream>
#include <string>
#include <utility>

namespace petrel::config {

using namespace Qt::StringLiterals;

Q_LOGGING_CATEGORY(lcConfig, "petrel.config")

QString ConfigError::toString() const
{
    QString s = file.isEmpty() ? u"<config>"_s : file;
    if (line > 0) {
        s += u':' + QString::number(line);
        if (column > 0) s += u':' + QString::number(column);
    }
    s += u": "_s;
    if (!key.isEmpty()) s += key + u": "_s;
    return s + message;
}

namespace {

constexpr qint64 kMaxFileSize = 16 * 1024 * 1024;
constexpr qint64 kInt64Max = std::numeric_limits<qint64>::max();
constexpr qint64 kIntMax = std::numeric_limits<int>::max();

// Thrown inside the loader only, caught at the API boundary.
struct Failure {
    ConfigError error;
};

// One `key: value` pair of a mapping together with its dotted path.
struct Entry {
    QString name;
    QString path;
    YAML::Node key;
    YAML::Node value;
};

QString childPath(const QString &path, const QString &name)
{
    return path.isEmpty() ? name : path + u'.' + name;
}

QString indexPath(const QString &path, int index)
{
    return path + u'[' + QString::number(index) + u']';
}

QString scalarText(const YAML::Node &node)
{
    return QString::fromStdString(node.Scalar());
}

// Quoted scalars ("2", '2') and explicit !!str are strings; only plain scalars are resolved
// to numbers or booleans (as yaml.v3 and encoding/json do for Mochi).
bool isQuoted(const YAML::Node &node)
{
    return node.Tag() == "!" || node.Tag() == "tag:yaml.org,2002:str";
}

QString describe(const YAML::Node &node)
{
    switch (node.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
        return u"no value (null)"_s;
    case YAML::NodeType::Sequence:
        return u"a list"_s;
    case YAML::NodeType::Map:
        return u"a mapping"_s;
    case YAML::NodeType::Scalar:
        break;
    }
    QString text = scalarText(node);
    if (text.size() > 40) text = text.left(37) + u"..."_s;
    return isQuoted(node) ? u"the quoted string \"%1\""_s.arg(text) : u"\"%1\""_s.arg(text);
}

// Lower case without separators, so maximumQos and maximum-qos match maximum_qos.
QString squashed(const QString &key)
{
    QString s = key.toLower();
    s.remove(u'_');
    s.remove(u'-');
    return s;
}

int editDistance(const QString &a, const QString &b)
{
    QList<int> row(b.size() + 1);
    for (qsizetype j = 0; j <= b.size(); ++j)
        row[j] = int(j);
    for (qsizetype i = 1; i <= a.size(); ++i) {
        int diagonal = row[0];
        row[0] = int(i);
        for (qsizetype j = 1; j <= b.size(); ++j) {
            const int above = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
            diagonal = above;
        }
    }
    return row[b.size()];
}

QString suggestion(const QString &name, const QStringList &allowed)
{
    for (const QString &candidate : allowed) {
        if (squashed(candidate) == squashed(name)) return candidate;
    }
    if (name.size() >= 3) {
        for (const QString &candidate : allowed) {
            if (candidate.startsWith(name) || name.startsWith(candidate)) return candidate;
        }
    }
    QString best;
    int bestDistance = name.size() >= 6 ? 3 : 2;
    for (const QString &candidate : allowed) {
        const int d = editDistance(name, candidate);
        if (d < bestDistance) {
            bestDistance = d;
            best = candidate;
        }
    }
    return best;
}

// Where keys that are commonly put at the wrong level belong.
const QHash<QString, QString> &homeOfKey()
{
    static const QHash<QString, QString> homes = [] {
        QHash<QString, QString> h;
        for (const char *k : {"listeners", "hooks", "options", "logging", "cluster"})
            h.insert(QString::fromLatin1(k), u"the top level"_s);
        for (const char *k :
             {"client_net_write_buffer_size", "client_net_read_buffer_size", "sys_topic_resend_interval",
              "inline_client", "capabilities", "worker_threads", "rebalance"})
            h.insert(QString::fromLatin1(k), u"options"_s);
        for (const char *k : {"maximum_clients",
                              "maximum_message_expiry_interval",
                              "maximum_client_writes_pending",
                              "maximum_session_expiry_interval",
                              "maximum_packet_size",
                              "receive_maximum",
                              "maximum_inflight",
                              "topic_alias_maximum",
                              "shared_sub_available",
                              "minimum_protocol_version",
                              "maximum_qos",
                              "retain_available",
                              "wildcard_sub_available",
                              "sub_id_available",
                              "compatibilities",
                              "maximum_keepalive",
                              "maximum_connect_packet_size",
                              "connect_timeout_ms",
                              "maximum_client_bytes_pending",
                              "maximum_subscriptions_per_client",
                              "maximum_topic_levels",
                              "maximum_retained_messages"})
            h.insert(QString::fromLatin1(k), u"options.capabilities"_s);
        for (const char *k :
             {"obscure_not_authorized", "passive_client_disconnect", "always_return_response_info",
              "restore_sys_info_on_restart", "no_inherited_properties_on_ack"})
            h.insert(QString::fromLatin1(k), u"options.capabilities.compatibilities"_s);
        for (const char *k : {"auth", "storage", "debug"})
            h.insert(QString::fromLatin1(k), u"hooks"_s);
        for (const char *k : {"allow_all", "ledger"})
            h.insert(QString::fromLatin1(k), u"hooks.auth"_s);
        for (const char *k : {"sqlite", "badger", "bolt", "pebble", "redis"})
            h.insert(QString::fromLatin1(k), u"hooks.storage"_s);
        h.insert(u"level"_s, u"logging"_s);
        return h;
    }();
    return homes;
}

using HintFn = std::function<QString(const QString &name)>;

struct Position {
    int line = 0;
    int column = 0;
};

Position positionOf(const YAML::Node &node)
{
    if (!node.IsDefined()) return {};
    const YAML::Mark mark = node.Mark();
    if (mark.is_null() || mark.line < 0) return {};
    return {mark.line + 1, mark.column + 1};
}

struct HostPort {
    QString host; // without brackets; empty for ":1883"
    int port = 0;
};

std::optional<HostPort> parseHostPort(const QString &address)
{
    const qsizetype colon = address.lastIndexOf(u':');
    if (colon < 0) return std::nullopt;
    QString host = address.left(colon);
    const QString portText = address.mid(colon + 1);
    if (host.startsWith(u'[')) {
        if (!host.endsWith(u']') || host.size() < 3) return std::nullopt;
        host = host.mid(1, host.size() - 2);
    } else if (host.contains(u':') || host.contains(u']')) {
        return std::nullopt; // IPv6 addresses need brackets: [::1]:1883
    }
    for (QChar c : host) {
        if (c.isSpace() || c == u'/' || c == u'[') return std::nullopt;
    }
    if (portText.isEmpty() || portText.size() > 5) return std::nullopt;
    for (QChar c : portText) {
        if (!c.isDigit()) return std::nullopt;
    }
    const int port = portText.toInt();
    if (port > 65535) return std::nullopt;
    return HostPort{host.toLower(), port};
}

bool isWildcardHost(const QString &host)
{
    return host.isEmpty() || host == u"0.0.0.0" || host == u"::";
}

enum class IntParse { Ok, NotANumber, NotInteger, LeadingZero, TooLarge };

// A plain scalar as an integer: decimal, 0x.., 0o.., 0b.., optional sign, '_' digit separators
// (as yaml.v3 reads them), or a float with an integral value (1e6) as yaml.v3 does.
IntParse parseInteger(std::string text, qint64 *value)
{
    std::erase(text, '_');
    if (text.empty()) return IntParse::NotANumber;
    std::size_t i = 0;
    bool negative = false;
    if (text[0] == '+' || text[0] == '-') {
        negative = text[0] == '-';
        i = 1;
    }
    int base = 10;
    if (text.size() > i + 2 && text[i] == '0') {
        const char p = text[i + 1];
        if (p == 'x' || p == 'X')
            base = 16;
        else if (p == 'o' || p == 'O')
            base = 8;
        else if (p == 'b' || p == 'B')
            base = 2;
        if (base != 10) i += 2;
    }
    const char *first = text.data() + i;
    const char *last = text.data() + text.size();
    unsigned long long magnitude = 0;
    const auto [end, ec] = std::from_chars(first, last, magnitude, base);
    if (end == last && first != last && ec == std::errc()) {
        if (base == 10 && last - first > 1 && *first == '0') return IntParse::LeadingZero;
        const unsigned long long limit = negative ? 1ULL + kInt64Max : kInt64Max;
        if (magnitude > limit) return IntParse::TooLarge;
        *value = negative ? qint64(0ULL - magnitude) : qint64(magnitude);
        return IntParse::Ok;
    }
    if (ec == std::errc::result_out_of_range && end == last) return IntParse::TooLarge;
    if (base != 10) return IntParse::NotANumber;
    // Not an integer literal: maybe a float (1e6, 2.0, 1.5).
    double d = 0;
    const char *fFirst = text.data() + (text[0] == '+' ? 1 : 0);
    const auto [fEnd, fEc] = std::from_chars(fFirst, last, d);
    if (fEnd != last || fEc != std::errc() || !std::isfinite(d)) return IntParse::NotANumber;
    if (d != std::trunc(d)) return IntParse::NotInteger;
    if (std::fabs(d) > 9007199254740992.0) // 2^53: beyond that a double is not exact
        return IntParse::TooLarge;
    *value = qint64(d);
    return IntParse::Ok;
}

QString rangeText(qint64 min, qint64 max)
{
    if (max == kInt64Max) return min == 0 ? u"must not be negative"_s : u"must be at least %1"_s.arg(min);
    if (max - min == 1) return u"must be %1 or %2"_s.arg(min).arg(max);
    return u"must be between %1 and %2"_s.arg(min).arg(max);
}

using CapabilitySetter = void (*)(Capabilities &, qint64);

struct CapabilityField {
    const char *name;
    qint64 min;
    qint64 max;
    CapabilitySetter set;
};

constexpr qint64 kU16 = 0xFFFF;
constexpr qint64 kU32 = 0xFFFFFFFFLL;

// Every integer field of Capabilities, with the range its C++ type and MQTT allow.
const CapabilityField kCapabilityFields[] = {
    {"maximum_clients", 0, kInt64Max, [](Capabilities &c, qint64 v) { c.maximumClients = v; }},
    {"maximum_message_expiry_interval", 0, kInt64Max,
     [](Capabilities &c, qint64 v) { c.maximumMessageExpiryInterval = v; }},
    {"maximum_client_writes_pending", 1, kIntMax,
     [](Capabilities &c, qint64 v) { c.maximumClientWritesPending = std::int32_t(v); }},
    {"maximum_session_expiry_interval", 0, kU32,
     [](Capabilities &c, qint64 v) { c.maximumSessionExpiryInterval = std::uint32_t(v); }},
    {"maximum_packet_size", 0, kU32,
     [](Capabilities &c, qint64 v) { c.maximumPacketSize = std::uint32_t(v); }},
    // [MQTT-3.2.2.3.3] Receive Maximum 0 is a Protocol Error.
    {"receive_maximum", 1, kU16, [](Capabilities &c, qint64 v) { c.receiveMaximum = std::uint16_t(v); }},
    {"maximum_inflight", 0, kU16, [](Capabilities &c, qint64 v) { c.maximumInflight = std::uint16_t(v); }},
    {"topic_alias_maximum", 0, kU16,
     [](Capabilities &c, qint64 v) { c.topicAliasMaximum = std::uint16_t(v); }},
    {"shared_sub_available", 0, 1, [](Capabilities &c, qint64 v) { c.sharedSubAvailable = std::uint8_t(v); }},
    {"minimum_protocol_version", 3, 5,
     [](Capabilities &c, qint64 v) { c.minimumProtocolVersion = std::uint8_t(v); }},
    {"maximum_qos", 0, 2, [](Capabilities &c, qint64 v) { c.maximumQos = std::uint8_t(v); }},
    {"retain_available", 0, 1, [](Capabilities &c, qint64 v) { c.retainAvailable = std::uint8_t(v); }},
    {"wildcard_sub_available", 0, 1,
     [](Capabilities &c, qint64 v) { c.wildcardSubAvailable = std::uint8_t(v); }},
    {"sub_id_available", 0, 1, [](Capabilities &c, qint64 v) { c.subIdAvailable = std::uint8_t(v); }},
    // Petrel additions.
    {"maximum_keepalive", 0, kU16, [](Capabilities &c, qint64 v) { c.maximumKeepalive = std::uint16_t(v); }},
    {"maximum_connect_packet_size", 1, kU32,
     [](Capabilities &c, qint64 v) { c.maximumConnectPacketSize = std::uint32_t(v); }},
    {"connect_timeout_ms", 1, kIntMax, [](Capabilities &c, qint64 v) { c.connectTimeoutMs = int(v); }},
    {"maximum_client_bytes_pending", 1, kInt64Max,
     [](Capabilities &c, qint64 v) { c.maximumClientBytesPending = v; }},
    {"maximum_subscriptions_per_client", 0, kIntMax,
     [](Capabilities &c, qint64 v) { c.maximumSubscriptionsPerClient = std::int32_t(v); }},
    {"maximum_topic_levels", 0, kIntMax,
     [](Capabilities &c, qint64 v) { c.maximumTopicLevels = std::int32_t(v); }},
    {"maximum_retained_messages", 0, kInt64Max,
     [](Capabilities &c, qint64 v) { c.maximumRetainedMessages = v; }},
};

struct CompatibilityField {
    const char *name;
    bool Compatibilities::*member;
};

const CompatibilityField kCompatibilityFields[] = {
    {"obscure_not_authorized", &Compatibilities::obscureNotAuthorized},
    {"passive_client_disconnect", &Compatibilities::passiveClientDisconnect},
    {"always_return_response_info", &Compatibilities::alwaysReturnResponseInfo},
    {"restore_sys_info_on_restart", &Compatibilities::restoreSysInfoOnRestart},
    {"no_inherited_properties_on_ack", &Compatibilities::noInheritedPropertiesOnAck},
};

const QStringList kListenerTypes = {u"tcp"_s, u"ws"_s, u"unix"_s, u"sysinfo"_s, u"healthcheck"_s};

class Loader {
public:
    explicit Loader(const QString &file) : m_file(file) {}

    Options load(const YAML::Node &root);

    [[noreturn]] void fail(const YAML::Node &at, const QString &path, const QString &message) const
    {
        const Position p = positionOf(at);
        throw Failure{ConfigError{m_file, p.line, p.column, path, message}};
    }

private:
    // Errors about a value point at the value, or at its key when there is no value to point at.
    [[noreturn]] void failValue(const Entry &e, const QString &message) const
    {
        fail(e.value.IsNull() ? e.key : e.value, e.path, message);
    }

    // The entries of a mapping (null counts as empty); rejects other nodes, duplicate keys and,
    // unless allowed is empty, keys not in allowed.
    QList<Entry> entries(const YAML::Node &map, const QString &path, const QStringList &allowed,
                         const HintFn &hint = {}) const;
    QList<Entry> entries(const Entry &e, const QStringList &allowed, const HintFn &hint = {}) const
    {
        return entries(e.value, e.path, allowed, hint);
    }

    qint64 readInt(const Entry &e, qint64 min, qint64 max, const QString &rangeMessage = {}) const;
    double readNumber(const Entry &e) const;
    bool readBool(const Entry &e) const;
    QString readString(const Entry &e) const;
    QString readNonEmptyString(const Entry &e) const;

    void loadListeners(const Entry &e, Options &options) const;
    ListenerConfig loadListener(const YAML::Node &item, const QString &path) const;
    void loadHooks(const Entry &e, Options &options) const;
    std::optional<HookConfig> loadAuth(const Entry &e) const;
    QVariantMap loadLedger(const Entry &e) const;
    QVariantMap loadFilters(const Entry &e) const;
    QList<HookConfig> loadStorage(const Entry &e) const;
    std::optional<HookConfig> loadDebug(const Entry &e) const;
    void loadOptions(const Entry &e, Options &options) const;
    void loadCapabilities(const Entry &e, Capabilities &capabilities) const;
    void loadRebalance(const Entry &e, RebalanceOptions &rebalance) const;
    void loadLogging(const Entry &e, Options &options) const;
    void loadCluster(const Entry &e, ClusterOptions &cluster) const;

    QString m_file;
};

QList<Entry> Loader::entries(const YAML::Node &map, const QString &path, const QStringList &allowed,
                             const HintFn &hint) const
{
    QList<Entry> result;
    if (map.IsNull()) return result; // `section:` with nothing under it is an empty section
    if (!map.IsMap()) {
        fail(map, path,
             u"expected a mapping with keys (%1), got %2"_s.arg(allowed.join(u", "_s), describe(map)));
    }
    QHash<QString, int> seen; // key -> line of first occurrence
    for (auto it = map.begin(); it != map.end(); ++it) {
        const YAML::Node key = it->first;
        if (!key.IsScalar())
            fail(key, path, u"keys must be plain names, got %1 as a key"_s.arg(describe(key)));
        const QString name = scalarText(key);
        const QString keyPath = childPath(path, name);
        if (const auto previous = seen.constFind(name); previous != seen.constEnd())
            fail(key, keyPath, u"duplicate key \"%1\" (first given at line %2)"_s.arg(name).arg(*previous));
        seen.insert(name, positionOf(key).line);
        if (!allowed.isEmpty() && !allowed.contains(name)) {
            QString message = u"unknown key \"%1\""_s.arg(name);
            QString extra = hint ? hint(name) : QString();
            if (extra.isEmpty()) {
                const auto home = homeOfKey().constFind(name);
                const QString here = path.isEmpty() ? u"the top level"_s : path;
                if (home != homeOfKey().constEnd() && *home != here)
                    extra = u"it belongs under %1"_s.arg(*home);
            }
            if (extra.isEmpty()) {
                const QString close = suggestion(name, allowed);
                if (!close.isEmpty()) extra = u"did you mean \"%1\"?"_s.arg(close);
            }
            if (extra.isEmpty()) extra = u"expected one of: %1"_s.arg(allowed.join(u", "_s));
            fail(key, keyPath, message + u"; "_s + extra);
        }
        result.append(Entry{name, keyPath, key, it->second});
    }
    return result;
}

qint64 Loader::readInt(const Entry &e, qint64 min, qint64 max, const QString &rangeMessage) const
{
    const QString range = rangeMessage.isEmpty() ? rangeText(min, max) : rangeMessage;
    if (!e.value.IsScalar() || isQuoted(e.value)) {
        QString message = u"expected an integer, got %1"_s.arg(describe(e.value));
        if (e.value.IsScalar()) message += u" (write numbers without quotes)"_s;
        failValue(e, message);
    }
    qint64 value = 0;
    switch (parseInteger(e.value.Scalar(), &value)) {
    case IntParse::Ok:
        break;
    case IntParse::NotANumber:
        failValue(e, u"expected an integer, got %1"_s.arg(describe(e.value)));
    case IntParse::NotInteger:
        failValue(e, u"expected a whole number, got %1"_s.arg(describe(e.value)));
    case IntParse::LeadingZero:
        failValue(e, u"ambiguous number %1: remove the leading zero (write 0o.. for octal)"_s.arg(
                         describe(e.value)));
    case IntParse::TooLarge:
        failValue(e, u"%1, got %2"_s.arg(range, describe(e.value)));
    }
    if (value < min || value > max) failValue(e, u"%1, got %2"_s.arg(range).arg(value));
    return value;
}

double Loader::readNumber(const Entry &e) const
{
    if (!e.value.IsScalar() || isQuoted(e.value))
        failValue(e, u"expected a number, got %1"_s.arg(describe(e.value)));
    std::string text = e.value.Scalar();
    const char *first = text.data() + (text.starts_with('+') ? 1 : 0);
    const char *last = text.data() + text.size();
    double value = 0;
    const auto [end, ec] = std::from_chars(first, last, value);
    if (end != last || ec != std::errc() || !std::isfinite(value))
        failValue(e, u"expected a number, got %1"_s.arg(describe(e.value)));
    return value;
}

bool Loader::readBool(const Entry &e) const
{
    if (e.value.IsScalar() && !isQuoted(e.value)) {
        const std::string &s = e.value.Scalar();
        // YAML 1.2 booleans, plus the YAML 1.1 words yaml.v3 accepts for a typed bool.
        for (const char *t : {"true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON", "y", "Y"}) {
            if (s == t) return true;
        }
        for (const char *f : {"false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF", "n", "N"}) {
            if (s == f) return false;
        }
    }
    failValue(e, u"expected true or false, got %1"_s.arg(describe(e.value)));
}

QString Loader::readString(const Entry &e) const
{
    if (e.value.IsNull()) return {};
    if (!e.value.IsScalar()) failValue(e, u"expected a string, got %1"_s.arg(describe(e.value)));
    return scalarText(e.value);
}

QString Loader::readNonEmptyString(const Entry &e) const
{
    const QString s = readString(e);
    if (s.trimmed().isEmpty()) failValue(e, u"must not be empty"_s);
    return s;
}

Options Loader::load(const YAML::Node &root)
{
    Options options;
    if (root.IsNull()) {
        fail(YAML::Node(), {},
             u"the file is empty; expected a mapping with listeners, hooks, options and logging"_s);
    }
    if (!root.IsMap()) fail(root, {}, u"expected a mapping at the top level, got %1"_s.arg(describe(root)));
    const HintFn topHint = [](const QString &name) {
        if (name == u"capabilities")
            return u"Mochi reads capabilities under options: (options.capabilities)"_s;
        return QString();
    };
    for (const Entry &e :
         entries(root, {}, {u"listeners"_s, u"hooks"_s, u"options"_s, u"logging"_s, u"cluster"_s}, topHint)) {
        if (e.name == u"cluster")
            loadCluster(e, options.cluster);
        else if (e.name == u"listeners")
            loadListeners(e, options);
        else if (e.name == u"hooks")
            loadHooks(e, options);
        else if (e.name == u"options")
            loadOptions(e, options);
        else
            loadLogging(e, options);
    }
    return options;
}

void Loader::loadListeners(const Entry &e, Options &options) const
{
    if (e.value.IsNull()) return;
    if (!e.value.IsSequence()) failValue(e, u"expected a list of listeners, got %1"_s.arg(describe(e.value)));

    struct Seen {
        QString id;
        int line;
        QString type;
        QString address;
        std::optional<HostPort> hostPort;
    };
    QList<Seen> seen;
    int index = 0;
    for (auto it = e.value.begin(); it != e.value.end(); ++it, ++index) {
        const YAML::Node item = *it;
        const QString path = indexPath(e.path, index);
        ListenerConfig listener = loadListener(item, path);

        // Position of the id and address values, for the duplicate errors below.
        YAML::Node idNode, addressNode;
        for (auto kv = item.begin(); kv != item.end(); ++kv) {
            if (kv->first.Scalar() == "id")
                idNode = kv->second;
            else if (kv->first.Scalar() == "address")
                addressNode = kv->second;
        }
        const bool isUnix = listener.type == u"unix";
        std::optional<HostPort> hostPort;
        if (!isUnix) {
            hostPort = parseHostPort(listener.address);
            if (!hostPort) {
                fail(
                    addressNode, childPath(path, u"address"_s),
                    u"expected \"host:port\" (e.g. \":1883\", \"127.0.0.1:1883\" or \"[::1]:1883\"), got \"%1\""_s
                        .arg(listener.address));
            }
        }
        for (const Seen &other : seen) {
            if (other.id == listener.id) {
                fail(idNode, childPath(path, u"id"_s),
                     u"duplicate listener id \"%1\" (first used at line %2)"_s.arg(listener.id)
                         .arg(other.line));
            }
            bool clash = false;
            if (isUnix || other.type == u"unix") {
                clash = isUnix && other.type == u"unix" &&
                        QDir::cleanPath(other.address) == QDir::cleanPath(listener.address);
            } else if (hostPort->port != 0 && hostPort->port == other.hostPort->port) {
                clash = hostPort->host == other.hostPort->host || isWildcardHost(hostPort->host) ||
                        isWildcardHost(other.hostPort->host);
            }
            if (clash) {
                fail(addressNode, childPath(path, u"address"_s),
                     u"address \"%1\" is already used by listener \"%2\" (\"%3\")"_s.arg(
                         listener.address, other.id, other.address));
            }
        }
        seen.append(Seen{listener.id, positionOf(idNode).line, listener.type, listener.address, hostPort});
        options.listeners.append(listener);
    }
}

ListenerConfig Loader::loadListener(const YAML::Node &item, const QString &path) const
{
    if (!item.IsMap()) {
        fail(item, path,
             u"expected a listener mapping with type, id and address, got %1"_s.arg(describe(item)));
    }
    static const QStringList keys = {u"type"_s,
                                     u"id"_s,
                                     u"address"_s,
                                     u"tls_cert_file"_s,
                                     u"tls_key_file"_s,
                                     u"tls_ca_file"_s,
                                     u"tls_minimum_version"_s,
                                     u"ws_path"_s,
                                     u"maximum_connections"_s,
                                     u"unix_permissions"_s,
                                     u"admin_token"_s};
    ListenerConfig listener;
    QHash<QString, Entry> given;
    for (const Entry &e : entries(item, path, keys)) {
        given.insert(e.name, e);
        if (e.name == u"type") {
            const QString type = readNonEmptyString(e).toLower();
            if (type == u"mock")
                failValue(e, u"\"mock\" is Mochi's test listener; Petrel has no such listener type"_s);
            if (!kListenerTypes.contains(type)) {
                failValue(e, u"unknown listener type \"%1\"; expected one of: %2"_s.arg(
                                 readString(e), kListenerTypes.join(u", "_s)));
            }
            listener.type = type;
        } else if (e.name == u"id") {
            listener.id = readNonEmptyString(e);
        } else if (e.name == u"address") {
            listener.address = readNonEmptyString(e);
        } else if (e.name == u"tls_cert_file") {
            listener.tlsCertFile = readNonEmptyString(e);
        } else if (e.name == u"tls_key_file") {
            listener.tlsKeyFile = readNonEmptyString(e);
        } else if (e.name == u"tls_ca_file") {
            listener.tlsCaFile = readNonEmptyString(e);
        } else if (e.name == u"tls_minimum_version") {
            const QString v = readNonEmptyString(e);
            if (v != u"1.2" && v != u"1.3")
                failValue(e, u"expected \"1.2\" or \"1.3\", got %1"_s.arg(describe(e.value)));
            listener.tlsMinimumVersion = v;
        } else if (e.name == u"ws_path") {
            const QString p = readNonEmptyString(e);
            if (!p.startsWith(u'/')) failValue(e, u"must start with '/', got %1"_s.arg(describe(e.value)));
            listener.wsPath = p;
        } else if (e.name == u"admin_token") {
            listener.adminToken = readNonEmptyString(e);
        } else if (e.name == u"maximum_connections") {
            listener.maximumConnections = int(readInt(e, 0, kIntMax));
        } else if (e.name == u"unix_permissions") {
            // Octal like chmod: "0660" or 660 (read as octal digits either way).
            const QString v = readNonEmptyString(e);
            bool ok = v.size() >= 3 && v.size() <= 4;
            const int mode = ok ? v.toInt(&ok, 8) : 0;
            if (!ok || mode > 07777) {
                failValue(e,
                          u"expected an octal file mode such as \"0660\", got %1"_s.arg(describe(e.value)));
            }
            listener.unixPermissions = mode;
        }
    }
    for (const char *required : {"type", "id", "address"}) {
        const QString name = QString::fromLatin1(required);
        if (!given.contains(name))
            fail(item, childPath(path, name), u"missing required key \"%1\""_s.arg(name));
    }
    const auto requireNot = [&](const QString &key, bool allowed, const QString &why) {
        if (given.contains(key) && !allowed) fail(given[key].key, given[key].path, why);
    };
    const bool isUnix = listener.type == u"unix";
    const bool hasTls = given.contains(u"tls_cert_file"_s) || given.contains(u"tls_key_file"_s);
    requireNot(u"unix_permissions"_s, isUnix,
               u"unix_permissions applies to unix listeners only, not to type \"%1\""_s.arg(listener.type));
    requireNot(
        u"admin_token"_s, listener.type == u"sysinfo",
        u"admin_token applies to sysinfo listeners only (they serve the admin API), not to type \"%1\""_s.arg(
            listener.type));
    requireNot(u"ws_path"_s, listener.type == u"ws",
               u"ws_path applies to ws listeners only, not to type \"%1\""_s.arg(listener.type));
    for (const QString &tlsKey :
         {u"tls_cert_file"_s, u"tls_key_file"_s, u"tls_ca_file"_s, u"tls_minimum_version"_s}) {
        requireNot(tlsKey, !isUnix, u"TLS is not available on unix socket listeners"_s);
    }
    requireNot(u"tls_cert_file"_s, given.contains(u"tls_key_file"_s),
               u"tls_cert_file needs tls_key_file as well"_s);
    requireNot(u"tls_key_file"_s, given.contains(u"tls_cert_file"_s),
               u"tls_key_file needs tls_cert_file as well"_s);
    requireNot(u"tls_ca_file"_s, hasTls, u"tls_ca_file needs tls_cert_file and tls_key_file"_s);
    requireNot(u"tls_minimum_version"_s, hasTls,
               u"tls_minimum_version needs tls_cert_file and tls_key_file"_s);
    return listener;
}

void Loader::loadHooks(const Entry &e, Options &options) const
{
    std::optional<HookConfig> auth;
    QList<HookConfig> storage;
    std::optional<HookConfig> debug;
    for (const Entry &h : entries(e, {u"auth"_s, u"storage"_s, u"debug"_s})) {
        if (h.name == u"auth")
            auth = loadAuth(h);
        else if (h.name == u"storage")
            storage = loadStorage(h);
        else
            debug = loadDebug(h);
    }
    // Mochi's order: auth, storage, debug.
    if (auth) options.hooks.append(*auth);
    options.hooks.append(storage);
    if (debug) options.hooks.append(*debug);
}

std::optional<HookConfig> Loader::loadAuth(const Entry &e) const
{
    // As Mochi: allow_all true -> the allow-all hook; otherwise the ledger hook, whose rules
    // (possibly none: then every connection is refused) come from `ledger:`.
    bool allowAll = false;
    std::optional<Entry> ledgerEntry;
    QVariantMap ledger;
    for (const Entry &a : entries(e, {u"allow_all"_s, u"ledger"_s})) {
        if (a.name == u"allow_all") {
            allowAll = readBool(a);
        } else {
            ledgerEntry = a;
            ledger = loadLedger(a);
        }
    }
    if (allowAll && ledgerEntry) {
        fail(ledgerEntry->key, ledgerEntry->path,
             u"a ledger has no effect while allow_all is true; remove one of them"_s);
    }
    if (allowAll) return HookConfig{u"auth"_s, u"allow_all"_s, {}};
    return HookConfig{u"auth"_s, u"ledger"_s, ledger};
}

QVariantMap Loader::loadFilters(const Entry &e) const
{
    QVariantMap filters;
    for (const Entry &f : entries(e, {})) {
        if (f.name.isEmpty()) fail(f.key, f.path, u"a topic filter must not be empty"_s);
        filters.insert(f.name,
                       readInt(f, 0, 3, u"must be 0 (deny), 1 (read), 2 (write) or 3 (read and write)"_s));
    }
    return filters;
}

QVariantMap Loader::loadLedger(const Entry &e) const
{
    QVariantMap ledger;
    const auto ruleList = [&](const Entry &list, const QStringList &keys, bool acl) {
        QVariantList rules;
        if (list.value.IsNull()) return rules;
        if (!list.value.IsSequence())
            failValue(list, u"expected a list of rules, got %1"_s.arg(describe(list.value)));
        const HintFn hint = [acl](const QString &name) {
            if (acl && (name.contains(u'/') || name.contains(u'#') || name.contains(u'+')))
                return u"topic filters go under \"filters:\" (check the indentation)"_s;
            return QString();
        };
        int index = 0;
        for (auto it = list.value.begin(); it != list.value.end(); ++it, ++index) {
            const YAML::Node item = *it;
            const QString path = indexPath(list.path, index);
            if (!item.IsMap()) fail(item, path, u"expected a rule mapping, got %1"_s.arg(describe(item)));
            // Mochi's own example config indents ACL filters at the level of `filters:`; Mochi
            // ignores them and so does Petrel, with a warning (so that file starts unchanged),
            // because the rule then has no filters and allows every topic.
            QStringList allowed = keys;
            QStringList misplaced;
            if (acl) {
                for (auto k = item.begin(); k != item.end(); ++k) {
                    const QString name = k->first.IsScalar() ? scalarText(k->first) : QString();
                    if (!keys.contains(name) && !hint(name).isEmpty()) {
                        misplaced.append(name);
                        qCWarning(lcConfig).noquote()
                            << u"%1:%2: %3.%4 is at the level of \"filters:\" and is ignored, as Mochi does: "
                               u"this rule has no filters and allows every topic. Indent the topic filters "
                               u"under \"filters:\" to restrict it."_s.arg(m_file)
                                   .arg(positionOf(k->first).line)
                                   .arg(path, name);
                    }
                }
                allowed += misplaced;
            }
            QVariantMap rule;
            for (const Entry &r : entries(item, path, allowed, hint)) {
                if (misplaced.contains(r.name)) continue;
                if (r.name == u"allow")
                    rule.insert(r.name, readBool(r));
                else if (r.name == u"filters")
                    rule.insert(r.name, loadFilters(r));
                else
                    rule.insert(r.name, readString(r));
            }
            rules.append(rule);
        }
        return rules;
    };

    for (const Entry &l : entries(e, {u"users"_s, u"auth"_s, u"acl"_s})) {
        if (l.name == u"auth") {
            ledger.insert(
                l.name,
                ruleList(l, {u"client"_s, u"username"_s, u"remote"_s, u"password"_s, u"allow"_s}, false));
        } else if (l.name == u"acl") {
            ledger.insert(l.name, ruleList(l, {u"client"_s, u"username"_s, u"remote"_s, u"filters"_s}, true));
        } else {
            QVariantMap users;
            for (const Entry &u : entries(l, {})) {
                QVariantMap user;
                for (const Entry &f : entries(u, {u"username"_s, u"password"_s, u"acl"_s, u"disallow"_s})) {
                    if (f.name == u"disallow")
                        user.insert(f.name, readBool(f));
                    else if (f.name == u"acl")
                        user.insert(f.name, loadFilters(f));
                    else
                        user.insert(f.name, readString(f));
                }
                users.insert(u.name, user);
            }
            ledger.insert(l.name, users);
        }
    }
    return ledger;
}

QList<HookConfig> Loader::loadStorage(const Entry &e) const
{
    QList<HookConfig> hooks;
    for (const Entry &s : entries(e, {u"sqlite"_s, u"badger"_s, u"bolt"_s, u"pebble"_s, u"redis"_s})) {
        QVariantMap settings;
        if (s.name == u"sqlite") {
            std::optional<Entry> flush;
            QString mode;
            for (const Entry &f : entries(s, {u"path"_s, u"mode"_s, u"flush_ms"_s, u"max_page_count"_s})) {
                if (f.name == u"path") {
                    settings.insert(f.name, readNonEmptyString(f));
                } else if (f.name == u"max_page_count") {
                    settings.insert(f.name, readInt(f, 1, kIntMax));
                } else if (f.name == u"mode") {
                    mode = readString(f).toLower();
                    if (mode != u"sync" && mode != u"batched")
                        failValue(f, u"expected sync or batched, got %1"_s.arg(describe(f.value)));
                    settings.insert(f.name, mode);
                } else {
                    flush = f;
                    settings.insert(f.name, readInt(f, 1, 3600 * 1000));
                }
            }
            if (flush && mode == u"sync")
                fail(flush->key, flush->path, u"flush_ms applies to mode: batched only"_s);
        } else if (s.name == u"badger") {
            for (const Entry &f : entries(s, {u"path"_s, u"gc_interval"_s, u"gc_discard_ratio"_s})) {
                if (f.name == u"path") {
                    settings.insert(f.name, readNonEmptyString(f));
                } else if (f.name == u"gc_interval") {
                    settings.insert(f.name, readInt(f, 0, kInt64Max));
                } else {
                    const double ratio = readNumber(f);
                    if (ratio < 0 || ratio >= 1)
                        failValue(f, u"must be at least 0 and below 1, got %1"_s.arg(ratio));
                    settings.insert(f.name, ratio);
                }
            }
        } else if (s.name == u"bolt") {
            for (const Entry &f : entries(s, {u"path"_s, u"bucket"_s}))
                settings.insert(f.name, readNonEmptyString(f));
        } else if (s.name == u"pebble") {
            for (const Entry &f : entries(s, {u"path"_s, u"mode"_s})) {
                const QString v = readNonEmptyString(f);
                if (f.name == u"mode" && v.compare(u"NoSync", Qt::CaseInsensitive) != 0 &&
                    v.compare(u"Sync", Qt::CaseInsensitive) != 0) {
                    failValue(f, u"expected NoSync or Sync, got %1"_s.arg(describe(f.value)));
                }
                settings.insert(f.name, v);
            }
        } else { // redis
            for (const Entry &f :
                 entries(s, {u"address"_s, u"username"_s, u"password"_s, u"database"_s, u"h_prefix"_s})) {
                if (f.name == u"database")
                    settings.insert(f.name, readInt(f, 0, kIntMax));
                else
                    settings.insert(f.name, readString(f));
            }
        }
        hooks.append(HookConfig{u"storage"_s, s.name, settings});
    }
    return hooks;
}

std::optional<HookConfig> Loader::loadDebug(const Entry &e) const
{
    std::optional<bool> enable;
    std::optional<Entry> firstOther;
    QVariantMap settings;
    for (const Entry &d :
         entries(e, {u"enable"_s, u"show_packet_data"_s, u"show_pings"_s, u"show_passwords"_s})) {
        const bool value = readBool(d);
        settings.insert(d.name, value);
        if (d.name == u"enable")
            enable = value;
        else if (!firstOther)
            firstOther = d;
    }
    if (!enable && firstOther) {
        fail(firstOther->key, firstOther->path, u"has no effect without \"enable: true\" in hooks.debug"_s);
    }
    if (!enable.value_or(false)) return std::nullopt;
    return HookConfig{u"debug"_s, u"debug"_s, settings};
}

void Loader::loadOptions(const Entry &e, Options &options) const
{
    const HintFn hint = [](const QString &name) {
        if (name == u"listeners" || name == u"hooks" || name == u"logging")
            return u"%1 belongs at the top level, not under options"_s.arg(name);
        return QString();
    };
    const QStringList keys = {u"client_net_write_buffer_size"_s,
                              u"client_net_read_buffer_size"_s,
                              u"sys_topic_resend_interval"_s,
                              u"inline_client"_s,
                              u"capabilities"_s,
                              u"worker_threads"_s,
                              u"rebalance"_s};
    for (const Entry &o : entries(e, keys, hint)) {
        if (o.name == u"client_net_write_buffer_size") {
            // As Mochi: 0 selects the default size.
            const int v = int(readInt(o, 0, kIntMax));
            options.clientNetWriteBufferSize = v ? v : Options{}.clientNetWriteBufferSize;
        } else if (o.name == u"client_net_read_buffer_size") {
            const int v = int(readInt(o, 0, kIntMax));
            options.clientNetReadBufferSize = v ? v : Options{}.clientNetReadBufferSize;
        } else if (o.name == u"sys_topic_resend_interval") {
            options.sysTopicResendInterval = readInt(o, 0, kInt64Max);
        } else if (o.name == u"inline_client") {
            options.inlineClient = readBool(o);
        } else if (o.name == u"capabilities") {
            loadCapabilities(o, options.capabilities);
        } else if (o.name == u"rebalance") {
            loadRebalance(o, options.rebalance);
        } else {
            options.workerThreads = int(readInt(o, 0, 1024));
        }
    }
}

void Loader::loadRebalance(const Entry &e, RebalanceOptions &rebalance) const
{
    const QStringList keys = {u"enabled"_s, u"interval_ms"_s, u"minimum_rate"_s};
    for (const Entry &o : entries(e, keys)) {
        if (o.name == u"enabled")
            rebalance.enabled = readBool(o);
        else if (o.name == u"interval_ms")
            rebalance.intervalMs = int(readInt(o, 100, 3600 * 1000));
        else
            rebalance.minimumRate = int(readInt(o, 1, kIntMax));
    }
}

void Loader::loadCapabilities(const Entry &e, Capabilities &capabilities) const
{
    static const QStringList keys = [] {
        QStringList k;
        for (const CapabilityField &f : kCapabilityFields)
            k.append(QString::fromLatin1(f.name));
        k.append(u"compatibilities"_s);
        return k;
    }();
    static const QStringList compatibilityKeys = [] {
        QStringList k;
        for (const CompatibilityField &f : kCompatibilityFields)
            k.append(QString::fromLatin1(f.name));
        return k;
    }();
    for (const Entry &c : entries(e, keys)) {
        if (c.name == u"compatibilities") {
            for (const Entry &f : entries(c, compatibilityKeys)) {
                for (const CompatibilityField &field : kCompatibilityFields) {
                    if (f.name == QLatin1StringView(field.name))
                        capabilities.compatibilities.*field.member = readBool(f);
                }
            }
            continue;
        }
        for (const CapabilityField &field : kCapabilityFields) {
            if (c.name == QLatin1StringView(field.name)) {
                const QString range = c.name == u"minimum_protocol_version"
                                          ? u"must be 3 (MQTT 3.1), 4 (3.1.1) or 5 (5.0)"_s
                                          : QString();
                field.set(capabilities, readInt(c, field.min, field.max, range));
            }
        }
    }
}

void Loader::loadLogging(const Entry &e, Options &options) const
{
    for (const Entry &l : entries(e, {u"level"_s})) {
        const QString level = readString(l).toLower();
        if (level == u"debug")
            options.logLevel = LogLevel::Debug;
        else if (level == u"info")
            options.logLevel = LogLevel::Info;
        else if (level == u"warn")
            options.logLevel = LogLevel::Warn;
        else if (level == u"error")
            options.logLevel = LogLevel::Error;
        else
            failValue(l, u"expected debug, info, warn or error, got %1"_s.arg(describe(l.value)));
    }
}

void Loader::loadCluster(const Entry &e, ClusterOptions &cluster) const
{
    cluster.enabled = true;
    bool haveNodeId = false;
    for (const Entry &c : entries(e, {u"node_id"_s, u"redis"_s, u"heartbeat_ms"_s, u"node_timeout_ms"_s,
                                      u"max_held_messages"_s})) {
        if (c.name == u"node_id") {
            const QString id = readNonEmptyString(c);
            static const QRegularExpression valid(u"^[A-Za-z0-9_.-]{1,64}$"_s);
            if (!valid.match(id).hasMatch())
                failValue(c, u"a node id is 1 to 64 letters, digits, '_', '.' or '-', got %1"_s.arg(
                                 describe(c.value)));
            cluster.nodeId = id;
            haveNodeId = true;
        } else if (c.name == u"heartbeat_ms") {
            cluster.heartbeatMs = int(readInt(c, 100, 60000));
        } else if (c.name == u"node_timeout_ms") {
            cluster.nodeTimeoutMs = int(readInt(c, 300, 600000));
        } else if (c.name == u"max_held_messages") {
            cluster.maxHeldMessages = int(readInt(c, 1, 100000000));
        } else {
            for (const Entry &r :
                 entries(c, {u"address"_s, u"username"_s, u"password"_s, u"database"_s, u"h_prefix"_s})) {
                if (r.name == u"address") {
                    const QString address = readNonEmptyString(r);
                    const std::optional<HostPort> hp = parseHostPort(address);
                    if (!hp || hp->host.isEmpty() || hp->port == 0)
                        failValue(r, u"expected \"host:port\" (e.g. 127.0.0.1:6379), got %1"_s.arg(
                                         describe(r.value)));
                    cluster.redisAddress = address;
                } else if (r.name == u"username") {
                    cluster.redisUsername = readString(r);
                } else if (r.name == u"password") {
                    cluster.redisPassword = readString(r);
                } else if (r.name == u"database") {
                    cluster.redisDatabase = int(readInt(r, 0, kIntMax));
                } else {
                    const QString prefix = readNonEmptyString(r);
                    if (prefix.contains(QLatin1Char(' ')))
                        failValue(r, u"must not contain spaces, got %1"_s.arg(describe(r.value)));
                    cluster.prefix = prefix;
                }
            }
        }
    }
    if (!haveNodeId)
        fail(e.key, e.path, u"node_id is required: a name unique to this node, e.g. node_id: n1"_s);
    if (cluster.nodeTimeoutMs < 3 * cluster.heartbeatMs)
        fail(
            e.key, e.path,
            u"node_timeout_ms (%1) must be at least 3 x heartbeat_ms (%2), or live nodes would be taken for dead"_s
                .arg(cluster.nodeTimeoutMs)
                .arg(cluster.heartbeatMs));
}

// Records where each document starts; builds nothing.
class DocumentStarts final : public YAML::EventHandler {
public:
    void OnDocumentStart(const YAML::Mark &mark) override
    {
        last = mark;
        contentEvents = 0;
    }
    void OnDocumentEnd() override {}
    void OnNull(const YAML::Mark &, YAML::anchor_t) override {}
    void OnAlias(const YAML::Mark &, YAML::anchor_t) override { ++contentEvents; }
    void OnScalar(const YAML::Mark &, const std::string &, YAML::anchor_t, const std::string &) override
    {
        ++contentEvents;
    }
    void OnSequenceStart(const YAML::Mark &, const std::string &, YAML::anchor_t,
                         YAML::EmitterStyle::value) override
    {
        ++contentEvents;
    }
    void OnSequenceEnd() override {}
    void OnMapStart(const YAML::Mark &, const std::string &, YAML::anchor_t,
                    YAML::EmitterStyle::value) override
    {
        ++contentEvents;
    }
    void OnMapEnd() override {}

    YAML::Mark last = YAML::Mark::null_mark();
    int contentEvents = 0; // in the current document
};

ConfigError errorAt(const QString &file, const YAML::Mark &mark, const QString &message)
{
    ConfigError error;
    error.file = file;
    if (!mark.is_null() && mark.line >= 0) {
        error.line = mark.line + 1;
        error.column = mark.column + 1;
    }
    error.message = message;
    return error;
}

} // namespace

std::optional<Options> loadConfigString(const QByteArray &text, const QString &nameForErrors,
                                        ConfigError *error)
{
    ConfigError failure;
    try {
        const std::string yaml = text.toStdString();
        Loader loader(nameForErrors);
        YAML::Node root;
        YAML::Mark secondDocument = YAML::Mark::null_mark();
        bool empty = false;
        try {
            root = YAML::Load(yaml); // the first document
            // A second pass without building nodes looks for more documents. It asks for at
            // most two: yaml-cpp 0.7's LoadAll loops forever (and eats all memory) on some
            // malformed input after the first document, e.g. a stray '}'.
            std::istringstream stream(yaml);
            YAML::Parser parser(stream);
            DocumentStarts starts;
            empty = !parser.HandleNextDocument(starts);
            if (!empty && parser.HandleNextDocument(starts)) {
                // A trailing "---" (an empty second document) is fine, anything more is not.
                const YAML::Mark second = starts.last;
                if (starts.contentEvents > 0 || parser.HandleNextDocument(starts)) secondDocument = second;
            }
        } catch (const YAML::DeepRecursion &e) {
            throw Failure{errorAt(nameForErrors, e.mark, u"nesting is too deep"_s)};
        } catch (const YAML::ParserException &e) {
            throw Failure{
                errorAt(nameForErrors, e.mark, u"syntax error: %1"_s.arg(QString::fromStdString(e.msg)))};
        }
        if (empty) {
            throw Failure{ConfigError{nameForErrors,
                                      0,
                                      0,
                                      {},
                                      u"the file is empty; expected a mapping with listeners, hooks, "
                                      u"options and logging"_s}};
        }
        if (!secondDocument.is_null()) {
            throw Failure{errorAt(nameForErrors, secondDocument,
                                  u"unexpected content after the end of the configuration (a config file "
                                  u"holds one YAML document or one JSON object)"_s)};
        }
        return loader.load(root);
    } catch (const Failure &f) {
        failure = f.error;
    } catch (const YAML::Exception &e) {
        failure = errorAt(nameForErrors, e.mark,
                          u"cannot read the configuration: %1"_s.arg(QString::fromStdString(e.msg)));
    } catch (const std::exception &e) {
        failure = ConfigError{nameForErrors,
                              0,
                              0,
                              {},
                              u"cannot read the configuration: %1"_s.arg(QString::fromLocal8Bit(e.what()))};
    } catch (...) {
        failure = ConfigError{nameForErrors, 0, 0, {}, u"cannot read the configuration"_s};
    }
    if (error) *error = failure;
    return std::nullopt;
}

std::optional<Options> loadConfigFile(const QString &path, ConfigError *error)
{
    const auto failWith = [&](const QString &message) -> std::optional<Options> {
        if (error) *error = ConfigError{path, 0, 0, {}, message};
        return std::nullopt;
    };
    if (QFileInfo(path).isDir()) return failWith(u"cannot read the file: it is a directory"_s);
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return failWith(u"cannot read the file: %1"_s.arg(file.errorString()));
    const QByteArray text = file.read(kMaxFileSize + 1);
    if (file.error() != QFileDevice::NoError)
        return failWith(u"cannot read the file: %1"_s.arg(file.errorString()));
    if (text.size() > kMaxFileSize)
        return failWith(u"the file is larger than %1 MiB"_s.arg(kMaxFileSize / (1024 * 1024)));
    return loadConfigString(text, path, error);
}

} // namespace petrel::config
