// Persistence with the real petrel-server executable and real SQLite files: graceful
// restarts, kill -9 in sync mode, expiry on load, and bad database files.
#include "server_process.h"
#include "support/test_client.h"

#include <QElapsedTimer>
#include <QFile>
#include <QSet>
#include <QTemporaryDir>
#include <QTest>

#include <unistd.h>

using namespace petrel;
using namespace petrel::packets;
using petrel::test::makeConnect;
using petrel::test::makePublish;
using petrel::test::makeSubscription;
using petrel::test::ServerProcess;
using petrel::test::storageConfig;
using petrel::test::TestClient;

namespace {

Connect persistent(const QByteArray &clientId, bool cleanStart, std::uint32_t expiry = 3600)
{
    Connect c = makeConnect(ProtocolVersion::V5, clientId, cleanStart);
    c.properties.sessionExpiryInterval = expiry;
    c.properties.mark(PropertyId::SessionExpiryInterval);
    return c;
}

Ack ack(PacketType type, std::uint16_t id)
{
    Ack a;
    a.type = type;
    a.packetId = id;
    return a;
}

Publish withExpiry(Publish p, std::uint32_t seconds)
{
    p.properties.messageExpiryInterval = seconds;
    p.properties.mark(PropertyId::MessageExpiryInterval);
    return p;
}

} // namespace

