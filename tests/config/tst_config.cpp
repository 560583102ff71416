// Config loader: valid YAML/JSON -> the expected Options (every field), absent keys -> the
// Options{} defaults, one row per kind of error with its line, column and dotted key, unreadable
// files, the shipped configs in resources/config/, and mutated input that must never crash.
#include "config/config.h"

#include <QDebug>
#include <QFile>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;
using petrel::Capabilities;
using petrel::HookConfig;
using petrel::ListenerConfig;
using petrel::LogLevel;
using petrel::Options;
using petrel::config::ConfigError;
using petrel::config::loadConfigFile;
using petrel::config::loadConfigString;

Q_DECLARE_METATYPE(Options)

namespace {

template <typename T>
QString text(const T &value)
{
    QString s;
    QDebug(&s).nospace().noquote() << value;
    return s;
}

// Every field that differs between two Options, as "path: actual != expected".
class Differences {
public:
    template <typename T>
    void check(const QString &path, const T &actual, const T &expected)
    {
        if (!(actual == expected)) lines.append(u"%1: %2 != %3"_s.arg(path, text(actual), text(expected)));
    }
    void check(const QString &path, LogLevel actual, LogLevel expected)
    {
        check(path, int(actual), int(expected));
    }

    void capabilities(const Capabilities &a, const Capabilities &e)
    {
        const QString p = u"capabilities."_s;
        check(p + u"maximumClients"_s, qint64(a.maximumClients), qint64(e.maximumClients));
        check(p + u"maximumMessageExpiryInterval"_s, qint64(a.maximumMessageExpiryInterval),
              qint64(e.maximumMessageExpiryInterval));
        check(p + u"maximumClientWritesPending"_s, a.maximumClientWritesPending,
              e.maximumClientWritesPending);
        check(p + u"maximumSessionExpiryInterval"_s, a.maximumSessionExpiryInterval,
              e.maximumSessionExpiryInterval);
        check(p + u"maximumPacketSize"_s, a.maximumPacketSize, e.maximumPacketSize);
        check(p + u"receiveMaximum"_s, a.receiveMaximum, e.receiveMaximum);
        check(p + u"maximumInflight"_s, a.maximumInflight, e.maximumInflight);
        check(p + u"topicAliasMaximum"_s, a.topicAliasMaximum, e.topicAliasMaximum);
        check(p + u"sharedSubAvailable"_s, int(a.sharedSubAvailable), int(e.sharedSubAvailable));
        check(p + u"minimumProtocolVersion"_s, int(a.minimumProtocolVersion), int(e.minimumProtocolVersion));
        check(p + u"maximumQos"_s, int(a.maximumQos), int(e.maximumQos));
        check(p + u"retainAvailable"_s, int(a.retainAvailable), int(e.retainAvailable));
        check(p + u"wildcardSubAvailable"_s, int(a.wildcardSubAvailable), int(e.wildcardSubAvailable));
        check(p + u"subIdAvailable"_s, int(a.subIdAvailable), int(e.subIdAvailable));
        check(p + u"maximumKeepalive"_s, a.maximumKeepalive, e.maximumKeepalive);
        check(p + u"maximumConnectPacketSize"_s, a.maximumConnectPacketSize, e.maximumConnectPacketSize);
        check(p + u"connectTimeoutMs"_s, a.connectTimeoutMs, e.connectTimeoutMs);
        check(p + u"maximumClientBytesPending"_s, qint64(a.maximumClientBytesPending),
              qint64(e.maximumClientBytesPending));
        const QString c = p + u"compatibilities."_s;
        check(c + u"obscureNotAuthorized"_s, a.compatibilities.obscureNotAuthorized,
              e.compatibilities.obscureNotAuthorized);
        check(c + u"passiveClientDisconnect"_s, a.compatibilities.passiveClientDisconnect,
              e.compatibilities.passiveClientDisconnect);
        check(c + u"alwaysReturnResponseInfo"_s, a.compatibilities.alwaysReturnResponseInfo,
              e.compatibilities.alwaysReturnResponseInfo);
        check(c + u"restoreSysInfoOnRestart"_s, a.compatibilities.restoreSysInfoOnRestart,
              e.compatibilities.restoreSysInfoOnRestart);
        check(c + u"noInheritedPropertiesOnAck"_s, a.compatibilities.noInheritedPropertiesOnAck,
              e.compatibilities.noInheritedPropertiesOnAck);
    }

    void listener(const QString &p, const ListenerConfig &a, const ListenerConfig &e)
    {
        check(p + u".type"_s, a.type, e.type);
        check(p + u".id"_s, a.id, e.id);
        check(p + u".address"_s, a.address, e.address);
        check(p + u".tlsCertFile"_s, a.tlsCertFile, e.tlsCertFile);
        check(p + u".tlsKeyFile"_s, a.tlsKeyFile, e.tlsKeyFile);
        check(p + u".tlsCaFile"_s, a.tlsCaFile, e.tlsCaFile);
        check(p + u".wsPath"_s, a.wsPath, e.wsPath);
        check(p + u".maximumConnections"_s, a.maximumConnections, e.maximumConnections);
        check(p + u".tlsMinimumVersion"_s, a.tlsMinimumVersion, e.tlsMinimumVersion);
        check(p + u".extra"_s, a.extra, e.extra);
    }

    void hook(const QString &p, const HookConfig &a, const HookConfig &e)
    {
        check(p + u".type"_s, a.type, e.type);
        check(p + u".name"_s, a.name, e.name);
        check(p + u".settings"_s, a.settings, e.settings);
    }

    void options(const Options &a, const Options &e)
    {
        check(u"listeners.size"_s, a.listeners.size(), e.listeners.size());
        for (qsizetype i = 0; i < std::min(a.listeners.size(), e.listeners.size()); ++i)
            listener(u"listeners[%1]"_s.arg(i), a.listeners[i], e.listeners[i]);
        check(u"hooks.size"_s, a.hooks.size(), e.hooks.size());
        for (qsizetype i = 0; i < std::min(a.hooks.size(), e.hooks.size()); ++i)
            hook(u"hooks[%1]"_s.arg(i), a.hooks[i], e.hooks[i]);
        capabilities(a.capabilities, e.capabilities);
        check(u"clientNetWriteBufferSize"_s, a.clientNetWriteBufferSize, e.clientNetWriteBufferSize);
        check(u"clientNetReadBufferSize"_s, a.clientNetReadBufferSize, e.clientNetReadBufferSize);
        check(u"sysTopicResendInterval"_s, qint64(a.sysTopicResendInterval),
              qint64(e.sysTopicResendInterval));
        check(u"inlineClient"_s, a.inlineClient, e.inlineClient);
        check(u"workerThreads"_s, a.workerThreads, e.workerThreads);
        check(u"rebalance.enabled"_s, a.rebalance.enabled, e.rebalance.enabled);
        check(u"rebalance.intervalMs"_s, a.rebalance.intervalMs, e.rebalance.intervalMs);
        check(u"rebalance.minimumRate"_s, a.rebalance.minimumRate, e.rebalance.minimumRate);
        check(u"logLevel"_s, a.logLevel, e.logLevel);
    }

