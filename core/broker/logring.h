// LogRing: the last N log lines of this process, in memory, for the admin API's log tail
// and petrel-admin's Log view. Fed by a Qt message handler (so it sees every qDebug/qInfo/
// qWarning/... that passed the QLoggingCategory filters) which then hands the message on
// to the handler that was installed before it (the stderr output keeps working).
//
// Thread-safe: lines come from any thread; readers copy under one mutex.
#pragma once

#include <QList>
#include <QString>
#include <QtGlobal>

namespace petrel {

struct LogEntry {
    qint64 seq = 0; // 1, 2, 3, ... in arrival order; never reused
    qint64 timeMs = 0;
    QtMsgType type = QtInfoMsg;
    QString category;
    QString message;
};

class LogRing {
public:
    static constexpr int kDefaultCapacity = 5000;

    // The process-wide ring. install() starts feeding it (idempotent).
    static LogRing &instance();
    static void install(int capacity = kDefaultCapacity);
    static bool isInstalled();

    // Adds one line (the message handler does this; tests may too).
    void append(QtMsgType type, const QString &category, const QString &message);
    // Entries with seq > afterSeq, oldest first, at most `limit` (the newest ones if more).
    QList<LogEntry> since(qint64 afterSeq, int limit = kDefaultCapacity) const;
    qint64 lastSeq() const;
    void setCapacity(int capacity);

    // "debug", "info", "warning", "critical", "fatal" and back (unknown text -> QtInfoMsg).
    static QString levelName(QtMsgType type);
    static QtMsgType levelFromName(const QString &name, bool *ok = nullptr);
};

} // namespace petrel
