#include "storedcodec.h"

#include "packets/codec.h"

namespace petrel::storage {

using namespace packets;

QByteArray encodeMessage(const Publish &p)
{
    Publish q = p;
    q.dup = false;
    q.packetId = q.qos ? 1 : 0;
    q.properties.clear(PropertyId::TopicAlias);
    q.properties.subscriptionIdentifiers.clear();
    QByteArray out;
    encodePublish(q, ProtocolVersion::V5, out);
    return out;
}

bool decodeMessage(const QByteArray &bytes, Publish &out)
{
    Packet packet;
    if (decodeOne(bytes, ProtocolVersion::V5, packet)) return false;
    auto *p = std::get_if<Publish>(&packet);
    if (!p) return false;
    out = std::move(*p);
    out.packetId = 0;
    return true;
}

QByteArray encodeWill(const Will &w)
{
    Publish p;
    p.topic = w.topic;
    p.payload = w.payload;
    p.qos = w.qos;
    p.retain = w.retain;
    p.properties = w.properties;
    p.properties.clear(PropertyId::WillDelayInterval);
    p.properties.willDelayInterval = 0;
    return encodeMessage(p);
}

bool decodeWill(const QByteArray &bytes, std::uint32_t delay, Will &out)
{
    Publish wp;
    if (bytes.isEmpty() || !decodeMessage(bytes, wp)) return false;
    out.topic = wp.topic;
    out.payload = wp.payload;
    out.qos = wp.qos;
    out.retain = wp.retain;
    out.properties = wp.properties;
    if (delay > 0) {
        out.properties.willDelayInterval = delay;
        out.properties.mark(PropertyId::WillDelayInterval);
    }
    return true;
}

} // namespace petrel::storage
