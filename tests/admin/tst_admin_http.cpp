// The admin HTTP API over real HTTP (QNetworkAccessManager) against an in-process broker
// with a sysinfo listener that has an admin_token, and real MQTT clients.
#include "broker/admin.h"
#include "broker/broker.h"
#include "broker/logring.h"
#include "config/config.h"
#include "support/broker_fixture.h"
#include "support/test_client.h"

#include <QEventLoop>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QTest>
#include <QTimer>

using namespace petrel;
using namespace petrel::test;
using namespace petrel::packets;

Q_LOGGING_CATEGORY(lcAdminTest, "petrel.admintest")

namespace {

const QByteArray kToken = "s3cret-token";

struct Reply {
    int status = 0;
    QJsonObject json;
    QByteArray body;
    QByteArray header(const QByteArray &name) const { return headers.value(name.toLower()); }
    QHash<QByteArray, QByteArray> headers;
};

} // namespace

class TestAdminHttp : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();
    void disabledWithoutToken();
    void refusesWrongToken();
    void stats();
    void clientsSessionsAndOne();
    void clientPages();
    void subscriptions();
    void retainedAndDelete();
    void disconnectClient();
    void deleteSession();
    void publish();
    void publishBadInput();
    void logTail();
    void unknownPathsAndMethods();
    void configKey();
    void messageStream();

private:
    Reply request(const QByteArray &method, const QString &pathAndQuery, const QByteArray &body = {},
                  const QByteArray &token = kToken, quint16 port = 0);
    std::unique_ptr<Broker> m_broker;
    quint16 m_mqtt = 0;
    quint16 m_http = 0;
    QNetworkAccessManager m_nam;
};

void TestAdminHttp::initTestCase()
{
    LogRing::install();
}

void TestAdminHttp::init()
{
    Options o = BrokerFixture::defaultOptions();
    ListenerConfig http;
    http.type = QStringLiteral("sysinfo");
    http.id = QStringLiteral("http");
    http.address = QStringLiteral("127.0.0.1:0");
    http.adminToken = QString::fromLatin1(kToken);
    o.listeners.append(http);
    ListenerConfig plain = http;
    plain.id = QStringLiteral("http-plain");
    plain.adminToken.clear();
    o.listeners.append(plain);
    m_broker = std::make_unique<Broker>(o);
    QVERIFY(m_broker->start());
    m_mqtt = m_broker->listenTcp(QStringLiteral("mqtt"), QHostAddress::LocalHost, 0);
    m_http = m_broker->serverPort(QStringLiteral("http"));
    QVERIFY(m_mqtt && m_http);
}

void TestAdminHttp::cleanup()
{
    m_broker.reset();
}

Reply TestAdminHttp::request(const QByteArray &method, const QString &pathAndQuery, const QByteArray &body,
                             const QByteArray &token, quint16 port)
{
    QNetworkRequest req(
        QUrl(QStringLiteral("http://127.0.0.1:%1%2").arg(port ? port : m_http).arg(pathAndQuery)));
    if (!token.isEmpty()) req.setRawHeader("Authorization", "Bearer " + token);
    if (!body.isEmpty())
        req.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
    QNetworkReply *r = m_nam.sendCustomRequest(req, method, body);
    QEventLoop loop;
    QTimer::singleShot(5000, &loop, &QEventLoop::quit);
    connect(r, &QNetworkReply::finished, &loop, &QEventLoop::quit);
    loop.exec();
    Reply out;
    if (!r->isFinished()) {
        r->abort();
        qWarning() << "request timed out:" << method << pathAndQuery;
    }
    out.status = r->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    out.body = r->readAll();
    out.json = QJsonDocument::fromJson(out.body).object();
    for (const auto &h : r->rawHeaderPairs())
        out.headers.insert(h.first.toLower(), h.second);
    r->deleteLater();
    return out;
}

void TestAdminHttp::disabledWithoutToken()
{
    const quint16 plain = m_broker->serverPort(QStringLiteral("http-plain"));
    const Reply r = request("GET", QStringLiteral("/api/v1/stats"), {}, kToken, plain);
    QCOMPARE(r.status, 403);
    QVERIFY(r.json.value(QStringLiteral("error")).toString().contains(QStringLiteral("admin_token")));
    // The rest of the listener works as before.
    QCOMPARE(request("GET", QStringLiteral("/healthcheck"), {}, {}, plain).status, 200);
}

