// RedisProcess: a real redis-server (Debian's redis-server package) for a test, on a free
// loopback port, in its own temporary directory, killed when the object goes.
//
//   petrel::test::RedisProcess redis;
//   QVERIFY2(redis.start(), qPrintable(redis.error()));
//   ... redis.port(), redis.address() ("127.0.0.1:P") ...
//   redis.kill();            // SIGKILL: connections drop at once
//   QVERIFY(redis.start());  // again, on the same port
//
// By default nothing is saved (--save '' --appendonly no): a restart starts empty. With
// setPersistent(true) every write goes to an append-only file (fsync always) in the directory,
// so data survives kill() + start(). extraArgs are appended to the command line, e.g.
// {"--requirepass", "secret"}. Every wait is bounded; output goes to a file (log()).
//
// Processes: a test using this forks, so it cannot run under TSan: label it "process", not
// "integration" (test.sh).
#pragma once

#include <QDeadlineTimer>
#include <QDir>
#include <QFile>
#include <QHostAddress>
#include <QProcess>
#include <QStandardPaths>
#include <QString>
#include <QStringList>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

namespace petrel::test {

class RedisProcess {
public:
    RedisProcess() { m_process.setProcessChannelMode(QProcess::MergedChannels); }
    ~RedisProcess() { kill(); }
    RedisProcess(const RedisProcess &) = delete;
    RedisProcess &operator=(const RedisProcess &) = delete;

    void setPersistent(bool on) { m_persistent = on; }
    void setExtraArgs(QStringList args) { m_extraArgs = std::move(args); }

    // A free port the first time, the same one after. False (see error()) if redis-server
    // is missing or does not answer PING within 10 s.
    bool start()
    {
        if (!m_dir.isValid()) return fail(QStringLiteral("cannot create a temporary directory"));
        const QString program = QStandardPaths::findExecutable(QStringLiteral("redis-server"));
        if (program.isEmpty())
            return fail(QStringLiteral("redis-server not found (Debian package redis-server, "
                                       "installer/apt-packages.txt)"));
        if (m_port == 0) m_port = freePort();
        if (m_port == 0) return fail(QStringLiteral("no free loopback port"));
        QStringList args{QStringLiteral("--port"),      QString::number(m_port),
                         QStringLiteral("--bind"),      QStringLiteral("127.0.0.1"),
                         QStringLiteral("--daemonize"), QStringLiteral("no"),
                         QStringLiteral("--dir"),       m_dir.path(),
                         QStringLiteral("--save"),      QString()};
        if (m_persistent)
            args << QStringLiteral("--appendonly") << QStringLiteral("yes") << QStringLiteral("--appendfsync")
                 << QStringLiteral("always");
        else
            args << QStringLiteral("--appendonly") << QStringLiteral("no");
        args << m_extraArgs;
        m_process.setStandardOutputFile(m_dir.filePath(QStringLiteral("redis.log")), QIODevice::Append);
        m_process.start(program, args);
        if (!m_process.waitForStarted(5000)) return fail(QStringLiteral("redis-server did not start"));
        QDeadlineTimer deadline(10000);
        while (!deadline.hasExpired()) {
            if (m_process.state() != QProcess::Running)
                return fail(QStringLiteral("redis-server exited: ") + log());
            if (answers()) return true;
            QTest::qWait(20);
        }
        return fail(QStringLiteral("redis-server did not answer on port %1: ").arg(m_port) + log());
    }

    // SIGKILL, waits for the exit.
    void kill()
    {
        if (m_process.state() == QProcess::NotRunning) return;
        m_process.kill();
        m_process.waitForFinished(5000);
    }
    // SIGTERM (Redis shuts down cleanly), waits for the exit.
    void stop()
    {
        if (m_process.state() == QProcess::NotRunning) return;
        m_process.terminate();
        if (!m_process.waitForFinished(5000)) kill();
    }

    bool isRunning() const { return m_process.state() == QProcess::Running; }
    quint16 port() const { return m_port; }
    QString address() const { return QStringLiteral("127.0.0.1:%1").arg(m_port); }
    QString directory() const { return m_dir.path(); }
    QString error() const { return m_error; }
    QString log() const
    {
        QFile f(m_dir.filePath(QStringLiteral("redis.log")));
        return f.open(QIODevice::ReadOnly) ? QString::fromUtf8(f.readAll()) : QString();
    }

    // A free TCP port on 127.0.0.1 (bound and released; good enough for tests).
    static quint16 freePort()
    {
        QTcpServer probe;
        if (!probe.listen(QHostAddress::LocalHost, 0)) return 0;
        return probe.serverPort();
    }

private:
    bool fail(const QString &why)
    {
        m_error = why;
        return false;
    }
    // Sends an inline PING; any reply ("+PONG" or "-NOAUTH ...") means the server is up.
    bool answers() const
    {
        QTcpSocket s;
        s.connectToHost(QHostAddress::LocalHost, m_port);
        if (!s.waitForConnected(500)) return false;
        s.write("PING\r\n");
        if (!s.waitForBytesWritten(500) || !s.waitForReadyRead(1000)) return false;
        const QByteArray line = s.readAll();
        return line.startsWith('+') || line.startsWith('-');
    }

    QTemporaryDir m_dir;
    QProcess m_process;
    QStringList m_extraArgs;
    QString m_error;
    quint16 m_port = 0;
    bool m_persistent = false;
};

} // namespace petrel::test
