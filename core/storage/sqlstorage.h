// SqlStorageHook: persistence of sessions, subscriptions, queued/inflight messages, inbound
// QoS 2 ids, retained messages and $SYS counters in a database through Qt Sql (SQLite by
// default; the SQL is in one dialect file, see sqldialect.h).
//
// Threads: the events come from the broker's workers. Each one appends a change to a
// vector under a mutex (no I/O, no SQL); the hook's own storage thread, with its own
// QSqlDatabase connection, swaps the vector out and applies it as one transaction. Changes
// that cancel out within one batch (a message queued and acknowledged before the flush)
// never reach the database.
//
// Modes (settings "mode"): "batched" (default) commits at most every flush_ms (50 ms);
// a crash loses at most that much. "sync" commits as soon as changes arrive, with
// synchronous=FULL, and offers the broker a DurabilityGate: no packet written to a client
// after a change leaves the broker before the change is committed, so an acknowledged
// QoS 1/2 message is never lost (docs/persistence.md).
//
// Failures: opening, locking, a damaged file, a read-only file or a full disk at start make
// init() fail with a message naming the file. At run time a failed commit is logged, counted
// (writeFailures()) and retried with the next batch; nothing is dropped silently.
#pragma once

#include "batchedstorage.h"
#include "sqldialect.h"

#include <QString>

#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

class QSqlQuery;

namespace petrel::storage {

class SqlStorageHook : public BatchedStorageHook, public DurabilityGate {
public:
    explicit SqlStorageHook(const SqlDialect &dialect = sqliteDialect());
    ~SqlStorageHook() override;

    QString id() const override { return QStringLiteral("sqlite-storage"); }
    // Settings: path (file; relative to data_dir when given), mode (batched | sync),
    // flush_ms (batched: longest time between commits), max_page_count (SQLite size cap).
    bool init(const QVariantMap &config, QString *error) override;
    void stop() override;

    void onStopped() override;
    QList<StoredClient> storedClients() override;

    DurabilityGate *durabilityGate() override { return m_sync ? this : nullptr; }
    std::uint64_t writeSequence() const override { return m_written.load(); }
    std::uint64_t durableSequence() const override { return m_durable.load(); }
    void setDurableCallback(std::function<void(std::uint64_t)> fn) override;

    // Blocks until every change accepted so far is committed (or failed). Any thread but
    // the storage thread.
    void flush();
    QString path() const { return m_path; }
    bool syncMode() const { return m_sync; }
    // writeFailures(): commits that failed (logged each time); changesLost(): changes given up
    // after too many.

private:
    bool admit(Op &op) override;
    void appended(std::size_t before, std::size_t after) override;
    void run();
    bool openOnThread(QString *error);
    bool applyBatch(std::vector<Op> &batch, bool writeAll);
    void loadOnThread();
    QString describe(const QString &driverError) const;

    const SqlDialect &m_dialect;
    QString m_path;
    QString m_connectionName;
    bool m_sync = false;
    int m_flushMs = 50;
    int m_maxPageCount = 0;

    // ---- shared with the workers (m_lock) --------------------------------------------
    std::condition_variable m_wake; // storage thread: work or a flush request (m_done: flush())
    bool m_stopping = false;
    bool m_flushRequested = false;
    std::uint64_t m_finished = 0; // highest sequence applied (or given up)
    bool m_opened = false;
    QString m_openError;
    std::atomic<std::uint64_t> m_written{0};
    std::atomic<std::uint64_t> m_durable{0};
    std::mutex m_callbackLock;
    std::function<void(std::uint64_t)> m_callback;
    bool m_loadRequested = false; // storedClients(): the storage thread loads

    std::map<const QString *, std::unique_ptr<QSqlQuery>> m_queries; // storage thread only
    // Batched mode: messages queued in the last batch and not finished yet, kept back one
    // batch (most are acknowledged by then and never written). Storage thread only.
    std::vector<Op> m_deferred;
    std::thread m_thread;
};

} // namespace petrel::storage