void TestAdminHttp::refusesWrongToken()
{
    Reply r = request("GET", QStringLiteral("/api/v1/clients"), {}, "wrong");
    QCOMPARE(r.status, 401);
    QVERIFY(r.header("WWW-Authenticate").startsWith("Bearer"));
    r = request("GET", QStringLiteral("/api/v1/clients"), {}, {});
    QCOMPARE(r.status, 401);
    r = request("GET", QStringLiteral("/api/v1/clients"), {}, kToken + "x");
    QCOMPARE(r.status, 401);
    // Public endpoints need no token.
    QCOMPARE(request("GET", QStringLiteral("/healthcheck"), {}, {}).status, 200);
}

void TestAdminHttp::stats()
{
    TestClient c("c");
    QVERIFY(c.open(m_mqtt, makeConnect(ProtocolVersion::V311, "stats-1")));
    QVERIFY(c.publishAndWait(makePublish("s/t", "x", 1)));
    const Reply r = request("GET", QStringLiteral("/api/v1/stats"));
    QCOMPARE(r.status, 200);
    QCOMPARE(r.header("Content-Type"), QByteArray("application/json"));
    QCOMPARE(r.json.value(QStringLiteral("clients_connected")).toInt(), 1);
    QVERIFY(r.json.value(QStringLiteral("messages_received")).toInt() >= 1);
    QVERIFY(r.json.value(QStringLiteral("memory_rss_bytes")).toInteger() > 0);
    QCOMPARE(r.json.value(QStringLiteral("threads")).toInt(), 2);
    QVERIFY(r.json.contains(QStringLiteral("connections_moved")));
    QCOMPARE(r.json.value(QStringLiteral("connections_moved")).toInteger(-1), 0);
}

void TestAdminHttp::clientsSessionsAndOne()
{
    TestClient a("a", ProtocolVersion::V5);
    QVERIFY(a.open(m_mqtt, makeConnect(ProtocolVersion::V5, "dev/with/slash")));
    QVERIFY(a.subscribe("x/+", 1));
    TestClient b("b");
    QVERIFY(b.open(m_mqtt, makeConnect(ProtocolVersion::V311, "plain-b")));
    Reply r = request("GET", QStringLiteral("/api/v1/clients"));
    QCOMPARE(r.status, 200);
    const QJsonArray list = r.json.value(QStringLiteral("clients")).toArray();
    QCOMPARE(list.size(), 2);
    QCOMPARE(list[0].toObject().value(QStringLiteral("client_id")).toString(),
             QStringLiteral("dev/with/slash"));
    QCOMPARE(list[0].toObject().value(QStringLiteral("protocol_version")).toInt(), 5);
    QCOMPARE(list[0].toObject().value(QStringLiteral("subscriptions")).toInt(), 1);
    QVERIFY(list[1].toObject().value(QStringLiteral("connected")).toBool());
    // Connected one after the other: dealt to the two workers in turn.
    const int w0 = list[0].toObject().value(QStringLiteral("worker")).toInt(-1);
    const int w1 = list[1].toObject().value(QStringLiteral("worker")).toInt(-1);
    QVERIFY2((w0 == 0 && w1 == 1) || (w0 == 1 && w1 == 0),
             qPrintable(QStringLiteral("%1 %2").arg(w0).arg(w1)));
    r = request("GET", QStringLiteral("/api/v1/sessions"));
    QCOMPARE(r.json.value(QStringLiteral("sessions")).toArray().size(), 2);

    r = request("GET", QStringLiteral("/api/v1/clients/dev%2Fwith%2Fslash"));
    QCOMPARE(r.status, 200);
    QCOMPARE(r.json.value(QStringLiteral("client_id")).toString(), QStringLiteral("dev/with/slash"));
    const QJsonArray subs = r.json.value(QStringLiteral("subscription_list")).toArray();
    QCOMPARE(subs.size(), 1);
    QCOMPARE(subs[0].toObject().value(QStringLiteral("filter")).toString(), QStringLiteral("x/+"));
    QCOMPARE(request("GET", QStringLiteral("/api/v1/clients/nobody")).status, 404);
}

