// bench-gui: how busy petrel-admin's UI thread is while the broker it shows carries many
// clients and a steady publish load (docs/gui-responsiveness.md).
//
//   bench-gui [--clients N] [--rate MSG_PER_S] [--seconds S] [--view NAME]
//       in-process load: N idle clients, 10 subscribers on load/#, one publisher
//   bench-gui --external --port P --clients N ...
//       embedded broker on 127.0.0.1:P; the load comes from another process (petrel-bench,
//       bench/gui/run_10k.sh); measuring starts once N clients are connected
//   bench-gui --attach URL --token T --clients N ...
//       attached mode: a petrel-server loaded by another process, through its admin API
//   bench-gui --replay BATCHES [--batch-size M] [--topics T] [--view NAME]
//       no broker traffic: hands MainWindow BATCHES message batches of M messages (default
//       11,000, what 44,000 msg/s gives per 250 ms) on T topics (default 5,000, pb/pair/<i>
//       as petrel-bench pairs) and prints the UI thread's wall time per batch; repeatable,
//       for profiling (valgrind --tool=callgrind) and before/after comparisons
//
// The real MainWindow runs (QT_QPA_PLATFORM=offscreen unless a display is set). Measured on
// the UI thread: its CPU time, how late a 10 ms timer fires, and what the views' model
// updates cost per snapshot and per message batch.
#include "mainwindow.h"
#include "packets/codec.h"

#include <QAbstractEventDispatcher>
#include <QApplication>
#include <QCommandLineParser>
#include <QDateTime>
#include <QElapsedTimer>
#include <QLoggingCategory>
#include <QTimer>

#include <algorithm>
#include <arpa/inet.h>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>
#include <vector>

using namespace petrel;
using namespace petrel::gui;

namespace {

int connectTo(quint16 port)
{
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr *>(&a), sizeof a) != 0) {
        ::close(fd);
        return -1;
    }
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

bool sendAll(int fd, const QByteArray &b)
{
    qsizetype off = 0;
    while (off < b.size()) {
        const ssize_t n = ::send(fd, b.constData() + off, size_t(b.size() - off), MSG_NOSIGNAL);
        if (n <= 0) return false;
        off += n;
    }
    return true;
}

// CONNECT, then wait for the 4-byte CONNACK.
int mqttClient(quint16 port, const QByteArray &id)
{
    const int fd = connectTo(port);
    if (fd < 0) return -1;
    packets::Connect c;
    c.version = packets::ProtocolVersion::V311;
    c.clientId = id;
    c.cleanStart = true;
    c.keepAlive = 0;
    QByteArray out;
    packets::encodePacket(packets::Packet(c), c.version, out);
    char ack[4];
    if (!sendAll(fd, out) || ::recv(fd, ack, 4, MSG_WAITALL) != 4) {
        ::close(fd);
        return -1;
    }
    return fd;
}

struct Load {
    std::atomic<bool> stop{false};
    std::atomic<qint64> published{0};
    std::atomic<int> connected{0};
    std::atomic<bool> ready{false}; // setup finished (some connects may have failed)
    std::vector<int> idle;
    std::vector<std::thread> threads;
};

