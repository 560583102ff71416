// The auth ledger from code: rules in Mochi's ledger format (YAML or JSON), first match wins.
// A config file does the same with hooks.auth.ledger (see resources/config/ledger.yaml).
#include "../example_common.h"

#include <hooks/ledger.h>

static const char kLedger[] = R"(
users:
  melon:
    password: petrel        # plain text here; PBKDF2 and bcrypt hashes work too
    acl:
      "melon/#": 3          # read and write under melon/
      "#": 1                # read everything else
auth:
  - username: melon
    allow: true
acl:
  - filters:
      "#": 0                # anyone else: nothing
)";

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);

    auto ledger = std::make_shared<petrel::LedgerHook>();
    QString error;
    if (!ledger->loadFromData(kLedger, &error)) {
        std::fprintf(stderr, "ledger: %s\n", qPrintable(error));
        return 1;
    }
    petrel::Broker broker;
    if (!broker.addHook(ledger, {}, &error) || !broker.start(&error)) {
        std::fprintf(stderr, "%s\n", qPrintable(error));
        return 1;
    }
    example::listen(broker, example::portFromArgs(argc, argv));
    return app.exec();
}
