// MQTT listeners over real sockets with real clients: TCP and Unix sockets with
// mosquitto_pub/sub, TLS with mosquitto and a test PKI made by openssl, WebSocket and WSS
// with python3-paho-mqtt, WebSocket framing with QWebSocket, maximum_connections.
#include "listener_test_util.h"
#include "support/test_client.h"

#include "broker/broker.h"
#include "listeners/tcplistener.h"
#include "listeners/tls.h"
#include "listeners/transports.h"
#include "packets/codec.h"

#include <QElapsedTimer>
#include <QFileInfo>
#include <QLocalSocket>
#include <QScopeGuard>
#include <QSignalSpy>
#include <QSslKey>
#include <QSslSocket>
#include <QTest>
#include <QWebSocket>
#include <QWebSocketHandshakeOptions>

#include <algorithm>
#include <cstring>
#include <vector>

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

using namespace petrel;
using namespace petrel::packets;
using namespace petrel::test;

namespace {

const QString kPython = QStringLiteral("/usr/bin/python3");

QString wsScript()
{
    return sourceDir() + QStringLiteral("/tests/listeners/ws_client.py");
}

// Decodes every whole packet in `buffer` (v3.1.1 unless told), removing them from it.
QList<Packet> takePackets(QByteArray &buffer, ProtocolVersion v = ProtocolVersion::V311)
{
    QList<Packet> packets;
    for (;;) {
        const Frame f = readFrame(buffer, 0);
        if (f.status != Frame::Status::Complete) break;
        Packet p;
        const QByteArray body = buffer.mid(f.headerLength, f.remainingLength);
        if (!decodePacket(f.firstByte, body, v, p)) packets.append(p);
        buffer.remove(0, f.totalLength());
    }
    return packets;
}

QByteArray encoded(const Packet &p, ProtocolVersion v = ProtocolVersion::V311)
{
    QByteArray out;
    encodePacket(p, v, out);
    return out;
}

} // namespace

class tst_ListenersMqtt : public QObject {
    Q_OBJECT

    std::unique_ptr<Broker> m_broker;
    static inline TestPki *s_pki = nullptr;

    // Starts a broker with these listeners (ephemeral ports), failing the test otherwise.
    bool startBroker(const QList<ListenerConfig> &listeners, Options options = quietOptions())
    {
        options.listeners = listeners;
        m_broker = std::make_unique<Broker>(options);
        QString error;
        if (!m_broker->start(&error)) {
            qWarning().noquote() << "broker did not start:" << error;
            return false;
        }
        return true;
    }

    // mosquitto_sub (one message) + mosquitto_pub through the connection arguments `conn`.
    bool mosquittoRoundTrip(const QStringList &conn, const QByteArray &topic, const QByteArray &payload)
    {
        const qint64 subscriptionsBefore = m_broker->stats().subscriptions;
        QProcess sub;
        sub.start(QStringLiteral("mosquitto_sub"),
                  conn + QStringList{QStringLiteral("-t"), QString::fromUtf8(topic), QStringLiteral("-C"),
                                     QStringLiteral("1"), QStringLiteral("-W"), QStringLiteral("10"),
                                     QStringLiteral("-v"), QStringLiteral("-q"), QStringLiteral("1")});
        if (!sub.waitForStarted(5000)) {
            qWarning() << "mosquitto_sub did not start";
            return false;
        }
        const bool subscribed = QTest::qWaitFor(
            [&] {
                return m_broker->stats().subscriptions > subscriptionsBefore ||
                       sub.state() == QProcess::NotRunning;
            },
            10000);
        if (!subscribed || sub.state() == QProcess::NotRunning) {
            sub.kill();
            sub.waitForFinished(2000);
            qWarning().noquote() << "mosquitto_sub did not subscribe:" << sub.readAllStandardError();
            return false;
        }
        const ProcessResult pub = runProcess(
            QStringLiteral("mosquitto_pub"),
            conn + QStringList{QStringLiteral("-t"), QString::fromUtf8(topic), QStringLiteral("-m"),
                               QString::fromUtf8(payload), QStringLiteral("-q"), QStringLiteral("1")});
        if (!pub.ok()) {
            qWarning().noquote() << "mosquitto_pub failed:" << pub.describe();
            sub.kill();
            sub.waitForFinished(2000);
            return false;
        }
        if (!sub.waitForFinished(10000)) {
            sub.kill();
            sub.waitForFinished(2000);
            qWarning() << "mosquitto_sub got nothing";
            return false;
        }
        const QByteArray out = sub.readAllStandardOutput();
        if (out != topic + ' ' + payload + '\n') {
            qWarning().noquote() << "mosquitto_sub printed" << out << sub.readAllStandardError();
            return false;
        }
        return true;
    }

