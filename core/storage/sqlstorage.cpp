#include "sqlstorage.h"
#include "storedcodec.h"

#include "broker/broker.h"
#include "packets/codec.h"

#include <QDateTime>
#include <QDir>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QHash>
#include <QLoggingCategory>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QVariant>

#include <algorithm>

Q_LOGGING_CATEGORY(lcStorage, "petrel.storage")

namespace petrel::storage {

using namespace packets;

namespace {

constexpr std::size_t kWakeBatch = 4096;      // batched mode: commit early past this many changes
constexpr std::size_t kMaxRetained = 1000000; // changes kept for retry after failed commits
std::atomic<int> g_connectionCounter{0};

QString joinIds(const QList<std::uint32_t> &ids)
{
    QStringList s;
    for (std::uint32_t id : ids)
        s << QString::number(id);
    if (s.isEmpty()) return QStringLiteral(""); // not NULL
    return s.join(QLatin1Char(','));
}

QList<std::uint32_t> splitIds(const QString &text)
{
    QList<std::uint32_t> ids;
    for (const QString &part : text.split(QLatin1Char(','), Qt::SkipEmptyParts)) {
        bool ok = false;
        const uint v = part.toUInt(&ok);
        if (ok && v) ids.append(v);
    }
    return ids;
}

QVariant blob(const QByteArray &b)
{
    return QVariant(b.isNull() ? QByteArray("") : b);
}

} // namespace

SqlStorageHook::SqlStorageHook(const SqlDialect &dialect) : m_dialect(dialect) {}

SqlStorageHook::~SqlStorageHook()
{
    stop();
}

bool SqlStorageHook::init(const QVariantMap &config, QString *error)
{
    const auto fail = [&](const QString &why) {
        if (error) *error = why;
        return false;
    };
    if (m_thread.joinable()) return fail(QStringLiteral("already initialised"));
    QString path = config.value(QStringLiteral("path")).toString();
    if (path.isEmpty()) path = QStringLiteral("petrel.db");
    const QString dataDir = config.value(QStringLiteral("data_dir")).toString();
    if (QDir::isRelativePath(path) && !dataDir.isEmpty()) path = QDir(dataDir).filePath(path);
    m_path = QFileInfo(path).absoluteFilePath();
    const QString mode = config.value(QStringLiteral("mode"), QStringLiteral("batched")).toString().toLower();
    if (mode != QLatin1String("batched") && mode != QLatin1String("sync"))
        return fail(QStringLiteral("mode must be batched or sync, not \"%1\"").arg(mode));
    m_sync = mode == QLatin1String("sync");
    if (config.contains(QStringLiteral("flush_ms"))) {
        bool ok = false;
        m_flushMs = config.value(QStringLiteral("flush_ms")).toInt(&ok);
        if (!ok || m_flushMs < 1 || m_flushMs > 3600 * 1000)
            return fail(QStringLiteral("flush_ms must be 1 to 3600000"));
    }
    m_maxPageCount = config.value(QStringLiteral("max_page_count"), 0).toInt();
    if (!QSqlDatabase::isDriverAvailable(m_dialect.driver))
        return fail(QStringLiteral("the Qt Sql driver %1 is not installed (Debian: libqt6sql6-sqlite)")
                        .arg(m_dialect.driver));
    const QFileInfo info(m_path);
    if (!QDir().mkpath(info.absolutePath()))
        return fail(QStringLiteral("%1: cannot create the directory %2").arg(m_path, info.absolutePath()));
    if (info.exists() && !info.isWritable())
        return fail(QStringLiteral("%1: the database file is read-only").arg(m_path));
    if (!QFileInfo(info.absolutePath()).isWritable())
        return fail(
            QStringLiteral("%1: the directory is read-only (SQLite needs to create its journal there)")
                .arg(m_path));

    m_connectionName = QStringLiteral("petrel-storage-%1").arg(g_connectionCounter.fetch_add(1));
    m_thread = std::thread([this] { run(); });
    std::unique_lock lock(m_lock);
    m_done.wait(lock, [this] { return m_opened || !m_openError.isEmpty(); });
    if (!m_opened) {
        const QString why = m_openError;
        lock.unlock();
        m_thread.join();
        return fail(why);
    }
    qCInfo(lcStorage).noquote() << "storage" << m_path << "mode" << mode
                                << (m_sync ? QString() : QStringLiteral("flush %1 ms").arg(m_flushMs));
    return true;
}

void SqlStorageHook::stop()
{
    {
        std::lock_guard lock(m_lock);
        if (!m_thread.joinable()) return;
        m_stopping = true;
    }
    m_wake.notify_all();
    m_thread.join();
}

void SqlStorageHook::setDurableCallback(std::function<void(std::uint64_t)> fn)
{
    std::lock_guard lock(m_callbackLock);
    m_callback = std::move(fn);
}

void SqlStorageHook::flush()
{
    std::unique_lock lock(m_lock);
    if (!m_thread.joinable() || m_stopping) return;
    const std::uint64_t target = m_written.load();
    m_flushRequested = true;
    m_wake.notify_all();
    m_done.wait(lock, [&] { return m_finished >= target || !m_thread.joinable(); });
}

// ---- events (worker threads) --------------------------------------------------------------

bool SqlStorageHook::admit(Op &)
{
    m_written.fetch_add(1);
    return true;
}

void SqlStorageHook::appended(std::size_t before, std::size_t after)
{
    // Sync mode: write now. Batched mode: early when the batch grows past kWakeBatch.
    if (m_sync || (before < kWakeBatch && after >= kWakeBatch)) m_wake.notify_one();
}

void SqlStorageHook::onStopped()
{
    flush();
}

// ---- loaders (the broker's thread, at start) ---------------------------------------------

void SqlStorageHook::loadOnThread()
{
    // Called on the storage thread with no lock held.
    Loaded l;
    QSqlDatabase db = QSqlDatabase::database(m_connectionName, false);
    QSqlQuery q(db);
    const auto fail = [&](const QSqlQuery &query) {
        l.error = describe(query.lastError().text());
        qCWarning(lcStorage).noquote() << "loading" << m_path << "failed:" << l.error;
    };
    if (!q.exec(m_dialect.selectClients)) {
        fail(q);
    } else {
        while (q.next()) {
            StoredClient c;
            c.clientId = q.value(0).toByteArray();
            c.username = q.value(1).toByteArray();
            c.version = ProtocolVersion(q.value(2).toInt());
            c.sessionExpiryInterval = std::uint32_t(q.value(3).toLongLong());
            c.disconnectedAtMs = q.value(4).toLongLong();
            const int delay = q.value(6).toInt();
            c.hasWill = decodeWill(q.value(5).toByteArray(), std::uint32_t(qMax(0, delay)), c.will);
            l.clients.append(c);
        }
    }
    if (q.exec(m_dialect.selectSubscriptions)) {
        while (q.next()) {
            StoredSubscription s;
            s.clientId = q.value(0).toByteArray();
            s.filter = q.value(1).toByteArray();
            s.options.qos = std::uint8_t(q.value(2).toInt());
            s.options.noLocal = q.value(3).toBool();
            s.options.retainAsPublished = q.value(4).toBool();
            s.options.retainHandling = std::uint8_t(q.value(5).toInt());
            s.identifier = std::uint32_t(q.value(6).toLongLong());
            l.subscriptions.append(s);
        }
    } else {
        fail(q);
    }
    if (q.exec(m_dialect.selectMessages)) {
        while (q.next()) {
            StoredMessage m;
            m.clientId = q.value(0).toByteArray();
            m.sequence = q.value(1).toULongLong();
            m.packetId = std::uint16_t(q.value(2).toInt());
            m.kind = m.packetId ? StoredMessage::Kind::InflightOut : StoredMessage::Kind::QueuedOut;
            m.awaitingPubcomp = q.value(3).toBool();
            m.qos = std::uint8_t(q.value(4).toInt());
            m.retainFlag = q.value(5).toBool();
            m.subscriptionIds = splitIds(q.value(6).toString());
            if (!decodeMessage(q.value(7).toByteArray(), m.publish)) {
                qCWarning(lcStorage).noquote()
                    << m_path << ": a stored message of" << m.clientId << "cannot be decoded; skipped";
                continue;
            }
            m.createdAtMs = q.value(8).toLongLong();
            m.expiresAtMs = q.value(9).toLongLong();
            l.messages.append(std::move(m));
        }
    } else {
        fail(q);
    }
    if (q.exec(m_dialect.selectInbound)) {
        while (q.next()) {
            StoredMessage m;
            m.kind = StoredMessage::Kind::InboundQos2;
            m.clientId = q.value(0).toByteArray();
            m.packetId = std::uint16_t(q.value(1).toInt());
            l.messages.append(std::move(m));
        }
    } else {
        fail(q);
    }
    if (q.exec(m_dialect.selectRetained)) {
        while (q.next()) {
            StoredMessage m;
            m.kind = StoredMessage::Kind::Retained;
            if (!decodeMessage(q.value(1).toByteArray(), m.publish)) continue;
            m.retainFlag = true;
            m.createdAtMs = q.value(2).toLongLong();
            m.expiresAtMs = q.value(3).toLongLong();
            l.retained.append(std::move(m));
        }
    } else {
        fail(q);
    }
    if (q.exec(m_dialect.selectSysInfo)) {
        if (q.next()) {
            StoredSysInfo s;
            s.startedAtMs = q.value(0).toLongLong();
            s.messagesReceived = q.value(1).toLongLong();
            s.messagesSent = q.value(2).toLongLong();
            s.messagesDropped = q.value(3).toLongLong();
            s.bytesReceived = q.value(4).toLongLong();
            s.bytesSent = q.value(5).toLongLong();
            s.clientsMaximum = q.value(6).toLongLong();
            l.sysInfo = s;
        }
    } else {
        fail(q);
    }
    l.valid = true;
    setLoaded(std::move(l));
}

QList<StoredClient> SqlStorageHook::storedClients()
{
    // Every loader but the first reads what this one loaded: one consistent snapshot.
    {
        std::unique_lock lock(m_lock);
        if (!m_thread.joinable()) return {};
        m_loadRequested = true;
        m_loaded.valid = false;
        m_wake.notify_all();
        m_done.wait(lock, [this] { return m_loaded.valid || !m_thread.joinable(); });
    }
    return m_loaded.clients;
}

// ---- the storage thread -------------------------------------------------------------------

QString SqlStorageHook::describe(const QString &driverError) const
{
    QString why = driverError.trimmed();
    if (m_dialect.isFull && m_dialect.isFull(why))
        why += QStringLiteral(" (the disk or the database's size limit is full)");
    else if (m_dialect.isLocked && m_dialect.isLocked(why))
        why += QStringLiteral(" (another process, perhaps another petrel-server, uses this file)");
    else if (m_dialect.isReadOnly && m_dialect.isReadOnly(why))
        why += QStringLiteral(" (the file or its directory is read-only)");
    return why;
}

bool SqlStorageHook::openOnThread(QString *error)
{
    QSqlDatabase db = QSqlDatabase::addDatabase(m_dialect.driver, m_connectionName);
    db.setDatabaseName(m_path);
    if (!db.open()) {
        *error = QStringLiteral("%1: cannot open: %2").arg(m_path, describe(db.lastError().text()));
        return false;
    }
    QSqlQuery q(db);
    const auto failed = [&](const QString &what) {
        *error = QStringLiteral("%1: %2: %3").arg(m_path, what, describe(q.lastError().text()));
        return false;
    };
    // A damaged file or one that is not a database fails here already.
    if (!q.exec(m_dialect.integrityCheck)) return failed(QStringLiteral("not a usable database"));
    if (!m_dialect.integrityOk.isEmpty() && q.next() && q.value(0).toString() != m_dialect.integrityOk)
        return failed(QStringLiteral("the database is damaged (%1)").arg(q.value(0).toString()));
    q.finish();
    for (const QString &s : m_dialect.openStatements(m_sync, m_maxPageCount)) {
        if (!q.exec(s)) return failed(QStringLiteral("cannot set up the database (%1)").arg(s));
        q.finish();
    }
    // Schema: create, or migrate an older one, in one transaction (this also takes the
    // write lock, so a file in use by another process fails now, not at the first write).
    if (!db.transaction()) {
        *error = QStringLiteral("%1: cannot write: %2").arg(m_path, describe(db.lastError().text()));
        return false;
    }
    const auto rollback = [&](const QString &what) {
        const QString text = describe(q.lastError().text());
        db.rollback();
        *error = QStringLiteral("%1: %2: %3").arg(m_path, what, text);
        return false;
    };
    if (!q.exec(m_dialect.countTables) || !q.next())
        return rollback(QStringLiteral("cannot read the schema"));
    const bool empty = q.value(0).toInt() == 0;
    q.finish();
    if (!q.exec(m_dialect.createVersionTable)) return rollback(QStringLiteral("cannot write"));
    int version = 0;
    if (!q.exec(m_dialect.selectVersion)) return rollback(QStringLiteral("cannot read the schema version"));
    const bool hasRow = q.next();
    if (hasRow) version = q.value(0).toInt();
    q.finish();
    if (!hasRow && !empty) {
        db.rollback();
        *error = QStringLiteral("%1: the file is a database, but not a Petrel one (no schema_version)")
                     .arg(m_path);
        return false;
    }
    if (version > m_dialect.schemaVersion) {
        db.rollback();
        *error = QStringLiteral("%1: schema version %2 is newer than this Petrel knows (%3)")
                     .arg(m_path)
                     .arg(version)
                     .arg(m_dialect.schemaVersion);
        return false;
    }
    const int from = version;
    for (int to = version + 1; to <= m_dialect.schemaVersion; ++to) {
        for (const QString &s : m_dialect.migration(to)) {
            if (!q.exec(s)) return rollback(QStringLiteral("migration to schema version %1 failed").arg(to));
            q.finish();
        }
    }
    q.prepare(hasRow ? m_dialect.updateVersion : m_dialect.insertVersion);
    q.addBindValue(m_dialect.schemaVersion);
    if (!q.exec()) return rollback(QStringLiteral("cannot write"));
    q.finish();
    if (!db.commit()) {
        const QString text = describe(db.lastError().text());
        db.rollback();
        *error = QStringLiteral("%1: cannot write: %2").arg(m_path, text);
        return false;
    }
    if (from != 0 && from != m_dialect.schemaVersion)
        qCInfo(lcStorage).noquote() << m_path << "migrated from schema version" << from << "to"
                                    << m_dialect.schemaVersion;
    return true;
}

void SqlStorageHook::run()
{
    {
        QString error;
        const bool ok = openOnThread(&error);
        {
            std::lock_guard lock(m_lock);
            m_opened = ok;
            m_openError = ok ? QString() : error;
        }
        m_done.notify_all();
        if (!ok) {
            QSqlDatabase::database(m_connectionName, false).close();
            QSqlDatabase::removeDatabase(m_connectionName);
            return;
        }
    }
    std::vector<Op> batch;
    std::vector<Op> retry; // changes of failed commits, applied again before newer ones
    for (;;) {
        bool stopping;
        bool load;
        bool writeAll;
        std::uint64_t upTo;
        {
            std::unique_lock lock(m_lock);
            const auto ready = [&] {
                return m_stopping || m_loadRequested || m_flushRequested || (m_sync && !m_ops.empty()) ||
                       m_ops.size() >= kWakeBatch;
            };
            if (m_sync || !retry.empty())
                m_wake.wait_for(lock, std::chrono::milliseconds(retry.empty() ? 1000 : 100), ready);
            else
                m_wake.wait_for(lock, std::chrono::milliseconds(m_flushMs), ready);
            stopping = m_stopping;
            load = m_loadRequested;
            writeAll = m_sync || stopping || load || m_flushRequested;
            m_flushRequested = false;
            batch.swap(m_ops);
            upTo = m_written.load();
        }
        prependOlder(batch, m_deferred, retry);
        bool ok = true;
        if (!batch.empty()) {
            QElapsedTimer took;
            took.start();
            ok = applyBatch(batch, writeAll);
            if (took.elapsed() > 1000)
                qCWarning(lcStorage).noquote()
                    << QStringLiteral("%1: a commit of %2 changes took %3 ms (slow disk?)")
                           .arg(m_path)
                           .arg(batch.size())
                           .arg(took.elapsed());
            if (!ok) {
                m_failures.fetch_add(1);
                if (batch.size() > kMaxRetained) {
                    m_lost.fetch_add(qint64(batch.size()));
                    qCCritical(lcStorage).noquote()
                        << m_path << ":" << batch.size()
                        << "changes could not be written and are given up (see the errors above)";
                    batch.clear();
                    ok = true; // not retried: counted as lost
                } else {
                    retry.swap(batch);
                }
            }
            batch.clear();
        }
        if (ok) {
            m_durable.store(upTo);
            {
                std::lock_guard lock(m_callbackLock);
                if (m_callback) m_callback(upTo);
            }
        }
        if (load) loadOnThread();
        {
            std::lock_guard lock(m_lock);
            if (load) m_loadRequested = false;
            // flush() waiters are released even when the commit failed (it was logged and
            // counted; they must not hang on a full disk).
            m_finished = upTo;
        }
        m_done.notify_all();
        if (stopping) break;
    }
    if (!retry.empty()) {
        m_lost.fetch_add(qint64(retry.size()));
        qCCritical(lcStorage).noquote()
            << m_path << ":" << retry.size()
            << "changes could not be written before stopping (see the errors above)";
    }
    m_queries.clear();
    {
        QSqlDatabase db = QSqlDatabase::database(m_connectionName, false);
        db.close();
    }
    QSqlDatabase::removeDatabase(m_connectionName);
    std::lock_guard lock(m_lock);
    m_finished = m_written.load();
    m_done.notify_all();
}

bool SqlStorageHook::applyBatch(std::vector<Op> &batch, bool writeAll)
{
    const std::vector<std::size_t> queued = fold(batch);
    // Batched mode: a message queued in this batch and still unfinished is kept back for one
    // more batch; most are acknowledged by then and never written. (No later change in this
    // batch concerns its row: inflight updates folded into it, an end of its session
    // cancelled it.) Sync mode, flush(), stop and load write everything.
    std::vector<std::size_t> keepBack;
    if (!writeAll) {
        for (std::size_t index : queued) {
            if (!batch[index].deferredOnce) keepBack.push_back(index);
        }
    }
    std::size_t nextKeptBack = 0;

    QSqlDatabase db = QSqlDatabase::database(m_connectionName, false);
    if (!db.isOpen() || !db.transaction()) {
        qCWarning(lcStorage).noquote()
            << m_path << ": cannot begin a transaction:" << describe(db.lastError().text());
        return false;
    }
    // One prepared statement per SQL text, kept for the life of the connection.
    QSqlQuery *current = nullptr;
    const auto prepare = [&](const QString &sql) {
        std::unique_ptr<QSqlQuery> &slot = m_queries[&sql];
        if (!slot) {
            slot = std::make_unique<QSqlQuery>(db);
            slot->prepare(sql);
        }
        current = slot.get();
    };
    struct Binder {
        QSqlQuery **q;
        void addBindValue(const QVariant &v) { (*q)->addBindValue(v); }
    } q{&current};
    QString failure;
    const auto exec = [&]() {
        if (current->exec()) return true;
        failure = current->lastError().text();
        return false;
    };
    bool ok = true;
    for (std::size_t index = 0; index < batch.size(); ++index) {
        Op &op = batch[index];
        if (nextKeptBack < keepBack.size() && keepBack[nextKeptBack] == index) {
            ++nextKeptBack;
            continue;
        }
        switch (op.type) {
        case Op::Client: {
            const StoredClient &c = *std::get<std::shared_ptr<const StoredClient>>(op.data);
            prepare(m_dialect.upsertClient);
            q.addBindValue(blob(c.clientId));
            q.addBindValue(blob(c.username));
            q.addBindValue(int(c.version));
            q.addBindValue(qint64(c.sessionExpiryInterval));
            q.addBindValue(c.disconnectedAtMs);
            q.addBindValue(c.hasWill ? QVariant(encodeWill(c.will)) : QVariant(QByteArray("")));
            q.addBindValue(c.hasWill ? qint64(c.will.properties.willDelayInterval) : qint64(0));
            ok = exec();
            break;
        }
        case Op::EndClient:
            for (const QString *sql : {&m_dialect.deleteClient, &m_dialect.deleteClientSubscriptions,
                                       &m_dialect.deleteClientMessages, &m_dialect.deleteClientInbound}) {
                prepare(*sql);
                q.addBindValue(blob(op.key));
                if (!(ok = exec())) break;
            }
            break;
        case Op::Subscribe: {
            const auto &s = std::get<StoredSubscription>(op.data);
            prepare(m_dialect.upsertSubscription);
            q.addBindValue(blob(s.clientId));
            q.addBindValue(blob(s.filter));
            q.addBindValue(int(s.options.qos));
            q.addBindValue(int(s.options.noLocal));
            q.addBindValue(int(s.options.retainAsPublished));
            q.addBindValue(int(s.options.retainHandling));
            q.addBindValue(qint64(s.identifier));
            ok = exec();
            break;
        }
        case Op::Unsubscribe:
            prepare(m_dialect.deleteSubscription);
            q.addBindValue(blob(op.key));
            q.addBindValue(blob(op.key2));
            ok = exec();
            break;
        case Op::Queue: {
            const auto &m = std::get<QueuedMessage>(op.data);
            prepare(m_dialect.upsertMessage);
            q.addBindValue(blob(m.clientId));
            q.addBindValue(qint64(m.sequence));
            q.addBindValue(int(op.packetId));
            q.addBindValue(int(op.flag));
            q.addBindValue(int(m.qos));
            q.addBindValue(int(m.retainFlag));
            QList<std::uint32_t> ids;
            for (std::uint32_t id : m.subscriptionIds)
                ids.append(id);
            q.addBindValue(joinIds(ids));
            q.addBindValue(encodeMessage(m.message->publish));
            q.addBindValue(m.message->createdAtMs);
            q.addBindValue(m.message->expiresAtMs);
            ok = exec();
            break;
        }
        case Op::Inflight:
            prepare(m_dialect.updateMessageState);
            q.addBindValue(int(op.packetId));
            q.addBindValue(int(op.flag));
            q.addBindValue(blob(op.key));
            q.addBindValue(qint64(op.seq));
            ok = exec();
            break;
        case Op::Done:
            if (op.seq == 0) break; // cancelled within the batch
            prepare(m_dialect.deleteMessage);
            q.addBindValue(blob(op.key));
            q.addBindValue(qint64(op.seq));
            ok = exec();
            break;
        case Op::InboundAdd:
        case Op::InboundDel:
            prepare(op.type == Op::InboundAdd ? m_dialect.insertInbound : m_dialect.deleteInbound);
            q.addBindValue(blob(op.key));
            q.addBindValue(int(op.packetId));
            ok = exec();
            break;
        case Op::Retain: {
            const StoredMessage &m = *std::get<std::shared_ptr<const StoredMessage>>(op.data);
            prepare(m_dialect.upsertRetained);
            q.addBindValue(blob(op.key));
            q.addBindValue(encodeMessage(m.publish));
            q.addBindValue(m.createdAtMs);
            q.addBindValue(m.expiresAtMs);
            ok = exec();
            break;
        }
        case Op::Unretain:
            prepare(m_dialect.deleteRetained);
            q.addBindValue(blob(op.key));
            ok = exec();
            break;
        case Op::SysInfo: {
            const auto &s = std::get<StoredSysInfo>(op.data);
            prepare(m_dialect.upsertSysInfo);
            q.addBindValue(s.startedAtMs);
            q.addBindValue(s.messagesReceived);
            q.addBindValue(s.messagesSent);
            q.addBindValue(s.messagesDropped);
            q.addBindValue(s.bytesReceived);
            q.addBindValue(s.bytesSent);
            q.addBindValue(s.clientsMaximum);
            ok = exec();
            break;
        }
        }
        if (!ok) break;
    }
    for (auto &entry : m_queries)
        entry.second->finish();
    if (ok && !db.commit()) {
        ok = false;
        failure = db.lastError().text();
    }
    if (!ok) {
        db.rollback();
        qCWarning(lcStorage).noquote()
            << QStringLiteral("%1: writing %2 changes failed: %3; kept for the next "
                              "attempt (%4 failed commits so far)")
                   .arg(m_path)
                   .arg(batch.size())
                   .arg(describe(failure))
                   .arg(m_failures.load() + 1);
        // The batch is kept as it is (with its cancellations): applying it again later
        // gives the same result.
        return false;
    }
    m_commits.fetch_add(1);
    for (std::size_t index : keepBack) {
        batch[index].deferredOnce = true;
        m_deferred.push_back(std::move(batch[index]));
    }
    return true;
}

} // namespace petrel::storage
