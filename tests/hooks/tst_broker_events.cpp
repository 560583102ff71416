// Broker::events(): the hook events as Qt signals, over real connections. Shows that a signal
// costs nothing until something connects to it (its event leaves the broker's hook mask),
// that signals reach a receiver in the GUI thread as queued calls with the right data, that
// they report what the modifying hooks made of a packet, that a direct connection runs on a
// worker thread, and that every signal fires in a session that exercises the broker.
#include "broker/broker.h"
#include "hooks/brokerevents.h"
#include "support/broker_fixture.h"
#include "support/test_client.h"

#include <QMetaMethod>
#include <QMutex>
#include <QSet>
#include <QTest>
#include <QThread>

#include <atomic>
#include <memory>

using namespace Qt::StringLiterals;
using namespace petrel;
using namespace petrel::packets;
using petrel::test::BrokerFixture;
using petrel::test::makeConnect;
using petrel::test::makePublish;
using petrel::test::TestClient;

namespace {

constexpr int kWaitMs = 5000;

// Counts the signals it receives by name; lives in the test's (GUI) thread.
class Counter : public QObject {
    Q_OBJECT
public:
    QHash<QByteArray, int> hits;
    bool offThread = false; // a slot ran outside the thread this object lives in

public Q_SLOTS:
    void hit()
    {
        if (QThread::currentThread() != thread()) offThread = true;
        const QMetaMethod m = sender()->metaObject()->method(senderSignalIndex());
        ++hits[m.name()];
    }
};

// Rewrites every PUBLISH payload, to show the bridge sees the result.
class Rewriter : public Hook {
public:
    QString id() const override { return u"rewriter"_s; }
    HookMask provides() const override { return hookBit(HookEvent::OnPublish); }
    Error onPublish(const ClientInfo &, Publish &p) override
    {
        p.payload = "rewritten:" + p.payload;
        return {};
    }
};

QList<QMetaMethod> eventSignals()
{
    QList<QMetaMethod> out;
    const QMetaObject &mo = BrokerEvents::staticMetaObject;
    for (int i = mo.methodOffset(); i < mo.methodCount(); ++i)
        if (mo.method(i).methodType() == QMetaMethod::Signal) out.append(mo.method(i));
    return out;
}

} // namespace

class TestBrokerEvents : public QObject {
    Q_OBJECT

private Q_SLOTS:
    // Each signal sets its event's bit in the broker's hook mask only while connected.
    void maskFollowsConnections()
    {
        Broker broker(BrokerFixture::defaultOptions());
        BrokerEvents *events = broker.events();
        QVERIFY(events);
        QCOMPARE(events->dynamicMask()->load(), HookMask(0));

        Counter counter;
        auto c1 = connect(events, &BrokerEvents::published, &counter, &Counter::hit);
        QCOMPARE(events->dynamicMask()->load(), hookBit(HookEvent::OnPublished));
        auto c2 = connect(events, &BrokerEvents::packetRead, &counter, &Counter::hit);
        QCOMPARE(events->dynamicMask()->load(),
                 hookBit(HookEvent::OnPublished) | hookBit(HookEvent::OnPacketRead));
        disconnect(c1);
        QTRY_COMPARE(events->dynamicMask()->load(), hookBit(HookEvent::OnPacketRead));
        disconnect(c2);
        QTRY_COMPARE(events->dynamicMask()->load(), HookMask(0));

        // A receiver that goes away takes its connections with it.
        {
            Counter shortLived;
            connect(events, &BrokerEvents::sessionEstablished, &shortLived, &Counter::hit);
            QVERIFY(events->dynamicMask()->load() != 0);
        }
        QTRY_COMPARE(events->dynamicMask()->load(), HookMask(0));

        // One bit per signal, none for the decision events and the loaders.
        const HookMask all = BrokerEvents::signalEvents();
        QCOMPARE(eventSignals().size(), qsizetype(std::popcount(all)));
        QVERIFY(!(all & hookBit(HookEvent::OnConnectAuthenticate)));
        QVERIFY(!(all & hookBit(HookEvent::OnACLCheck)));
        QVERIFY(!(all & hookBit(HookEvent::StoredClients)));
    }