    QStringList tcpConn(const QString &listenerId) const
    {
        return {QStringLiteral("-h"), QStringLiteral("127.0.0.1"), QStringLiteral("-p"),
                QString::number(m_broker->serverPort(listenerId))};
    }

    ListenerConfig tlsConfig(const QString &type, const QString &id, bool clientCertificates) const
    {
        ListenerConfig l = listenerConfig(type, id);
        l.tlsCertFile = s_pki->serverCert();
        l.tlsKeyFile = s_pki->serverKey();
        if (clientCertificates) l.tlsCaFile = s_pki->caCert();
        return l;
    }

private Q_SLOTS:
    void initTestCase()
    {
        if (!haveProgram(QStringLiteral("openssl"))) return; // TLS tests skip themselves
        s_pki = new TestPki;
        const auto error = s_pki->create();
        QVERIFY2(!error, qPrintable(error.value_or(QString())));
    }
    void cleanupTestCase()
    {
        delete s_pki;
        s_pki = nullptr;
    }
    void cleanup() { m_broker.reset(); }

    // ---- TCP ---------------------------------------------------------------------------

    void tcp_mosquittoRoundTrip()
    {
        PETREL_REQUIRE_PROGRAM("mosquitto_sub");
        QVERIFY(startBroker({listenerConfig(QStringLiteral("tcp"), QStringLiteral("t1"))}));
        QVERIFY(m_broker->serverPort(QStringLiteral("t1")) != 0);
        QVERIFY(mosquittoRoundTrip(tcpConn(QStringLiteral("t1")), uniqueTopic("/tcp"), "over tcp"));
    }

    void tcp_listenTcpStillWorks()
    {
        QVERIFY(startBroker({}));
        QString error;
        const quint16 port =
            m_broker->listenTcp(QStringLiteral("direct"), QHostAddress::LocalHost, 0, &error);
        QVERIFY2(port != 0, qPrintable(error));
        QCOMPARE(m_broker->serverPort(QStringLiteral("direct")), port);
        TestClient c("c");
        QVERIFY(c.open(port, makeConnect(ProtocolVersion::V5, uniqueName("c"))));
        QVERIFY(c.ping());
    }

    // A storm of connections while the acceptor is busy: the kernel queues them all
    // (DescriptorServer::kListenBacklog) instead of dropping the SYNs past Qt's default
    // backlog of 50, which left those clients waiting a second for the retransmission.
    void tcp_listenQueueHoldsAConnectionStorm()
    {
        int accepted = 0;
        DescriptorServer server([&](int fd) {
            ++accepted;
            ::close(fd);
        });
        QVERIFY(server.listen(QHostAddress::LocalHost, 0));
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(server.serverPort());
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        // No event loop runs until all are connected: the server accepts none meanwhile.
        constexpr int kClients = 200;
        std::vector<pollfd> clients;
        const auto closeAll = qScopeGuard([&] {
            for (const pollfd &p : clients)
                ::close(p.fd);
        });
        for (int i = 0; i < kClients; ++i) {
            const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
            QVERIFY(fd >= 0);
            clients.push_back({fd, POLLOUT, 0});
            const int r = ::connect(fd, reinterpret_cast<const sockaddr *>(&addr), sizeof addr);
            QVERIFY2(r == 0 || errno == EINPROGRESS, std::strerror(errno));
        }
        // Established (writable) within half a second; a dropped SYN is sent again after one.
        int established = 0;
        QElapsedTimer clock;
        clock.start();
        while (clock.elapsed() < 500) {
            ::poll(clients.data(), clients.size(), 50);
            established = int(std::count_if(clients.begin(), clients.end(),
                                            [](const pollfd &p) { return p.revents & POLLOUT; }));
            if (established == kClients) break;
            QTest::qSleep(20);
        }
        QCOMPARE(established, kClients);
        QTRY_COMPARE_WITH_TIMEOUT(accepted, kClients, 5000);
    }

