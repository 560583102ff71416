// HTTP listeners with curl (sysinfo JSON, /healthcheck, Prometheus /metrics) and the $SYS
// topic tree as a subscriber to $SYS/# sees it.
#include "listener_test_util.h"
#include "support/test_client.h"

#include "broker/broker.h"
#include "listeners/sysinfo.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QSet>
#include <QTest>

using namespace petrel;
using namespace petrel::packets;
using namespace petrel::test;

namespace {

struct HttpReply {
    int status = 0;
    QByteArray contentType;
    QByteArray body;
};

// curl -s -i: status line, headers, body.
std::optional<HttpReply> curl(const QString &url, const QStringList &extra = {})
{
    const ProcessResult r =
        runProcess(QStringLiteral("curl"), QStringList{QStringLiteral("-s"), QStringLiteral("-i"),
                                                       QStringLiteral("--max-time"), QStringLiteral("10")} +
                                               extra + QStringList{url});
    if (!r.ok()) {
        qWarning().noquote() << "curl failed:" << r.describe();
        return std::nullopt;
    }
    HttpReply reply;
    const qsizetype end = r.out.indexOf("\r\n\r\n");
    if (end < 0) return std::nullopt;
    const QList<QByteArray> head = r.out.left(end).split('\n');
    reply.status = head.value(0).split(' ').value(1).toInt();
    for (const QByteArray &line : head) {
        if (line.toLower().startsWith("content-type:")) reply.contentType = line.mid(13).trimmed();
    }
    reply.body = r.out.mid(end + 4);
    return reply;
}

// Value of a metric line "petrel_<name> <value>".
std::optional<qint64> metric(const QByteArray &text, const QByteArray &name)
{
    for (const QByteArray &line : text.split('\n')) {
        if (line.startsWith(name + ' ')) return line.mid(name.size() + 1).toLongLong();
    }
    return std::nullopt;
}

} // namespace

class tst_ListenersHttp : public QObject {
    Q_OBJECT

    std::unique_ptr<Broker> m_broker;

    bool startBroker(const QList<ListenerConfig> &listeners, Options options = quietOptions())
    {
        options.listeners = listeners;
        m_broker = std::make_unique<Broker>(options);
        QString error;
        if (!m_broker->start(&error)) {
            qWarning().noquote() << "broker did not start:" << error;
            return false;
        }
        return true;
    }
    QString url(const QString &id, const QString &path) const
    {
        return QStringLiteral("http://127.0.0.1:%1%2").arg(m_broker->serverPort(id)).arg(path);
    }

private Q_SLOTS:
    void init()
    {
        if (!haveProgram(QStringLiteral("curl"))) QSKIP("needs curl");
    }
    void cleanup() { m_broker.reset(); }

    void sysinfo_json()
    {
        QVERIFY(startBroker({listenerConfig(QStringLiteral("tcp"), QStringLiteral("t")),
                             listenerConfig(QStringLiteral("sysinfo"), QStringLiteral("stats"))}));
        TestClient c("c");
        QVERIFY(c.open(m_broker->serverPort(QStringLiteral("t")), makeConnect(ProtocolVersion::V311, "c")));
        QVERIFY(c.subscribe("a/#"));
        auto reply = curl(url(QStringLiteral("stats"), QStringLiteral("/")));
        QVERIFY(reply);
        QCOMPARE(reply->status, 200);
        QCOMPARE(reply->contentType, QByteArray("application/json"));
        QJsonParseError error;
        const QJsonObject o = QJsonDocument::fromJson(reply->body, &error).object();
        QVERIFY2(error.error == QJsonParseError::NoError, qPrintable(error.errorString()));
        // Mochi's system.Info field names.
        for (const char *key : {"version",
                                "started",
                                "time",
                                "uptime",
                                "bytes_received",
                                "bytes_sent",
                                "clients_connected",
                                "clients_disconnected",
                                "clients_maximum",
                                "clients_total",
                                "messages_received",
                                "messages_sent",
                                "messages_dropped",
                                "retained",
                                "inflight",
                                "subscriptions",
                                "packets_received",
                                "packets_sent",
                                "memory_alloc",
                                "threads"}) {
            QVERIFY2(o.contains(QLatin1String(key)), key);
        }
        QCOMPARE(o.value(QStringLiteral("clients_connected")).toInteger(), 1);
        QCOMPARE(o.value(QStringLiteral("subscriptions")).toInteger(), 1);
        QVERIFY(o.value(QStringLiteral("memory_alloc")).toInteger() > 0);
        QVERIFY(o.value(QStringLiteral("threads")).toInteger() >= 3);
        QVERIFY(!o.value(QStringLiteral("version")).toString().isEmpty());
    }

    void sysinfo_healthcheck()
    {
        QVERIFY(startBroker({listenerConfig(QStringLiteral("sysinfo"), QStringLiteral("stats"))}));
        auto reply = curl(url(QStringLiteral("stats"), QStringLiteral("/healthcheck")));
        QVERIFY(reply);
        QCOMPARE(reply->status, 200);
        QCOMPARE(QJsonDocument::fromJson(reply->body).object().value(QStringLiteral("ok")).toBool(), true);
    }