    // Queued to the receiver's thread, with the data of the event.
    void queuedWithData()
    {
        BrokerFixture fixture;
        PETREL_START(fixture);
        BrokerEvents *events = fixture.broker()->events();

        QList<ClientInfo> established;
        QList<QPair<QByteArray, QByteArray>> published; // (client, topic)
        QList<QPair<QByteArray, quint8>> disconnected;
        QList<QByteArray> subscribedFilters;
        QObject receiver;
        bool onReceiverThread = true;
        auto check = [&] {
            if (QThread::currentThread() != receiver.thread()) onReceiverThread = false;
        };
        connect(events, &BrokerEvents::sessionEstablished, &receiver,
                [&](const ClientInfo &c, const Connect &) {
                    check();
                    established.append(c);
                });
        connect(events, &BrokerEvents::subscribed, &receiver,
                [&](const ClientInfo &, const Subscribe &s, const QList<quint8> &codes) {
                    check();
                    QCOMPARE(codes.size(), s.topics.size());
                    for (const TopicSubscription &t : s.topics)
                        subscribedFilters.append(t.filter);
                });
        connect(events, &BrokerEvents::published, &receiver, [&](const ClientInfo &c, const Publish &p) {
            check();
            published.append({c.clientId, p.topic});
        });
        connect(events, &BrokerEvents::clientDisconnected, &receiver,
                [&](const ClientInfo &c, quint8 reason, bool) {
                    check();
                    disconnected.append({c.clientId, reason});
                });

        TestClient client("sig-client", ProtocolVersion::V5);
        QVERIFY(client.open(fixture.port(), makeConnect(ProtocolVersion::V5, "sig-client")));
        QVERIFY(client.subscribe("sig/+", 1));
        QVERIFY(client.publishAndWait(makePublish("sig/a", "x", 1)));
        QVERIFY(client.disconnect(0x04)); // disconnect with will message

        QTRY_COMPARE_WITH_TIMEOUT(disconnected.size(), 1, kWaitMs);
        QCOMPARE(established.size(), 1);
        QCOMPARE(established[0].clientId, QByteArray("sig-client"));
        QCOMPARE(established[0].version, ProtocolVersion::V5);
        QVERIFY(established[0].remoteAddress.startsWith(u"127.0.0.1:"_s));
        QCOMPARE(subscribedFilters, QList<QByteArray>{"sig/+"});
        QCOMPARE(published.size(), 1);
        QCOMPARE(published[0].first, QByteArray("sig-client"));
        QCOMPARE(published[0].second, QByteArray("sig/a"));
        QCOMPARE(disconnected[0].first, QByteArray("sig-client"));
        QCOMPARE(disconnected[0].second, quint8(0x04));
        QVERIFY(onReceiverThread);
    }

    // The bridge observes after the other hooks: it reports the rewritten payload.
    void seesModifiedPackets()
    {
        // Added after the bridge exists (the Broker made it), yet it runs before it.
        auto broker = std::make_unique<Broker>(BrokerFixture::defaultOptions());
        QVERIFY(broker->addHook(std::make_shared<Rewriter>()));
        QVERIFY(broker->start());
        const quint16 port = broker->listenTcp(u"t"_s, QHostAddress::LocalHost, 0);
        QVERIFY(port);

        QList<QByteArray> payloads;
        QObject receiver;
        connect(broker->events(), &BrokerEvents::publishing, &receiver,
                [&](const ClientInfo &, const Publish &p) { payloads.append(p.payload); });

        TestClient sub("rw-sub");
        QVERIFY(sub.open(port, makeConnect(ProtocolVersion::V311, "rw-sub")));
        QVERIFY(sub.subscribe("rw/#"));
        TestClient pub("rw-pub");
        QVERIFY(pub.open(port, makeConnect(ProtocolVersion::V311, "rw-pub")));
        QVERIFY(pub.publish(makePublish("rw/a", "data")));
        const auto got = sub.receivePublish();
        QVERIFY(got);
        QCOMPARE(got->payload, QByteArray("rewritten:data"));
        QTRY_COMPARE_WITH_TIMEOUT(payloads.size(), 1, kWaitMs);
        QCOMPARE(payloads[0], QByteArray("rewritten:data"));
        broker->stop();
    }

    // Qt::DirectConnection runs the slot on the worker thread that handles the client.
    void directConnectionOnWorker()
    {
        BrokerFixture fixture;
        PETREL_START(fixture);
        std::atomic<int> calls{0};
        std::atomic<bool> onMain{false};
        QThread *main = QThread::currentThread();
        connect(
            fixture.broker()->events(), &BrokerEvents::packetRead, this,
            [&](const ClientInfo &, const Packet &) {
                if (QThread::currentThread() == main) onMain = true;
                ++calls;
            },
            Qt::DirectConnection);
        TestClient client("direct");
        QVERIFY(client.open(fixture.port(), makeConnect(ProtocolVersion::V311, "direct")));
        QVERIFY(client.ping());
        // Counted on the worker before PINGRESP left it: no event loop needed here.
        QCOMPARE(calls.load(), 1); // PINGREQ (CONNECT is not a packet read in a session)
        QVERIFY(!onMain.load());
        disconnect(fixture.broker()->events(), nullptr, this, nullptr);
    }

