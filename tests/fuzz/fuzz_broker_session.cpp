// fuzz_broker_session: a whole broker session over a real loopback socket.
//
// One petrel::Broker (one worker thread, TCP listener on 127.0.0.1, port 0) is started once
// for the process. Per input:
//   setup byte (fuzz_common.h): bits 0-1 protocol version; bit 2 persistent session
//   (clean start 0, v5 Session Expiry 300 s); bit 3 with a will (QoS = bits 4-5 % 3,
//   retain = bit 6); bit 7 with user name and password.
//   A fresh socket (connected while the previous input ran, so the accept hand-off is off the
//   critical path) sends a valid CONNECT (client id "fuzz") followed by the rest of
//   the input as raw bytes, half-closes (SHUT_WR) and reads what the broker sends until it
//   closes the connection or kReadWaitMs pass; then the socket is reset (SO_LINGER 0).
// Every step is bounded by a deadline: no input can block the fuzzer.
//
// Liveness: every kProbeEvery inputs (and on the first), a separate probe connection sends
// CONNECT + PINGREQ and must get CONNACK and PINGRESP within kProbeMs, otherwise the target
// aborts ("broker unresponsive"): one of the previous kProbeEvery inputs hung or wedged the
// worker. The saved artifact is the input about to run, not the culprit: replay the corpus
// entries added just before (or the whole corpus with -runs) to find it.
//
// Sanitizers see the broker threads too: memory errors, UB and leaks in the broker are
// crashes of this target.
#include "broker/broker.h"
#include "fuzz_common.h"
#include "packets/codec.h"

#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QHostAddress>
#include <QLoggingCategory>

#include <arpa/inet.h>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace petrel::packets;

namespace {

constexpr int kConnectMs = 1000; // TCP connect to the listener
constexpr int kSendMs = 1000;    // writing the input (the broker must keep reading)
constexpr int kReadWaitMs = 20;  // after SHUT_WR: wait this long at most for the broker to close
constexpr int kProbeMs = 5000;   // liveness probe
constexpr int kProbeEvery = 1000;

petrel::Broker *g_broker = nullptr;
quint16 g_port = 0;
unsigned g_inputs = 0;
int g_nextFd = -1; // connection opened ahead for the next input (hides the accept latency)

// Starts a non-blocking connect to the broker; returns the socket or -1.
int startConnect()
{
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) return -1;
    const linger reset{1, 0}; // close() sends RST: no TIME_WAIT pile-up over millions of inputs
    ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(g_port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<const sockaddr *>(&addr), sizeof addr) == 0 || errno == EINPROGRESS)
        return fd;
    ::close(fd);
    return -1;
}

// Waits (bounded) until a socket from startConnect() is connected; closes it and returns -1
// if it does not connect.
int finishConnect(int fd)
{
    if (fd < 0) return -1;
    pollfd p{fd, POLLOUT, 0};
    int err = 0;
    socklen_t len = sizeof err;
    if (::poll(&p, 1, kConnectMs) == 1 && ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0)
        return fd;
    ::close(fd);
    return -1;
}

int connectToBroker()
{
    return finishConnect(startConnect());
}

// Reads whatever is there and drops it (appends to *keep if given). Returns false on EOF or error.
bool drain(int fd, QByteArray *keep = nullptr)
{
    char buf[16 * 1024];
    for (;;) {
        const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n > 0) {
            if (keep) keep->append(buf, n);
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
    }
}

// Sends all of `bytes` (reading meanwhile so the broker can never block on us) within kSendMs.
// Returns false if the broker closed the connection or the deadline passed.
bool sendAll(int fd, const char *data, qsizetype size)
{
    QDeadlineTimer deadline(kSendMs);
    while (size > 0) {
        const ssize_t n = ::send(fd, data, size_t(size), MSG_NOSIGNAL);
        if (n > 0) {
            data += n;
            size -= n;
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) return false;
        if (deadline.hasExpired()) return false;
        pollfd p{fd, POLLOUT | POLLIN, 0};
        ::poll(&p, 1, int(qMin<qint64>(deadline.remainingTime(), 10)));
        if ((p.revents & POLLIN) && !drain(fd)) return false;
    }
    return true;
}

