// Conventions shared by the fuzz targets and the seed generator.
//
// Every fuzz input starts with one "setup" byte; the rest is MQTT bytes on the wire.
//   bits 0-1: protocol version: 0 = 3.1, 1 = 3.1.1, 2 and 3 = 5.0
//   bits 2-7: target-specific (fuzz_broker_session: CONNECT variants, see there)
// Seed files written from the packet catalogue are versionByte(case.version) + case.bytes.
#pragma once

#include "packets/packets.h"

#include <cstdint>

namespace petrel::fuzz {

inline packets::ProtocolVersion versionFromByte(std::uint8_t setup)
{
    using V = packets::ProtocolVersion;
    static constexpr V kVersions[4] = {V::V31, V::V311, V::V5, V::V5};
    return kVersions[setup & 3];
}

inline std::uint8_t versionByte(packets::ProtocolVersion version)
{
    return std::uint8_t(std::uint8_t(version) - 3);
}

} // namespace petrel::fuzz
