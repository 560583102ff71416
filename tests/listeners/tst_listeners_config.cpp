// Listener configuration: errors at start (address in use, unreadable or bad certificate
// and key files) named with the listener and address; the shipped configs open every
// listener; petrel-server's listener flags.
#include "listener_test_util.h"
#include "support/test_client.h"

#include "broker/broker.h"
#include "config/config.h"

#include <QTcpServer>
#include <QTest>

#include <csignal>
#include <unistd.h>

using namespace petrel;
using namespace petrel::test;

namespace {

// A free port on 127.0.0.1 right now (for the petrel-server binary, which takes fixed ports).
quint16 freePort()
{
    QTcpServer s;
    if (!s.listen(QHostAddress::LocalHost, 0)) return 0;
    return s.serverPort();
}

bool writeFile(const QString &path, const QByteArray &bytes)
{
    QFile f(path);
    return f.open(QIODevice::WriteOnly) && f.write(bytes) == bytes.size();
}

QString serverPath()
{
    return binaryDir() + QStringLiteral("/server/petrel-server");
}

// Starts petrel-server with `args` and reads its output until it says "running" (true) or
// exits (false); `log` gets what it printed.
bool startUntilRunning(QProcess &p, const QStringList &args, QByteArray &log)
{
    p.setProcessChannelMode(QProcess::MergedChannels);
    p.start(serverPath(), args);
    if (!p.waitForStarted(5000)) return false;
    const bool settled = QTest::qWaitFor(
        [&] { return (log += p.readAll(), log.contains("running") || p.state() == QProcess::NotRunning); },
        10000);
    return settled && log.contains("running");
}

} // namespace

class tst_ListenersConfig : public QObject {
    Q_OBJECT

    static inline TestPki *s_pki = nullptr;

private Q_SLOTS:
    void initTestCase()
    {
        if (!haveProgram(QStringLiteral("openssl"))) return;
        s_pki = new TestPki;
        const auto error = s_pki->create();
        QVERIFY2(!error, qPrintable(error.value_or(QString())));
    }
    void cleanupTestCase()
    {
        delete s_pki;
        s_pki = nullptr;
    }

    // ---- errors at start ---------------------------------------------------------------

    void addressInUse_data()
    {
        QTest::addColumn<QString>("type");
        QTest::addColumn<bool>("tls");
        QTest::newRow("tcp") << QStringLiteral("tcp") << false;
        QTest::newRow("tls") << QStringLiteral("tcp") << true;
        QTest::newRow("ws") << QStringLiteral("ws") << false;
        QTest::newRow("sysinfo") << QStringLiteral("sysinfo") << false;
        QTest::newRow("healthcheck") << QStringLiteral("healthcheck") << false;
    }
    void addressInUse()
    {
        QFETCH(QString, type);
        QFETCH(bool, tls);
        if (tls && !s_pki) QSKIP("needs openssl");
        QTcpServer blocker;
        QVERIFY(blocker.listen(QHostAddress::LocalHost, 0));
        const QString address = QStringLiteral("127.0.0.1:%1").arg(blocker.serverPort());
        Options o = quietOptions();
        o.listeners = {listenerConfig(QStringLiteral("tcp"), QStringLiteral("fine")),
                       listenerConfig(type, QStringLiteral("busy-one"), address)};
        if (tls) {
            o.listeners[1].tlsCertFile = s_pki->serverCert();
            o.listeners[1].tlsKeyFile = s_pki->serverKey();
        }
        Broker broker(o);
        QString error;
        QVERIFY(!broker.start(&error));
        QVERIFY2(error.contains(QStringLiteral("busy-one")), qPrintable(error));
        QVERIFY2(error.contains(address), qPrintable(error));
        QVERIFY2(error.contains(QStringLiteral("in use")), qPrintable(error));
        QVERIFY(!broker.isRunning());
        QVERIFY(broker.listeners().isEmpty());
    }