    QStringList lines;
};

#define COMPARE_OPTIONS(actual, expected)                                                                    \
    do {                                                                                                     \
        Differences d;                                                                                       \
        d.options(actual, expected);                                                                         \
        QVERIFY2(d.lines.isEmpty(), qPrintable(u"\n  "_s + d.lines.join(u"\n  "_s)));                        \
    } while (false)

QVariant i64(qint64 v)
{
    return QVariant::fromValue(v);
}

ListenerConfig listener(const QString &type, const QString &id, const QString &address)
{
    ListenerConfig l;
    l.type = type;
    l.id = id;
    l.address = address;
    return l;
}

// The Options that fullYaml and fullJson describe: every field differs from its default.
Options fullExpected()
{
    Options o;
    ListenerConfig tls = listener(u"tcp"_s, u"secure"_s, u"0.0.0.0:8883"_s);
    tls.tlsCertFile = u"/etc/petrel/server.crt"_s;
    tls.tlsKeyFile = u"/etc/petrel/server.key"_s;
    tls.tlsCaFile = u"/etc/petrel/ca.crt"_s;
    tls.tlsMinimumVersion = u"1.3"_s;
    tls.maximumConnections = 100;
    ListenerConfig ws = listener(u"ws"_s, u"web"_s, u":9001"_s);
    ws.wsPath = u"/mqtt"_s;
    o.listeners = {tls, ws, listener(u"unix"_s, u"local"_s, u"/run/petrel.sock"_s),
                   listener(u"sysinfo"_s, u"info"_s, u"127.0.0.1:8080"_s),
                   listener(u"healthcheck"_s, u"health"_s, u"[::1]:8081"_s)};

    QVariantMap ledger;
    ledger[u"users"_s] = QVariantMap{
        {u"root"_s, QVariantMap{{u"password"_s, u"toor"_s},
                                {u"disallow"_s, false},
                                {u"acl"_s, QVariantMap{{u"#"_s, i64(3)}}}}},
    };
    ledger[u"auth"_s] = QVariantList{
        QVariantMap{{u"username"_s, u"peach"_s}, {u"password"_s, u"1234"_s}, {u"allow"_s, true}},
        QVariantMap{{u"client"_s, u"sensor-*"_s}, {u"remote"_s, u"10.0.0.1:*"_s}, {u"allow"_s, false}},
    };
    ledger[u"acl"_s] = QVariantList{
        QVariantMap{{u"remote"_s, u"127.0.0.1:*"_s}},
        QVariantMap{{u"username"_s, u"melon"_s},
                    {u"filters"_s, QVariantMap{{u"melon/#"_s, i64(3)}, {u"updates/#"_s, i64(2)}}}},
        QVariantMap{{u"filters"_s, QVariantMap{{u"#"_s, i64(1)}, {u"secret/+"_s, i64(0)}}}},
    };
    o.hooks = {
        HookConfig{u"auth"_s, u"ledger"_s, ledger},
        HookConfig{u"storage"_s, u"sqlite"_s,
                   QVariantMap{{u"path"_s, u"/var/lib/petrel/petrel.db"_s},
                               {u"mode"_s, u"batched"_s},
                               {u"flush_ms"_s, i64(25)}}},
        HookConfig{u"storage"_s, u"redis"_s,
                   QVariantMap{{u"address"_s, u"localhost:6379"_s},
                               {u"database"_s, i64(3)},
                               {u"h_prefix"_s, u"p"_s}}},
        HookConfig{u"debug"_s, u"debug"_s,
                   QVariantMap{{u"enable"_s, true},
                               {u"show_packet_data"_s, true},
                               {u"show_pings"_s, false},
                               {u"show_passwords"_s, true}}},
    };

    Capabilities &c = o.capabilities;
    c.maximumClients = 500;
    c.maximumMessageExpiryInterval = 600;
    c.maximumClientWritesPending = 100;
    c.maximumSessionExpiryInterval = 3600;
    c.maximumPacketSize = 1048576;
    c.receiveMaximum = 20;
    c.maximumInflight = 30;
    c.topicAliasMaximum = 10;
    c.sharedSubAvailable = 0;
    c.minimumProtocolVersion = 4;
    c.maximumQos = 1;
    c.retainAvailable = 0;
    c.wildcardSubAvailable = 0;
    c.subIdAvailable = 0;
    c.maximumKeepalive = 120;
    c.maximumConnectPacketSize = 4096;
    c.connectTimeoutMs = 5000;
    c.maximumClientBytesPending = 1000000;
    c.compatibilities.obscureNotAuthorized = true;
    c.compatibilities.passiveClientDisconnect = true;
    c.compatibilities.alwaysReturnResponseInfo = true;
    c.compatibilities.restoreSysInfoOnRestart = true;
    c.compatibilities.noInheritedPropertiesOnAck = true;
    o.clientNetWriteBufferSize = 4096;
    o.clientNetReadBufferSize = 8192;
    o.sysTopicResendInterval = 15;
    o.inlineClient = true;
    o.workerThreads = 3;
    o.rebalance.enabled = false;
    o.rebalance.intervalMs = 2500;
    o.rebalance.minimumRate = 50;
    o.logLevel = LogLevel::Debug;
    return o;
}

const char fullYaml[] = R"(# every key, none at its default
listeners:
  - type: TCP
    id: secure
    address: 0.0.0.0:8883
    tls_cert_file: /etc/petrel/server.crt
    tls_key_file: /etc/petrel/server.key
    tls_ca_file: /etc/petrel/ca.crt
    tls_minimum_version: 1.3
    maximum_connections: 100
  - {type: ws, id: web, address: ":9001", ws_path: /mqtt}
  - type: unix
    id: local
    address: /run/petrel.sock
  - type: sysinfo
    id: info
    address: 127.0.0.1:8080
  - type: healthcheck
    id: health
    address: "[::1]:8081"
hooks:
  debug:
    enable: yes
    show_packet_data: true
    show_pings: false
    show_passwords: True
  storage:
    sqlite:
      path: /var/lib/petrel/petrel.db
      mode: batched
      flush_ms: 25
    redis:
      address: localhost:6379
      database: 3
      h_prefix: p
  auth:
    allow_all: false
    ledger:
      users:
        root:
          password: toor
          disallow: false
          acl:
            "#": 3
      auth:
        - username: peach
          password: 1234
          allow: true
        - client: sensor-*
          remote: 10.0.0.1:*
          allow: false
      acl:
        - remote: 127.0.0.1:*
        - username: melon
          filters:
            melon/#: 3
            updates/#: 2
        - filters:
            "#": 1
            secret/+: 0
options:
  client_net_write_buffer_size: 4096
  client_net_read_buffer_size: 8_192
  sys_topic_resend_interval: 15
  inline_client: true
  worker_threads: 3
  rebalance:
    enabled: false
    interval_ms: 2500
    minimum_rate: 50
  capabilities:
    maximum_clients: 500
    maximum_message_expiry_interval: 600
    maximum_client_writes_pending: 0x64
    maximum_session_expiry_interval: 3600
    maximum_packet_size: 1048576
    receive_maximum: 20
    maximum_inflight: 30
    topic_alias_maximum: 10
    shared_sub_available: 0
    minimum_protocol_version: 4
    maximum_qos: 1
    retain_available: 0
    wildcard_sub_available: 0
    sub_id_available: 0
    maximum_keepalive: 120
    maximum_connect_packet_size: 4096
    connect_timeout_ms: 5000
    maximum_client_bytes_pending: 1e6
    compatibilities:
      obscure_not_authorized: true
      passive_client_disconnect: true
      always_return_response_info: true
      restore_sys_info_on_restart: true
      no_inherited_properties_on_ack: true
logging:
  level: DEBUG
)";

