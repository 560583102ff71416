// LedgerHook: the rule-based auth ledger (Mochi MQTT's hooks/auth Ledger, in C++).
//
// A ledger has three parts, in the format of Mochi's ledger files (YAML or JSON):
//
//   users: {<username>: {password, acl: {<filter>: access}, disallow: bool}}
//   auth:  [ {client, username, remote, password, allow: bool} ]
//   acl:   [ {client, username, remote, filters: {<filter>: access}} ]
//
// access: 0 Deny, 1 ReadOnly (subscribe), 2 WriteOnly (publish), 3 ReadWrite.
//
// Decisions (Mochi v2.6 ledger.go semantics unless marked Petrel):
//
// Matching values ("RString": client, username, remote, password of auth/acl rules)
//   - An empty value or "*" matches anything, including an empty string. So a rule with
//     username "" matches every client, with or without a username; there is no way to write
//     "only clients without a username" (as in Mochi).
//   - A value ending in '*' ("dev-*", "127.0.0.1:*") matches strings that start with the text
//     before the '*' and are at least one character longer ("dev-*" does not match "dev-").
//   - Any other value matches only the identical string (byte-wise, case-sensitive).
//   - Petrel: a '*' anywhere else ("a*b", "*x", "a**") is refused at load. Mochi compares
//     only the text before the first '*' and silently ignores the rest, so "s3cr*t" would
//     accept every password starting with "s3cr"; refusing it is safer than copying that.
//     Put such passwords in hashed form (below): hashes never contain wildcards.
//   - The client's values: client = client identifier (the one the broker uses, including an
//     assigned one), username = the CONNECT username ("" when absent), password = the CONNECT
//     password ("" when absent).
//   - remote: Mochi matches the client's "host:port" (Go's RemoteAddr, "[::1]:5000" for
//     IPv6). Petrel matches ClientInfo::remoteAddress the same way AND, if that fails, the
//     host part alone (without port and IPv6 brackets), so both "127.0.0.1:*" (Mochi files)
//     and "127.0.0.1" or "10.0.*" work. The inline client's remote is "inline".
//
// Passwords (auth rules and users)
//   - Plain text: compared as an RString (above), in constant time for the compared length.
//   - Petrel: hashed forms, compared in constant time, never treated as wildcards:
//       pbkdf2-sha256$<iterations>$<salt base64>$<hash base64>
//           PBKDF2-HMAC-SHA256 (QPasswordDigestor), key length = decoded hash length (>= 16).
//           Base64 may be standard or URL-safe, padded or not.
//       sha256$<salt>$<64 hex digits>
//           SHA-256 over the UTF-8 bytes of <salt> followed by the password. Weak against
//           offline guessing; prefer pbkdf2 or bcrypt.
//       $2a$, $2b$, $2y$<cost>$<53 chars>   bcrypt (OpenBSD/libxcrypt compatible, cost 4..31).
//     A value starting with one of these prefixes that does not parse is an error at load
//     (never silently a plain password).
//   - users: a user's password is compared exactly (no wildcards, as Mochi), or hashed.
//
// Authentication (onConnectAuthenticate)
//   1. users: if users[connect username] exists and its password is non-empty and equals the
//      CONNECT password, the client is let in unless `disallow` is true. Otherwise go on.
//   2. auth rules in order; the first rule whose client, username, password and remote all
//      match decides: allow true lets the client in, false refuses it.
//   3. No rule matched: refused. An empty ledger refuses everybody (Mochi: "Auth disallows all
//      by default").
//
// CONNACK codes (Petrel; Mochi always answers Bad User Name or Password)
//   - No entry matched, or the password was wrong: onConnectAuthenticate refuses, and the
//     broker answers 0x86 Bad User Name or Password (v3: 4).
//   - The deciding entry refuses explicitly (an auth rule with allow: false, a user with
//     disallow: true): onConnect already returns Not Authorized, so the CONNACK says 0x87
//     (v3: 5). ObscureNotAuthorized turns both into 0x80 Unspecified Error.
//   The check runs once per CONNECT: onConnect remembers its decision for the same client
//   id, username, remote and password (a SHA-256 of it) in a thread-local slot that
//   onConnectAuthenticate takes, so a slow hash is computed once.
//
// Access control (onACLCheck; write = PUBLISH to a topic, read = SUBSCRIBE to a filter)
//   1. users: if users[client username] exists and has ACL filters, a filter matching the
//      topic decides: read is allowed by 1 and 3, write by 2 and 3, otherwise denied. Mochi
//      iterates a Go map here (random order when filters overlap); Petrel: if any matching
//      filter grants the access it is allowed, otherwise denied. No filter matched: go on.
//   2. acl rules in order; for the first rule whose client, username and remote match:
//        - no filters at all: allowed (a superuser rule);
//        - a matching filter granting the access (1/3 for read, 2/3 for write): allowed;
//        - otherwise a matching filter (one that does not grant it): denied;
//        - no filter of the rule matches: the rule is skipped, the next rule is tried.
//      So within one rule a granting filter beats a denying one ("#": 1 with "updates/#": 0
//      still lets the client read updates/x), as in Mochi.
//   3. No rule decided: ALLOWED (Mochi: "ACL allows all by default"). An empty ledger allows
//      every topic to every authenticated client. Add a last rule {filters: {"#": 0}} for a
//      default-deny ledger.
//   Filter matching (Petrel, stricter than Mochi's MatchTopic and per the MQTT spec):
//      - A topic (write) matches a rule filter by MQTT rules, except that '#'/'+' also match
//        topics starting with '$' (so "#" in the ledger covers $SYS, as in Mochi). "a/#"
//        matches "a" too [MQTT-4.7.1-2] (Mochi: no).
//      - A subscription filter (read) matches a rule filter when the rule filter covers it:
//        every topic the subscription can receive is matched by the rule filter. "a/+" does
//        not cover "a/#" (Mochi's literal compare would let "a/+" grant "a/#"). A subscription
//        wider than every filter of a rule falls through to the next rule (as in Mochi, where
//        {"updates/#": 0} does not match a subscription to "#").
//      - "$share/<group>/<filter>" is checked as <filter>.
//      - Rule filters are validated at load ('#' only as the whole last level, '+' only as a
//        whole level, not empty).
//      The broker checks reads at SUBSCRIBE time only; Mochi also checks the topic of each
//      message delivered to a subscriber (publishToClient). See the report in the issue.
//
// Loading
//   - loadFromVariant / loadFromFile / loadFromData replace the whole ledger, all or nothing:
//     on error the previous rules stay and *error names the rule and field, e.g.
//     "auth[2].password: ...", "acl[0].filters[\"a/#b\"]: ...", "users[bob].acl: ...".
//   - Unknown keys are errors (the config loader is strict too).
//   - Strings from files: every scalar is read as text (yaml.v3 in Mochi also reads a plain
//     `password: 1234` as "1234"); `allow`/`disallow` accept true/false/yes/no/on/off, access
//     accepts 0..3. A null or empty value is "" (matches anything, as in Mochi).
//   - init(config): config is the ledger tree (as core/config stores hooks.auth.ledger: lists
//     and maps of QString/bool/qint64), or {path: "<file>"} to load a YAML/JSON ledger file.
//     An empty config keeps the rules added through the API (addAuthRule, ...) before init.
//
// Threads: load and add* before the hook is added to a broker (init). After init the ledger
// is immutable and every check is const without shared mutable state, so worker threads call
// onConnectAuthenticate/onACLCheck concurrently without locks.
#pragma once

