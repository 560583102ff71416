// What every example shares: the port from the command line, and one line on stdout once
// the broker listens (the tests in tests/examples wait for it).
#pragma once

#include <broker/broker.h>

#include <QCoreApplication>
#include <QHostAddress>

#include <cstdio>
#include <cstdlib>

namespace example {

inline quint16 portFromArgs(int argc, char **argv)
{
    return argc > 1 ? quint16(std::strtoul(argv[1], nullptr, 10)) : quint16(1883);
}

// Opens a TCP listener on 127.0.0.1 and says where; exits the program if it cannot.
inline void listen(petrel::Broker &broker, quint16 port)
{
    QString error;
    const quint16 bound = broker.listenTcp(QStringLiteral("tcp"), QHostAddress::LocalHost, port, &error);
    if (!bound) {
        std::fprintf(stderr, "%s\n", qPrintable(error));
        std::exit(1);
    }
    std::printf("listening on 127.0.0.1:%u\n", unsigned(bound));
    std::fflush(stdout);
}

inline void say(const QString &line)
{
    std::printf("%s\n", qPrintable(line));
    std::fflush(stdout);
}

} // namespace example
