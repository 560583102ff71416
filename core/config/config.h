// Configuration loader: a Mochi-MQTT-compatible YAML or JSON config file -> petrel::Options.
//
// The schema is Mochi v2.6's (config/config.go): top-level `listeners`, `hooks`, `options`
// (which holds `capabilities`, which holds `compatibilities`) and `logging`, keys in
// snake_case. Petrel adds a few keys, marked (Petrel) below. JSON is read by the same parser
// (JSON is YAML 1.2 flow syntax), so errors in JSON files carry line numbers too.
//
// The loader is strict where Mochi is lenient: an unknown key, a value of the wrong type or
// out of range for its field, a duplicate key, listener id or address is an error naming
// file, line, column and the dotted key (`options.capabilities.maximum_qos`,
// `listeners[1].address`). Keys that are absent keep the Options{} defaults (Mochi instead
// zeroes the other capabilities once `capabilities:` is present at all).
//
// Schema (types in brackets; settings of hooks are stored as parsed, typed QVariants:
// strings as QString, integers as qint64, numbers as double, booleans as bool, lists as
// QVariantList, mappings as QVariantMap; only keys present in the file appear):
//
//   listeners:                         -> Options::listeners, in file order
//     - type: tcp|ws|unix|sysinfo|healthcheck   (case-insensitive, stored lower case)
//       id: unique name                (required)
//       address: "host:port" or ":port"; a socket path for unix   (required, unique)
//       tls_cert_file, tls_key_file    (Petrel; both or neither; not on unix)
//       tls_ca_file                    (Petrel; needs cert+key; enables client certificates)
//       tls_minimum_version: "1.2"|"1.3"   (Petrel; needs cert+key)
//       ws_path: "/mqtt"               (Petrel; ws only; must start with '/')
//       maximum_connections: [int >= 0]    (Petrel; 0 = no limit)
//       unix_permissions: "0660"       (Petrel; unix only; octal mode of the socket file)
//       admin_token: "secret"          (Petrel; sysinfo only; enables the admin API, docs/admin-api.md)
//   hooks:                             -> Options::hooks, in the order auth, storage, debug
//     auth:                            -> {auth, allow_all} or {auth, ledger, {users,auth,acl}}
//       allow_all: [bool]              (true: allow everything; must not be combined with ledger)
//       ledger:                        (used when allow_all is false or absent, as in Mochi)
//         users: {name: {username, password, acl: {filter: access}, disallow: [bool]}}
//         auth: [ {client, username, remote, password, allow: [bool]} ]
//         acl:  [ {client, username, remote, filters: {filter: access 0..3}} ]
//                                      (access: 0 deny, 1 read, 2 write, 3 read+write)
//     storage:                         -> one {storage, <name>} per backend, in file order
//       sqlite: {path, mode: sync|batched, flush_ms: [int 1..3600000, batched only]}  (Petrel)
//       badger: {path, gc_interval: [int >= 0], gc_discard_ratio: [number 0 <= x < 1]}
//       bolt:   {path, bucket}
//       pebble: {path, mode: NoSync|Sync}
//       redis:  {address, username, password, database: [int >= 0], h_prefix}
//     debug: {enable, show_packet_data, show_pings, show_passwords}   [bools]
//                                      -> {debug, debug} when enable is true
//   options:
//     client_net_write_buffer_size, client_net_read_buffer_size  [int >= 0; 0 = default, as Mochi]
//     sys_topic_resend_interval [int >= 0], inline_client [bool], worker_threads [0..1024] (Petrel)
//     capabilities: {maximum_clients, maximum_message_expiry_interval, ..., compatibilities: {...}}
//                                      (every Capabilities field; see loadCapabilities in config.cpp)
//   logging:
//     level: debug|info|warn|error     (case-insensitive; Petrel stores it in Options::logLevel)
//   cluster:                           (Petrel; -> Options::cluster, enabled; docs/cluster.md)
//     node_id: n1                      (required; 1..64 of [A-Za-z0-9_.-]; unique per node)
//     redis: {address: "host:port", username, password, database: [int >= 0], h_prefix: petrel}
//     heartbeat_ms: [int 100..60000], node_timeout_ms: [int 300..600000, >= 3 x heartbeat_ms],
//     max_held_messages: [int 1..100000000]
#pragma once

#include "broker/options.h"

#include <QByteArray>
#include <QString>

#include <optional>

namespace petrel::config {

struct ConfigError {
    QString file;    // the path or the name given for errors
    int line = 0;    // 1-based; 0 when the error has no position (e.g. unreadable file)
    int column = 0;  // 1-based; 0 when unknown
    QString key;     // dotted path, e.g. options.capabilities.maximum_qos or listeners[1].id
    QString message; // what is wrong, in plain words

    // "file:line:col: key: message"; parts without a value are left out.
    QString toString() const;
};

// Reads and parses the file at path. Never throws. On failure returns std::nullopt and, if
// error is not null, fills it in (for an unreadable file with the OS reason).
std::optional<Options> loadConfigFile(const QString &path, ConfigError *error);

// Parses YAML or JSON text; nameForErrors is used as ConfigError::file. Never throws.
std::optional<Options> loadConfigString(const QByteArray &text, const QString &nameForErrors,
                                        ConfigError *error);

} // namespace petrel::config