    void listeners_reportedAndRemovable()
    {
        QVERIFY(startBroker({listenerConfig(QStringLiteral("tcp"), QStringLiteral("a")),
                             listenerConfig(QStringLiteral("ws"), QStringLiteral("b"))}));
        const QList<ListenerInfo> list = m_broker->listeners();
        QCOMPARE(list.size(), 2);
        QCOMPARE(list[0].id, QStringLiteral("a"));
        QCOMPARE(list[0].protocol, QStringLiteral("tcp"));
        QCOMPARE(list[1].protocol, QStringLiteral("ws"));
        QVERIFY(list[1].address.startsWith(QStringLiteral("127.0.0.1:")));
        QCOMPARE(m_broker->listenerAddress(QStringLiteral("a")),
                 QStringLiteral("127.0.0.1:%1").arg(m_broker->serverPort(QStringLiteral("a"))));
        QString error;
        QVERIFY(!m_broker->addListener(listenerConfig(QStringLiteral("tcp"), QStringLiteral("a")), &error));
        QVERIFY2(error.contains(QStringLiteral("already")), qPrintable(error));

        const quint16 port = m_broker->serverPort(QStringLiteral("a"));
        TestClient c("c");
        QVERIFY(c.open(port, makeConnect(ProtocolVersion::V311, uniqueName("c"))));
        QVERIFY(m_broker->removeListener(QStringLiteral("a")));
        QVERIFY(!m_broker->removeListener(QStringLiteral("a")));
        QCOMPARE(m_broker->serverPort(QStringLiteral("a")), quint16(0));
        QVERIFY(c.ping()); // accepted connections stay
        TestClient d("d");
        QVERIFY(!d.connectTcp(port, QHostAddress::LocalHost, 1000));
    }

    // ---- TLS ---------------------------------------------------------------------------

    void tls_mosquittoServerCertificate()
    {
        PETREL_REQUIRE_PROGRAM("mosquitto_sub");
        if (!s_pki) QSKIP("needs openssl");
        QVERIFY(startBroker({tlsConfig(QStringLiteral("tcp"), QStringLiteral("tls"), false)}));
        QCOMPARE(m_broker->listeners().value(0).protocol, QStringLiteral("tls"));
        QVERIFY(mosquittoRoundTrip(tcpConn(QStringLiteral("tls")) +
                                       QStringList{QStringLiteral("--cafile"), s_pki->caCert()},
                                   uniqueTopic("/tls"), "over tls"));
    }

    void tls_mosquittoClientCertificate()
    {
        PETREL_REQUIRE_PROGRAM("mosquitto_sub");
        if (!s_pki) QSKIP("needs openssl");
        QVERIFY(startBroker({tlsConfig(QStringLiteral("tcp"), QStringLiteral("mtls"), true)}));
        const QStringList withCert =
            tcpConn(QStringLiteral("mtls")) + QStringList{QStringLiteral("--cafile"), s_pki->caCert(),
                                                          QStringLiteral("--cert"),   s_pki->clientCert(),
                                                          QStringLiteral("--key"),    s_pki->clientKey()};
        QVERIFY(mosquittoRoundTrip(withCert, uniqueTopic("/mtls"), "with a client certificate"));

        // Without a certificate, and with one from another CA: no connection.
        const QStringList pubArgs = {QStringLiteral("-t"), QStringLiteral("x"), QStringLiteral("-m"),
                                     QStringLiteral("y")};
        const ProcessResult none =
            runProcess(QStringLiteral("mosquitto_pub"),
                       tcpConn(QStringLiteral("mtls")) +
                           QStringList{QStringLiteral("--cafile"), s_pki->caCert()} + pubArgs);
        QVERIFY2(none.finished && none.exitCode != 0, qPrintable(none.describe()));
        const ProcessResult other = runProcess(
            QStringLiteral("mosquitto_pub"),
            tcpConn(QStringLiteral("mtls")) +
                QStringList{QStringLiteral("--cafile"), s_pki->caCert(), QStringLiteral("--cert"),
                            s_pki->otherClientCert(), QStringLiteral("--key"), s_pki->otherClientKey()} +
                pubArgs);
        QVERIFY2(other.finished && other.exitCode != 0, qPrintable(other.describe()));
    }

