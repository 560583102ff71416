#include "tls.h"

#include <QFile>
#include <QSslCertificate>
#include <QSslKey>

namespace petrel {

namespace {

std::optional<QByteArray> readFile(const QString &key, const QString &path, QString *error)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        if (error) *error = QStringLiteral("cannot read %1 \"%2\": %3").arg(key, path, file.errorString());
        return std::nullopt;
    }
    const QByteArray bytes = file.read(16 * 1024 * 1024);
    if (file.error() != QFileDevice::NoError) {
        if (error) *error = QStringLiteral("cannot read %1 \"%2\": %3").arg(key, path, file.errorString());
        return std::nullopt;
    }
    return bytes;
}

std::optional<QList<QSslCertificate>> readCertificates(const QString &key, const QString &path,
                                                       QString *error)
{
    const auto bytes = readFile(key, path, error);
    if (!bytes) return std::nullopt;
    QList<QSslCertificate> certificates = QSslCertificate::fromData(*bytes, QSsl::Pem);
    if (certificates.isEmpty()) certificates = QSslCertificate::fromData(*bytes, QSsl::Der);
    if (certificates.isEmpty() || certificates.constFirst().isNull()) {
        if (error) *error = QStringLiteral("%1 \"%2\" holds no PEM or DER certificate").arg(key, path);
        return std::nullopt;
    }
    return certificates;
}

} // namespace

bool hasTls(const ListenerConfig &config)
{
    return !config.tlsCertFile.isEmpty() || !config.tlsKeyFile.isEmpty();
}

std::optional<QSslConfiguration> loadServerTlsConfiguration(const ListenerConfig &config, QString *error)
{
    if (config.tlsCertFile.isEmpty() || config.tlsKeyFile.isEmpty()) {
        if (error) *error = QStringLiteral("TLS needs both tls_cert_file and tls_key_file");
        return std::nullopt;
    }
    const auto chain = readCertificates(QStringLiteral("tls_cert_file"), config.tlsCertFile, error);
    if (!chain) return std::nullopt;

    const auto keyBytes = readFile(QStringLiteral("tls_key_file"), config.tlsKeyFile, error);
    if (!keyBytes) return std::nullopt;
    QSslKey key;
    for (QSsl::KeyAlgorithm algorithm : {QSsl::Rsa, QSsl::Ec, QSsl::Dsa}) {
        for (QSsl::EncodingFormat format : {QSsl::Pem, QSsl::Der}) {
            key = QSslKey(*keyBytes, algorithm, format, QSsl::PrivateKey);
            if (!key.isNull()) break;
        }
        if (!key.isNull()) break;
    }
    if (key.isNull()) {
        if (error) {
            *error = QStringLiteral("tls_key_file \"%1\" holds no unencrypted RSA, EC or DSA private key")
                         .arg(config.tlsKeyFile);
        }
        return std::nullopt;
    }

    QSslConfiguration tls = QSslConfiguration::defaultConfiguration();
    tls.setLocalCertificateChain(*chain);
    tls.setPrivateKey(key);
    if (config.tlsMinimumVersion == QLatin1String("1.3"))
        tls.setProtocol(QSsl::TlsV1_3OrLater);
    else
        tls.setProtocol(QSsl::TlsV1_2OrLater); // "1.2" and the default: nothing older
    if (!config.tlsCaFile.isEmpty()) {
        const auto cas = readCertificates(QStringLiteral("tls_ca_file"), config.tlsCaFile, error);
        if (!cas) return std::nullopt;
        tls.setCaCertificates(*cas);
        tls.setPeerVerifyMode(QSslSocket::VerifyPeer);
    } else {
        tls.setPeerVerifyMode(QSslSocket::VerifyNone);
    }
    return tls;
}

} // namespace petrel
