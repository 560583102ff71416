#include "transports.h"

#include "listener.h"

#include <QLoggingCategory>
#include <QSslCertificate>
#include <QSslSocket>
#include <QTcpSocket>
#include <QWebSocket>
#include <QWebSocketServer>

#include <unistd.h>

Q_DECLARE_LOGGING_CATEGORY(lcListener)

namespace petrel {

namespace {
constexpr qsizetype kMaxUpgradeRequest = 16 * 1024; // HTTP upgrade request head
} // namespace

// ---- SocketTransport -------------------------------------------------------------------

SocketTransport::SocketTransport(int fd, std::optional<QSslConfiguration> tls, QObject *parent)
    : Transport(parent), m_fd(fd), m_peer(socketPeerAddress(fd)), m_tls(std::move(tls))
{
}

SocketTransport::~SocketTransport()
{
    delete m_socket.data();
    if (m_fd >= 0) ::close(m_fd); // never wrapped (deleted before start())
}

QString SocketTransport::certificateCommonName() const
{
    auto *ssl = qobject_cast<QSslSocket *>(m_socket.data());
    if (!ssl) return {};
    return ssl->peerCertificate().subjectInfo(QSslCertificate::CommonName).value(0);
}

void SocketTransport::finish()
{
    if (m_finished) return;
    m_finished = true;
    Q_EMIT closed();
}

bool SocketTransport::openSocket()
{
    QTcpSocket *socket = m_tls ? new QSslSocket(this) : new QTcpSocket(this);
    if (!socket->setSocketDescriptor(m_fd)) {
        qCDebug(lcListener).noquote()
            << "cannot wrap connection from" << m_peer << ":" << socket->errorString();
        delete socket;
        ::close(m_fd);
        m_fd = -1;
        QMetaObject::invokeMethod(this, &SocketTransport::finish, Qt::QueuedConnection);
        return false;
    }
    m_fd = -1; // the socket owns it now
    m_socket = socket;
    socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
    connect(socket, &QAbstractSocket::disconnected, this, &SocketTransport::finish);
    connect(socket, &QAbstractSocket::errorOccurred, this, [this](QAbstractSocket::SocketError error) {
        if (error == QAbstractSocket::RemoteHostClosedError) return; // disconnected follows
        qCDebug(lcListener).noquote() << "connection from" << m_peer << "failed:" << m_socket->errorString();
        m_socket->abort();
        finish();
    });
    if (auto *ssl = qobject_cast<QSslSocket *>(socket)) {
        ssl->setSslConfiguration(*m_tls);
        connect(ssl, &QSslSocket::sslErrors, this, [this](const QList<QSslError> &errors) {
            QStringList text;
            for (const QSslError &e : errors)
                text.append(e.errorString());
            qCInfo(lcListener).noquote() << "TLS handshake with" << m_peer << "failed:" << text.join(u"; ");
        });
        connect(ssl, &QSslSocket::encrypted, this, [this] { onSecured(); });
        ssl->startServerEncryption();
    } else {
        onSecured();
    }
    return true;
}

// ---- StreamTransport -------------------------------------------------------------------

void StreamTransport::start()
{
    openSocket();
}

void StreamTransport::onSecured()
{
    QTcpSocket *socket = m_socket;
    connect(socket, &QIODevice::readyRead, this, [this] {
        if (!m_socket) return;
        const QByteArray bytes = m_socket->readAll();
        if (!bytes.isEmpty()) Q_EMIT received(bytes);
    });
    if (socket->bytesAvailable() > 0)
        QMetaObject::invokeMethod(socket, &QIODevice::readyRead, Qt::QueuedConnection);
}

void StreamTransport::write(const QByteArray &bytes)
{
    if (m_socket && m_socket->state() == QAbstractSocket::ConnectedState) m_socket->write(bytes);
}

qint64 StreamTransport::pendingBytes() const
{
    if (!m_socket) return 0;
    qint64 n = m_socket->bytesToWrite();
    if (auto *ssl = qobject_cast<QSslSocket *>(m_socket.data())) n += ssl->encryptedBytesToWrite();
    return n;
}

void StreamTransport::close()
{
    m_finished = true; // the worker asked: no closed() for it
    if (!m_socket) return;
    m_socket->flush();
    m_socket->disconnectFromHost();
}

// ---- WebSocketTransport ----------------------------------------------------------------

WebSocketTransport::WebSocketTransport(int fd, std::optional<QSslConfiguration> tls, QString path,
                                       quint64 maximumMessageSize, QObject *parent)
    : SocketTransport(fd, std::move(tls), parent), m_path(std::move(path)),
      m_maximumMessageSize(maximumMessageSize)
{
    if (m_path.isEmpty()) m_path = QStringLiteral("/");
}

WebSocketTransport::~WebSocketTransport()
{
    // The QWebSocket uses the socket: it goes first.
    delete m_ws.data();
    delete m_upgrader.data();
}

void WebSocketTransport::start()
{
    openSocket();
}

void WebSocketTransport::onSecured()
{
    // Read the request head ourselves first, to answer a wrong path with 404 before
    // QWebSocketServer (which accepts any path) takes over.
    connect(m_socket, &QIODevice::readyRead, this, [this] { checkRequestPath(); });
    checkRequestPath();
}

bool WebSocketTransport::checkRequestPath()
{
    if (!m_socket || m_upgrader) return false;
    const QByteArray head = m_socket->peek(kMaxUpgradeRequest);
    const qsizetype end = head.indexOf("\r\n\r\n");
    if (end < 0) {
        if (head.size() >= kMaxUpgradeRequest) {
            m_socket->write("HTTP/1.1 431 Request Header Fields Too Large\r\nConnection: close\r\n"
                            "Content-Length: 0\r\n\r\n");
            m_socket->disconnectFromHost();
        }
        return false; // wait for the rest
    }
    // "GET /path?query HTTP/1.1"
    const QByteArray requestLine = head.left(head.indexOf("\r\n"));
    const QList<QByteArray> parts = requestLine.split(' ');
    QByteArray target = parts.size() == 3 ? parts.at(1) : QByteArray();
    if (const qsizetype q = target.indexOf('?'); q >= 0) target.truncate(q);
    const bool pathOk = m_path == QLatin1String("/") || target == m_path.toUtf8();
    if (parts.size() != 3 || parts.at(0) != "GET" || !pathOk) {
        qCInfo(lcListener).noquote() << "WebSocket request from" << m_peer << "for"
                                     << QString::fromLatin1(requestLine.left(200))
                                     << "refused:" << (pathOk ? "not a GET" : "path is not")
                                     << (pathOk ? QString() : m_path);
        m_socket->write(pathOk ? "HTTP/1.1 405 Method Not Allowed\r\n" : "HTTP/1.1 404 Not Found\r\n");
        m_socket->write("Connection: close\r\nContent-Length: 0\r\n\r\n");
        m_socket->disconnectFromHost();
        return false;
    }
    disconnect(m_socket, &QIODevice::readyRead, this, nullptr);

    m_upgrader = new QWebSocketServer(QStringLiteral("petrel"), QWebSocketServer::NonSecureMode, this);
    m_upgrader->setSupportedSubprotocols({QStringLiteral("mqtt"), QStringLiteral("mqttv3.1")});
    connect(m_upgrader, &QWebSocketServer::newConnection, this, &WebSocketTransport::onUpgraded);
    m_upgrader->handleConnection(m_socket);
    return true;
}

void WebSocketTransport::onUpgraded()
{
    if (!m_upgrader) return;
    QWebSocket *ws = m_upgrader->nextPendingConnection();
    if (!ws) return;
    ws->setParent(this);
    m_ws = ws;
    if (m_maximumMessageSize > 0) {
        ws->setMaxAllowedIncomingMessageSize(m_maximumMessageSize);
        ws->setMaxAllowedIncomingFrameSize(m_maximumMessageSize);
    }
    connect(ws, &QWebSocket::binaryMessageReceived, this, [this](const QByteArray &bytes) {
        if (!bytes.isEmpty()) Q_EMIT received(bytes);
    });
    connect(ws, &QWebSocket::textMessageReceived, this, [this] {
        // [MQTT-6.0.0-1] a Control Packet in a text frame: close the network connection.
        qCInfo(lcListener).noquote() << "WebSocket client" << m_peer << "sent a text message; closing";
        if (m_ws) m_ws->close(QWebSocketProtocol::CloseCodeDatatypeNotSupported);
        finish();
    });
    connect(ws, &QWebSocket::disconnected, this, [this] { finish(); });
    if (!m_early.isEmpty()) {
        ws->sendBinaryMessage(m_early);
        m_early.clear();
    }
}

void WebSocketTransport::write(const QByteArray &bytes)
{
    if (m_ws) {
        if (m_ws->state() == QAbstractSocket::ConnectedState) m_ws->sendBinaryMessage(bytes);
    } else if (m_early.size() < 1024 * 1024) {
        m_early.append(bytes);
    }
}

qint64 WebSocketTransport::pendingBytes() const
{
    if (m_ws) return m_ws->bytesToWrite();
    return m_early.size();
}

void WebSocketTransport::close()
{
    m_finished = true; // the worker asked: no closed() for it
    if (m_ws) {
        m_ws->flush();
        m_ws->close(QWebSocketProtocol::CloseCodeNormal);
    } else if (m_socket) {
        m_socket->flush();
        m_socket->disconnectFromHost();
    }
}

} // namespace petrel
