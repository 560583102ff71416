// LedgerHook unit tests: RString wildcards, auth rules, users, ACL rules for every access
// level, MQTT filter matching, hashed passwords (pbkdf2, sha256, bcrypt), first match wins,
// the no-match defaults, YAML and JSON loading, load errors naming rule and field, init from
// a config tree or a path, and the example ledger in resources/config/ledger.yaml.
#include "config/config.h"
#include "hooks/ledger.h"

#include <QFile>
#include <QLoggingCategory>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;
using petrel::ClientInfo;
using petrel::LedgerAccess;
using petrel::LedgerAclRule;
using petrel::LedgerAuthRule;
using petrel::LedgerHook;
using petrel::LedgerUser;
using By = petrel::LedgerHook::Decision::By;

namespace {

ClientInfo client(const QByteArray &id, const QByteArray &username = {},
                  const QString &remote = u"10.1.2.3:40000"_s)
{
    ClientInfo c;
    c.clientId = id;
    c.username = username;
    c.remoteAddress = remote;
    return c;
}

QString sourceDir()
{
    const QByteArray env = qgetenv("PETREL_SOURCE_DIR");
    if (!env.isEmpty()) return QString::fromLocal8Bit(env);
#ifdef PETREL_SOURCE_DIR_FALLBACK
    return QStringLiteral(PETREL_SOURCE_DIR_FALLBACK);
#else
    return {};
#endif
}

// Loads YAML/JSON text, failing the test on error.
bool load(LedgerHook &hook, const QByteArray &text)
{
    QString error;
    const bool ok = hook.loadFromData(text, &error);
    if (!ok) qWarning().noquote() << "ledger error:" << error;
    return ok;
}

// The Mochi README's example ledger, in Mochi's YAML form.
const QByteArray kMochiExample = R"(
auth:
  - username: peach
    password: password1
    allow: true
  - username: melon
    password: password2
    allow: true
  - remote: "127.0.0.1:*"
    allow: true
  - remote: "localhost:*"
    allow: true
acl:
  - remote: "127.0.0.1:*"
  - username: melon
    filters:
      "melon/#": 3
      "updates/#": 2
  - filters:
      "#": 1
      "updates/#": 0
)";

} // namespace

class TestLedger : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { QLoggingCategory::setFilterRules(u"petrel.auth.ledger.*=false"_s); }
    void rstring_data();
    void rstring();
    void refusedWildcards_data();
    void refusedWildcards();
    void authRules_data();
    void authRules();
    void connectCodes_data();
    void connectCodes();
    void connectMemo();
    void remote_data();
    void remote();
    void users_data();
    void users();
    void accessLevels_data();
    void accessLevels();
    void aclRules_data();
    void aclRules();
    void filterMatching_data();
    void filterMatching();
    void hashedPasswords_data();
    void hashedPasswords();
    void bcryptVectors_data();
    void bcryptVectors();
    void malformedHashes_data();
    void malformedHashes();
    void loadErrors_data();
    void loadErrors();
    void yamlAndJson();
    void loadFromFile();
    void failedLoadKeepsRules();
    void programmaticApi();
    void initInlineAndPath();
    void initFromConfigFile();
    void exampleLedgerFile_data();
    void exampleLedgerFile();
};

// ---- RString ------------------------------------------------------------------------------

void TestLedger::rstring_data()
{
    QTest::addColumn<QString>("pattern");
    QTest::addColumn<QByteArray>("value");
    QTest::addColumn<bool>("matches");

    QTest::newRow("empty matches anything") << u""_s << QByteArray("abc") << true;
    QTest::newRow("empty matches empty") << u""_s << QByteArray() << true;
    QTest::newRow("star matches anything") << u"*"_s << QByteArray("abc") << true;
    QTest::newRow("star matches empty") << u"*"_s << QByteArray() << true;
    QTest::newRow("exact") << u"abc"_s << QByteArray("abc") << true;
    QTest::newRow("exact is case-sensitive") << u"abc"_s << QByteArray("ABC") << false;
    QTest::newRow("exact longer") << u"abc"_s << QByteArray("abcd") << false;
    QTest::newRow("exact shorter") << u"abc"_s << QByteArray("ab") << false;
    QTest::newRow("exact vs empty") << u"abc"_s << QByteArray() << false;
    QTest::newRow("prefix") << u"dev-*"_s << QByteArray("dev-1") << true;
    QTest::newRow("prefix long") << u"dev-*"_s << QByteArray("dev-123456") << true;
    QTest::newRow("prefix needs one more char (Mochi)") << u"dev-*"_s << QByteArray("dev-") << false;
    QTest::newRow("prefix shorter") << u"dev-*"_s << QByteArray("dev") << false;
    QTest::newRow("prefix elsewhere") << u"dev-*"_s << QByteArray("xdev-1") << false;
    QTest::newRow("utf-8") << u"ü*"_s << QByteArray("üx") << true;
}

void TestLedger::rstring()
{
    QFETCH(QString, pattern);
    QFETCH(QByteArray, value);
    QFETCH(bool, matches);

    // The same matcher serves client, username and password of an auth rule.
    for (int field = 0; field < 3; ++field) {
        LedgerHook hook;
        LedgerAuthRule rule;
        rule.allow = true;
        (field == 0 ? rule.client : field == 1 ? rule.username : rule.password) = pattern;
        QString error;
        QVERIFY2(hook.addAuthRule(rule, &error), qPrintable(error));
        const ClientInfo c = client(field == 0 ? value : "id", field == 1 ? value : "user");
        const QByteArray password = field == 2 ? value : "pw";
        QCOMPARE(hook.checkAuth(c, password).allowed, matches);
    }
}

void TestLedger::refusedWildcards_data()
{
    QTest::addColumn<QString>("field");
    QTest::addColumn<QString>("value");

    QTest::newRow("middle") << u"client"_s << u"a*b"_s;
    QTest::newRow("leading") << u"username"_s << u"*x"_s;
    QTest::newRow("two stars") << u"remote"_s << u"10.**"_s;
    QTest::newRow("password middle") << u"password"_s << u"s3cr*t"_s;
}

void TestLedger::refusedWildcards()
{
    QFETCH(QString, field);
    QFETCH(QString, value);

    LedgerHook hook;
    QString error;
    const QVariantMap ledger{{u"auth"_s, QVariantList{QVariantMap{{u"allow"_s, true}},
                                                      QVariantMap{{field, value}, {u"allow"_s, true}}}}};
    QVERIFY(!hook.loadFromVariant(ledger, &error));
    QVERIFY2(error.startsWith(u"auth[1].%1: "_s.arg(field)), qPrintable(error));
    QVERIFY2(error.contains(u"wildcard"_s), qPrintable(error));
    QCOMPARE(hook.authRuleCount(), 0);
}

// ---- auth rules ---------------------------------------------------------------------------

