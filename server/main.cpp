// petrel-server: the headless broker. Reads a Mochi-compatible YAML/JSON config, opens the
// listeners, runs until SIGINT/SIGTERM, then shuts down gracefully.
#include "broker/broker.h"
#include "broker/logring.h"
#include "config/config.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QLoggingCategory>
#include <QSocketNotifier>

#include <algorithm>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <sys/socket.h>
#include <unistd.h>

#ifdef PETREL_WITH_JEMALLOC
extern "C" int mallctl(const char *name, void *oldp, std::size_t *oldlenp, void *newp, std::size_t newlen);
#endif

namespace {

int g_signalFds[2] = {-1, -1};

// Which allocator serves malloc in this process: "jemalloc <version>" when petrel-server was
// linked with it and it really serves malloc (its per-thread counter moves when this thread
// allocates), "system malloc" otherwise (glibc's, or a sanitizer's).
QByteArray allocatorName()
{
#ifdef PETREL_WITH_JEMALLOC
    const char *version = nullptr;
    std::size_t len = sizeof version;
    if (mallctl("version", &version, &len, nullptr, 0) == 0 && version) {
        std::uint64_t before = 0, after = 0;
        len = sizeof before;
        mallctl("thread.allocated", &before, &len, nullptr, 0);
        void *volatile p = std::malloc(4096);
        std::free(p);
        len = sizeof after;
        mallctl("thread.allocated", &after, &len, nullptr, 0);
        if (after > before) return QByteArray("jemalloc ") + version;
        return QByteArrayLiteral("system malloc (jemalloc linked but not in use)");
    }
#endif
    return QByteArrayLiteral("system malloc");
}

void onSignal(int)
{
    const char c = 1;
    [[maybe_unused]] auto n = ::write(g_signalFds[0], &c, 1);
}

void installSignalHandlers(QCoreApplication &app)
{
    if (::socketpair(AF_UNIX, SOCK_STREAM, 0, g_signalFds) != 0) return;
    auto *notifier = new QSocketNotifier(g_signalFds[1], QSocketNotifier::Read, &app);
    QObject::connect(notifier, &QSocketNotifier::activated, &app, [notifier] {
        char c;
        [[maybe_unused]] auto n = ::read(g_signalFds[1], &c, 1);
        notifier->setEnabled(false);
        std::fprintf(stderr, "petrel-server: shutting down\n");
        QCoreApplication::quit();
    });
    struct sigaction sa {};
    sa.sa_handler = onSignal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    ::sigaction(SIGINT, &sa, nullptr);
    ::sigaction(SIGTERM, &sa, nullptr);
    ::signal(SIGPIPE, SIG_IGN);
}

void applyLogLevel(petrel::LogLevel level)
{
    QString rules;
    switch (level) {
    case petrel::LogLevel::Debug:
        rules = QStringLiteral("petrel.*.debug=true");
        break;
    case petrel::LogLevel::Info:
        rules = QStringLiteral("petrel.*.debug=false");
        break;
    case petrel::LogLevel::Warn:
        rules = QStringLiteral("petrel.*.debug=false\npetrel.*.info=false");
        break;
    case petrel::LogLevel::Error:
        rules = QStringLiteral("petrel.*.debug=false\npetrel.*.info=false\npetrel.*.warning=false");
        break;
    }
    QLoggingCategory::setFilterRules(rules);
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("petrel-server"));
    QCoreApplication::setApplicationVersion(QStringLiteral(PETREL_VERSION));
    qSetMessagePattern(QStringLiteral("%{time yyyy-MM-ddThh:mm:ss.zzz} %{type} %{category}: %{message}"));