    void tls_minimumVersion_data()
    {
        QTest::addColumn<QString>("minimum");
        QTest::addColumn<int>("clientProtocol"); // QSsl::SslProtocol the client insists on
        QTest::addColumn<bool>("accepted");
        QTest::newRow("1.3 refuses 1.2") << QStringLiteral("1.3") << int(QSsl::TlsV1_2) << false;
        QTest::newRow("1.3 takes 1.3") << QStringLiteral("1.3") << int(QSsl::TlsV1_3) << true;
        QTest::newRow("1.2 takes 1.2") << QStringLiteral("1.2") << int(QSsl::TlsV1_2) << true;
        QTest::newRow("default takes 1.2") << QString() << int(QSsl::TlsV1_2) << true;
    }
    void tls_minimumVersion()
    {
        QFETCH(QString, minimum);
        QFETCH(int, clientProtocol);
        QFETCH(bool, accepted);
        if (!s_pki) QSKIP("needs openssl");
        ListenerConfig l = tlsConfig(QStringLiteral("tcp"), QStringLiteral("tlsv"), false);
        l.tlsMinimumVersion = minimum;
        QVERIFY(startBroker({l}));
        // (mosquitto's --tls-version tlsv1.2 means "1.2 or later", so QSslSocket pins the version.)
        QSslSocket client;
        QSslConfiguration cc = QSslConfiguration::defaultConfiguration();
        cc.setCaCertificates(QSslCertificate::fromPath(s_pki->caCert()));
        cc.setProtocol(QSsl::SslProtocol(clientProtocol));
        client.setSslConfiguration(cc);
        client.connectToHostEncrypted(QStringLiteral("127.0.0.1"),
                                      m_broker->serverPort(QStringLiteral("tlsv")));
        const bool encrypted = client.waitForEncrypted(5000);
        QCOMPARE(encrypted, accepted);
        if (accepted) {
            QCOMPARE(int(client.sessionProtocol()), clientProtocol);
            // And MQTT works over it.
            QByteArray connect;
            encodeConnect(makeConnect(ProtocolVersion::V311, uniqueName("tlsv")), connect);
            client.write(connect);
            QByteArray in;
            QTRY_VERIFY_WITH_TIMEOUT((in += client.readAll(), in.size() >= 4), 5000);
            QCOMPARE(in, QByteArray::fromHex("20020000"));
        }
    }

    void tls_mosquittoTls13()
    {
        PETREL_REQUIRE_PROGRAM("mosquitto_pub");
        if (!s_pki) QSKIP("needs openssl");
        ListenerConfig l = tlsConfig(QStringLiteral("tcp"), QStringLiteral("tls13"), false);
        l.tlsMinimumVersion = QStringLiteral("1.3");
        QVERIFY(startBroker({l}));
        const ProcessResult r =
            runProcess(QStringLiteral("mosquitto_pub"),
                       tcpConn(QStringLiteral("tls13")) +
                           QStringList{QStringLiteral("--cafile"), s_pki->caCert(),
                                       QStringLiteral("--tls-version"), QStringLiteral("tlsv1.3"),
                                       QStringLiteral("-t"), QStringLiteral("v"), QStringLiteral("-m"),
                                       QStringLiteral("1"), QStringLiteral("-q"), QStringLiteral("1")});
        QVERIFY2(r.ok(), qPrintable(r.describe()));
    }