void TestLedger::authRules_data()
{
    QTest::addColumn<QByteArray>("ledger");
    QTest::addColumn<QByteArray>("clientId");
    QTest::addColumn<QByteArray>("username");
    QTest::addColumn<QByteArray>("password");
    QTest::addColumn<bool>("allowed");
    QTest::addColumn<int>("rule"); // -1: no rule matched

    const QByteArray basic = R"(
auth:
  - {username: peach, password: password1, allow: true}
  - {client: "blocked-*", allow: false}
  - {client: "blocked-*", username: melon, allow: true}
  - {username: melon, password: "pw*", allow: true}
  - {client: open, allow: true}
)";
    QTest::newRow("user and password")
        << basic << QByteArray("c1") << QByteArray("peach") << QByteArray("password1") << true << 0;
    QTest::newRow("wrong password") << basic << QByteArray("c1") << QByteArray("peach")
                                    << QByteArray("password2") << false << -1;
    QTest::newRow("no password") << basic << QByteArray("c1") << QByteArray("peach") << QByteArray() << false
                                 << -1;
    QTest::newRow("first match wins: deny before allow")
        << basic << QByteArray("blocked-7") << QByteArray("melon") << QByteArray("pwx") << false << 1;
    QTest::newRow("allow false rule")
        << basic << QByteArray("blocked-1") << QByteArray() << QByteArray() << false << 1;
    QTest::newRow("password wildcard")
        << basic << QByteArray("c2") << QByteArray("melon") << QByteArray("pw-anything") << true << 3;
    QTest::newRow("password wildcard needs a char")
        << basic << QByteArray("c2") << QByteArray("melon") << QByteArray("pw") << false << -1;
    QTest::newRow("client only rule, any user and password")
        << basic << QByteArray("open") << QByteArray("whoever") << QByteArray("x") << true << 4;
    QTest::newRow("client only rule, no username")
        << basic << QByteArray("open") << QByteArray() << QByteArray() << true << 4;
    QTest::newRow("no rule matches: refused")
        << basic << QByteArray("c3") << QByteArray("nobody") << QByteArray("x") << false << -1;

    QTest::newRow("empty ledger refuses everybody")
        << QByteArray("{}") << QByteArray("c") << QByteArray() << QByteArray() << false << -1;
    QTest::newRow("empty rule matches everybody") << QByteArray("auth: [{allow: true}]") << QByteArray("c")
                                                  << QByteArray() << QByteArray() << true << 0;
    QTest::newRow("allow absent is false (Mochi omitempty)")
        << QByteArray("auth: [{username: a}]") << QByteArray("c") << QByteArray("a") << QByteArray() << false
        << 0;
    QTest::newRow("rule username \"\" matches a client without username")
        << QByteArray("auth: [{username: \"\", password: p, allow: true}]") << QByteArray("c") << QByteArray()
        << QByteArray("p") << true << 0;
    QTest::newRow("rule username \"\" matches a client with a username")
        << QByteArray("auth: [{username: \"\", password: p, allow: true}]") << QByteArray("c")
        << QByteArray("someone") << QByteArray("p") << true << 0;
    QTest::newRow("rule password \"\" accepts any password (Mochi)")
        << QByteArray("auth: [{username: u, password: \"\", allow: true}]") << QByteArray("c")
        << QByteArray("u") << QByteArray("anything") << true << 0;
    QTest::newRow("client without username vs rule with username")
        << QByteArray("auth: [{username: u, allow: true}]") << QByteArray("c") << QByteArray() << QByteArray()
        << false << -1;
    QTest::newRow("numeric password read as text")
        << QByteArray("auth: [{username: u, password: 0123, allow: true}]") << QByteArray("c")
        << QByteArray("u") << QByteArray("0123") << true << 0;
    QTest::newRow("yes/no booleans") << QByteArray("auth: [{username: u, allow: yes}]") << QByteArray("c")
                                     << QByteArray("u") << QByteArray() << true << 0;
}

void TestLedger::authRules()
{
    QFETCH(QByteArray, ledger);
    QFETCH(QByteArray, clientId);
    QFETCH(QByteArray, username);
    QFETCH(QByteArray, password);
    QFETCH(bool, allowed);
    QFETCH(int, rule);

    LedgerHook hook;
    QVERIFY(load(hook, ledger));
    const auto d = hook.checkAuth(client(clientId, username), password);
    QCOMPARE(d.allowed, allowed);
    QCOMPARE(d.rule, rule);
    QCOMPARE(d.by, rule < 0 ? By::Default : By::Rule);

    // The hook event gives the same answer from a CONNECT packet.
    petrel::packets::Connect connect;
    connect.clientId = clientId;
    connect.username = username;
    connect.password = password;
    connect.hasPassword = !password.isEmpty();
    QCOMPARE(hook.onConnectAuthenticate(client(clientId, username), connect), allowed);
}

void TestLedger::connectCodes_data()
{
    QTest::addColumn<QByteArray>("clientId");
    QTest::addColumn<QByteArray>("username");
    QTest::addColumn<QByteArray>("password");
    QTest::addColumn<int>("onConnect"); // reason code onConnect returns (0 = none)
    QTest::addColumn<bool>("authenticated");

    QTest::newRow("allowed") << QByteArray("c") << QByteArray("peach") << QByteArray("pw") << 0 << true;
    QTest::newRow("wrong password: bad credentials later")
        << QByteArray("c") << QByteArray("peach") << QByteArray("nope") << 0 << false;
    QTest::newRow("no rule: bad credentials later")
        << QByteArray("c") << QByteArray("x") << QByteArray() << 0 << false;
    QTest::newRow("deny rule: not authorized")
        << QByteArray("blocked-1") << QByteArray("peach") << QByteArray("pw") << 0x87 << false;
    QTest::newRow("disallowed user: not authorized")
        << QByteArray("c") << QByteArray("retired") << QByteArray("old") << 0x87 << false;
}

