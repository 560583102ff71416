// The SQL of the storage hook, per database. Everything specific to one database (DDL
// types, pragmas, upsert syntax, error classification) lives in that database's dialect
// file; the storage hook itself only prepares these statements and binds values with
// positional placeholders, which every Qt Sql driver supports.
#pragma once

#include <QString>
#include <QStringList>

namespace petrel::storage {

struct SqlDialect {
    QString driver; // Qt Sql driver name, e.g. "QSQLITE"

    // Statements run once after the connection opens. `sync`: every commit durable.
    QStringList (*openStatements)(bool sync, int maxPageCount) = nullptr;
    // A statement that fails on a file that is not a database of this kind or is damaged,
    // and the value it returns when all is well (empty: any result is fine).
    QString integrityCheck;
    QString integrityOk;

    // Schema: the version this build writes, and the statements that bring a database of
    // version `to - 1` to version `to` (to == 1 creates everything from nothing).
    int schemaVersion = 0;
    QStringList (*migration)(int to) = nullptr;
    QString createVersionTable; // schema_version(version)
    QString selectVersion;
    QString insertVersion; // (version)
    QString updateVersion; // (version)
    QString countTables;   // number of user tables (0 = a new, empty database)

    // Rows. Parameters in the order of the column lists in the dialect file.
    QString upsertClient, deleteClient, selectClients;
    QString upsertSubscription, deleteSubscription, deleteClientSubscriptions, selectSubscriptions;
    QString upsertMessage, updateMessageState, deleteMessage, deleteClientMessages, selectMessages;
    QString insertInbound, deleteInbound, deleteClientInbound, selectInbound;
    QString upsertRetained, deleteRetained, selectRetained;
    QString upsertSysInfo, selectSysInfo;

    // Whether a driver error text means the database is full / locked / read-only
    // (for clearer messages).
    bool (*isFull)(const QString &error) = nullptr;
    bool (*isLocked)(const QString &error) = nullptr;
    bool (*isReadOnly)(const QString &error) = nullptr;
};

// SQLite (QSQLITE): WAL journal, NORMAL or FULL synchronous, one exclusive writer.
const SqlDialect &sqliteDialect();

} // namespace petrel::storage
