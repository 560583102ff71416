// Cluster mode with real processes: one redis-server (tests/support/redisprocess.h) and three
// petrel-server nodes (tests/storage/server_process.h) on free loopback ports, real MQTT
// clients (support/test_client.h). Labelled "process cluster": not run under TSan (fork).
//
// Route changes reach other nodes asynchronously. Tests wait for them without sleeping on a
// guess: syncRoutes() subscribes the subscriber to a probe topic after its real filters and
// publishes to it from the publisher's node until it arrives. Route changes of one node reach
// every other node in order (one Redis connection, one channel), so once the probe is routed
// the filters subscribed before it are too.
#include "../storage/server_process.h"
#include "redis/redisclient.h"
#include "support/redisprocess.h"
#include "support/test_client.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

#include <signal.h>

using namespace petrel;
using namespace Qt::StringLiterals;
using namespace petrel::packets;
using petrel::test::makeConnect;
using petrel::test::makePublish;
using petrel::test::TestClient;

namespace {

struct Node {
    std::unique_ptr<QTemporaryDir> dir = std::make_unique<QTemporaryDir>();
    std::unique_ptr<test::ServerProcess> server = std::make_unique<test::ServerProcess>(dir->path());
    QString id;
};

QString clusterConfig(const QString &nodeId, const QString &redisAddress, const QString &prefix)
{
    return QStringLiteral("hooks:\n  auth:\n    allow_all: true\n"
                          "options:\n  sys_topic_resend_interval: 1\n"
                          "cluster:\n  node_id: %1\n  heartbeat_ms: 200\n  node_timeout_ms: 1000\n"
                          "  redis:\n    address: \"%2\"\n    h_prefix: %3\n")
        .arg(nodeId, redisAddress, prefix);
}

bool isProbe(const Publish &p)
{
    return p.topic.startsWith("probe/") || p.topic.contains("/probe/");
}

Connect persistentConnect(const QByteArray &id, bool cleanStart)
{
    Connect c = makeConnect(ProtocolVersion::V5, id, cleanStart);
    c.properties.sessionExpiryInterval = 300;
    c.properties.mark(PropertyId::SessionExpiryInterval);
    return c;
}

// The next PUBLISH that is not a routing probe.
// Reads `c` (subscribed to `topic`) until `topic` carries `value`, at most `timeoutMs`.
bool waitForSysValue(TestClient &c, const QByteArray &topic, const QByteArray &value, int timeoutMs = 8000)
{
    QDeadlineTimer deadline(timeoutMs);
    QByteArray last;
    while (!deadline.hasExpired()) {
        auto p = c.poll(200);
        if (!p) continue;
        if (auto *pub = std::get_if<Publish>(&*p); pub && pub->topic == topic) last = pub->payload;
        if (last == value) return true;
    }
    qWarning().noquote() << topic << "is" << last << "not" << value;
    return false;
}

std::optional<Publish> receiveData(TestClient &c, int timeoutMs = test::kTimeoutMs)
{
    QDeadlineTimer deadline(timeoutMs);
    while (!deadline.hasExpired()) {
        auto p = c.receivePublish(int(std::max<qint64>(1, deadline.remainingTime())));
        if (!p) return std::nullopt;
        if (!isProbe(*p)) return p;
    }
    return std::nullopt;
}

// True if no PUBLISH other than a probe arrives within `ms`.
bool noData(TestClient &c, int ms = 400)
{
    QDeadlineTimer deadline(ms);
    while (!deadline.hasExpired()) {
        auto p = c.poll(int(std::max<qint64>(1, deadline.remainingTime())));
        if (!p) continue;
        auto *pub = std::get_if<Publish>(&*p);
        if (!pub) {
            qWarning() << "unexpected packet of type" << p->index();
            return false;
        }
        if (!isProbe(*pub)) {
            qWarning() << "unexpected PUBLISH" << pub->topic << pub->payload << "qos" << pub->qos << "dup"
                       << pub->dup;
            return false;
        }
    }
    return true;
}

} // namespace

class TestCluster : public QObject {
    Q_OBJECT

private:
    test::RedisProcess m_redis;
    std::vector<Node> m_nodes;
    int m_prefixCounter = 0;
    QString m_prefix;

    bool startNode(Node &n, const QString &id)
    {
        n.id = id;
        QString config = clusterConfig(id, m_redis.address(), m_prefix);
        if (QByteArray(QTest::currentTestFunction()) == "redisDownBacklogBound")
            config.replace(QStringLiteral("  redis:\n"),
                           QStringLiteral("  max_held_messages: 2\n  redis:\n"));
        if (n.server->start(config)) return true;
        qWarning().noquote() << "node" << id << "did not start:" << n.server->log();
        return false;
    }

    quint16 port(int i) { return m_nodes[size_t(i)].server->port(); }

    redis::Reply redisCommand(QList<QByteArray> args)
    {
        redis::Settings s;
        QString why;
        redis::parseAddress(m_redis.address(), s, &why);
        return redis::commandSync(s, std::move(args), &why);
    }
    QByteArray key(const QByteArray &suffix) const { return m_prefix.toUtf8() + ":cluster:" + suffix; }

    // See the top of the file. `sub` is connected to some node, `pub` to another.
    bool syncRoutes(TestClient &sub, TestClient &pub)
    {
        const QByteArray topic = "probe/" + test::uniqueName("p");
        if (!sub.subscribe(topic, 0)) return false;
        QDeadlineTimer deadline(5000);
        while (!deadline.hasExpired()) {
            if (!pub.publish(makePublish(topic, "probe"))) return false;
            auto p = sub.poll(100);
            if (p) {
                auto *got = std::get_if<Publish>(&*p);
                if (got && got->topic == topic) return true;
                qWarning() << "unexpected packet while syncing routes";
                return false;
            }
        }
        qWarning() << "routes did not propagate within 5 s";
        return false;
    }

    // Routes in place (syncRoutes), then a QoS 1 message published through `pub` reaches `sub`.
    bool reachesAcross(TestClient &sub, TestClient &pub, const QByteArray &topic, const QByteArray &payload)
    {
        if (!syncRoutes(sub, pub) || !pub.publishAndWait(makePublish(topic, payload, 1))) return false;
        const auto got = receiveData(sub);
        if (got && got->payload == payload) return true;
        qWarning().noquote() << "expected" << payload << "got"
                             << (got ? got->payload : QByteArray("nothing"));
        return false;
    }

    bool waitFor(const std::function<bool()> &condition, int timeoutMs = 5000)
    {
        QDeadlineTimer deadline(timeoutMs);
        while (!condition()) {
            if (deadline.hasExpired()) return false;
            QTest::qWait(50);
        }
        return true;
    }

private Q_SLOTS:
    void initTestCase()
    {
        if (!QFile::exists(test::serverBinary())) QSKIP("petrel-server is not built");
        QVERIFY2(m_redis.start(), qPrintable(m_redis.error()));
    }

    // Three fresh nodes per test, on a fresh key prefix (no state carried between tests).
    void init()
    {
        m_prefix = QStringLiteral("t%1").arg(++m_prefixCounter);
        m_nodes.clear();
        m_nodes.resize(3);
        for (int i = 0; i < 3; ++i)
            QVERIFY(startNode(m_nodes[size_t(i)], QStringLiteral("n%1").arg(i + 1)));
    }

    void cleanup()
    {
        // On failure, what the nodes said (the cluster's decisions are logged).
        if (QTest::currentTestFailed()) {
            for (const Node &n : m_nodes)
                qWarning().noquote() << "---- log of node" << n.id << "----\n" << n.server->log();
        }
        for (Node &n : m_nodes)
            if (n.server->isRunning()) n.server->stop();
        m_nodes.clear();
        if (!m_redis.isRunning()) QVERIFY(m_redis.start());
    }

