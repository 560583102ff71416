// The SQLite storage hook in-process, with real files: migration of a committed version 1
// database, failures at run time (logged and counted, the broker keeps running), changes
// that cancel out within a batch, $SYS counters restored (RestoreSysInfoOnRestart).
#include "broker/broker.h"
#include "storage/sqlstorage.h"
#include "support/broker_fixture.h"
#include "support/test_client.h"

#include <QFile>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

using namespace petrel;
using namespace petrel::packets;
using petrel::storage::SqlStorageHook;
using petrel::test::makeConnect;
using petrel::test::makePublish;
using petrel::test::TestClient;

namespace {

QString sourceDir()
{
    const QString dir = qEnvironmentVariable("PETREL_SOURCE_DIR");
    return dir.isEmpty() ? QStringLiteral(PETREL_SOURCE_DIR_FALLBACK) : dir;
}

// Opens a database file in the test (after the broker let go of it) and runs one query.
QVariant queryValue(const QString &path, const QString &sql)
{
    QVariant result;
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("test-check"));
        db.setDatabaseName(path);
        if (db.open()) {
            QSqlQuery q(db);
            if (q.exec(sql) && q.next()) result = q.value(0);
        }
        db.close();
    }
    QSqlDatabase::removeDatabase(QStringLiteral("test-check"));
    return result;
}

struct Running {
    std::unique_ptr<Broker> broker;
    std::shared_ptr<SqlStorageHook> hook;
    quint16 port = 0;
};

Running startBroker(const QVariantMap &storage, Options options = test::BrokerFixture::defaultOptions())
{
    Running r;
    r.broker = std::make_unique<Broker>(options);
    r.hook = std::make_shared<SqlStorageHook>();
    QString error;
    if (!r.broker->addHook(r.hook, storage, &error) || !r.broker->start(&error)) {
        qWarning().noquote() << error;
        r.broker.reset();
        return r;
    }
    r.port = r.broker->listenTcp(QStringLiteral("t"), QHostAddress::LocalHost, 0, &error);
    return r;
}

Connect persistent(const QByteArray &clientId, bool cleanStart)
{
    Connect c = makeConnect(ProtocolVersion::V5, clientId, cleanStart);
    c.properties.sessionExpiryInterval = 3600;
    c.properties.mark(PropertyId::SessionExpiryInterval);
    return c;
}

} // namespace

