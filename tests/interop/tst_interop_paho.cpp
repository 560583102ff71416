// Interop: python3-paho-mqtt (run under /usr/bin/python3) against the broker, one script per
// scenario in this directory.
#include "interop_process.h"
#include "support/broker_fixture.h"
#include "support/test_client.h"

#include <QFileInfo>
#include <QTest>

using namespace petrel;
using namespace petrel::packets;
using namespace petrel::test;

namespace {
const QString kPython = QStringLiteral("/usr/bin/python3");

QString script(const char *name)
{
    return QStringLiteral(PETREL_INTEROP_DIR "/") + QLatin1String(name);
}
} // namespace

class tst_InteropPaho : public QObject {
    Q_OBJECT

    std::unique_ptr<BrokerFixture> m_fixture;
    QString port() const { return QString::number(m_fixture->port()); }
    ClientProcess python(const char *name, const QStringList &args)
    {
        return ClientProcess(kPython, QStringList{QStringLiteral("-B"), script(name), port()} + args);
    }
    static void addVersions()
    {
        QTest::addColumn<QString>("version");
        QTest::newRow("v3.1.1") << QStringLiteral("311");
        QTest::newRow("v5") << QStringLiteral("5");
    }

private Q_SLOTS:
    void initTestCase()
    {
        if (!QFileInfo::exists(kPython)) QSKIP("/usr/bin/python3 not installed");
        ClientProcess probe(kPython, {QStringLiteral("-c"), QStringLiteral("import paho.mqtt.client")});
        QVERIFY(probe.start());
        if (!probe.finish()) QSKIP("python3-paho-mqtt not installed (apt install python3-paho-mqtt)");
    }
    void init()
    {
        m_fixture = std::make_unique<BrokerFixture>();
        PETREL_START(*m_fixture);
    }
    void cleanup() { m_fixture.reset(); }

    // paho publishes to itself at every QoS: each message once, in order, at that QoS.
    void paho_publishSubscribeRoundTrip_data()
    {
        QTest::addColumn<QString>("version");
        QTest::addColumn<int>("qos");
        for (const char *v : {"311", "5"})
            for (int q = 0; q <= 2; ++q)
                QTest::addRow("%s QoS %d", v, q) << QString::fromLatin1(v) << q;
    }
    void paho_publishSubscribeRoundTrip()
    {
        QFETCH(QString, version);
        QFETCH(int, qos);
        ClientProcess p =
            python("paho_pubsub.py", {version, QString::number(qos), QString::fromUtf8(uniqueTopic())});
        QVERIFY(p.start());
        QVERIFY(p.finish(20000));
        QCOMPARE(p.lines().value(0), QStringLiteral("received 5"));
    }

    // paho with a persistent session gets the QoS 1 messages published while it was away.
    void paho_persistentSession_data() { addVersions(); }
    void paho_persistentSession()
    {
        QFETCH(QString, version);
        const QString topic = QString::fromUtf8(uniqueTopic());
        const QString id = QString::fromUtf8(uniqueName("paho"));
        {
            ClientProcess p = python("paho_session.py", {version, id, topic, QStringLiteral("subscribe")});
            QVERIFY(p.start());
            QVERIFY(p.finish(20000));
        }
        TestClient pub("pub");
        QVERIFY(pub.open(m_fixture->port(), makeConnect(ProtocolVersion::V311, uniqueName("pub"))));
        for (int i = 0; i < 3; ++i)
            QVERIFY(pub.publishQos1(makePublish(topic.toUtf8(), "queued-" + QByteArray::number(i), 1)));
        ClientProcess p =
            python("paho_session.py", {version, id, topic, QStringLiteral("receive"), QStringLiteral("3")});
        QVERIFY(p.start());
        QVERIFY(p.finish(20000));
        QCOMPARE(p.lines(),
                 (QStringList{QStringLiteral("session-present 1"), QStringLiteral("message queued-0 qos 1"),
                              QStringLiteral("message queued-1 qos 1"),
                              QStringLiteral("message queued-2 qos 1")}));
    }

    // Killing a paho client (no DISCONNECT) publishes its will.
    void paho_willOnKill_data() { addVersions(); }
    void paho_willOnKill()
    {
        QFETCH(QString, version);
        const QByteArray topic = uniqueTopic();
        TestClient sub("sub");
        QVERIFY(sub.open(m_fixture->port(), makeConnect(ProtocolVersion::V5, uniqueName("sub"))));
        QVERIFY(sub.subscribe(topic, 1));
        ClientProcess p = python("paho_will.py", {version, QString::fromUtf8(topic)});
        QVERIFY(p.start());
        QVERIFY2(!p.waitForLine(QStringLiteral("connected")).isEmpty(), qPrintable(p.transcript()));
        QVERIFY(sub.expectNoPacket(200)); // no will while it is connected
        p.kill();
        auto msg = sub.receivePublish(5000);
        QVERIFY(msg);
        QCOMPARE(msg->topic, topic);
        QCOMPARE(msg->payload, QByteArray("paho-gone"));
        QCOMPARE(msg->qos, 1);
    }

    // MQTT 5 properties between paho and a TestClient, both directions, unchanged and in order.
    void paho_v5PropertiesBothWays()
    {
        const QByteArray topic = uniqueTopic();
        TestClient peer("peer");
        QVERIFY(peer.open(m_fixture->port(), makeConnect(ProtocolVersion::V5, uniqueName("peer"))));
        QVERIFY(peer.subscribe(topic + "/out", 1));
        ClientProcess p = python("paho_v5_properties.py", {QString::fromUtf8(topic)});
        QVERIFY(p.start());
        auto fromPaho = peer.receivePublish(10000);
        QVERIFY2(fromPaho, qPrintable(p.transcript()));
        QCOMPARE(fromPaho->payload, QByteArray("from paho"));
        const Properties &got = fromPaho->properties;
        QCOMPARE(got.contentType, QByteArray("text/plain"));
        QCOMPARE(got.responseTopic, topic + "/reply");
        QCOMPARE(got.correlationData, QByteArray("\x01\x02"
                                                 "corr"));
        QCOMPARE(got.payloadFormatIndicator, 1);
        QCOMPARE(got.userProperties, (UserProperties{{"z", "1"}, {"a", "2"}, {"z", "0"}}));
        QVERIFY(peer.acknowledge(*fromPaho));

        QVERIFY2(!p.waitForLine(QStringLiteral("published")).isEmpty(), qPrintable(p.transcript()));
        Publish back = makePublish(topic + "/in", "to paho", 1);
        back.properties.contentType = "application/json";
        back.properties.mark(PropertyId::ContentType);
        back.properties.responseTopic = "resp";
        back.properties.mark(PropertyId::ResponseTopic);
        back.properties.correlationData = "id-7";
        back.properties.mark(PropertyId::CorrelationData);
        back.properties.userProperties = {{"second", "2"}, {"first", "1"}};
        QVERIFY(peer.publishQos1(back));
        const QString line = p.waitForLine(QStringLiteral("props "));
        QVERIFY2(!line.isEmpty(), qPrintable(p.transcript()));
        QCOMPARE(line, QStringLiteral("props payload=to paho contentType=application/json responseTopic=resp "
                                      "correlationData=%1 user:second=2 user:first=1")
                           .arg(QString::fromLatin1(QByteArray("id-7").toHex())));
        QVERIFY(p.finish(10000));
    }
};

QTEST_GUILESS_MAIN(tst_InteropPaho)
#include "tst_interop_paho.moc"
