// Watching the broker through Qt signals instead of a hook: Broker::events() re-emits the
// hook events; a receiver in this thread gets them as queued calls. Events nobody connects
// to cost the broker nothing.
#include "../example_common.h"

#include <hooks/brokerevents.h>

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);

    petrel::Options options;
    options.allowAllClients();
    petrel::Broker broker(options);

    using petrel::BrokerEvents;
    using petrel::ClientInfo;
    QObject::connect(broker.events(), &BrokerEvents::sessionEstablished, &app,
                     [](const ClientInfo &client, const petrel::packets::Connect &) {
                         example::say(QStringLiteral("connected %1 from %2")
                                          .arg(QString::fromUtf8(client.clientId), client.remoteAddress));
                     });
    QObject::connect(
        broker.events(), &BrokerEvents::subscribed, &app,
        [](const ClientInfo &client, const petrel::packets::Subscribe &subscribe, const QList<quint8> &) {
            for (const auto &t : subscribe.topics)
                example::say(QStringLiteral("subscribed %1 to %2")
                                 .arg(QString::fromUtf8(client.clientId), QString::fromUtf8(t.filter)));
        });
    QObject::connect(broker.events(), &BrokerEvents::published, &app,
                     [](const ClientInfo &client, const petrel::packets::Publish &publish) {
                         example::say(
                             QStringLiteral("published %1 by %2 (%3 bytes)")
                                 .arg(QString::fromUtf8(publish.topic), QString::fromUtf8(client.clientId))
                                 .arg(publish.payload.size()));
                     });
    QObject::connect(broker.events(), &BrokerEvents::clientDisconnected, &app,
                     [](const ClientInfo &client, quint8 reason, bool) {
                         example::say(QStringLiteral("disconnected %1 reason 0x%2")
                                          .arg(QString::fromUtf8(client.clientId))
                                          .arg(reason, 2, 16, QLatin1Char('0')));
                     });

    QString error;
    if (!broker.start(&error)) {
        std::fprintf(stderr, "%s\n", qPrintable(error));
        return 1;
    }
    example::listen(broker, example::portFromArgs(argc, argv));
    return app.exec();
}