// ?after_id=&limit=: the client list in pages keyed by id; a walk sees every client once
// even when the client a page ended on has gone meanwhile.
void TestAdminHttp::clientPages()
{
    std::vector<std::unique_ptr<TestClient>> clients;
    for (const char *id : {"page-0", "page-1", "page-2", "page-3", "page-4"}) {
        clients.push_back(std::make_unique<TestClient>(id));
        QVERIFY(clients.back()->open(m_mqtt, makeConnect(ProtocolVersion::V311, id)));
    }
    const auto ids = [](const Reply &r, const QString &key = QStringLiteral("clients")) {
        QStringList out;
        for (const QJsonValue &v : r.json.value(key).toArray())
            out << v.toObject().value(QStringLiteral("client_id")).toString();
        return out;
    };
    Reply r = request("GET", QStringLiteral("/api/v1/clients?limit=2"));
    QCOMPARE(r.status, 200);
    QCOMPARE(ids(r), (QStringList{QStringLiteral("page-0"), QStringLiteral("page-1")}));
    QCOMPARE(r.json.value(QStringLiteral("total")).toInt(), 5);
    QCOMPARE(r.json.value(QStringLiteral("next_after_id")).toString(), QStringLiteral("page-1"));
    // page-1 leaves before the next page is asked for: the walk goes on after its id.
    clients[1].reset();
    QTRY_COMPARE_WITH_TIMEOUT(ids(request("GET", QStringLiteral("/api/v1/clients"))).size(), 4, 5000);
    r = request("GET", QStringLiteral("/api/v1/clients?after_id=page-1&limit=2"));
    QCOMPARE(ids(r), (QStringList{QStringLiteral("page-2"), QStringLiteral("page-3")}));
    QCOMPARE(r.json.value(QStringLiteral("total")).toInt(), 4);
    QCOMPARE(r.json.value(QStringLiteral("next_after_id")).toString(), QStringLiteral("page-3"));
    r = request("GET", QStringLiteral("/api/v1/sessions?after_id=page-3&limit=2"));
    QCOMPARE(ids(r, QStringLiteral("sessions")), QStringList{QStringLiteral("page-4")});
    QVERIFY(!r.json.contains(QStringLiteral("next_after_id"))); // the last page
    // after_id alone: the rest of the list; ids are percent-encoded.
    r = request("GET", QStringLiteral("/api/v1/clients?after_id=page%2D2"));
    QCOMPARE(ids(r), (QStringList{QStringLiteral("page-3"), QStringLiteral("page-4")}));
    // Unpaged answers stay as they were (no total).
    QVERIFY(!request("GET", QStringLiteral("/api/v1/clients")).json.contains(QStringLiteral("total")));
    for (const QString &bad :
         {QStringLiteral("limit=0"), QStringLiteral("limit=x"), QStringLiteral("limit=100001")}) {
        r = request("GET", QStringLiteral("/api/v1/clients?") + bad);
        QCOMPARE(r.status, 400);
        QVERIFY(r.json.value(QStringLiteral("error")).toString().startsWith(QStringLiteral("limit")));
    }
}

void TestAdminHttp::subscriptions()
{
    TestClient a("a", ProtocolVersion::V5);
    QVERIFY(a.open(m_mqtt, makeConnect(ProtocolVersion::V5, "sub-a")));
    QVERIFY(a.subscribe("$share/g1/jobs/#", 2));
    TestClient b("b");
    QVERIFY(b.open(m_mqtt, makeConnect(ProtocolVersion::V311, "sub-b")));
    QVERIFY(b.subscribe("b/only", 0));
    Reply r = request("GET", QStringLiteral("/api/v1/subscriptions"));
    QCOMPARE(r.status, 200);
    QJsonArray list = r.json.value(QStringLiteral("subscriptions")).toArray();
    QCOMPARE(list.size(), 2);
    const QJsonObject shared = list[0].toObject();
    QCOMPARE(shared.value(QStringLiteral("share_group")).toString(), QStringLiteral("g1"));
    QCOMPARE(shared.value(QStringLiteral("qos")).toInt(), 2);
    r = request("GET", QStringLiteral("/api/v1/subscriptions?client=sub-b"));
    list = r.json.value(QStringLiteral("subscriptions")).toArray();
    QCOMPARE(list.size(), 1);
    QCOMPARE(list[0].toObject().value(QStringLiteral("filter")).toString(), QStringLiteral("b/only"));
}

