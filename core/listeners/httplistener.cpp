#include "httplistener.h"

#include "adminapi.h"
#include "sysinfo.h"

#include <QAbstractHttpServer>
#include <QHttpServerRequest>
#include <QHttpServerResponder>
#include <QLoggingCategory>
#include <QTcpSocket>

Q_DECLARE_LOGGING_CATEGORY(lcListener)

namespace petrel {

class HttpListener::Server final : public QAbstractHttpServer {
public:
    Server(bool full, ListenerContext context, QString adminToken, QObject *parent)
        : QAbstractHttpServer(parent), m_full(full), m_context(std::move(context)),
          m_adminToken(std::move(adminToken))
    {
    }

protected:
    bool handleRequest(const QHttpServerRequest &request, QTcpSocket *socket) override
    {
        using Status = QHttpServerResponder::StatusCode;
        QHttpServerResponder responder = makeResponder(request, socket);
        const QString path = request.url().path();
        if (m_full && isAdminApiPath(path)) {
            answerAdmin(request, responder);
            return true;
        }
        const bool known = path == QLatin1String("/healthcheck") ||
                           (m_full && (path == QLatin1String("/") || path == QLatin1String("/metrics")));
        if (!known) {
            responder.write(QByteArrayLiteral("{\"error\":\"not found\"}\n"), "application/json",
                            Status::NotFound);
            return true;
        }
        const auto method = request.method();
        if (method != QHttpServerRequest::Method::Get && method != QHttpServerRequest::Method::Head) {
            responder.write(QByteArrayLiteral("{\"error\":\"method not allowed\"}\n"),
                            {{"Content-Type", "application/json"}, {"Allow", "GET, HEAD"}},
                            Status::MethodNotAllowed);
            return true;
        }
        if (path == QLatin1String("/healthcheck")) {
            responder.write(QByteArrayLiteral("{\"ok\":true}\n"), "application/json", Status::Ok);
            return true;
        }
        const sysinfo::Snapshot snapshot = sysinfo::takeSnapshot(m_context.stats(), m_context.version);
        const bool metrics = path == QLatin1String("/metrics");
        const QByteArray body = metrics ? sysinfo::prometheus(snapshot) : sysinfo::json(snapshot);
        const QByteArray type = metrics ? QByteArray(sysinfo::kPrometheusContentType) : "application/json";
        if (method == QHttpServerRequest::Method::Head) {
            // Headers only: a body after a HEAD answer would be read as the next response.
            responder.writeStatusLine(Status::Ok);
            responder.writeHeader("Content-Type", type);
            responder.writeHeader("Content-Length", QByteArray::number(body.size()));
            responder.writeBody(QByteArray());
            return true;
        }
        responder.write(body, type, Status::Ok);
        return true;
    }

    void missingHandler(const QHttpServerRequest &request, QTcpSocket *socket) override
    {
        makeResponder(request, socket).write(QHttpServerResponder::StatusCode::NotFound);
    }

private:
    static QByteArray methodName(QHttpServerRequest::Method m)
    {
        using M = QHttpServerRequest::Method;
        switch (m) {
        case M::Get:
            return "GET";
        case M::Put:
            return "PUT";
        case M::Delete:
            return "DELETE";
        case M::Post:
            return "POST";
        case M::Head:
            return "HEAD";
        case M::Options:
            return "OPTIONS";
        case M::Patch:
            return "PATCH";
        default:
            return "OTHER";
        }
    }

    void answerAdmin(const QHttpServerRequest &request, QHttpServerResponder &responder)
    {
        AdminRequest r{methodName(request.method()), request.url(), request.value("Authorization"),
                       request.body()};
        const AdminResponse answer = handleAdminApi(r, *m_context.core, m_adminToken, m_context.stats);
        responder.writeStatusLine(QHttpServerResponder::StatusCode(answer.status));
        responder.writeHeader("Content-Type", "application/json");
        responder.writeHeader("Cache-Control", "no-store");
        for (const auto &h : answer.headers)
            responder.writeHeader(h.first, h.second);
        // HEAD: the headers of the GET answer, no body.
        responder.writeHeader("Content-Length", QByteArray::number(answer.body.size()));
        responder.writeBody(r.method == "HEAD" ? QByteArray() : answer.body);
    }

    const bool m_full;
    const ListenerContext m_context;
    const QString m_adminToken;
};

HttpListener::HttpListener(ListenerConfig config, ListenerContext context, QObject *parent)
    : Listener(std::move(config), std::move(context), parent)
{
}

HttpListener::~HttpListener()
{
    close();
}

bool HttpListener::listen(QString *error)
{
    const auto fail = [&](const QString &why) {
        if (error) *error = QStringLiteral("%1: %2").arg(describe(), why);
        return false;
    };
    QString why;
    const auto address = parseListenAddress(m_config.address, &why);
    if (!address) return fail(QStringLiteral("bad address \"%1\": %2").arg(m_config.address, why));
    auto *tcp = new QTcpServer;
    if (!tcp->listen(address->host, address->port)) {
        const QString reason = tcp->errorString();
        delete tcp;
        return fail(QStringLiteral("cannot listen: %1").arg(reason));
    }
    m_http = new Server(m_config.type == QLatin1String("sysinfo"), m_context, m_config.adminToken, this);
    m_http->bind(tcp); // takes ownership
    m_tcp = tcp;
    qCInfo(lcListener).noquote() << describe() << "listening";
    return true;
}

void HttpListener::close()
{
    if (!m_http) return;
    m_tcp->close();
    delete m_http; // deletes m_tcp and the open HTTP connections
    m_http = nullptr;
    m_tcp = nullptr;
}

quint16 HttpListener::serverPort() const
{
    return m_tcp ? m_tcp->serverPort() : 0;
}

QString HttpListener::boundAddress() const
{
    return m_tcp ? formatHostPort(m_tcp->serverAddress(), m_tcp->serverPort()) : QString();
}

} // namespace petrel
