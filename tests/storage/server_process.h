// The petrel-server executable run with QProcess for persistence tests: a config file with
// a storage hook in a temporary directory, an ephemeral TCP port read from its log, graceful
// stop (SIGTERM) or kill -9. Every wait is bounded.
#pragma once

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QString>
#include <QStringList>
#include <QTest>

#include <unistd.h>

namespace petrel::test {

inline QString serverBinary()
{
    const QString dir = qEnvironmentVariable("PETREL_BINARY_DIR");
    return (dir.isEmpty() ? QDir::currentPath() + QStringLiteral("/..") : dir) +
           QStringLiteral("/server/petrel-server");
}

// A config with allow-all auth and the SQLite storage hook (`storage` is the YAML body under
// `sqlite:`, e.g. "path: p.db\n      mode: sync").
inline QString storageConfig(const QString &storage)
{
    return QStringLiteral("hooks:\n  auth:\n    allow_all: true\n  storage:\n    sqlite:\n      %1\n"
                          "options:\n  sys_topic_resend_interval: 0\n")
        .arg(storage);
}

class ServerProcess {
public:
    // The server's output goes to a file in `dir` (not a pipe: a test busy with its clients
    // would not drain a pipe, and a server blocked on a full stderr pipe stalls).
    explicit ServerProcess(QString dir) : m_dir(std::move(dir))
    {
        static int counter = 0;
        m_logPath = m_dir + QStringLiteral("/server-%1.log").arg(++counter);
        m_process.setProcessChannelMode(QProcess::MergedChannels);
    }
    ~ServerProcess()
    {
        if (m_process.state() != QProcess::NotRunning) {
            m_process.kill();
            m_process.waitForFinished(5000);
        }
    }

    // Runs the server as another user (setpriv, when the tests run as root), so that file
    // permissions apply to it.
    void runAs(int uid) { m_uid = uid; }

    // Writes the config and starts the server; true once it runs and its port is known.
    bool start(const QString &config)
    {
        m_log.clear();
        m_stopNote.clear();
        m_logOffset = 0;
        m_port = 0;
        QFile::remove(m_logPath);
        m_process.setStandardOutputFile(m_logPath);
        const QString configPath = m_dir + QStringLiteral("/petrel.yaml");
        QFile f(configPath);
        if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate)) return false;
        f.write(config.toUtf8());
        f.close();
        QStringList args{QStringLiteral("--config"),   configPath,
                         QStringLiteral("--data-dir"), m_dir,
                         QStringLiteral("--tcp"),      QStringLiteral("127.0.0.1:0"),
                         QStringLiteral("--workers"),  QStringLiteral("2")};
        QString program = serverBinary();
        if (m_uid >= 0) {
            args.prepend(program);
            args.prepend(QStringLiteral("--clear-groups"));
            args.prepend(QStringLiteral("--regid=%1").arg(m_uid));
            args.prepend(QStringLiteral("--reuid=%1").arg(m_uid));
            program = QStringLiteral("setpriv");
        }
        m_process.start(program, args);
        if (!m_process.waitForStarted(5000)) return false;
        static const QRegularExpression portLine(
            QStringLiteral("listener cli-tcp1: tcp on 127\\.0\\.0\\.1:(\\d+)"));
        QDeadlineTimer deadline(10000);
        while (!deadline.hasExpired()) {
            readLog();
            const auto m = portLine.match(m_log);
            if (m.hasMatch() && m_log.contains(QStringLiteral("running"))) {
                m_port = quint16(m.captured(1).toUInt());
                return true;
            }
            if (m_process.state() == QProcess::NotRunning) break;
            m_process.waitForFinished(50);
        }
        readLog();
        return false;
    }

    // Runs the server expecting it to refuse to start: returns its exit code (-1 if it ran).
    int startExpectingFailure(const QString &config)
    {
        if (start(config)) return -1;
        m_process.waitForFinished(5000);
        readLog();
        return m_process.exitStatus() == QProcess::NormalExit ? m_process.exitCode() : -2;
    }

    // SIGTERM: the server disconnects everyone and writes what it holds. True on exit 0.
    bool stop()
    {
        m_process.terminate();
        const bool done = m_process.waitForFinished(10000);
        readLog();
        const bool ok = done && m_process.exitStatus() == QProcess::NormalExit && m_process.exitCode() == 0;
        if (!ok) // said at the end of log(), for the failure message
            m_stopNote = !done ? QStringLiteral("\n(still running 10 s after SIGTERM)")
                         : m_process.exitStatus() != QProcess::NormalExit
                             ? QStringLiteral("\n(crashed after SIGTERM)")
                             : QStringLiteral("\n(exit code %1 after SIGTERM)").arg(m_process.exitCode());
        return ok;
    }

    // kill -9: no chance to write anything more.
    void crash()
    {
        m_process.kill();
        m_process.waitForFinished(5000);
        readLog();
    }

    bool isRunning() const { return m_process.state() == QProcess::Running; }
    qint64 processId() const { return m_process.processId(); }
    quint16 port() const { return m_port; }
    QString log()
    {
        readLog();
        return m_log + m_stopNote;
    }
    // Waits (bounded) for `text` to appear in the server's output.
    bool waitForLog(const QString &text, int timeoutMs = 5000)
    {
        QDeadlineTimer deadline(timeoutMs);
        while (!log().contains(text)) {
            if (deadline.hasExpired() || m_process.state() == QProcess::NotRunning)
                return log().contains(text);
            QTest::qWait(50);
        }
        return true;
    }

private:
    void readLog()
    {
        QFile f(m_logPath);
        if (!f.open(QIODevice::ReadOnly)) return;
        f.seek(m_logOffset);
        const QByteArray more = f.readAll();
        m_logOffset += more.size();
        m_log += QString::fromUtf8(more);
    }

    QString m_dir;
    QString m_logPath;
    qint64 m_logOffset = 0;
    QProcess m_process;
    QString m_log;
    QString m_stopNote; // how stop() failed, if it did
    quint16 m_port = 0;
    int m_uid = -1;
};

} // namespace petrel::test