const char fullJson[] = R"({
  "listeners": [
    {"type": "tcp", "id": "secure", "address": "0.0.0.0:8883",
     "tls_cert_file": "/etc/petrel/server.crt", "tls_key_file": "/etc/petrel/server.key",
     "tls_ca_file": "/etc/petrel/ca.crt", "tls_minimum_version": "1.3", "maximum_connections": 100},
    {"type": "ws", "id": "web", "address": ":9001", "ws_path": "/mqtt"},
    {"type": "unix", "id": "local", "address": "/run/petrel.sock"},
    {"type": "sysinfo", "id": "info", "address": "127.0.0.1:8080"},
    {"type": "healthcheck", "id": "health", "address": "[::1]:8081"}
  ],
  "hooks": {
    "auth": {
      "allow_all": false,
      "ledger": {
        "users": {"root": {"password": "toor", "disallow": false, "acl": {"#": 3}}},
        "auth": [
          {"username": "peach", "password": "1234", "allow": true},
          {"client": "sensor-*", "remote": "10.0.0.1:*", "allow": false}
        ],
        "acl": [
          {"remote": "127.0.0.1:*"},
          {"username": "melon", "filters": {"melon/#": 3, "updates/#": 2}},
          {"filters": {"#": 1, "secret/+": 0}}
        ]
      }
    },
    "storage": {
      "sqlite": {"path": "/var/lib/petrel/petrel.db", "mode": "batched", "flush_ms": 25},
      "redis": {"address": "localhost:6379", "database": 3, "h_prefix": "p"}
    },
    "debug": {"enable": true, "show_packet_data": true, "show_pings": false, "show_passwords": true}
  },
  "options": {
    "client_net_write_buffer_size": 4096,
    "client_net_read_buffer_size": 8192,
    "sys_topic_resend_interval": 15,
    "inline_client": true,
    "worker_threads": 3,
    "rebalance": {"enabled": false, "interval_ms": 2500, "minimum_rate": 50},
    "capabilities": {
      "maximum_clients": 500,
      "maximum_message_expiry_interval": 600,
      "maximum_client_writes_pending": 100,
      "maximum_session_expiry_interval": 3600,
      "maximum_packet_size": 1048576,
      "receive_maximum": 20,
      "maximum_inflight": 30,
      "topic_alias_maximum": 10,
      "shared_sub_available": 0,
      "minimum_protocol_version": 4,
      "maximum_qos": 1,
      "retain_available": 0,
      "wildcard_sub_available": 0,
      "sub_id_available": 0,
      "maximum_keepalive": 120,
      "maximum_connect_packet_size": 4096,
      "connect_timeout_ms": 5000,
      "maximum_client_bytes_pending": 1000000,
      "compatibilities": {
        "obscure_not_authorized": true,
        "passive_client_disconnect": true,
        "always_return_response_info": true,
        "restore_sys_info_on_restart": true,
        "no_inherited_properties_on_ack": true
      }
    }
  },
  "logging": {"level": "debug"}
})";

QString sourceFile(const QString &relative)
{
    const QByteArray dir = qgetenv("PETREL_SOURCE_DIR");
    return QString::fromLocal8Bit(dir.isEmpty() ? QByteArray(PETREL_SOURCE_DIR_FALLBACK) : dir) + u'/' +
           relative;
}

} // namespace

class tst_Config : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void validConfig_data();
    void validConfig();
    void settingsAreTyped();
    void defaults_data();
    void defaults();
    void selectedValues_data();
    void selectedValues();
    void errors_data();
    void errors();
    void clusterSection();
    void unreadableFile();
    void jsonFile();
    void shippedDefaultConfig();
    void shippedMochiExample();
    void mochiMisindentedAclFilters();
    void errorToString();
    void mutatedInputNeverCrashes();
};

void tst_Config::validConfig_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<Options>("expected");
    QTest::newRow("yaml, every key") << QByteArray(fullYaml) << fullExpected();
    QTest::newRow("json, every key") << QByteArray(fullJson) << fullExpected();
    QByteArray compactJson = QByteArray(fullJson).simplified();
    compactJson.replace("\": ", "\":").replace(", ", ",");
    QTest::newRow("json, one line, no spaces") << compactJson << fullExpected();
}

void tst_Config::validConfig()
{
    QFETCH(QByteArray, text);
    QFETCH(Options, expected);
    ConfigError error;
    const std::optional<Options> options = loadConfigString(text, u"test.yaml"_s, &error);
    QVERIFY2(options, qPrintable(error.toString()));
    COMPARE_OPTIONS(*options, expected);
}

void tst_Config::settingsAreTyped()
{
    // Integers are qint64, booleans bool, strings QString, whatever the scalar looked like.
    ConfigError error;
    const auto options = loadConfigString(fullYaml, u"test.yaml"_s, &error);
    QVERIFY2(options, qPrintable(error.toString()));
    const QVariantMap ledger = options->hooks.at(0).settings;
    const QVariantMap rule = ledger[u"auth"_s].toList().at(0).toMap();
    QCOMPARE(rule[u"password"_s].typeId(), QMetaType::QString); // `password: 1234` is a string
    QCOMPARE(rule[u"allow"_s].typeId(), QMetaType::Bool);
    const QVariantMap filters = ledger[u"acl"_s].toList().at(1).toMap()[u"filters"_s].toMap();
    QCOMPARE(filters[u"melon/#"_s].typeId(), QMetaType::LongLong);
    QCOMPARE(options->hooks.at(1).settings[u"flush_ms"_s].typeId(), QMetaType::LongLong);
}

void tst_Config::defaults_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::newRow("empty json object") << QByteArray("{}");
    QTest::newRow("empty options") << QByteArray("options: {}\n");
    QTest::newRow("null options") << QByteArray("# nothing set\noptions:\n");
    QTest::newRow("empty sections") << QByteArray("listeners: []\nhooks: {}\noptions:\n  capabilities: {}\n"
                                                  "logging: {}\n");
    QTest::newRow("null capabilities and compatibilities")
        << QByteArray("options:\n  capabilities:\n    compatibilities:\n");
    QTest::newRow("empty storage, debug disabled")
        << QByteArray("hooks:\n  storage: {}\n  debug:\n    enable: false\n    show_pings: true\n");
    QTest::newRow("zero buffer sizes mean default (as Mochi)")
        << QByteArray("options:\n  client_net_write_buffer_size: 0\n  client_net_read_buffer_size: 0\n");
    QTest::newRow("defaults written out") << QByteArray(
        "options:\n  sys_topic_resend_interval: 1\n  inline_client: false\n  worker_threads: 0\n"
        "  capabilities:\n    maximum_qos: 2\n    receive_maximum: 1024\n"
        "    maximum_session_expiry_interval: 4294967295\n"
        "logging:\n  level: info\n");
    QTest::newRow("byte order mark") << QByteArray("\xEF\xBB\xBFoptions: {}\n");
    QTest::newRow("explicit document markers") << QByteArray("---\noptions: {}\n...\n");
    QTest::newRow("trailing document marker") << QByteArray("options: {}\n---\n");
}

void tst_Config::defaults()
{
    QFETCH(QByteArray, text);
    ConfigError error;
    const auto options = loadConfigString(text, u"test.yaml"_s, &error);
    QVERIFY2(options, qPrintable(error.toString()));
    COMPARE_OPTIONS(*options, Options{});
}