void TestAdminHttp::retainedAndDelete()
{
    TestClient c("c");
    QVERIFY(c.open(m_mqtt, makeConnect(ProtocolVersion::V311, "ret-http")));
    QVERIFY(c.publishAndWait(makePublish("home/temp", "21.5", 1, true)));
    QVERIFY(c.publishAndWait(makePublish("home/raw", QByteArray("\x01\x02", 2), 1, true)));
    const auto topics = [&] {
        QStringList out;
        for (const QJsonValue &v : request("GET", QStringLiteral("/api/v1/retained"))
                                       .json.value(QStringLiteral("retained"))
                                       .toArray())
            if (!v.toObject().value(QStringLiteral("topic")).toString().startsWith(QStringLiteral("$SYS")))
                out << v.toObject().value(QStringLiteral("topic")).toString();
        return out;
    };
    QTRY_COMPARE_WITH_TIMEOUT(topics(),
                              (QStringList{QStringLiteral("home/raw"), QStringLiteral("home/temp")}), 3000);
    const Reply r = request("GET", QStringLiteral("/api/v1/retained"));
    for (const QJsonValue &v : r.json.value(QStringLiteral("retained")).toArray()) {
        const QJsonObject o = v.toObject();
        if (o.value(QStringLiteral("topic")).toString() == QStringLiteral("home/temp"))
            QCOMPARE(o.value(QStringLiteral("payload")).toString(), QStringLiteral("21.5"));
        if (o.value(QStringLiteral("topic")).toString() == QStringLiteral("home/raw"))
            QCOMPARE(QByteArray::fromBase64(o.value(QStringLiteral("payload_base64")).toString().toLatin1()),
                     QByteArray("\x01\x02", 2));
    }
    QCOMPARE(request("DELETE", QStringLiteral("/api/v1/retained?topic=home%2Ftemp")).status, 200);
    QCOMPARE(topics(), QStringList{QStringLiteral("home/raw")});
    QCOMPARE(request("DELETE", QStringLiteral("/api/v1/retained?topic=home%2Ftemp")).status, 404);
    QCOMPARE(request("DELETE", QStringLiteral("/api/v1/retained")).status, 400);
}

void TestAdminHttp::disconnectClient()
{
    TestClient c("c", ProtocolVersion::V5);
    QVERIFY(c.open(m_mqtt, makeConnect(ProtocolVersion::V5, "kick-http")));
    Reply r = request("POST", QStringLiteral("/api/v1/clients/kick-http/disconnect"), "{\"reason\": 135}");
    QCOMPARE(r.status, 200);
    QVERIFY(c.expectServerDisconnect(0x87));
    r = request("POST", QStringLiteral("/api/v1/clients/kick-http/disconnect"), "{\"reason\": 152}");
    QCOMPARE(r.status, 404);
    TestClient d("d", ProtocolVersion::V5);
    QVERIFY(d.open(m_mqtt, makeConnect(ProtocolVersion::V5, "kick-bad")));
    r = request("POST", QStringLiteral("/api/v1/clients/kick-bad/disconnect"), "{\"reason\": 134}");
    QCOMPARE(r.status, 400);
    r = request("POST", QStringLiteral("/api/v1/clients/kick-bad/disconnect"), "{\"reason\": \"x\"}");
    QCOMPARE(r.status, 400);
    r = request("POST", QStringLiteral("/api/v1/clients/kick-bad/disconnect"), "{not json");
    QCOMPARE(r.status, 400);
    QVERIFY(r.json.value(QStringLiteral("error")).toString().contains(QStringLiteral("JSON")));
    QVERIFY(d.ping());
    // Default reason: 0x98 administrative action.
    QCOMPARE(request("POST", QStringLiteral("/api/v1/clients/kick-bad/disconnect")).status, 200);
    QVERIFY(d.expectServerDisconnect(0x98));
}

void TestAdminHttp::deleteSession()
{
    {
        TestClient c("c");
        QVERIFY(c.open(m_mqtt, makeConnect(ProtocolVersion::V311, "persist-1", false)));
        QVERIFY(c.subscribe("p/#", 1));
        QVERIFY(c.disconnect());
    }
    QTRY_VERIFY_WITH_TIMEOUT(!request("GET", QStringLiteral("/api/v1/clients/persist-1"))
                                  .json.value(QStringLiteral("connected"))
                                  .toBool(),
                             3000);
    QCOMPARE(request("DELETE", QStringLiteral("/api/v1/sessions/persist-1")).status, 200);
    QCOMPARE(request("GET", QStringLiteral("/api/v1/clients/persist-1")).status, 404);
    QCOMPARE(request("DELETE", QStringLiteral("/api/v1/sessions/persist-1")).status, 404);
    QCOMPARE(m_broker->stats().subscriptions, 0);
}

