// The inline client: the embedding program subscribes and publishes without a socket.
// Handlers run on the broker's worker threads; hand work to your own thread if it is slow.
#include "../example_common.h"

#include <QTimer>

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);

    petrel::Options options;
    options.allowAllClients();
    options.inlineClient = true; // off by default, as in Mochi

    petrel::Broker broker(options);
    QString error;
    // Every temperature any client publishes.
    broker.subscribe("sensors/+/temperature", 1, [](const petrel::InlineMessage &m) {
        example::say(QStringLiteral("inline got %1 %2 from %3")
                         .arg(QString::fromUtf8(m.publish.topic), QString::fromUtf8(m.publish.payload),
                              QString::fromUtf8(m.publisherId)));
    });
    if (!broker.start(&error)) {
        std::fprintf(stderr, "%s\n", qPrintable(error));
        return 1;
    }
    example::listen(broker, example::portFromArgs(argc, argv));

    // A clock every client can subscribe to, retained so late subscribers see the last tick.
    int tick = 0;
    QTimer clock;
    QObject::connect(&clock, &QTimer::timeout,
                     [&] { broker.publish("clock/tick", QByteArray::number(++tick), 0, true); });
    clock.start(200);
    return app.exec();
}
