// A hook of your own deciding who may connect and what they may do. Hooks are called on the
// broker's worker threads, several at once: keep them thread-safe (this one holds no state).
#include "../example_common.h"

#include <hooks/hook.h>

class PasswordHook : public petrel::Hook {
public:
    QString id() const override { return QStringLiteral("password-example"); }
    petrel::HookMask provides() const override
    {
        return petrel::hookBit(petrel::HookEvent::OnConnectAuthenticate) |
               petrel::hookBit(petrel::HookEvent::OnACLCheck);
    }

    // alice/secret may connect; nobody else.
    bool onConnectAuthenticate(const petrel::ClientInfo &, const petrel::packets::Connect &connect) override
    {
        return connect.username == "alice" && connect.password == "secret";
    }

    // Alice reads anything but writes only under sensors/.
    bool onACLCheck(const petrel::ClientInfo &, const QByteArray &topic, bool write) override
    {
        return !write || topic.startsWith("sensors/");
    }
};

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);

    petrel::Broker broker;
    QString error;
    if (!broker.addHook(std::make_shared<PasswordHook>(), {}, &error) || !broker.start(&error)) {
        std::fprintf(stderr, "%s\n", qPrintable(error));
        return 1;
    }
    example::listen(broker, example::portFromArgs(argc, argv));
    return app.exec();
}
