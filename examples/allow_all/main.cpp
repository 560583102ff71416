// The smallest embedding: a broker that lets every client in. For development only: with
// no auth hook at all Petrel refuses everyone, as Mochi does.
#include "../example_common.h"

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);

    petrel::Options options;
    options.allowAllClients(); // the allow_all auth hook

    petrel::Broker broker(options);
    QString error;
    if (!broker.start(&error)) {
        std::fprintf(stderr, "%s\n", qPrintable(error));
        return 1;
    }
    example::listen(broker, example::portFromArgs(argc, argv));
    return app.exec();
}