    // The transport on its own: bytes both ways and the client certificate's CN.
    void tls_transportExposesCertificateCommonName()
    {
        if (!s_pki) QSKIP("needs openssl");
        ListenerConfig l = tlsConfig(QStringLiteral("tcp"), QStringLiteral("x"), true);
        QString error;
        const auto tls = loadServerTlsConfiguration(l, &error);
        QVERIFY2(tls, qPrintable(error));

        std::unique_ptr<StreamTransport> transport;
        DescriptorServer server([&](int fd) { transport = std::make_unique<StreamTransport>(fd, *tls); });
        QVERIFY(server.listen(QHostAddress::LocalHost, 0));

        QSslSocket client;
        QSslConfiguration cc = QSslConfiguration::defaultConfiguration();
        cc.setCaCertificates(QSslCertificate::fromPath(s_pki->caCert()));
        cc.setLocalCertificate(QSslCertificate::fromPath(s_pki->clientCert()).value(0));
        QFile keyFile(s_pki->clientKey());
        QVERIFY(keyFile.open(QIODevice::ReadOnly));
        cc.setPrivateKey(QSslKey(keyFile.readAll(), QSsl::Ec));
        client.setSslConfiguration(cc);
        client.connectToHostEncrypted(QStringLiteral("127.0.0.1"), server.serverPort());
        QTRY_VERIFY_WITH_TIMEOUT(transport != nullptr, 5000);
        QByteArray got;
        connect(transport.get(), &Transport::received, this, [&](const QByteArray &b) { got += b; });
        transport->start();
        QTRY_VERIFY_WITH_TIMEOUT(client.isEncrypted(), 5000);
        QTRY_COMPARE_WITH_TIMEOUT(transport->certificateCommonName(), QStringLiteral("alice"), 5000);
        QVERIFY(transport->peerAddress().startsWith(QStringLiteral("127.0.0.1:")));
        client.write("ping");
        QTRY_COMPARE_WITH_TIMEOUT(got, QByteArray("ping"), 5000);
        transport->write("pong");
        QByteArray back;
        QTRY_VERIFY_WITH_TIMEOUT((back += client.readAll(), back == "pong"), 5000);
        QSignalSpy closed(transport.get(), &Transport::closed);
        client.disconnectFromHost();
        QTRY_COMPARE_WITH_TIMEOUT(closed.size(), 1, 5000);
    }

    // ---- WebSocket ---------------------------------------------------------------------

    void ws_paho_data()
    {
        QTest::addColumn<QString>("version");
        QTest::newRow("v3.1.1") << QStringLiteral("3.1.1");
        QTest::newRow("v5") << QStringLiteral("5");
    }
    void ws_paho()
    {
        QFETCH(QString, version);
        PETREL_REQUIRE_PROGRAM("/usr/bin/python3");
        QVERIFY(startBroker({listenerConfig(QStringLiteral("ws"), QStringLiteral("ws1"))}));
        const ProcessResult r =
            runProcess(kPython, {wsScript(), QStringLiteral("--port"),
                                 QString::number(m_broker->serverPort(QStringLiteral("ws1"))),
                                 QStringLiteral("--version"), version, QStringLiteral("--topic"),
                                 QString::fromUtf8(uniqueTopic("/ws"))});
        QVERIFY2(r.ok(), qPrintable(r.describe()));
        QVERIFY(r.out.startsWith("OK hello over websocket"));
    }

    void wss_paho()
    {
        PETREL_REQUIRE_PROGRAM("/usr/bin/python3");
        if (!s_pki) QSKIP("needs openssl");
        QVERIFY(startBroker({tlsConfig(QStringLiteral("ws"), QStringLiteral("wss1"), false)}));
        QCOMPARE(m_broker->listeners().value(0).protocol, QStringLiteral("wss"));
        const ProcessResult r =
            runProcess(kPython, {wsScript(), QStringLiteral("--port"),
                                 QString::number(m_broker->serverPort(QStringLiteral("wss1"))),
                                 QStringLiteral("--cafile"), s_pki->caCert(), QStringLiteral("--topic"),
                                 QString::fromUtf8(uniqueTopic("/wss"))});
        QVERIFY2(r.ok(), qPrintable(r.describe()));
    }

