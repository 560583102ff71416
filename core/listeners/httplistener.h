// HTTP listeners, on QtHttpServer's QAbstractHttpServer (HTTP/1.1, keep-alive):
//   sysinfo      GET /             the $SYS information as JSON (Mochi's sysinfo listener)
//                GET /healthcheck  200 {"ok":true}
//                GET /metrics      Prometheus text format (petrel_* metrics)
//   healthcheck  GET /healthcheck only (Mochi's healthcheck listener)
// Other paths answer 404, other methods than GET and HEAD 405. TLS settings on these
// listeners are not supported (the config loader accepts them only for tcp and ws).
#pragma once

#include "tcplistener.h"

namespace petrel {

class HttpListener final : public Listener {
    Q_OBJECT
public:
    HttpListener(ListenerConfig config, ListenerContext context, QObject *parent = nullptr);
    ~HttpListener() override;

    QString protocol() const override { return QStringLiteral("http"); }
    bool listen(QString *error) override;
    void close() override;
    quint16 serverPort() const override;
    QString boundAddress() const override;

private:
    class Server;
    Server *m_http = nullptr;
    QTcpServer *m_tcp = nullptr; // owned by m_http once bound
};

} // namespace petrel