    // A node registers itself (entry, liveness key with a time-to-live) and its route set.
    void registrationAndRoutes()
    {
        const redis::Reply nodes = redisCommand({"HKEYS", key("nodes")});
        QCOMPARE(nodes.elements.size(), 3);
        const redis::Reply ttl = redisCommand({"PTTL", key("alive:n2")});
        QVERIFY2(ttl.integer > 0 && ttl.integer <= 1000, qPrintable(ttl.toString()));

        TestClient a("a", ProtocolVersion::V5), b("b", ProtocolVersion::V5);
        QVERIFY(a.open(port(1), makeConnect(ProtocolVersion::V5, test::uniqueName("a"))));
        QVERIFY(b.open(port(1), makeConnect(ProtocolVersion::V5, test::uniqueName("b"))));
        QVERIFY(a.subscribe("r/+/x", 1));
        QVERIFY(b.subscribe("r/+/x", 0)); // a second session, same filter: one route
        auto members = [&] { return redisCommand({"SMEMBERS", key("routes:n2")}); };
        QVERIFY(waitFor([&] {
            for (const redis::Reply &e : members().elements)
                if (e.string == "r/+/x") return true;
            return false;
        }));
        QVERIFY(a.unsubscribe({"r/+/x"}));
        QTest::qWait(300);
        bool still = false;
        for (const redis::Reply &e : members().elements)
            still = still || e.string == "r/+/x";
        QVERIFY2(still, "the filter left the route set while a session of the node still holds it");
        QVERIFY(b.unsubscribe({"r/+/x"}));
        QVERIFY(waitFor([&] {
            for (const redis::Reply &e : members().elements)
                if (e.string == "r/+/x") return false;
            return true;
        }));

        // A clean stop takes the node out.
        QVERIFY(m_nodes[2].server->stop());
        QVERIFY(waitFor([&] { return redisCommand({"HKEYS", key("nodes")}).elements.size() == 2; }));
        QCOMPARE(redisCommand({"EXISTS", key("alive:n3")}).integer, 0);
    }

    void crossNodeDelivery_data()
    {
        QTest::addColumn<int>("qos");
        QTest::newRow("qos0") << 0;
        QTest::newRow("qos1") << 1;
        QTest::newRow("qos2") << 2;
    }

    // Published on n1, delivered on n2 at min(publish, subscription) QoS, exactly once.
    void crossNodeDelivery()
    {
        QFETCH(int, qos);
        TestClient sub("sub", ProtocolVersion::V5), pub("pub", ProtocolVersion::V311);
        QVERIFY(sub.open(port(1), makeConnect(ProtocolVersion::V5, test::uniqueName("sub"))));
        QVERIFY(pub.open(port(0), makeConnect(ProtocolVersion::V311, test::uniqueName("pub"))));
        const QByteArray topic = test::uniqueTopic("/q");
        QVERIFY(sub.subscribe(topic, 2));
        QVERIFY(syncRoutes(sub, pub));
        for (int i = 0; i < 5; ++i) {
            Publish p = makePublish(topic, "m" + QByteArray::number(i), quint8(qos));
            QVERIFY(pub.publishAndWait(p));
        }
        for (int i = 0; i < 5; ++i) {
            auto got = receiveData(sub);
            QVERIFY(got);
            QCOMPARE(got->topic, topic);
            QCOMPARE(got->payload, "m" + QByteArray::number(i)); // in order
            QCOMPARE(int(got->qos), qos);
            QVERIFY(sub.acknowledge(*got));
        }
        QVERIFY(noData(sub));
    }

    // Wildcard filters on two nodes; the publisher's own node too; nothing for a topic no
    // node wants; never a copy back to the node it came from.
    void wildcardsAcrossNodes()
    {
        TestClient s2("s2"), s3("s3"), s1("s1"), pub("pub");
        QVERIFY(s2.open(port(1), makeConnect(ProtocolVersion::V311, test::uniqueName("s2"))));
        QVERIFY(s3.open(port(2), makeConnect(ProtocolVersion::V311, test::uniqueName("s3"))));
        QVERIFY(s1.open(port(0), makeConnect(ProtocolVersion::V311, test::uniqueName("s1"))));
        QVERIFY(pub.open(port(0), makeConnect(ProtocolVersion::V311, test::uniqueName("pub"))));
        const QByteArray base = test::uniqueTopic();
        QVERIFY(s2.subscribe(base + "/+/temp", 1));
        QVERIFY(s3.subscribe(base + "/#", 1));
        QVERIFY(s1.subscribe(base + "/#", 1));
        QVERIFY(syncRoutes(s2, pub));
        QVERIFY(syncRoutes(s3, pub));
        QVERIFY(pub.publishAndWait(makePublish(base + "/kitchen/temp", "21", 1)));
        QVERIFY(pub.publishAndWait(makePublish(base + "/kitchen/humidity", "40", 1)));
        QVERIFY(pub.publishAndWait(makePublish(test::uniqueTopic("/elsewhere"), "x", 1)));

        auto got = receiveData(s2);
        QVERIFY(got);
        QCOMPARE(got->payload, QByteArray("21"));
        QVERIFY(noData(s2));
        for (TestClient *c : {&s3, &s1}) {
            auto first = receiveData(*c);
            QVERIFY(first);
            QCOMPARE(first->payload, QByteArray("21"));
            auto second = receiveData(*c);
            QVERIFY(second);
            QCOMPARE(second->payload, QByteArray("40"));
            QVERIFY(noData(*c)); // exactly once: no copy came back through another node
        }
    }

    // A retained message set on n1 is sent to a new subscriber on n2 and n3; cleared on n2,
    // it is gone for a new subscriber on n3.
    void retainedAcrossNodes()
    {
        TestClient pub("pub");
        QVERIFY(pub.open(port(0), makeConnect(ProtocolVersion::V311, test::uniqueName("pub"))));
        const QByteArray topic = test::uniqueTopic("/state");
        QVERIFY(pub.publishAndWait(makePublish(topic, "on", 1, true)));
        QVERIFY(waitFor([&] { return redisCommand({"HEXISTS", key("retained"), topic}).integer == 1; }));
        for (int node : {1, 2}) {
            QVERIFY(waitFor([&] {
                TestClient s("s");
                if (!s.open(port(node), makeConnect(ProtocolVersion::V311, test::uniqueName("s"))))
                    return false;
                if (!s.subscribe(topic, 1)) return false;
                auto p = s.poll(200);
                auto *pp = p ? std::get_if<Publish>(&*p) : nullptr;
                return pp && pp->payload == "on" && pp->retain;
            }));
        }
        TestClient clear("clear");
        QVERIFY(clear.open(port(1), makeConnect(ProtocolVersion::V311, test::uniqueName("clear"))));
        QVERIFY(clear.publishAndWait(makePublish(topic, "", 1, true)));
        QVERIFY(waitFor([&] { return redisCommand({"HEXISTS", key("retained"), topic}).integer == 0; }));
        QVERIFY(waitFor([&] {
            TestClient s("s");
            if (!s.open(port(2), makeConnect(ProtocolVersion::V311, test::uniqueName("s")))) return false;
            if (!s.subscribe(topic, 1)) return false;
            return s.expectNoPacket(200);
        }));

        // A node started later loads the retained messages from Redis before it listens.
        QVERIFY(pub.publishAndWait(makePublish(topic, "again", 0, true)));
        QVERIFY(waitFor([&] { return redisCommand({"HEXISTS", key("retained"), topic}).integer == 1; }));
        Node late;
        QVERIFY(startNode(late, QStringLiteral("n4")));
        TestClient s("s");
        QVERIFY(s.open(late.server->port(), makeConnect(ProtocolVersion::V311, test::uniqueName("s"))));
        QVERIFY(s.subscribe(topic, 0));
        auto p = s.receivePublish();
        QVERIFY(p);
        QCOMPARE(p->payload, QByteArray("again"));
        QVERIFY2(late.server->stop(), qPrintable(late.server->log()));
    }

