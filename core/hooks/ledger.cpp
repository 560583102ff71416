#include "ledger.h"

#include "bcrypt_p.h"

#include <QCryptographicHash>
#include <QFile>
#include <QHash>
#include <QLoggingCategory>
#include <QPasswordDigestor>
#include <QRandomGenerator>

#include <yaml-cpp/yaml.h>

#include <atomic>
#include <exception>
#include <optional>

using namespace Qt::StringLiterals;

namespace petrel {

Q_LOGGING_CATEGORY(lcLedger, "petrel.auth.ledger")

namespace {

// ---- constant-time helpers ------------------------------------------------------------

// Equal bytes; the time depends on the length of `stored` only.
bool constantTimeEquals(QByteArrayView stored, QByteArrayView given)
{
    unsigned diff = stored.size() == given.size() ? 0u : 1u;
    for (qsizetype i = 0; i < stored.size(); ++i) {
        const auto g = i < given.size() ? std::uint8_t(given[i]) : std::uint8_t(0);
        diff |= unsigned(std::uint8_t(stored[i]) ^ g);
    }
    return diff == 0;
}

// ---- RString --------------------------------------------------------------------------

struct Pattern {
    enum class Kind : std::uint8_t { Any, Exact, Prefix };
    Kind kind = Kind::Any;
    QByteArray text; // Exact: the value; Prefix: the text before the '*'

    bool matches(QByteArrayView a) const
    {
        switch (kind) {
        case Kind::Any:
            return true;
        case Kind::Exact:
            return constantTimeEquals(text, a);
        case Kind::Prefix:
            return a.size() > text.size() && constantTimeEquals(text, a.first(text.size()));
        }
        return false;
    }
};

std::optional<Pattern> compilePattern(const QString &value, QString *why)
{
    Pattern p;
    if (value.isEmpty() || value == u"*") return p;
    const qsizetype star = value.indexOf(u'*');
    if (star < 0) {
        p.kind = Pattern::Kind::Exact;
        p.text = value.toUtf8();
        return p;
    }
    if (star == value.size() - 1 && star > 0) {
        p.kind = Pattern::Kind::Prefix;
        p.text = value.left(star).toUtf8();
        return p;
    }
    *why = u"'*' is a wildcard only as the whole value or as its last character (\"%1\"); Mochi would "
           u"ignore the text after it"_s.arg(value);
    return std::nullopt;
}

// ---- passwords ------------------------------------------------------------------------

struct Secret {
    enum class Kind : std::uint8_t { Any, Exact, Prefix, Pbkdf2, Sha256, Bcrypt, Never };
    Kind kind = Kind::Any;
    QByteArray text; // Exact/Prefix value, or the bcrypt hash
    QByteArray salt;
    QByteArray hash; // raw bytes
    int iterations = 0;