    // Every signal fires (packetIdExhausted excepted: unreachable, see hook.h) in a session
    // that connects, subscribes, publishes at each QoS, retains, lets a will fire, and lets
    // a session and a retained message expire.
    void everySignalFires()
    {
        Options o = BrokerFixture::defaultOptions();
        o.capabilities.maximumSessionExpiryInterval = 1;
        Broker broker(o);
        BrokerEvents *events = broker.events();
        Counter counter;
        const QMetaMethod hit = counter.metaObject()->method(counter.metaObject()->indexOfSlot("hit()"));
        for (const QMetaMethod &m : eventSignals())
            QVERIFY(connect(events, m, &counter, hit));
        QCOMPARE(events->dynamicMask()->load(), BrokerEvents::signalEvents());
        QVERIFY(broker.start());
        const quint16 port = broker.listenTcp(u"t"_s, QHostAddress::LocalHost, 0);
        QVERIFY(port);

        TestClient sub("all-sub", ProtocolVersion::V5);
        Connect sc = makeConnect(ProtocolVersion::V5, "all-sub", true);
        sc.properties.sessionExpiryInterval = 1;
        sc.properties.mark(PropertyId::SessionExpiryInterval);
        QVERIFY(sub.open(port, sc));
        QVERIFY(sub.subscribe("all/#", 2));
        QVERIFY(sub.unsubscribe({"none/#"}));

        TestClient pub("all-pub", ProtocolVersion::V5);
        Connect pc = makeConnect(ProtocolVersion::V5, "all-pub");
        pc.properties.sessionExpiryInterval = 1; // persistent: its inbound QoS 2 ids are recorded
        pc.properties.mark(PropertyId::SessionExpiryInterval);
        pc.hasWill = true;
        pc.will = Will{1, false, "all/will", "gone", {}};
        QVERIFY(pub.open(port, pc));
        for (quint8 qos = 0; qos <= 2; ++qos) {
            QVERIFY(pub.publishAndWait(makePublish("all/q", "m", qos)));
            const auto got = sub.receivePublish();
            QVERIFY(got);
            QVERIFY(sub.acknowledge(*got));
        }
        Publish retained = makePublish("all/retained", "r", 0, true);
        retained.properties.messageExpiryInterval = 1;
        retained.properties.mark(PropertyId::MessageExpiryInterval);
        QVERIFY(pub.publishAndWait(retained));
        QVERIFY(sub.receivePublish());
        // A message too large for the subscriber's maximum packet size is dropped for it.
        TestClient small("all-small", ProtocolVersion::V5);
        Connect smc = makeConnect(ProtocolVersion::V5, "all-small");
        smc.properties.maximumPacketSize = 64;
        smc.properties.mark(PropertyId::MaximumPacketSize);
        QVERIFY(small.open(port, smc));
        QVERIFY(small.subscribe("all/#", 1)); // receives the retained message
        QVERIFY(small.receivePublish());
        QVERIFY(pub.publishAndWait(makePublish("all/big", QByteArray(200, 'x'), 1)));
        QVERIFY(sub.receivePublish());
        // Unacknowledged QoS 1 for a session that then ends: dropped.
        QVERIFY(pub.publishAndWait(makePublish("all/unacked", "u", 1)));
        QVERIFY(sub.receivePublish());
        sub.close(); // abnormal; the session (1 s expiry) expires with its inflight message
        pub.close(); // abnormal: the will fires
        QTRY_VERIFY_WITH_TIMEOUT(counter.hits.contains("willSent"), kWaitMs);

        QTRY_VERIFY_WITH_TIMEOUT(
            counter.hits.contains("clientExpired") && counter.hits.contains("retainedExpired") &&
                counter.hits.contains("qosDropped") && counter.hits.contains("publishDropped") &&
                counter.hits.contains("sessionEnded") && counter.hits.contains("sysInfoTick"),
            kWaitMs);
        broker.stop(); // brokerStopped, emitted in this thread
        const QSet<QByteArray> exempt{"packetIdExhausted"};
        QStringList missing;
        for (const QMetaMethod &m : eventSignals())
            if (!counter.hits.contains(m.name()) && !exempt.contains(m.name()))
                missing << QString::fromLatin1(m.name());
        QVERIFY2(missing.isEmpty(), qPrintable(missing.join(u", "_s)));
        QVERIFY(!counter.offThread);
    }
};

QTEST_MAIN(TestBrokerEvents)
#include "tst_broker_events.moc"