void runLoad(Load &load, quint16 port, int clients, int rate)
{
    // Idle clients.
    for (int i = 0; i < clients && !load.stop; ++i) {
        const int fd = mqttClient(port, "idle-" + QByteArray::number(i));
        if (fd < 0) std::fprintf(stderr, "bench-gui: client %d could not connect: %s\n", i, strerror(errno));
        if (fd >= 0) {
            load.idle.push_back(fd);
            ++load.connected;
        }
    }
    // Subscribers, drained by one thread with poll().
    std::vector<int> subs;
    for (int i = 0; i < 10; ++i) {
        const int fd = mqttClient(port, "sub-" + QByteArray::number(i));
        if (fd < 0) continue;
        packets::Subscribe s;
        s.packetId = 1;
        s.topics.append(packets::TopicSubscription{"load/#", {}});
        QByteArray out;
        packets::encodePacket(packets::Packet(s), packets::ProtocolVersion::V311, out);
        sendAll(fd, out);
        subs.push_back(fd);
    }
    load.threads.emplace_back([&load, subs] {
        std::vector<pollfd> p;
        for (int fd : subs)
            p.push_back(pollfd{fd, POLLIN, 0});
        static char buf[1 << 16];
        while (!load.stop) {
            if (::poll(p.data(), p.size(), 100) <= 0) continue;
            for (auto &e : p)
                if (e.revents & POLLIN) (void)::recv(e.fd, buf, sizeof buf, MSG_DONTWAIT);
        }
        for (int fd : subs)
            ::close(fd);
    });
    // Publisher: batches every 10 ms.
    const int pub = mqttClient(port, "publisher");
    if (pub < 0) return;
    load.threads.emplace_back([&load, pub, rate] {
        QList<QByteArray> encoded;
        for (int t = 0; t < 100; ++t) {
            packets::Publish p;
            p.topic = "load/sensor/" + QByteArray::number(t);
            p.payload = "{\"value\":" + QByteArray::number(t * 7) + ",\"unit\":\"W\"}";
            QByteArray out;
            packets::encodePacket(packets::Packet(p), packets::ProtocolVersion::V311, out);
            encoded.append(out);
        }
        const auto start = std::chrono::steady_clock::now();
        qint64 sent = 0;
        QByteArray batch;
        while (!load.stop) {
            const double elapsed =
                std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
            const qint64 due = qint64(elapsed * rate);
            batch.clear();
            for (; sent < due; ++sent)
                batch.append(encoded[int(sent % 100)]);
            if (!batch.isEmpty() && !sendAll(pub, batch)) break;
            load.published = sent;
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        ::close(pub);
    });
}

} // namespace