    void sysinfo_metrics()
    {
        QVERIFY(startBroker({listenerConfig(QStringLiteral("tcp"), QStringLiteral("t")),
                             listenerConfig(QStringLiteral("sysinfo"), QStringLiteral("stats"))}));
        const quint16 port = m_broker->serverPort(QStringLiteral("t"));
        TestClient sub("sub"), pub("pub");
        QVERIFY(sub.open(port, makeConnect(ProtocolVersion::V5, "sub")));
        QVERIFY(sub.subscribe("m/#", 1));
        QVERIFY(pub.open(port, makeConnect(ProtocolVersion::V5, "pub")));
        QVERIFY(pub.publishQos1(makePublish("m/1", "payload", 1, true)));
        QVERIFY(sub.receivePublish());

        auto reply = curl(url(QStringLiteral("stats"), QStringLiteral("/metrics")));
        QVERIFY(reply);
        QCOMPARE(reply->status, 200);
        QVERIFY2(reply->contentType.startsWith("text/plain; version=0.0.4"), reply->contentType.constData());
        const QByteArray &text = reply->body;
        // Every sample line is "name value" or "name{labels} value"; every metric has HELP and TYPE.
        static const QRegularExpression sample(QStringLiteral(R"(^petrel_[a-z_]+(\{[^}]*\})? -?\d+$)"));
        for (const QByteArray &line : text.split('\n')) {
            if (line.isEmpty() || line.startsWith('#')) continue;
            QVERIFY2(sample.match(QString::fromUtf8(line)).hasMatch(), line.constData());
        }
        for (const char *name :
             {"petrel_clients_connected", "petrel_clients_total", "petrel_clients_maximum",
              "petrel_messages_received_total", "petrel_messages_sent_total", "petrel_messages_dropped_total",
              "petrel_bytes_received_total", "petrel_bytes_sent_total", "petrel_retained_messages",
              "petrel_inflight_messages", "petrel_subscriptions", "petrel_uptime_seconds"}) {
            QVERIFY2(metric(text, name).has_value(), name);
            QVERIFY2(text.contains(QByteArray("# TYPE ") + name + ' '), name);
        }
        QCOMPARE(metric(text, "petrel_clients_connected"), std::optional<qint64>(2));
        QCOMPARE(metric(text, "petrel_subscriptions"), std::optional<qint64>(1));
        QCOMPARE(metric(text, "petrel_retained_messages"), std::optional<qint64>(1));
        QVERIFY(*metric(text, "petrel_messages_received_total") >= 1);
        QVERIFY(*metric(text, "petrel_messages_sent_total") >= 1);
        QVERIFY(*metric(text, "petrel_bytes_received_total") > 0);
        QVERIFY(*metric(text, "petrel_bytes_sent_total") > 0);
        QVERIFY(text.contains("# TYPE petrel_messages_received_total counter"));
        QVERIFY(text.contains("petrel_build_info{version=\""));
    }

    void sysinfo_errors()
    {
        QVERIFY(startBroker({listenerConfig(QStringLiteral("sysinfo"), QStringLiteral("stats"))}));
        auto missing = curl(url(QStringLiteral("stats"), QStringLiteral("/nothing-here")));
        QVERIFY(missing);
        QCOMPARE(missing->status, 404);
        auto post =
            curl(url(QStringLiteral("stats"), QStringLiteral("/healthcheck")),
                 {QStringLiteral("-X"), QStringLiteral("POST"), QStringLiteral("-d"), QStringLiteral("x")});
        QVERIFY(post);
        QCOMPARE(post->status, 405);
    }

    // HEAD: the headers of GET, no body (pipelined requests still line up: checked by curl's
    // own parsing of the Content-Length it is given).
    void sysinfo_head()
    {
        QVERIFY(startBroker({listenerConfig(QStringLiteral("sysinfo"), QStringLiteral("stats"))}));
        for (const QString &path : {QStringLiteral("/"), QStringLiteral("/metrics")}) {
            auto reply = curl(url(QStringLiteral("stats"), path), {QStringLiteral("-I")});
            QVERIFY(reply);
            QCOMPARE(reply->status, 200);
            QVERIFY(reply->body.isEmpty());
            QVERIFY(!reply->contentType.isEmpty());
        }
    }

    void healthcheck_onlyHealthcheck()
    {
        QVERIFY(startBroker({listenerConfig(QStringLiteral("healthcheck"), QStringLiteral("health"))}));
        auto ok = curl(url(QStringLiteral("health"), QStringLiteral("/healthcheck")));
        QVERIFY(ok);
        QCOMPARE(ok->status, 200);
        for (const QString &path : {QStringLiteral("/"), QStringLiteral("/metrics")}) {
            auto reply = curl(url(QStringLiteral("health"), path));
            QVERIFY(reply);
            QCOMPARE(reply->status, 404);
        }
    }