Connect makeConnect(std::uint8_t setup)
{
    Connect c;
    c.version = petrel::fuzz::versionFromByte(setup);
    c.protocolName = c.version == ProtocolVersion::V31 ? "MQIsdp" : "MQTT";
    c.clientId = "fuzz";
    c.keepAlive = 60;
    c.cleanStart = !(setup & 0x04);
    if (isV5(c.version)) {
        c.properties.topicAliasMaximum = 8; // lets the broker use outbound topic aliases
        c.properties.mark(PropertyId::TopicAliasMaximum);
        if (!c.cleanStart) {
            c.properties.sessionExpiryInterval = 300;
            c.properties.mark(PropertyId::SessionExpiryInterval);
        }
    }
    if (setup & 0x08) {
        c.hasWill = true;
        c.will.qos = ((setup >> 4) & 3) % 3;
        c.will.retain = setup & 0x40;
        c.will.topic = "fuzz/will";
        c.will.payload = "gone";
    }
    if (setup & 0x80) {
        c.hasUsername = c.hasPassword = true;
        c.username = "fuzz";
        c.password = "secret";
    }
    return c;
}

// CONNECT + PINGREQ on a fresh connection must get CONNACK + PINGRESP.
void probeLiveness()
{
    const int fd = connectToBroker();
    if (fd < 0) {
        std::fprintf(stderr, "fuzz_broker_session: broker unresponsive: cannot connect to port %u\n", g_port);
        std::abort();
    }
    Connect c = makeConnect(0x01);
    c.clientId = "fuzz-probe";
    QByteArray out;
    encodeConnect(c, out);
    encodePingreq(out);
    QByteArray in;
    bool gotPingresp = false;
    if (sendAll(fd, out.constData(), out.size())) {
        QDeadlineTimer deadline(kProbeMs);
        while (!gotPingresp && !deadline.hasExpired()) {
            pollfd p{fd, POLLIN, 0};
            ::poll(&p, 1, int(qMin<qint64>(deadline.remainingTime(), 100)));
            const bool open = drain(fd, &in);
            // CONNACK (4 bytes) then PINGRESP (2 bytes); $SYS or queued messages do not come
            // to this client id (it subscribes to nothing).
            gotPingresp =
                in.size() >= 6 && quint8(in[0]) == 0x20 && in.mid(4, 2) == QByteArray("\xD0\x00", 2);
            if (!open) break;
        }
    }
    ::close(fd);
    if (!gotPingresp) {
        std::fprintf(stderr,
                     "fuzz_broker_session: broker unresponsive: no CONNACK+PINGRESP within %d ms (got %s)\n",
                     kProbeMs, in.toHex(' ').constData());
        std::abort();
    }
}

void stopBroker()
{
    if (g_broker) g_broker->stop();
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***)
{
    // The broker logs one line per bad client: millions of them here.
    QLoggingCategory::setFilterRules(QStringLiteral("*.debug=false\n*.info=false\n*.warning=false"));
    static int argc = 1;
    static char name[] = "fuzz_broker_session";
    static char *argv[] = {name, nullptr};
    new QCoreApplication(argc, argv); // intentionally never deleted (the broker outlives main)

    petrel::Options options;
    options.workerThreads = 1;
    options.allowAllClients();
    g_broker = new petrel::Broker(options);
    QString error;
    if (!g_broker->start(&error) ||
        !(g_port = g_broker->listenTcp(QStringLiteral("fuzz"), QHostAddress::LocalHost, 0, &error))) {
        std::fprintf(stderr, "fuzz_broker_session: cannot start the broker: %s\n", qPrintable(error));
        std::exit(1);
    }
    std::atexit(stopBroker); // a clean stop at the end of a run (also exercises shutdown)
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    if (size < 1) return 0;
    if (g_inputs++ % kProbeEvery == 0) probeLiveness();

    QByteArray out;
    encodeConnect(makeConnect(data[0]), out);
    out.append(reinterpret_cast<const char *>(data + 1), qsizetype(size - 1));

    const int fd = finishConnect(g_nextFd >= 0 ? g_nextFd : startConnect());
    g_nextFd = startConnect();
    if (fd < 0) return 0; // the liveness probe reports a broker that stopped accepting
    if (sendAll(fd, out.constData(), out.size())) {
        ::shutdown(fd, SHUT_WR); // the broker sees EOF after the input: it closes, we stop waiting
        QDeadlineTimer deadline(kReadWaitMs);
        for (;;) {
            pollfd p{fd, POLLIN, 0};
            const int r = ::poll(&p, 1, int(deadline.remainingTime()));
            if (r <= 0 || !drain(fd) || deadline.hasExpired()) break;
        }
    }
    ::close(fd);
    return 0;
}