void TestLedger::connectCodes()
{
    QFETCH(QByteArray, clientId);
    QFETCH(QByteArray, username);
    QFETCH(QByteArray, password);
    QFETCH(int, onConnect);
    QFETCH(bool, authenticated);

    LedgerHook hook;
    QVERIFY(load(hook, R"(
users: {retired: {password: old, disallow: true}}
auth:
  - {client: "blocked-*", allow: false}
  - {username: peach, password: pw, allow: true}
)"));
    petrel::packets::Connect connect;
    connect.clientId = clientId;
    connect.username = username;
    connect.password = password;
    const ClientInfo c = client(clientId, username);
    QCOMPARE(int(hook.onConnect(c, connect).code), onConnect);
    QCOMPARE(hook.onConnectAuthenticate(c, connect), authenticated);
}

void TestLedger::connectMemo()
{
    // onConnect's decision is reused only for identical inputs of the same ledger.
    LedgerHook hook;
    QVERIFY(hook.addAuthRule({{}, u"u"_s, {}, u"right"_s, true}));
    petrel::packets::Connect good;
    good.username = "u";
    good.password = "right";
    petrel::packets::Connect bad = good;
    bad.password = "wrong";
    const ClientInfo c = client("c", "u");
    QVERIFY(!hook.onConnect(c, good));
    QVERIFY(!hook.onConnectAuthenticate(c, bad));
    QVERIFY(!hook.onConnect(c, bad));
    QVERIFY(hook.onConnectAuthenticate(c, good));
    QVERIFY(!hook.onConnect(c, good));
    QVERIFY(!hook.onConnectAuthenticate(client("c", "u", u"1.2.3.4:5"_s), bad));
    // Another ledger with the same inputs does not see this one's decision.
    LedgerHook other;
    QVERIFY(!hook.onConnect(c, good));
    QVERIFY(!other.onConnectAuthenticate(c, good));
    // Changing the rules invalidates the slot too.
    QVERIFY(!hook.onConnect(c, good));
    hook.clear();
    QVERIFY(!hook.onConnectAuthenticate(c, good));
}

void TestLedger::remote_data()
{
    QTest::addColumn<QString>("rule");
    QTest::addColumn<QString>("remote");
    QTest::addColumn<bool>("matches");

    QTest::newRow("host:port wildcard (Mochi)") << u"127.0.0.1:*"_s << u"127.0.0.1:5000"_s << true;
    QTest::newRow("host:port wildcard other host") << u"127.0.0.1:*"_s << u"127.0.0.2:5000"_s << false;
    QTest::newRow("host alone") << u"127.0.0.1"_s << u"127.0.0.1:5000"_s << true;
    QTest::newRow("host alone other host") << u"127.0.0.1"_s << u"127.0.0.10:5000"_s << false;
    QTest::newRow("host prefix") << u"10.0.*"_s << u"10.0.3.4:1"_s << true;
    QTest::newRow("host prefix no match") << u"10.0.*"_s << u"10.1.3.4:1"_s << false;
    QTest::newRow("exact host:port") << u"10.0.0.1:1883"_s << u"10.0.0.1:1883"_s << true;
    QTest::newRow("exact host:port other port") << u"10.0.0.1:1883"_s << u"10.0.0.1:1884"_s << false;
    QTest::newRow("ipv6 with brackets (Go form)") << u"[::1]:*"_s << u"[::1]:5000"_s << true;
    QTest::newRow("ipv6 host alone") << u"::1"_s << u"[::1]:5000"_s << true;
    QTest::newRow("ipv6 prefix") << u"fe80::*"_s << u"[fe80::1]:5000"_s << true;
    QTest::newRow("unix socket") << u"unix"_s << u"unix:pid=12,uid=1000"_s << true;
    QTest::newRow("unix socket by uid") << u"unix:pid=*"_s << u"unix:pid=12,uid=1000"_s << true;
    QTest::newRow("inline client") << u"inline"_s << u"inline"_s << true;
}

void TestLedger::remote()
{
    QFETCH(QString, rule);
    QFETCH(QString, remote);
    QFETCH(bool, matches);

    LedgerHook hook;
    QVERIFY(hook.addAuthRule({{}, {}, rule, {}, true}));
    QVERIFY(hook.addAclRule({{}, {}, rule, {{u"#"_s, LedgerAccess::Deny}}}));
    QCOMPARE(hook.checkAuth(client("c", {}, remote), {}).allowed, matches);
    // The deny-all ACL rule applies only where the remote matches; elsewhere the default allows.
    QCOMPARE(hook.checkAcl(client("c", {}, remote), "a/b", true).allowed, !matches);
}

// ---- users --------------------------------------------------------------------------------

void TestLedger::users_data()
{
    QTest::addColumn<QByteArray>("username");
    QTest::addColumn<QByteArray>("password");
    QTest::addColumn<bool>("allowed");
    QTest::addColumn<int>("by"); // By

    QTest::newRow("user with password")
        << QByteArray("alice") << QByteArray("pa*ss") << true << int(By::User);
    QTest::newRow("user password is exact, no wildcard")
        << QByteArray("wild") << QByteArray("pxyz") << false << int(By::Default);
    QTest::newRow("user password literal star")
        << QByteArray("wild") << QByteArray("p*") << true << int(By::User);
    QTest::newRow("disallowed user") << QByteArray("retired") << QByteArray("old") << false << int(By::User);
    QTest::newRow("wrong password falls through to rules")
        << QByteArray("alice") << QByteArray("rule-pw") << true << int(By::Rule);
    QTest::newRow("user without password never authenticates as a user")
        << QByteArray("nopw") << QByteArray() << false << int(By::Default);
    QTest::newRow("unknown user: rules")
        << QByteArray("bob") << QByteArray("rule-pw") << true << int(By::Rule);
    QTest::newRow("hashed user password")
        << QByteArray("hashed") << QByteArray("secret") << true << int(By::User);
}

void TestLedger::users()
{
    QFETCH(QByteArray, username);
    QFETCH(QByteArray, password);
    QFETCH(bool, allowed);
    QFETCH(int, by);

    LedgerHook hook;
    QString error;
    QVERIFY(hook.addUser(u"alice"_s, {u"pa*ss"_s, {}, false}));
    QVERIFY(hook.addUser(u"wild"_s, {u"p*"_s, {}, false}));
    QVERIFY(hook.addUser(u"retired"_s, {u"old"_s, {}, true}));
    QVERIFY(hook.addUser(u"nopw"_s, {u""_s, {}, false}));
    QVERIFY(hook.addUser(u"hashed"_s, {LedgerHook::hashSha256("secret", "salt"), {}, false}));
    QVERIFY(hook.addAuthRule({{}, {}, {}, u"rule-pw"_s, true}, &error));
    const auto d = hook.checkAuth(client("c", username), password);
    QCOMPARE(d.allowed, allowed);
    QCOMPARE(int(d.by), by);
}

// ---- ACL ----------------------------------------------------------------------------------

void TestLedger::accessLevels_data()
{
    QTest::addColumn<int>("access");
    QTest::addColumn<bool>("read");
    QTest::addColumn<bool>("write");

    QTest::newRow("0 deny") << 0 << false << false;
    QTest::newRow("1 read only") << 1 << true << false;
    QTest::newRow("2 write only") << 2 << false << true;
    QTest::newRow("3 read write") << 3 << true << true;
}

void TestLedger::accessLevels()
{
    QFETCH(int, access);
    QFETCH(bool, read);
    QFETCH(bool, write);

    // Through a config-shaped tree (qint64 access), a rules file, the API and `users`.
    LedgerHook fromVariant;
    QVERIFY(fromVariant.loadFromVariant(
        {{u"acl"_s, QVariantList{QVariantMap{{u"filters"_s, QVariantMap{{u"a/#"_s, qint64(access)}}}}}}},
        nullptr));
    LedgerHook fromFile;
    QVERIFY(load(fromFile, "acl: [{filters: {\"a/#\": " + QByteArray::number(access) + "}}]"));
    LedgerHook fromApi;
    QVERIFY(fromApi.addAclRule({{}, {}, {}, {{u"a/#"_s, LedgerAccess(access)}}}));
    LedgerHook fromUser;
    QVERIFY(fromUser.addUser(u"u"_s, {{}, {{u"a/#"_s, LedgerAccess(access)}}, false}));

    for (LedgerHook *hook : {&fromVariant, &fromFile, &fromApi, &fromUser}) {
        const ClientInfo c = client("c", "u");
        QCOMPARE(hook->checkAcl(c, "a/b", false).allowed, read);
        QCOMPARE(hook->checkAcl(c, "a/b", true).allowed, write);
        QCOMPARE(hook->onACLCheck(c, "a/b", false), read);
        QCOMPARE(hook->onACLCheck(c, "a/b", true), write);
        // Topics outside every filter: no rule decides, the default allows.
        QVERIFY(hook->checkAcl(c, "b/c", true).allowed);
        QCOMPARE(hook->checkAcl(c, "b/c", true).by, By::Default);
    }
}

void TestLedger::aclRules_data()
{
    QTest::addColumn<QByteArray>("ledger");
    QTest::addColumn<QByteArray>("clientId");
    QTest::addColumn<QByteArray>("username");
    QTest::addColumn<QString>("remote");
    QTest::addColumn<QByteArray>("topic");
    QTest::addColumn<bool>("write");
    QTest::addColumn<bool>("allowed");
    QTest::addColumn<int>("rule");

    const QString local = u"127.0.0.1:5555"_s;
    const QString other = u"192.168.0.9:5555"_s;
    // The Mochi README example.
    const QByteArray m = kMochiExample;
    QTest::newRow("mochi: local superuser writes anything")
        << m << QByteArray("c") << QByteArray() << local << QByteArray("updates/x") << true << true << 0;
    QTest::newRow("mochi: melon writes own topic")
        << m << QByteArray("c") << QByteArray("melon") << other << QByteArray("melon/a") << true << true << 1;
    QTest::newRow("mochi: melon reads own topic") << m << QByteArray("c") << QByteArray("melon") << other
                                                  << QByteArray("melon/#") << false << true << 1;
    QTest::newRow("mochi: melon writes updates") << m << QByteArray("c") << QByteArray("melon") << other
                                                 << QByteArray("updates/a") << true << true << 1;
    QTest::newRow("mochi: melon may not read updates") << m << QByteArray("c") << QByteArray("melon") << other
                                                       << QByteArray("updates/#") << false << false << 1;
    QTest::newRow("mochi: melon elsewhere falls through to rule 2")
        << m << QByteArray("c") << QByteArray("melon") << other << QByteArray("news") << false << true << 2;
    QTest::newRow("mochi: melon writes elsewhere: rule 2 denies")
        << m << QByteArray("c") << QByteArray("melon") << other << QByteArray("news") << true << false << 2;
    QTest::newRow("mochi: others read")
        << m << QByteArray("c") << QByteArray("peach") << other << QByteArray("a/b") << false << true << 2;
    QTest::newRow("mochi: others may not write")
        << m << QByteArray("c") << QByteArray("peach") << other << QByteArray("a/b") << true << false << 2;
    QTest::newRow("mochi: a granting filter beats a deny in the same rule")
        << m << QByteArray("c") << QByteArray("peach") << other << QByteArray("updates/x") << false << true
        << 2;
    QTest::newRow("mochi: deny with no grant") << m << QByteArray("c") << QByteArray("peach") << other
                                               << QByteArray("updates/x") << true << false << 2;

    const QByteArray order = R"(
acl:
  - {client: "dev-*", filters: {"dev/#": 3}}
  - {client: "dev-*", filters: {"#": 0}}
  - {username: admin}
  - {filters: {"public/#": 1}}
)";
    QTest::newRow("first match wins") << order << QByteArray("dev-1") << QByteArray("admin") << other
                                      << QByteArray("dev/x") << true << true << 0;
    QTest::newRow("rule without matching filter is skipped")
        << order << QByteArray("dev-1") << QByteArray("admin") << other << QByteArray("x") << true << false
        << 1;
    QTest::newRow("rule without filters allows all")
        << order << QByteArray("c") << QByteArray("admin") << other << QByteArray("x/y") << true << true << 2;
    QTest::newRow("read only rule: read")
        << order << QByteArray("c") << QByteArray() << other << QByteArray("public/a") << false << true << 3;
    QTest::newRow("read only rule: write")
        << order << QByteArray("c") << QByteArray() << other << QByteArray("public/a") << true << false << 3;
    QTest::newRow("no rule matches: allowed (Mochi default)")
        << order << QByteArray("c") << QByteArray() << other << QByteArray("private/a") << true << true << -1;
    QTest::newRow("empty ledger allows every topic") << QByteArray("{}") << QByteArray("c") << QByteArray()
                                                     << other << QByteArray("x") << true << true << -1;
    QTest::newRow("default deny ledger") << QByteArray("acl: [{filters: {\"#\": 0}}]") << QByteArray("c")
                                         << QByteArray() << other << QByteArray("x") << true << false << 0;
}