    bool matches(const QByteArray &password) const
    {
        switch (kind) {
        case Kind::Any:
            return true;
        case Kind::Never:
            return false;
        case Kind::Exact:
        case Kind::Prefix:
            return Pattern{kind == Kind::Exact ? Pattern::Kind::Exact : Pattern::Kind::Prefix, text}.matches(
                password);
        case Kind::Pbkdf2:
            return constantTimeEquals(hash, QPasswordDigestor::deriveKeyPbkdf2(QCryptographicHash::Sha256,
                                                                               password, salt, iterations,
                                                                               quint64(hash.size())));
        case Kind::Sha256:
            return constantTimeEquals(hash,
                                      QCryptographicHash::hash(salt + password, QCryptographicHash::Sha256));
        case Kind::Bcrypt:
            return bcrypt::verify(password, text);
        }
        return false;
    }
};

std::optional<QByteArray> decodeBase64(QByteArray text)
{
    // Standard or URL-safe, padded or not; passlib's "adapted" base64 uses '.' for '+'.
    text.replace('.', '+');
    const auto options = (text.contains('-') || text.contains('_') ? QByteArray::Base64UrlEncoding
                                                                   : QByteArray::Base64Encoding) |
                         QByteArray::AbortOnBase64DecodingErrors;
    auto result = QByteArray::fromBase64Encoding(text, options);
    if (!result) return std::nullopt;
    return *result;
}

// A password value: hashed forms by prefix, otherwise plain (an RString when wildcards are
// allowed, as in auth rules; exact in `users`).
std::optional<Secret> compileSecret(const QString &value, bool wildcards, QString *why)
{
    Secret s;
    const QByteArray v = value.toUtf8();
    const bool passlib = v.startsWith("$pbkdf2-sha256$");
    if (v.startsWith("pbkdf2-sha256$") || passlib) {
        const QList<QByteArray> parts = v.mid(passlib ? 1 : 0).split('$');
        if (parts.size() != 4) {
            *why = u"expected pbkdf2-sha256$<iterations>$<salt base64>$<hash base64>"_s;
            return std::nullopt;
        }
        bool ok = false;
        const int iterations = parts[1].toInt(&ok);
        if (!ok || iterations < 1 || iterations > 100000000) {
            *why = u"pbkdf2 iterations must be a number from 1 to 100000000, got \"%1\""_s.arg(
                QString::fromUtf8(parts[1]));
            return std::nullopt;
        }
        const auto salt = decodeBase64(parts[2]);
        const auto hash = decodeBase64(parts[3]);
        if (!salt || salt->isEmpty()) {
            *why = u"the pbkdf2 salt is not valid base64 or is empty"_s;
            return std::nullopt;
        }
        if (!hash || hash->size() < 16 || hash->size() > 1024) {
            *why = u"the pbkdf2 hash must be base64 of 16 to 1024 bytes"_s;
            return std::nullopt;
        }
        s.kind = Secret::Kind::Pbkdf2;
        s.iterations = iterations;
        s.salt = *salt;
        s.hash = *hash;
        return s;
    }
    if (v.startsWith("sha256$")) {
        const qsizetype second = v.indexOf('$', 7);
        const QByteArray hex = second < 0 ? QByteArray() : v.mid(second + 1);
        bool hexOk = hex.size() == 64;
        for (char c : hex)
            hexOk = hexOk && ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'));
        if (second < 0 || !hexOk) {
            *why = u"expected sha256$<salt>$<64 hex digits of SHA-256(salt + password)>"_s;
            return std::nullopt;
        }
        s.kind = Secret::Kind::Sha256;
        s.salt = v.mid(7, second - 7);
        s.hash = QByteArray::fromHex(hex);
        return s;
    }
    if (v.startsWith("$2") && v.size() >= 4 && v.at(3) == '$') {
        const char *reason = "";
        if (!bcrypt::parse(v, &reason)) {
            *why = u"not a valid bcrypt hash: %1"_s.arg(QString::fromUtf8(reason));
            return std::nullopt;
        }
        s.kind = Secret::Kind::Bcrypt;
        s.text = v;
        return s;
    }
    if (!wildcards) {
        s.kind = v.isEmpty() ? Secret::Kind::Never : Secret::Kind::Exact;
        s.text = v;
        return s;
    }
    const auto p = compilePattern(value, why);
    if (!p) return std::nullopt;
    s.kind = p->kind == Pattern::Kind::Any     ? Secret::Kind::Any
             : p->kind == Pattern::Kind::Exact ? Secret::Kind::Exact
                                               : Secret::Kind::Prefix;
    s.text = p->text;
    return s;
}

// ---- topic filters --------------------------------------------------------------------

struct AclFilter {
    QList<QByteArray> levels;
    LedgerAccess access = LedgerAccess::Deny;

    bool grants(bool write) const
    {
        if (access == LedgerAccess::ReadWrite) return true;
        return write ? access == LedgerAccess::WriteOnly : access == LedgerAccess::ReadOnly;
    }