int main(int argc, char **argv)
{
    if (qEnvironmentVariableIsEmpty("DISPLAY") && qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("petrel-bench"));
    QApplication::setApplicationName(QStringLiteral("bench-gui"));
    QCommandLineParser parser;
    QCommandLineOption clientsOpt(QStringLiteral("clients"),
                                  QStringLiteral("idle clients (in-process load) or connected clients to "
                                                 "wait for (--external, --attach)"),
                                  QStringLiteral("n"), QStringLiteral("2000"));
    QCommandLineOption rateOpt(QStringLiteral("rate"), QStringLiteral("messages/s (in-process load)"),
                               QStringLiteral("n"), QStringLiteral("20000"));
    QCommandLineOption secondsOpt(QStringLiteral("seconds"), QStringLiteral("measured seconds"),
                                  QStringLiteral("n"), QStringLiteral("20"));
    QCommandLineOption viewOpt(QStringLiteral("view"), QStringLiteral("view shown"), QStringLiteral("name"),
                               QStringLiteral("messages"));
    QCommandLineOption externalOpt(QStringLiteral("external"),
                                   QStringLiteral("no in-process load: another process connects"));
    QCommandLineOption portOpt(QStringLiteral("port"), QStringLiteral("embedded broker's TCP port"),
                               QStringLiteral("port"), QStringLiteral("0"));
    QCommandLineOption attachOpt(QStringLiteral("attach"), QStringLiteral("attached mode: admin API URL"),
                                 QStringLiteral("url"));
    QCommandLineOption tokenOpt(QStringLiteral("token"), QStringLiteral("admin token for --attach"),
                                QStringLiteral("token"));
    QCommandLineOption settleOpt(QStringLiteral("settle"),
                                 QStringLiteral("seconds between all clients connected and measuring"),
                                 QStringLiteral("s"), QStringLiteral("3"));
    QCommandLineOption replayOpt(QStringLiteral("replay"),
                                 QStringLiteral("synthetic message batches to replay"), QStringLiteral("n"));
    QCommandLineOption batchSizeOpt(QStringLiteral("batch-size"),
                                    QStringLiteral("messages per replayed batch"), QStringLiteral("n"),
                                    QStringLiteral("11000"));
    QCommandLineOption topicsOpt(QStringLiteral("topics"),
                                 QStringLiteral("distinct topics in replayed batches"), QStringLiteral("n"),
                                 QStringLiteral("5000"));
    QCommandLineOption uiDiffOpt(QStringLiteral("diff-on-ui-thread"),
                                 QStringLiteral("the Clients/Subscriptions diff on the UI thread (as before "
                                                "28 Nov: for comparison)"));
    parser.addOptions({clientsOpt, rateOpt, secondsOpt, viewOpt, externalOpt, portOpt, attachOpt, tokenOpt,
                       settleOpt, replayOpt, batchSizeOpt, topicsOpt, uiDiffOpt});
    parser.addHelpOption();
    parser.process(app);
    const int clients = parser.value(clientsOpt).toInt();
    const int rate = parser.value(rateOpt).toInt();
    const int seconds = parser.value(secondsOpt).toInt();
    const int settleMs = parser.value(settleOpt).toInt() * 1000;
    const QString view = parser.value(viewOpt);
    const bool attached = parser.isSet(attachOpt);
    const bool external = attached || parser.isSet(externalOpt);

    Controller controller;
    // Model update cost: these slots run right before and right after MainWindow's own
    // (slots run in connection order), so the difference is what the views do per batch.
    QElapsedTimer clock;
    clock.start();
    bool measuring = false;
    struct Cost {
        qint64 n = 0, sumNs = 0, maxNs = 0, t0 = 0;
        void begin(const QElapsedTimer &c) { t0 = c.nsecsElapsed(); }
        void end(const QElapsedTimer &c, bool on)
        {
            if (!on) return;
            const qint64 d = c.nsecsElapsed() - t0;
            ++n;
            sumNs += d;
            maxNs = std::max(maxNs, d);
        }
        double avgMs() const { return n ? double(sumNs) / double(n) / 1e6 : 0.0; }
    } snapshotCost, messagesCost;
    Backend *backend = attached ? static_cast<Backend *>(controller.attached())
                                : static_cast<Backend *>(controller.embedded());
    backend->setDiffInBackground(!parser.isSet(uiDiffOpt));
    QObject::connect(backend, &Backend::snapshotReady, &app, [&] { snapshotCost.begin(clock); });
    QObject::connect(backend, &Backend::messagesArrived, &app, [&] { messagesCost.begin(clock); });
    MainWindow w(&controller);
    // The latest snapshot's stats (both modes): connected clients and message counters.
    BrokerStats latest;
    qint64 latestAtMs = 0;
    QObject::connect(backend, &Backend::snapshotReady, &app, [&](const Snapshot &s) {
        snapshotCost.end(clock, measuring);
        latest = s.stats;
        latestAtMs = s.takenAtMs;
    });
    QObject::connect(backend, &Backend::messagesArrived, &app, [&] { messagesCost.end(clock, measuring); });
    w.resize(1280, 800);
    w.show();
    QLoggingCategory::setFilterRules(QStringLiteral("petrel.*.debug=false\npetrel.*.info=false"));
    QString why;
    if (attached) {
        w.settingsView()->setMode(SettingsView::Mode::Attached);
        w.settingsView()->setAttachTarget(parser.value(attachOpt), parser.value(tokenOpt));
    } else {
        Options o;
        o.allowAllClients();
        o.workerThreads = 2;
        o.listeners = {ListenerConfig{QStringLiteral("tcp"), QStringLiteral("tcp1"),
                                      QStringLiteral("127.0.0.1:%1").arg(parser.value(portOpt))}};
        o.logLevel = LogLevel::Warn;
        w.settingsView()->setMode(SettingsView::Mode::Embedded);
        w.settingsView()->setOptions(o);
    }
    if (!w.startBackend(&why)) {
        std::fprintf(stderr, "bench-gui: %s\n", qPrintable(why));
        return 1;
    }
    static const QStringList names = {QStringLiteral("dashboard"),     QStringLiteral("clients"),
                                      QStringLiteral("subscriptions"), QStringLiteral("topics"),
                                      QStringLiteral("publish"),       QStringLiteral("messages")};
    w.showView(MainWindow::View(std::max<qsizetype>(0, names.indexOf(view))));

    if (parser.isSet(replayOpt)) {
        const int batches = parser.value(replayOpt).toInt();
        const int size = parser.value(batchSizeOpt).toInt();
        const int topicCount = std::max(1, parser.value(topicsOpt).toInt());
        QList<QByteArray> topicNames;
        for (int i = 0; i < topicCount; ++i)
            topicNames.append(QByteArray("pb/pair/") + QByteArray::number(i));
        const QByteArray payload(64, 'x');
        qint64 seq = 0, sumNs = 0, maxNs = 0, cpuNs = 0;
        const auto cpuNow = [] {
            timespec ts{};
            clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
            return qint64(ts.tv_sec) * 1000000000LL + ts.tv_nsec;
        };
        std::vector<qint64> each;
        for (int b = 0; b < batches; ++b) {
            QList<MessageRecord> batch;
            batch.reserve(size);
            for (int i = 0; i < size; ++i, ++seq) {
                MessageRecord r;
                r.timeMs = QDateTime::currentMSecsSinceEpoch();
                r.clientId = "pub-" + QByteArray::number(seq % topicCount);
                r.topic = topicNames[int(seq % topicCount)];
                r.payload = payload;
                batch.append(std::move(r));
            }
            const qint64 t0 = clock.nsecsElapsed(), c0 = cpuNow();
            Q_EMIT backend->messagesArrived(batch, 0);
            QCoreApplication::processEvents(); // paint what changed, as the event loop would
            const qint64 d = clock.nsecsElapsed() - t0;
            if (b > 0) { // the first batch builds the topic tree
                cpuNs += cpuNow() - c0;
                sumNs += d;
                maxNs = std::max(maxNs, d);
                each.push_back(d);
            }
        }
        std::sort(each.begin(), each.end());
        const double avg = each.empty() ? 0.0 : double(sumNs) / double(each.size()) / 1e6;
        const double median = each.empty() ? 0.0 : double(each[each.size() / 2]) / 1e6;
        const double cpu = each.empty() ? 0.0 : double(cpuNs) / double(each.size()) / 1e6;
        std::printf(
            "replay: %d batches of %d messages on %d topics, view %s: UI thread CPU %.2f ms per batch; "
            "wall %.2f ms avg, %.2f ms median, %.2f ms max (first batch excluded); Messages rows %d, "
            "topics %d\n",
            batches, size, topicCount, qPrintable(view), cpu, avg, median, double(maxNs) / 1e6,
            w.messagesView()->model()->rowCount(), w.topicsView()->model()->topicCount());
        std::printf("BENCH-GUI-REPLAY-JSON {\"view\":\"%s\",\"batch\":%d,\"topics\":%d,\"cpu_ms\":%.2f,"
                    "\"avg_ms\":%.2f,\"median_ms\":%.2f,\"max_ms\":%.2f}\n",
                    qPrintable(view), size, topicCount, cpu, avg, median, double(maxNs) / 1e6);
        w.stopBackend();
        return 0;
    }

    Load load;
    std::thread setup;
    if (!external) {
        const quint16 port = controller.embedded()->broker()->serverPort(QStringLiteral("tcp1"));
        setup = std::thread([&, port] {
            runLoad(load, port, clients, rate);
            load.ready = true;
        });
    } else {
        std::printf(
            "bench-gui: %s, waiting for %d clients\n",
            attached
                ? qPrintable(QStringLiteral("attached to ") + parser.value(attachOpt))
                : qPrintable(QStringLiteral("embedded broker on 127.0.0.1:%1")
                                 .arg(controller.embedded()->broker()->serverPort(QStringLiteral("tcp1")))),
            clients);
        std::fflush(stdout);
    }

    // UI-thread busy time: the thread's CPU time (CLOCK_THREAD_CPUTIME_ID) over the window,
    // and responsiveness: how late a 10 ms heartbeat timer fires (a blocked UI shows here).
    const auto threadCpuNs = [] {
        timespec ts{};
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
        return qint64(ts.tv_sec) * 1000000000LL + ts.tv_nsec;
    };
    qint64 cpuStart = 0, maxLateNs = 0, lateSumNs = 0, beats = 0, lastBeat = 0, over50 = 0;
    QTimer heartbeat;
    heartbeat.setTimerType(Qt::PreciseTimer);
    heartbeat.setInterval(10);
    QObject::connect(&heartbeat, &QTimer::timeout, [&] {
        const qint64 now = clock.nsecsElapsed();
        if (measuring && lastBeat) {
            const qint64 late = std::max<qint64>(0, now - lastBeat - 10000000LL);
            maxLateNs = std::max(maxLateNs, late);
            lateSumNs += late;
            if (late > 50000000LL) ++over50;
            ++beats;
        }
        lastBeat = now;
    });
    heartbeat.start();

    // Warm-up until every client is connected (plus --settle), then measure; with an external
    // load, linger afterwards until the load has gone (its connections must not break).
    qint64 startNs = 0, startPub = 0, readyAt = -1, doneAt = -1;
    BrokerStats startStats;
    qint64 startStatsAtMs = 0;
    int rc = 0;
    QTimer poll;
    poll.setInterval(200);
    QObject::connect(&poll, &QTimer::timeout, [&] {
        if (doneAt >= 0) {
            if (latest.clientsConnected < std::max(1, clients / 100) || clock.elapsed() - doneAt > 300000)
                app.quit();
            return;
        }
        if (!measuring) {
            const bool ready = external ? latest.clientsConnected >= clients : load.ready.load();
            if (!ready) {
                if (clock.elapsed() > 600000) {
                    std::fprintf(stderr, "bench-gui: only %lld of %d clients connected after 600 s\n",
                                 latest.clientsConnected, clients);
                    rc = 1;
                    app.quit();
                }
                return;
            }
            if (readyAt < 0) readyAt = clock.elapsed();
            if (clock.elapsed() - readyAt < settleMs) return;
            measuring = true;
            startNs = clock.nsecsElapsed();
            startStats = latest;
            startStatsAtMs = latestAtMs;
            startPub = load.published;
            cpuStart = threadCpuNs();
            maxLateNs = lateSumNs = beats = over50 = 0;
            return;
        }
        const qint64 elapsedNs = clock.nsecsElapsed() - startNs;
        if (elapsedNs < qint64(seconds) * 1000000000LL) return;
        const double secs = double(elapsedNs) / 1e9;
        const double cpu = 100.0 * double(threadCpuNs() - cpuStart) / double(elapsedNs);
        const double statSecs = std::max<double>(0.001, double(latestAtMs - startStatsAtMs) / 1000.0);
        std::printf("mode %s, view %s, clients connected %lld (clients model rows %d)\n",
                    attached ? "attached" : "embedded", qPrintable(view), latest.clientsConnected,
                    w.clientsView()->model()->rowCount());
        std::printf("broker: %.0f msg/s in, %.0f msg/s out, dropped %lld",
                    double(latest.messagesReceived - startStats.messagesReceived) / statSecs,
                    double(latest.messagesSent - startStats.messagesSent) / statSecs, latest.messagesDropped);
        if (!external)
            std::printf(" (in-process publisher sent %.0f/s)", double(load.published - startPub) / secs);
        std::printf("\nUI thread CPU %.1f%% of %.1f s (idle %.1f%%); 10 ms heartbeat late by %.2f ms on "
                    "average, %.1f ms at most, %lld of %lld beats over 50 ms late\n",
                    cpu, secs, 100.0 - cpu, beats ? double(lateSumNs) / double(beats) / 1e6 : 0.0,
                    double(maxLateNs) / 1e6, over50, beats);
        std::printf("model updates: snapshot %.1f ms avg / %.1f ms max (%lld), message batch %.2f ms avg / "
                    "%.1f ms max (%lld); Messages view rows %d\n",
                    snapshotCost.avgMs(), double(snapshotCost.maxNs) / 1e6, snapshotCost.n,
                    messagesCost.avgMs(), double(messagesCost.maxNs) / 1e6, messagesCost.n,
                    w.messagesView()->model()->rowCount());
        std::printf(
            "BENCH-GUI-JSON {\"mode\":\"%s\",\"view\":\"%s\",\"clients\":%lld,\"msg_in_per_s\":%.0f,"
            "\"msg_out_per_s\":%.0f,\"ui_cpu_pct\":%.1f,\"late_avg_ms\":%.2f,\"late_max_ms\":%.1f,"
            "\"late_over_50ms\":%lld,\"beats\":%lld,\"snapshot_avg_ms\":%.1f,\"snapshot_max_ms\":%.1f,"
            "\"batch_avg_ms\":%.2f,\"batch_max_ms\":%.1f,\"diff\":\"%s\"}\n",
            attached ? "attached" : "embedded", qPrintable(view), latest.clientsConnected,
            double(latest.messagesReceived - startStats.messagesReceived) / statSecs,
            double(latest.messagesSent - startStats.messagesSent) / statSecs, cpu,
            beats ? double(lateSumNs) / double(beats) / 1e6 : 0.0, double(maxLateNs) / 1e6, over50, beats,
            snapshotCost.avgMs(), double(snapshotCost.maxNs) / 1e6, messagesCost.avgMs(),
            double(messagesCost.maxNs) / 1e6, backend->diffInBackground() ? "background" : "ui-thread");
        std::fflush(stdout);
        measuring = false;
        load.stop = true;
        if (external)
            doneAt = clock.elapsed();
        else
            app.quit();
    });
    poll.start();
    app.exec();
    load.stop = true;
    if (setup.joinable()) setup.join();
    for (auto &t : load.threads)
        t.join();
    for (int fd : load.idle)
        ::close(fd);
    w.stopBackend();
    return rc;
}