void TestLedger::aclRules()
{
    QFETCH(QByteArray, ledger);
    QFETCH(QByteArray, clientId);
    QFETCH(QByteArray, username);
    QFETCH(QString, remote);
    QFETCH(QByteArray, topic);
    QFETCH(bool, write);
    QFETCH(bool, allowed);
    QFETCH(int, rule);

    LedgerHook hook;
    QVERIFY(load(hook, ledger));
    const auto d = hook.checkAcl(client(clientId, username, remote), topic, write);
    QCOMPARE(d.allowed, allowed);
    QCOMPARE(d.rule, rule);
}

void TestLedger::filterMatching_data()
{
    QTest::addColumn<QString>("filter");
    QTest::addColumn<QByteArray>("subject");
    QTest::addColumn<bool>("write"); // write: subject is a topic name; read: a subscription filter
    QTest::addColumn<bool>("matches");

    QTest::newRow("exact topic") << u"a/b"_s << QByteArray("a/b") << true << true;
    QTest::newRow("exact other") << u"a/b"_s << QByteArray("a/c") << true << false;
    QTest::newRow("longer topic") << u"a/b"_s << QByteArray("a/b/c") << true << false;
    QTest::newRow("plus one level") << u"a/+/c"_s << QByteArray("a/x/c") << true << true;
    QTest::newRow("plus not two levels") << u"a/+"_s << QByteArray("a/x/c") << true << false;
    QTest::newRow("plus empty level") << u"a/+/c"_s << QByteArray("a//c") << true << true;
    QTest::newRow("hash deep") << u"a/#"_s << QByteArray("a/b/c/d") << true << true;
    QTest::newRow("hash matches parent [MQTT-4.7.1-2]") << u"a/#"_s << QByteArray("a") << true << true;
    QTest::newRow("hash other branch") << u"a/#"_s << QByteArray("b/a") << true << false;
    QTest::newRow("root hash") << u"#"_s << QByteArray("x") << true << true;
    QTest::newRow("root hash covers $SYS (Mochi)")
        << u"#"_s << QByteArray("$SYS/broker/uptime") << true << true;
    QTest::newRow("plus covers $ level (Mochi)") << u"+/x"_s << QByteArray("$SYS/x") << true << true;
    QTest::newRow("leading slash") << u"/a"_s << QByteArray("/a") << true << true;
    QTest::newRow("leading slash differs") << u"/a"_s << QByteArray("a") << true << false;
    QTest::newRow("sub: same filter") << u"a/+"_s << QByteArray("a/+") << false << true;
    QTest::newRow("sub: narrower literal") << u"a/+"_s << QByteArray("a/b") << false << true;
    QTest::newRow("sub: hash wider than plus") << u"a/+"_s << QByteArray("a/#") << false << false;
    QTest::newRow("sub: plus under hash") << u"a/#"_s << QByteArray("a/+/c") << false << true;
    QTest::newRow("sub: hash under hash") << u"a/#"_s << QByteArray("a/#") << false << true;
    QTest::newRow("sub: hash wider than literal") << u"a/b"_s << QByteArray("a/#") << false << false;
    QTest::newRow("sub: plus wider than literal") << u"a/b"_s << QByteArray("a/+") << false << false;
    QTest::newRow("sub: root hash") << u"#"_s << QByteArray("#") << false << true;
    QTest::newRow("sub: everything vs branch") << u"a/#"_s << QByteArray("#") << false << false;
    QTest::newRow("sub: shared subscription") << u"a/#"_s << QByteArray("$share/g/a/b") << false << true;
    QTest::newRow("sub: shared outside") << u"a/#"_s << QByteArray("$share/g/b") << false << false;
}

