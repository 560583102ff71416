// MQTT over a Unix domain socket (type unix; address = the socket path). Accepted sockets
// take the raw path like TCP. unix_permissions (octal, e.g. "0660") sets the socket file's
// mode after it is created; a stale socket file nobody listens on is replaced, a live one
// is an "address in use" error.
#pragma once

#include "listener.h"

#include <QLocalServer>

#include <functional>

namespace petrel {

class UnixListener final : public Listener {
    Q_OBJECT
public:
    using Listener::Listener;
    ~UnixListener() override;

    QString protocol() const override { return QStringLiteral("unix"); }
    bool listen(QString *error) override;
    void close() override;
    QString boundAddress() const override;

private:
    class Server;
    Server *m_server = nullptr;
};

} // namespace petrel
