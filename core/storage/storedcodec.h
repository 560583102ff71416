// How the storage hooks (SQLite, Redis) store a message and a will: the whole PUBLISH in the
// MQTT v5 encoding (topic, payload, properties, QoS, retain), decoded again with the broker's
// own codec. Shared so that both stores keep the same bytes.
#pragma once

#include "packets/packets.h"

#include <QByteArray>

namespace petrel::storage {

// Without DUP, topic alias and subscription identifiers; packet id 1 for QoS > 0.
QByteArray encodeMessage(const packets::Publish &p);
// False when the bytes are not a PUBLISH; packetId is 0 in the result.
bool decodeMessage(const QByteArray &bytes, packets::Publish &out);
// A will as a PUBLISH without its Will Delay Interval (stored beside it).
QByteArray encodeWill(const packets::Will &w);
// The inverse of encodeWill plus the delay: false when the bytes cannot be decoded.
bool decodeWill(const QByteArray &bytes, std::uint32_t delay, packets::Will &out);

} // namespace petrel::storage