// Single values whose parsing has its own rules.
void tst_Config::selectedValues_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<Options>("expected");
    const auto caps = [](auto set) {
        Options o;
        set(o.capabilities);
        return o;
    };
    QTest::newRow("octal 0o") << QByteArray("options: {capabilities: {maximum_keepalive: 0o17}}")
                              << caps([](Capabilities &c) { c.maximumKeepalive = 15; });
    QTest::newRow("binary 0b") << QByteArray("options: {capabilities: {maximum_qos: 0b1}}")
                               << caps([](Capabilities &c) { c.maximumQos = 1; });
    QTest::newRow("plus sign") << QByteArray("options: {capabilities: {receive_maximum: +7}}")
                               << caps([](Capabilities &c) { c.receiveMaximum = 7; });
    QTest::newRow("integral float") << QByteArray("options: {capabilities: {maximum_packet_size: 2.0e3}}")
                                    << caps([](Capabilities &c) { c.maximumPacketSize = 2000; });
    QTest::newRow("uint32 max") << QByteArray("options: {capabilities: {maximum_packet_size: 4294967295}}")
                                << caps([](Capabilities &c) { c.maximumPacketSize = 0xFFFFFFFFu; });
    QTest::newRow("int64 max")
        << QByteArray("options: {capabilities: {maximum_clients: 9223372036854775807}}")
        << caps([](Capabilities &c) { c.maximumClients = std::numeric_limits<std::int64_t>::max(); });
    QTest::newRow("yaml 1.1 booleans")
        << QByteArray("options: {capabilities: {compatibilities: {obscure_not_authorized: on, "
                      "passive_client_disconnect: No}}}")
        << caps([](Capabilities &c) { c.compatibilities.obscureNotAuthorized = true; });
    Options allowAll;
    allowAll.hooks = {HookConfig{u"auth"_s, u"allow_all"_s, {}}};
    QTest::newRow("allow_all") << QByteArray("hooks: {auth: {allow_all: true}}") << allowAll;
    Options denyAll;
    denyAll.hooks = {HookConfig{u"auth"_s, u"ledger"_s, {}}};
    QTest::newRow("empty auth = ledger without rules (Mochi)") << QByteArray("hooks:\n  auth:\n") << denyAll;
    Options sqlite;
    sqlite.hooks = {HookConfig{u"storage"_s, u"sqlite"_s, {}}};
    QTest::newRow("sqlite with defaults") << QByteArray("hooks: {storage: {sqlite: }}") << sqlite;
    Options anchors;
    anchors.listeners = {listener(u"tcp"_s, u"a"_s, u"127.0.0.1:1"_s),
                         listener(u"tcp"_s, u"b"_s, u"127.0.0.2:1"_s)};
    QTest::newRow("anchors and aliases")
        << QByteArray("listeners:\n  - {type: &t tcp, id: a, address: 127.0.0.1:1}\n"
                      "  - {type: *t, id: b, address: 127.0.0.2:1}\n")
        << anchors;
    Options ephemeral;
    ephemeral.listeners = {listener(u"tcp"_s, u"a"_s, u":0"_s), listener(u"ws"_s, u"b"_s, u":0"_s)};
    QTest::newRow("port 0 twice (ephemeral ports)")
        << QByteArray("listeners: [{type: tcp, id: a, address: ':0'}, {type: ws, id: b, address: ':0'}]")
        << ephemeral;
    Options levels;
    levels.logLevel = LogLevel::Warn;
    QTest::newRow("log level WARN (Mochi's slog spelling)") << QByteArray("logging: {level: WARN}") << levels;
}

void tst_Config::selectedValues()
{
    QFETCH(QByteArray, text);
    QFETCH(Options, expected);
    ConfigError error;
    const auto options = loadConfigString(text, u"test.yaml"_s, &error);
    QVERIFY2(options, qPrintable(error.toString()));
    COMPARE_OPTIONS(*options, expected);
}

