#include "logring.h"

#include <QDateTime>

#include <atomic>
#include <cstdio>
#include <deque>
#include <mutex>

namespace petrel {

namespace {

struct RingState {
    mutable std::mutex lock;
    std::deque<LogEntry> entries;
    int capacity = LogRing::kDefaultCapacity;
    qint64 nextSeq = 1;
};

RingState &state()
{
    static RingState s;
    return s;
}

std::atomic<QtMessageHandler> previousHandler{nullptr};
std::atomic<bool> installed{false};

void handler(QtMsgType type, const QMessageLogContext &context, const QString &message)
{
    LogRing::instance().append(type, QString::fromLatin1(context.category ? context.category : "default"),
                               message);
    if (QtMessageHandler previous = previousHandler.load()) {
        previous(type, context, message);
    } else {
        const QString line = qFormatLogMessage(type, context, message);
        std::fprintf(stderr, "%s\n", line.toLocal8Bit().constData());
        std::fflush(stderr);
    }
}

} // namespace

LogRing &LogRing::instance()
{
    static LogRing ring;
    return ring;
}

void LogRing::install(int capacity)
{
    instance().setCapacity(capacity);
    bool expected = false;
    if (!installed.compare_exchange_strong(expected, true)) return;
    previousHandler.store(qInstallMessageHandler(handler));
}

bool LogRing::isInstalled()
{
    return installed.load();
}

void LogRing::append(QtMsgType type, const QString &category, const QString &message)
{
    RingState &s = state();
    std::lock_guard lock(s.lock);
    s.entries.push_back(LogEntry{s.nextSeq++, QDateTime::currentMSecsSinceEpoch(), type, category, message});
    while (int(s.entries.size()) > s.capacity)
        s.entries.pop_front();
}

QList<LogEntry> LogRing::since(qint64 afterSeq, int limit) const
{
    const RingState &s = state();
    std::lock_guard lock(s.lock);
    QList<LogEntry> out;
    if (limit <= 0 || s.entries.empty()) return out;
    // Sequence numbers are contiguous in the deque: index of afterSeq + 1 is computed.
    const qint64 first = s.entries.front().seq;
    qint64 start = std::max<qint64>(afterSeq + 1 - first, 0);
    const qint64 available = qint64(s.entries.size()) - start;
    if (available <= 0) return out;
    if (available > limit) start = qint64(s.entries.size()) - limit;
    out.reserve(qsizetype(s.entries.size() - start));
    for (auto it = s.entries.begin() + start; it != s.entries.end(); ++it)
        out.append(*it);
    return out;
}

qint64 LogRing::lastSeq() const
{
    const RingState &s = state();
    std::lock_guard lock(s.lock);
    return s.nextSeq - 1;
}

void LogRing::setCapacity(int capacity)
{
    RingState &s = state();
    std::lock_guard lock(s.lock);
    s.capacity = std::max(1, capacity);
    while (int(s.entries.size()) > s.capacity)
        s.entries.pop_front();
}

QString LogRing::levelName(QtMsgType type)
{
    switch (type) {
    case QtDebugMsg:
        return QStringLiteral("debug");
    case QtInfoMsg:
        return QStringLiteral("info");
    case QtWarningMsg:
        return QStringLiteral("warning");
    case QtCriticalMsg:
        return QStringLiteral("critical");
    case QtFatalMsg:
        return QStringLiteral("fatal");
    }
    return QStringLiteral("info");
}

QtMsgType LogRing::levelFromName(const QString &name, bool *ok)
{
    const QString n = name.toLower();
    if (ok) *ok = true;
    if (n == QLatin1String("debug")) return QtDebugMsg;
    if (n == QLatin1String("info")) return QtInfoMsg;
    if (n == QLatin1String("warning") || n == QLatin1String("warn")) return QtWarningMsg;
    if (n == QLatin1String("critical") || n == QLatin1String("error")) return QtCriticalMsg;
    if (n == QLatin1String("fatal")) return QtFatalMsg;
    if (ok) *ok = false;
    return QtInfoMsg;
}

} // namespace petrel
