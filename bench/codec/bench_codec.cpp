// bench_codec: PUBLISH decode/encode micro benchmarks with heap allocations per packet.
//
// Cases: MQTT 3.1.1 QoS 0, 3.1.1 QoS 1, and 5.0 QoS 1 with properties (message expiry,
// content type, 2 user properties, topic alias), each with a 16 B, 1 KiB and 64 KiB payload.
// Per case, four benchmarks (one packet per iteration, so the time is ns/packet):
//   decode        decodePublish() on a body QByteArray made once, outside the loop
//   copy+decode   what the broker does per packet: readFrame() on the wire bytes, copy the body
//                 into one QByteArray (the shared payload buffer), decodePublish()
//   encode        encodePublish() into a new QByteArray (one encode per fan-out variant)
//   encode-append encodePublish() appended to a buffer that keeps its capacity (a connection's
//                 write buffer)
// Counter allocs/packet: malloc/calloc/realloc/operator new calls per packet (alloc_counter.h).
// The target: decode allocates nothing; copy+decode allocates exactly 1 (the body).
//
//   bench_codec [--trace-allocs] [benchmark options]
//   --trace-allocs   instead of benchmarking, decode each case once and print a backtrace for
//                    every allocation made by decodePublish() (pipe through c++filt)
#include "alloc_counter.h"
#include "packets/codec.h"

#include <benchmark/benchmark.h>

#include <QByteArray>
#include <QByteArrayView>

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

using namespace petrel::packets;
using petrel::bench::allocationCount;

namespace {

struct Case {
    std::string name; // e.g. "v3.1.1-qos0/1KiB"
    ProtocolVersion version;
    Publish publish;
    QByteArray wire; // whole packet as encoded
    std::uint8_t firstByte = 0;
    QByteArray body; // the body alone, in its own buffer
};

Case makeCase(const char *label, ProtocolVersion version, std::uint8_t qos, bool properties, int payloadSize,
              const char *sizeLabel)
{
    Case c;
    c.name = std::string(label) + "/" + sizeLabel;
    c.version = version;
    Publish &p = c.publish;
    p.qos = qos;
    p.packetId = qos ? 4711 : 0;
    p.topic = "sensors/building-7/floor-3/room-12/temperature";
    p.payload = QByteArray(payloadSize, 'x');
    if (properties) {
        p.properties.messageExpiryInterval = 3600;
        p.properties.mark(PropertyId::MessageExpiryInterval);
        p.properties.contentType = "application/json";
        p.properties.mark(PropertyId::ContentType);
        p.properties.topicAlias = 5;
        p.properties.mark(PropertyId::TopicAlias);
        p.properties.userProperties.append(UserProperty("trace-id", "4bf92f3577b34da6a3ce929d0e0e4736"));
        p.properties.userProperties.append(UserProperty("source", "gateway-17"));
    }
    encodePublish(p, version, c.wire);
    const Frame f = readFrame(c.wire, 0);
    c.firstByte = f.firstByte;
    c.body = QByteArray(c.wire.constData() + f.headerLength, f.remainingLength);
    Publish check;
    if (decodePublish(c.firstByte, c.body, version, check) || !(check == p)) {
        std::fprintf(stderr, "bench_codec: case %s does not round-trip\n", c.name.c_str());
        std::exit(1);
    }
    return c;
}

std::vector<Case> makeCases()
{
    std::vector<Case> cases;
    struct Size {
        int bytes;
        const char *label;
    };
    for (Size s : {Size{16, "16B"}, Size{1024, "1KiB"}, Size{64 * 1024, "64KiB"}}) {
        cases.push_back(makeCase("v3.1.1-qos0", ProtocolVersion::V311, 0, false, s.bytes, s.label));
        cases.push_back(makeCase("v3.1.1-qos1", ProtocolVersion::V311, 1, false, s.bytes, s.label));
        cases.push_back(makeCase("v5-qos1-props", ProtocolVersion::V5, 1, true, s.bytes, s.label));
    }
    return cases;
}

// Runs the loop, then reports allocs/packet and bytes/s (of the packet on the wire).
template <typename F>
void measure(benchmark::State &state, const Case &c, F &&onePacket)
{
    const std::uint64_t before = allocationCount();
    for (auto _ : state)
        onePacket();
    const std::uint64_t allocs = allocationCount() - before;
    state.counters["allocs/packet"] = double(allocs) / double(state.iterations());
    state.SetBytesProcessed(std::int64_t(state.iterations()) * c.wire.size());
}

void decodeOnly(benchmark::State &state, const Case &c)
{
    measure(state, c, [&] {
        Publish p;
        const Error e = decodePublish(c.firstByte, c.body, c.version, p);
        benchmark::DoNotOptimize(e);
        benchmark::DoNotOptimize(p.payload.constData());
    });
}

void copyAndDecode(benchmark::State &state, const Case &c)
{
    measure(state, c, [&] {
        const Frame f = readFrame(QByteArrayView(c.wire), 0);
        const QByteArray body(c.wire.constData() + f.headerLength, f.remainingLength);
        Publish p;
        const Error e = decodePublish(f.firstByte, body, c.version, p);
        benchmark::DoNotOptimize(e);
        benchmark::DoNotOptimize(p.payload.constData());
    });
}

void encodeNew(benchmark::State &state, const Case &c)
{
    measure(state, c, [&] {
        QByteArray out;
        encodePublish(c.publish, c.version, out);
        benchmark::DoNotOptimize(out.constData());
    });
}

void encodeAppend(benchmark::State &state, const Case &c)
{
    QByteArray out;
    out.reserve(c.wire.size());
    measure(state, c, [&] {
        out.resize(0); // keeps the capacity, like a drained connection write buffer
        encodePublish(c.publish, c.version, out);
        benchmark::DoNotOptimize(out.constData());
    });
}

// Decodes every case once with allocation tracing on.
int traceAllocations(const std::vector<Case> &cases)
{
    for (const Case &c : cases) {
        Publish p;
        std::fprintf(stderr, "==== decodePublish %s\n", c.name.c_str());
        const std::uint64_t before = allocationCount();
        petrel::bench::setAllocationTrace(true);
        decodePublish(c.firstByte, c.body, c.version, p);
        petrel::bench::setAllocationTrace(false);
        std::fprintf(stderr, "==== %s: %llu allocation(s)\n", c.name.c_str(),
                     static_cast<unsigned long long>(allocationCount() - before));
    }
    return 0;
}

} // namespace

int main(int argc, char **argv)
{
    static const std::vector<Case> cases = makeCases();
    for (int i = 1; i < argc; ++i)
        if (std::strcmp(argv[i], "--trace-allocs") == 0) return traceAllocations(cases);

    for (const Case &c : cases) {
        benchmark::RegisterBenchmark(("decode/" + c.name).c_str(), decodeOnly, std::cref(c));
        benchmark::RegisterBenchmark(("copy+decode/" + c.name).c_str(), copyAndDecode, std::cref(c));
        benchmark::RegisterBenchmark(("encode/" + c.name).c_str(), encodeNew, std::cref(c));
        benchmark::RegisterBenchmark(("encode-append/" + c.name).c_str(), encodeAppend, std::cref(c));
    }
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