void TestAdminHttp::publish()
{
    TestClient s("s", ProtocolVersion::V5);
    QVERIFY(s.open(m_mqtt, makeConnect(ProtocolVersion::V5, "pub-sub")));
    QVERIFY(s.subscribe("api/#", 1));
    Reply r = request("POST", QStringLiteral("/api/v1/publish"),
                      "{\"topic\":\"api/one\",\"payload\":\"héllo\",\"qos\":1,\"retain\":true, "
                      "\"properties\":{\"content_type\":\"text/plain\",\"user_properties\":[[\"k\",\"v\"]], "
                      "\"message_expiry_interval\":60}}");
    QCOMPARE(r.status, 200);
    auto p = s.receivePublish();
    QVERIFY(p);
    QCOMPARE(p->topic, QByteArray("api/one"));
    QCOMPARE(p->payload, QStringLiteral("héllo").toUtf8());
    QCOMPARE(p->qos, 1);
    QCOMPARE(p->properties.contentType, QByteArray("text/plain"));
    QCOMPARE(p->properties.userProperties.size(), 1);
    QVERIFY(p->properties.has(PropertyId::MessageExpiryInterval));
    QVERIFY(s.acknowledge(*p));
    r = request("POST", QStringLiteral("/api/v1/publish"),
                "{\"topic\":\"api/bin\",\"payload_base64\":\"AAH/\"}");
    QCOMPARE(r.status, 200);
    p = s.receivePublish();
    QVERIFY(p);
    QCOMPARE(p->payload, QByteArray("\x00\x01\xff", 3));
    // Retained: in the retained list.
    bool found = false;
    for (const QJsonValue &v :
         request("GET", QStringLiteral("/api/v1/retained")).json.value(QStringLiteral("retained")).toArray())
        found |= v.toObject().value(QStringLiteral("topic")).toString() == QStringLiteral("api/one");
    QVERIFY(found);
}

void TestAdminHttp::publishBadInput()
{
    const auto err = [&](const QByteArray &body) {
        const Reply r = request("POST", QStringLiteral("/api/v1/publish"), body);
        if (r.status != 400) qWarning() << body << "->" << r.status << r.body;
        return r.status == 400 && !r.json.value(QStringLiteral("error")).toString().isEmpty();
    };
    QVERIFY(err("{\"payload\":\"x\"}"));
    QVERIFY(err("{\"topic\":\"a/#\"}"));
    QVERIFY(err("{\"topic\":\"a\",\"qos\":3}"));
    QVERIFY(err("{\"topic\":\"a\",\"retain\":\"yes\"}"));
    QVERIFY(err("{\"topic\":\"a\",\"payload\":\"x\",\"payload_base64\":\"eA==\"}"));
    QVERIFY(err("{\"topic\":\"a\",\"payload_base64\":\"!!\"}"));
    QVERIFY(err("{\"topic\":\"a\",\"properties\":{\"nope\":1}}"));
    QVERIFY(err("{\"topic\":\"a\",\"properties\":{\"user_properties\":[[\"k\"]]}}"));
    QVERIFY(err("{\"topic\":\"a\",\"properties\":{\"response_topic\":\"r/+\"}}"));
    QVERIFY(err("{\"topic\":\"a\",\"extra\":1}"));
    QVERIFY(err("[1,2]"));
    QCOMPARE(request("GET", QStringLiteral("/api/v1/publish")).status, 405);
}

void TestAdminHttp::logTail()
{
    const qint64 before = LogRing::instance().lastSeq();
    qCWarning(lcAdminTest) << "a warning for the log tail";
    qCInfo(lcAdminTest) << "an info line";
    Reply r = request("GET", QStringLiteral("/api/v1/log?after=%1").arg(before));
    QCOMPARE(r.status, 200);
    QJsonArray entries = r.json.value(QStringLiteral("entries")).toArray();
    QStringList messages;
    for (const QJsonValue &v : entries)
        if (v.toObject().value(QStringLiteral("category")).toString() == QStringLiteral("petrel.admintest"))
            messages << v.toObject().value(QStringLiteral("message")).toString();
    QCOMPARE(messages,
             (QStringList{QStringLiteral("a warning for the log tail"), QStringLiteral("an info line")}));
    QVERIFY(r.json.value(QStringLiteral("next_after")).toInteger() >= before + 2);
    r = request("GET", QStringLiteral("/api/v1/log?after=%1&level=warning").arg(before));
    entries = r.json.value(QStringLiteral("entries")).toArray();
    for (const QJsonValue &v : entries)
        QVERIFY(v.toObject().value(QStringLiteral("level")).toString() != QStringLiteral("info"));
    QCOMPARE(request("GET", QStringLiteral("/api/v1/log?level=loud")).status, 400);
    QCOMPARE(request("GET", QStringLiteral("/api/v1/log?limit=0")).status, 400);
}