    void wss_pahoClientCertificate()
    {
        PETREL_REQUIRE_PROGRAM("/usr/bin/python3");
        if (!s_pki) QSKIP("needs openssl");
        QVERIFY(startBroker({tlsConfig(QStringLiteral("ws"), QStringLiteral("wss2"), true)}));
        const QStringList base = {wsScript(),
                                  QStringLiteral("--port"),
                                  QString::number(m_broker->serverPort(QStringLiteral("wss2"))),
                                  QStringLiteral("--cafile"),
                                  s_pki->caCert(),
                                  QStringLiteral("--timeout"),
                                  QStringLiteral("5")};
        const ProcessResult with =
            runProcess(kPython, base + QStringList{QStringLiteral("--cert"), s_pki->clientCert(),
                                                   QStringLiteral("--key"), s_pki->clientKey()});
        QVERIFY2(with.ok(), qPrintable(with.describe()));
        const ProcessResult without = runProcess(kPython, base);
        QVERIFY2(without.finished && without.exitCode != 0, qPrintable(without.describe()));
    }

    void ws_path()
    {
        PETREL_REQUIRE_PROGRAM("/usr/bin/python3");
        ListenerConfig l = listenerConfig(QStringLiteral("ws"), QStringLiteral("wsp"));
        l.wsPath = QStringLiteral("/mqtt");
        QVERIFY(startBroker({l}));
        const QString port = QString::number(m_broker->serverPort(QStringLiteral("wsp")));
        const ProcessResult right =
            runProcess(kPython, {wsScript(), QStringLiteral("--port"), port, QStringLiteral("--path"),
                                 QStringLiteral("/mqtt"), QStringLiteral("--topic"),
                                 QString::fromUtf8(uniqueTopic("/path"))});
        QVERIFY2(right.ok(), qPrintable(right.describe()));
        const ProcessResult wrong =
            runProcess(kPython, {wsScript(), QStringLiteral("--port"), port, QStringLiteral("--path"),
                                 QStringLiteral("/other"), QStringLiteral("--timeout"), QStringLiteral("3")});
        QVERIFY2(wrong.finished && wrong.exitCode != 0, qPrintable(wrong.describe()));

        const ProcessResult curl = runProcess(
            QStringLiteral("curl"),
            {QStringLiteral("-s"), QStringLiteral("-o"), QStringLiteral("/dev/null"), QStringLiteral("-w"),
             QStringLiteral("%{http_code}"), QStringLiteral("http://127.0.0.1:%1/other").arg(port)});
        QCOMPARE(curl.out, QByteArray("404"));
    }