class TestStorageHook : public QObject {
    Q_OBJECT

private Q_SLOTS:
    // A database written by schema version 1 opens, is migrated to the current version, and
    // its session, subscription, queued messages, inbound QoS 2 id and retained message work.
    void migrationFromVersion1()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("old.db"));
        QVERIFY(QFile::copy(sourceDir() + QStringLiteral("/tests/storage/data/schema-v1.db"), path));
        QVERIFY(QFile::setPermissions(path, QFile::ReadOwner | QFile::WriteOwner));
        QCOMPARE(queryValue(path, QStringLiteral("SELECT version FROM schema_version")).toInt(), 1);
        {
            Running r = startBroker({{QStringLiteral("path"), path}});
            QVERIFY(r.broker);
            TestClient old("old-client", ProtocolVersion::V5);
            const auto connack = old.open(r.port, persistent("old-client", false));
            QVERIFY(connack);
            QVERIFY(connack->sessionPresent);
            for (const char *payload : {"from v1", "also from v1"}) {
                const auto p = old.receivePublish();
                QVERIFY(p);
                QCOMPARE(p->payload, QByteArray(payload));
                QVERIFY(old.acknowledge(*p));
            }
            // Its inbound QoS 2 id 42 was awaiting PUBREL: a resent PUBLISH is not delivered.
            Publish dup = makePublish("old/9", "again", 2);
            dup.packetId = 42;
            dup.dup = true;
            QVERIFY(old.send(dup));
            QVERIFY(old.receiveAck(PacketType::Pubrec));
            QVERIFY(old.expectNoPacket());
            QVERIFY(old.send(Ack{PacketType::Pubrel, 42, 0, {}}));
            const auto comp = old.receiveAck(PacketType::Pubcomp);
            QVERIFY(comp);
            QCOMPARE(comp->reasonCode, 0);
            // The subscription (old/#) still routes.
            TestClient pub("pub");
            QVERIFY(pub.open(r.port, makeConnect(ProtocolVersion::V311, "pub")));
            QVERIFY(pub.publishQos1(makePublish("old/new", "new", 1)));
            const auto p = old.receivePublish();
            QVERIFY(p);
            QCOMPARE(p->payload, QByteArray("new"));
            QVERIFY(old.acknowledge(*p));
            // The retained message.
            QVERIFY(pub.subscribe("old/r", 0));
            const auto retained = pub.receivePublish();
            QVERIFY(retained);
            QCOMPARE(retained->payload, QByteArray("kept v1"));
            old.close();
            pub.close();
            r.broker->stop();
        }
        QCOMPARE(queryValue(path, QStringLiteral("SELECT version FROM schema_version")).toInt(), 2);
        QCOMPARE(queryValue(path, QStringLiteral("SELECT count(*) FROM messages")).toInt(), 0);
    }

    // A database from a later Petrel (newer schema) is refused with the file named.
    void newerSchemaRefused()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("new.db"));
        QVERIFY(QFile::copy(sourceDir() + QStringLiteral("/tests/storage/data/schema-v1.db"), path));
        QVERIFY(QFile::setPermissions(path, QFile::ReadOwner | QFile::WriteOwner));
        {
            QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), QStringLiteral("bump"));
            db.setDatabaseName(path);
            QVERIFY(db.open());
            QSqlQuery q(db);
            QVERIFY(q.exec(QStringLiteral("UPDATE schema_version SET version = 99")));
            db.close();
        }
        QSqlDatabase::removeDatabase(QStringLiteral("bump"));
        SqlStorageHook hook;
        QString error;
        QVERIFY(!hook.init({{QStringLiteral("path"), path}}, &error));
        QVERIFY2(error.contains(path) && error.contains(QStringLiteral("newer")), qPrintable(error));
    }

    // Batched mode: a full database makes commits fail; each failure is logged and counted,
    // the changes are kept for the next attempt, and the broker goes on serving.
    void failureCountedAtRunTime()
    {
        QTemporaryDir dir;
        Running r = startBroker({{QStringLiteral("path"), dir.filePath(QStringLiteral("full.db"))},
                                 {QStringLiteral("max_page_count"), 40},
                                 {QStringLiteral("flush_ms"), 10}});
        QVERIFY(r.broker);
        TestClient pub("pub");
        QVERIFY(pub.open(r.port, makeConnect(ProtocolVersion::V311, "pub")));
        QVERIFY(pub.publishQos1(makePublish("f/big", QByteArray(400 * 1024, 'b'), 1, true)));
        QTRY_VERIFY_WITH_TIMEOUT(r.hook->writeFailures() > 0, 5000);
        QVERIFY(pub.ping()); // still serving
        QCOMPARE(r.hook->changesLost(), 0);
        pub.close();
        r.broker->stop();
        r.hook->stop(); // the storage thread ends: what it could not write is given up, and counted
        QVERIFY(r.hook->changesLost() > 0);
    }

    // A message queued and acknowledged within one batch never reaches the database.
    void cancelledWithinBatch()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(QStringLiteral("batch.db"));
        Running r = startBroker({{QStringLiteral("path"), path}, {QStringLiteral("flush_ms"), 60000}});
        QVERIFY(r.broker);
        TestClient sub("sub", ProtocolVersion::V5);
        QVERIFY(sub.open(r.port, persistent("sub", true)));
        QVERIFY(sub.subscribe("b/#", 1));
        r.hook->flush();
        const qint64 commits = r.hook->commits();
        TestClient pub("pub");
        QVERIFY(pub.open(r.port, makeConnect(ProtocolVersion::V311, "pub")));
        for (int i = 0; i < 100; ++i) {
            QVERIFY(pub.publishQos1(makePublish("b/x", QByteArray::number(i), 1)));
            const auto p = sub.receivePublish();
            QVERIFY(p);
            QVERIFY(sub.acknowledge(*p));
        }
        QVERIFY(pub.ping());
        QVERIFY(sub.ping());
        QCOMPARE(r.hook->commits(), commits); // nothing written yet (flush_ms is a minute)
        r.hook->flush();
        QCOMPARE(r.hook->commits(), commits + 1);
        sub.close();
        pub.close();
        r.broker->stop();
        r.hook->stop(); // releases the file (the hook holds an exclusive lock while it runs)
        QCOMPARE(queryValue(path, QStringLiteral("SELECT count(*) FROM messages")).toInt(), 0);
        QCOMPARE(queryValue(path, QStringLiteral("SELECT count(*) FROM subscriptions")).toInt(), 1);
    }

    // RestoreSysInfoOnRestart: the $SYS counters continue from the stored values.
    void sysInfoRestored()
    {
        QTemporaryDir dir;
        const QVariantMap storage{{QStringLiteral("path"), dir.filePath(QStringLiteral("sys.db"))}};
        Options options = test::BrokerFixture::defaultOptions();
        options.capabilities.compatibilities.restoreSysInfoOnRestart = true;
        qint64 received = 0;
        {
            Running r = startBroker(storage, options);
            QVERIFY(r.broker);
            TestClient pub("pub");
            QVERIFY(pub.open(r.port, makeConnect(ProtocolVersion::V311, "pub")));
            for (int i = 0; i < 5; ++i)
                QVERIFY(pub.publishQos1(makePublish("s/x", "m", 1)));
            pub.close();
            // Stored with each $SYS tick (every second here).
            QTest::qWait(1200);
            received = r.broker->stats().messagesReceived;
            QCOMPARE(received, 5);
            r.broker->stop();
        }
        Running r = startBroker(storage, options);
        QVERIFY(r.broker);
        QCOMPARE(r.broker->stats().messagesReceived, received);
        r.broker->stop();
    }
};

QTEST_GUILESS_MAIN(TestStorageHook)
#include "tst_storage_hook.moc"
