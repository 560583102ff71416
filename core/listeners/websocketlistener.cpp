#include "websocketlistener.h"

#include "broker/brokercore.h"
#include "tls.h"
#include "transports.h"

namespace petrel {

QString WebSocketListener::protocol() const
{
    return hasTls(m_config) ? QStringLiteral("wss") : QStringLiteral("ws");
}

bool WebSocketListener::prepare(QString *error)
{
    if (!hasTls(m_config)) return true;
    m_tls = loadServerTlsConfiguration(m_config, error);
    return m_tls.has_value();
}

void WebSocketListener::accepted(int fd, const QString &peer)
{
    Q_UNUSED(peer);
    // A memory bound only (the worker enforces packet sizes): room for a couple of the
    // largest packets allowed in one message; without a packet size limit QtWebSockets' own
    // limit (256 MiB) applies.
    const quint32 maximumPacket = m_context.core->caps().maximumPacketSize;
    const quint64 maximumMessage = maximumPacket ? qMax<quint64>(quint64(maximumPacket) * 2, 1 << 20) : 0;
    handOffTransport(new WebSocketTransport(fd, m_tls, m_config.wsPath, maximumMessage));
}

} // namespace petrel