#include "hook.h"

#include <QByteArray>
#include <QList>
#include <QPair>
#include <QString>
#include <QVariantMap>

#include <cstdint>
#include <memory>

namespace petrel {

enum class LedgerAccess : std::uint8_t { Deny = 0, ReadOnly = 1, WriteOnly = 2, ReadWrite = 3 };

struct LedgerAuthRule {
    QString client;
    QString username;
    QString remote;
    QString password; // plain text or a hashed form (see above)
    bool allow = false;
};

struct LedgerAclRule {
    QString client;
    QString username;
    QString remote;
    QList<QPair<QString, LedgerAccess>> filters; // empty = everything allowed
};

struct LedgerUser {
    QString password; // exact or hashed; empty never authenticates through `users`
    QList<QPair<QString, LedgerAccess>> acl;
    bool disallow = false;
};

class LedgerHook : public Hook {
public:
    LedgerHook();
    ~LedgerHook() override;
    LedgerHook(const LedgerHook &) = delete;
    LedgerHook &operator=(const LedgerHook &) = delete;

    QString id() const override { return QStringLiteral("auth-ledger"); }
    HookMask provides() const override
    {
        return hookBit(HookEvent::OnConnect) | hookBit(HookEvent::OnConnectAuthenticate) |
               hookBit(HookEvent::OnACLCheck);
    }
    bool init(const QVariantMap &config, QString *error) override;

    // Replace the ledger (all or nothing).
    bool loadFromVariant(const QVariantMap &ledger, QString *error);
    bool loadFromFile(const QString &path, QString *error);
    bool loadFromData(const QByteArray &yamlOrJson, QString *error);

    // Append one rule or user. false (with *error) if a value is invalid.
    bool addAuthRule(const LedgerAuthRule &rule, QString *error = nullptr);
    bool addAclRule(const LedgerAclRule &rule, QString *error = nullptr);
    bool addUser(const QString &username, const LedgerUser &user, QString *error = nullptr);
    void clear();

    qsizetype authRuleCount() const;
    qsizetype aclRuleCount() const;
    qsizetype userCount() const;

    // Which entry decided a check.
    struct Decision {
        enum class By : std::uint8_t { User, Rule, Default };
        bool allowed = false;
        By by = By::Default;
        int rule = -1; // index in auth/acl for By::Rule
    };
    Decision checkAuth(const ClientInfo &client, const QByteArray &password) const;
    Decision checkAcl(const ClientInfo &client, const QByteArray &topic, bool write) const;

    packets::Error onConnect(const ClientInfo &client, const packets::Connect &connect) override;
    bool onConnectAuthenticate(const ClientInfo &client, const packets::Connect &connect) override;
    bool onACLCheck(const ClientInfo &client, const QByteArray &topic, bool write) override;

    // Hashed password values for ledger files (random salt). Empty on bad arguments.
    static QString hashPbkdf2Sha256(const QByteArray &password, int iterations = 100000,
                                    const QByteArray &salt = {});
    static QString hashSha256(const QByteArray &password, const QByteArray &salt = {});
    static QString hashBcrypt(const QByteArray &password, int cost = 10, const QByteArray &salt16 = {});

private:
    struct Data;
    std::unique_ptr<Data> d;
};

} // namespace petrel