    void badTlsFiles_data()
    {
        QTest::addColumn<QString>("certFile");
        QTest::addColumn<QString>("keyFile");
        QTest::addColumn<QString>("caFile");
        QTest::addColumn<QString>("expected"); // the key named in the error
        QTest::addColumn<QString>("expectedFile");
        QTest::newRow("missing certificate") << "/nonexistent/server.crt"
                                             << "KEY"
                                             << ""
                                             << "tls_cert_file"
                                             << "/nonexistent/server.crt";
        QTest::newRow("missing key") << "CERT"
                                     << "/nonexistent/server.key"
                                     << ""
                                     << "tls_key_file"
                                     << "/nonexistent/server.key";
        QTest::newRow("missing ca") << "CERT"
                                    << "KEY"
                                    << "/nonexistent/ca.crt"
                                    << "tls_ca_file"
                                    << "/nonexistent/ca.crt";
        QTest::newRow("garbage certificate") << "GARBAGE"
                                             << "KEY"
                                             << ""
                                             << "tls_cert_file"
                                             << "GARBAGE";
        QTest::newRow("garbage key") << "CERT"
                                     << "GARBAGE"
                                     << ""
                                     << "tls_key_file"
                                     << "GARBAGE";
        QTest::newRow("unreadable key") << "CERT"
                                        << "UNREADABLE"
                                        << ""
                                        << "tls_key_file"
                                        << "UNREADABLE";
    }
    void badTlsFiles()
    {
        QFETCH(QString, certFile);
        QFETCH(QString, keyFile);
        QFETCH(QString, caFile);
        QFETCH(QString, expected);
        QFETCH(QString, expectedFile);
        if (!s_pki) QSKIP("needs openssl");
        QTemporaryDir dir;
        const QString garbage = dir.filePath(QStringLiteral("garbage.pem"));
        QVERIFY(writeFile(garbage, "-----BEGIN NOTHING-----\nnot a certificate\n"));
        const QString unreadable = dir.filePath(QStringLiteral("unreadable.key"));
        QVERIFY(QFile::copy(s_pki->serverKey(), unreadable));
        QVERIFY(QFile::setPermissions(unreadable, QFileDevice::Permissions()));
        if (expectedFile == QLatin1String("UNREADABLE") && ::geteuid() == 0)
            QSKIP("root reads files without read permission");
        const auto resolve = [&](QString s) {
            if (s == QLatin1String("CERT")) return s_pki->serverCert();
            if (s == QLatin1String("KEY")) return s_pki->serverKey();
            if (s == QLatin1String("GARBAGE")) return garbage;
            if (s == QLatin1String("UNREADABLE")) return unreadable;
            return s;
        };
        for (const QString &type : {QStringLiteral("tcp"), QStringLiteral("ws")}) {
            ListenerConfig l = listenerConfig(type, QStringLiteral("secure-%1").arg(type));
            l.tlsCertFile = resolve(certFile);
            l.tlsKeyFile = resolve(keyFile);
            l.tlsCaFile = resolve(caFile);
            Options o = quietOptions();
            o.listeners = {l};
            Broker broker(o);
            QString error;
            QVERIFY(!broker.start(&error));
            QVERIFY2(error.contains(l.id), qPrintable(error));
            QVERIFY2(error.contains(QStringLiteral("127.0.0.1:0")), qPrintable(error));
            QVERIFY2(error.contains(expected), qPrintable(error));
            QVERIFY2(error.contains(resolve(expectedFile)), qPrintable(error));
            QVERIFY(!broker.isRunning());
        }
    }

    void badAddress()
    {
        Options o = quietOptions();
        o.listeners = {
            listenerConfig(QStringLiteral("tcp"), QStringLiteral("odd"), QStringLiteral("no-port"))};
        Broker broker(o);
        QString error;
        QVERIFY(!broker.start(&error));
        QVERIFY2(error.contains(QStringLiteral("odd")) && error.contains(QStringLiteral("no-port")),
                 qPrintable(error));
    }

    // ---- config keys (the loader) ------------------------------------------------------

