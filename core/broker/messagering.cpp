#include "messagering.h"

#include "hooks/hook.h"
#include "topics/topics.h"

#include <QDateTime>

namespace petrel {

void MessageRing::append(const QByteArray &clientId, const packets::Publish &p)
{
    RecordedMessage r;
    r.timeMs = QDateTime::currentMSecsSinceEpoch();
    r.clientId = clientId;
    // Detached copies: the decoder's slices would pin whole read buffers.
    r.topic = QByteArray(p.topic.constData(), p.topic.size());
    r.payload = QByteArray(p.payload.constData(), p.payload.size());
    r.qos = p.qos;
    r.retain = p.retain;
    if (!p.properties.isEmpty()) r.properties = p.properties;
    std::lock_guard lock(m_lock);
    r.seq = m_nextSeq++;
    m_entries.push_back(std::move(r));
    while (int(m_entries.size()) > m_capacity)
        m_entries.pop_front();
}

QList<RecordedMessage> MessageRing::since(qint64 afterSeq, int limit, const QByteArray &filter) const
{
    QList<RecordedMessage> out;
    if (limit <= 0) return out;
    const topics::FilterParts parts = topics::splitSharedFilter(filter);
    std::lock_guard lock(m_lock);
    if (m_entries.empty()) return out;
    const qint64 first = m_entries.front().seq;
    const qint64 start = std::max<qint64>(afterSeq + 1 - first, 0);
    for (auto it = m_entries.begin() + std::min<qint64>(start, qint64(m_entries.size()));
         it != m_entries.end(); ++it) {
        if (!filter.isEmpty() && !topics::topicMatchesFilter(parts.filter, it->topic)) continue;
        out.append(*it);
    }
    if (out.size() > limit) out = out.mid(out.size() - limit);
    return out;
}

qint64 MessageRing::lastSeq() const
{
    std::lock_guard lock(m_lock);
    return m_nextSeq - 1;
}

namespace {
class MessageRingHook final : public Hook {
public:
    explicit MessageRingHook(std::shared_ptr<MessageRing> ring) : m_ring(std::move(ring)) {}
    QString id() const override { return QStringLiteral("admin-message-ring"); }
    HookMask provides() const override { return hookBit(HookEvent::OnPublished); }
    void onPublished(const ClientInfo &client, const packets::Publish &p) override
    {
        m_ring->append(client.clientId, p);
    }

private:
    std::shared_ptr<MessageRing> m_ring;
};
} // namespace

std::shared_ptr<Hook> makeMessageRingHook(std::shared_ptr<MessageRing> ring)
{
    return std::make_shared<MessageRingHook>(std::move(ring));
}

} // namespace petrel