    // Whether every topic matched by `subject` (a topic name, or a subscription filter) is
    // matched by this filter. For a topic name that is plain MQTT matching.
    bool covers(const QList<QByteArray> &subject) const
    {
        for (qsizetype i = 0; i < levels.size(); ++i) {
            const QByteArray &f = levels[i];
            if (f == "#") return true; // also "a/#" covers "a" [MQTT-4.7.1-2]
            if (i >= subject.size()) return false;
            const QByteArray &s = subject[i];
            if (s == "#") return false; // the subject spans levels this filter pins down
            if (f == "+") continue;
            if (s == "+" || f != s) return false;
        }
        return subject.size() == levels.size();
    }
};

bool compileFilter(const QString &text, LedgerAccess access, AclFilter *out, QString *why)
{
    if (text.isEmpty()) {
        *why = u"a topic filter must not be empty"_s;
        return false;
    }
    out->levels = text.toUtf8().split('/');
    out->access = access;
    for (qsizetype i = 0; i < out->levels.size(); ++i) {
        const QByteArray &l = out->levels[i];
        if (l.contains('#') && (l != "#" || i != out->levels.size() - 1)) {
            *why = u"'#' must be the whole last level of a filter"_s;
            return false;
        }
        if (l.contains('+') && l != "+") {
            *why = u"'+' must be a whole level of a filter"_s;
            return false;
        }
    }
    return true;
}

// The filter of a subscription as the ledger checks it: "$share/<group>/<filter>" -> <filter>.
QList<QByteArray> subjectLevels(const QByteArray &topic, bool write)
{
    if (!write && topic.startsWith("$share/")) {
        const qsizetype slash = topic.indexOf('/', 7);
        if (slash > 0) return topic.mid(slash + 1).split('/');
    }
    return topic.split('/');
}

// "host:port" -> host, "[v6]:port" -> v6, "unix:pid=.." -> unix; otherwise unchanged.
QByteArray hostPart(const QByteArray &remote)
{
    if (remote.startsWith('[')) {
        const qsizetype close = remote.indexOf(']');
        if (close > 0) return remote.mid(1, close - 1);
    }
    const qsizetype colon = remote.indexOf(':');
    if (colon > 0 && remote.indexOf(':', colon + 1) < 0) return remote.left(colon);
    return remote;
}

// ---- compiled rules -------------------------------------------------------------------

struct AuthRule {
    Pattern client, username, remote;
    Secret password;
    bool allow = false;
};

struct AclRule {
    Pattern client, username, remote;
    QList<AclFilter> filters;
};

struct User {
    Secret password;
    QList<AclFilter> acl;
    bool disallow = false;
};

bool remoteMatches(const Pattern &p, const QByteArray &remote)
{
    if (p.kind == Pattern::Kind::Any) return true;
    return p.matches(remote) || p.matches(hostPart(remote));
}

// ---- variant reading ------------------------------------------------------------------

QString describeVariant(const QVariant &v)
{
    switch (v.typeId()) {
    case QMetaType::QVariantMap:
        return u"a mapping"_s;
    case QMetaType::QVariantList:
    case QMetaType::QStringList:
        return u"a list"_s;
    default:
        break;
    }
    if (!v.isValid() || v.isNull()) return u"no value"_s;
    return u"\"%1\""_s.arg(v.toString());
}

bool readText(const QVariant &v, QString *out)
{
    if (!v.isValid() || v.isNull()) {
        out->clear();
        return true;
    }
    switch (v.typeId()) {
    case QMetaType::QString:
        *out = v.toString();
        return true;
    case QMetaType::QByteArray:
        *out = QString::fromUtf8(v.toByteArray());
        return true;
    default:
        return false;
    }
}

bool readBool(const QVariant &v, bool *out)
{
    if (!v.isValid() || v.isNull()) {
        *out = false;
        return true;
    }
    if (v.typeId() == QMetaType::Bool) {
        *out = v.toBool();
        return true;
    }
    if (v.typeId() != QMetaType::QString) return false;
    const QString s = v.toString().toLower();
    if (s == u"true" || s == u"yes" || s == u"on" || s == u"y") {
        *out = true;
        return true;
    }
    if (s == u"false" || s == u"no" || s == u"off" || s == u"n") {
        *out = false;
        return true;
    }
    return false;
}

bool readAccess(const QVariant &v, LedgerAccess *out)
{
    qint64 n = -1;
    bool ok = false;
    switch (v.typeId()) {
    case QMetaType::Int:
    case QMetaType::UInt:
    case QMetaType::LongLong:
    case QMetaType::ULongLong:
    case QMetaType::Short:
    case QMetaType::UShort:
    case QMetaType::Char:
    case QMetaType::SChar:
    case QMetaType::UChar:
        n = v.toLongLong(&ok);
        break;
    case QMetaType::QString:
        n = v.toString().trimmed().toLongLong(&ok);
        break;
    default:
        break;
    }
    if (!ok || n < 0 || n > 3) return false;
    *out = LedgerAccess(n);
    return true;
}

QString fieldPath(const QString &base, const QString &field)
{
    return base + u'.' + field;
}

// Reads a mapping of filter -> access.
bool readFilters(const QVariant &v, const QString &path, QList<AclFilter> *out, QString *error)
{
    out->clear();
    if (!v.isValid() || v.isNull()) return true;
    if (v.typeId() != QMetaType::QVariantMap) {
        *error =
            u"%1: expected a mapping of topic filter to access 0..3, got %2"_s.arg(path, describeVariant(v));
        return false;
    }
    const QVariantMap m = v.toMap();
    for (auto it = m.cbegin(); it != m.cend(); ++it) {
        const QString at = u"%1[\"%2\"]"_s.arg(path, it.key());
        LedgerAccess access{};
        if (!readAccess(it.value(), &access)) {
            *error = u"%1: access must be 0 (deny), 1 (read), 2 (write) or 3 (read and write), got %2"_s.arg(
                at, describeVariant(it.value()));
            return false;
        }
        AclFilter f;
        QString why;
        if (!compileFilter(it.key(), access, &f, &why)) {
            *error = u"%1: %2"_s.arg(at, why);
            return false;
        }
        out->append(f);
    }
    return true;
}

bool checkKeys(const QVariantMap &m, const QStringList &allowed, const QString &path, QString *error)
{
    for (auto it = m.cbegin(); it != m.cend(); ++it) {
        if (!allowed.contains(it.key())) {
            *error = u"%1: unknown key \"%2\" (expected one of %3)"_s.arg(path.isEmpty() ? u"ledger"_s : path,
                                                                          it.key(), allowed.join(u", "_s));
            return false;
        }
    }
    return true;
}

bool readPattern(const QVariantMap &m, const QString &key, const QString &path, Pattern *out, QString *error)
{
    QString text;
    if (!readText(m.value(key), &text)) {
        *error = u"%1: expected a string, got %2"_s.arg(fieldPath(path, key), describeVariant(m.value(key)));
        return false;
    }
    QString why;
    const auto p = compilePattern(text, &why);
    if (!p) {
        *error = u"%1: %2"_s.arg(fieldPath(path, key), why);
        return false;
    }
    *out = *p;
    return true;
}

bool readSecret(const QVariantMap &m, const QString &key, const QString &path, bool wildcards, Secret *out,
                QString *error)
{
    QString text;
    if (!readText(m.value(key), &text)) {
        *error = u"%1: expected a string, got %2"_s.arg(fieldPath(path, key), describeVariant(m.value(key)));
        return false;
    }
    QString why;
    const auto s = compileSecret(text, wildcards, &why);
    if (!s) {
        *error = u"%1: %2"_s.arg(fieldPath(path, key), why);
        return false;
    }
    *out = *s;
    return true;
}

// ---- YAML (and JSON, which yaml-cpp reads as YAML flow syntax) -> QVariant -------------

// Every scalar becomes its text (see the header: files are read as text).
QVariant yamlToVariant(const YAML::Node &node, const QString &path)
{
    switch (node.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
        return {};
    case YAML::NodeType::Scalar:
        return QString::fromStdString(node.Scalar());
    case YAML::NodeType::Sequence: {
        QVariantList list;
        int i = 0;
        for (const YAML::Node &item : node)
            list.append(yamlToVariant(item, u"%1[%2]"_s.arg(path).arg(i++)));
        return list;
    }
    case YAML::NodeType::Map: {
        QVariantMap map;
        for (auto it = node.begin(); it != node.end(); ++it) {
            if (!it->first.IsScalar()) {
                throw std::runtime_error(u"%1 (line %2): a key must be a plain value"_s.arg(path)
                                             .arg(it->first.Mark().line + 1)
                                             .toStdString());
            }
            const QString key = QString::fromStdString(it->first.Scalar());
            if (map.contains(key)) {
                throw std::runtime_error(
                    u"%1 (line %2): duplicate key \"%3\""_s.arg(path.isEmpty() ? u"ledger"_s : path)
                        .arg(it->first.Mark().line + 1)
                        .arg(key)
                        .toStdString());
            }
            map.insert(key, yamlToVariant(it->second, path.isEmpty() ? key : path + u'.' + key));
        }
        return map;
    }
    }
    return {};
}

QByteArray randomBytes(int n)
{
    QByteArray b(n, Qt::Uninitialized);
    QRandomGenerator::system()->generate(b.begin(), b.end());
    return b;
}

} // namespace

// ---- LedgerHook -----------------------------------------------------------------------

static std::atomic<quint64> g_generation{0};

struct LedgerHook::Data {
    // Changes with every change of the rules (and differs between hooks): keys ConnectMemo.
    quint64 generation = ++g_generation;
    QList<AuthRule> auth;
    QList<AclRule> acl;
    QHash<QByteArray, User> users;