void tst_Config::errors_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<int>("line");
    QTest::addColumn<int>("column"); // -1: not checked
    QTest::addColumn<QString>("key");
    QTest::addColumn<QString>("message"); // a part of the message

    const auto row = [](const char *name, const QByteArray &text, int line, int column, const QString &key,
                        const QString &message) {
        QTest::newRow(name) << text << line << column << key << message;
    };
    const QByteArray caps = "options:\n  capabilities:\n    ";

    // The document as a whole.
    row("empty text", "", 0, -1, u""_s, u"empty"_s);
    row("comments only", "# nothing\n\n", 0, -1, u""_s, u"empty"_s);
    row("top level is a list", "- a\n- b\n", 1, 1, u""_s,
        u"expected a mapping at the top level, got a list"_s);
    row("top level is a scalar", "hello\n", 1, 1, u""_s, u"got \"hello\""_s);
    row("syntax error: tab indentation", "options:\n\tinline_client: true\n", 2, -1, u""_s,
        u"syntax error"_s);
    row("syntax error: bad indentation", "options:\n  inline_client: true\n   worker_threads: 1\n", 3, 18,
        u""_s, u"syntax error: illegal map value"_s);
    row("document marker only", "---\n", 0, 0, u""_s, u"the file is empty"_s);
    row("two documents", "options: {}\n---\nlogging: {}\n", 2, 1, u""_s,
        u"one YAML document or one JSON object"_s);
    row("two documents, the second empty", "options: {}\n---\n---\n", 2, 1, u""_s, u"unexpected content"_s);
    row("stray brace after the document", "{\"options\": {}}\n}\n", 2, 1, u""_s, u"syntax error"_s);
    // yaml-cpp's LoadAll never returns on this one (it makes empty documents until memory runs out).
    row("comma after the document", "{\"options\": {}},\n", 1, -1, u""_s, u"unexpected content after"_s);
    row("nesting too deep", QByteArray("options: ") + QByteArray(2000, '['), 1, -1, u""_s, u"too deep"_s);
    row("duplicate key", "options: {}\nhooks: {}\noptions: {}\n", 3, 1, u"options"_s,
        u"duplicate key \"options\" (first given at line 1)"_s);
    row("key is a list", "? [a, b]\n: 1\n", 1, 3, u""_s, u"keys must be plain names"_s);

    // Unknown keys.
    row("unknown top-level key, suggestion", "listener: []\n", 1, 1, u"listener"_s,
        u"unknown key \"listener\"; did you mean \"listeners\"?"_s);
    row("capabilities at the top level", "capabilities:\n  maximum_qos: 1\n", 1, 1, u"capabilities"_s,
        u"under options"_s);
    row("option at the top level", "inline_client: true\n", 1, 1, u"inline_client"_s,
        u"it belongs under options"_s);
    row("unknown capability", caps + "maximum_qoss: 1\n", 3, 5, u"options.capabilities.maximum_qoss"_s,
        u"did you mean \"maximum_qos\"?"_s);
    row("camelCase capability", caps + "maximumQos: 1\n", 3, 5, u"options.capabilities.maximumQos"_s,
        u"did you mean \"maximum_qos\"?"_s);
    row("compatibility one level up", caps + "obscure_not_authorized: true\n", 3, 5,
        u"options.capabilities.obscure_not_authorized"_s,
        u"it belongs under options.capabilities.compatibilities"_s);
    row("unknown compatibility", caps + "compatibilities:\n      obscure: true\n", 4, 7,
        u"options.capabilities.compatibilities.obscure"_s, u"unknown key \"obscure\""_s);
    row("listeners under options", "options:\n  listeners: []\n", 2, 3, u"options.listeners"_s,
        u"belongs at the top level"_s);
    row("unknown hook type", "hooks:\n  metrics: {}\n", 2, 3, u"hooks.metrics"_s, u"expected one of: auth"_s);
    row("unknown storage", "hooks:\n  storage:\n    mysql: {}\n", 3, 5, u"hooks.storage.mysql"_s,
        u"unknown key \"mysql\""_s);
    row("unknown logging key", "logging:\n  lvl: info\n", 2, 3, u"logging.lvl"_s, u"unknown key"_s);

    // Wrong types.
    row("quoted number", caps + "maximum_qos: \"2\"\n", 3, 18, u"options.capabilities.maximum_qos"_s,
        u"expected an integer, got the quoted string \"2\" (write numbers without quotes)"_s);
    row("word for a number", caps + "receive_maximum: lots\n", 3, 22,
        u"options.capabilities.receive_maximum"_s, u"expected an integer, got \"lots\""_s);
    row("fraction for an integer", caps + "receive_maximum: 1.5\n", 3, 22,
        u"options.capabilities.receive_maximum"_s, u"expected a whole number"_s);
    row("leading zero", caps + "receive_maximum: 010\n", 3, 22, u"options.capabilities.receive_maximum"_s,
        u"leading zero"_s);
    row("mapping for a number", caps + "maximum_qos: {a: 1}\n", 3, 18, u"options.capabilities.maximum_qos"_s,
        u"got a mapping"_s);
    row("null for a number", caps + "maximum_qos:\n    receive_maximum: 1\n", 3, 5,
        u"options.capabilities.maximum_qos"_s, u"got no value"_s);
    row("number for a bool", "options:\n  inline_client: 1\n", 2, 18, u"options.inline_client"_s,
        u"expected true or false, got \"1\""_s);
    row("quoted bool", "hooks:\n  auth:\n    allow_all: \"true\"\n", 3, 16, u"hooks.auth.allow_all"_s,
        u"expected true or false, got the quoted string"_s);
    row("list for capabilities", "options:\n  capabilities: [1, 2]\n", 2, 17, u"options.capabilities"_s,
        u"expected a mapping"_s);
    row("list for a string", "listeners:\n  - {type: tcp, id: [a], address: ':1'}\n", 2, 21,
        u"listeners[0].id"_s, u"expected a string, got a list"_s);

    // Out of range for the field's type or for MQTT.
    row("maximum_qos 3", caps + "maximum_qos: 3\n", 3, 18, u"options.capabilities.maximum_qos"_s,
        u"must be between 0 and 2, got 3"_s);
    row("receive_maximum 0", caps + "receive_maximum: 0\n", 3, 22, u"options.capabilities.receive_maximum"_s,
        u"must be between 1 and 65535, got 0"_s);
    row("receive_maximum 65536", caps + "receive_maximum: 65536\n", 3, 22,
        u"options.capabilities.receive_maximum"_s, u"got 65536"_s);
    row("minimum_protocol_version 2", caps + "minimum_protocol_version: 2\n", 3, 31,
        u"options.capabilities.minimum_protocol_version"_s, u"must be 3 (MQTT 3.1), 4 (3.1.1) or 5 (5.0)"_s);
    row("minimum_protocol_version 6", caps + "minimum_protocol_version: 6\n", 3, 31,
        u"options.capabilities.minimum_protocol_version"_s, u"got 6"_s);
    row("negative unsigned", caps + "maximum_packet_size: -1\n", 3, 26,
        u"options.capabilities.maximum_packet_size"_s, u"must be between 0 and 4294967295, got -1"_s);
    row("uint32 overflow", caps + "maximum_session_expiry_interval: 4294967296\n", 3, 38,
        u"options.capabilities.maximum_session_expiry_interval"_s, u"got 4294967296"_s);
    row("int64 overflow", caps + "maximum_clients: 9223372036854775808\n", 3, 22,
        u"options.capabilities.maximum_clients"_s, u"must not be negative"_s);
    row("flag 2", caps + "retain_available: 2\n", 3, 23, u"options.capabilities.retain_available"_s,
        u"must be 0 or 1, got 2"_s);
    row("negative int64", caps + "maximum_message_expiry_interval: -5\n", 3, 38,
        u"options.capabilities.maximum_message_expiry_interval"_s, u"must not be negative, got -5"_s);
    row("negative worker threads", "options:\n  worker_threads: -1\n", 2, 19, u"options.worker_threads"_s,
        u"must be between 0 and 1024"_s);
    row("rebalance interval too short", "options:\n  rebalance:\n    interval_ms: 10\n", 3, 18,
        u"options.rebalance.interval_ms"_s, u"must be between 100 and 3600000, got 10"_s);
    row("rebalance rate 0", "options:\n  rebalance:\n    minimum_rate: 0\n", 3, 19,
        u"options.rebalance.minimum_rate"_s, u"got 0"_s);
    row("rebalance unknown key", "options:\n  rebalance:\n    enable: false\n", 3, 5,
        u"options.rebalance.enable"_s, u"enabled"_s);
    row("rebalance not a mapping", "options:\n  rebalance: yes\n", 2, 14, u"options.rebalance"_s, u""_s);
    row("connect timeout 0", caps + "connect_timeout_ms: 0\n", 3, 25,
        u"options.capabilities.connect_timeout_ms"_s, u"got 0"_s);
    row("unknown log level", "logging:\n  level: verbose\n", 2, 10, u"logging.level"_s,
        u"expected debug, info, warn or error"_s);

    // Listeners.
    const QByteArray tcp = "listeners:\n  - type: tcp\n    id: t1\n    address: \":1883\"\n";
    row("listeners not a list", "listeners:\n  type: tcp\n", 2, 3, u"listeners"_s,
        u"expected a list of listeners"_s);
    row("listener not a mapping", "listeners:\n  - tcp\n", 2, 5, u"listeners[0]"_s,
        u"expected a listener mapping"_s);
    row("unknown listener type", "listeners:\n  - type: quic\n    id: q\n    address: :1\n", 2, 11,
        u"listeners[0].type"_s, u"unknown listener type \"quic\""_s);
    row("mock listener", "listeners:\n  - type: mock\n    id: m\n    address: :1\n", 2, 11,
        u"listeners[0].type"_s, u"Mochi's test listener"_s);
    row("missing id", tcp + "  - type: ws\n    address: \":1882\"\n", 5, 5, u"listeners[1].id"_s,
        u"missing required key \"id\""_s);
    row("missing type", "listeners:\n  - id: x\n    address: :1\n", 2, 5, u"listeners[0].type"_s,
        u"missing required key \"type\""_s);
    row("missing address", "listeners:\n  - {type: tcp, id: x}\n", 2, 5, u"listeners[0].address"_s,
        u"missing required key \"address\""_s);
    row("empty id", "listeners:\n  - {type: tcp, id: '', address: ':1'}\n", 2, 21, u"listeners[0].id"_s,
        u"must not be empty"_s);
    row("duplicate listener id", tcp + "  - type: ws\n    id: t1\n    address: \":1882\"\n", 6, 9,
        u"listeners[1].id"_s, u"duplicate listener id \"t1\" (first used at line 3)"_s);
    row("duplicate address", tcp + "  - type: ws\n    id: w1\n    address: \":1883\"\n", 7, 14,
        u"listeners[1].address"_s, u"address \":1883\" is already used by listener \"t1\""_s);
    row("wildcard and specific address clash", tcp + "  - {type: ws, id: w1, address: '127.0.0.1:1883'}\n", 5,
        33, u"listeners[1].address"_s, u"already used by listener \"t1\""_s);
    row("duplicate unix path",
        "listeners:\n  - {type: unix, id: a, address: /tmp/s}\n"
        "  - {type: unix, id: b, address: /tmp/./s}\n",
        3, 34, u"listeners[1].address"_s, u"already used"_s);
    row("address without port", "listeners:\n  - {type: tcp, id: a, address: '1883'}\n", 2, 33,
        u"listeners[0].address"_s, u"expected \"host:port\""_s);
    row("port out of range", "listeners:\n  - {type: tcp, id: a, address: ':70000'}\n", 2, 33,
        u"listeners[0].address"_s, u"got \":70000\""_s);
    row("ipv6 without brackets", "listeners:\n  - {type: tcp, id: a, address: '::1:1883'}\n", 2, 33,
        u"listeners[0].address"_s, u"[::1]:1883"_s);
    row("unknown listener key", tcp + "    port: 1883\n", 5, 5, u"listeners[0].port"_s,
        u"unknown key \"port\""_s);
    row("ws_path on tcp", tcp + "    ws_path: /mqtt\n", 5, 5, u"listeners[0].ws_path"_s,
        u"ws_path applies to ws listeners only"_s);
    row("ws_path without slash", "listeners:\n  - {type: ws, id: w, address: ':1', ws_path: mqtt}\n", 2, 47,
        u"listeners[0].ws_path"_s, u"must start with '/'"_s);
    row("tls key without cert", tcp + "    tls_key_file: k.pem\n", 5, 5, u"listeners[0].tls_key_file"_s,
        u"needs tls_cert_file"_s);
    row("tls ca without cert", tcp + "    tls_ca_file: ca.pem\n", 5, 5, u"listeners[0].tls_ca_file"_s,
        u"needs tls_cert_file and tls_key_file"_s);
    row("tls on unix",
        "listeners:\n  - type: unix\n    id: u\n    address: /tmp/s\n    tls_cert_file: c\n"
        "    tls_key_file: k\n",
        5, 5, u"listeners[0].tls_cert_file"_s, u"TLS is not available on unix"_s);
    row("tls version 1.1", tcp + "    tls_cert_file: c\n    tls_key_file: k\n    tls_minimum_version: 1.1\n",
        7, 26, u"listeners[0].tls_minimum_version"_s, u"expected \"1.2\" or \"1.3\""_s);
    row("negative maximum_connections", tcp + "    maximum_connections: -1\n", 5, 26,
        u"listeners[0].maximum_connections"_s, u"must be between 0 and 2147483647"_s);

    // Hooks.
    const QByteArray ledger = "hooks:\n  auth:\n    ledger:\n";
    row("unknown key in an acl rule", ledger + "      acl:\n        - username: melon\n          filter: x\n",
        6, 11, u"hooks.auth.ledger.acl[0].filter"_s, u"did you mean \"filters\"?"_s);
    row("access 4", ledger + "      acl:\n        - filters:\n            a/#: 4\n", 6, 18,
        u"hooks.auth.ledger.acl[0].filters.a/#"_s,
        u"must be 0 (deny), 1 (read), 2 (write) or 3 (read and write)"_s);
    row("auth rule unknown key", ledger + "      auth:\n        - user: x\n", 5, 11,
        u"hooks.auth.ledger.auth[0].user"_s, u"did you mean \"username\"?"_s);
    row("auth rules not a list", ledger + "      auth:\n        username: x\n", 5, 9,
        u"hooks.auth.ledger.auth"_s, u"expected a list of rules"_s);
    row("allow_all with ledger", "hooks:\n  auth:\n    allow_all: true\n    ledger: {}\n", 4, 5,
        u"hooks.auth.ledger"_s, u"no effect while allow_all is true"_s);
    row("sqlite mode", "hooks:\n  storage:\n    sqlite:\n      mode: fast\n", 4, 13,
        u"hooks.storage.sqlite.mode"_s, u"expected sync or batched"_s);
    row("sqlite flush_ms with sync", "hooks:\n  storage:\n    sqlite: {mode: sync, flush_ms: 10}\n", 3, 26,
        u"hooks.storage.sqlite.flush_ms"_s, u"batched only"_s);
    row("sqlite max_page_count", "hooks:\n  storage:\n    sqlite: {max_page_count: 0}\n", 3, 30,
        u"hooks.storage.sqlite.max_page_count"_s, u"got 0"_s);
    row("pebble mode", "hooks:\n  storage:\n    pebble: {mode: Fast}\n", 3, 20,
        u"hooks.storage.pebble.mode"_s, u"expected NoSync or Sync"_s);
    row("badger ratio", "hooks:\n  storage:\n    badger: {gc_discard_ratio: 1.5}\n", 3, 32,
        u"hooks.storage.badger.gc_discard_ratio"_s, u"below 1"_s);
    row("redis database", "hooks:\n  storage:\n    redis: {database: one}\n", 3, 23,
        u"hooks.storage.redis.database"_s, u"expected an integer"_s);
    row("debug option without enable", "hooks:\n  debug:\n    show_pings: true\n", 3, 5,
        u"hooks.debug.show_pings"_s, u"enable: true"_s);

    // JSON: the same errors, with JSON line numbers.
    row("json: out of range",
        "{\n  \"options\": {\n    \"capabilities\": {\n      \"maximum_qos\": 3\n    }\n  }\n}\n", 4, 22,
        u"options.capabilities.maximum_qos"_s, u"must be between 0 and 2"_s);
    row("json: string for a number",
        "{\n  \"options\": {\"capabilities\": {\"receive_maximum\": \"10\"}}\n}\n", 2, 51,
        u"options.capabilities.receive_maximum"_s, u"quoted string"_s);
    row("json: unknown key", "{\n  \"listeners\": [],\n  \"option\": {}\n}\n", 3, 3, u"option"_s,
        u"did you mean \"options\"?"_s);
    row("json: duplicate listener id",
        "{\"listeners\": [\n  {\"type\": \"tcp\", \"id\": \"a\", \"address\": \":1\"},\n"
        "  {\"type\": \"ws\", \"id\": \"a\", \"address\": \":2\"}\n]}\n",
        3, 24, u"listeners[1].id"_s, u"duplicate listener id \"a\" (first used at line 2)"_s);
    row("json: missing comma",
        "{\n  \"options\": {\n    \"inline_client\": true\n    \"worker_threads\": 2\n  }\n}\n", 4, 21, u""_s,
        u"syntax error"_s);
    row("json: missing closing brace", "{\n  \"options\": {\n    \"inline_client\": true\n  \n}\n", 6, 1,
        u""_s, u"syntax error: end of map flow not found"_s);
    row("json: top-level array", "[1, 2]", 1, 1, u""_s, u"got a list"_s);

    // cluster: (Petrel)
    row("cluster without node_id", "cluster:\n  redis: {address: \"127.0.0.1:6379\"}\n", 1, 1, u"cluster"_s,
        u"node_id is required"_s);
    row("cluster bad node_id", "cluster:\n  node_id: \"n 1\"\n", 2, 12, u"cluster.node_id"_s,
        u"a node id is 1 to 64 letters"_s);
    row("cluster redis address without port", "cluster:\n  node_id: n1\n  redis:\n    address: localhost\n",
        4, 14, u"cluster.redis.address"_s, u"expected \"host:port\""_s);
    row("cluster redis address port 0", "cluster:\n  node_id: n1\n  redis:\n    address: \"h:0\"\n", 4, 14,
        u"cluster.redis.address"_s, u"expected \"host:port\""_s);
    row("cluster negative database", "cluster:\n  node_id: n1\n  redis:\n    database: -1\n", 4, 15,
        u"cluster.redis.database"_s, u"-1"_s);
    row("cluster unknown redis key", "cluster:\n  node_id: n1\n  redis:\n    adress: \"h:1\"\n", 4, 5,
        u"cluster.redis.adress"_s, u"did you mean \"address\"?"_s);
    row("cluster timeout below 3 heartbeats",
        "cluster:\n  node_id: n1\n  heartbeat_ms: 1000\n  node_timeout_ms: 2000\n", 1, 1, u"cluster"_s,
        u"at least 3 x heartbeat_ms"_s);
    row("cluster max_held_messages 0", "cluster:\n  node_id: n1\n  max_held_messages: 0\n", 3, 22,
        u"cluster.max_held_messages"_s, u"0"_s);
    row("cluster under options", "options:\n  cluster:\n    node_id: n1\n", 2, 3, u"options.cluster"_s,
        u"it belongs under the top level"_s);
}

