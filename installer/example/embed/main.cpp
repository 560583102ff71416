// An embedded Petrel broker: configured from YAML text, started on a free port, then used by
// a raw MQTT 3.1.1 client (QTcpSocket) that subscribes and receives a message the program
// publishes through the broker API. Prints "ok" and exits 0 when the round trip worked.
#include <broker/broker.h>
#include <config/config.h>

#include <QCoreApplication>
#include <QTcpSocket>
#include <QTimer>

#include <cstdio>

namespace {

int fail(const char *what)
{
    std::fprintf(stderr, "example_embed: %s\n", what);
    return 1;
}

// Reads exactly n bytes, or returns an empty array after 5 s.
QByteArray readExactly(QTcpSocket &socket, qsizetype n)
{
    QByteArray data;
    while (data.size() < n) {
        if (socket.bytesAvailable() == 0 && !socket.waitForReadyRead(5000)) return {};
        data += socket.read(n - data.size());
    }
    return data;
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);

    // The same schema as petrel-server's config files.
    petrel::config::ConfigError error;
    const auto options = petrel::config::loadConfigString(R"(
listeners:
  - type: tcp
    id: local
    address: "127.0.0.1:0"
hooks:
  auth:
    allow_all: true
options:
  inline_client: true   # lets this program publish through Broker::publish
  worker_threads: 1
)",
                                                          QStringLiteral("example.yaml"), &error);
    if (!options) return fail(qPrintable(error.toString()));

    petrel::Broker broker(*options);
    QString startError;
    if (!broker.start(&startError)) return fail(qPrintable(startError));
    const quint16 port = broker.serverPort(QStringLiteral("local"));
    std::printf("broker listening on 127.0.0.1:%u\n", port);

    QTcpSocket client;
    client.connectToHost(QStringLiteral("127.0.0.1"), port);
    if (!client.waitForConnected(5000)) return fail("cannot connect");
    // CONNECT, MQTT 3.1.1, clean session, keep alive 30 s, client id "example".
    client.write(QByteArray::fromHex("101300044d5154540402001e00076578616d706c65"));
    if (readExactly(client, 4) != QByteArray::fromHex("20020000")) return fail("no CONNACK 0");
    // SUBSCRIBE packet id 1 to "demo/topic", QoS 0.
    client.write(QByteArray::fromHex("820f0001000a64656d6f2f746f70696300"));
    if (readExactly(client, 5) != QByteArray::fromHex("9003000100")) return fail("no SUBACK");

    broker.publish("demo/topic", "hello from the broker API");
    // PUBLISH QoS 0: fixed header, topic, payload.
    const QByteArray expected = QByteArray::fromHex("3025000a") + "demo/topic" + "hello from the broker API";
    if (readExactly(client, expected.size()) != expected) return fail("message not delivered");

    client.disconnectFromHost();
    broker.stop();
    std::printf("ok\n");
    return 0;
}