    QCommandLineParser parser;
    parser.addHelpOption();
    parser.addVersionOption();
    QCommandLineOption configOpt(
        QStringList{QStringLiteral("c"), QStringLiteral("config")},
        QStringLiteral("Read the configuration (YAML or JSON, Mochi MQTT schema) from <file>."),
        QStringLiteral("file"));
    QCommandLineOption tcpOpt(
        QStringLiteral("tcp"),
        QStringLiteral("Add an MQTT listener on <address> (host:port or :port). Repeatable."),
        QStringLiteral("address"));
    QCommandLineOption wsOpt(QStringLiteral("ws"),
                             QStringLiteral("Add an MQTT-over-WebSocket listener on <address> (any path, "
                                            "subprotocol mqtt). Repeatable."),
                             QStringLiteral("address"));
    QCommandLineOption httpOpt(
        QStringLiteral("http"),
        QStringLiteral("Add an HTTP stats listener on <address>: GET / ($SYS as JSON), "
                       "/healthcheck, /metrics (Prometheus). Repeatable."),
        QStringLiteral("address"));
    QCommandLineOption unixOpt(
        QStringLiteral("unix"),
        QStringLiteral("Add an MQTT listener on the Unix domain socket <path>. Repeatable."),
        QStringLiteral("path"));
    QCommandLineOption allowAllOpt(
        QStringLiteral("allow-all"),
        QStringLiteral(
            "Let every client connect, publish and subscribe (the auth allow_all hook; replaces an "
            "auth ledger from the config). For local testing only."));
    QCommandLineOption dataDirOpt(
        QStringLiteral("data-dir"),
        QStringLiteral("Directory for persistent data (sessions, retained messages)."),
        QStringLiteral("dir"));
    QCommandLineOption workersOpt(
        QStringLiteral("workers"),
        QStringLiteral("Number of network worker threads, 1-1024 (default: one per core)."),
        QStringLiteral("n"));
    QCommandLineOption logOpt(
        QStringLiteral("log-level"),
        QStringLiteral("debug, info, warn or error (default: the config's logging.level, "
                       "else info)."),
        QStringLiteral("level"));
    QCommandLineOption adminTokenOpt(
        QStringLiteral("admin-token"),
        QStringLiteral("Serve the admin API (docs/admin-api.md) on every HTTP stats listener that has no "
                       "admin_token of its own, for requests with \"Authorization: Bearer <token>\". The "
                       "environment variable PETREL_ADMIN_TOKEN does the same without showing the token "
                       "in the process list."),
        QStringLiteral("token"));
    parser.addOptions({configOpt, tcpOpt, wsOpt, httpOpt, unixOpt, allowAllOpt, dataDirOpt, workersOpt,
                       logOpt, adminTokenOpt});
    parser.setApplicationDescription(QStringLiteral(
        "Petrel MQTT 5 / 3.1.1 / 3.1 broker.\n\n"
        "Listeners come from --config and from the --tcp/--ws/--http/--unix flags together; with none at "
        "all, MQTT over TCP on :1883. TLS, WSS, per-listener limits and everything else are set in the "
        "config file (docs/configuration.md). Logging categories: petrel.* (QT_LOGGING_RULES works too)."));
    parser.process(app);
    if (!parser.positionalArguments().isEmpty()) {
        std::fprintf(stderr, "petrel-server: unexpected argument '%s' (see --help)\n",
                     qPrintable(parser.positionalArguments().first()));
        return 2;
    }

