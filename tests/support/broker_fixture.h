// BrokerFixture: the broker a test talks to.
//
// By default an in-process petrel::Broker listening on 127.0.0.1, port 0 (ephemeral), with
// the given Options. When PETREL_TEST_EXTERNAL_PORT is set, the tests target the broker
// already listening on 127.0.0.1:<that port> instead (e.g. Debian's mosquitto, to check
// the tests themselves); Options are then ignored, so tests that need particular options
// skip with PETREL_REQUIRE_IN_PROCESS, and tests for behaviour Mosquitto 2.0.11 lacks skip
// with PETREL_SKIP_ON_EXTERNAL naming the shortcoming.
//
// Header-only on purpose: only tests/broker/ and tests/interop/ include it, so the rest of
// petrel_test_support links without the engine.
#pragma once

#include "broker/broker.h"

#include <QHostAddress>
#include <QString>
#include <QTest>

#include <memory>

namespace petrel::test {

class BrokerFixture {
public:
    static bool isExternal() { return qEnvironmentVariableIsSet("PETREL_TEST_EXTERNAL_PORT"); }

    // Defaults for tests: two workers (the machines have two cores) and $SYS every second.
    static Options defaultOptions()
    {
        Options o;
        o.workerThreads = 2;
        o.sysTopicResendInterval = 1;
        o.allowAllClients();
        return o;
    }

    explicit BrokerFixture(Options options = defaultOptions()) : m_options(std::move(options)) {}
    ~BrokerFixture() { stop(); }
    BrokerFixture(const BrokerFixture &) = delete;
    BrokerFixture &operator=(const BrokerFixture &) = delete;

    bool start(QString *error = nullptr)
    {
        if (isExternal()) {
            m_port = quint16(qEnvironmentVariableIntValue("PETREL_TEST_EXTERNAL_PORT"));
            if (m_port == 0 && error)
                *error = QStringLiteral("PETREL_TEST_EXTERNAL_PORT is not a port number");
            return m_port != 0;
        }
        m_broker = std::make_unique<Broker>(m_options);
        if (!m_broker->start(error)) return false;
        m_port = m_broker->listenTcp(QStringLiteral("test"), QHostAddress::LocalHost, 0, error);
        return m_port != 0;
    }

    void stop()
    {
        if (m_broker) {
            m_broker->stop();
            m_broker.reset();
        }
        m_port = 0;
    }

    quint16 port() const { return m_port; }
    const Options &options() const { return m_options; }
    Broker *broker() const { return m_broker.get(); } // nullptr for an external broker

private:
    Options m_options;
    std::unique_ptr<Broker> m_broker;
    quint16 m_port = 0;
};

} // namespace petrel::test

// Skips the current test when it runs against an external broker. `why` names the
// shortcoming of the external broker (Mosquitto 2.0.11) the test would trip over. Set
// PETREL_TEST_NO_EXTERNAL_SKIPS=1 to run such tests anyway (to check the claim still holds).
#define PETREL_SKIP_ON_EXTERNAL(why)                                                                         \
    do {                                                                                                     \
        if (::petrel::test::BrokerFixture::isExternal() &&                                                   \
            !qEnvironmentVariableIsSet("PETREL_TEST_NO_EXTERNAL_SKIPS"))                                     \
            QSKIP("external broker (Mosquitto 2.0.11 shortcoming): " why);                                   \
    } while (false)

// Skips the current test when it needs broker Options an external broker was not given.
#define PETREL_REQUIRE_IN_PROCESS(why)                                                                       \
    do {                                                                                                     \
        if (::petrel::test::BrokerFixture::isExternal()) QSKIP("needs the in-process broker: " why);         \
    } while (false)

// Starts `fixture` or fails the test.
#define PETREL_START(fixture)                                                                                \
    do {                                                                                                     \
        QString startError_;                                                                                 \
        QVERIFY2((fixture).start(&startError_), qPrintable(startError_));                                    \
    } while (false)
