// SQLite's SQL for the storage hook: the only file with SQLite-specific statements.
#include "sqldialect.h"

namespace petrel::storage {

namespace {

QStringList sqliteOpen(bool sync, int maxPageCount)
{
    QStringList s;
    // One broker per database file: the lock is taken at the first write (at start) and
    // kept, so a second process gets "database is locked" at once instead of sharing.
    s << QStringLiteral("PRAGMA locking_mode=EXCLUSIVE");
    s << QStringLiteral("PRAGMA busy_timeout=0");
    s << QStringLiteral("PRAGMA journal_mode=WAL");
    // WAL + NORMAL: a commit survives a crash of the process (not of the machine); FULL
    // syncs the WAL on every commit, surviving power loss.
    s << (sync ? QStringLiteral("PRAGMA synchronous=FULL") : QStringLiteral("PRAGMA synchronous=NORMAL"));
    s << QStringLiteral("PRAGMA foreign_keys=OFF");
    if (maxPageCount > 0) s << QStringLiteral("PRAGMA max_page_count=%1").arg(maxPageCount);
    return s;
}

// Version 1: the first schema (Petrel 0.x before message/retained expiry, subscription
// identifiers and $SYS counters were kept). Version 2 adds them.
QStringList sqliteMigration(int to)
{
    switch (to) {
    case 1:
        return {
            QStringLiteral(
                "CREATE TABLE clients (client_id BLOB PRIMARY KEY, username BLOB, protocol INTEGER "
                "NOT NULL, expiry INTEGER NOT NULL, disconnected_at INTEGER NOT NULL, will_publish "
                "BLOB, will_delay INTEGER NOT NULL DEFAULT 0)"),
            QStringLiteral(
                "CREATE TABLE subscriptions (client_id BLOB NOT NULL, filter BLOB NOT NULL, qos "
                "INTEGER NOT NULL, no_local INTEGER NOT NULL, retain_as_published INTEGER NOT NULL, "
                "retain_handling INTEGER NOT NULL, PRIMARY KEY (client_id, filter))"),
            QStringLiteral("CREATE TABLE messages (client_id BLOB NOT NULL, seq INTEGER NOT NULL, packet_id "
                           "INTEGER NOT NULL, awaiting_pubcomp INTEGER NOT NULL, qos INTEGER NOT NULL, "
                           "retain_flag INTEGER NOT NULL, subscription_ids TEXT NOT NULL, publish BLOB NOT "
                           "NULL, created_at INTEGER NOT NULL, PRIMARY KEY (client_id, seq))"),
            QStringLiteral("CREATE TABLE inbound_qos2 (client_id BLOB NOT NULL, packet_id INTEGER NOT NULL, "
                           "PRIMARY KEY (client_id, packet_id))"),
            QStringLiteral("CREATE TABLE retained (topic BLOB PRIMARY KEY, publish BLOB NOT NULL, created_at "
                           "INTEGER NOT NULL)"),
        };
    case 2:
        return {
            QStringLiteral("ALTER TABLE subscriptions ADD COLUMN identifier INTEGER NOT NULL DEFAULT 0"),
            QStringLiteral("ALTER TABLE messages ADD COLUMN expires_at INTEGER NOT NULL DEFAULT 0"),
            QStringLiteral("ALTER TABLE retained ADD COLUMN expires_at INTEGER NOT NULL DEFAULT 0"),
            QStringLiteral("CREATE TABLE sysinfo (id INTEGER PRIMARY KEY, started_at INTEGER NOT NULL, "
                           "messages_received INTEGER NOT NULL, messages_sent INTEGER NOT NULL, "
                           "messages_dropped INTEGER NOT NULL, bytes_received INTEGER NOT NULL, bytes_sent "
                           "INTEGER NOT NULL, clients_maximum INTEGER NOT NULL)"),
        };
    default:
        return {};
    }
}

bool contains(const QString &error, const char *what)
{
    return error.contains(QLatin1String(what), Qt::CaseInsensitive);
}

SqlDialect makeSqlite()
{
    SqlDialect d;
    d.driver = QStringLiteral("QSQLITE");
    d.openStatements = sqliteOpen;
    d.integrityCheck = QStringLiteral("PRAGMA quick_check");
    d.integrityOk = QStringLiteral("ok");
    d.schemaVersion = 2;
    d.migration = sqliteMigration;
    d.createVersionTable =
        QStringLiteral("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)");
    d.selectVersion = QStringLiteral("SELECT version FROM schema_version");
    d.insertVersion = QStringLiteral("INSERT INTO schema_version (version) VALUES (?)");
    d.updateVersion = QStringLiteral("UPDATE schema_version SET version = ?");
    d.countTables = QStringLiteral("SELECT count(*) FROM sqlite_master WHERE type = 'table'");

    d.upsertClient = QStringLiteral(
        "INSERT INTO clients (client_id, username, protocol, expiry, disconnected_at, will_publish, "
        "will_delay) "
        "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (client_id) DO UPDATE SET username = excluded.username, "
        "protocol = excluded.protocol, expiry = excluded.expiry, disconnected_at = excluded.disconnected_at, "
        "will_publish = excluded.will_publish, will_delay = excluded.will_delay");
    d.deleteClient = QStringLiteral("DELETE FROM clients WHERE client_id = ?");
    d.selectClients = QStringLiteral("SELECT client_id, username, protocol, expiry, disconnected_at, "
                                     "will_publish, will_delay FROM clients");

    d.upsertSubscription = QStringLiteral(
        "INSERT INTO subscriptions (client_id, filter, qos, no_local, retain_as_published, retain_handling, "
        "identifier) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (client_id, filter) DO UPDATE SET qos = "
        "excluded.qos, "
        "no_local = excluded.no_local, retain_as_published = excluded.retain_as_published, retain_handling = "
        "excluded.retain_handling, identifier = excluded.identifier");
    d.deleteSubscription = QStringLiteral("DELETE FROM subscriptions WHERE client_id = ? AND filter = ?");
    d.deleteClientSubscriptions = QStringLiteral("DELETE FROM subscriptions WHERE client_id = ?");
    d.selectSubscriptions = QStringLiteral(
        "SELECT client_id, filter, qos, no_local, retain_as_published, retain_handling, identifier FROM "
        "subscriptions");

    d.upsertMessage = QStringLiteral(
        "INSERT INTO messages (client_id, seq, packet_id, awaiting_pubcomp, qos, retain_flag, "
        "subscription_ids, "
        "publish, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (client_id, seq) "
        "DO "
        "UPDATE SET packet_id = excluded.packet_id, awaiting_pubcomp = excluded.awaiting_pubcomp");
    d.updateMessageState = QStringLiteral(
        "UPDATE messages SET packet_id = ?, awaiting_pubcomp = ? WHERE client_id = ? AND seq = ?");
    d.deleteMessage = QStringLiteral("DELETE FROM messages WHERE client_id = ? AND seq = ?");
    d.deleteClientMessages = QStringLiteral("DELETE FROM messages WHERE client_id = ?");
    d.selectMessages = QStringLiteral(
        "SELECT client_id, seq, packet_id, awaiting_pubcomp, qos, retain_flag, subscription_ids, publish, "
        "created_at, expires_at FROM messages ORDER BY seq");

    d.insertInbound = QStringLiteral(
        "INSERT INTO inbound_qos2 (client_id, packet_id) VALUES (?, ?) ON CONFLICT (client_id, packet_id) DO "
        "NOTHING");
    d.deleteInbound = QStringLiteral("DELETE FROM inbound_qos2 WHERE client_id = ? AND packet_id = ?");
    d.deleteClientInbound = QStringLiteral("DELETE FROM inbound_qos2 WHERE client_id = ?");
    d.selectInbound = QStringLiteral("SELECT client_id, packet_id FROM inbound_qos2");

    d.upsertRetained = QStringLiteral(
        "INSERT INTO retained (topic, publish, created_at, expires_at) VALUES (?, ?, ?, ?) ON CONFLICT "
        "(topic) DO "
        "UPDATE SET publish = excluded.publish, created_at = excluded.created_at, expires_at = "
        "excluded.expires_at");
    d.deleteRetained = QStringLiteral("DELETE FROM retained WHERE topic = ?");
    d.selectRetained = QStringLiteral("SELECT topic, publish, created_at, expires_at FROM retained");

    d.upsertSysInfo = QStringLiteral(
        "INSERT INTO sysinfo (id, started_at, messages_received, messages_sent, messages_dropped, "
        "bytes_received, "
        "bytes_sent, clients_maximum) VALUES (1, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET "
        "started_at = "
        "excluded.started_at, messages_received = excluded.messages_received, messages_sent = "
        "excluded.messages_sent, messages_dropped = excluded.messages_dropped, bytes_received = "
        "excluded.bytes_received, bytes_sent = excluded.bytes_sent, clients_maximum = "
        "excluded.clients_maximum");
    d.selectSysInfo = QStringLiteral(
        "SELECT started_at, messages_received, messages_sent, messages_dropped, bytes_received, bytes_sent, "
        "clients_maximum FROM sysinfo WHERE id = 1");

    d.isFull = [](const QString &e) { return contains(e, "full"); };
    d.isLocked = [](const QString &e) { return contains(e, "locked") || contains(e, "busy"); };
    d.isReadOnly = [](const QString &e) { return contains(e, "readonly") || contains(e, "read-only"); };
    return d;
}

} // namespace

const SqlDialect &sqliteDialect()
{
    static const SqlDialect d = makeSqlite();
    return d;
}

} // namespace petrel::storage