class TestStorageServer : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        if (!QFile::exists(test::serverBinary())) QSKIP("petrel-server is not built");
    }

    // A persistent session with queued QoS 1 and 2 messages, a half-finished QoS 2 flow in
    // each direction, an unacknowledged QoS 1 delivery, subscriptions (with identifier) and a
    // retained message survive a graceful restart and are delivered as the spec requires.
    void gracefulRestart()
    {
        QTemporaryDir dir;
        ServerProcess server(dir.path());
        const QString config = storageConfig(QStringLiteral("path: petrel.db"));
        QVERIFY2(server.start(config), qPrintable(server.log()));
        quint16 port = server.port();

        {
            TestClient sub("sub", ProtocolVersion::V5);
            QVERIFY(sub.open(port, persistent("sub", true)));
            Subscribe s;
            s.topics = {makeSubscription("t/#", 2)};
            s.properties.subscriptionIdentifiers.append(7);
            s.properties.mark(PropertyId::SubscriptionIdentifier);
            const auto granted = sub.subscribe(s);
            QVERIFY(granted);
            QCOMPARE(granted->reasonCodes, QList<std::uint8_t>{2});
            QVERIFY(sub.disconnect());
        }
        TestClient pub("pub");
        QVERIFY(pub.open(port, makeConnect(ProtocolVersion::V311, "pub")));
        std::uint16_t halfQos2Id = 0, halfQos1Id = 0;
        {
            // Outbound flows left half-way: a QoS 2 message PUBREC'd (the broker sent PUBREL,
            // no PUBCOMP came) and a QoS 1 message never acknowledged.
            TestClient half("half", ProtocolVersion::V5);
            QVERIFY(half.open(port, persistent("half", true)));
            QVERIFY(half.subscribe("h/#", 2));
            QVERIFY(pub.publishQos2(makePublish("h/2", "two-half", 2)));
            auto p2 = half.receivePublish();
            QVERIFY(p2);
            QCOMPARE(p2->qos, 2);
            halfQos2Id = p2->packetId;
            QVERIFY(half.send(ack(PacketType::Pubrec, halfQos2Id)));
            QVERIFY(half.receiveAck(PacketType::Pubrel));
            QVERIFY(pub.publishQos1(makePublish("h/1", "one-half", 1)));
            auto p1 = half.receivePublish();
            QVERIFY(p1);
            QCOMPARE(p1->qos, 1);
            halfQos1Id = p1->packetId;
            half.close();
        }
        QVERIFY(pub.publishQos1(makePublish("t/1", "one", 1)));
        QVERIFY(pub.publishQos2(makePublish("t/2", "two", 2)));
        QVERIFY(pub.publishQos1(makePublish("r/x", "kept", 1, true)));
        {
            // Inbound QoS 2 left half-way: PUBLISH 10 got its PUBREC, no PUBREL yet.
            TestClient in("in", ProtocolVersion::V5);
            QVERIFY(in.open(port, persistent("in", true)));
            Publish p = makePublish("t/3", "three", 2);
            p.packetId = 10;
            QVERIFY(in.send(p));
            const auto rec = in.receiveAck(PacketType::Pubrec);
            QVERIFY(rec);
            QCOMPARE(rec->reasonCode, 0);
            in.close();
        }
        pub.close();
        QVERIFY2(server.stop(), qPrintable(server.log()));

        QVERIFY2(server.start(config), qPrintable(server.log()));
        port = server.port();
        QVERIFY2(server.log().contains(QStringLiteral("restored 3 sessions (0 expired)")),
                 qPrintable(server.log()));

        TestClient sub("sub", ProtocolVersion::V5);
        auto connack = sub.open(port, persistent("sub", false));
        QVERIFY(connack);
        QVERIFY(connack->sessionPresent);
        const QList<QPair<QByteArray, int>> expected{{"one", 1}, {"two", 2}, {"three", 2}};
        for (const auto &[payload, qos] : expected) {
            auto p = sub.receivePublish();
            QVERIFY(p);
            QCOMPARE(p->payload, payload);
            QCOMPARE(int(p->qos), qos);
            QCOMPARE(p->properties.subscriptionIdentifiers.size(), 1);
            QCOMPARE(p->properties.subscriptionIdentifiers.value(0), 7u);
            QVERIFY(sub.acknowledge(*p));
        }
        QVERIFY(sub.expectNoPacket());

        // The inbound QoS 2 flow continues: the resent PUBLISH is acknowledged, not delivered
        // again; PUBREL finds the packet id.
        TestClient in("in", ProtocolVersion::V5);
        connack = in.open(port, persistent("in", false));
        QVERIFY(connack);
        QVERIFY(connack->sessionPresent);
        Publish again = makePublish("t/3", "three", 2);
        again.packetId = 10;
        again.dup = true;
        QVERIFY(in.send(again));
        const auto rec = in.receiveAck(PacketType::Pubrec);
        QVERIFY(rec);
        QCOMPARE(rec->packetId, 10);
        QVERIFY(in.send(ack(PacketType::Pubrel, 10)));
        const auto comp = in.receiveAck(PacketType::Pubcomp);
        QVERIFY(comp);
        QCOMPARE(comp->reasonCode, 0); // not 0x92 Packet Identifier not found
        QVERIFY(sub.expectNoPacket());

        // The outbound flows continue: PUBREL for the PUBREC'd QoS 2 message, the QoS 1
        // message again with DUP and its packet id [MQTT-4.4.0-1].
        TestClient half("half", ProtocolVersion::V5);
        connack = half.open(port, persistent("half", false));
        QVERIFY(connack);
        QVERIFY(connack->sessionPresent);
        const auto rel = half.receiveAck(PacketType::Pubrel);
        QVERIFY(rel);
        QCOMPARE(rel->packetId, halfQos2Id);
        QVERIFY(half.send(ack(PacketType::Pubcomp, halfQos2Id)));
        const auto p1 = half.receivePublish();
        QVERIFY(p1);
        QVERIFY(p1->dup);
        QCOMPARE(p1->packetId, halfQos1Id);
        QCOMPARE(p1->payload, QByteArray("one-half"));
        QVERIFY(half.send(ack(PacketType::Puback, halfQos1Id)));
        QVERIFY(half.expectNoPacket());

        TestClient fresh("fresh");
        QVERIFY(fresh.open(port, makeConnect(ProtocolVersion::V311, "fresh")));
        QVERIFY(fresh.subscribe("r/#", 1));
        const auto retained = fresh.receivePublish();
        QVERIFY(retained);
        QVERIFY(retained->retain);
        QCOMPARE(retained->payload, QByteArray("kept"));

        sub.close();
        in.close();
        half.close();
        fresh.close();
        QVERIFY2(server.stop(), qPrintable(server.log()));
        // Everything was acknowledged: nothing is left to restore but the sessions.
        QVERIFY2(server.start(config), qPrintable(server.log()));
        QVERIFY2(server.log().contains(
                     QStringLiteral("restored 3 sessions (0 expired), 2 subscriptions, 0 messages")),
                 qPrintable(server.log()));
        QVERIFY(server.stop());
    }

    // Sessions, queued messages and retained messages that expired while the broker was down
    // are dropped on load (and from the file).
    void expiryOnLoad()
    {
        QTemporaryDir dir;
        ServerProcess server(dir.path());
        const QString config = storageConfig(QStringLiteral("path: petrel.db"));
        QVERIFY2(server.start(config), qPrintable(server.log()));
        for (const auto &[id, expiry] : {std::pair<QByteArray, std::uint32_t>{"short", 3}, {"long", 3600}}) {
            TestClient c(id, ProtocolVersion::V5);
            QVERIFY(c.open(server.port(), persistent(id, true, expiry)));
            QVERIFY(c.subscribe("e/#", 1));
            QVERIFY(c.disconnect());
        }
        TestClient pub("pub", ProtocolVersion::V5);
        QVERIFY(pub.open(server.port(), makeConnect(ProtocolVersion::V5, "pub")));
        QVERIFY(pub.publishQos1(withExpiry(makePublish("e/1", "soon gone", 1), 3)));
        QVERIFY(pub.publishQos1(makePublish("e/2", "stays", 1)));
        QVERIFY(pub.publishQos1(withExpiry(makePublish("e/r", "soon gone", 1, true), 3)));
        QVERIFY(pub.publishQos1(makePublish("e/keep", "stays", 1, true)));
        pub.close();
        QVERIFY(server.stop());
        // Stopped within the 3 s (so nothing expired while it ran), started after them.
        QTest::qWait(3200);

        QVERIFY2(server.start(config), qPrintable(server.log()));
        // "long" keeps e/2 and e/keep (routed to it as well as retained); e/1 and e/r expired.
        QVERIFY2(server.log().contains(QStringLiteral("restored 1 sessions (1 expired), 1 subscriptions, 2 "
                                                      "messages (2 expired), 1 retained (1 expired)")),
                 qPrintable(server.log()));
        TestClient shortLived("short", ProtocolVersion::V5);
        auto connack = shortLived.open(server.port(), persistent("short", false));
        QVERIFY(connack);
        QVERIFY(!connack->sessionPresent);
        TestClient longLived("long", ProtocolVersion::V5);
        connack = longLived.open(server.port(), persistent("long", false));
        QVERIFY(connack);
        QVERIFY(connack->sessionPresent);
        for (const char *topic : {"e/2", "e/keep"}) {
            const auto p = longLived.receivePublish();
            QVERIFY(p);
            QCOMPARE(p->topic, QByteArray(topic));
            QCOMPARE(p->payload, QByteArray("stays"));
            QVERIFY(longLived.acknowledge(*p));
        }
        QVERIFY(longLived.expectNoPacket());
        TestClient fresh("fresh");
        QVERIFY(fresh.open(server.port(), makeConnect(ProtocolVersion::V311, "fresh")));
        QVERIFY(fresh.subscribe("e/#", 0));
        const auto r = fresh.receivePublish();
        QVERIFY(r);
        QCOMPARE(r->topic, QByteArray("e/keep"));
        QVERIFY(fresh.expectNoPacket());
        shortLived.close();
        longLived.close();
        fresh.close();
        QVERIFY(server.stop());
        // The expired entries are gone from the file too.
        QVERIFY2(server.start(config), qPrintable(server.log()));
        QVERIFY2(server.log().contains(QStringLiteral("(0 expired)")) &&
                     !server.log().contains(QStringLiteral("(1 expired)")),
                 qPrintable(server.log()));
        QVERIFY(server.stop());
    }

    // kill -9 during a QoS 1/2 publishing load in sync mode: after the restart, every
    // message the broker acknowledged reaches the offline subscriber, and no QoS 2 message
    // arrives twice.
    void crashInSyncMode()
    {
        QTemporaryDir dir;
        ServerProcess server(dir.path());
        const QString config = storageConfig(QStringLiteral("path: petrel.db\n      mode: sync"));
        QVERIFY2(server.start(config), qPrintable(server.log()));
        {
            TestClient sub("crash-sub", ProtocolVersion::V5);
            QVERIFY(sub.open(server.port(), persistent("crash-sub", true)));
            QVERIFY(sub.subscribe("c/1", 1));
            QVERIFY(sub.subscribe("c/2", 2));
            QVERIFY(sub.disconnect());
        }
        TestClient q1("pub-q1");
        TestClient q2("pub-q2");
        QVERIFY(q1.open(server.port(), makeConnect(ProtocolVersion::V311, "pub-q1")));
        QVERIFY(q2.open(server.port(), makeConnect(ProtocolVersion::V311, "pub-q2")));
        QSet<QByteArray> acked1, acked2, sent1, sent2;
        QHash<std::uint16_t, QByteArray> unacked1; // packet id -> payload, QoS 1 in flight
        int n = 0;
        QElapsedTimer clock;
        clock.start();
        const auto collectAcks = [&](TestClient &c, int waitMs) {
            while (!unacked1.isEmpty()) {
                auto p = c.poll(waitMs);
                if (!p) return;
                if (auto *a = std::get_if<Ack>(&*p); a && a->type == PacketType::Puback) {
                    const QByteArray payload = unacked1.take(a->packetId);
                    if (!payload.isEmpty()) acked1.insert(payload);
                }
            }
        };
        // About two seconds of load: windows of 20 QoS 1 messages, then one QoS 2 exchange;
        // at most 4000 messages, well within the offline session's queue (8192 by default).
        while (clock.elapsed() < 2000 && n < 4000) {
            for (int i = 0; i < 20; ++i) {
                Publish p = makePublish("c/1", "q1-" + QByteArray::number(++n), 1);
                p.packetId = q1.nextPacketId();
                unacked1.insert(p.packetId, p.payload);
                sent1.insert(p.payload);
                QVERIFY(q1.send(p));
            }
            collectAcks(q1, 10000); // sync mode: bounded by the disk's fsync time
            QVERIFY2(unacked1.isEmpty(), qPrintable(server.log()));
            const QByteArray payload = "q2-" + QByteArray::number(++n);
            sent2.insert(payload);
            QVERIFY2(q2.publishQos2(makePublish("c/2", payload, 2), 10000), qPrintable(server.log()));
            acked2.insert(payload);
        }
        // The crash comes while a window is on its way.
        for (int i = 0; i < 20; ++i) {
            Publish p = makePublish("c/1", "q1-" + QByteArray::number(++n), 1);
            p.packetId = q1.nextPacketId();
            unacked1.insert(p.packetId, p.payload);
            sent1.insert(p.payload);
            QVERIFY(q1.send(p));
        }
        Publish last = makePublish("c/2", "q2-" + QByteArray::number(++n), 2);
        last.packetId = q2.nextPacketId();
        sent2.insert(last.payload);
        QVERIFY(q2.send(last));
        server.crash();
        collectAcks(q1, 200); // acks that made it out before the kill count as acknowledged
        if (auto p = q2.poll(200)) {
            if (auto *a = std::get_if<Ack>(&*p); a && a->type == PacketType::Pubrec)
                acked2.insert(last.payload);
        }
        QVERIFY(acked1.size() > 20);
        QVERIFY(acked2.size() > 1);

        QVERIFY2(server.start(config), qPrintable(server.log()));
        TestClient sub("crash-sub", ProtocolVersion::V5);
        const auto connack = sub.open(server.port(), persistent("crash-sub", false));
        QVERIFY(connack);
        QVERIFY(connack->sessionPresent);
        QSet<QByteArray> got1, got2;
        for (;;) {
            auto p = sub.poll(1500);
            if (!p) break;
            auto *pub = std::get_if<Publish>(&*p);
            QVERIFY(pub);
            if (pub->qos == 2) {
                QVERIFY2(!got2.contains(pub->payload), pub->payload.constData()); // never twice
                got2.insert(pub->payload);
            } else {
                got1.insert(pub->payload);
            }
            QVERIFY(sub.acknowledge(*pub));
        }
        for (const QByteArray &a : std::as_const(acked1))
            QVERIFY2(got1.contains(a), "acknowledged QoS 1 message lost: " + a);
        for (const QByteArray &a : std::as_const(acked2))
            QVERIFY2(got2.contains(a), "acknowledged QoS 2 message lost: " + a);
        QVERIFY((got1 - sent1).isEmpty());
        QVERIFY((got2 - sent2).isEmpty());
        qInfo("%lld QoS 1 and %lld QoS 2 messages acknowledged before the kill; all delivered after the "
              "restart",
              qint64(acked1.size()), qint64(acked2.size()));
        sub.close();
        QVERIFY(server.stop());
    }

    // ---- bad database files: a clear error at start naming the file, or a logged, counted
    // failure at run time; never a crash.

    void corruptFile()
    {
        QTemporaryDir dir;
        QFile f(dir.filePath(QStringLiteral("petrel.db")));
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(QByteArray(16384, 'x'));
        f.close();
        ServerProcess server(dir.path());
        QCOMPARE(server.startExpectingFailure(storageConfig(QStringLiteral("path: petrel.db"))), 1);
        QVERIFY2(server.log().contains(dir.filePath(QStringLiteral("petrel.db"))), qPrintable(server.log()));
        QVERIFY2(server.log().contains(QStringLiteral("not a usable database")), qPrintable(server.log()));
    }

    void damagedDatabase()
    {
        // A real database whose pages were overwritten in the middle.
        QTemporaryDir dir;
        ServerProcess server(dir.path());
        const QString config = storageConfig(QStringLiteral("path: petrel.db"));
        QVERIFY2(server.start(config), qPrintable(server.log()));
        TestClient pub("pub");
        QVERIFY(pub.open(server.port(), makeConnect(ProtocolVersion::V311, "pub")));
        for (int i = 0; i < 50; ++i)
            QVERIFY(
                pub.publishQos1(makePublish("d/" + QByteArray::number(i), QByteArray(2000, 'p'), 1, true)));
        pub.close();
        QVERIFY(server.stop());
        QFile f(dir.filePath(QStringLiteral("petrel.db")));
        QVERIFY(f.open(QIODevice::ReadWrite));
        QVERIFY(f.size() > 16384);
        f.seek(4096 * 2);
        f.write(QByteArray(8192, '\xA5'));
        f.close();
        QCOMPARE(server.startExpectingFailure(config), 1);
        QVERIFY2(server.log().contains(dir.filePath(QStringLiteral("petrel.db"))), qPrintable(server.log()));
        QVERIFY2(server.log().contains(QStringLiteral("damaged")) ||
                     server.log().contains(QStringLiteral("not a usable database")),
                 qPrintable(server.log()));
    }

    void lockedByAnotherProcess()
    {
        QTemporaryDir dir;
        const QString config = storageConfig(QStringLiteral("path: petrel.db"));
        ServerProcess first(dir.path());
        QVERIFY2(first.start(config), qPrintable(first.log()));
        ServerProcess second(dir.path());
        QCOMPARE(second.startExpectingFailure(config), 1);
        QVERIFY2(second.log().contains(dir.filePath(QStringLiteral("petrel.db"))), qPrintable(second.log()));
        QVERIFY2(second.log().contains(QStringLiteral("locked")), qPrintable(second.log()));
        QVERIFY(first.isRunning());
        QVERIFY(first.stop());
    }

    void readOnlyFile()
    {
        QTemporaryDir dir;
        const QString config = storageConfig(QStringLiteral("path: petrel.db"));
        {
            ServerProcess server(dir.path());
            QVERIFY2(server.start(config), qPrintable(server.log()));
            QVERIFY(server.stop());
        }
        const QString path = dir.filePath(QStringLiteral("petrel.db"));
        QVERIFY(QFile::setPermissions(path, QFile::ReadOwner | QFile::ReadGroup | QFile::ReadOther));
        QVERIFY(QFile::setPermissions(dir.path(), QFile::Permissions(0x7777)));
        ServerProcess server(dir.path());
        if (::geteuid() == 0) server.runAs(65534); // root may write anything: run as nobody
        QCOMPARE(server.startExpectingFailure(config), 1);
        QVERIFY2(server.log().contains(path), qPrintable(server.log()));
        QVERIFY2(server.log().contains(QStringLiteral("read-only")), qPrintable(server.log()));
    }

    void fullAtStart()
    {
        QTemporaryDir dir;
        ServerProcess server(dir.path());
        QCOMPARE(server.startExpectingFailure(
                     storageConfig(QStringLiteral("path: petrel.db\n      max_page_count: 1"))),
                 1);
        QVERIFY2(server.log().contains(dir.filePath(QStringLiteral("petrel.db"))), qPrintable(server.log()));
        QVERIFY2(server.log().contains(QStringLiteral("full")), qPrintable(server.log()));
    }

    // The disk fills up while running in sync mode: the commit fails, is logged with the
    // file and counted, the broker keeps running, and the message is not acknowledged.
    void fullWhileRunningSync()
    {
        QTemporaryDir dir;
        ServerProcess server(dir.path());
        QVERIFY2(server.start(storageConfig(QStringLiteral("path: petrel.db\n      mode: sync\n      "
                                                           "max_page_count: 40"))),
                 qPrintable(server.log()));
        TestClient pub("pub");
        QVERIFY(pub.open(server.port(), makeConnect(ProtocolVersion::V311, "pub")));
        QVERIFY(pub.publishQos1(makePublish("f/small", "fits", 1, true)));
        Publish big = makePublish("f/big", QByteArray(400 * 1024, 'b'), 1, true);
        big.packetId = pub.nextPacketId();
        QVERIFY(pub.send(big));
        QVERIFY2(server.waitForLog(QStringLiteral("failed commits so far")), qPrintable(server.log()));
        QVERIFY(pub.expectNoPacket(500)); // no PUBACK for what is not durable
        QVERIFY2(server.log().contains(dir.filePath(QStringLiteral("petrel.db"))), qPrintable(server.log()));
        QVERIFY2(server.log().contains(QStringLiteral("full")), qPrintable(server.log()));
        QVERIFY(server.isRunning());
        pub.close();
        QVERIFY(server.stop()); // a clean exit, with the loss reported
        QVERIFY2(server.log().contains(QStringLiteral("could not be written before stopping")),
                 qPrintable(server.log()));
    }
};

QTEST_GUILESS_MAIN(TestStorageServer)
#include "tst_storage_server.moc"
