// Interop: Debian's mosquitto_pub / mosquitto_sub against the broker (in-process, or the one
// at PETREL_TEST_EXTERNAL_PORT).
#include "interop_process.h"
#include "support/broker_fixture.h"
#include "support/test_client.h"

#include <QTemporaryFile>
#include <QTest>

using namespace petrel;
using namespace petrel::packets;
using namespace petrel::test;

namespace {
const QString kPub = QStringLiteral("mosquitto_pub");
const QString kSub = QStringLiteral("mosquitto_sub");
// Message lines printed by mosquitto_sub -F.
const QString kFormat = QStringLiteral("MSG|%t|%p|%q|%r");

// mosquitto_sub block-buffers stdout into a pipe: run it line-buffered under stdbuf so the
// test sees SUBACK and message lines as they happen.
ClientProcess subscriber(const QStringList &args)
{
    return ClientProcess(QStringLiteral("stdbuf"), QStringList{QStringLiteral("-oL"), kSub} + args);
}
} // namespace

class tst_InteropMosquittoClients : public QObject {
    Q_OBJECT

    std::unique_ptr<BrokerFixture> m_fixture;
    QString port() const { return QString::number(m_fixture->port()); }
    QStringList common(const QString &version) const
    {
        return {QStringLiteral("-h"), QStringLiteral("127.0.0.1"),
                QStringLiteral("-p"), port(),
                QStringLiteral("-V"), version};
    }
    static void addRows(bool withQos)
    {
        QTest::addColumn<QString>("version");
        QTest::addColumn<int>("qos");
        for (const char *v : {"mqttv311", "mqttv5"})
            for (int q = 0; q <= (withQos ? 2 : 0); ++q)
                QTest::addRow("%s QoS %d", v, q) << QString::fromLatin1(v) << q;
    }

private Q_SLOTS:
    void initTestCase()
    {
        if (!ClientProcess::available(kPub) || !ClientProcess::available(kSub))
            QSKIP("mosquitto_pub / mosquitto_sub not installed (apt install mosquitto-clients)");
        if (!ClientProcess::available(QStringLiteral("stdbuf"))) QSKIP("stdbuf (coreutils) not found");
    }
    void init()
    {
        m_fixture = std::make_unique<BrokerFixture>();
        PETREL_START(*m_fixture);
    }
    void cleanup() { m_fixture.reset(); }

    // mosquitto_pub -> broker -> mosquitto_sub, at every QoS.
    void mosquittoClients_publishToSubscriber_data() { addRows(true); }
    void mosquittoClients_publishToSubscriber()
    {
        QFETCH(QString, version);
        QFETCH(int, qos);
        const QString topic = QString::fromUtf8(uniqueTopic());
        const QString q = QString::number(qos);
        ClientProcess sub = subscriber(
            common(version) + QStringList{"-d", "-t", topic, "-q", q, "-C", "1", "-W", "10", "-F", kFormat});
        QVERIFY(sub.start());
        QVERIFY2(!sub.waitForLine(QStringLiteral("SUBACK")).isEmpty(), qPrintable(sub.transcript()));
        ClientProcess pub(kPub, common(version) + QStringList{"-t", topic, "-q", q, "-m", "hello interop"});
        QVERIFY(pub.start());
        QVERIFY(pub.finish());
        const QString line = sub.waitForLine(QStringLiteral("MSG|"));
        QVERIFY2(!line.isEmpty(), qPrintable(sub.transcript()));
        QCOMPARE(line, QStringLiteral("MSG|%1|hello interop|%2|0").arg(topic, q));
        QVERIFY(sub.finish());
    }

    // mosquitto_pub -r stores a retained message; a later mosquitto_sub gets it flagged retained.
    void mosquittoClients_retainedMessage_data() { addRows(true); }
    void mosquittoClients_retainedMessage()
    {
        QFETCH(QString, version);
        QFETCH(int, qos);
        const QString topic = QString::fromUtf8(uniqueTopic());
        ClientProcess pub(kPub, common(version) +
                                    QStringList{"-t", topic, "-q", QString::number(qos), "-r", "-m", "kept"});
        QVERIFY(pub.start());
        QVERIFY(pub.finish());
        ClientProcess sub = subscriber(
            common(version) + QStringList{"-t", topic, "-q", "2", "-C", "1", "-W", "10", "-F", kFormat});
        QVERIFY(sub.start());
        const QString line = sub.waitForLine(QStringLiteral("MSG|"));
        QVERIFY2(!line.isEmpty(), qPrintable(sub.transcript()));
        QCOMPARE(line, QStringLiteral("MSG|%1|kept|%2|1").arg(topic).arg(qos));
        QVERIFY(sub.finish());
    }

    // mosquitto_pub -V mqttv5 with properties: a v5 TestClient subscriber sees them exactly.
    void mosquittoClients_v5PropertiesFromPublisher()
    {
        const QByteArray topic = uniqueTopic();
        TestClient sub("sub");
        QVERIFY(sub.open(m_fixture->port(), makeConnect(ProtocolVersion::V5, uniqueName("sub"))));
        QVERIFY(sub.subscribe(topic, 1));
        ClientProcess pub(kPub, common(QStringLiteral("mqttv5")) + QStringList{"-t",
                                                                               QString::fromUtf8(topic),
                                                                               "-q",
                                                                               "1",
                                                                               "-m",
                                                                               "with props",
                                                                               "-D",
                                                                               "publish",
                                                                               "content-type",
                                                                               "text/plain",
                                                                               "-D",
                                                                               "publish",
                                                                               "response-topic",
                                                                               "reply/here",
                                                                               "-D",
                                                                               "publish",
                                                                               "correlation-data",
                                                                               "c0rr",
                                                                               "-D",
                                                                               "publish",
                                                                               "user-property",
                                                                               "k1",
                                                                               "v1",
                                                                               "-D",
                                                                               "publish",
                                                                               "user-property",
                                                                               "k0",
                                                                               "v0"});
        QVERIFY(pub.start());
        QVERIFY(pub.finish());
        auto msg = sub.receivePublish();
        QVERIFY(msg);
        QCOMPARE(msg->payload, QByteArray("with props"));
        QCOMPARE(msg->properties.contentType, QByteArray("text/plain"));
        QCOMPARE(msg->properties.responseTopic, QByteArray("reply/here"));
        QCOMPARE(msg->properties.correlationData, QByteArray("c0rr"));
        QCOMPARE(msg->properties.userProperties, (UserProperties{{"k1", "v1"}, {"k0", "v0"}}));
    }