    // One packet split over several WebSocket messages, several packets in one message.
    void ws_framing()
    {
        QVERIFY(startBroker({listenerConfig(QStringLiteral("ws"), QStringLiteral("wsf"))}));
        QWebSocket ws;
        QByteArray in;
        connect(&ws, &QWebSocket::binaryMessageReceived, this, [&](const QByteArray &b) { in += b; });
        QWebSocketHandshakeOptions options;
        options.setSubprotocols({QStringLiteral("mqtt")});
        ws.open(QUrl(QStringLiteral("ws://127.0.0.1:%1/").arg(m_broker->serverPort(QStringLiteral("wsf")))),
                options);
        QTRY_COMPARE_WITH_TIMEOUT(ws.state(), QAbstractSocket::ConnectedState, 5000);
        QCOMPARE(ws.subprotocol(), QStringLiteral("mqtt"));

        // CONNECT, one byte per message.
        const QByteArray connect = encoded(makeConnect(ProtocolVersion::V311, uniqueName("wsf")));
        for (char byte : connect)
            ws.sendBinaryMessage(QByteArray(1, byte));
        QList<Packet> got;
        QTRY_VERIFY_WITH_TIMEOUT((got += takePackets(in), !got.isEmpty()), 5000);
        QVERIFY(std::holds_alternative<Connack>(got[0]));
        QCOMPARE(std::get<Connack>(got[0]).reasonCode, quint8(0));
        got.clear();

        // SUBSCRIBE + PUBLISH + PINGREQ in one message, then a PUBLISH split in two messages
        // with the first half glued to the end of a PINGREQ.
        const QByteArray topic = uniqueTopic("/frames");
        Subscribe sub;
        sub.packetId = 7;
        sub.topics << makeSubscription(topic, 0);
        const QByteArray ping = encoded(Pingreq{});
        ws.sendBinaryMessage(encoded(sub) + encoded(makePublish(topic, "one")) + ping);
        const QByteArray second = encoded(makePublish(topic, QByteArray(300, 'x')));
        ws.sendBinaryMessage(ping + second.left(100));
        ws.sendBinaryMessage(second.mid(100));
        QTRY_VERIFY_WITH_TIMEOUT((got += takePackets(in), got.size() >= 5), 5000);
        QCOMPARE(got.size(), 5);
        QVERIFY(std::holds_alternative<SubackLike>(got[0]));
        QCOMPARE(std::get<SubackLike>(got[0]).packetId, quint16(7));
        QVERIFY(std::holds_alternative<Publish>(got[1]));
        QCOMPARE(std::get<Publish>(got[1]).payload, QByteArray("one"));
        QVERIFY(std::holds_alternative<Pingresp>(got[2]));
        QVERIFY(std::holds_alternative<Pingresp>(got[3]));
        QVERIFY(std::holds_alternative<Publish>(got[4]));
        QCOMPARE(std::get<Publish>(got[4]).payload, QByteArray(300, 'x'));
        ws.close();
    }

    // [MQTT-6.0.0-1] a packet in a text frame closes the connection.
    void ws_textMessageCloses()
    {
        QVERIFY(startBroker({listenerConfig(QStringLiteral("ws"), QStringLiteral("wst"))}));
        QWebSocket ws;
        ws.open(QUrl(QStringLiteral("ws://127.0.0.1:%1/").arg(m_broker->serverPort(QStringLiteral("wst")))));
        QTRY_COMPARE_WITH_TIMEOUT(ws.state(), QAbstractSocket::ConnectedState, 5000);
        ws.sendTextMessage(QStringLiteral("hello"));
        QTRY_COMPARE_WITH_TIMEOUT(ws.state(), QAbstractSocket::UnconnectedState, 5000);
        QTRY_COMPARE_WITH_TIMEOUT(m_broker->listeners().value(0).connections, 0, 5000);
    }

    // ---- Unix domain socket ------------------------------------------------------------

