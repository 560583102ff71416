// bench-hooks: an in-process broker set up with one of several hook configurations, for
// bench/scripts/hooks.sh to load with petrel-bench and compare the broker's CPU time per
// delivered message (docs/benchmarks.md, "Hook overhead").
//
//   bench-hooks MODE PORT [WORKERS]
//     allow-all         only the allow-all auth hook (the baseline)
//     events-idle       the same; Broker::events() exists with nothing connected (always true)
//     noop-all          plus a hook that provides every event and does nothing
//     events-published  plus a receiver connected to BrokerEvents::published (queued to main)
#include <broker/broker.h>
#include <hooks/brokerevents.h>

#include <QCoreApplication>
#include <QHostAddress>

#include <atomic>
#include <cstdio>
#include <cstring>

namespace {

class NoopAll : public petrel::Hook {
public:
    QString id() const override { return QStringLiteral("noop-all"); }
    petrel::HookMask provides() const override
    {
        // Every event but the decisions (allow-all answers those) and the loaders.
        petrel::HookMask m = 0;
        for (unsigned e = 0; e < unsigned(petrel::HookEvent::StoredClients); ++e)
            m |= petrel::HookMask(1) << e;
        m &= ~(petrel::hookBit(petrel::HookEvent::OnConnectAuthenticate) |
               petrel::hookBit(petrel::HookEvent::OnACLCheck) |
               petrel::hookBit(petrel::HookEvent::OnAuthPacket));
        return m;
    }
};

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    if (argc < 3) {
        std::fprintf(stderr,
                     "usage: bench-hooks allow-all|events-idle|noop-all|events-published PORT [WORKERS]\n");
        return 2;
    }
    const QByteArray mode = argv[1];
    petrel::Options options;
    options.allowAllClients();
    options.workerThreads = argc > 3 ? std::atoi(argv[3]) : 1;
    petrel::Broker broker(options);

    std::atomic<long long> seen{0};
    if (mode == "noop-all") {
        broker.addHook(std::make_shared<NoopAll>());
    } else if (mode == "events-published") {
        QObject::connect(broker.events(), &petrel::BrokerEvents::published, &app,
                         [&](const petrel::ClientInfo &, const petrel::packets::Publish &) { ++seen; });
    } else if (mode != "allow-all" && mode != "events-idle") {
        std::fprintf(stderr, "bench-hooks: unknown mode %s\n", argv[1]);
        return 2;
    }
    QString error;
    if (!broker.start(&error) || !broker.listenTcp(QStringLiteral("tcp"), QHostAddress::LocalHost,
                                                   quint16(std::atoi(argv[2])), &error)) {
        std::fprintf(stderr, "bench-hooks: %s\n", qPrintable(error));
        return 1;
    }
    std::printf("listening\n");
    std::fflush(stdout);
    return app.exec();
}
