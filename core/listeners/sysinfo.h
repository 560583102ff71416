// The broker's $SYS information in its three forms: the $SYS topic tree (published,
// retained, every options.sysTopicResendInterval seconds), the JSON document of the HTTP
// sysinfo listener (Mochi's system.Info field names) and Prometheus text for /metrics.
#pragma once

#include "broker/broker.h"

#include <QByteArray>
#include <QList>
#include <QObject>
#include <QPair>
#include <QString>

#include <functional>

class QTimer;

namespace petrel::sysinfo {

// Figures of this process, from /proc/self/status (0 where unavailable).
struct ProcessInfo {
    qint64 residentBytes = 0; // VmRSS
    int threads = 0;          // OS threads of the process
};
ProcessInfo readProcessInfo();

// Everything the three forms report, taken at one moment.
struct Snapshot {
    BrokerStats stats;
    ProcessInfo process;
    QString version;
    qint64 nowMs = 0;
    qint64 uptimeSeconds() const;
};
Snapshot takeSnapshot(const BrokerStats &stats, const QString &version);

// ($SYS topic, payload) pairs, payloads as plain decimal text (version: the version string).
// Names: Mosquitto's ($SYS/broker/clients/connected, .../bytes/received,
// .../subscriptions/count, ...) and Mochi's ($SYS/broker/load/bytes/received,
// .../system/memory, ...), so dashboards written for either keep working.
QList<QPair<QByteArray, QByteArray>> sysTopics(const Snapshot &s);

// Mochi's sysinfo JSON (system.Info: version, started, time, uptime, bytes_received, ...).
QByteArray json(const Snapshot &s);

// Prometheus text exposition format 0.0.4; every metric is prefixed petrel_.
QByteArray prometheus(const Snapshot &s);
inline constexpr char kPrometheusContentType[] = "text/plain; version=0.0.4; charset=utf-8";

// Publishes sysTopics() retained through `publish` every `intervalSeconds` (and once at
// start()). Lives on the thread it is started on; needs that thread's event loop.
class Publisher : public QObject {
    Q_OBJECT
public:
    using PublishFn = std::function<void(const QByteArray &topic, const QByteArray &payload)>;
    Publisher(std::function<BrokerStats()> stats, PublishFn publish, QString version,
              QObject *parent = nullptr);

    void start(qint64 intervalSeconds);
    void stop();
    // Publishes the whole tree now.
    void publishNow();

private:
    std::function<BrokerStats()> m_stats;
    PublishFn m_publish;
    QString m_version;
    QTimer *m_timer = nullptr;
};

} // namespace petrel::sysinfo
