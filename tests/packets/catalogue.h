// The packet catalogue: raw bytes of valid and invalid MQTT packets for every packet type and
// protocol level, with the decoded value or the expected reason code. One catalogue drives the
// codec tests (decode, encode, validation), the broker tests and the fuzzer seed corpus.
#pragma once

#include "packets/codec.h"

#include <QByteArray>
#include <QList>

struct CatalogueCase {
    const char *id; // unique, e.g. "v5/publish/qos1-props"
    petrel::packets::ProtocolVersion version;
    QByteArray bytes; // whole packet incl. fixed header
    bool valid;
    petrel::packets::Packet decoded;      // when valid
    petrel::packets::ReasonCode expected; // when invalid
    bool roundTrip = true;                // encode(decoded) == bytes (false: non-canonical input)
};

// All cases, built once.
const QList<CatalogueCase> &packetCatalogue();