    // A will published on the node where the client was reaches subscribers on other nodes.
    void willAcrossNodes()
    {
        TestClient sub("sub"), pub("pub");
        QVERIFY(sub.open(port(2), makeConnect(ProtocolVersion::V311, test::uniqueName("sub"))));
        const QByteArray topic = test::uniqueTopic("/will");
        QVERIFY(sub.subscribe(topic, 1));
        QVERIFY(pub.open(port(0), makeConnect(ProtocolVersion::V311, test::uniqueName("probe"))));
        QVERIFY(syncRoutes(sub, pub));
        TestClient dying("dying");
        Connect c = makeConnect(ProtocolVersion::V311, test::uniqueName("dying"));
        c.hasWill = true;
        c.will.topic = topic;
        c.will.payload = "gone";
        c.will.qos = 1;
        QVERIFY(dying.open(port(0), c));
        dying.close(); // no DISCONNECT: the will goes out
        auto got = receiveData(sub);
        QVERIFY(got);
        QCOMPARE(got->payload, QByteArray("gone"));
    }

    void takeoverAcrossNodes_data()
    {
        QTest::addColumn<int>("version");
        QTest::newRow("v3.1.1") << int(ProtocolVersion::V311);
        QTest::newRow("v5") << int(ProtocolVersion::V5);
    }

    // The same client id connecting on n2 takes the connection on n1 over: v5 DISCONNECT
    // 0x8E, v3 closed; the new connection stays.
    void takeoverAcrossNodes()
    {
        QFETCH(int, version);
        const auto v = ProtocolVersion(version);
        const QByteArray id = test::uniqueName("dup");
        auto nodeOf = [&] { return redisCommand({"HGET", key("clients"), id}).string; };
        TestClient first("first", v), second("second", v);
        QVERIFY(first.open(port(0), makeConnect(v, id)));
        // Claims are ordered by Redis (docs/cluster.md): wait until n1's has reached it, so
        // that the second connection is the later one there too.
        QVERIFY(waitFor([&] { return nodeOf() == "n1"; }));
        QVERIFY(second.open(port(1), makeConnect(v, id)));
        QVERIFY(first.expectServerDisconnect(v == ProtocolVersion::V5 ? std::optional<quint8>(0x8E)
                                                                      : std::nullopt));
        QVERIFY(second.ping());
        QVERIFY(second.expectNoPacket(300));
        QVERIFY(second.isOpen());
        // And back to n3: n2 lets go.
        QVERIFY(waitFor([&] { return nodeOf() == "n2"; }));
        TestClient third("third", v);
        QVERIFY(third.open(port(2), makeConnect(v, id)));
        QVERIFY(second.expectServerDisconnect(v == ProtocolVersion::V5 ? std::optional<quint8>(0x8E)
                                                                       : std::nullopt));
        QVERIFY(third.ping());
        QVERIFY(waitFor([&] { return nodeOf() == "n3"; }));
        // The session ends with its connection (clean session): the entry goes.
        QVERIFY(third.disconnect());
        QVERIFY(waitFor([&] { return redisCommand({"HEXISTS", key("clients"), id}).integer == 0; }));
    }

    // A node killed with SIGKILL is taken for dead after node_timeout_ms: its entry and routes
    // go, and the others stop sending it messages.
    void deadNodeDetected()
    {
        TestClient s3("s3"), pub("pub");
        QVERIFY(s3.open(port(2), makeConnect(ProtocolVersion::V311, test::uniqueName("s3"))));
        QVERIFY(s3.subscribe("dead/#", 0));
        QVERIFY(pub.open(port(0), makeConnect(ProtocolVersion::V311, test::uniqueName("pub"))));
        QVERIFY(syncRoutes(s3, pub));
        QVERIFY(redisCommand({"EXISTS", key("routes:n3")}).integer == 1);
        m_nodes[2].server->crash();
        QVERIFY(waitFor([&] { return redisCommand({"HKEYS", key("nodes")}).elements.size() == 2; }, 5000));
        QCOMPARE(redisCommand({"EXISTS", key("routes:n3")}).integer, 0);
        QVERIFY(m_nodes[0].server->waitForLog(QStringLiteral("node n3 is gone"), 3000) ||
                m_nodes[1].server->waitForLog(QStringLiteral("node n3 is gone"), 3000));
    }

    // Redis restarts (empty) in the middle of a run: every node reconnects, registers again
    // with its routes, and cross-node delivery works again.
    void redisRestart()
    {
        TestClient sub("sub"), pub("pub");
        QVERIFY(sub.open(port(1), makeConnect(ProtocolVersion::V311, test::uniqueName("sub"))));
        QVERIFY(pub.open(port(0), makeConnect(ProtocolVersion::V311, test::uniqueName("pub"))));
        const QByteArray topic = test::uniqueTopic("/r");
        QVERIFY(sub.subscribe(topic, 1));
        QVERIFY(reachesAcross(sub, pub, topic, "before"));

        m_redis.kill();
        // Kept on n1 while Redis is down; its PUBACK waits until Redis has it.
        Publish down = makePublish(topic, "while down", 1);
        down.packetId = pub.nextPacketId();
        QVERIFY(pub.publish(down));
        QVERIFY(pub.expectNoPacket(300));
        QVERIFY(m_redis.start());
        auto ack = pub.receiveAck(PacketType::Puback, 10000);
        QVERIFY(ack);
        QCOMPARE(ack->packetId, down.packetId);
        auto got = receiveData(sub, 10000);
        QVERIFY(got);
        QCOMPARE(got->payload, QByteArray("while down"));
        QVERIFY(sub.acknowledge(*got));
        QVERIFY(waitFor([&] { return redisCommand({"HKEYS", key("nodes")}).elements.size() == 3; }, 10000));
        // The subscriber's route is back: a message published now arrives (QoS 0 probes
        // until the node has reloaded, then one QoS 1 message).
        QVERIFY(reachesAcross(sub, pub, topic, "after"));
        QVERIFY(m_nodes[0].server->isRunning() && m_nodes[1].server->isRunning() &&
                m_nodes[2].server->isRunning());
        QVERIFY(m_nodes[0].server->log().contains(QStringLiteral("Redis connection back")));
    }

    // A route change from a node that is not in a node's route table (the table lost it: here
    // an injected NodeDown, in the flake it was a full reload whose node list predated the
    // node's re-registration after a Redis restart) loads all that node's routes. Before, the
    // entry held the new filter only: the probe passed, a QoS 1 message on the node's older
    // filter found no route, was acknowledged and dropped (until the 30-heartbeat reload).
    void routeChangeOfForgottenNodeLoadsItsRoutes()
    {
        TestClient sub("sub"), pub("pub");
        QVERIFY(sub.open(port(1), makeConnect(ProtocolVersion::V311, test::uniqueName("sub"))));
        QVERIFY(pub.open(port(0), makeConnect(ProtocolVersion::V311, test::uniqueName("pub"))));
        const QByteArray topic = test::uniqueTopic("/f");
        QVERIFY(sub.subscribe(topic, 1));
        QVERIFY(syncRoutes(sub, pub));
        // NodeDown(n2) and at once RouteAdd(n2, probe): n1 forgets n2, then hears of a filter.
        const QByteArray probe = "probe/" + test::uniqueName("forgot");
        auto control = [](quint8 kind, const QByteArray &node, const QByteArray &arg) {
            QByteArray out;
            QDataStream ds(&out, QIODevice::WriteOnly);
            ds << kind << node << arg << QByteArray();
            return out;
        };
        redis::Settings s;
        QString why;
        redis::parseAddress(m_redis.address(), s, &why);
        const redis::Reply r = redis::commandSync(
            s,
            {"EVAL",
             "redis.call('PUBLISH', KEYS[1], ARGV[1]) redis.call('PUBLISH', KEYS[1], ARGV[2]) return 1", "1",
             key("ctl"), control(4, "n2", {}), control(1, "n2", probe)},
            &why);
        QVERIFY2(!r.isError(), qPrintable(why + r.toString()));
        QVERIFY(sub.subscribe(probe, 0));
        bool probed = false;
        QDeadlineTimer deadline(5000);
        while (!probed && !deadline.hasExpired()) {
            QVERIFY(pub.publish(makePublish(probe, "probe")));
            auto p = sub.poll(50);
            auto *got = p ? std::get_if<Publish>(&*p) : nullptr;
            probed = got && got->topic == probe;
        }
        QVERIFY(probed);
        QVERIFY(pub.publishAndWait(makePublish(topic, "older filter", 1)));
        auto got = receiveData(sub);
        QVERIFY2(got, "n2's entry on n1 holds only the filter it heard of last");
        QCOMPARE(got->payload, QByteArray("older filter"));
    }