void TestLedger::filterMatching()
{
    QFETCH(QString, filter);
    QFETCH(QByteArray, subject);
    QFETCH(bool, write);
    QFETCH(bool, matches);

    // A rule that denies on a match; no match falls through to the default allow.
    LedgerHook hook;
    QVERIFY(hook.addAclRule({{}, {}, {}, {{filter, LedgerAccess::Deny}}}));
    const auto d = hook.checkAcl(client("c"), subject, write);
    QCOMPARE(d.allowed, !matches);
    QCOMPARE(d.by, matches ? By::Rule : By::Default);
}

// ---- passwords ----------------------------------------------------------------------------

void TestLedger::hashedPasswords_data()
{
    QTest::addColumn<QString>("stored");
    QTest::addColumn<QByteArray>("password");
    QTest::addColumn<bool>("matches");

    const QString pbkdf2 = LedgerHook::hashPbkdf2Sha256("s3cret", 1000);
    QVERIFY(pbkdf2.startsWith(u"pbkdf2-sha256$1000$"_s));
    QTest::newRow("pbkdf2 generated") << pbkdf2 << QByteArray("s3cret") << true;
    QTest::newRow("pbkdf2 wrong") << pbkdf2 << QByteArray("s3cre") << false;
    QTest::newRow("pbkdf2 empty") << pbkdf2 << QByteArray() << false;
    // Independently computed (Python hashlib.pbkdf2_hmac('sha256', b'password2', salt, 10000)).
    const QString known = u"pbkdf2-sha256$10000$cGV0cmVsLWV4YW1wbGUtc2FsdA==$"
                          u"GvUfmy5UaLrD1gxjypJs62qRvqzKv9i+Th81o+vOsHA="_s;
    QTest::newRow("pbkdf2 known vector") << known << QByteArray("password2") << true;
    QTest::newRow("pbkdf2 known vector wrong") << known << QByteArray("password3") << false;
    QTest::newRow("pbkdf2 unpadded base64")
        << u"pbkdf2-sha256$10000$cGV0cmVsLWV4YW1wbGUtc2FsdA$GvUfmy5UaLrD1gxjypJs62qRvqzKv9i+Th81o+vOsHA"_s
        << QByteArray("password2") << true;
    // passlib's $pbkdf2-sha256$ form ('.' for '+', no padding).
    QTest::newRow("pbkdf2 passlib form")
        << u"$pbkdf2-sha256$10000$cGV0cmVsLWV4YW1wbGUtc2FsdA$GvUfmy5UaLrD1gxjypJs62qRvqzKv9i.Th81o.vOsHA"_s
        << QByteArray("password2") << true;

    const QString sha = LedgerHook::hashSha256("hunter2", "NaCl");
    QTest::newRow("sha256 generated") << sha << QByteArray("hunter2") << true;
    QTest::newRow("sha256 wrong") << sha << QByteArray("hunter3") << false;
    QTest::newRow("sha256 known vector")
        << u"sha256$pepper$6e073755da3190c61625187b8a5c355ae94320489f6ffab286db67ae70910419"_s
        << QByteArray("password4") << true;
    QTest::newRow("sha256 upper-case hex")
        << u"sha256$pepper$6E073755DA3190C61625187B8A5C355AE94320489F6FFAB286DB67AE70910419"_s
        << QByteArray("password4") << true;
    QTest::newRow("sha256 random salt") << LedgerHook::hashSha256("x") << QByteArray("x") << true;

    const QString bc = LedgerHook::hashBcrypt("correct horse", 4);
    QVERIFY(bc.startsWith(u"$2b$04$"_s));
    QCOMPARE(bc.size(), 60);
    QTest::newRow("bcrypt generated") << bc << QByteArray("correct horse") << true;
    QTest::newRow("bcrypt wrong") << bc << QByteArray("correct horsf") << false;
    QTest::newRow("hash is not a wildcard")
        << u"pbkdf2-sha256$1$YQ==$YWFhYWFhYWFhYWFhYWFhYQ=="_s << QByteArray("*") << false;
}

void TestLedger::hashedPasswords()
{
    QFETCH(QString, stored);
    QFETCH(QByteArray, password);
    QFETCH(bool, matches);

    LedgerHook rules;
    QString error;
    QVERIFY2(rules.addAuthRule({{}, u"u"_s, {}, stored, true}, &error), qPrintable(error));
    QCOMPARE(rules.checkAuth(client("c", "u"), password).allowed, matches);

    LedgerHook users;
    QVERIFY2(users.addUser(u"u"_s, {stored, {}, false}, &error), qPrintable(error));
    QCOMPARE(users.checkAuth(client("c", "u"), password).allowed, matches);
}

void TestLedger::bcryptVectors_data()
{
    QTest::addColumn<QByteArray>("password");
    QTest::addColumn<QString>("hash");

    // Computed with libxcrypt's crypt() (Debian 12), and the classic OpenBSD vector.
    QTest::newRow("U*U (OpenBSD)") << QByteArray("U*U")
                                   << u"$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW"_s;
    QTest::newRow("2a U*U") << QByteArray("U*U")
                            << u"$2a$05$PGeN936uYK8Bv1.3gbLmB.b6Lr71hOOMkU.ScBzExOjePj/5Iwmri"_s;
    QTest::newRow("2b U*U") << QByteArray("U*U")
                            << u"$2b$05$B/uZ0Ba29bqba4jAzKVjNeJjXhxRt0VlGCo6q2onjDKHV4QMHewU6"_s;
    QTest::newRow("2y U*U") << QByteArray("U*U")
                            << u"$2y$05$0Wki9wC7dxzUstJ2LSwt8.CDucqZsnpKgL7PpvyHcOntH6H6NRgBq"_s;
    QTest::newRow("empty") << QByteArray()
                           << u"$2b$05$sXy8rzq.o4BbUVJeCHIA3.c6e.FDPmjfXcE/u6ehe0hJq9h9R2bSW"_s;
    QTest::newRow("password") << QByteArray("password")
                              << u"$2b$05$n0FkOZElHHlkSzeO/CZ4T.w2RymcC.XIv.AkUtU/8Pmz6k7OKmmrO"_s;
    QTest::newRow("71 bytes") << QByteArray(71, 'x')
                              << u"$2b$05$jc8PLnDyHuQOpMuHaIgsj.LIQ3GBmHlic69bTkycBY1GSRGcbEqDu"_s;
    QTest::newRow("72 bytes") << QByteArray(72, 'y')
                              << u"$2b$05$eZ6rfVYlXdsIhJ3JpbvlDeMUEPOqw/wsyAotVo6ypcSBqeznwkIkW"_s;
    QTest::newRow("100 bytes (cut at 72)")
        << QByteArray(100, 'z') << u"$2b$05$EdeG31e24/wpTf8BzAFrPOnp7K/edwxh5foKfrcZO1NGP.V6xUgIa"_s;
    QTest::newRow("utf-8") << QString(u"ünïcødé"_s).toUtf8()
                           << u"$2b$05$wqvTDJeKgIPI2cu1wTn2OuZGPAFUddNm/IoT7hSYVV0upP/aFtiO2"_s;
    QTest::newRow("example ledger") << QByteArray("password3")
                                    << u"$2b$06$R9h/cIPz0gi.URNNX3kh2OZvXJyNpBbkn0O0Ht6jhLmOUPNBQjWfW"_s;
}