void TestAdminHttp::unknownPathsAndMethods()
{
    QCOMPARE(request("GET", QStringLiteral("/api/v1/nothing")).status, 404);
    QCOMPARE(request("GET", QStringLiteral("/api/v2/stats")).status, 404);
    const Reply r = request("POST", QStringLiteral("/api/v1/stats"), "{}");
    QCOMPARE(r.status, 405);
    QCOMPARE(r.header("Allow"), QByteArray("GET"));
    QCOMPARE(request("PUT", QStringLiteral("/api/v1/clients"), "{}").status, 405);
}

void TestAdminHttp::configKey()
{
    config::ConfigError e;
    auto o = config::loadConfigString(
        "listeners:\n  - {type: sysinfo, id: h, address: \":8080\", admin_token: abc}\n",
        QStringLiteral("t.yaml"), &e);
    QVERIFY2(o, qPrintable(e.toString()));
    QCOMPARE(o->listeners.value(0).adminToken, QStringLiteral("abc"));
    o = config::loadConfigString("listeners:\n  - {type: tcp, id: t, address: \":1883\", admin_token: abc}\n",
                                 QStringLiteral("t.yaml"), &e);
    QVERIFY(!o);
    QCOMPARE(e.key, QStringLiteral("listeners[0].admin_token"));
    QVERIFY(e.message.contains(QStringLiteral("sysinfo")));
}

void TestAdminHttp::messageStream()
{
    TestClient c("c", ProtocolVersion::V5);
    QVERIFY(c.open(m_mqtt, makeConnect(ProtocolVersion::V5, "streamer")));
    Publish p = makePublish("stream/a", "one", 1);
    p.properties.userProperties.append({"k", "v"});
    QVERIFY(c.publishAndWait(p));
    QVERIFY(c.publishAndWait(makePublish("other/b", QByteArray("\x00\x01", 2), 1)));
    QCOMPARE(
        request("POST", QStringLiteral("/api/v1/publish"), "{\"topic\":\"stream/c\",\"payload\":\"three\"}")
            .status,
        200);
    QJsonArray all;
    qint64 next = 0;
    QTRY_VERIFY_WITH_TIMEOUT((all = request("GET", QStringLiteral("/api/v1/messages"))
                                        .json.value(QStringLiteral("messages"))
                                        .toArray())
                                     .size() >= 3,
                             3000);
    QCOMPARE(all[0].toObject().value(QStringLiteral("topic")).toString(), QStringLiteral("stream/a"));
    QCOMPARE(all[0].toObject().value(QStringLiteral("client_id")).toString(), QStringLiteral("streamer"));
    QCOMPARE(all[0].toObject().value(QStringLiteral("payload")).toString(), QStringLiteral("one"));
    QCOMPARE(all[0]
                 .toObject()
                 .value(QStringLiteral("properties"))
                 .toObject()
                 .value(QStringLiteral("user_properties"))
                 .toArray()
                 .size(),
             1);
    QVERIFY(!all[1].toObject().contains(QStringLiteral("payload"))); // not UTF-8: base64 only
    QCOMPARE(all[2].toObject().value(QStringLiteral("client_id")).toString(), QString()); // the server
    // Filtered, and only what is new after a sequence number.
    Reply r = request("GET", QStringLiteral("/api/v1/messages?filter=stream%2F%23"));
    QCOMPARE(r.json.value(QStringLiteral("messages")).toArray().size(), 2);
    next = r.json.value(QStringLiteral("next_after")).toInteger();
    r = request("GET", QStringLiteral("/api/v1/messages?after=%1").arg(next));
    QCOMPARE(r.json.value(QStringLiteral("messages")).toArray().size(), 0);
    QVERIFY(c.publishAndWait(makePublish("stream/d", "four", 1)));
    r = request("GET", QStringLiteral("/api/v1/messages?after=%1").arg(next));
    QCOMPARE(r.json.value(QStringLiteral("messages")).toArray().size(), 1);
    QCOMPARE(request("GET", QStringLiteral("/api/v1/messages?filter=a%2F%23%2Fb")).status, 400);
    QCOMPARE(request("GET", QStringLiteral("/api/v1/messages?limit=0")).status, 400);
}

QTEST_GUILESS_MAIN(TestAdminHttp)
#include "tst_admin_http.moc"
