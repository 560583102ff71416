// Every program in examples/ starts, listens, and does what its comment says, checked with
// a real MQTT client over TCP and by what the program prints.
#include "support/test_client.h"

#include <QDeadlineTimer>
#include <QProcess>
#include <QRegularExpression>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace petrel;
using namespace petrel::packets;
using petrel::test::makeConnect;
using petrel::test::makePublish;
using petrel::test::TestClient;

namespace {

constexpr int kWaitMs = 10000;

// One example program, started on an ephemeral port.
class Example {
public:
    explicit Example(const QString &name)
    {
        const QString dir = qEnvironmentVariable("PETREL_BINARY_DIR") + u"/examples/"_s;
        m_process.setProgram(dir + u"example_"_s + name);
        m_process.setArguments({u"0"_s});
        m_process.setProcessChannelMode(QProcess::SeparateChannels);
    }
    ~Example()
    {
        if (m_process.state() != QProcess::NotRunning) {
            m_process.kill();
            m_process.waitForFinished(kWaitMs);
        }
    }

    bool start()
    {
        m_process.start();
        if (!m_process.waitForStarted(kWaitMs)) return false;
        static const QRegularExpression listening(u"listening on 127\\.0\\.0\\.1:(\\d+)"_s);
        const QRegularExpressionMatch m = waitForLine(listening);
        m_port = m.hasMatch() ? quint16(m.captured(1).toUInt()) : 0;
        if (!m_port) qWarning().noquote() << "no port; stderr:" << m_process.readAllStandardError();
        return m_port != 0;
    }
    quint16 port() const { return m_port; }

    // Waits (bounded) until the program printed a line matching `re`.
    QRegularExpressionMatch waitForLine(const QRegularExpression &re)
    {
        QDeadlineTimer deadline(kWaitMs);
        for (;;) {
            m_output += QString::fromUtf8(m_process.readAllStandardOutput());
            const QRegularExpressionMatch m = re.match(m_output);
            if (m.hasMatch() || deadline.hasExpired() || m_process.state() == QProcess::NotRunning) return m;
            m_process.waitForReadyRead(50);
        }
    }
    bool printed(const QString &pattern)
    {
        const bool ok = waitForLine(QRegularExpression(pattern)).hasMatch();
        if (!ok) qWarning().noquote() << "output so far:" << m_output;
        return ok;
    }

private:
    QProcess m_process;
    QString m_output;
    quint16 m_port = 0;
};

Connect withLogin(ProtocolVersion v, const QByteArray &id, const QByteArray &user, const QByteArray &password)
{
    Connect c = makeConnect(v, id);
    c.hasUsername = true;
    c.username = user;
    c.hasPassword = true;
    c.password = password;
    return c;
}

} // namespace

class TestExamples : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void allowAll()
    {
        Example ex(u"allow_all"_s);
        QVERIFY(ex.start());
        TestClient c("anyone");
        QVERIFY(c.open(ex.port(), makeConnect(ProtocolVersion::V311, "anyone")));
        QVERIFY(c.subscribe("loop/#"));
        QVERIFY(c.publish(makePublish("loop/a", "hi")));
        const auto got = c.receivePublish();
        QVERIFY(got);
        QCOMPARE(got->payload, QByteArray("hi"));
    }

    void customAuth()
    {
        Example ex(u"custom_auth"_s);
        QVERIFY(ex.start());
        TestClient bad("bad", ProtocolVersion::V5);
        QVERIFY(bad.connectTcp(ex.port()));
        auto ack = bad.connect(withLogin(ProtocolVersion::V5, "bad", "alice", "wrong"));
        QVERIFY(ack);
        QCOMPARE(ack->reasonCode, quint8(ReasonCode::BadUserNameOrPassword));

        TestClient alice("alice", ProtocolVersion::V5);
        QVERIFY(alice.open(ex.port(), withLogin(ProtocolVersion::V5, "alice", "alice", "secret")));
        auto puback = alice.publishQos1(makePublish("sensors/t", "1", 1));
        QVERIFY(puback);
        QCOMPARE(puback->reasonCode, quint8(0));
        puback = alice.publishQos1(makePublish("actuators/valve", "open", 1));
        QVERIFY(puback);
        QCOMPARE(puback->reasonCode, quint8(ReasonCode::NotAuthorized));
    }

    void ledger()
    {
        Example ex(u"ledger"_s);
        QVERIFY(ex.start());
        TestClient stranger("stranger", ProtocolVersion::V5);
        QVERIFY(stranger.connectTcp(ex.port()));
        auto ack = stranger.connect(withLogin(ProtocolVersion::V5, "stranger", "stranger", "x"));
        QVERIFY(ack);
        QVERIFY(ack->reasonCode >= 0x80);

        TestClient melon("melon", ProtocolVersion::V5);
        QVERIFY(melon.open(ex.port(), withLogin(ProtocolVersion::V5, "melon", "melon", "petrel")));
        auto suback = melon.subscribe("melon/#", 1);
        QVERIFY(suback);
        QCOMPARE(suback->reasonCodes.value(0), quint8(1));
        auto puback = melon.publishQos1(makePublish("melon/x", "mine", 1));
        QVERIFY(puback);
        QCOMPARE(puback->reasonCode, quint8(0));
        const auto got = melon.receivePublish();
        QVERIFY(got);
        QVERIFY(melon.acknowledge(*got));
        puback = melon.publishQos1(makePublish("other/x", "not mine", 1));
        QVERIFY(puback);
        QCOMPARE(puback->reasonCode, quint8(ReasonCode::NotAuthorized));
    }

    void inlineClient()
    {
        Example ex(u"inline_client"_s);
        QVERIFY(ex.start());
        TestClient c("kitchen");
        QVERIFY(c.open(ex.port(), makeConnect(ProtocolVersion::V311, "kitchen")));
        QVERIFY(c.subscribe("clock/tick"));
        const auto tick = c.receivePublish(kWaitMs);
        QVERIFY(tick);
        QVERIFY(tick->payload.toInt() > 0);
        QVERIFY(c.publish(makePublish("sensors/kitchen/temperature", "21.5")));
        QVERIFY(ex.printed(u"inline got sensors/kitchen/temperature 21.5 from kitchen"_s));
    }

    void signalMonitor()
    {
        Example ex(u"signal_monitor"_s);
        QVERIFY(ex.start());
        TestClient c("watched", ProtocolVersion::V5);
        QVERIFY(c.open(ex.port(), makeConnect(ProtocolVersion::V5, "watched")));
        QVERIFY(c.subscribe("w/#"));
        QVERIFY(c.publish(makePublish("w/a", "12345")));
        QVERIFY(c.receivePublish());
        QVERIFY(c.disconnect());
        QVERIFY(ex.printed(u"connected watched from 127\\.0\\.0\\.1:\\d+"_s));
        QVERIFY(ex.printed(u"subscribed watched to w/#"_s));
        QVERIFY(ex.printed(u"published w/a by watched \\(5 bytes\\)"_s));
        QVERIFY(ex.printed(u"disconnected watched reason 0x00"_s));
    }
};

QTEST_MAIN(TestExamples)
#include "tst_examples.moc"