void TestLedger::bcryptVectors()
{
    QFETCH(QByteArray, password);
    QFETCH(QString, hash);

    LedgerHook hook;
    QVERIFY(hook.addAuthRule({{}, {}, {}, hash, true}));
    QVERIFY(hook.checkAuth(client("c"), password).allowed);
    QVERIFY(!hook.checkAuth(client("c"), password + 'x').allowed || password.size() >= 72);
    QVERIFY(!hook.checkAuth(client("c"), "wrong").allowed);
}

void TestLedger::malformedHashes_data()
{
    QTest::addColumn<QString>("stored");
    QTest::addColumn<QString>("message");

    QTest::newRow("pbkdf2 parts") << u"pbkdf2-sha256$1000$abc"_s << u"expected pbkdf2-sha256$"_s;
    QTest::newRow("pbkdf2 iterations")
        << u"pbkdf2-sha256$zero$YQ==$YWFhYWFhYWFhYWFhYWFhYQ=="_s << u"iterations"_s;
    QTest::newRow("pbkdf2 iterations 0")
        << u"pbkdf2-sha256$0$YQ==$YWFhYWFhYWFhYWFhYWFhYQ=="_s << u"iterations"_s;
    QTest::newRow("pbkdf2 salt") << u"pbkdf2-sha256$10$!!$YWFhYWFhYWFhYWFhYWFhYQ=="_s << u"salt"_s;
    QTest::newRow("pbkdf2 short hash") << u"pbkdf2-sha256$10$YQ==$YWFh"_s << u"16 to 1024 bytes"_s;
    QTest::newRow("sha256 no hex") << u"sha256$salt"_s << u"expected sha256$"_s;
    QTest::newRow("sha256 short hex") << u"sha256$salt$abcd"_s << u"64 hex"_s;
    QTest::newRow("sha256 bad hex") << u"sha256$s$"_s + QString(64, u'g') << u"64 hex"_s;
    QTest::newRow("bcrypt 2x") << u"$2x$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW"_s
                               << u"$2b$"_s;
    QTest::newRow("bcrypt short") << u"$2b$05$CCCCCCCCC"_s << u"60 characters"_s;
    QTest::newRow("bcrypt cost") << u"$2b$03$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW"_s
                                 << u"cost"_s;
    QTest::newRow("bcrypt alphabet") << u"$2b$05$CCCCCCCCCCCCCCCCCCCCC!E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW"_s
                                     << u"alphabet"_s;
}

void TestLedger::malformedHashes()
{
    QFETCH(QString, stored);
    QFETCH(QString, message);

    LedgerHook hook;
    QString error;
    const QVariantMap ledger{
        {u"auth"_s, QVariantList{QVariantMap{{u"username"_s, u"a"_s}, {u"allow"_s, true}},
                                 QVariantMap{{u"password"_s, stored}}}}};
    QVERIFY(!hook.loadFromVariant(ledger, &error));
    QVERIFY2(error.startsWith(u"auth[1].password: "_s), qPrintable(error));
    QVERIFY2(error.contains(message), qPrintable(error));

    const QVariantMap users{{u"users"_s, QVariantMap{{u"bob"_s, QVariantMap{{u"password"_s, stored}}}}}};
    QVERIFY(!hook.loadFromVariant(users, &error));
    QVERIFY2(error.startsWith(u"users[bob].password: "_s), qPrintable(error));
}

// ---- loading ------------------------------------------------------------------------------

void TestLedger::loadErrors_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<QString>("error"); // expected prefix or fragment

    QTest::newRow("unknown top-level key") << QByteArray("rules: []") << u"ledger: unknown key \"rules\""_s;
    QTest::newRow("auth not a list") << QByteArray("auth: {username: a}")
                                     << u"auth: expected a list of rules"_s;
    QTest::newRow("acl not a list") << QByteArray("acl: 3") << u"acl: expected a list of rules"_s;
    QTest::newRow("rule not a mapping")
        << QByteArray("auth: [{allow: true}, peach]") << u"auth[1]: expected a rule mapping"_s;
    QTest::newRow("unknown rule key")
        << QByteArray("auth: [{allow: true}, {user: a}]") << u"auth[1]: unknown key \"user\""_s;
    QTest::newRow("filters in auth rule")
        << QByteArray("auth: [{filters: {a: 1}}]") << u"auth[0]: unknown key \"filters\""_s;
    QTest::newRow("password in acl rule")
        << QByteArray("acl: [{password: x}]") << u"acl[0]: unknown key \"password\""_s;
    QTest::newRow("allow not bool") << QByteArray("auth: [{allow: maybe}]")
                                    << u"auth[0].allow: expected true or false, got \"maybe\""_s;
    QTest::newRow("username a list") << QByteArray("auth: [{username: [a, b]}]")
                                     << u"auth[0].username: expected a string, got a list"_s;
    QTest::newRow("access 4") << QByteArray("acl: [{}, {}, {filters: {\"a/#\": 4}}]")
                              << u"acl[2].filters[\"a/#\"]: access must be 0"_s;
    QTest::newRow("access text") << QByteArray("acl: [{filters: {\"a\": rw}}]")
                                 << u"acl[0].filters[\"a\"]: access must be 0"_s;
    QTest::newRow("bad filter hash") << QByteArray("acl: [{filters: {\"a/#/b\": 1}}]")
                                     << u"acl[0].filters[\"a/#/b\"]: '#' must be the whole last level"_s;
    QTest::newRow("bad filter plus") << QByteArray("acl: [{filters: {\"a/b+\": 1}}]")
                                     << u"acl[0].filters[\"a/b+\"]: '+' must be a whole level"_s;
    QTest::newRow("empty filter") << QByteArray("acl: [{filters: {\"\": 1}}]")
                                  << u"acl[0].filters[\"\"]: a topic filter must not be empty"_s;
    QTest::newRow("filters a list") << QByteArray("acl: [{filters: [a, b]}]")
                                    << u"acl[0].filters: expected a mapping"_s;
    QTest::newRow("users a list") << QByteArray("users: [a]") << u"users: expected a mapping"_s;
    QTest::newRow("user unknown key")
        << QByteArray("users: {bob: {pass: x}}") << u"users[bob]: unknown key \"pass\""_s;
    QTest::newRow("user disallow") << QByteArray("users: {bob: {disallow: 2}}")
                                   << u"users[bob].disallow: expected true or false"_s;
    QTest::newRow("user acl access") << QByteArray("users: {bob: {acl: {\"a\": 9}}}")
                                     << u"users[bob].acl[\"a\"]: access must be 0"_s;
    QTest::newRow("yaml syntax") << QByteArray("auth:\n  - {username: a\n") << u"line "_s;
    QTest::newRow("duplicate key") << QByteArray("auth: []\nauth: []\n") << u"duplicate key \"auth\""_s;
    QTest::newRow("json syntax") << QByteArray("{\"auth\": [}") << u"line 1"_s;
    QTest::newRow("json access out of range")
        << QByteArray(R"({"acl": [{"filters": {"x": 7}}]})") << u"acl[0].filters[\"x\"]: access must be 0"_s;
    QTest::newRow("top level list") << QByteArray("[1, 2]")
                                    << u"expected a mapping with users, auth and acl"_s;
}