    // Redis restarted from a snapshot that lists the nodes, their liveness keys expired: a node
    // that reconnects first does not declare the others dead before it has watched Redis for
    // node_timeout_ms (they re-register meanwhile). n2 is stopped (SIGSTOP) until n1 is back
    // and has loaded the node list.
    void redisRestartFromSnapshotKeepsNodes()
    {
        TestClient sub("sub"), pub("pub");
        QVERIFY(sub.open(port(1), makeConnect(ProtocolVersion::V311, test::uniqueName("sub"))));
        QVERIFY(pub.open(port(0), makeConnect(ProtocolVersion::V311, test::uniqueName("pub"))));
        const QByteArray topic = test::uniqueTopic("/snap");
        QVERIFY(sub.subscribe(topic, 1));
        QVERIFY(syncRoutes(sub, pub));
        const qint64 n2 = m_nodes[1].server->processId();
        QVERIFY(n2 > 0);
        QCOMPARE(::kill(pid_t(n2), SIGSTOP), 0);
        QCOMPARE(redisCommand({"SAVE"}).string, QByteArray("OK"));
        m_redis.kill();
        QTest::qWait(1300); // every liveness key in the snapshot has expired
        const auto backs = [&] {
            return m_nodes[0].server->log().count(QStringLiteral("Redis connection back"));
        };
        const qsizetype before = backs();
        QVERIFY(m_redis.start());
        QCOMPARE(redisCommand({"HLEN", key("nodes")}).integer, 3); // the snapshot was loaded
        QVERIFY(waitFor([&] { return backs() > before; }, 5000));
        QTest::qWait(200); // n1 has read the node list: n2 listed, its liveness key missing
        QCOMPARE(::kill(pid_t(n2), SIGCONT), 0);
        QVERIFY(waitFor([&] { return redisCommand({"EXISTS", key("alive:n2")}).integer == 1; }, 5000));
        QTest::qWait(1500); // past node_timeout_ms after n1's reconnect
        for (int i : {0, 2})
            QVERIFY2(!m_nodes[size_t(i)].server->log().contains(QStringLiteral("node n2 is gone")),
                     "n2 was declared dead while it could not have re-registered yet");
        QVERIFY(reachesAcross(sub, pub, topic, "after"));
    }

    // Redis down: QoS 1 and QoS 2 messages published on n1 for a subscriber on n2 are kept on
    // n1, and their PUBACK/PUBREC wait (a subscriber on n1 gets them at once; the publisher's
    // connection stays usable: its QoS 0 publishes go on); Redis back (empty): they reach n2,
    // then the acknowledgements come.
    void redisDownHoldsAcknowledgement()
    {
        TestClient sub("sub", ProtocolVersion::V5), local("local", ProtocolVersion::V5),
            pub("pub", ProtocolVersion::V5), sys("sys");
        QVERIFY(sub.open(port(1), makeConnect(ProtocolVersion::V5, test::uniqueName("sub"))));
        QVERIFY(local.open(port(0), makeConnect(ProtocolVersion::V5, test::uniqueName("local"))));
        QVERIFY(pub.open(port(0), makeConnect(ProtocolVersion::V5, test::uniqueName("pub"))));
        QVERIFY(sys.open(port(0), makeConnect(ProtocolVersion::V311, test::uniqueName("sys"))));
        const QByteArray heldTopic("$SYS/cluster/messages/held");
        QVERIFY(sys.subscribe(heldTopic, 0));
        QVERIFY(waitForSysValue(sys, heldTopic, "0"));
        const QByteArray topic = test::uniqueTopic("/held");
        QVERIFY(sub.subscribe(topic, 2));
        QVERIFY(local.subscribe(topic, 2));
        QVERIFY(syncRoutes(sub, pub));

        m_redis.kill();
        QVERIFY(m_nodes[0].server->waitForLog(QStringLiteral("Redis connection lost"), 5000));
        Publish one = makePublish(topic, "one", 1), two = makePublish(topic, "two", 2);
        one.packetId = pub.nextPacketId();
        two.packetId = pub.nextPacketId();
        QVERIFY(pub.publish(one));
        QVERIFY(pub.publish(two));
        for (const char *payload : {"one", "two"}) {
            auto got = receiveData(local);
            QVERIFY(got);
            QCOMPARE(got->payload, QByteArray(payload));
            QVERIFY(local.acknowledge(*got));
        }
        QVERIFY2(pub.expectNoPacket(700), "acknowledged while the copy for n2 is not in Redis");
        QVERIFY(noData(sub, 100));
        // n1's $SYS says so while Redis is down (sys_topic_resend_interval: 1).
        QVERIFY(waitForSysValue(sys, heldTopic, "2"));
        QVERIFY(m_redis.start());
        auto puback = pub.receiveAck(PacketType::Puback, 10000);
        QVERIFY(puback);
        QCOMPARE(puback->packetId, one.packetId);
        QCOMPARE(int(puback->reasonCode), 0);
        auto pubrec = pub.receiveAck(PacketType::Pubrec, 5000);
        QVERIFY(pubrec);
        QCOMPARE(pubrec->packetId, two.packetId);
        QCOMPARE(int(pubrec->reasonCode), 0);
        for (const char *payload : {"one", "two"}) {
            auto got = receiveData(sub, 10000);
            QVERIFY(got);
            QCOMPARE(got->payload, QByteArray(payload));
            QVERIFY(sub.acknowledge(*got));
        }
        QVERIFY(noData(sub, 300));
        QVERIFY(waitForSysValue(sys, heldTopic, "0"));
    }

    // With max_held_messages: 2 (init()) and Redis down: two QoS 1 messages for n2 are kept;
    // a third is refused at once, v5 with PUBACK 0x97 (Quota exceeded, not published anywhere),
    // v3 by closing the connection without PUBACK; a QoS 1 message for subscribers on n1 only
    // is still accepted. Redis back: the kept ones are delivered and acknowledged, and
    // cross-node publishing is accepted again.
    void redisDownBacklogBound()
    {
        TestClient sub("sub", ProtocolVersion::V5), local("local", ProtocolVersion::V5),
            pub("pub", ProtocolVersion::V5), pub2("pub2", ProtocolVersion::V5), v3("v3");
        QVERIFY(sub.open(port(1), makeConnect(ProtocolVersion::V5, test::uniqueName("sub"))));
        QVERIFY(local.open(port(0), makeConnect(ProtocolVersion::V5, test::uniqueName("local"))));
        QVERIFY(pub.open(port(0), makeConnect(ProtocolVersion::V5, test::uniqueName("pub"))));
        QVERIFY(pub2.open(port(0), makeConnect(ProtocolVersion::V5, test::uniqueName("pub2"))));
        QVERIFY(v3.open(port(0), makeConnect(ProtocolVersion::V311, test::uniqueName("v3"))));
        const QByteArray topic = test::uniqueTopic("/bound"), localTopic = test::uniqueTopic("/here");
        QVERIFY(sub.subscribe(topic, 1));
        QVERIFY(local.subscribe(localTopic, 1));
        QVERIFY(syncRoutes(sub, pub));

        m_redis.kill();
        QVERIFY(m_nodes[0].server->waitForLog(QStringLiteral("Redis connection lost"), 5000));
        QVERIFY(pub.publish(makePublish(topic, "kept1", 1)));
        QVERIFY(pub.publish(makePublish(topic, "kept2", 1)));
        QVERIFY(pub.expectNoPacket(300));
        auto refused = pub2.publishQos1(makePublish(topic, "refused", 1));
        QVERIFY(refused);
        QCOMPARE(int(refused->reasonCode), 0x97);
        auto accepted = pub2.publishQos1(makePublish(localTopic, "here", 1));
        QVERIFY(accepted);
        QCOMPARE(int(accepted->reasonCode), 0);
        auto here = receiveData(local);
        QVERIFY(here);
        QCOMPARE(here->payload, QByteArray("here"));
        QVERIFY(v3.publish(makePublish(topic, "v3 refused", 1)));
        QVERIFY(v3.expectServerDisconnect(std::nullopt));

        QVERIFY(m_redis.start());
        for (int i = 0; i < 2; ++i) {
            auto ack = pub.receiveAck(PacketType::Puback, 10000);
            QVERIFY(ack);
            QCOMPARE(int(ack->reasonCode), 0);
        }
        for (const char *payload : {"kept1", "kept2"}) {
            auto got = receiveData(sub, 10000);
            QVERIFY(got);
            QCOMPARE(got->payload, QByteArray(payload));
            QVERIFY(sub.acknowledge(*got));
        }
        QVERIFY(noData(sub, 300)); // the refused ones were not published
        auto again = pub2.publishQos1(makePublish(topic, "again", 1), 10000);
        QVERIFY(again);
        QCOMPARE(int(again->reasonCode), 0);
        auto got = receiveData(sub, 10000);
        QVERIFY(got);
        QCOMPARE(got->payload, QByteArray("again"));
    }