    bool load(const QVariantMap &ledger, QString *error);
};

bool LedgerHook::Data::load(const QVariantMap &ledger, QString *error)
{
    if (!checkKeys(ledger, {u"users"_s, u"auth"_s, u"acl"_s}, {}, error)) return false;

    const auto ruleList = [&](const QString &name, QVariantList *out) {
        const QVariant v = ledger.value(name);
        if (!v.isValid() || v.isNull()) return true;
        if (v.typeId() != QMetaType::QVariantList) {
            *error = u"%1: expected a list of rules, got %2"_s.arg(name, describeVariant(v));
            return false;
        }
        *out = v.toList();
        return true;
    };

    QVariantList authList;
    QVariantList aclList;
    if (!ruleList(u"auth"_s, &authList) || !ruleList(u"acl"_s, &aclList)) return false;

    for (qsizetype i = 0; i < authList.size(); ++i) {
        const QString path = u"auth[%1]"_s.arg(i);
        if (authList[i].typeId() != QMetaType::QVariantMap) {
            *error = u"%1: expected a rule mapping, got %2"_s.arg(path, describeVariant(authList[i]));
            return false;
        }
        const QVariantMap m = authList[i].toMap();
        if (!checkKeys(m, {u"client"_s, u"username"_s, u"remote"_s, u"password"_s, u"allow"_s}, path, error))
            return false;
        AuthRule r;
        if (!readPattern(m, u"client"_s, path, &r.client, error) ||
            !readPattern(m, u"username"_s, path, &r.username, error) ||
            !readPattern(m, u"remote"_s, path, &r.remote, error) ||
            !readSecret(m, u"password"_s, path, true, &r.password, error)) {
            return false;
        }
        if (!readBool(m.value(u"allow"_s), &r.allow)) {
            *error = u"%1: expected true or false, got %2"_s.arg(fieldPath(path, u"allow"_s),
                                                                 describeVariant(m.value(u"allow"_s)));
            return false;
        }
        auth.append(r);
    }

    for (qsizetype i = 0; i < aclList.size(); ++i) {
        const QString path = u"acl[%1]"_s.arg(i);
        if (aclList[i].typeId() != QMetaType::QVariantMap) {
            *error = u"%1: expected a rule mapping, got %2"_s.arg(path, describeVariant(aclList[i]));
            return false;
        }
        const QVariantMap m = aclList[i].toMap();
        if (!checkKeys(m, {u"client"_s, u"username"_s, u"remote"_s, u"filters"_s}, path, error)) return false;
        AclRule r;
        if (!readPattern(m, u"client"_s, path, &r.client, error) ||
            !readPattern(m, u"username"_s, path, &r.username, error) ||
            !readPattern(m, u"remote"_s, path, &r.remote, error) ||
            !readFilters(m.value(u"filters"_s), fieldPath(path, u"filters"_s), &r.filters, error)) {
            return false;
        }
        acl.append(r);
    }

    const QVariant usersValue = ledger.value(u"users"_s);
    if (usersValue.isValid() && !usersValue.isNull()) {
        if (usersValue.typeId() != QMetaType::QVariantMap) {
            *error =
                u"users: expected a mapping of username to user, got %1"_s.arg(describeVariant(usersValue));
            return false;
        }
        const QVariantMap um = usersValue.toMap();
        for (auto it = um.cbegin(); it != um.cend(); ++it) {
            const QString path = u"users[%1]"_s.arg(it.key());
            QVariantMap m;
            if (it.value().typeId() == QMetaType::QVariantMap) {
                m = it.value().toMap();
            } else if (it.value().isValid() && !it.value().isNull()) {
                *error = u"%1: expected a user mapping, got %2"_s.arg(path, describeVariant(it.value()));
                return false;
            }
            if (!checkKeys(m, {u"username"_s, u"password"_s, u"acl"_s, u"disallow"_s}, path, error))
                return false;
            QString ignoredName; // Mochi keeps `username` but looks users up by the map key
            if (!readText(m.value(u"username"_s), &ignoredName)) {
                *error = u"%1: expected a string, got %2"_s.arg(fieldPath(path, u"username"_s),
                                                                describeVariant(m.value(u"username"_s)));
                return false;
            }
            User u;
            if (!readSecret(m, u"password"_s, path, false, &u.password, error) ||
                !readFilters(m.value(u"acl"_s), fieldPath(path, u"acl"_s), &u.acl, error)) {
                return false;
            }
            if (!readBool(m.value(u"disallow"_s), &u.disallow)) {
                *error = u"%1: expected true or false, got %2"_s.arg(fieldPath(path, u"disallow"_s),
                                                                     describeVariant(m.value(u"disallow"_s)));
                return false;
            }
            users.insert(it.key().toUtf8(), u);
        }
    }
    return true;
}

LedgerHook::LedgerHook() : d(std::make_unique<Data>()) {}

LedgerHook::~LedgerHook() = default;

bool LedgerHook::init(const QVariantMap &config, QString *error)
{
    QString local;
    QString *err = error ? error : &local;
    bool ok = true;
    if (config.contains(u"path"_s)) {
        if (config.size() != 1) {
            *err = u"ledger: \"path\" loads the rules from a file and cannot be combined with inline rules"_s;
            return false;
        }
        QString path;
        if (!readText(config.value(u"path"_s), &path) || path.isEmpty()) {
            *err = u"ledger.path: expected a file name"_s;
            return false;
        }
        ok = loadFromFile(path, err);
    } else if (!config.isEmpty()) {
        ok = loadFromVariant(config, err);
    }
    if (ok) {
        qCInfo(lcLedger).noquote() << "loaded auth rules: authentication" << d->auth.size() << "acl"
                                   << d->acl.size() << "users" << d->users.size();
    }
    return ok;
}

bool LedgerHook::loadFromVariant(const QVariantMap &ledger, QString *error)
{
    QString local;
    Data fresh;
    if (!fresh.load(ledger, error ? error : &local)) return false;
    *d = std::move(fresh);
    return true;
}

bool LedgerHook::loadFromData(const QByteArray &data, QString *error)
{
    QString local;
    QString *err = error ? error : &local;
    QVariant tree;
    try {
        const YAML::Node root = YAML::Load(data.toStdString());
        tree = yamlToVariant(root, {});
    } catch (const YAML::Exception &e) {
        *err = u"line %1, column %2: %3"_s.arg(e.mark.line + 1)
                   .arg(e.mark.column + 1)
                   .arg(QString::fromStdString(e.msg));
        return false;
    } catch (const std::exception &e) {
        *err = QString::fromStdString(e.what());
        return false;
    } catch (...) {
        *err = u"the ledger could not be parsed"_s;
        return false;
    }
    if (!tree.isValid()) return loadFromVariant({}, err); // an empty file: an empty ledger
    if (tree.typeId() != QMetaType::QVariantMap) {
        *err = u"expected a mapping with users, auth and acl, got %1"_s.arg(describeVariant(tree));
        return false;
    }
    return loadFromVariant(tree.toMap(), err);
}

bool LedgerHook::loadFromFile(const QString &path, QString *error)
{
    QString local;
    QString *err = error ? error : &local;
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        *err = u"%1: %2"_s.arg(path, file.errorString());
        return false;
    }
    if (!loadFromData(file.readAll(), err)) {
        *err = u"%1: %2"_s.arg(path, *err);
        return false;
    }
    return true;
}

