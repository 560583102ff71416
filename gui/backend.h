// Where petrel-admin's data comes from and where its actions go:
//   EmbeddedBackend  a petrel::Broker in this process (BrokerAdmin snapshots, a hook that
//                    taps published messages, the process log ring);
//   AttachedBackend  a running petrel-server, through its admin HTTP API (docs/admin-api.md).
//
// Both deliver the same things, on the GUI thread, in batches: one Snapshot per refresh
// (stats, clients, subscriptions, retained), messages and log lines as lists. Views never
// get one signal per MQTT message.
#pragma once

#include "broker/admin.h"
#include "broker/broker.h"
#include "broker/logring.h"
#include "rowdiff.h"

#include <QNetworkAccessManager>
#include <QObject>
#include <QPointer>
#include <QSet>
#include <QThread>
#include <QThreadPool>
#include <QTimer>
#include <QUrl>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace petrel::gui {

struct Snapshot {
    BrokerStats stats;
    qint64 takenAtMs = 0;
    qint64 memoryBytes = 0;
    QList<admin::ClientSnapshot> clients;
    // Which client list this is: attached mode walks the list in pages at its own pace and
    // repeats the last complete one in the snapshots in between (the same serial: views may
    // skip it). 0: a fresh list every time (embedded mode).
    quint64 clientsSerial = 0;
    QList<admin::SubscriptionSnapshot> subscriptions;
    QList<admin::RetainedSnapshot> retained;
    // The same lists as change sets against the ones handed out before, computed where the
    // snapshot was built (rowdiff.h): the Clients and Subscriptions models only apply them.
    // `clients` and `subscriptions` above are their rows (model order). Null: not diffed.
    std::shared_ptr<const RowChanges<admin::ClientSnapshot>> clientChanges;
    std::shared_ptr<const RowChanges<admin::SubscriptionSnapshot>> subscriptionChanges;
};

// One message seen passing through the broker.
struct MessageRecord {
    qint64 timeMs = 0;
    QByteArray clientId; // publisher ("" for the server itself)
    QByteArray topic;
    QByteArray payload;
    int qos = 0;
    bool retain = false;
    packets::Properties properties;
};

class Backend : public QObject {
    Q_OBJECT
public:
    using QObject::QObject;
    ~Backend() override;

    virtual bool isActive() const = 0; // embedded: running; attached: last refresh worked
    virtual QString describe() const = 0;

    // Asks for a fresh snapshot; snapshotReady follows (attached: asynchronously).
    virtual void refresh() = 0;
    // Log lines after the last ones delivered; logArrived follows.
    virtual void pollLog() = 0;

    virtual void disconnectClient(const QByteArray &clientId, quint8 reason) = 0;
    virtual void deleteSession(const QByteArray &clientId) = 0;
    virtual void deleteRetained(const QByteArray &topic) = 0;
    virtual void publish(const packets::Publish &message) = 0;

    // Whether snapshots carry change sets computed off the GUI thread (default). Off: the
    // views diff the lists on the GUI thread (bench-gui --diff-on-ui-thread, the way it was).
    void setDiffInBackground(bool on) { m_diffInBackground = on; }
    bool diffInBackground() const { return m_diffInBackground; }

    // Starts/stops polling: snapshots every `snapshotMs`, messages and log every 250 ms.
    void startPolling(int snapshotMs = 1000);
    void stopPolling();

Q_SIGNALS:
    void snapshotReady(const petrel::gui::Snapshot &snapshot);
    void messagesArrived(const QList<petrel::gui::MessageRecord> &batch, qint64 droppedSinceLast);
    void logArrived(const QList<petrel::LogEntry> &entries);
    // Result of an action, for the status bar ("client x disconnected", or why not).
    void actionFinished(bool ok, const QString &message);
    void activeChanged(bool active);

protected:
    virtual void drainMessages() {}
    std::atomic<bool> m_diffInBackground{true}; // read on the snapshot/parse thread
    QTimer m_snapshotTimer;
    QTimer m_fastTimer;
};

// Collects published messages on the broker's worker threads; the GUI thread takes them
// in one swap every 250 ms. Bounded: past `capacity` per interval messages are counted, not
// kept.
class MessageTap {
public:
    explicit MessageTap(int capacity = 20000) : m_capacity(capacity) {}
    void add(MessageRecord &&r);
    // Swaps the collected batch out; returns how many were dropped since the last take.
    qint64 take(std::vector<MessageRecord> &out);

private:
    std::mutex m_lock;
    std::vector<MessageRecord> m_batch;
    qint64 m_dropped = 0;
    const int m_capacity;
};

class EmbeddedBackend final : public Backend {
    Q_OBJECT
public:
    explicit EmbeddedBackend(QObject *parent = nullptr);
    ~EmbeddedBackend() override;

    // Starts a broker with these options (listeners included). False with *error if a
    // listener cannot open; nothing runs then.
    bool start(const Options &options, QString *error);
    void stop();
    Broker *broker() const { return m_broker.get(); }
    // Linux thread ids the running broker started (its workers, listeners), niced by
    // kBrokerNice below the UI thread.
    QList<int> brokerThreads() const { return m_brokerThreads; }
    static constexpr int kBrokerNice = 10;

