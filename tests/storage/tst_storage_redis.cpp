// The Redis storage hook (hooks.storage.redis) with real processes: a redis-server started by
// the test (tests/support/redisprocess.h) and the petrel-server executable. Graceful restart
// restores sessions, subscriptions, inflight and queued messages, inbound QoS 2 ids and
// retained messages; Redis down at start is a clear error; Redis restarted while the broker
// runs loses nothing the broker accepted meanwhile. The hook is also driven directly for the
// bound of its in-memory buffer.
#include "broker/broker.h"
#include "redis/redisclient.h"
#include "server_process.h"
#include "storage/redisstorage.h"
#include "support/redisprocess.h"
#include "support/test_client.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace petrel;
using namespace petrel::packets;
using petrel::test::makeConnect;
using petrel::test::makePublish;
using petrel::test::makeSubscription;
using petrel::test::RedisProcess;
using petrel::test::ServerProcess;
using petrel::test::TestClient;

namespace {

QString redisConfig(const QString &address, const QString &extra = QString())
{
    return QStringLiteral(
               "hooks:\n  auth:\n    allow_all: true\n  storage:\n    redis:\n      address: \"%1\"\n%2"
               "options:\n  sys_topic_resend_interval: 0\n")
        .arg(address, extra);
}

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

redis::Settings settingsFor(const RedisProcess &r)
{
    redis::Settings s;
    s.port = r.port();
    return s;
}

} // namespace