    // The write-through of a SUBSCRIBE (the session's record and the node's route) is in Redis
    // before the SUBACK leaves: with Redis refusing writes (CLIENT PAUSE WRITE) the SUBACK
    // waits; the node is killed right after the SUBACK, and the session resumed on n2 has the
    // subscription.
    void subscribeWrittenThroughBeforeSuback()
    {
        const QByteArray id = test::uniqueName("subwt");
        const QByteArray topic = test::uniqueTopic("/wt");
        TestClient c("c", ProtocolVersion::V5);
        QVERIFY(c.open(port(0), persistentConnect(id, true)));
        QVERIFY(waitFor([&] { return redisCommand({"EXISTS", key("live:n1:" + id)}).integer == 1; }));
        QCOMPARE(redisCommand({"CLIENT", "PAUSE", "5000", "WRITE"}).string, QByteArray("OK"));
        Subscribe sub;
        sub.packetId = c.nextPacketId();
        sub.topics << test::makeSubscription(topic, 1);
        QVERIFY(c.send(sub));
        const bool held = c.expectNoPacket(400);
        QCOMPARE(redisCommand({"CLIENT", "UNPAUSE"}).string, QByteArray("OK"));
        QVERIFY2(held, "SUBACK sent before Redis could store the subscription");
        auto ack = c.receiveSuback();
        QVERIFY(ack);
        QCOMPARE(ack->packetId, sub.packetId);
        m_nodes[0].server->crash();
        TestClient again("again", ProtocolVersion::V5);
        auto connack = again.open(port(1), persistentConnect(id, false));
        QVERIFY(connack);
        QVERIFY(connack->sessionPresent);
        TestClient pub("pub", ProtocolVersion::V5);
        QVERIFY(pub.open(port(2), makeConnect(ProtocolVersion::V5, test::uniqueName("pub"))));
        QVERIFY(reachesAcross(again, pub, topic, "after"));
    }

    // Inbound QoS 2 packet ids are written through before the PUBREC: the publisher's node is
    // killed after PUBREC; the publisher resumes its session on n2 and sends the PUBLISH again
    // (DUP): PUBREC, no second delivery, and its PUBREL gets PUBCOMP 0 (not 0x92).
    void inboundQos2SurvivesNodeKill()
    {
        const QByteArray id = test::uniqueName("q2");
        const QByteArray topic = test::uniqueTopic("/q2");
        TestClient sub("sub", ProtocolVersion::V5), pub("pub", ProtocolVersion::V5);
        QVERIFY(sub.open(port(2), makeConnect(ProtocolVersion::V5, test::uniqueName("sub"))));
        QVERIFY(sub.subscribe(topic, 2));
        QVERIFY(pub.open(port(0), persistentConnect(id, true)));
        QVERIFY(syncRoutes(sub, pub));
        Publish p = makePublish(topic, "once", 2);
        p.packetId = pub.nextPacketId();
        QVERIFY(pub.send(p));
        auto rec = pub.receiveAck(PacketType::Pubrec);
        QVERIFY(rec);
        QCOMPARE(int(rec->reasonCode), 0);
        QCOMPARE(redisCommand({"SISMEMBER", key("qos2:n1:" + id), QByteArray::number(p.packetId)}).integer,
                 1);
        auto got = receiveData(sub);
        QVERIFY(got);
        QCOMPARE(got->payload, QByteArray("once"));
        QVERIFY(sub.acknowledge(*got));
        m_nodes[0].server->crash();

        TestClient again("again", ProtocolVersion::V5);
        auto connack = again.open(port(1), persistentConnect(id, false));
        QVERIFY(connack);
        QVERIFY(connack->sessionPresent);
        p.dup = true;
        QVERIFY(again.send(p));
        rec = again.receiveAck(PacketType::Pubrec);
        QVERIFY(rec);
        QCOMPARE(int(rec->reasonCode), 0);
        Ack rel;
        rel.type = PacketType::Pubrel;
        rel.packetId = p.packetId;
        QVERIFY(again.send(rel));
        auto comp = again.receiveAck(PacketType::Pubcomp);
        QVERIFY(comp);
        QCOMPARE(int(comp->reasonCode), 0);
        QVERIFY2(noData(sub, 500), "the resent QoS 2 message was delivered twice");
        QCOMPARE(redisCommand({"EXISTS", key("qos2:n2:" + id)}).integer, 0); // released
    }

    // A node killed and restarted under the same node id before any other node declared it
    // dead (here: no other node runs) parks the written-through sessions of its previous run
    // itself: the client resumes its session with its subscription and a message queued for
    // it in flight (receive maximum 1: one in flight, one queued) before the kill.
    void previousRunSessionsParkedOnRestart()
    {
        QVERIFY(m_nodes[1].server->stop());
        QVERIFY(m_nodes[2].server->stop());
        const QByteArray id = test::uniqueName("rerun");
        const QByteArray topic = test::uniqueTopic("/rerun");
        {
            TestClient c("c", ProtocolVersion::V5);
            Connect connect = persistentConnect(id, true);
            connect.properties.receiveMaximum = 1;
            connect.properties.mark(PropertyId::ReceiveMaximum);
            QVERIFY(c.open(port(0), connect));
            QVERIFY(c.subscribe(topic, 1));
            TestClient pub("pub", ProtocolVersion::V5);
            QVERIFY(pub.open(port(0), makeConnect(ProtocolVersion::V5, test::uniqueName("pub"))));
            QVERIFY(pub.publishAndWait(makePublish(topic, "first", 1)));
            QVERIFY(pub.publishAndWait(makePublish(topic, "second", 1)));
            auto first = c.receivePublish();
            QVERIFY(first); // not acknowledged
            QVERIFY(waitFor([&] { return redisCommand({"HLEN", key("pending:n1:" + id)}).integer == 2; }));
            m_nodes[0].server->crash();
        }
        QVERIFY(waitFor([&] { return redisCommand({"EXISTS", key("alive:n1")}).integer == 0; }));
        QVERIFY(startNode(m_nodes[0], QStringLiteral("n1")));
        QVERIFY(m_nodes[0].server->waitForLog(QStringLiteral("previous run"), 5000));
        TestClient c("c", ProtocolVersion::V5);
        auto connack = c.open(port(0), persistentConnect(id, false));
        QVERIFY(connack);
        QVERIFY2(connack->sessionPresent, "the previous run's session was not resumed");
        for (const char *payload : {"first", "second"}) {
            auto got = receiveData(c);
            QVERIFY(got);
            QCOMPARE(got->payload, QByteArray(payload));
            QVERIFY(c.acknowledge(*got));
        }
        TestClient pub("pub", ProtocolVersion::V5);
        QVERIFY(pub.open(port(0), makeConnect(ProtocolVersion::V5, test::uniqueName("pub"))));
        QVERIFY(pub.publishAndWait(makePublish(topic, "third", 1)));
        auto got = receiveData(c);
        QVERIFY(got);
        QCOMPARE(got->payload, QByteArray("third"));
        QCOMPARE(redisCommand({"EXISTS", key("live:n1:" + id)}).integer, 1); // written through again
    }