bool LedgerHook::addAuthRule(const LedgerAuthRule &rule, QString *error)
{
    QString local;
    QString *err = error ? error : &local;
    const QString path = u"auth[%1]"_s.arg(d->auth.size());
    QVariantMap m{{u"client"_s, rule.client},
                  {u"username"_s, rule.username},
                  {u"remote"_s, rule.remote},
                  {u"password"_s, rule.password}};
    AuthRule r;
    if (!readPattern(m, u"client"_s, path, &r.client, err) ||
        !readPattern(m, u"username"_s, path, &r.username, err) ||
        !readPattern(m, u"remote"_s, path, &r.remote, err) ||
        !readSecret(m, u"password"_s, path, true, &r.password, err)) {
        return false;
    }
    r.allow = rule.allow;
    d->auth.append(r);
    d->generation = ++g_generation;
    return true;
}

bool LedgerHook::addAclRule(const LedgerAclRule &rule, QString *error)
{
    QString local;
    QString *err = error ? error : &local;
    const QString path = u"acl[%1]"_s.arg(d->acl.size());
    QVariantMap m{{u"client"_s, rule.client}, {u"username"_s, rule.username}, {u"remote"_s, rule.remote}};
    AclRule r;
    if (!readPattern(m, u"client"_s, path, &r.client, err) ||
        !readPattern(m, u"username"_s, path, &r.username, err) ||
        !readPattern(m, u"remote"_s, path, &r.remote, err)) {
        return false;
    }
    for (const auto &[text, access] : rule.filters) {
        AclFilter f;
        QString why;
        if (!compileFilter(text, access, &f, &why)) {
            *err = u"%1.filters[\"%2\"]: %3"_s.arg(path, text, why);
            return false;
        }
        r.filters.append(f);
    }
    d->acl.append(r);
    d->generation = ++g_generation;
    return true;
}