void TestLedger::loadErrors()
{
    QFETCH(QByteArray, text);
    QFETCH(QString, error);

    LedgerHook hook;
    QString message;
    QVERIFY(!hook.loadFromData(text, &message));
    QVERIFY2(message.contains(error), qPrintable(u"got: "_s + message));
}

void TestLedger::yamlAndJson()
{
    const QByteArray json = R"({
  "auth": [
    {"username": "peach", "password": "password1", "allow": true},
    {"username": "melon", "password": "password2", "allow": true},
    {"remote": "127.0.0.1:*", "allow": true},
    {"remote": "localhost:*", "allow": true}
  ],
  "acl": [
    {"remote": "127.0.0.1:*"},
    {"username": "melon", "filters": {"melon/#": 3, "updates/#": 2}},
    {"filters": {"#": 1, "updates/#": 0}}
  ]
})";
    LedgerHook fromYaml;
    LedgerHook fromJson;
    QVERIFY(load(fromYaml, kMochiExample));
    QVERIFY(load(fromJson, json));
    QCOMPARE(fromJson.authRuleCount(), 4);
    QCOMPARE(fromJson.aclRuleCount(), 3);

    const QList<ClientInfo> clients{client("a", "peach"), client("b", "melon"),
                                    client("c", "", u"127.0.0.1:9"_s), client("d", "other")};
    const QList<QByteArray> passwords{"password1", "password2", "", "x"};
    const QList<QByteArray> topics{"melon/a", "updates/b", "x", "$SYS/y", "melon/#"};
    for (const ClientInfo &c : clients) {
        for (const QByteArray &p : passwords)
            QCOMPARE(fromJson.checkAuth(c, p).allowed, fromYaml.checkAuth(c, p).allowed);
        for (const QByteArray &t : topics) {
            for (bool write : {false, true})
                QCOMPARE(fromJson.checkAcl(c, t, write).allowed, fromYaml.checkAcl(c, t, write).allowed);
        }
    }
    QVERIFY(fromJson.checkAuth(client("a", "peach"), "password1").allowed);
    QVERIFY(!fromJson.checkAuth(client("a", "peach"), "password2").allowed);

    // An empty document is an empty ledger.
    LedgerHook empty;
    QVERIFY(load(empty, ""));
    QCOMPARE(empty.authRuleCount(), 0);
}

void TestLedger::loadFromFile()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString yamlPath = dir.filePath(u"ledger.yaml"_s);
    {
        QFile f(yamlPath);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(kMochiExample);
    }
    LedgerHook hook;
    QString error;
    QVERIFY2(hook.loadFromFile(yamlPath, &error), qPrintable(error));
    QCOMPARE(hook.authRuleCount(), 4);

    const QString badPath = dir.filePath(u"bad.json"_s);
    {
        QFile f(badPath);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(R"({"auth": [{"allow": true}, {"allow": true, "remote": "a*b"}]})");
    }
    QVERIFY(!hook.loadFromFile(badPath, &error));
    QVERIFY2(error.startsWith(badPath + u": auth[1].remote: "_s), qPrintable(error));

    QVERIFY(!hook.loadFromFile(dir.filePath(u"missing.yaml"_s), &error));
    QVERIFY2(error.contains(u"missing.yaml"_s), qPrintable(error));
    QCOMPARE(hook.authRuleCount(), 4);
}

void TestLedger::failedLoadKeepsRules()
{
    LedgerHook hook;
    QVERIFY(load(hook, kMochiExample));
    QString error;
    QVERIFY(!hook.loadFromData("auth: [{allow: true}]\nacl: [{filters: {\"#\": 5}}]", &error));
    QCOMPARE(hook.authRuleCount(), 4);
    QCOMPARE(hook.aclRuleCount(), 3);
    QVERIFY(!hook.checkAuth(client("x", "nobody"), "x").allowed);
    // A successful load replaces everything.
    QVERIFY(load(hook, "auth: [{allow: true}]"));
    QCOMPARE(hook.authRuleCount(), 1);
    QCOMPARE(hook.aclRuleCount(), 0);
    hook.clear();
    QCOMPARE(hook.authRuleCount(), 0);
}

void TestLedger::programmaticApi()
{
    LedgerHook hook;
    QString error;
    QVERIFY(!hook.addAuthRule({u"a*b"_s, {}, {}, {}, true}, &error));
    QVERIFY2(error.startsWith(u"auth[0].client: "_s), qPrintable(error));
    QVERIFY(hook.addAuthRule({{}, u"u"_s, {}, u"p"_s, true}, &error));
    QVERIFY(!hook.addAuthRule({{}, {}, {}, u"sha256$x"_s, true}, &error));
    QVERIFY2(error.startsWith(u"auth[1].password: "_s), qPrintable(error));
    QCOMPARE(hook.authRuleCount(), 1);

    QVERIFY(!hook.addAclRule({{}, {}, {}, {{u"a/#/b"_s, LedgerAccess::ReadOnly}}}, &error));
    QVERIFY2(error.startsWith(u"acl[0].filters[\"a/#/b\"]: "_s), qPrintable(error));
    QVERIFY(hook.addAclRule({{}, u"u"_s, {}, {{u"a/#"_s, LedgerAccess::ReadOnly}}}, &error));
    QVERIFY(!hook.addUser(u"bob"_s, {{}, {{u"+x"_s, LedgerAccess::ReadOnly}}, false}, &error));
    QVERIFY2(error.startsWith(u"users[bob].acl[\"+x\"]: "_s), qPrintable(error));
    QCOMPARE(hook.aclRuleCount(), 1);
    QCOMPARE(hook.userCount(), 0);

    QVERIFY(hook.checkAuth(client("c", "u"), "p").allowed);
    QVERIFY(hook.checkAcl(client("c", "u"), "a/b", false).allowed);
    QVERIFY(!hook.checkAcl(client("c", "u"), "a/b", true).allowed);
    QCOMPARE(hook.provides(), petrel::hookBit(petrel::HookEvent::OnConnect) |
                                  petrel::hookBit(petrel::HookEvent::OnConnectAuthenticate) |
                                  petrel::hookBit(petrel::HookEvent::OnACLCheck));
}