void tst_Config::clusterSection()
{
    ConfigError error;
    auto options = loadConfigString("listeners: []\n", u"test.yaml"_s, &error);
    QVERIFY2(options, qPrintable(error.toString()));
    QVERIFY(!options->cluster.enabled); // no cluster: section, no cluster mode

    options = loadConfigString("cluster:\n  node_id: n1\n", u"test.yaml"_s, &error);
    QVERIFY2(options, qPrintable(error.toString()));
    QVERIFY(options->cluster.enabled);
    QCOMPARE(options->cluster.nodeId, u"n1"_s);
    QCOMPARE(options->cluster.redisAddress, u"127.0.0.1:6379"_s);
    QCOMPARE(options->cluster.prefix, u"petrel"_s);
    QCOMPARE(options->cluster.redisDatabase, 0);
    QCOMPARE(options->cluster.maxHeldMessages, 100000);

    options = loadConfigString("cluster:\n  node_id: node-2.eu\n  heartbeat_ms: 200\n  node_timeout_ms: 900\n"
                               "  max_held_messages: 500\n"
                               "  redis:\n    address: \"[::1]:6380\"\n    username: u\n    password: p\n"
                               "    database: 3\n    h_prefix: prod\n",
                               u"test.yaml"_s, &error);
    QVERIFY2(options, qPrintable(error.toString()));
    QCOMPARE(options->cluster.nodeId, u"node-2.eu"_s);
    QCOMPARE(options->cluster.redisAddress, u"[::1]:6380"_s);
    QCOMPARE(options->cluster.redisUsername, u"u"_s);
    QCOMPARE(options->cluster.redisPassword, u"p"_s);
    QCOMPARE(options->cluster.redisDatabase, 3);
    QCOMPARE(options->cluster.prefix, u"prod"_s);
    QCOMPARE(options->cluster.heartbeatMs, 200);
    QCOMPARE(options->cluster.nodeTimeoutMs, 900);
    QCOMPARE(options->cluster.maxHeldMessages, 500);
}