    void unix_mosquittoRoundTrip()
    {
        PETREL_REQUIRE_PROGRAM("mosquitto_sub");
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("petrel.sock"));
        QVERIFY(startBroker({listenerConfig(QStringLiteral("unix"), QStringLiteral("u1"), path)}));
        QCOMPARE(m_broker->listenerAddress(QStringLiteral("u1")), path);
        QCOMPARE(m_broker->serverPort(QStringLiteral("u1")), quint16(0));
        QVERIFY(
            mosquittoRoundTrip({QStringLiteral("--unix"), path}, uniqueTopic("/unix"), "over a unix socket"));
        m_broker.reset();
        QVERIFY(!QFileInfo::exists(path)); // removed on close
    }

    void unix_permissions()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("p.sock"));
        ListenerConfig l = listenerConfig(QStringLiteral("unix"), QStringLiteral("u2"), path);
        l.unixPermissions = 0600;
        QVERIFY(startBroker({l}));
        struct stat st {};
        QCOMPARE(::stat(QFile::encodeName(path).constData(), &st), 0);
        QVERIFY(S_ISSOCK(st.st_mode));
        QCOMPARE(int(st.st_mode & 07777), 0600);
    }

    void unix_staleSocketFileIsReplaced()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("stale.sock"));
        // A socket file nobody listens on any more (a crashed broker leaves one behind).
        const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        const QByteArray native = QFile::encodeName(path);
        qstrncpy(addr.sun_path, native.constData(), sizeof addr.sun_path);
        QCOMPARE(::bind(fd, reinterpret_cast<sockaddr *>(&addr), sizeof addr), 0);
        ::close(fd);
        QVERIFY(QFileInfo::exists(path));
        QVERIFY(startBroker({listenerConfig(QStringLiteral("unix"), QStringLiteral("u3"), path)}));

        // A live one is in use.
        Options o = quietOptions();
        o.listeners = {listenerConfig(QStringLiteral("unix"), QStringLiteral("second"), path)};
        Broker other(o);
        QString error;
        QVERIFY(!other.start(&error));
        QVERIFY2(error.contains(QStringLiteral("second")) && error.contains(path), qPrintable(error));
    }

    // ---- maximum_connections -----------------------------------------------------------

    void maximumConnections_tcp()
    {
        ListenerConfig l = listenerConfig(QStringLiteral("tcp"), QStringLiteral("lim"));
        l.maximumConnections = 2;
        QVERIFY(startBroker({l}));
        const quint16 port = m_broker->serverPort(QStringLiteral("lim"));
        TestClient a("a"), b("b"), c("c");
        QVERIFY(a.open(port, makeConnect(ProtocolVersion::V311, uniqueName("a"))));
        QVERIFY(b.open(port, makeConnect(ProtocolVersion::V311, uniqueName("b"))));
        QCOMPARE(m_broker->listeners().value(0).connections, 2);
        QVERIFY(c.connectTcp(port)); // the kernel accepts; the listener closes it at once
        QVERIFY(c.waitDisconnected());
        // Once one leaves, there is room again.
        QVERIFY(a.disconnect());
        QTRY_COMPARE_WITH_TIMEOUT(m_broker->listeners().value(0).connections, 1, 5000);
        TestClient d("d");
        QVERIFY(d.open(port, makeConnect(ProtocolVersion::V5, uniqueName("d"))));
        QVERIFY(b.ping());
    }

    void maximumConnections_ws()
    {
        ListenerConfig l = listenerConfig(QStringLiteral("ws"), QStringLiteral("wlim"));
        l.maximumConnections = 1;
        QVERIFY(startBroker({l}));
        const QUrl url(
            QStringLiteral("ws://127.0.0.1:%1/").arg(m_broker->serverPort(QStringLiteral("wlim"))));
        QWebSocket first, second;
        first.open(url);
        QTRY_COMPARE_WITH_TIMEOUT(first.state(), QAbstractSocket::ConnectedState, 5000);
        second.open(url);
        QTRY_COMPARE_WITH_TIMEOUT(second.state(), QAbstractSocket::UnconnectedState, 5000);
        QCOMPARE(first.state(), QAbstractSocket::ConnectedState);
        first.close();
        QTRY_COMPARE_WITH_TIMEOUT(m_broker->listeners().value(0).connections, 0, 5000);
        QWebSocket third;
        third.open(url);
        QTRY_COMPARE_WITH_TIMEOUT(third.state(), QAbstractSocket::ConnectedState, 5000);
    }

    void maximumConnections_unix()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("lim.sock"));
        ListenerConfig l = listenerConfig(QStringLiteral("unix"), QStringLiteral("ulim"), path);
        l.maximumConnections = 1;
        QVERIFY(startBroker({l}));
        QLocalSocket a, b;
        a.connectToServer(path);
        QVERIFY(a.waitForConnected(3000));
        QTRY_COMPARE_WITH_TIMEOUT(m_broker->listeners().value(0).connections, 1, 5000);
        b.connectToServer(path);
        b.waitForConnected(3000);
        QTRY_COMPARE_WITH_TIMEOUT(b.state(), QLocalSocket::UnconnectedState, 5000);
        QCOMPARE(a.state(), QLocalSocket::ConnectedState);
    }
};

QTEST_MAIN(tst_ListenersMqtt)
#include "tst_listeners_mqtt.moc"
