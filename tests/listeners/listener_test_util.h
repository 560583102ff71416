// Helpers for the listener tests: external programs with bounded waits, a throw-away PKI
// made with the openssl CLI, brokers with listeners on ephemeral 127.0.0.1 ports.
#pragma once

#include "broker/broker.h"

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QStandardPaths>
#include <QString>
#include <QTemporaryDir>
#include <QTest>

#include <memory>
#include <optional>

namespace petrel::test {

constexpr int kProcessTimeoutMs = 15000; // bound on any external program

struct ProcessResult {
    bool started = false;
    bool finished = false;
    int exitCode = -1;
    QByteArray out;
    QByteArray err;
    QString describe() const
    {
        return QStringLiteral("started=%1 finished=%2 exit=%3\nstdout: %4\nstderr: %5")
            .arg(started)
            .arg(finished)
            .arg(exitCode)
            .arg(QString::fromUtf8(out), QString::fromUtf8(err));
    }
    bool ok() const { return started && finished && exitCode == 0; }
};

// Runs a program to completion (killed after timeoutMs).
inline ProcessResult runProcess(const QString &program, const QStringList &args,
                                int timeoutMs = kProcessTimeoutMs, const QString &workingDir = {})
{
    ProcessResult r;
    QProcess p;
    if (!workingDir.isEmpty()) p.setWorkingDirectory(workingDir);
    p.start(program, args);
    r.started = p.waitForStarted(5000);
    if (!r.started) {
        r.err = p.errorString().toUtf8();
        return r;
    }
    r.finished = p.waitForFinished(timeoutMs);
    if (!r.finished) {
        p.kill();
        p.waitForFinished(2000);
    }
    r.exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    r.out = p.readAllStandardOutput();
    r.err = p.readAllStandardError();
    return r;
}

inline bool haveProgram(const QString &name)
{
    return !QStandardPaths::findExecutable(name).isEmpty() || QFile::exists(name);
}

#define PETREL_REQUIRE_PROGRAM(name)                                                                         \
    do {                                                                                                     \
        if (!::petrel::test::haveProgram(QStringLiteral(name))) QSKIP("needs " name);                        \
    } while (false)

// A CA, a server certificate for 127.0.0.1/localhost and a client certificate (CN "alice"),
// EC P-256 keys, PEM files in a temporary directory.
struct TestPki {
    QTemporaryDir dir;
    QString path(const QString &name) const { return dir.filePath(name); }
    QString caCert() const { return path(QStringLiteral("ca.crt")); }
    QString serverCert() const { return path(QStringLiteral("server.crt")); }
    QString serverKey() const { return path(QStringLiteral("server.key")); }
    QString clientCert() const { return path(QStringLiteral("client.crt")); }
    QString clientKey() const { return path(QStringLiteral("client.key")); }
    // A second, unrelated CA and a client certificate it signed (CN "mallory").
    QString otherClientCert() const { return path(QStringLiteral("other-client.crt")); }
    QString otherClientKey() const { return path(QStringLiteral("other-client.key")); }