    // A TestClient v5 publication with properties reaches mosquitto_sub -V mqttv5 intact.
    void mosquittoClients_v5PropertiesToSubscriber()
    {
        const QString topic = QString::fromUtf8(uniqueTopic());
        ClientProcess sub =
            subscriber(common(QStringLiteral("mqttv5")) + QStringList{"-d", "-t", topic, "-q", "1", "-C", "1",
                                                                      "-W", "10", "-F", "MSG|%p|%C|%R|%P"});
        QVERIFY(sub.start());
        QVERIFY2(!sub.waitForLine(QStringLiteral("SUBACK")).isEmpty(), qPrintable(sub.transcript()));
        TestClient pub("pub");
        QVERIFY(pub.open(m_fixture->port(), makeConnect(ProtocolVersion::V5, uniqueName("pub"))));
        Publish p = makePublish(topic.toUtf8(), "payload", 1);
        p.properties.contentType = "application/x-test";
        p.properties.mark(PropertyId::ContentType);
        p.properties.responseTopic = "r/t";
        p.properties.mark(PropertyId::ResponseTopic);
        p.properties.userProperties = {{"a", "1"}};
        QVERIFY(pub.publishQos1(p));
        const QString line = sub.waitForLine(QStringLiteral("MSG|"));
        QVERIFY2(!line.isEmpty(), qPrintable(sub.transcript()));
        QCOMPARE(line, QStringLiteral("MSG|payload|application/x-test|r/t|a:1"));
        QVERIFY(sub.finish());
    }

    // A 300 KB payload from a file arrives byte for byte.
    void mosquittoClients_largePayloadFromFile_data() { addRows(false); }
    void mosquittoClients_largePayloadFromFile()
    {
        QFETCH(QString, version);
        const QByteArray topic = uniqueTopic();
        QByteArray payload(300 * 1024, Qt::Uninitialized);
        for (qsizetype i = 0; i < payload.size(); ++i)
            payload[i] = char((i * 7919) >> 3);
        QTemporaryFile file;
        QVERIFY(file.open());
        QCOMPARE(file.write(payload), payload.size());
        file.flush();
        TestClient sub("sub");
        QVERIFY(sub.open(
            m_fixture->port(),
            makeConnect(version == QLatin1String("mqttv5") ? ProtocolVersion::V5 : ProtocolVersion::V311,
                        uniqueName("sub"))));
        QVERIFY(sub.subscribe(topic, 1));
        ClientProcess pub(kPub, common(version) + QStringList{"-t", QString::fromUtf8(topic), "-q", "1", "-f",
                                                              file.fileName()});
        QVERIFY(pub.start());
        QVERIFY(pub.finish());
        auto msg = sub.receivePublish(10000);
        QVERIFY(msg);
        QCOMPARE(msg->payload.size(), payload.size());
        QVERIFY(msg->payload == payload);
    }

    // mosquitto_sub -c keeps a session: QoS 1 messages published while it is away arrive
    // when it comes back, in order.
    void mosquittoClients_persistentSession_data() { addRows(false); }
    void mosquittoClients_persistentSession()
    {
        QFETCH(QString, version);
        const QString topic = QString::fromUtf8(uniqueTopic());
        const QString id = QString::fromUtf8(uniqueName("msub"));
        QStringList session{"-c", "-i", id, "-t", topic, "-q", "1"};
        if (version == QLatin1String("mqttv5"))
            session << "-x"
                    << "300";
        {
            ClientProcess sub = subscriber(common(version) + session + QStringList{"-E"});
            QVERIFY(sub.start());
            QVERIFY(sub.finish());
        }
        TestClient pub("pub");
        QVERIFY(pub.open(m_fixture->port(), makeConnect(ProtocolVersion::V311, uniqueName("pub"))));
        for (int i = 0; i < 3; ++i)
            QVERIFY(pub.publishQos1(makePublish(topic.toUtf8(), "queued " + QByteArray::number(i), 1)));
        ClientProcess sub(kSub,
                          common(version) + session + QStringList{"-C", "3", "-W", "10", "-F", kFormat});
        QVERIFY(sub.start());
        QVERIFY(sub.finish());
        QStringList got;
        for (const QString &l : sub.lines())
            if (l.startsWith(QLatin1String("MSG|"))) got << l;
        QCOMPARE(got, (QStringList{QStringLiteral("MSG|%1|queued 0|1|0").arg(topic),
                                   QStringLiteral("MSG|%1|queued 1|1|0").arg(topic),
                                   QStringLiteral("MSG|%1|queued 2|1|0").arg(topic)}));
    }
};

QTEST_GUILESS_MAIN(tst_InteropMosquittoClients)
#include "tst_interop_mosquitto_clients.moc"
