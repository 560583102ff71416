#include "session/session.h"

#include "packets/codec.h"

#include <cstring>

namespace petrel {

namespace {
// The front of an Outgoing's in-place buffer, followed by the topic and the payload.
struct InPlaceHead {
    qint64 createdAtMs;
    qint64 expiresAtMs;
    quintptr originSession;
    std::uint32_t topicSize;
    std::uint8_t qos;
};
} // namespace

QByteArray Outgoing::inPlaceBytes(QByteArrayView topic, QByteArrayView payload, std::uint8_t qos,
                                  quintptr originSession, qint64 createdAtMs, qint64 expiresAtMs)
{
    const InPlaceHead head{createdAtMs, expiresAtMs, originSession, std::uint32_t(topic.size()), qos};
    QByteArray bytes(qsizetype(sizeof head) + topic.size() + payload.size(), Qt::Uninitialized);
    char *to = bytes.data();
    std::memcpy(to, &head, sizeof head);
    std::memcpy(to + sizeof head, topic.data(), size_t(topic.size()));
    if (!payload.isEmpty())
        std::memcpy(to + sizeof head + topic.size(), payload.data(), size_t(payload.size()));
    return bytes;
}

void Outgoing::makeMessage() const
{
    InPlaceHead head;
    std::memcpy(&head, m_inPlace.constData(), sizeof head);
    auto m = std::make_shared<Message>();
    packets::Publish &p = m->publish;
    const qsizetype topicAt = qsizetype(sizeof head);
    const qsizetype payloadAt = topicAt + qsizetype(head.topicSize);
    const qsizetype payloadSize = m_inPlace.size() - payloadAt;
    p.topic = packets::sharedSlice(m_inPlace, topicAt, head.topicSize);
    p.payload = packets::sharedSlice(std::move(m_inPlace), payloadAt, payloadSize);
    p.qos = head.qos;
    m->originSession = head.originSession;
    m->createdAtMs = head.createdAtMs;
    m->expiresAtMs = head.expiresAtMs;
    m_message = std::move(m);
    m_inPlace = QByteArray();
}

} // namespace petrel