bool LedgerHook::addUser(const QString &username, const LedgerUser &user, QString *error)
{
    QString local;
    QString *err = error ? error : &local;
    const QString path = u"users[%1]"_s.arg(username);
    User u;
    if (!readSecret({{u"password"_s, user.password}}, u"password"_s, path, false, &u.password, err))
        return false;
    for (const auto &[text, access] : user.acl) {
        AclFilter f;
        QString why;
        if (!compileFilter(text, access, &f, &why)) {
            *err = u"%1.acl[\"%2\"]: %3"_s.arg(path, text, why);
            return false;
        }
        u.acl.append(f);
    }
    u.disallow = user.disallow;
    d->users.insert(username.toUtf8(), u);
    d->generation = ++g_generation;
    return true;
}

void LedgerHook::clear()
{
    *d = Data();
}

qsizetype LedgerHook::authRuleCount() const
{
    return d->auth.size();
}

qsizetype LedgerHook::aclRuleCount() const
{
    return d->acl.size();
}

qsizetype LedgerHook::userCount() const
{
    return d->users.size();
}

LedgerHook::Decision LedgerHook::checkAuth(const ClientInfo &client, const QByteArray &password) const
{
    using By = Decision::By;
    if (const auto it = d->users.constFind(client.username); it != d->users.cend()) {
        if (it->password.matches(password)) return {!it->disallow, By::User, -1};
    }
    const QByteArray remote = client.remoteAddress.toUtf8();
    for (qsizetype i = 0; i < d->auth.size(); ++i) {
        const AuthRule &r = d->auth[i];
        if (r.client.matches(client.clientId) && r.username.matches(client.username) &&
            r.password.matches(password) && remoteMatches(r.remote, remote)) {
            return {r.allow, By::Rule, int(i)};
        }
    }
    return {false, By::Default, -1};
}