    petrel::Options options;
    if (parser.isSet(configOpt)) {
        petrel::config::ConfigError error;
        auto loaded = petrel::config::loadConfigFile(parser.value(configOpt), &error);
        if (!loaded) {
            std::fprintf(stderr, "petrel-server: %s\n", qPrintable(error.toString()));
            return 1;
        }
        options = *loaded;
    }
    const auto addListeners = [&](const QCommandLineOption &option, const char *type, const char *idPrefix) {
        int index = 0;
        for (const QString &address : parser.values(option)) {
            petrel::ListenerConfig l;
            l.type = QLatin1String(type);
            l.id = QStringLiteral("%1%2").arg(QLatin1String(idPrefix)).arg(++index);
            l.address = address;
            options.listeners.append(l);
        }
    };
    addListeners(tcpOpt, "tcp", "cli-tcp");
    addListeners(wsOpt, "ws", "cli-ws");
    addListeners(httpOpt, "sysinfo", "cli-http");
    addListeners(unixOpt, "unix", "cli-unix");
    if (parser.isSet(allowAllOpt)) {
        // The auth hooks arrive with the hooks issue; until then the engine accepts everyone
        // and this only records the choice in Options::hooks.
        options.hooks.removeIf([](const petrel::HookConfig &h) { return h.type == QLatin1String("auth"); });
        options.hooks.prepend(petrel::HookConfig{QStringLiteral("auth"), QStringLiteral("allow_all"), {}});
    }
    QString adminToken = qEnvironmentVariable("PETREL_ADMIN_TOKEN");
    if (parser.isSet(adminTokenOpt)) adminToken = parser.value(adminTokenOpt);
    if (parser.isSet(adminTokenOpt) && adminToken.isEmpty()) {
        std::fprintf(stderr, "petrel-server: --admin-token needs a non-empty token\n");
        return 2;
    }
    if (!adminToken.isEmpty()) {
        for (petrel::ListenerConfig &l : options.listeners)
            if (l.type == QLatin1String("sysinfo") && l.adminToken.isEmpty()) l.adminToken = adminToken;
    }
    if (parser.isSet(dataDirOpt)) options.dataDir = parser.value(dataDirOpt);
    if (options.listeners.isEmpty()) {
        petrel::ListenerConfig l;
        l.type = QStringLiteral("tcp");
        l.id = QStringLiteral("tcp");
        l.address = QStringLiteral(":1883");
        options.listeners.append(l);
    }
    if (parser.isSet(workersOpt)) {
        bool ok = false;
        const int n = parser.value(workersOpt).toInt(&ok);
        if (!ok || n < 1 || n > 1024) {
            std::fprintf(stderr, "petrel-server: --workers needs a number from 1 to 1024\n");
            return 2;
        }
        options.workerThreads = n;
    }
    if (parser.isSet(logOpt)) {
        const QString level = parser.value(logOpt).toLower();
        if (level == QLatin1String("debug"))
            options.logLevel = petrel::LogLevel::Debug;
        else if (level == QLatin1String("info"))
            options.logLevel = petrel::LogLevel::Info;
        else if (level == QLatin1String("warn"))
            options.logLevel = petrel::LogLevel::Warn;
        else if (level == QLatin1String("error"))
            options.logLevel = petrel::LogLevel::Error;
        else {
            std::fprintf(stderr, "petrel-server: --log-level must be debug, info, warn or error\n");
            return 2;
        }
    }
    applyLogLevel(options.logLevel);
    petrel::LogRing::install(); // the admin API's log tail
    installSignalHandlers(app);
    const bool hasAuth =
        std::any_of(options.hooks.cbegin(), options.hooks.cend(),
                    [](const petrel::HookConfig &h) { return h.type == QLatin1String("auth"); });
    if (!hasAuth)
        std::fprintf(stderr, "petrel-server: no auth hook configured: every client will be refused "
                             "(use --allow-all, or hooks.auth in the config file)\n");

    petrel::Broker broker(options);
    QString error;
    if (!broker.start(&error)) {
        std::fprintf(stderr, "petrel-server: %s\n", qPrintable(error));
        return 1;
    }
    for (const petrel::ListenerInfo &l : broker.listeners())
        std::fprintf(stderr, "petrel-server: listener %s: %s on %s\n", qPrintable(l.id),
                     qPrintable(l.protocol), qPrintable(l.address));
    const int threads = broker.stats().threads;
    std::fprintf(stderr, "petrel-server %s running (%d worker thread%s, %s)\n", PETREL_VERSION, threads,
                 threads == 1 ? "" : "s", allocatorName().constData());
    const int rc = app.exec();
    broker.stop();
    return rc;
}
