// fuzz_seed_corpus DIR: writes the seed corpus for the fuzz targets into DIR.
//
//   * one file per packet catalogue case (valid and invalid): the setup byte for the case's
//     protocol version (fuzz_common.h) followed by the case's bytes;
//   * per protocol version, one "session" seed: a client's side of a whole conversation
//     after CONNECT (subscribe, publish QoS 0/1/2 with the acks, retained message, unsubscribe,
//     ping, disconnect), so fuzz_broker_session starts from deep broker states.
// File names are the case ids with '/' replaced by '_'. Existing files are overwritten.
#include "catalogue.h"
#include "fuzz_common.h"
#include "packets/codec.h"

#include <QDir>
#include <QFile>
#include <QSaveFile>

#include <cstdio>

using namespace petrel::packets;

namespace {

bool writeSeed(const QDir &dir, QString name, ProtocolVersion version, const QByteArray &bytes)
{
    name.replace(QLatin1Char('/'), QLatin1Char('_'));
    QSaveFile f(dir.filePath(name));
    if (!f.open(QIODevice::WriteOnly)) return false;
    f.write(QByteArray(1, char(petrel::fuzz::versionByte(version))) + bytes);
    return f.commit();
}

QByteArray sessionSeed(ProtocolVersion v)
{
    QByteArray out;
    Subscribe sub;
    sub.packetId = 1;
    TopicSubscription all;
    all.filter = "fuzz/#";
    all.options.qos = 2;
    sub.topics.append(all);
    encodeSubscribe(sub, v, out);
    for (std::uint8_t qos = 0; qos <= 2; ++qos) {
        Publish p;
        p.qos = qos;
        p.retain = qos == 1;
        p.topic = "fuzz/a";
        p.packetId = qos ? std::uint16_t(10 + qos) : 0;
        p.payload = "payload";
        if (isV5(v)) {
            p.properties.messageExpiryInterval = 60;
            p.properties.mark(PropertyId::MessageExpiryInterval);
            p.properties.userProperties.append(UserProperty("k", "v"));
        }
        encodePublish(p, v, out);
    }
    Ack rel; // completes the QoS 2 publish above
    rel.type = PacketType::Pubrel;
    rel.packetId = 12;
    encodeAck(rel, v, out);
    Unsubscribe unsub;
    unsub.packetId = 2;
    unsub.filters.append("fuzz/#");
    encodeUnsubscribe(unsub, v, out);
    encodePingreq(out);
    encodeDisconnect(Disconnect{}, v, out);
    return out;
}

} // namespace

int main(int argc, char **argv)
{
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s DIR\n", argv[0]);
        return 2;
    }
    QDir dir;
    if (!dir.mkpath(QString::fromLocal8Bit(argv[1])) || !dir.cd(QString::fromLocal8Bit(argv[1]))) {
        std::fprintf(stderr, "cannot create %s\n", argv[1]);
        return 1;
    }
    int written = 0;
    for (const CatalogueCase &c : packetCatalogue()) {
        if (!writeSeed(dir, QString::fromUtf8(c.id), c.version, c.bytes)) {
            std::fprintf(stderr, "cannot write seed %s\n", c.id);
            return 1;
        }
        ++written;
    }
    for (ProtocolVersion v : {ProtocolVersion::V31, ProtocolVersion::V311, ProtocolVersion::V5}) {
        if (!writeSeed(dir, QStringLiteral("session-v%1").arg(int(v)), v, sessionSeed(v))) return 1;
        ++written;
    }
    std::printf("%d seeds in %s\n", written, argv[1]);
    return 0;
}
