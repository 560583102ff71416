// petrel::redis::Client, Subscriber and commandSync against a real redis-server started by the
// test on a free loopback port (tests/support/redisprocess.h).
#include "redis/redisclient.h"
#include "support/redisprocess.h"

#include <QSignalSpy>
#include <QTcpServer>
#include <QTest>

#include <optional>

using namespace petrel::redis;
using petrel::test::RedisProcess;

namespace {

Settings settingsFor(const RedisProcess &redis)
{
    Settings s;
    s.host = QStringLiteral("127.0.0.1");
    s.port = redis.port();
    s.maxBackoffMs = 200; // reconnect quickly in tests
    return s;
}

// Runs one command and waits (bounded) for its reply.
std::optional<Reply> run(Client &c, QList<QByteArray> args)
{
    std::optional<Reply> out;
    c.command(std::move(args), [&out](const Reply &r) { out = r; });
    if (!QTest::qWaitFor([&] { return out.has_value(); }, 5000)) return std::nullopt;
    return out;
}

bool waitConnected(Client &c)
{
    return QTest::qWaitFor([&] { return c.isConnected(); }, 5000);
}

QByteArray allBytes()
{
    QByteArray b;
    for (int i = 0; i < 256; ++i)
        b.append(char(i));
    return b + QByteArray(3, '\0') + b;
}

} // namespace