void TestLedger::initInlineAndPath()
{
    // The tree as core/config stores hooks.auth.ledger: bools, qint64 access, strings.
    const QVariantMap tree{
        {u"auth"_s,
         QVariantList{QVariantMap{{u"username"_s, u"a"_s}, {u"password"_s, u"b"_s}, {u"allow"_s, true}}}},
        {u"acl"_s, QVariantList{QVariantMap{{u"filters"_s, QVariantMap{{u"x/#"_s, qint64(1)}}}}}},
        {u"users"_s, QVariantMap{{u"u"_s, QVariantMap{{u"password"_s, u"p"_s}, {u"disallow"_s, false}}}}}};
    LedgerHook inlineHook;
    QString error;
    QVERIFY2(inlineHook.init(tree, &error), qPrintable(error));
    QCOMPARE(inlineHook.authRuleCount(), 1);
    QCOMPARE(inlineHook.aclRuleCount(), 1);
    QCOMPARE(inlineHook.userCount(), 1);
    QVERIFY(inlineHook.checkAuth(client("c", "u"), "p").allowed);
    QVERIFY(!inlineHook.checkAcl(client("c"), "x/y", true).allowed);

    // An empty config keeps rules added through the API.
    LedgerHook apiHook;
    QVERIFY(apiHook.addAuthRule({{}, {}, {}, {}, true}));
    QVERIFY(apiHook.init({}, &error));
    QCOMPARE(apiHook.authRuleCount(), 1);

    // {path: file}
    QTemporaryDir dir;
    const QString path = dir.filePath(u"l.json"_s);
    {
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(R"({"auth": [{"client": "x", "allow": true}]})");
    }
    LedgerHook fileHook;
    QVERIFY2(fileHook.init({{u"path"_s, path}}, &error), qPrintable(error));
    QVERIFY(fileHook.checkAuth(client("x"), {}).allowed);

    QVERIFY(!fileHook.init({{u"path"_s, path}, {u"auth"_s, QVariantList{}}}, &error));
    QVERIFY2(error.contains(u"cannot be combined"_s), qPrintable(error));
    QVERIFY(!fileHook.init({{u"path"_s, dir.filePath(u"nope"_s)}}, &error));
    QVERIFY(!fileHook.init({{u"auth"_s, QVariantList{QVariantMap{{u"allow"_s, u"perhaps"_s}}}}}, &error));
    QVERIFY2(error.startsWith(u"auth[0].allow"_s), qPrintable(error));
}

void TestLedger::initFromConfigFile()
{
    // A Mochi config file's hooks.auth.ledger, through core/config, into the hook.
    const QByteArray config = R"(
listeners:
  - type: tcp
    id: t1
    address: ":1883"
hooks:
  auth:
    ledger:
      users:
        admin: {password: "adm1n", acl: {"#": 3}}
      auth:
        - {username: peach, password: password1, allow: true}
        - {remote: "127.0.0.1:*", allow: true}
      acl:
        - {username: peach, filters: {"peach/#": 3, "#": 1}}
)";
    petrel::config::ConfigError configError;
    const auto options = petrel::config::loadConfigString(config, u"test.yaml"_s, &configError);
    QVERIFY2(options, qPrintable(configError.toString()));
    QCOMPARE(options->hooks.size(), 1);
    QCOMPARE(options->hooks[0].type, u"auth"_s);
    QCOMPARE(options->hooks[0].name, u"ledger"_s);

    LedgerHook hook;
    QString error;
    QVERIFY2(hook.init(options->hooks[0].settings, &error), qPrintable(error));
    QVERIFY(hook.checkAuth(client("c", "peach"), "password1").allowed);
    QVERIFY(hook.checkAuth(client("c", "admin"), "adm1n").allowed);
    QVERIFY(hook.checkAuth(client("c", "", u"127.0.0.1:4"_s), {}).allowed);
    QVERIFY(!hook.checkAuth(client("c", "peach"), "nope").allowed);
    QVERIFY(hook.checkAcl(client("c", "peach"), "peach/x", true).allowed);
    QVERIFY(!hook.checkAcl(client("c", "peach"), "other", true).allowed);
    QVERIFY(hook.checkAcl(client("c", "peach"), "other", false).allowed);
}

void TestLedger::exampleLedgerFile_data()
{
    QTest::addColumn<QByteArray>("username");
    QTest::addColumn<QByteArray>("clientId");
    QTest::addColumn<QString>("remote");
    QTest::addColumn<QByteArray>("password");
    QTest::addColumn<bool>("connects");

    const QString far = u"203.0.113.5:40000"_s;
    QTest::newRow("peach plain") << QByteArray("peach") << QByteArray("c") << far << QByteArray("password1")
                                 << true;
    QTest::newRow("peach wrong") << QByteArray("peach") << QByteArray("c") << far << QByteArray("password2")
                                 << false;
    QTest::newRow("melon bcrypt") << QByteArray("melon") << QByteArray("c") << far << QByteArray("password3")
                                  << true;
    QTest::newRow("melon wrong") << QByteArray("melon") << QByteArray("c") << far << QByteArray("password1")
                                 << false;
    QTest::newRow("kiwi sha256") << QByteArray("kiwi") << QByteArray("c") << far << QByteArray("password4")
                                 << true;
    QTest::newRow("user pbkdf2") << QByteArray("sensor-admin") << QByteArray("c") << far
                                 << QByteArray("password2") << true;
    QTest::newRow("retired user") << QByteArray("retired") << QByteArray("c") << far
                                  << QByteArray("old-secret") << false;
    QTest::newRow("blocked client even locally")
        << QByteArray() << QByteArray("blocked-1") << u"127.0.0.1:1"_s << QByteArray() << false;
    QTest::newRow("local anonymous") << QByteArray() << QByteArray("c") << u"127.0.0.1:1"_s << QByteArray()
                                     << true;
    QTest::newRow("remote anonymous") << QByteArray() << QByteArray("c") << far << QByteArray() << false;
}

void TestLedger::exampleLedgerFile()
{
    QFETCH(QByteArray, username);
    QFETCH(QByteArray, clientId);
    QFETCH(QString, remote);
    QFETCH(QByteArray, password);
    QFETCH(bool, connects);

    LedgerHook hook;
    QString error;
    QVERIFY2(hook.loadFromFile(sourceDir() + u"/resources/config/ledger.yaml"_s, &error), qPrintable(error));
    QCOMPARE(hook.checkAuth(client(clientId, username, remote), password).allowed, connects);

    // ACL spot checks of the file's rules.
    const ClientInfo melon = client("c", "melon", u"203.0.113.5:1"_s);
    const ClientInfo other = client("c", "peach", u"203.0.113.5:1"_s);
    const ClientInfo admin = client("c", "sensor-admin", u"203.0.113.5:1"_s);
    QVERIFY(hook.checkAcl(melon, "melon/x", true).allowed);
    QVERIFY(hook.checkAcl(melon, "updates/x", true).allowed);
    QVERIFY(!hook.checkAcl(melon, "updates/#", false).allowed);
    QVERIFY(hook.checkAcl(melon, "news", false).allowed);
    QVERIFY(!hook.checkAcl(other, "secret/x", false).allowed);
    QVERIFY(hook.checkAcl(other, "news", false).allowed);
    QVERIFY(!hook.checkAcl(other, "news", true).allowed);
    QVERIFY(hook.checkAcl(admin, "sensors/t1", true).allowed);
    QVERIFY(hook.checkAcl(client("c", {}, u"127.0.0.1:1"_s), "secret/x", true).allowed);
}

QTEST_GUILESS_MAIN(TestLedger)
#include "tst_ledger.moc"