    // A shared subscription with a member on each node: every message goes to exactly one
    // member cluster-wide, and every node's member gets some.
    void sharedSubscriptionAcrossNodes()
    {
        const QByteArray topic = test::uniqueTopic("/work");
        const QByteArray shared = "$share/workers/" + topic;
        TestClient pub("pub", ProtocolVersion::V5);
        QVERIFY(pub.open(port(0), makeConnect(ProtocolVersion::V5, test::uniqueName("pub"))));
        std::vector<std::unique_ptr<TestClient>> members;
        for (int i = 0; i < 3; ++i) {
            members.push_back(std::make_unique<TestClient>("m" + QByteArray::number(i), ProtocolVersion::V5));
            TestClient &m = *members.back();
            QVERIFY(m.open(port(i), makeConnect(ProtocolVersion::V5, test::uniqueName("m"))));
            QVERIFY(m.subscribe(shared, 1));
            if (i > 0) QVERIFY(syncRoutes(m, pub));
        }
        const int total = 30;
        for (int i = 0; i < total; ++i)
            QVERIFY(pub.publishAndWait(makePublish(topic, QByteArray::number(i), 1)));
        QSet<QByteArray> seen;
        int received = 0;
        std::vector<int> perMember(3, 0);
        QDeadlineTimer deadline(10000);
        while (received < total && !deadline.hasExpired()) {
            for (int i = 0; i < 3; ++i) {
                auto p = members[size_t(i)]->poll(20);
                if (!p) continue;
                auto *got = std::get_if<Publish>(&*p);
                QVERIFY(got);
                if (isProbe(*got)) continue;
                QVERIFY(members[size_t(i)]->acknowledge(*got));
                QVERIFY2(!seen.contains(got->payload), "a message reached two members");
                seen.insert(got->payload);
                ++received;
                ++perMember[size_t(i)];
            }
        }
        QCOMPARE(received, total);
        for (int i = 0; i < 3; ++i) {
            QVERIFY(noData(*members[size_t(i)], 200));
            QVERIFY2(perMember[size_t(i)] > 0,
                     qPrintable(QStringLiteral("member on n%1 got nothing").arg(i + 1)));
        }
    }

    // A persistent session created on n1 is parked in Redis when its client leaves; n1 is then
    // killed; QoS 1/2 messages published on n2 are queued in Redis; the client resumes the
    // session on n3 with its subscriptions and gets them, in order (QoS 0 is not queued).
    void persistentSessionAcrossNodes()
    {
        const QByteArray id = test::uniqueName("persist");
        const QByteArray base = test::uniqueTopic();
        {
            TestClient c("c", ProtocolVersion::V5);
            QVERIFY(c.open(port(0), persistentConnect(id, true)));
            QVERIFY(c.subscribe(base + "/#", 2));
            QVERIFY(c.disconnect());
        }
        QVERIFY(waitFor([&] { return redisCommand({"EXISTS", key("session:" + id)}).integer == 1; }));
        m_nodes[0].server->crash();

        TestClient pub("pub", ProtocolVersion::V5);
        QVERIFY(pub.open(port(1), makeConnect(ProtocolVersion::V5, test::uniqueName("pub"))));
        // Until n2 knows the parked session, QoS 1 probes are not queued: publish them until
        // one is (its control message is on its way).
        QVERIFY(waitFor([&] {
            if (!pub.publishAndWait(makePublish(base + "/probe/x", "probe", 1))) return false;
            return redisCommand({"LLEN", key("queue:" + id)}).integer > 0;
        }));
        QVERIFY(pub.publishAndWait(makePublish(base + "/a", "one", 1)));
        QVERIFY(pub.publishAndWait(makePublish(base + "/b", "two", 2)));
        QVERIFY(pub.publishAndWait(makePublish(base + "/c", "zero", 0)));
        // n2 has routed "zero" before it acknowledges a later QoS 1 message of the same client
        // (else "zero" could meet the subscription the resume on n3 announces).
        QVERIFY(pub.publishAndWait(makePublish(test::uniqueTopic("/sync"), "sync", 1)));

        TestClient c("c", ProtocolVersion::V5);
        auto ack = c.open(port(2), persistentConnect(id, false));
        QVERIFY(ack);
        QVERIFY(ack->sessionPresent);
        auto first = receiveData(c);
        QVERIFY(first);
        QCOMPARE(first->payload, QByteArray("one"));
        QCOMPARE(int(first->qos), 1);
        QVERIFY(c.acknowledge(*first));
        auto second = receiveData(c);
        QVERIFY(second);
        QCOMPARE(second->payload, QByteArray("two"));
        QCOMPARE(int(second->qos), 2);
        QVERIFY(c.acknowledge(*second));
        QVERIFY(noData(c));
        QCOMPARE(redisCommand({"EXISTS", key("session:" + id)}).integer, 0);
        QCOMPARE(redisCommand({"EXISTS", key("queue:" + id)}).integer, 0);

        // Its subscription lives on n3 now: a message from n2 reaches it directly.
        QVERIFY(syncRoutes(c, pub));
        QVERIFY(pub.publishAndWait(makePublish(base + "/d", "live", 1)));
        auto live = receiveData(c);
        QVERIFY(live);
        QCOMPARE(live->payload, QByteArray("live"));
    }

    // The state of a connected persistent session is written through to Redis, so a node
    // killed with SIGKILL loses only its connections. c1 (receive maximum 1: one message in
    // flight, two queued) reconnects on n3 at once: n3 waits for n1's liveness key to expire
    // and takes the session over. c2 comes back later, after n1 was declared dead and its
    // sessions parked: a message published meanwhile was queued for it in Redis.
    void sessionSurvivesNodeKill()
    {
        const QByteArray id1 = test::uniqueName("k1"), id2 = test::uniqueName("k2");
        const QByteArray base = test::uniqueTopic();
        auto connectWith = [](const QByteArray &id, bool cleanStart) {
            Connect c = persistentConnect(id, cleanStart);
            c.properties.receiveMaximum = 1;
            c.properties.mark(PropertyId::ReceiveMaximum);
            return c;
        };
        TestClient pub("pub", ProtocolVersion::V5);
        QVERIFY(pub.open(port(1), makeConnect(ProtocolVersion::V5, test::uniqueName("pub"))));
        {
            TestClient c1("c1", ProtocolVersion::V5), c2("c2", ProtocolVersion::V5);
            QVERIFY(c1.open(port(0), connectWith(id1, true)));
            QVERIFY(c2.open(port(0), connectWith(id2, true)));
            QVERIFY(c1.subscribe(base + "/a/#", 1));
            QVERIFY(c1.subscribe(base + "/b", 2));
            QVERIFY(c2.subscribe(base + "/#", 1));
            QVERIFY(syncRoutes(c1, pub));
            for (const QByteArray payload : {"m1", "m2", "m3"})
                QVERIFY(pub.publishAndWait(makePublish(base + "/a/x", payload, 1)));
            // The first is in flight (not acknowledged), the others wait for the window.
            for (TestClient *c : {&c1, &c2}) {
                auto first = receiveData(*c);
                QVERIFY(first);
                QCOMPARE(first->payload, QByteArray("m1"));
            }
            auto pending = [&](const QByteArray &id) {
                return redisCommand({"HLEN", key("pending:n1:" + id)}).integer;
            };
            QVERIFY(waitFor([&] { return pending(id1) == 3 && pending(id2) == 3; }));
            QVERIFY(redisCommand({"EXISTS", key("live:n1:" + id1)}).integer == 1);
            m_nodes[0].server->crash();
        }

        TestClient c1("c1", ProtocolVersion::V5);
        auto ack = c1.open(port(2), persistentConnect(id1, false));
        QVERIFY(ack);
        QVERIFY(ack->sessionPresent);
        for (const QByteArray payload : {"m1", "m2", "m3"}) {
            auto got = receiveData(c1);
            QVERIFY(got);
            QCOMPARE(got->payload, payload);
            QCOMPARE(int(got->qos), 1);
            QVERIFY(c1.acknowledge(*got));
        }
        QVERIFY(noData(c1, 200));

        // n1 declared dead: c2's session is parked with its three messages; a message
        // published now is queued behind them (probes until n2 knows the parked session).
        QVERIFY(waitFor([&] { return redisCommand({"EXISTS", key("session:" + id2)}).integer == 1; }));
        QCOMPARE(redisCommand({"LLEN", key("queue:" + id2)}).integer, 3);
        QCOMPARE(redisCommand({"HEXISTS", key("clients"), id2}).integer, 0);
        QVERIFY(waitFor([&] {
            if (!pub.publishAndWait(makePublish(base + "/probe/x", "probe", 1))) return false;
            return redisCommand({"LLEN", key("queue:" + id2)}).integer > 3;
        }));
        QVERIFY(pub.publishAndWait(makePublish(base + "/c/y", "m4", 1)));
        TestClient c2("c2", ProtocolVersion::V5);
        ack = c2.open(port(1), persistentConnect(id2, false));
        QVERIFY(ack);
        QVERIFY(ack->sessionPresent);
        for (const QByteArray payload : {"m1", "m2", "m3", "m4"}) {
            auto got = receiveData(c2);
            QVERIFY(got);
            QCOMPARE(got->payload, payload);
            QVERIFY(c2.acknowledge(*got));
        }

        // c1's subscriptions came along: a QoS 2 message from n2 reaches it on n3.
        QVERIFY(syncRoutes(c1, pub));
        QVERIFY(pub.publishAndWait(makePublish(base + "/b", "m5", 2)));
        auto got = receiveData(c1);
        QVERIFY(got);
        QCOMPARE(got->payload, QByteArray("m5"));
        QCOMPARE(int(got->qos), 2);
        QVERIFY(c1.acknowledge(*got));
        // Nothing of n1 is left in Redis.
        QCOMPARE(redisCommand({"EXISTS", key("lives:n1")}).integer, 0);
        QCOMPARE(redisCommand({"EXISTS", key("live:n1:" + id1)}).integer, 0);
        QCOMPARE(redisCommand({"EXISTS", key("routes:n1")}).integer, 0);
    }