    // ---- $SYS --------------------------------------------------------------------------

    void sysTopics_publishedRetained()
    {
        Options o = quietOptions();
        o.sysTopicResendInterval = 1;
        QVERIFY(startBroker({listenerConfig(QStringLiteral("tcp"), QStringLiteral("t"))}, o));
        const quint16 port = m_broker->serverPort(QStringLiteral("t"));
        // Something to count.
        TestClient other("other");
        QVERIFY(other.open(port, makeConnect(ProtocolVersion::V311, "other")));
        QVERIFY(other.subscribe("x/#"));

        // Wait until the publisher has run at least once (retained on the first publish).
        QTRY_VERIFY_WITH_TIMEOUT(m_broker->stats().retained >= 15, 5000);
        TestClient c("sys");
        QVERIFY(c.open(port, makeConnect(ProtocolVersion::V311, "sys")));
        QVERIFY(c.subscribe("$SYS/#"));
        const QList<QByteArray> names = {"$SYS/broker/version",
                                         "$SYS/broker/uptime",
                                         "$SYS/broker/clients/connected",
                                         "$SYS/broker/clients/total",
                                         "$SYS/broker/clients/maximum",
                                         "$SYS/broker/messages/received",
                                         "$SYS/broker/messages/sent",
                                         "$SYS/broker/messages/dropped",
                                         "$SYS/broker/bytes/received",
                                         "$SYS/broker/bytes/sent",
                                         "$SYS/broker/subscriptions/count",
                                         "$SYS/broker/retained/count",
                                         "$SYS/broker/inflight",
                                         "$SYS/broker/memory/used",
                                         "$SYS/broker/threads",
                                         "$SYS/broker/load/bytes/received",
                                         "$SYS/broker/system/memory",
                                         "$SYS/broker/clients/disconnected"};
        // First the retained values, then at least one live round a second later.
        QHash<QByteArray, QByteArray> values; // latest
        QHash<QByteArray, int> seen;
        QSet<QByteArray> retained;
        QList<qint64> uptimes;
        const auto complete = [&] {
            for (const QByteArray &name : names)
                if (seen.value(name) < 2) return false;
            return true;
        };
        const QDeadlineTimer deadline(8000);
        while (!deadline.hasExpired() && !complete()) {
            auto p = c.receivePublish(int(qMax<qint64>(1, deadline.remainingTime())));
            if (!p) break;
            values.insert(p->topic, p->payload);
            ++seen[p->topic];
            if (p->retain) retained.insert(p->topic);
            if (p->topic == "$SYS/broker/uptime") uptimes.append(p->payload.toLongLong());
        }
        for (const QByteArray &name : names) {
            QVERIFY2(seen.value(name) >= 2, name.constData());
            QVERIFY2(retained.contains(name), (name + " was not delivered as retained").constData());
        }
        QVERIFY(uptimes.size() >= 2);
        QVERIFY(uptimes.last() >= uptimes.first()); // published again one interval later
        QVERIFY(values.value("$SYS/broker/clients/connected").toLongLong() >= 1);
        QVERIFY(values.value("$SYS/broker/subscriptions/count").toLongLong() >= 1);
        QVERIFY(values.value("$SYS/broker/memory/used").toLongLong() > 0);
        QVERIFY(!values.value("$SYS/broker/version").isEmpty());
    }

    void sysTopics_offWhenIntervalZero()
    {
        QVERIFY(startBroker({listenerConfig(QStringLiteral("tcp"), QStringLiteral("t"))}));
        TestClient c("sys");
        QVERIFY(c.open(m_broker->serverPort(QStringLiteral("t")), makeConnect(ProtocolVersion::V311, "sys")));
        QVERIFY(c.subscribe("$SYS/#"));
        QVERIFY(c.expectNoPacket(1500));
    }

    // Pure functions: every $SYS name appears once; the JSON is an object.
    void sysinfo_pureFunctions()
    {
        BrokerStats st;
        st.startedAtMs = 1000;
        st.clientsConnected = 3;
        st.clientsTotal = 5;
        const sysinfo::Snapshot s = sysinfo::takeSnapshot(st, QStringLiteral("9.9"));
        QSet<QByteArray> seen;
        for (const auto &[topic, payload] : sysinfo::sysTopics(s)) {
            QVERIFY2(!seen.contains(topic), topic.constData());
            seen.insert(topic);
            QVERIFY(topic.startsWith("$SYS/broker/"));
        }
        const QJsonObject o = QJsonDocument::fromJson(sysinfo::json(s)).object();
        QCOMPARE(o.value(QStringLiteral("clients_disconnected")).toInteger(), 2);
        QCOMPARE(o.value(QStringLiteral("version")).toString(), QStringLiteral("9.9"));
        QVERIFY(sysinfo::prometheus(s).contains("petrel_build_info{version=\"9.9\"} 1\n"));
    }
};

QTEST_MAIN(tst_ListenersHttp)
#include "tst_listeners_http.moc"