    void unixPermissionsKey_data()
    {
        QTest::addColumn<QByteArray>("yaml");
        QTest::addColumn<int>("mode"); // -1: an error naming unix_permissions
        QTest::newRow("quoted") << QByteArray("listeners:\n  - {type: unix, id: u, address: /tmp/x.sock, "
                                              "unix_permissions: \"0660\"}\n")
                                << 0660;
        QTest::newRow("plain digits")
            << QByteArray("listeners:\n  - {type: unix, id: u, address: /tmp/x.sock, "
                          "unix_permissions: 600}\n")
            << 0600;
        QTest::newRow("absent") << QByteArray("listeners:\n  - {type: unix, id: u, address: /tmp/x.sock}\n")
                                << -2;
        QTest::newRow("not octal") << QByteArray("listeners:\n  - {type: unix, id: u, address: /tmp/x.sock, "
                                                 "unix_permissions: \"0999\"}\n")
                                   << -1;
        QTest::newRow("on tcp") << QByteArray("listeners:\n  - {type: tcp, id: t, address: \":1883\", "
                                              "unix_permissions: \"0660\"}\n")
                                << -1;
    }
    void unixPermissionsKey()
    {
        QFETCH(QByteArray, yaml);
        QFETCH(int, mode);
        config::ConfigError error;
        const auto options = config::loadConfigString(yaml, QStringLiteral("test.yaml"), &error);
        if (mode == -1) {
            QVERIFY(!options);
            QVERIFY2(error.toString().contains(QStringLiteral("unix_permissions")),
                     qPrintable(error.toString()));
            return;
        }
        QVERIFY2(options, qPrintable(error.toString()));
        QCOMPARE(options->listeners.value(0).unixPermissions, mode == -2 ? -1 : mode);
    }

    // ---- shipped configurations ------------------------------------------------------------

    void shippedConfigOpensEveryListener_data()
    {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QStringList>("protocols");
        QTest::newRow("default.yaml")
            << QStringLiteral("resources/config/default.yaml")
            << QStringList{QStringLiteral("tcp"), QStringLiteral("ws"), QStringLiteral("http")};
        QTest::newRow("mochi-example.yaml") << QStringLiteral("resources/config/mochi-example.yaml")
                                            << QStringList{QStringLiteral("tcp"), QStringLiteral("ws"),
                                                           QStringLiteral("http"), QStringLiteral("http")};
    }
    void shippedConfigOpensEveryListener()
    {
        QFETCH(QString, file);
        QFETCH(QStringList, protocols);
        config::ConfigError error;
        auto options = config::loadConfigFile(sourceDir() + u'/' + file, &error);
        QVERIFY2(options, qPrintable(error.toString()));
        // Same listeners, ephemeral ports (the real ones may be taken on this machine).
        for (ListenerConfig &l : options->listeners)
            l.address = QStringLiteral("127.0.0.1:0");
        options->workerThreads = 2;
        // mochi-example.yaml names a Redis server (redis.local:6380) that this machine does not
        // have: the Redis storage hook would refuse to start (tests/storage covers it with a
        // real redis-server). Listeners are what this test is about.
        options->hooks.removeIf([](const HookConfig &h) { return h.name == QLatin1String("redis"); });
        // default.yaml names the SQLite storage file relative to the data directory.
        QTemporaryDir data;
        options->dataDir = data.path();
        Broker broker(*options);
        QString startError;
        QVERIFY2(broker.start(&startError), qPrintable(startError));
        QStringList got;
        for (const ListenerInfo &l : broker.listeners()) {
            got.append(l.protocol);
            QVERIFY(l.port != 0);
        }
        QCOMPARE(got, protocols);
        // The MQTT ones answer CONNECT with a CONNACK (whether it accepts is the auth hooks' business).
        for (const ListenerInfo &l : broker.listeners()) {
            if (l.protocol != QLatin1String("tcp")) continue;
            TestClient c("c");
            QVERIFY(c.connectTcp(l.port));
            QVERIFY(c.connect(makeConnect(packets::ProtocolVersion::V311, uniqueName("cfg"))));
        }
    }

    // ---- petrel-server -----------------------------------------------------------------