LedgerHook::Decision LedgerHook::checkAcl(const ClientInfo &client, const QByteArray &topic, bool write) const
{
    using By = Decision::By;
    const QList<QByteArray> subject = subjectLevels(topic, write);
    if (const auto it = d->users.constFind(client.username); it != d->users.cend() && !it->acl.isEmpty()) {
        bool matched = false;
        for (const AclFilter &f : it->acl) {
            if (!f.covers(subject)) continue;
            if (f.grants(write)) return {true, By::User, -1};
            matched = true;
        }
        if (matched) return {false, By::User, -1};
    }
    const QByteArray remote = client.remoteAddress.toUtf8();
    for (qsizetype i = 0; i < d->acl.size(); ++i) {
        const AclRule &r = d->acl[i];
        if (!r.client.matches(client.clientId) || !r.username.matches(client.username) ||
            !remoteMatches(r.remote, remote)) {
            continue;
        }
        if (r.filters.isEmpty()) return {true, By::Rule, int(i)};
        bool matched = false;
        for (const AclFilter &f : r.filters) {
            if (!f.covers(subject)) continue;
            if (f.grants(write)) return {true, By::Rule, int(i)};
            matched = true;
        }
        if (matched) return {false, By::Rule, int(i)};
    }
    return {true, By::Default, -1};
}

