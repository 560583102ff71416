// bench-gui: how busy petrel-admin's UI thread is while its embedded broker carries many
// clients and a steady publish load (docs/gui-responsiveness.md).
//
//   bench-gui [--clients N] [--rate MSG_PER_S] [--seconds S] [--view messages|dashboard|clients|topics]
//
// The real MainWindow runs (QT_QPA_PLATFORM=offscreen unless a display is set), its
// embedded broker on 127.0.0.1:<ephemeral> with 2 workers. A load thread opens N idle MQTT
// connections, 10 subscribers on "load/#" (drained) and one publisher sending QoS 0
// messages to 100 topics at the given rate. The UI thread's busy time is measured with the
// event dispatcher's awake/aboutToBlock signals: busy = awake .. next aboutToBlock.
#include "mainwindow.h"
#include "packets/codec.h"

#include <QAbstractEventDispatcher>
#include <QApplication>
#include <QCommandLineParser>
#include <QElapsedTimer>
#include <QLoggingCategory>
#include <QTimer>

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
    QCommandLineOption clientsOpt(QStringLiteral("clients"), QStringLiteral("idle clients"),
                                  QStringLiteral("n"), QStringLiteral("2000"));
    QCommandLineOption rateOpt(QStringLiteral("rate"), QStringLiteral("messages/s"), QStringLiteral("n"),
                               QStringLiteral("20000"));
    QCommandLineOption secondsOpt(QStringLiteral("seconds"), QStringLiteral("measured seconds"),
                                  QStringLiteral("n"), QStringLiteral("20"));
    QCommandLineOption viewOpt(QStringLiteral("view"), QStringLiteral("view shown"), QStringLiteral("name"),
                               QStringLiteral("messages"));
    parser.addOptions({clientsOpt, rateOpt, secondsOpt, viewOpt});
    parser.addHelpOption();
    parser.process(app);
    const int clients = parser.value(clientsOpt).toInt();
    const int rate = parser.value(rateOpt).toInt();
    const int seconds = parser.value(secondsOpt).toInt();
    const QString view = parser.value(viewOpt);

    Controller controller;
    MainWindow w(&controller);
    w.resize(1280, 800);
    w.show();
    Options o;
    o.allowAllClients();
    o.workerThreads = 2;
    o.listeners = {
        ListenerConfig{QStringLiteral("tcp"), QStringLiteral("tcp1"), QStringLiteral("127.0.0.1:0")}};
    o.logLevel = LogLevel::Warn;
    w.settingsView()->setOptions(o);
    QLoggingCategory::setFilterRules(QStringLiteral("petrel.*.info=false"));
    QString why;
    if (!w.startBackend(&why)) {
        std::fprintf(stderr, "bench-gui: %s\n", qPrintable(why));
        return 1;
    }
    const quint16 port = controller.embedded()->broker()->serverPort(QStringLiteral("tcp1"));
    static const QStringList names = {QStringLiteral("dashboard"),     QStringLiteral("clients"),
                                      QStringLiteral("subscriptions"), QStringLiteral("topics"),
                                      QStringLiteral("publish"),       QStringLiteral("messages")};
    w.showView(MainWindow::View(std::max<qsizetype>(0, names.indexOf(view))));

    Load load;
    std::thread setup([&] {
        runLoad(load, port, clients, rate);
        load.ready = true;
    });

    // UI-thread busy time: the thread's CPU time (CLOCK_THREAD_CPUTIME_ID) over the window,
    // and responsiveness: how late a 10 ms heartbeat timer fires (a blocked UI shows here).
    QElapsedTimer clock;
    clock.start();
    const auto threadCpuNs = [] {
        timespec ts{};
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
        return qint64(ts.tv_sec) * 1000000000LL + ts.tv_nsec;
    };
    bool measuring = false;
    qint64 cpuStart = 0, maxLateNs = 0, lateSumNs = 0, beats = 0, lastBeat = 0;
    QTimer heartbeat;
    heartbeat.setTimerType(Qt::PreciseTimer);
    heartbeat.setInterval(10);
    QObject::connect(&heartbeat, &QTimer::timeout, [&] {
        const qint64 now = clock.nsecsElapsed();
        if (measuring && lastBeat) {
            const qint64 late = std::max<qint64>(0, now - lastBeat - 10000000LL);
            maxLateNs = std::max(maxLateNs, late);
            lateSumNs += late;
            ++beats;
        }
        lastBeat = now;
    });
    heartbeat.start();

    // Warm-up until every client is connected (plus 3 s), then measure.
    qint64 startNs = 0, startMsgs = 0, startSent = 0, startPub = 0;
    QTimer poll;
    poll.setInterval(200);
    QObject::connect(&poll, &QTimer::timeout, [&] {
        static qint64 readyAt = -1;
        if (!measuring) {
            if (!load.ready) return;
            if (readyAt < 0) readyAt = clock.elapsed();
            if (clock.elapsed() - readyAt < 3000) return;
            measuring = true;
            startNs = clock.nsecsElapsed();
            startMsgs = controller.embedded()->broker()->stats().messagesReceived;
            startSent = controller.embedded()->broker()->stats().messagesSent;
            startPub = load.published;
            cpuStart = threadCpuNs();
            maxLateNs = lateSumNs = beats = 0;
            return;
        }
        const qint64 elapsedNs = clock.nsecsElapsed() - startNs;
        if (elapsedNs < qint64(seconds) * 1000000000LL) return;
        const BrokerStats s = controller.embedded()->broker()->stats();
        const double secs = double(elapsedNs) / 1e9;
        std::printf("clients %lld connected, view %s, target %d msg/s\n", s.clientsConnected,
                    qPrintable(view), rate);
        std::printf("broker: %.0f msg/s in, %.0f msg/s out (publisher sent %.0f/s), dropped %lld\n",
                    double(s.messagesReceived - startMsgs) / secs, double(s.messagesSent - startSent) / secs,
                    double(load.published - startPub) / secs, s.messagesDropped);
        std::printf(
            "UI thread CPU %.1f%% of %.1f s; 10 ms heartbeat late by %.2f ms on average, %.1f ms at most; "
            "Messages view rows %d\n",
            100.0 * double(threadCpuNs() - cpuStart) / double(elapsedNs), secs,
            beats ? double(lateSumNs) / double(beats) / 1e6 : 0.0, double(maxLateNs) / 1e6,
            w.messagesView()->model()->rowCount());
        std::fflush(stdout);
        load.stop = true;
        app.quit();
    });
    poll.start();
    app.exec();
    load.stop = true;
    setup.join();
    for (auto &t : load.threads)
        t.join();
    for (int fd : load.idle)
        ::close(fd);
    w.stopBackend();
    return 0;
}