    void server_allListenerFlags()
    {
        PETREL_REQUIRE_PROGRAM("mosquitto_pub");
        PETREL_REQUIRE_PROGRAM("curl");
        const QString server = serverPath();
        if (!QFile::exists(server)) QSKIP("petrel-server is not built");
        const quint16 tcp = freePort(), ws = freePort(), http = freePort();
        QVERIFY(tcp && ws && http && tcp != ws && ws != http && tcp != http);
        QTemporaryDir dir;
        const QString sock = dir.filePath(QStringLiteral("petrel.sock"));
        QProcess p;
        QByteArray log;
        QVERIFY2(
            startUntilRunning(p,
                              {QStringLiteral("--tcp"), QStringLiteral("127.0.0.1:%1").arg(tcp),
                               QStringLiteral("--ws"), QStringLiteral("127.0.0.1:%1").arg(ws),
                               QStringLiteral("--http"), QStringLiteral("127.0.0.1:%1").arg(http),
                               QStringLiteral("--unix"), sock, QStringLiteral("--allow-all"),
                               QStringLiteral("--data-dir"), dir.path(), QStringLiteral("--workers"),
                               QStringLiteral("2"), QStringLiteral("--log-level"), QStringLiteral("info")},
                              log),
            log.constData());
#ifdef PETREL_EXPECT_JEMALLOC
        // Linked with jemalloc, and jemalloc really serves malloc (not glibc's arenas).
        QVERIFY2(log.contains("(2 worker threads, jemalloc 5."), log.constData());
        {
            QFile maps(QStringLiteral("/proc/%1/maps").arg(p.processId()));
            QVERIFY(maps.open(QIODevice::ReadOnly));
            QVERIFY(maps.readAll().contains("libjemalloc"));
        }
#else
        QVERIFY2(log.contains("(2 worker threads, system malloc)"), log.constData());
#endif
        for (const char *protocol : {"tcp on", "ws on", "http on", "unix on"})
            QVERIFY2(log.contains(protocol), log.constData());

        const ProcessResult health = runProcess(
            QStringLiteral("curl"), {QStringLiteral("-s"), QStringLiteral("--max-time"), QStringLiteral("5"),
                                     QStringLiteral("http://127.0.0.1:%1/healthcheck").arg(http)});
        QVERIFY2(health.ok() && health.out.contains("\"ok\":true"), qPrintable(health.describe()));
        const ProcessResult pubTcp =
            runProcess(QStringLiteral("mosquitto_pub"),
                       {QStringLiteral("-h"), QStringLiteral("127.0.0.1"), QStringLiteral("-p"),
                        QString::number(tcp), QStringLiteral("-t"), QStringLiteral("t"), QStringLiteral("-m"),
                        QStringLiteral("m"), QStringLiteral("-q"), QStringLiteral("1")});
        QVERIFY2(pubTcp.ok(), qPrintable(pubTcp.describe()));
        const ProcessResult pubUnix = runProcess(
            QStringLiteral("mosquitto_pub"),
            {QStringLiteral("--unix"), sock, QStringLiteral("-t"), QStringLiteral("t"), QStringLiteral("-m"),
             QStringLiteral("m"), QStringLiteral("-q"), QStringLiteral("1")});
        QVERIFY2(pubUnix.ok(), qPrintable(pubUnix.describe()));

        p.terminate(); // SIGTERM: graceful shutdown
        QVERIFY(p.waitForFinished(10000));
        QCOMPARE(p.exitStatus(), QProcess::NormalExit);
        QCOMPARE(p.exitCode(), 0);
        QVERIFY(!QFileInfo::exists(sock));
    }

    // The start-up line counts its threads in words that agree with the number.
    void server_oneWorkerThread()
    {
        if (!QFile::exists(serverPath())) QSKIP("petrel-server is not built");
        QProcess p;
        QByteArray log;
        QVERIFY2(startUntilRunning(p,
                                   {QStringLiteral("--tcp"), QStringLiteral("127.0.0.1:0"),
                                    QStringLiteral("--allow-all"), QStringLiteral("--workers"),
                                    QStringLiteral("1")},
                                   log),
                 log.constData());
        QVERIFY2(log.contains("running (1 worker thread, "), log.constData());
        p.terminate();
        QVERIFY(p.waitForFinished(10000));
        QCOMPARE(p.exitCode(), 0);
    }

    void server_addressInUseFails()
    {
        const QString server = serverPath();
        if (!QFile::exists(server)) QSKIP("petrel-server is not built");
        QTcpServer blocker;
        QVERIFY(blocker.listen(QHostAddress::LocalHost, 0));
        const QString address = QStringLiteral("127.0.0.1:%1").arg(blocker.serverPort());
        const ProcessResult r = runProcess(server, {QStringLiteral("--http"), address});
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains("cli-http1") && r.err.contains(address.toUtf8()), r.err.constData());
    }
};

QTEST_MAIN(tst_ListenersConfig)
#include "tst_listeners_config.moc"
