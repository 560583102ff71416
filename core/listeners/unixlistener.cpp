#include "unixlistener.h"

#include "tcplistener.h"

#include <QFile>
#include <QFileInfo>
#include <QLocalSocket>
#include <QLoggingCategory>

#include <cerrno>
#include <cstring>
#include <sys/stat.h>
#include <unistd.h>

Q_DECLARE_LOGGING_CATEGORY(lcListener)

namespace petrel {

// A QLocalServer that hands the descriptor on instead of wrapping it in a QLocalSocket.
class UnixListener::Server final : public QLocalServer {
public:
    Server(std::function<void(int)> onAccepted, QObject *parent)
        : QLocalServer(parent), m_onAccepted(std::move(onAccepted))
    {
        setListenBacklogSize(DescriptorServer::kListenBacklog); // (Qt's default is 50; see there)
    }

protected:
    void incomingConnection(quintptr descriptor) override { m_onAccepted(int(descriptor)); }

private:
    std::function<void(int)> m_onAccepted;
};

UnixListener::~UnixListener()
{
    close();
}

bool UnixListener::listen(QString *error)
{
    // QLocalServer puts relative names under /tmp; a relative path here means the working directory.
    const QString path = QFileInfo(m_config.address).absoluteFilePath();
    const auto fail = [&](const QString &why) {
        if (error) *error = QStringLiteral("%1: %2").arg(describe(), why);
        return false;
    };
    auto *server = new Server(
        [this](int fd) {
            const QString peer = socketPeerAddress(fd);
            if (!admit(peer)) {
                ::close(fd);
                return;
            }
            handOffDescriptor(fd, peer, false);
        },
        this);
    bool ok = server->listen(path);
    if (!ok && server->serverError() == QAbstractSocket::AddressInUseError) {
        // A socket file is there. If nobody answers on it, it is left over from a process
        // that did not clean up: replace it. Otherwise it really is in use.
        QLocalSocket probe;
        probe.connectToServer(path);
        const bool live = probe.waitForConnected(500);
        probe.abort();
        if (!live && QFileInfo(path).exists()) {
            struct stat st {};
            if (::lstat(QFile::encodeName(path).constData(), &st) == 0 && S_ISSOCK(st.st_mode)) {
                QLocalServer::removeServer(path);
                ok = server->listen(path);
            }
        }
    }
    if (!ok) {
        const QString reason = server->errorString();
        delete server;
        return fail(QStringLiteral("cannot listen: %1").arg(reason));
    }
    if (m_config.unixPermissions >= 0 && ::chmod(QFile::encodeName(server->fullServerName()).constData(),
                                                 mode_t(m_config.unixPermissions)) != 0) {
        const QString reason = QString::fromLocal8Bit(strerror(errno));
        server->close();
        delete server;
        return fail(QStringLiteral("cannot set unix_permissions %1: %2")
                        .arg(QString::number(m_config.unixPermissions, 8), reason));
    }
    m_server = server;
    qCInfo(lcListener).noquote() << describe() << "listening";
    return true;
}

void UnixListener::close()
{
    if (!m_server) return;
    m_server->close(); // removes the socket file
    delete m_server;
    m_server = nullptr;
}

QString UnixListener::boundAddress() const
{
    return m_server ? m_server->fullServerName() : QString();
}

} // namespace petrel