    bool isActive() const override;
    QString describe() const override;
    void refresh() override;
    void pollLog() override;
    void disconnectClient(const QByteArray &clientId, quint8 reason) override;
    void deleteSession(const QByteArray &clientId) override;
    void deleteRetained(const QByteArray &topic) override;
    void publish(const packets::Publish &message) override;

protected:
    void drainMessages() override;

private:
    void joinRefresh();
    std::unique_ptr<Broker> m_broker;
    std::shared_ptr<MessageTap> m_tap;
    // Snapshots are taken on a helper thread (gathering thousands of sessions from busy
    // workers takes milliseconds); one at a time, joined before the broker stops.
    std::thread m_refreshThread;
    std::atomic<bool> m_refreshing{false};
    quint64 m_generation = 0; // bumped per start/stop: late snapshots of an old broker are dropped
    // The last lists handed to the views, diffed against on the snapshot thread only (one
    // at a time); forgotten at start/stop.
    RowDiffer<admin::ClientSnapshot> m_clientDiffer;
    RowDiffer<admin::SubscriptionSnapshot> m_subscriptionDiffer;
    qint64 m_logSeq = 0;
    std::vector<MessageRecord> m_drain;
    QList<int> m_brokerThreads;
};

class AttachedBackend final : public Backend {
    Q_OBJECT
public:
    explicit AttachedBackend(QObject *parent = nullptr);
    ~AttachedBackend() override;

    // Base URL of the sysinfo listener ("http://127.0.0.1:8080") and its admin token.
    void setTarget(const QUrl &base, const QString &token);
    QUrl base() const { return m_base; }

    bool isActive() const override { return m_active; }
    QString describe() const override;
    void refresh() override;
    void pollLog() override;
    void disconnectClient(const QByteArray &clientId, quint8 reason) override;
    void deleteSession(const QByteArray &clientId) override;
    void deleteRetained(const QByteArray &topic) override;
    void publish(const packets::Publish &message) override;
    QString lastError() const { return m_lastError; }

    // Clients per GET /api/v1/clients?limit= page (docs/admin-api.md).
    void setClientPageSize(int n) { m_pageSize = std::max(1, n); }
    int clientPageSize() const { return m_pageSize; }
    // Pages fetched and complete walks of the client list so far (tests, bench-gui).
    qint64 clientPagesFetched() const { return m_pagesFetched; }
    quint64 clientWalks() const { return m_clientWalks; }
    // The thread the JSON answers are parsed on (never the GUI thread).
    QThread *parseThread() const { return m_parseThread.load(); }

Q_SIGNALS:
    // A page of the client list has been parsed (off the GUI thread); the rows reach the
    // views with the next snapshot once the walk is complete.
    void clientPageParsed(int rows);

private:
    QNetworkReply *send(const QByteArray &method, const QString &path, const QByteArray &body = {});
    void setActive(bool active, const QString &error = {});
    void action(const QByteArray &method, const QString &path, const QByteArray &body,
                const QString &doneText);
    // Runs `work` on the parse thread, then `then` on the GUI thread, unless the target
    // changed meanwhile.
    void inBackground(std::function<void()> work, std::function<void()> then);
    struct Pending;
    void finishRefresh(std::shared_ptr<Pending> pending); // by value: it may reset m_pending
    void walkClients();
    void fetchClientPage(const QString &afterId);

    QNetworkAccessManager m_nam;
    QThreadPool m_parsePool; // one thread: answers are parsed in arrival order
    std::atomic<QThread *> m_parseThread{nullptr};
    QUrl m_base;
    QString m_token;
    bool m_active = false;
    QString m_lastError;
    quint64 m_generation = 0; // bumped by setTarget: late answers of an old target are dropped
    qint64 m_logSeq = 0;
    bool m_logPending = false;
    qint64 m_messageSeq = 0;
    bool m_messagesPending = false;
    void pollMessages();
    // One refresh in flight at a time: stats, subscriptions and retained (plus the first
    // client walk), combined when all have answered.
    std::shared_ptr<Pending> m_pending;
    // The client list walk: pages of m_pageSize, parsed as they arrive, swapped in when
    // complete. One walk at a time, the next one starts with the next refresh after it.
    struct Walk;
    std::shared_ptr<Walk> m_walk;
    QList<admin::ClientSnapshot> m_clients;                                   // the last complete walk
    std::shared_ptr<const RowChanges<admin::ClientSnapshot>> m_clientChanges; // and its change set
    // The last lists handed to the views, for the diffs on the parse thread (used there only).
    struct Differs;
    std::unique_ptr<Differs> m_differs;
    Differs &differs(quint64 generation); // parse thread: fresh ones for a new target
    quint64 m_clientsSerial = 0;          // its Snapshot::clientsSerial (unique in the process)
    quint64 m_clientWalks = 0;            // complete walks since setTarget
    int m_pageSize = 2000;
    qint64 m_pagesFetched = 0;
};

// "3.1", "3.1.1", "5" for admin::ClientSnapshot::protocolVersion.
QString protocolName(int version);
// Linux thread ids of this process (/proc/self/task) and a thread's nice value.
QSet<int> processThreadIds();
int threadNice(int tid);
// Resident memory of this process in bytes (Linux /proc), 0 if unknown.
qint64 residentMemoryBytes();

} // namespace petrel::gui

Q_DECLARE_METATYPE(petrel::gui::Snapshot)
Q_DECLARE_METATYPE(petrel::gui::MessageRecord)
