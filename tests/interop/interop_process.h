// A real client program run with QProcess for interop tests: bounded waits, output kept for
// failure messages.
#pragma once

#include <QDeadlineTimer>
#include <QProcess>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QString>
#include <QStringList>
#include <QtDebug>

namespace petrel::test {

class ClientProcess {
public:
    ClientProcess(const QString &program, const QStringList &args) : m_program(program), m_args(args)
    {
        m_process.setProcessChannelMode(QProcess::SeparateChannels);
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("PYTHONDONTWRITEBYTECODE"), QStringLiteral("1"));
        env.insert(QStringLiteral("PYTHONUNBUFFERED"), QStringLiteral("1"));
        m_process.setProcessEnvironment(env);
    }
    ~ClientProcess()
    {
        if (m_process.state() != QProcess::NotRunning) {
            m_process.kill();
            m_process.waitForFinished(3000);
        }
    }

    static bool available(const QString &program)
    {
        return !QStandardPaths::findExecutable(program).isEmpty();
    }

    bool start(int timeoutMs = 5000)
    {
        m_process.start(m_program, m_args);
        return m_process.waitForStarted(timeoutMs);
    }

    // Waits for a stdout line containing `needle`; returns it (empty string if none came).
    QString waitForLine(const QString &needle, int timeoutMs = 10000)
    {
        QDeadlineTimer deadline(timeoutMs);
        for (;;) {
            readOutput();
            while (m_next < m_lines.size()) {
                const QString line = m_lines.at(m_next++);
                if (line.contains(needle)) return line;
            }
            if (deadline.hasExpired() || m_process.state() == QProcess::NotRunning) {
                readOutput();
                while (m_next < m_lines.size()) {
                    const QString line = m_lines.at(m_next++);
                    if (line.contains(needle)) return line;
                }
                return {};
            }
            m_process.waitForReadyRead(
                int(std::max<qint64>(1, std::min<qint64>(deadline.remainingTime(), 200))));
        }
    }

    // Waits for the exit; true if it exited normally with code 0.
    bool finish(int timeoutMs = 10000)
    {
        if (!m_process.waitForFinished(timeoutMs) && m_process.state() != QProcess::NotRunning) {
            m_process.kill();
            m_process.waitForFinished(3000);
            readOutput();
            qWarning().noquote() << m_program << "did not finish in" << timeoutMs << "ms;" << transcript();
            return false;
        }
        readOutput();
        const bool ok = m_process.exitStatus() == QProcess::NormalExit && m_process.exitCode() == 0;
        if (!ok) qWarning().noquote() << m_program << "exit code" << m_process.exitCode() << transcript();
        return ok;
    }

    void kill()
    {
        m_process.kill();
        m_process.waitForFinished(3000);
    }

    // Every stdout line so far.
    QStringList lines()
    {
        readOutput();
        return m_lines;
    }
    QString transcript() const
    {
        return QStringLiteral("\n  command: %1 %2\n  stdout: %3\n  stderr: %4")
            .arg(m_program, m_args.join(QLatin1Char(' ')), m_lines.join(QStringLiteral("\n          ")),
                 QString::fromLocal8Bit(m_stderr));
    }

private:
    void readOutput()
    {
        m_stdout += m_process.readAllStandardOutput();
        m_stderr += m_process.readAllStandardError();
        qsizetype nl;
        while ((nl = m_stdout.indexOf('\n')) >= 0) {
            m_lines << QString::fromUtf8(m_stdout.left(nl));
            m_stdout.remove(0, nl + 1);
        }
    }

    QString m_program;
    QStringList m_args;
    QProcess m_process;
    QByteArray m_stdout, m_stderr;
    QStringList m_lines;
    qsizetype m_next = 0;
};

} // namespace petrel::test
