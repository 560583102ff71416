// MQTT over WebSocket (type ws) and, with tls_cert_file/tls_key_file, over WSS. Subprotocol
// "mqtt" (and "mqttv3.1"), binary messages, request path ws_path ("/" = any path).
#pragma once

#include "tcplistener.h"

#include <QSslConfiguration>

#include <optional>

namespace petrel {

class WebSocketListener final : public TcpBasedListener {
    Q_OBJECT
public:
    using TcpBasedListener::TcpBasedListener;
    QString protocol() const override;

protected:
    bool prepare(QString *error) override;
    void accepted(int fd, const QString &peer) override;

private:
    std::optional<QSslConfiguration> m_tls;
};

} // namespace petrel