void tst_Config::errors()
{
    QFETCH(QByteArray, text);
    QFETCH(int, line);
    QFETCH(int, column);
    QFETCH(QString, key);
    QFETCH(QString, message);

    ConfigError error;
    const auto options = loadConfigString(text, u"bad.yaml"_s, &error);
    QVERIFY2(!options, "loaded a config that should have been rejected");
    const QByteArray context = error.toString().toUtf8();
    QCOMPARE(error.file, u"bad.yaml"_s);
    QVERIFY2(error.line == line, context.constData());
    if (column >= 0) QVERIFY2(error.column == column, context.constData());
    QVERIFY2(error.key == key, context.constData());
    QVERIFY2(error.message.contains(message), context.constData());
    // Without a place for the error the loader still fails cleanly.
    QVERIFY(!loadConfigString(text, u"bad.yaml"_s, nullptr));
}

void tst_Config::unreadableFile()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    ConfigError error;

    const QString missing = dir.filePath(u"missing.yaml"_s);
    QVERIFY(!loadConfigFile(missing, &error));
    QCOMPARE(error.file, missing);
    QCOMPARE(error.line, 0);
    QVERIFY2(error.message.contains(u"No such file or directory"_s), qPrintable(error.toString()));
    QVERIFY(error.toString().startsWith(missing + u": "_s));

    QVERIFY(!loadConfigFile(dir.path(), &error));
    QVERIFY2(error.message.contains(u"directory"_s), qPrintable(error.toString()));

    const QString empty = dir.filePath(u"empty.yaml"_s);
    {
        QFile f(empty);
        QVERIFY(f.open(QIODevice::WriteOnly));
    }
    QVERIFY(!loadConfigFile(empty, &error));
    QCOMPARE(error.file, empty);
    QVERIFY2(error.message.contains(u"empty"_s), qPrintable(error.toString()));

    const QString locked = dir.filePath(u"locked.yaml"_s);
    {
        QFile f(locked);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("options: {}\n");
        f.setPermissions(QFileDevice::Permissions{});
    }
    QFile probe(locked);
    if (probe.open(QIODevice::ReadOnly)) {
        qInfo("running with privileges that ignore file permissions; skipping the permission case");
    } else {
        QVERIFY(!loadConfigFile(locked, &error));
        QVERIFY2(error.message.contains(u"Permission denied"_s), qPrintable(error.toString()));
    }
}

void tst_Config::jsonFile()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(u"petrel.json"_s);
    {
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(fullJson);
    }
    ConfigError error;
    const auto options = loadConfigFile(path, &error);
    QVERIFY2(options, qPrintable(error.toString()));
    COMPARE_OPTIONS(*options, fullExpected());

    {
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
        f.write("{\n  \"options\": {\n    \"worker_threads\": \"four\"\n  }\n}\n");
    }
    QVERIFY(!loadConfigFile(path, &error));
    QCOMPARE(error.toString(),
             path + u":3:23: options.worker_threads: expected an integer, got the quoted string \"four\" "
                    u"(write numbers without quotes)"_s);
}

void tst_Config::shippedDefaultConfig()
{
    ConfigError error;
    const auto options = loadConfigFile(sourceFile(u"resources/config/default.yaml"_s), &error);
    QVERIFY2(options, qPrintable(error.toString()));
    Options expected;
    expected.listeners = {listener(u"tcp"_s, u"t1"_s, u":1883"_s), listener(u"ws"_s, u"ws1"_s, u":1882"_s),
                          listener(u"sysinfo"_s, u"stats"_s, u":8080"_s)};
    expected.hooks = {HookConfig{u"auth"_s, u"allow_all"_s, {}},
                      HookConfig{u"storage"_s, u"sqlite"_s,
                                 QVariantMap{{u"path"_s, u"petrel.db"_s}, {u"mode"_s, u"batched"_s}}}};
    expected.inlineClient = true;
    expected.sysTopicResendInterval = 10;
    COMPARE_OPTIONS(*options, expected);
}