class TestRedisClient : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { QVERIFY2(m_redis.start(), qPrintable(m_redis.error())); }

    void parseAddress_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<bool>("ok");
        QTest::addColumn<QString>("host");
        QTest::addColumn<int>("port");
        QTest::addColumn<QString>("error");
        QTest::newRow("host:port") << "localhost:6379" << true << "localhost" << 6379 << "";
        QTest::newRow("ip:port") << "127.0.0.1:7000" << true << "127.0.0.1" << 7000 << "";
        QTest::newRow("host alone") << "redis.example" << true << "redis.example" << 6379 << "";
        QTest::newRow("ipv6") << "[::1]:6380" << true << "::1" << 6380 << "";
        QTest::newRow("ipv6 no port") << "[::1]" << true << "::1" << 6379 << "";
        QTest::newRow("spaces") << " h:1 " << true << "h" << 1 << "";
        QTest::newRow("empty") << "" << false << "" << 0 << "empty";
        QTest::newRow("no host") << ":6379" << false << "" << 0 << "empty host";
        QTest::newRow("no port") << "h:" << false << "" << 0 << "empty port";
        QTest::newRow("port 0") << "h:0" << false << "" << 0 << "1-65535";
        QTest::newRow("port too big") << "h:65536" << false << "" << 0 << "1-65535";
        QTest::newRow("port text") << "h:abc" << false << "" << 0 << "1-65535";
        QTest::newRow("bare ipv6") << "::1:6379" << false << "" << 0 << "brackets";
        QTest::newRow("open bracket") << "[::1:6379" << false << "" << 0 << "]";
    }
    void parseAddress()
    {
        QFETCH(QString, text);
        QFETCH(bool, ok);
        Settings s;
        QString message;
        QCOMPARE(petrel::redis::parseAddress(text, s, &message), ok);
        if (ok) {
            QFETCH(QString, host);
            QFETCH(int, port);
            QCOMPARE(s.host, host);
            QCOMPARE(int(s.port), port);
        } else {
            QFETCH(QString, error);
            QVERIFY2(message.contains(QStringLiteral("invalid Redis address")), qPrintable(message));
            QVERIFY2(message.contains(error), qPrintable(message));
        }
    }

    void commandsAndReplyTypes()
    {
        Client c(settingsFor(m_redis));
        QSignalSpy connectedSpy(&c, &Client::connected);
        c.open();
        QVERIFY(waitConnected(c));
        QCOMPARE(connectedSpy.count(), 1);

        auto r = run(c, {"SET", "k1", "v1"});
        QVERIFY(r);
        QCOMPARE(r->type, Reply::Type::Status);
        QCOMPARE(r->string, QByteArray("OK"));
        r = run(c, {"GET", "k1"});
        QCOMPARE(r->type, Reply::Type::String);
        QCOMPARE(r->string, QByteArray("v1"));
        r = run(c, {"GET", "missing"});
        QCOMPARE(r->type, Reply::Type::Nil);
        r = run(c, {"INCRBY", "n", "41"});
        QCOMPARE(r->type, Reply::Type::Integer);
        QCOMPARE(r->integer, 41);
        run(c, {"RPUSH", "list", "a", "b", "c"});
        r = run(c, {"LRANGE", "list", "0", "-1"});
        QCOMPARE(r->type, Reply::Type::Array);
        QCOMPARE(r->elements.size(), 3);
        QCOMPARE(r->elements[2].string, QByteArray("c"));
        r = run(c, {"HGET", "list", "x"}); // wrong type: an Error reply, counted
        QVERIFY(r->isError());
        QVERIFY2(r->string.startsWith("WRONGTYPE"), r->string.constData());
        QCOMPARE(c.errorCount(), 1u);
        r = run(c, {"NOSUCHCOMMAND"});
        QVERIFY(r->isError());
        QCOMPARE(c.pendingCount(), 0);
        QCOMPARE(c.reconnectCount(), 0u);
    }

    void binarySafe()
    {
        Client c(settingsFor(m_redis));
        c.open();
        QVERIFY(waitConnected(c));
        const QByteArray key = QByteArray("bin\0key\r\n", 9);
        const QByteArray value = allBytes();
        QCOMPARE(run(c, {"SET", key, value})->string, QByteArray("OK"));
        auto r = run(c, {"GET", key});
        QCOMPARE(r->string.size(), value.size());
        QCOMPARE(r->string, value);
        // The key with its NUL is distinct from its prefix.
        QCOMPARE(run(c, {"EXISTS", QByteArray("bin")})->integer, 0);
        QCOMPARE(run(c, {"HSET", "h", QByteArray("f\0", 2), value})->integer, 1);
        r = run(c, {"HGETALL", "h"});
        QCOMPARE(r->elements.size(), 2);
        QCOMPARE(r->elements[0].string, QByteArray("f\0", 2));
        QCOMPARE(r->elements[1].string, value);
        QCOMPARE(run(c, {"SET", "empty", ""})->string, QByteArray("OK"));
        r = run(c, {"GET", "empty"});
        QCOMPARE(r->type, Reply::Type::String);
        QVERIFY(r->string.isEmpty());
    }

    void pipelineInOrder()
    {
        Client c(settingsFor(m_redis));
        c.open();
        QVERIFY(waitConnected(c));
        run(c, {"DEL", "counter"});
        QList<QList<QByteArray>> cmds;
        for (int i = 0; i < 1000; ++i)
            cmds.append(QList<QByteArray>{"INCR", "counter"});
        std::optional<QList<Reply>> replies;
        c.pipeline(cmds, [&](const QList<Reply> &r) { replies = r; });
        QVERIFY(QTest::qWaitFor([&] { return replies.has_value(); }, 5000));
        QCOMPARE(replies->size(), 1000);
        for (int i = 0; i < 1000; ++i)
            QCOMPARE(replies->at(i).integer, i + 1);

        // MULTI/EXEC inside a pipeline: QUEUED statuses, then EXEC's array.
        replies.reset();
        c.pipeline({{"MULTI"}, {"SET", "a", "1"}, {"INCR", "a"}, {"EXEC"}},
                   [&](const QList<Reply> &r) { replies = r; });
        QVERIFY(QTest::qWaitFor([&] { return replies.has_value(); }, 5000));
        QCOMPARE(replies->size(), 4);
        QCOMPARE(replies->at(1).string, QByteArray("QUEUED"));
        QCOMPARE(replies->at(3).type, Reply::Type::Array);
        QCOMPARE(replies->at(3).elements.at(1).integer, 2);

        // An empty pipeline still answers (with nothing), later.
        replies.reset();
        c.pipeline({}, [&](const QList<Reply> &r) { replies = r; });
        QVERIFY(!replies.has_value());
        QVERIFY(QTest::qWaitFor([&] { return replies.has_value(); }, 5000));
        QVERIFY(replies->isEmpty());
    }

    void notConnectedIsAnErrorReplyLater()
    {
        Client c(settingsFor(m_redis)); // never opened
        QVERIFY(!c.isConnected());
        std::optional<Reply> r;
        c.command({"PING"}, [&](const Reply &x) { r = x; });
        QVERIFY(!r.has_value()); // never inside command()
        QVERIFY(QTest::qWaitFor([&] { return r.has_value(); }, 5000));
        QVERIFY(r->isError());
        QCOMPARE(r->string, QByteArray("not connected"));
        std::optional<QList<Reply>> replies;
        c.pipeline({{"PING"}, {"PING"}}, [&](const QList<Reply> &x) { replies = x; });
        QVERIFY(QTest::qWaitFor([&] { return replies.has_value(); }, 5000));
        QCOMPARE(replies->size(), 2);
        QCOMPARE(replies->at(1).string, QByteArray("not connected"));
        QCOMPARE(c.errorCount(), 3u);
    }

    void publishSubscribe()
    {
        Client c(settingsFor(m_redis));
        Subscriber sub(settingsFor(m_redis));
        QSignalSpy messages(&sub, &Subscriber::message);
        sub.subscribe("chan:a");
        sub.subscribe(QByteArray("chan\0b", 6));
        sub.open();
        c.open();
        QVERIFY(waitConnected(c));
        QVERIFY(QTest::qWaitFor([&] { return sub.isConnected(); }, 5000));
        // SUBSCRIBE is in flight: wait until Redis counts the subscriber.
        QVERIFY(QTest::qWaitFor([&] { return run(c, {"PUBLISH", "chan:a", "probe"})->integer == 1; }, 5000));
        QVERIFY(QTest::qWaitFor(
            [&] {
                return run(c, {"PUBLISH", QByteArray("chan\0b", 6), "p"})->integer == 1;
            },
            5000));
        messages.clear();
        const QByteArray payload = allBytes();
        QCOMPARE(run(c, {"PUBLISH", QByteArray("chan\0b", 6), payload})->integer, 1);
        QVERIFY(QTest::qWaitFor([&] { return messages.count() >= 1; }, 5000));
        QCOMPARE(messages.at(0).at(0).toByteArray(), QByteArray("chan\0b", 6));
        QCOMPARE(messages.at(0).at(1).toByteArray(), payload);

        sub.unsubscribe("chan:a");
        QVERIFY(QTest::qWaitFor([&] { return run(c, {"PUBLISH", "chan:a", "x"})->integer == 0; }, 5000));
        QCOMPARE(sub.channels().size(), 1);
    }

    // Redis killed under a connected Client and Subscriber, then started again on the same
    // port: errors are counted, nothing crashes, both reconnect and work again.
    void redisRestartedMidRun()
    {
        RedisProcess redis;
        QVERIFY2(redis.start(), qPrintable(redis.error()));
        Client c(settingsFor(redis));
        Subscriber sub(settingsFor(redis));
        QSignalSpy lost(&c, &Client::disconnected);
        QSignalSpy back(&c, &Client::connected);
        QSignalSpy messages(&sub, &Subscriber::message);
        sub.subscribe("events");
        c.open();
        sub.open();
        QVERIFY(waitConnected(c));
        QVERIFY(QTest::qWaitFor([&] { return run(c, {"PUBLISH", "events", "1"})->integer == 1; }, 5000));

        // A command waiting for an answer when the connection goes gets "connection lost".
        std::optional<Reply> blocked;
        c.command({"BLPOP", "nothing", "0"}, [&](const Reply &r) { blocked = r; });
        QTest::qWait(50);
        QCOMPARE(c.pendingCount(), 1);
        const quint64 errorsBefore = c.errorCount();
        redis.kill();
        QVERIFY(QTest::qWaitFor([&] { return lost.count() == 1; }, 5000));
        QVERIFY(!c.isConnected());
        QVERIFY2(lost.at(0).at(0).toString().contains(redis.address()),
                 qPrintable(lost.at(0).at(0).toString()));
        QVERIFY(blocked.has_value());
        QCOMPARE(blocked->string, QByteArray("connection lost"));
        QCOMPARE(c.pendingCount(), 0);

        // While down: commands fail at once, reconnect attempts fail and are counted.
        for (int i = 0; i < 20; ++i) {
            auto r = run(c, {"SET", "k", QByteArray::number(i)});
            QVERIFY(r && r->isError());
            QCOMPARE(r->string, QByteArray("not connected"));
        }
        QTest::qWait(500); // a few back-off rounds against a closed port
        QVERIFY(c.errorCount() > errorsBefore + 21);
        QVERIFY2(c.lastError().contains(redis.address()), qPrintable(c.lastError()));

        QVERIFY2(redis.start(), qPrintable(redis.error()));
        QVERIFY(waitConnected(c));
        QCOMPARE(back.count(), 2);
        QCOMPARE(c.reconnectCount(), 1u);
        QCOMPARE(run(c, {"SET", "k", "after"})->string, QByteArray("OK"));
        QCOMPARE(run(c, {"GET", "k"})->string, QByteArray("after"));

        // The subscriber subscribed again by itself.
        QVERIFY(QTest::qWaitFor([&] { return sub.isConnected(); }, 5000));
        QCOMPARE(sub.reconnectCount(), 1u);
        messages.clear();
        QVERIFY(QTest::qWaitFor([&] { return run(c, {"PUBLISH", "events", "2"})->integer == 1; }, 5000));
        QVERIFY(QTest::qWaitFor([&] { return !messages.isEmpty(); }, 5000));
        QCOMPARE(messages.last().at(1).toByteArray(), QByteArray("2"));
    }

    // open() with nothing listening: keeps trying, connects once Redis appears.
    void redisDownAtOpen()
    {
        RedisProcess redis;
        QVERIFY2(redis.start(), qPrintable(redis.error()));
        redis.kill();
        Client c(settingsFor(redis));
        c.open();
        QVERIFY(QTest::qWaitFor([&] { return c.errorCount() >= 3; }, 5000));
        QVERIFY(!c.isConnected());
        QVERIFY2(c.lastError().contains(QStringLiteral("Redis at %1").arg(redis.address())),
                 qPrintable(c.lastError()));
        QVERIFY2(c.lastError().contains(QStringLiteral("refused")), qPrintable(c.lastError()));
        QVERIFY2(redis.start(), qPrintable(redis.error()));
        QVERIFY(waitConnected(c));
        QCOMPARE(c.reconnectCount(), 0u); // the first connection
    }

    void authAndSelect()
    {
        RedisProcess redis;
        redis.setExtraArgs({QStringLiteral("--requirepass"), QStringLiteral("s3cret")});
        QVERIFY2(redis.start(), qPrintable(redis.error()));

        Settings wrong = settingsFor(redis);
        wrong.password = QStringLiteral("nope");
        Client bad(wrong);
        bad.open();
        QVERIFY(
            QTest::qWaitFor([&] { return bad.lastError().contains(QStringLiteral("AUTH failed")); }, 5000));
        QVERIFY(!bad.isConnected());
        QVERIFY2(bad.lastError().contains(redis.address()), qPrintable(bad.lastError()));
        QVERIFY2(bad.lastError().contains(QStringLiteral("WRONGPASS")), qPrintable(bad.lastError()));
        QString error;
        Reply r = commandSync(wrong, {"PING"}, &error);
        QVERIFY(r.isError());
        QVERIFY2(error.contains(QStringLiteral("Redis at %1: AUTH failed: WRONGPASS").arg(redis.address())),
                 qPrintable(error));

        Settings good = settingsFor(redis);
        good.password = QStringLiteral("s3cret");
        good.database = 3;
        Client c(good);
        c.open();
        QVERIFY(waitConnected(c));
        QCOMPARE(run(c, {"SET", "where", "db3"})->string, QByteArray("OK"));
        error.clear();
        QCOMPARE(commandSync(good, {"GET", "where"}, &error).string, QByteArray("db3"));
        QVERIFY(error.isEmpty());
        Settings db0 = good;
        db0.database = 0;
        QCOMPARE(commandSync(db0, {"GET", "where"}, &error).type, Reply::Type::Nil);

        // No password against a server that needs one: the commands say NOAUTH.
        Client anonymous(settingsFor(redis));
        anonymous.open();
        QVERIFY(waitConnected(anonymous));
        QVERIFY(run(anonymous, {"GET", "where"})->string.startsWith("NOAUTH"));

        Settings badDb = good;
        badDb.database = 99;
        Client outOfRange(badDb);
        outOfRange.open();
        QVERIFY(QTest::qWaitFor(
            [&] { return outOfRange.lastError().contains(QStringLiteral("SELECT failed")); }, 5000));
        QVERIFY2(outOfRange.lastError().contains(QStringLiteral("out of range")),
                 qPrintable(outOfRange.lastError()));
        QVERIFY(!outOfRange.isConnected());
        error.clear();
        commandSync(badDb, {"PING"}, &error);
        QVERIFY2(error.contains(QStringLiteral("SELECT failed: ERR DB index is out of range")),
                 qPrintable(error));
    }

    void aclUser()
    {
        RedisProcess redis;
        QVERIFY2(redis.start(), qPrintable(redis.error()));
        QString error;
        commandSync(settingsFor(redis), {"ACL", "SETUSER", "alice", "on", ">pw", "~*", "+@all"}, &error);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        Settings s = settingsFor(redis);
        s.username = QStringLiteral("alice");
        s.password = QStringLiteral("pw");
        Client c(s);
        c.open();
        QVERIFY(waitConnected(c));
        QCOMPARE(run(c, {"ACL", "WHOAMI"})->string, QByteArray("alice"));
        s.password = QStringLiteral("wrong");
        commandSync(s, {"PING"}, &error);
        QVERIFY2(error.contains(QStringLiteral("AUTH failed")), qPrintable(error));
    }

    // A server that accepts TCP and never answers: the handshake times out, counted, retried.
    void connectTimeout()
    {
        QTcpServer silent;
        QVERIFY(silent.listen(QHostAddress::LocalHost, 0));
        Settings s;
        s.port = silent.serverPort();
        s.password = QStringLiteral("x"); // so there is a handshake to wait for
        s.connectTimeoutMs = 200;
        s.maxBackoffMs = 100;
        Client c(s);
        c.open();
        QVERIFY(QTest::qWaitFor([&] { return c.lastError().contains(QStringLiteral("timed out")); }, 5000));
        QVERIFY(!c.isConnected());
        QVERIFY(QTest::qWaitFor([&] { return c.errorCount() >= 2; }, 5000));
    }

    void commandSyncErrors()
    {
        RedisProcess redis;
        QVERIFY2(redis.start(), qPrintable(redis.error()));
        const Settings s = settingsFor(redis);
        redis.kill();
        QString error;
        Reply r = commandSync(s, {"PING"}, &error);
        QVERIFY(r.isError());
        QVERIFY2(error.startsWith(QStringLiteral("cannot connect to Redis at %1: ").arg(redis.address())),
                 qPrintable(error));
        QVERIFY(error.contains(QStringLiteral("refused")));
        error.clear();
        r = commandSync(settingsFor(m_redis), {"PING"}, &error);
        QCOMPARE(r.string, QByteArray("PONG"));
        QVERIFY(error.isEmpty());
        r = commandSync(settingsFor(m_redis), {"NOSUCH"}, &error);
        QVERIFY(r.isError());
        QVERIFY2(error.contains(QStringLiteral("NOSUCH failed")), qPrintable(error));
    }

    // Destroying a Client with commands in flight: their callbacks are dropped, no crash.
    void destroyWithPending()
    {
        bool called = false;
        {
            Client c(settingsFor(m_redis));
            c.open();
            QVERIFY(waitConnected(c));
            for (int i = 0; i < 100; ++i)
                c.command({"PING"}, [&](const Reply &) { called = true; });
        }
        QTest::qWait(50);
        QVERIFY(!called);
    }

private:
    RedisProcess m_redis;
};

QTEST_MAIN(TestRedisClient)
#include "tst_redisclient.moc"