    // Cross-node QoS 1 is at least once, without duplicates: the subscriber's node (n2) is
    // killed in the middle of a stream of QoS 1 messages published on n1. Each PUBACK came
    // after the message was in n2's inbox in Redis; what n2 had queued was written through,
    // what it had not consumed is still in its inbox. The client resumes on n3 and gets every
    // message exactly once (none was acknowledged by it), in order.
    void crossNodeStreamSurvivesNodeKill()
    {
        const QByteArray id = test::uniqueName("stream");
        const QByteArray topic = test::uniqueTopic();
        TestClient pub("pub", ProtocolVersion::V5);
        QVERIFY(pub.open(port(0), makeConnect(ProtocolVersion::V5, test::uniqueName("pub"))));
        {
            TestClient sub("sub", ProtocolVersion::V5);
            QVERIFY(sub.open(port(1), persistentConnect(id, true)));
            QVERIFY(sub.subscribe(topic, 1));
            QVERIFY(syncRoutes(sub, pub));
            const int total = 300, killAt = 150;
            for (int i = 0; i < total; ++i) {
                if (i == killAt) m_nodes[1].server->crash();
                QVERIFY(pub.publishAndWait(makePublish(topic, QByteArray::number(i), 1)));
            }
        }
        TestClient sub("sub", ProtocolVersion::V5);
        auto ack = sub.open(port(2), persistentConnect(id, false));
        QVERIFY(ack);
        QVERIFY(ack->sessionPresent);
        // What n2 had queued comes at once; what was still in its inbox only after n2 is
        // declared dead (node_timeout_ms) and its inbox swept, which can take seconds on a
        // busy machine or under a sanitizer: wait for all 300, then 2 s for any duplicate.
        QList<int> got;
        const QDeadlineTimer deadline(30000);
        for (;;) {
            const int waitMs = got.size() < 300 ? int(std::max<qint64>(1, deadline.remainingTime())) : 2000;
            auto p = receiveData(sub, waitMs);
            if (!p) break;
            got.append(p->payload.toInt());
            QVERIFY(sub.acknowledge(*p));
        }
        QList<int> expected;
        for (int i = 0; i < 300; ++i)
            expected.append(i);
        QCOMPARE(got, expected);
    }

    // Deduplication by message id: n2 (the subscriber's node) is killed, five QoS 1 messages
    // land in its inbox, and every frame there is pushed a second time (as a frame read again
    // would be). The session, parked when n2 is declared dead, gets each message once.
    void deadInboxDeduplicated()
    {
        const QByteArray id = test::uniqueName("dedup");
        const QByteArray topic = test::uniqueTopic();
        TestClient pub("pub", ProtocolVersion::V5);
        QVERIFY(pub.open(port(0), makeConnect(ProtocolVersion::V5, test::uniqueName("pub"))));
        {
            TestClient sub("sub", ProtocolVersion::V5);
            QVERIFY(sub.open(port(1), persistentConnect(id, true)));
            QVERIFY(sub.subscribe(topic, 1));
            QVERIFY(syncRoutes(sub, pub));
            QVERIFY(waitFor([&] { return redisCommand({"EXISTS", key("live:n2:" + id)}).integer == 1; }));
            m_nodes[1].server->crash();
        }
        for (int i = 0; i < 5; ++i)
            QVERIFY(pub.publishAndWait(makePublish(topic, QByteArray::number(i), 1)));
        const redis::Reply frames = redisCommand({"LRANGE", key("inbox:n2"), "0", "-1"});
        QVERIFY2(!frames.elements.isEmpty(), qPrintable(frames.toString()));
        QList<QByteArray> again{"RPUSH", key("inbox:n2")};
        for (const redis::Reply &f : frames.elements)
            again.append(f.string);
        QVERIFY(redisCommand(again).integer >= 2 * frames.elements.size());
        // Still before n2 is declared dead (node_timeout_ms is 1 s): its inbox is read after this.
        QCOMPARE(redisCommand({"HEXISTS", key("nodes"), "n2"}).integer, 1);
        // The session record and its queue are written by separate commands after the adopting
        // node took the inbox: wait for both (a duplicate would show as more than 5, below).
        QVERIFY(waitFor([&] {
            return redisCommand({"EXISTS", key("session:" + id)}).integer == 1 &&
                   redisCommand({"LLEN", key("queue:" + id)}).integer >= 5;
        }));
        QCOMPARE(redisCommand({"LLEN", key("queue:" + id)}).integer, 5);
        QCOMPARE(redisCommand({"EXISTS", key("inbox:n2")}).integer, 0);
        TestClient sub("sub", ProtocolVersion::V5);
        auto ack = sub.open(port(2), persistentConnect(id, false));
        QVERIFY(ack);
        QVERIFY(ack->sessionPresent);
        for (int i = 0; i < 5; ++i) {
            auto got = receiveData(sub);
            QVERIFY(got);
            QCOMPARE(got->payload, QByteArray::number(i));
            QVERIFY(sub.acknowledge(*got));
        }
        QVERIFY(noData(sub));
    }

    // A client resuming its persistent session (clean start 0) on another node while its old
    // connection is still up: the old node parks the session (v5 DISCONNECT 0x8E) and the new
    // node resumes it with its subscriptions and its unacknowledged message.
    void persistentTakeoverAcrossNodes()
    {
        const QByteArray id = test::uniqueName("move");
        const QByteArray topic = test::uniqueTopic();
        TestClient pub("pub", ProtocolVersion::V5), first("first", ProtocolVersion::V5);
        QVERIFY(pub.open(port(2), makeConnect(ProtocolVersion::V5, test::uniqueName("pub"))));
        QVERIFY(first.open(port(0), persistentConnect(id, true)));
        QVERIFY(first.subscribe(topic, 1));
        QVERIFY(syncRoutes(first, pub));
        QVERIFY(pub.publishAndWait(makePublish(topic, "unacked", 1)));
        auto got = receiveData(first);
        QVERIFY(got);
        QVERIFY(waitFor([&] { return redisCommand({"HGET", key("clients"), id}).string == "n1"; }));

        TestClient second("second", ProtocolVersion::V5);
        auto ack = second.open(port(1), persistentConnect(id, false));
        QVERIFY(ack);
        QVERIFY(ack->sessionPresent);
        QVERIFY(first.expectServerDisconnect(0x8E));
        got = receiveData(second);
        QVERIFY(got);
        QCOMPARE(got->payload, QByteArray("unacked"));
        QVERIFY(second.acknowledge(*got));
        QVERIFY(reachesAcross(second, pub, topic, "after"));
    }