// Mochi's own examples/config/config.yaml indents the ACL filters at the level of
// `filters:`. Mochi ignores them (the rule then has no filters and allows every topic); so
// does Petrel, so that file starts unchanged, but it says so for each one, naming the line.
void tst_Config::mochiMisindentedAclFilters()
{
    const QByteArray text = "hooks:\n"
                            "  auth:\n"
                            "    allow_all: false\n"
                            "    ledger:\n"
                            "      auth:\n"
                            "        - username: peach\n"
                            "          password: password1\n"
                            "          allow: true\n"
                            "      acl:\n"
                            "        - remote: 127.0.0.1:*\n"
                            "        - username: melon\n"
                            "          filters:\n"
                            "          melon/#: 3\n"
                            "          updates/#: 2\n"
                            "logging:\n"
                            "  level: INFO\n";
    QTest::ignoreMessage(
        QtWarningMsg,
        QRegularExpression(u"^mochi\\.yaml:13: hooks\\.auth\\.ledger\\.acl\\[1\\]\\.melon/# is at the "
                           u"level of \"filters:\" and is ignored.*allows every topic"_s));
    QTest::ignoreMessage(
        QtWarningMsg,
        QRegularExpression(u"^mochi\\.yaml:14: hooks\\.auth\\.ledger\\.acl\\[1\\]\\.updates/# is"_s));
    ConfigError error;
    const auto options = loadConfigString(text, u"mochi.yaml"_s, &error);
    QVERIFY2(options, qPrintable(error.toString()));
    QCOMPARE(options->hooks.size(), 1); // the ledger
    const QVariantList acl = options->hooks[0].settings.value(u"acl"_s).toList();
    QCOMPARE(acl.size(), 2);
    // `filters:` with nothing under it: no filters, as in Mochi.
    QCOMPARE(acl[1].toMap(), (QVariantMap{{u"username"_s, u"melon"_s}, {u"filters"_s, QVariantMap{}}}));
}

void tst_Config::shippedMochiExample()
{
    ConfigError error;
    const auto options = loadConfigFile(sourceFile(u"resources/config/mochi-example.yaml"_s), &error);
    QVERIFY2(options, qPrintable(error.toString()));

    Options e;
    e.listeners = {listener(u"tcp"_s, u"tcp-main"_s, u":1884"_s),
                   listener(u"ws"_s, u"websocket"_s, u":1885"_s),
                   listener(u"healthcheck"_s, u"health"_s, u"127.0.0.1:1886"_s),
                   listener(u"sysinfo"_s, u"dashboard"_s, u"127.0.0.1:1887"_s)};
    QVariantMap ledger;
    ledger[u"auth"_s] = QVariantList{
        QVariantMap{{u"username"_s, u"plum"_s}, {u"password"_s, u"hunter2"_s}, {u"allow"_s, true}},
        QVariantMap{{u"remote"_s, u"127.0.0.1:*"_s}, {u"allow"_s, true}},
        QVariantMap{{u"client"_s, u"banned-client"_s}, {u"allow"_s, false}},
    };
    ledger[u"acl"_s] = QVariantList{
        QVariantMap{{u"remote"_s, u"127.0.0.1:*"_s}},
        QVariantMap{{u"username"_s, u"plum"_s},
                    {u"filters"_s, QVariantMap{{u"plum/#"_s, i64(3)}, {u"updates/#"_s, i64(2)}}}},
        QVariantMap{{u"filters"_s, QVariantMap{{u"#"_s, i64(1)}, {u"updates/#"_s, i64(0)}}}},
    };
    e.hooks = {
        HookConfig{u"auth"_s, u"ledger"_s, ledger},
        HookConfig{u"storage"_s, u"badger"_s,
                   QVariantMap{{u"path"_s, u"var/badger.db"_s},
                               {u"gc_interval"_s, i64(5)},
                               {u"gc_discard_ratio"_s, 0.4}}},
        HookConfig{u"storage"_s, u"pebble"_s,
                   QVariantMap{{u"path"_s, u"var/pebble.db"_s}, {u"mode"_s, u"Sync"_s}}},
        HookConfig{u"storage"_s, u"bolt"_s,
                   QVariantMap{{u"path"_s, u"var/bolt.db"_s}, {u"bucket"_s, u"petrel"_s}}},
        HookConfig{u"storage"_s, u"redis"_s,
                   QVariantMap{{u"h_prefix"_s, u"px"_s},
                               {u"username"_s, u"broker"_s},
                               {u"password"_s, u"s3cret"_s},
                               {u"address"_s, u"redis.local:6380"_s},
                               {u"database"_s, i64(2)}}},
        HookConfig{u"debug"_s, u"debug"_s, QVariantMap{{u"enable"_s, true}, {u"show_pings"_s, true}}},
    };
    e.clientNetWriteBufferSize = 4096;
    e.clientNetReadBufferSize = 8192;
    e.sysTopicResendInterval = 30;
    e.inlineClient = true;
    Capabilities &c = e.capabilities;
    c.maximumMessageExpiryInterval = 3600;
    c.maximumClientWritesPending = 4096;
    c.maximumSessionExpiryInterval = 7200;
    c.maximumPacketSize = 262144;
    c.receiveMaximum = 512;
    c.maximumInflight = 2048;
    c.topicAliasMaximum = 100;
    c.sharedSubAvailable = 1;
    c.minimumProtocolVersion = 4;
    c.maximumQos = 1;
    c.retainAvailable = 0;
    c.wildcardSubAvailable = 1;
    c.subIdAvailable = 0;
    c.compatibilities.obscureNotAuthorized = true;
    c.compatibilities.passiveClientDisconnect = true;
    c.compatibilities.alwaysReturnResponseInfo = false;
    c.compatibilities.restoreSysInfoOnRestart = true;
    c.compatibilities.noInheritedPropertiesOnAck = false;
    e.logLevel = LogLevel::Warn;
    COMPARE_OPTIONS(*options, e);
}

void tst_Config::errorToString()
{
    QCOMPARE((ConfigError{u"a.yaml"_s, 3, 5, u"options.x"_s, u"bad"_s}.toString()),
             u"a.yaml:3:5: options.x: bad"_s);
    QCOMPARE((ConfigError{u"a.yaml"_s, 3, 0, {}, u"bad"_s}.toString()), u"a.yaml:3: bad"_s);
    QCOMPARE((ConfigError{u"a.yaml"_s, 0, 0, {}, u"bad"_s}.toString()), u"a.yaml: bad"_s);
}

// Mutated copies of valid configs: the loader returns Options or an error, never crashes or throws.
void tst_Config::mutatedInputNeverCrashes()
{
    QList<QByteArray> seeds = {QByteArray(fullYaml), QByteArray(fullJson)};
    for (const char *file : {"resources/config/default.yaml", "resources/config/mochi-example.yaml"}) {
        QFile f(sourceFile(QString::fromLatin1(file)));
        if (f.open(QIODevice::ReadOnly)) seeds.append(f.readAll());
    }
    static const char alphabet[] = ":-[]{}\"'#\t\n &*!|>%@`,?~0123456789.eE+xob_ \x00\xff\xc3";
    QRandomGenerator random(20240601);
    int loaded = 0;
    for (int i = 0; i < 3000; ++i) {
        QByteArray text = seeds[i % seeds.size()];
        const int edits = 1 + int(random.bounded(4));
        for (int k = 0; k < edits && !text.isEmpty(); ++k) {
            const int at = int(random.bounded(text.size()));
            switch (random.bounded(4)) {
            case 0:
                text[at] = alphabet[random.bounded(int(sizeof alphabet - 1))];
                break;
            case 1:
                text.insert(at, alphabet[random.bounded(int(sizeof alphabet - 1))]);
                break;
            case 2:
                text.remove(at, 1 + int(random.bounded(8)));
                break;
            default:
                text.insert(at, text.mid(int(random.bounded(text.size())), 1 + int(random.bounded(20))));
                break;
            }
        }
        ConfigError error;
        const auto options = loadConfigString(text, u"mutated.yaml"_s, &error);
        if (options) {
            ++loaded;
        } else {
            QVERIFY2(!error.message.isEmpty(), text.constData());
            QVERIFY(error.line >= 0 && error.column >= 0);
        }
    }
    qInfo("%d of 3000 mutated configs still loaded", loaded);
}

QTEST_GUILESS_MAIN(tst_Config)
#include "tst_config.moc"