    // Creates everything; on failure returns the failing command's output.
    std::optional<QString> create()
    {
        if (!dir.isValid()) return QStringLiteral("no temporary directory");
        const QString d = dir.path();
        QFile ext(path(QStringLiteral("server.ext")));
        if (!ext.open(QIODevice::WriteOnly)) return QStringLiteral("cannot write server.ext");
        ext.write("subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n");
        ext.close();
        QFile cext(path(QStringLiteral("client.ext")));
        if (!cext.open(QIODevice::WriteOnly)) return QStringLiteral("cannot write client.ext");
        cext.write("extendedKeyUsage=clientAuth\n");
        cext.close();
        const QStringList ec = {QStringLiteral("-newkey"), QStringLiteral("ec"), QStringLiteral("-pkeyopt"),
                                QStringLiteral("ec_paramgen_curve:prime256v1"), QStringLiteral("-nodes")};
        const auto openssl = [&](QStringList args) -> std::optional<QString> {
            const ProcessResult r = runProcess(QStringLiteral("openssl"), args, kProcessTimeoutMs, d);
            if (!r.ok()) return QStringLiteral("openssl %1 failed: %2").arg(args.join(u' '), r.describe());
            return std::nullopt;
        };
        const auto ca = [&](const QString &name, const QString &cn) {
            return openssl(QStringList{QStringLiteral("req"), QStringLiteral("-x509")} + ec +
                           QStringList{QStringLiteral("-keyout"), name + QStringLiteral(".key"),
                                       QStringLiteral("-out"), name + QStringLiteral(".crt"),
                                       QStringLiteral("-days"), QStringLiteral("2"), QStringLiteral("-subj"),
                                       QStringLiteral("/CN=") + cn});
        };
        const auto leaf = [&](const QString &name, const QString &cn, const QString &caName,
                              const QString &extFile) -> std::optional<QString> {
            if (auto e = openssl(QStringList{QStringLiteral("req")} + ec +
                                 QStringList{QStringLiteral("-keyout"), name + QStringLiteral(".key"),
                                             QStringLiteral("-out"), name + QStringLiteral(".csr"),
                                             QStringLiteral("-subj"), QStringLiteral("/CN=") + cn}))
                return e;
            return openssl({QStringLiteral("x509"), QStringLiteral("-req"), QStringLiteral("-in"),
                            name + QStringLiteral(".csr"), QStringLiteral("-CA"),
                            caName + QStringLiteral(".crt"), QStringLiteral("-CAkey"),
                            caName + QStringLiteral(".key"), QStringLiteral("-CAcreateserial"),
                            QStringLiteral("-out"), name + QStringLiteral(".crt"), QStringLiteral("-days"),
                            QStringLiteral("2"), QStringLiteral("-extfile"), extFile});
        };
        if (auto e = ca(QStringLiteral("ca"), QStringLiteral("Petrel Test CA"))) return e;
        if (auto e = ca(QStringLiteral("other-ca"), QStringLiteral("Other CA"))) return e;
        if (auto e = leaf(QStringLiteral("server"), QStringLiteral("127.0.0.1"), QStringLiteral("ca"),
                          QStringLiteral("server.ext")))
            return e;
        if (auto e = leaf(QStringLiteral("client"), QStringLiteral("alice"), QStringLiteral("ca"),
                          QStringLiteral("client.ext")))
            return e;
        if (auto e = leaf(QStringLiteral("other-client"), QStringLiteral("mallory"),
                          QStringLiteral("other-ca"), QStringLiteral("client.ext")))
            return e;
        return std::nullopt;
    }
};

inline ListenerConfig listenerConfig(const QString &type, const QString &id,
                                     const QString &address = QStringLiteral("127.0.0.1:0"))
{
    ListenerConfig l;
    l.type = type;
    l.id = id;
    l.address = address;
    return l;
}

// Two workers, $SYS off unless a test wants it.
inline Options quietOptions()
{
    Options o;
    o.workerThreads = 2;
    o.sysTopicResendInterval = 0;
    o.allowAllClients();
    return o;
}

inline QString sourceDir()
{
    const QString fromEnv = qEnvironmentVariable("PETREL_SOURCE_DIR");
#ifdef PETREL_SOURCE_DIR_FALLBACK
    if (fromEnv.isEmpty()) return QStringLiteral(PETREL_SOURCE_DIR_FALLBACK);
#endif
    return fromEnv;
}

inline QString binaryDir()
{
    const QString fromEnv = qEnvironmentVariable("PETREL_BINARY_DIR");
#ifdef PETREL_BINARY_DIR_FALLBACK
    if (fromEnv.isEmpty()) return QStringLiteral(PETREL_BINARY_DIR_FALLBACK);
#endif
    return fromEnv;
}

} // namespace petrel::test
