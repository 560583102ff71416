// Broker options, capabilities and compatibilities. Names and defaults follow Mochi MQTT
// v2.6 (reference/), so a Mochi config file maps onto these structs one to one; Petrel's
// own additions are marked.
#pragma once

#include <QByteArray>
#include <QList>
#include <QString>
#include <QVariantMap>

#include <cstdint>

namespace petrel {

struct Compatibilities {
    bool obscureNotAuthorized = false;       // return unspecified error instead of not authorized
    bool passiveClientDisconnect = false;    // don't close after sending a server DISCONNECT
    bool alwaysReturnResponseInfo = false;   // always send response information
    bool restoreSysInfoOnRestart = false;    // restore $SYS counters from storage
    bool noInheritedPropertiesOnAck = false; // don't copy user properties onto acks
};

struct Capabilities {
    std::int64_t maximumClients = 0;                    // 0 = unlimited
    std::int64_t maximumMessageExpiryInterval = 86400;  // seconds; 0 = no expiry
    std::int32_t maximumClientWritesPending = 1024 * 8; // outbound queue bound (messages)
    std::uint32_t maximumSessionExpiryInterval = 0xFFFFFFFF;
    std::uint32_t maximumPacketSize = 0; // 0 = no limit
    std::uint16_t receiveMaximum = 1024;
    std::uint16_t maximumInflight = 1024 * 8; // 0 is treated as 8192
    std::uint16_t topicAliasMaximum = 65535;
    std::uint8_t sharedSubAvailable = 1;
    std::uint8_t minimumProtocolVersion = 3;
    std::uint8_t maximumQos = 2;
    std::uint8_t retainAvailable = 1;
    std::uint8_t wildcardSubAvailable = 1;
    std::uint8_t subIdAvailable = 1;
    Compatibilities compatibilities;

    // Petrel: like Mosquitto's max_keepalive. A client asking for a longer keep alive
    // (or 0) is told this value as Server Keep Alive in its v5 CONNACK. 0 = no maximum.
    std::uint16_t maximumKeepalive = 0;
    // Petrel: a small cap on the first packet's size until the client has authenticated.
    std::uint32_t maximumConnectPacketSize = 64 * 1024;
    // Petrel: close connections that send no CONNECT within this many milliseconds.
    int connectTimeoutMs = 10000;
    // Petrel: bound on bytes queued for one client's socket before QoS 0 is dropped.
    std::int64_t maximumClientBytesPending = 16 * 1024 * 1024;
    // Petrel: subscriptions one client may hold; more get SUBACK 0x97 (v3: 0x80). 0 = no limit.
    std::int32_t maximumSubscriptionsPerClient = 10000;
    // Petrel: levels in a topic name or filter; deeper filters get SUBACK 0x8F, deeper topics
    // PUBACK/PUBREC 0x90 (v3: acknowledged, dropped). 0 = no limit.
    std::int32_t maximumTopicLevels = 128;
    // Petrel: retained messages the broker keeps; a retained PUBLISH to a new topic beyond it
    // is refused with 0x97 (v3: acknowledged, dropped). Replacing or clearing always works.
    // 0 = no limit.
    std::int64_t maximumRetainedMessages = 1000000;
};

struct ListenerConfig {
    QString type;    // tcp, ws, unix, sysinfo, healthcheck
    QString id;      // unique name
    QString address; // ":1883", "127.0.0.1:1883", socket path for unix
    QString tlsCertFile;
    QString tlsKeyFile;
    QString tlsCaFile;
    QString wsPath;             // Petrel: WebSocket path ("/" by default)
    int maximumConnections = 0; // Petrel: per-listener limit, 0 = none
    QString tlsMinimumVersion;  // Petrel: "1.2" or "1.3"
    int unixPermissions = -1;   // Petrel: mode of a unix listener's socket file (0660), -1 = umask
    QString adminToken;         // Petrel: sysinfo only; enables the admin API (Bearer token)
    QVariantMap extra;          // listener-specific settings not modelled above
};

struct HookConfig {
    QString type; // auth, storage, debug
    QString name; // allow_all, ledger, sqlite, redis, ...
    QVariantMap settings;
};

// Petrel: cluster mode (core/cluster/, docs/cluster.md). Every petrel-server with the same Redis
// (address, database) and prefix is one broker to its clients. Off unless `cluster:` is in the
// config file.
struct ClusterOptions {
    bool enabled = false;
    QString nodeId;                                          // unique per node: [A-Za-z0-9_.-], 1..64 chars
    QString redisAddress = QStringLiteral("127.0.0.1:6379"); // host:port
    QString redisUsername;
    QString redisPassword;
    int redisDatabase = 0;
    QString prefix = QStringLiteral("petrel"); // h_prefix: keys and channels start with "<prefix>:cluster:"
    int heartbeatMs = 1000;                    // how often a node renews its liveness key
    int nodeTimeoutMs = 5000;                  // a node whose key is this old is dead: its routes are dropped
    // QoS 1/2 messages for other nodes (or parked sessions) kept while Redis does not store
    // them (unreachable): their publishers' acknowledgements wait. Past it, such messages are
    // refused (v5: PUBACK/PUBREC 0x97; v3: the connection is closed without acknowledgement).
    int maxHeldMessages = 100000;
};

// Petrel: connection affinity between workers (Rebalancer, core/broker/rebalance.h). A client
// whose messages go, nearly all, to one subscriber on another worker is moved to that worker,
// or that subscriber to its worker, whichever keeps the workers' loads even. Crossing
// between workers costs a wake-up of another core per batch; a publisher and its subscriber
// on one worker cost none.
struct RebalanceOptions {
    bool enabled = true;
    int intervalMs = 1000; // how often flows are measured and moves decided
    // Copies per second a flow needs before it is worth a move (and it must be seen in two
    // measurements in a row).
    int minimumRate = 1000;
};

// Petrel: log verbosity, from a config file's `logging: level:` (as Mochi's cmd reads it).
enum class LogLevel : std::uint8_t { Debug, Info, Warn, Error };

struct Options {
    QList<ListenerConfig> listeners;
    QList<HookConfig> hooks;
    Capabilities capabilities;
    int clientNetWriteBufferSize = 2048;
    int clientNetReadBufferSize = 2048;
    std::int64_t sysTopicResendInterval = 1; // seconds; 0 = don't publish $SYS
    bool inlineClient = false;
    // Petrel: number of network worker threads; 0 = one per core.
    int workerThreads = 0;
    // Petrel: moving connections between workers; see RebalanceOptions.
    RebalanceOptions rebalance;
    // Adds the allow-all auth hook, as `hooks: {auth: {allow_all: true}}` does: every client
    // may connect, publish and subscribe. For development and tests.
    Options &allowAllClients()
    {
        hooks.append(HookConfig{QStringLiteral("auth"), QStringLiteral("allow_all"), {}});
        return *this;
    }

    // Petrel: cluster mode; see ClusterOptions.
    ClusterOptions cluster;

    // Petrel: minimum level of log lines the server prints.
    LogLevel logLevel = LogLevel::Info;
    // Petrel: directory for persistent data (petrel-server --data-dir); relative storage
    // paths are meant to resolve against it. Empty = the working directory.
    QString dataDir;
};

} // namespace petrel