    // A clean start for the id of a parked session deletes it (on the node that parked it,
    // which knows at once; other nodes learn it from the control channel).
    void cleanStartDropsParkedSession()
    {
        const QByteArray id = test::uniqueName("parked");
        {
            TestClient c("c", ProtocolVersion::V5);
            QVERIFY(c.open(port(0), persistentConnect(id, true)));
            QVERIFY(c.subscribe("x/#", 1));
            QVERIFY(c.disconnect());
        }
        QVERIFY(waitFor([&] { return redisCommand({"EXISTS", key("session:" + id)}).integer == 1; }));
        TestClient c("c", ProtocolVersion::V5);
        auto ack = c.open(port(0), persistentConnect(id, true));
        QVERIFY(ack);
        QVERIFY(!ack->sessionPresent);
        QVERIFY(waitFor([&] { return redisCommand({"EXISTS", key("session:" + id)}).integer == 0; }));
    }

    // $SYS per node stays per node; $SYS/cluster/... has the totals of the live nodes.
    void sysClusterTotals()
    {
        TestClient sys("sys"), a("a"), b("b"), c("c");
        QVERIFY(sys.open(port(0), makeConnect(ProtocolVersion::V311, test::uniqueName("sys"))));
        QVERIFY(a.open(port(1), makeConnect(ProtocolVersion::V311, test::uniqueName("a"))));
        QVERIFY(b.open(port(1), makeConnect(ProtocolVersion::V311, test::uniqueName("b"))));
        QVERIFY(c.open(port(2), makeConnect(ProtocolVersion::V311, test::uniqueName("c"))));
        QVERIFY(sys.subscribe("$SYS/#", 0));
        QHash<QByteArray, QByteArray> last;
        QDeadlineTimer deadline(8000);
        while (!deadline.hasExpired() && !(last.value("$SYS/cluster/clients/connected") == "4" &&
                                           last.value("$SYS/cluster/nodes") == "3" &&
                                           last.value("$SYS/broker/clients/connected") == "1")) {
            auto p = sys.poll(200);
            if (!p) continue;
            if (auto *pub = std::get_if<Publish>(&*p)) last.insert(pub->topic, pub->payload);
        }
        QCOMPARE(last.value("$SYS/cluster/nodes"), QByteArray("3"));
        QCOMPARE(last.value("$SYS/cluster/clients/connected"), QByteArray("4")); // 1 + 2 + 1
        QCOMPARE(last.value("$SYS/broker/clients/connected"), QByteArray("1"));  // this node only
    }

    // The admin API says which node a client is on.
    void adminApiNode()
    {
        Node n;
        const QString config =
            clusterConfig(QStringLiteral("n7"), m_redis.address(), m_prefix) +
            QStringLiteral("listeners:\n  - {type: sysinfo, id: admin, address: \"127.0.0.1:0\", "
                           "admin_token: secret}\n");
        QVERIFY(n.server->start(config));
        static const QRegularExpression adminLine(
            QStringLiteral("listener admin: http on 127\\.0\\.0\\.1:(\\d+)"));
        const auto m = adminLine.match(n.server->log());
        QVERIFY2(m.hasMatch(), qPrintable(n.server->log()));
        const quint16 adminPort = quint16(m.captured(1).toUInt());
        TestClient c("c");
        const QByteArray id = test::uniqueName("where");
        QVERIFY(c.open(n.server->port(), makeConnect(ProtocolVersion::V311, id)));
        auto get = [&](const QByteArray &path) {
            QTcpSocket http;
            http.connectToHost(QHostAddress::LocalHost, adminPort);
            if (!http.waitForConnected(3000)) return QJsonObject();
            http.write("GET " + path +
                       " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer secret\r\n"
                       "Connection: close\r\n\r\n");
            QByteArray response;
            QDeadlineTimer deadline(5000);
            auto complete = [&] {
                const qsizetype at = response.indexOf("\r\n\r\n");
                return at >= 0 && QJsonDocument::fromJson(response.mid(at + 4)).isObject();
            };
            while (!deadline.hasExpired() && http.state() == QAbstractSocket::ConnectedState && !complete()) {
                http.waitForReadyRead(100);
                response += http.readAll();
            }
            response += http.readAll();
            return QJsonDocument::fromJson(response.mid(response.indexOf("\r\n\r\n") + 4)).object();
        };
        const QJsonObject o = get("/api/v1/clients/" + id);
        QVERIFY2(o.value(u"node"_s).toString() == u"n7"_s, QJsonDocument(o).toJson().constData());

        // The list is cluster-wide: a client of n1 and a parked session are in n7's list, with
        // their node ("" for parked); ?scope=local lists n7's own only.
        TestClient other("other");
        const QByteArray otherId = test::uniqueName("elsewhere"), parkedId = test::uniqueName("parked");
        QVERIFY(other.open(port(0), makeConnect(ProtocolVersion::V311, otherId)));
        {
            TestClient p("p", ProtocolVersion::V5);
            QVERIFY(p.open(port(1), persistentConnect(parkedId, true)));
            QVERIFY(p.disconnect());
        }
        auto find = [](const QJsonObject &list, const QByteArray &clientId) {
            for (const QJsonValue &v : list.value(u"clients"_s).toArray())
                if (v.toObject().value(u"client_id"_s).toString().toUtf8() == clientId) return v.toObject();
            return QJsonObject();
        };
        QJsonObject all;
        QVERIFY(waitFor([&] {
            all = get("/api/v1/clients");
            // (the parked session's <p>clients entry goes in the same pass as its parking,
            // but a list read between the two commands still shows its old node)
            return !find(all, otherId).isEmpty() && !find(all, parkedId).isEmpty() &&
                   find(all, parkedId).value(u"node"_s).toString().isEmpty();
        }));
        const QJsonObject mine = find(all, id), theirs = find(all, otherId), parked = find(all, parkedId);
        QCOMPARE(mine.value(u"node"_s).toString(), u"n7"_s);
        QVERIFY(!mine.contains(u"remote"_s));
        QCOMPARE(theirs.value(u"node"_s).toString(), u"n1"_s);
        QVERIFY(theirs.value(u"connected"_s).toBool());
        QVERIFY(theirs.value(u"remote"_s).toBool());
        QCOMPARE(parked.value(u"node"_s).toString(), QString());
        QVERIFY(!parked.value(u"connected"_s).toBool());
        const QJsonObject local = get("/api/v1/clients?scope=local");
        QVERIFY(!find(local, id).isEmpty());
        QVERIFY(find(local, otherId).isEmpty());
        QVERIFY2(n.server->stop(), qPrintable(n.server->log()));
    }

    // Start-up errors are clear: Redis unreachable, node id in use.
    void startupErrors()
    {
        Node dup;
        QCOMPARE(dup.server->startExpectingFailure(
                     clusterConfig(QStringLiteral("n1"), m_redis.address(), m_prefix)),
                 1);
        QVERIFY2(dup.server->log().contains(QStringLiteral("node id \"n1\" is in use by a running node")),
                 qPrintable(dup.server->log()));

        Node unreachable;
        const QString nowhere = QStringLiteral("127.0.0.1:%1").arg(test::RedisProcess::freePort());
        QCOMPARE(
            unreachable.server->startExpectingFailure(clusterConfig(QStringLiteral("n9"), nowhere, m_prefix)),
            1);
        QVERIFY2(unreachable.server->log().contains(QStringLiteral("cannot connect to Redis at ") + nowhere),
                 qPrintable(unreachable.server->log()));
    }
};

QTEST_GUILESS_MAIN(TestCluster)
#include "tst_cluster.moc"
