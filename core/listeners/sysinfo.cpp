#include "sysinfo.h"

#include <QDateTime>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTimer>

namespace petrel::sysinfo {

ProcessInfo readProcessInfo()
{
    ProcessInfo info;
    QFile file(QStringLiteral("/proc/self/status"));
    if (!file.open(QIODevice::ReadOnly)) return info;
    const QByteArray text = file.readAll(); // procfs: size unknown in advance, read to EOF
    for (const QByteArray &line : text.split('\n')) {
        if (line.startsWith("VmRSS:")) {
            // "VmRSS:     12345 kB"
            const QList<QByteArray> parts = line.mid(6).simplified().split(' ');
            qint64 value = parts.value(0).toLongLong();
            if (parts.value(1) == "kB") value *= 1024;
            info.residentBytes = value;
        } else if (line.startsWith("Threads:")) {
            info.threads = line.mid(8).trimmed().toInt();
        }
    }
    return info;
}

qint64 Snapshot::uptimeSeconds() const
{
    return stats.startedAtMs > 0 ? qMax<qint64>(0, (nowMs - stats.startedAtMs) / 1000) : 0;
}

Snapshot takeSnapshot(const BrokerStats &stats, const QString &version)
{
    Snapshot s;
    s.stats = stats;
    s.process = readProcessInfo();
    s.version = version;
    s.nowMs = QDateTime::currentMSecsSinceEpoch();
    return s;
}

QList<QPair<QByteArray, QByteArray>> sysTopics(const Snapshot &s)
{
    const BrokerStats &st = s.stats;
    const auto n = [](qint64 v) { return QByteArray::number(v); };
    const qint64 disconnected = qMax<qint64>(0, st.clientsTotal - st.clientsConnected);
    return {
        {"$SYS/broker/version", s.version.toUtf8()},
        {"$SYS/broker/uptime", n(s.uptimeSeconds())},
        {"$SYS/broker/started", n(st.startedAtMs / 1000)},
        {"$SYS/broker/time", n(s.nowMs / 1000)},
        {"$SYS/broker/clients/connected", n(st.clientsConnected)},
        {"$SYS/broker/clients/disconnected", n(disconnected)},
        {"$SYS/broker/clients/total", n(st.clientsTotal)},
        {"$SYS/broker/clients/maximum", n(st.clientsMaximum)},
        {"$SYS/broker/messages/received", n(st.messagesReceived)},
        {"$SYS/broker/messages/sent", n(st.messagesSent)},
        {"$SYS/broker/messages/dropped", n(st.messagesDropped)},
        {"$SYS/broker/messages/inflight", n(st.inflight)},
        {"$SYS/broker/inflight", n(st.inflight)},
        {"$SYS/broker/packets/received", n(st.packetsReceived)},
        {"$SYS/broker/packets/sent", n(st.packetsSent)},
        {"$SYS/broker/bytes/received", n(st.bytesReceived)},
        {"$SYS/broker/bytes/sent", n(st.bytesSent)},
        {"$SYS/broker/load/bytes/received", n(st.bytesReceived)},
        {"$SYS/broker/load/bytes/sent", n(st.bytesSent)},
        {"$SYS/broker/subscriptions/count", n(st.subscriptions)},
        {"$SYS/broker/subscriptions", n(st.subscriptions)},
        {"$SYS/broker/retained/count", n(st.retained)},
        {"$SYS/broker/retained messages/count", n(st.retained)},
        {"$SYS/broker/retained", n(st.retained)},
        {"$SYS/broker/memory/used", n(s.process.residentBytes)},
        {"$SYS/broker/system/memory", n(s.process.residentBytes)},
        {"$SYS/broker/threads", n(s.process.threads)},
        {"$SYS/broker/system/threads", n(s.process.threads)},
    };
}

QByteArray json(const Snapshot &s)
{
    const BrokerStats &st = s.stats;
    QJsonObject o;
    o.insert(QStringLiteral("version"), s.version);
    o.insert(QStringLiteral("started"), st.startedAtMs / 1000);
    o.insert(QStringLiteral("time"), s.nowMs / 1000);
    o.insert(QStringLiteral("uptime"), s.uptimeSeconds());
    o.insert(QStringLiteral("bytes_received"), st.bytesReceived);
    o.insert(QStringLiteral("bytes_sent"), st.bytesSent);
    o.insert(QStringLiteral("clients_connected"), st.clientsConnected);
    o.insert(QStringLiteral("clients_disconnected"), qMax<qint64>(0, st.clientsTotal - st.clientsConnected));
    o.insert(QStringLiteral("clients_maximum"), st.clientsMaximum);
    o.insert(QStringLiteral("clients_total"), st.clientsTotal);
    o.insert(QStringLiteral("messages_received"), st.messagesReceived);
    o.insert(QStringLiteral("messages_sent"), st.messagesSent);
    o.insert(QStringLiteral("messages_dropped"), st.messagesDropped);
    o.insert(QStringLiteral("retained"), st.retained);
    o.insert(QStringLiteral("inflight"), st.inflight);
    o.insert(QStringLiteral("subscriptions"), st.subscriptions);
    o.insert(QStringLiteral("packets_received"), st.packetsReceived);
    o.insert(QStringLiteral("packets_sent"), st.packetsSent);
    o.insert(QStringLiteral("memory_alloc"), s.process.residentBytes);
    o.insert(QStringLiteral("threads"), s.process.threads);
    o.insert(QStringLiteral("worker_threads"), st.threads); // Petrel
    return QJsonDocument(o).toJson(QJsonDocument::Indented);
}

QByteArray prometheus(const Snapshot &s)
{
    const BrokerStats &st = s.stats;
    QByteArray out;
    out.reserve(4096);
    const auto metric = [&out](const char *name, const char *type, const char *help, qint64 value) {
        out += "# HELP petrel_";
        out += name;
        out += ' ';
        out += help;
        out += "\n# TYPE petrel_";
        out += name;
        out += ' ';
        out += type;
        out += "\npetrel_";
        out += name;
        out += ' ';
        out += QByteArray::number(value);
        out += '\n';
    };
    // Label values escape \ " and newline.
    QByteArray version = s.version.toUtf8();
    version.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n");
    out += "# HELP petrel_build_info Petrel version.\n# TYPE petrel_build_info "
           "gauge\npetrel_build_info{version=\"";
    out += version;
    out += "\"} 1\n";
    metric("uptime_seconds", "gauge", "Seconds since the broker started.", s.uptimeSeconds());
    metric("start_time_seconds", "gauge", "Start time of the broker, seconds since the Unix epoch.",
           st.startedAtMs / 1000);
    metric("clients_connected", "gauge", "Clients connected now.", st.clientsConnected);
    metric("clients_total", "gauge", "Sessions known: connected plus persistent disconnected.",
           st.clientsTotal);
    metric("clients_maximum", "gauge", "Most clients connected at once since start.", st.clientsMaximum);
    metric("messages_received_total", "counter", "PUBLISH packets received from clients.",
           st.messagesReceived);
    metric("messages_sent_total", "counter", "PUBLISH packets sent to clients.", st.messagesSent);
    metric("messages_dropped_total", "counter", "Messages dropped (slow or full subscribers, expiry).",
           st.messagesDropped);
    metric("packets_received_total", "counter", "MQTT packets received.", st.packetsReceived);
    metric("packets_sent_total", "counter", "MQTT packets sent.", st.packetsSent);
    metric("bytes_received_total", "counter", "Bytes received from clients.", st.bytesReceived);
    metric("bytes_sent_total", "counter", "Bytes sent to clients.", st.bytesSent);
    metric("retained_messages", "gauge", "Retained messages stored.", st.retained);
    metric("inflight_messages", "gauge", "QoS 1 and 2 messages in flight.", st.inflight);
    metric("subscriptions", "gauge", "Subscriptions active.", st.subscriptions);
    metric("worker_threads", "gauge", "Network worker threads.", st.threads);
    metric("process_threads", "gauge", "OS threads of the broker process.", s.process.threads);
    metric("process_resident_memory_bytes", "gauge", "Resident memory of the broker process.",
           s.process.residentBytes);
    return out;
}

// ---- Publisher --------------------------------------------------------------------------

Publisher::Publisher(std::function<BrokerStats()> stats, PublishFn publish, QString version, QObject *parent)
    : QObject(parent), m_stats(std::move(stats)), m_publish(std::move(publish)), m_version(std::move(version))
{
}

void Publisher::start(qint64 intervalSeconds)
{
    stop();
    if (intervalSeconds <= 0) return;
    m_timer = new QTimer(this);
    m_timer->setTimerType(Qt::PreciseTimer); // coarse timers fire up to 5% early: uptime would repeat
    m_timer->setInterval(int(qMin<qint64>(intervalSeconds, 24 * 3600) * 1000));
    connect(m_timer, &QTimer::timeout, this, &Publisher::publishNow);
    m_timer->start();
    publishNow();
}

void Publisher::stop()
{
    delete m_timer;
    m_timer = nullptr;
}

void Publisher::publishNow()
{
    const Snapshot s = takeSnapshot(m_stats(), m_version);
    for (const auto &[topic, payload] : sysTopics(s))
        m_publish(topic, payload);
}

} // namespace petrel::sysinfo
