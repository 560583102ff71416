// bcrypt ($2a$/$2b$/$2y$) password hashes for the auth ledger: OpenBSD's algorithm
// (Provos & Mazières, "A Future-Adaptable Password Scheme", 1999), compatible with
// OpenBSD, libxcrypt and crypt_blowfish hashes. Internal to core/hooks.
#pragma once

#include <QByteArray>

namespace petrel::bcrypt {

// Whether `hash` is a well-formed $2a$/$2b$/$2y$ hash: "$2b$" cost(2 digits, 4..31) '$'
// 22 salt chars and 31 hash chars of bcrypt's base64 alphabet. On false, *why says what.
bool parse(const QByteArray &hash, const char **why = nullptr);

// The full hash string of `password` with `cost` (4..31) and a 16-byte salt, using the
// prefix "2a", "2b" or "2y". Empty on bad arguments. Passwords longer than 72 bytes are
// truncated to 72, as every bcrypt does.
QByteArray hash(const QByteArray &password, int cost, const QByteArray &salt16, const char *variant = "2b");

// Recomputes `hash` (which must parse) for `password` and compares in constant time.
bool verify(const QByteArray &password, const QByteArray &hash);

} // namespace petrel::bcrypt