namespace {

// The last decision of onConnect on this thread, for onConnectAuthenticate of the same
// CONNECT. Keyed by every input of checkAuth, so a stale slot can never give a wrong answer.
struct ConnectMemo {
    quint64 generation = 0; // LedgerHook::Data::generation
    QByteArray clientId;
    QByteArray username;
    QString remote;
    QByteArray passwordDigest;
    LedgerHook::Decision decision;
};
thread_local ConnectMemo t_memo;

QByteArray digest(const QByteArray &password)
{
    return QCryptographicHash::hash(password, QCryptographicHash::Sha256);
}

} // namespace

packets::Error LedgerHook::onConnect(const ClientInfo &client, const packets::Connect &connect)
{
    const Decision decision = checkAuth(client, connect.password);
    t_memo = {d->generation,        client.clientId,          client.username,
              client.remoteAddress, digest(connect.password), decision};
    if (!decision.allowed && decision.by != Decision::By::Default) {
        qCInfo(lcLedger).noquote() << "client refused by"
                                   << (decision.by == Decision::By::User
                                           ? u"a disallowed user"_s
                                           : u"auth rule %1"_s.arg(decision.rule))
                                   << "username" << QString::fromUtf8(client.username) << "remote"
                                   << client.remoteAddress;
        return {packets::ReasonCode::NotAuthorized, "refused by the auth ledger"};
    }
    return {};
}

bool LedgerHook::onConnectAuthenticate(const ClientInfo &client, const packets::Connect &connect)
{
    std::optional<Decision> memo;
    if (t_memo.generation == d->generation && t_memo.clientId == client.clientId &&
        t_memo.username == client.username && t_memo.remote == client.remoteAddress &&
        t_memo.passwordDigest == digest(connect.password)) {
        memo = t_memo.decision;
    }
    t_memo = {};
    if ((memo ? *memo : checkAuth(client, connect.password)).allowed) return true;
    qCInfo(lcLedger).noquote() << "client failed authentication check: username"
                               << QString::fromUtf8(client.username) << "remote" << client.remoteAddress;
    return false;
}

bool LedgerHook::onACLCheck(const ClientInfo &client, const QByteArray &topic, bool write)
{
    if (checkAcl(client, topic, write).allowed) return true;
    qCDebug(lcLedger).noquote() << "client failed ACL check: client" << QString::fromUtf8(client.clientId)
                                << "username" << QString::fromUtf8(client.username) << "topic"
                                << QString::fromUtf8(topic) << (write ? "write" : "read");
    return false;
}

QString LedgerHook::hashPbkdf2Sha256(const QByteArray &password, int iterations, const QByteArray &salt)
{
    if (iterations < 1) return {};
    const QByteArray s = salt.isEmpty() ? randomBytes(16) : salt;
    const QByteArray key =
        QPasswordDigestor::deriveKeyPbkdf2(QCryptographicHash::Sha256, password, s, iterations, 32);
    return u"pbkdf2-sha256$%1$%2$%3"_s.arg(iterations)
        .arg(QString::fromLatin1(s.toBase64()), QString::fromLatin1(key.toBase64()));
}

QString LedgerHook::hashSha256(const QByteArray &password, const QByteArray &salt)
{
    const QByteArray s = salt.isEmpty() ? randomBytes(12).toBase64() : salt;
    if (s.contains('$')) return {};
    return u"sha256$%1$%2"_s.arg(
        QString::fromUtf8(s),
        QString::fromLatin1(QCryptographicHash::hash(s + password, QCryptographicHash::Sha256).toHex()));
}

QString LedgerHook::hashBcrypt(const QByteArray &password, int cost, const QByteArray &salt16)
{
    return QString::fromLatin1(bcrypt::hash(password, cost, salt16.isEmpty() ? randomBytes(16) : salt16));
}

} // namespace petrel