class TestStorageRedis : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        if (!QFile::exists(test::serverBinary())) QSKIP("petrel-server is not built");
    }

    // The SQLite hook's gracefulRestart scenario (tst_storage_server) on Redis.
    void gracefulRestart()
    {
        RedisProcess redis;
        QVERIFY2(redis.start(), qPrintable(redis.error()));
        QTemporaryDir dir;
        ServerProcess server(dir.path());
        const QString config = redisConfig(redis.address(), QStringLiteral("      h_prefix: \"tp-\"\n"));
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
            TestClient half("half", ProtocolVersion::V5);
            QVERIFY(half.open(port, persistent("half", true)));
            QVERIFY(half.subscribe("h/#", 2));
            QVERIFY(pub.publishQos2(makePublish("h/2", "two-half", 2)));
            auto p2 = half.receivePublish();
            QVERIFY(p2);
            halfQos2Id = p2->packetId;
            QVERIFY(half.send(ack(PacketType::Pubrec, halfQos2Id)));
            QVERIFY(half.receiveAck(PacketType::Pubrel));
            QVERIFY(pub.publishQos1(makePublish("h/1", "one-half", 1)));
            auto p1 = half.receivePublish();
            QVERIFY(p1);
            halfQos1Id = p1->packetId;
            half.close();
        }
        QVERIFY(pub.publishQos1(makePublish("t/1", "one", 1)));
        QVERIFY(pub.publishQos2(makePublish("t/2", "two", 2)));
        QVERIFY(pub.publishQos1(makePublish("r/x", QByteArray("kept\0binary", 11), 1, true)));
        {
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

        // The key layout under h_prefix (docs/persistence.md).
        QString error;
        const auto s = settingsFor(redis);
        QCOMPARE(redis::commandSync(s, {"HLEN", "tp-CL"}, &error).integer, 3);
        QCOMPARE(redis::commandSync(s, {"HEXISTS", "tp-SUB:sub", "t/#"}, &error).integer, 1);
        QCOMPARE(redis::commandSync(s, {"HLEN", "tp-MSG:sub"}, &error).integer, 3);
        QCOMPARE(redis::commandSync(s, {"HLEN", "tp-IFL:half"}, &error).integer, 2);
        QCOMPARE(redis::commandSync(s, {"SISMEMBER", "tp-INB:in", "10"}, &error).integer, 1);
        QCOMPARE(redis::commandSync(s, {"HEXISTS", "tp-RET", "r/x"}, &error).integer, 1);
        QCOMPARE(redis::commandSync(s, {"EXISTS", "petrel-CL"}, &error).integer, 0);
        QVERIFY2(error.isEmpty(), qPrintable(error));

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
            QCOMPARE(p->properties.subscriptionIdentifiers.value(0), 7u);
            QVERIFY(sub.acknowledge(*p));
        }
        QVERIFY(sub.expectNoPacket());

        TestClient in("in", ProtocolVersion::V5);
        connack = in.open(port, persistent("in", false));
        QVERIFY(connack && connack->sessionPresent);
        Publish again = makePublish("t/3", "three", 2);
        again.packetId = 10;
        again.dup = true;
        QVERIFY(in.send(again));
        const auto rec = in.receiveAck(PacketType::Pubrec);
        QVERIFY(rec);
        QVERIFY(in.send(ack(PacketType::Pubrel, 10)));
        const auto comp = in.receiveAck(PacketType::Pubcomp);
        QVERIFY(comp);
        QCOMPARE(comp->reasonCode, 0); // the packet id was restored
        QVERIFY(sub.expectNoPacket());

        TestClient half("half", ProtocolVersion::V5);
        connack = half.open(port, persistent("half", false));
        QVERIFY(connack && connack->sessionPresent);
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
        QCOMPARE(retained->payload, QByteArray("kept\0binary", 11));

        sub.close();
        in.close();
        half.close();
        fresh.close();
        QVERIFY2(server.stop(), qPrintable(server.log()));
        QVERIFY2(server.start(config), qPrintable(server.log()));
        QVERIFY2(server.log().contains(
                     QStringLiteral("restored 3 sessions (0 expired), 2 subscriptions, 0 messages")),
                 qPrintable(server.log()));
        // A session ended with clean start: its keys go.
        {
            TestClient gone("half", ProtocolVersion::V5);
            QVERIFY(gone.open(server.port(), persistent("half", true, 0)));
            QVERIFY(gone.disconnect());
        }
        QVERIFY(server.stop());
        QCOMPARE(redis::commandSync(s, {"HEXISTS", "tp-CL", "half"}, &error).integer, 0);
        QCOMPARE(
            redis::commandSync(s, {"EXISTS", "tp-SUB:half", "tp-MSG:half", "tp-IFL:half"}, &error).integer,
            0);
    }

    // Sessions, queued messages and retained messages that expired while the broker was down
    // are dropped on load, and from Redis (tst_storage_server's expiryOnLoad on Redis).
    void expiryOnLoad()
    {
        RedisProcess redis;
        QVERIFY2(redis.start(), qPrintable(redis.error()));
        QTemporaryDir dir;
        ServerProcess server(dir.path());
        const QString config = redisConfig(redis.address());
        QVERIFY2(server.start(config), qPrintable(server.log()));
        for (const auto &[id, expiry] : {std::pair<QByteArray, std::uint32_t>{"short", 3}, {"long", 3600}}) {
            TestClient c(id, ProtocolVersion::V5);
            QVERIFY(c.open(server.port(), persistent(id, true, expiry)));
            QVERIFY(c.subscribe("e/#", 1));
            QVERIFY(c.disconnect());
        }
        TestClient pub("pub", ProtocolVersion::V5);
        QVERIFY(pub.open(server.port(), makeConnect(ProtocolVersion::V5, "pub")));
        Publish soon = makePublish("e/1", "soon gone", 1);
        soon.properties.messageExpiryInterval = 3;
        soon.properties.mark(PropertyId::MessageExpiryInterval);
        QVERIFY(pub.publishQos1(soon));
        QVERIFY(pub.publishQos1(makePublish("e/2", "stays", 1)));
        Publish soonRetained = makePublish("e/r", "soon gone", 1, true);
        soonRetained.properties.messageExpiryInterval = 3;
        soonRetained.properties.mark(PropertyId::MessageExpiryInterval);
        QVERIFY(pub.publishQos1(soonRetained));
        QVERIFY(pub.publishQos1(makePublish("e/keep", "stays", 1, true)));
        pub.close();
        QVERIFY(server.stop());
        QTest::qWait(3200);

        QVERIFY2(server.start(config), qPrintable(server.log()));
        QVERIFY2(server.log().contains(QStringLiteral("restored 1 sessions (1 expired), 1 subscriptions, 2 "
                                                      "messages (2 expired), 1 retained (1 expired)")),
                 qPrintable(server.log()));
        QVERIFY(server.stop());
        QString error;
        const auto s = settingsFor(redis);
        QCOMPARE(redis::commandSync(s, {"HEXISTS", "petrel-CL", "short"}, &error).integer, 0);
        QCOMPARE(redis::commandSync(s, {"EXISTS", "petrel-SUB:short", "petrel-MSG:short"}, &error).integer,
                 0);
        QCOMPARE(redis::commandSync(s, {"HLEN", "petrel-MSG:long"}, &error).integer, 2);
        QCOMPARE(redis::commandSync(s, {"HKEYS", "petrel-RET"}, &error).elements.size(), 1);
        QCOMPARE(redis::commandSync(s, {"HEXISTS", "petrel-RET", "e/keep"}, &error).integer, 1);
        QVERIFY2(server.start(config), qPrintable(server.log()));
        QVERIFY2(server.log().contains(QStringLiteral("(0 expired)")) &&
                     !server.log().contains(QStringLiteral("(1 expired)")),
                 qPrintable(server.log()));
        QVERIFY(server.stop());
    }

    // Redis down (or refusing the password) at start: petrel-server exits with an error that
    // names the address.
    void redisDownAtStart()
    {
        RedisProcess redis;
        QVERIFY2(redis.start(), qPrintable(redis.error()));
        const QString address = redis.address();
        redis.kill();
        QTemporaryDir dir;
        ServerProcess server(dir.path());
        const int code = server.startExpectingFailure(redisConfig(address));
        QVERIFY2(code > 0, qPrintable(server.log()));
        QVERIFY2(server.log().contains(
                     QStringLiteral("cannot connect to Redis at %1: Connection refused").arg(address)),
                 qPrintable(server.log()));

        RedisProcess locked;
        locked.setExtraArgs({QStringLiteral("--requirepass"), QStringLiteral("right")});
        QVERIFY2(locked.start(), qPrintable(locked.error()));
        const int code2 = server.startExpectingFailure(
            redisConfig(locked.address(), QStringLiteral("      password: wrong\n")));
        QVERIFY2(code2 > 0, qPrintable(server.log()));
        QVERIFY2(server.log().contains(
                     QStringLiteral("Redis at %1: AUTH failed: WRONGPASS").arg(locked.address())),
                 qPrintable(server.log()));
        // And with the right password it runs.
        QVERIFY2(server.start(redisConfig(locked.address(), QStringLiteral("      password: right\n"))),
                 qPrintable(server.log()));
        QVERIFY(server.stop());
    }

    // Redis killed while the broker runs and messages are queued for an offline session: the
    // broker keeps going (logged), keeps the changes, writes them once Redis is back; after a
    // broker restart every message it acknowledged during the outage is delivered.
    void redisRestartedMidRun()
    {
        RedisProcess redis;
        redis.setPersistent(true); // what Redis had survives its own restart
        QVERIFY2(redis.start(), qPrintable(redis.error()));
        QTemporaryDir dir;
        ServerProcess server(dir.path());
        const QString config = redisConfig(redis.address());
        QVERIFY2(server.start(config), qPrintable(server.log()));
        {
            TestClient sub("offline", ProtocolVersion::V5);
            QVERIFY(sub.open(server.port(), persistent("offline", true)));
            QVERIFY(sub.subscribe("m/#", 1));
            QVERIFY(sub.disconnect());
        }
        TestClient pub("pub");
        QVERIFY(pub.open(server.port(), makeConnect(ProtocolVersion::V311, "pub")));
        QVERIFY(pub.publishQos1(makePublish("m/0", "before", 1)));
        QTest::qWait(200); // written

        redis.kill();
        QVERIFY2(server.waitForLog(QStringLiteral("lost the connection to Redis at %1").arg(redis.address())),
                 qPrintable(server.log()));
        for (int i = 1; i <= 50; ++i)
            QVERIFY(pub.publishQos1(
                makePublish("m/" + QByteArray::number(i), "during-" + QByteArray::number(i), 1)));
        QVERIFY(pub.publishQos1(makePublish("r/outage", "retained-during", 1, true)));
        QVERIFY(server.isRunning());

        QVERIFY2(redis.start(), qPrintable(redis.error()));
        QVERIFY2(server.waitForLog(QStringLiteral("is back"), 10000), qPrintable(server.log()));
        QVERIFY(pub.publishQos1(makePublish("m/after", "after", 1)));
        pub.close();
        QVERIFY2(server.stop(), qPrintable(server.log()));
        QVERIFY2(!server.log().contains(QStringLiteral("could not be written")), qPrintable(server.log()));

        QVERIFY2(server.start(config), qPrintable(server.log()));
        TestClient sub("offline", ProtocolVersion::V5);
        const auto connack = sub.open(server.port(), persistent("offline", false));
        QVERIFY(connack && connack->sessionPresent);
        QList<QByteArray> got;
        for (int i = 0; i < 52; ++i) {
            const auto p = sub.receivePublish();
            QVERIFY2(p, qPrintable(QStringLiteral("after %1 messages").arg(got.size())));
            got.append(p->payload);
            QVERIFY(sub.acknowledge(*p));
        }
        QCOMPARE(got.first(), QByteArray("before"));
        QCOMPARE(got.at(25), QByteArray("during-25"));
        QCOMPARE(got.last(), QByteArray("after"));
        QVERIFY(sub.expectNoPacket());
        TestClient fresh("fresh");
        QVERIFY(fresh.open(server.port(), makeConnect(ProtocolVersion::V311, "fresh")));
        QVERIFY(fresh.subscribe("r/#", 0));
        const auto r = fresh.receivePublish();
        QVERIFY(r);
        QCOMPARE(r->payload, QByteArray("retained-during"));
        sub.close();
        fresh.close();
        QVERIFY(server.stop());
    }

    // The hook alone: while Redis is away changes are kept up to max_buffered, the ones past
    // it are dropped and counted; the kept ones are written when Redis is back.
    void bufferBoundWhileRedisAway()
    {
        RedisProcess redis;
        redis.setPersistent(true);
        QVERIFY2(redis.start(), qPrintable(redis.error()));
        storage::RedisStorageHook hook;
        QString error;
        QVERIFY2(hook.init({{QStringLiteral("address"), redis.address()},
                            {QStringLiteral("h_prefix"), QStringLiteral("b-")},
                            {QStringLiteral("max_buffered"), 5}},
                           &error),
                 qPrintable(error));
        QCOMPARE(hook.address(), redis.address());
        QVERIFY(hook.storedClients().isEmpty());
        hook.storedSysInfo();
        redis.kill();
        QVERIFY(QTest::qWaitFor([&] { return !hook.isConnected(); }, 5000));
        for (int i = 0; i < 8; ++i) {
            StoredClient c;
            c.clientId = "c" + QByteArray::number(i);
            c.sessionExpiryInterval = 60;
            hook.onSessionUpdated(c);
        }
        QCOMPARE(hook.backlog(), 5);
        QCOMPARE(hook.changesLost(), 3);
        QVERIFY(!hook.flush(300)); // Redis away: not written, still kept
        QCOMPARE(hook.backlog(), 5);

        QVERIFY2(redis.start(), qPrintable(redis.error()));
        QVERIFY(hook.flush(10000));
        QCOMPARE(hook.backlog(), 0);
        QCOMPARE(redis::commandSync(settingsFor(redis), {"HLEN", "b-CL"}, &error).integer, 5);
        QCOMPARE(redis::commandSync(settingsFor(redis), {"HEXISTS", "b-CL", "c4"}, &error).integer, 1);
        QCOMPARE(redis::commandSync(settingsFor(redis), {"HEXISTS", "b-CL", "c5"}, &error).integer, 0);
        // $SYS counters: written and loaded back (by a second hook on the same keys).
        BrokerStats stats;
        stats.startedAtMs = 1234;
        stats.messagesReceived = 42;
        stats.bytesSent = 99;
        stats.clientsMaximum = 7;
        hook.onSysInfoTick(stats);
        QVERIFY(hook.flush(10000));
        hook.stop();
        QCOMPARE(hook.changesLost(), 3);
        QCOMPARE(hook.writeFailures(), 0); // nothing was sent while Redis was away

        storage::RedisStorageHook again;
        QVERIFY2(again.init({{QStringLiteral("address"), redis.address()},
                             {QStringLiteral("h_prefix"), QStringLiteral("b-")}},
                            &error),
                 qPrintable(error));
        QCOMPARE(again.storedClients().size(), 5);
        const auto sys = again.storedSysInfo();
        QVERIFY(sys.has_value());
        QCOMPARE(sys->startedAtMs, 1234);
        QCOMPARE(sys->messagesReceived, 42);
        QCOMPARE(sys->bytesSent, 99);
        QCOMPARE(sys->clientsMaximum, 7);
    }

    // resources/config/redis.yaml, pointed at the test's Redis, starts and stores sessions.
    void shippedExample()
    {
        RedisProcess redis;
        QVERIFY2(redis.start(), qPrintable(redis.error()));
        QFile f(qEnvironmentVariable("PETREL_SOURCE_DIR") + QStringLiteral("/resources/config/redis.yaml"));
        QVERIFY2(f.open(QIODevice::ReadOnly), qPrintable(f.fileName()));
        QString config = QString::fromUtf8(f.readAll());
        QVERIFY(config.contains(QStringLiteral("localhost:6379")));
        config.replace(QStringLiteral("localhost:6379"), redis.address());
        config.replace(QStringLiteral("\":1883\""), QStringLiteral("\"127.0.0.1:0\""));
        QTemporaryDir dir;
        ServerProcess server(dir.path());
        QVERIFY2(server.start(config), qPrintable(server.log()));
        {
            TestClient c("example", ProtocolVersion::V5);
            QVERIFY(c.open(server.port(), persistent("example", true)));
            QVERIFY(c.disconnect());
        }
        QVERIFY(server.stop());
        QString error;
        QCOMPARE(redis::commandSync(settingsFor(redis), {"HEXISTS", "petrel-CL", "example"}, &error).integer,
                 1);
    }

    void badSettings()
    {
        storage::RedisStorageHook hook;
        QString error;
        QVERIFY(!hook.init({{QStringLiteral("address"), QStringLiteral("host:0")}}, &error));
        QVERIFY2(error.contains(QStringLiteral("invalid Redis address \"host:0\"")), qPrintable(error));
        QVERIFY(!hook.init({{QStringLiteral("address"), QStringLiteral("127.0.0.1:1")},
                            {QStringLiteral("database"), QStringLiteral("x")}},
                           &error));
        QVERIFY2(error.contains(QStringLiteral("database")), qPrintable(error));
    }
};

QTEST_MAIN(TestStorageRedis)
#include "tst_storage_redis.moc"
