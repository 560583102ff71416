// TLS settings of a listener (tls_cert_file, tls_key_file, tls_ca_file, tls_minimum_version)
// as a QSslConfiguration for the server side of QSslSocket.
#pragma once

#include "broker/options.h"

#include <QSslConfiguration>
#include <QString>

#include <optional>

namespace petrel {

// True if the listener has TLS settings (both certificate and key are required; the config
// loader checks that they come together).
bool hasTls(const ListenerConfig &config);

// Reads the certificate (chain), the private key (PEM, RSA/EC/DSA, not encrypted) and the
// optional CA file for client certificates. When tls_ca_file is set, clients must present
// a certificate signed by one of its CAs. On failure returns std::nullopt and sets *error
// to a reason that names the key and the file ("cannot read tls_key_file \"/x.key\": ...").
std::optional<QSslConfiguration> loadServerTlsConfiguration(const ListenerConfig &config, QString *error);

} // namespace petrel
