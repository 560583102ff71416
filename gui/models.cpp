#include "models.h"
#include "packets/codec.h"

#include "broker/logring.h"

#include <QBrush>
#include <QColor>
#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLocale>
#include <QSet>

#include <atomic>
#include <tuple>

namespace petrel::gui {

quint64 nextRowListId()
{
    static std::atomic<quint64> ids{0};
    return ++ids;
}

quint32 ClientsModel::changedColumns(const admin::ClientSnapshot &a, const admin::ClientSnapshot &b)
{
    quint32 m = 0;
    const auto col = [&m](int c, bool differs) {
        if (differs) m |= 1u << c;
    };
    col(ClientId, a.clientId != b.clientId);
    col(Username, a.username != b.username);
    col(Status, a.connected != b.connected);
    col(RemoteAddress, a.remoteAddress != b.remoteAddress);
    col(Listener, a.listenerId != b.listenerId);
    col(Node, a.node != b.node);
    col(Worker, a.worker != b.worker);
    col(Protocol, a.protocolVersion != b.protocolVersion);
    col(KeepAlive, a.keepAlive != b.keepAlive);
    col(SessionExpiry, a.sessionExpiryInterval != b.sessionExpiryInterval);
    col(Subscriptions, a.subscriptions != b.subscriptions);
    col(Inflight, a.inflight != b.inflight);
    col(Queued, a.queued != b.queued);
    col(MessagesIn, a.messagesIn != b.messagesIn);
    col(MessagesOut, a.messagesOut != b.messagesOut);
    col(ConnectedSince, a.connectedAtMs != b.connectedAtMs);
    // Shown in the details pane only.
    const auto hidden = [](const admin::ClientSnapshot &c) {
        return std::tie(c.disconnectedAtMs, c.receiveMaximum, c.maximumPacketSize, c.topicAliasMaximum,
                        c.hasWill, c.willTopic, c.willPayload, c.willQos, c.willRetain, c.willDelayInterval);
    };
    col(ColumnCount - 1, hidden(a) != hidden(b));
    return m;
}

quint32 SubscriptionsModel::changedColumns(const admin::SubscriptionSnapshot &a,
                                           const admin::SubscriptionSnapshot &b)
{
    const auto fields = [](const admin::SubscriptionSnapshot &s) {
        return std::tie(s.clientId, s.filter, s.shareGroup, s.qos, s.noLocal, s.retainAsPublished,
                        s.retainHandling, s.identifier);
    };
    return fields(a) == fields(b) ? 0u : (1u << ColumnCount) - 1;
}

static QString timeText(qint64 ms, bool withDate = false)
{
    if (ms <= 0) return QString();
    const QDateTime t = QDateTime::fromMSecsSinceEpoch(ms);
    return t.toString(withDate ? QStringLiteral("yyyy-MM-dd HH:mm:ss") : QStringLiteral("HH:mm:ss.zzz"));
}

static QString expiryText(std::uint32_t seconds)
{
    if (seconds == 0xFFFFFFFFu) return ClientsModel::tr("never");
    return QString::number(seconds);
}

// ---- ClientsModel ------------------------------------------------------------------------------

int ClientsModel::rowOf(const QByteArray &clientId) const
{
    for (int i = 0, n = rowCount(); i < n; ++i)
        if (m_rows[i].clientId == clientId) return i;
    return -1;
}

QVariant ClientsModel::data(const QModelIndex &index, int role) const
{
    const admin::ClientSnapshot *c = rowAt(index.row());
    if (!c || index.column() < 0 || index.column() >= ColumnCount) return {};
    if (role == Qt::DisplayRole || role == SortRole) {
        const bool sort = role == SortRole;
        switch (Column(index.column())) {
        case ClientId:
            return QString::fromUtf8(c->clientId);
        case Username:
            return QString::fromUtf8(c->username);
        case Status:
            return c->connected ? tr("connected") : tr("offline");
        case RemoteAddress:
            return c->remoteAddress;
        case Listener:
            return c->listenerId;
        case Node:
            return c->node;
        case Worker:
            if (c->worker >= 0) return c->worker;
            return sort ? QVariant(-1) : QVariant(QString()); // a client of another node
        case Protocol:
            return sort ? QVariant(c->protocolVersion) : QVariant(protocolName(c->protocolVersion));
        case KeepAlive:
            return c->keepAlive;
        case SessionExpiry:
            return sort ? QVariant(qint64(c->sessionExpiryInterval))
                        : QVariant(expiryText(c->sessionExpiryInterval));
        case Subscriptions:
            return c->subscriptions;
        case Inflight:
            return c->inflight;
        case Queued:
            return c->queued;
        case MessagesIn:
            return qulonglong(c->messagesIn);
        case MessagesOut:
            return qulonglong(c->messagesOut);
        case ConnectedSince:
            return sort ? QVariant(c->connectedAtMs) : QVariant(timeText(c->connectedAtMs, true));
        case ColumnCount:
            break;
        }
    }
    if (role == Qt::ForegroundRole && !c->connected) return QBrush(QColor(128, 128, 128));
    if (role == Qt::TextAlignmentRole && index.column() >= KeepAlive && index.column() <= MessagesOut)
        return int(Qt::AlignRight | Qt::AlignVCenter);
    return {};
}

QVariant ClientsModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
    switch (Column(section)) {
    case ClientId:
        return tr("Client ID");
    case Username:
        return tr("Username");
    case Status:
        return tr("Status");
    case RemoteAddress:
        return tr("Remote address");
    case Listener:
        return tr("Listener");
    case Node:
        return tr("Node");
    case Worker:
        return tr("Worker");
    case Protocol:
        return tr("MQTT");
    case KeepAlive:
        return tr("Keep alive");
    case SessionExpiry:
        return tr("Session expiry");
    case Subscriptions:
        return tr("Subscriptions");
    case Inflight:
        return tr("Inflight");
    case Queued:
        return tr("Queued");
    case MessagesIn:
        return tr("Msgs in");
    case MessagesOut:
        return tr("Msgs out");
    case ConnectedSince:
        return tr("Connected since");
    case ColumnCount:
        break;
    }
    return {};
}

// ---- SubscriptionsModel ------------------------------------------------------------------------

QVariant SubscriptionsModel::data(const QModelIndex &index, int role) const
{
    const admin::SubscriptionSnapshot *s = rowAt(index.row());
    if (!s || index.column() < 0 || index.column() >= ColumnCount) return {};
    if (role != Qt::DisplayRole) return {};
    const auto yesNo = [](bool b) { return b ? tr("yes") : tr("no"); };
    switch (Column(index.column())) {
    case Filter:
        return QString::fromUtf8(s->filter);
    case ClientId:
        return QString::fromUtf8(s->clientId);
    case Qos:
        return s->qos;
    case NoLocal:
        return yesNo(s->noLocal);
    case RetainAsPublished:
        return yesNo(s->retainAsPublished);
    case RetainHandling:
        return s->retainHandling;
    case Identifier:
        return s->identifier ? QVariant(qulonglong(s->identifier)) : QVariant(QString());
    case ShareGroup:
        return QString::fromUtf8(s->shareGroup);
    case ColumnCount:
        break;
    }
    return {};
}

QVariant SubscriptionsModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
    switch (Column(section)) {
    case Filter:
        return tr("Filter");
    case ClientId:
        return tr("Client ID");
    case Qos:
        return tr("QoS");
    case NoLocal:
        return tr("No Local");
    case RetainAsPublished:
        return tr("Retain As Published");
    case RetainHandling:
        return tr("Retain Handling");
    case Identifier:
        return tr("Identifier");
    case ShareGroup:
        return tr("Shared group");
    case ColumnCount:
        break;
    }
    return {};
}

// ---- TopicTreeModel ----------------------------------------------------------------------------

int TopicTreeModel::Node::row() const
{
    return parent ? rowInParent : 0;
}

TopicTreeModel::TopicTreeModel(QObject *parent) : QAbstractItemModel(parent) {}
TopicTreeModel::~TopicTreeModel() = default;

const TopicTreeModel::Node *TopicTreeModel::nodeAt(const QModelIndex &index) const
{
    if (!index.isValid()) return nullptr;
    return static_cast<const Node *>(index.internalPointer());
}

QModelIndex TopicTreeModel::indexOf(const Node *n, int column) const
{
    if (!n || n == &m_root) return {};
    return createIndex(n->row(), column, const_cast<Node *>(n));
}

QModelIndex TopicTreeModel::indexOfTopic(const QByteArray &topic) const
{
    const Node *n = &m_root;
    for (const QByteArray &level : topic.split('/')) {
        n = n->byName.value(level);
        if (!n) return {};
    }
    return indexOf(n);
}

void TopicTreeModel::insertMissing(const QList<QByteArray> &topics)
{
    // Where each unknown topic leaves the existing tree: (existing parent, offset of the
    // first missing level). All found before anything is inserted.
    QHash<Node *, QList<std::pair<QByteArray, qsizetype>>> pending;
    std::vector<Node *> parents;
    for (const QByteArray &topic : topics) {
        Node *n = &m_root;
        qsizetype start = 0;
        for (;;) {
            const qsizetype slash = topic.indexOf('/', start);
            Node *child = n->byName.value(topic.mid(start, slash < 0 ? -1 : slash - start));
            if (!child) {
                auto it = pending.find(n);
                if (it == pending.end()) {
                    parents.push_back(n);
                    it = pending.insert(n, {});
                }
                it->append({topic, start});
                break;
            }
            n = child;
            if (slash < 0) break;
            start = slash + 1;
        }
    }
    const auto makeChild = [this](Node *parent, const QByteArray &name, const QByteArray &topic,
                                  qsizetype end) {
        auto fresh = std::make_unique<Node>();
        fresh->name = name;
        fresh->topic = end < 0 ? topic : topic.left(end);
        fresh->parent = parent;
        fresh->rowInParent = int(parent->children.size());
        Node *child = fresh.get();
        parent->children.push_back(std::move(fresh));
        parent->byName.insert(name, child);
        m_byTopic.insert(child->topic, child);
        return child;
    };
    for (Node *parent : parents) {
        const QList<std::pair<QByteArray, qsizetype>> &list = pending.value(parent);
        // The new direct children, in order of first appearance.
        QList<QByteArray> names;
        QSet<QByteArray> seen;
        for (const auto &[topic, start] : list) {
            const qsizetype slash = topic.indexOf('/', start);
            const QByteArray name = topic.mid(start, slash < 0 ? -1 : slash - start);
            if (!seen.contains(name)) {
                seen.insert(name);
                names.append(name);
            }
        }
        const int first = int(parent->children.size());
        beginInsertRows(indexOf(parent), first, first + int(names.size()) - 1);
        for (const auto &[topic, start] : list) {
            Node *n = parent;
            qsizetype at = start;
            for (;;) {
                const qsizetype slash = topic.indexOf('/', at);
                const QByteArray name = topic.mid(at, slash < 0 ? -1 : slash - at);
                Node *child = n->byName.value(name);
                if (!child) child = makeChild(n, name, topic, slash);
                n = child;
                if (slash < 0) break;
                at = slash + 1;
            }
        }
        endInsertRows();
    }
}

void TopicTreeModel::emitChanged(const QSet<Node *> &changed)
{
    emitChanged(std::vector<Node *>(changed.cbegin(), changed.cend()));
}

void TopicTreeModel::emitChanged(const std::vector<Node *> &changed)
{
    QHash<Node *, std::pair<int, int>> spans;
    for (Node *n : changed) {
        auto it = spans.find(n->parent);
        if (it == spans.end())
            spans.insert(n->parent, {n->rowInParent, n->rowInParent});
        else
            *it = {std::min(it->first, n->rowInParent), std::max(it->second, n->rowInParent)};
    }
    for (auto it = spans.cbegin(); it != spans.cend(); ++it) {
        const QModelIndex parent = indexOf(it.key());
        Q_EMIT dataChanged(index(it->first, 0, parent), index(it->second, ColumnCount - 1, parent));
    }
}

TopicTreeModel::Node *TopicTreeModel::nodeFor(const QByteArray &topic, QSet<Node *> &changed)
{
    Node *n = &m_root;
    qsizetype start = 0;
    for (;;) {
        const qsizetype slash = topic.indexOf('/', start);
        const QByteArray level = topic.mid(start, slash < 0 ? -1 : slash - start);
        Node *child = n->byName.value(level);
        if (!child) {
            auto fresh = std::make_unique<Node>();
            fresh->name = level;
            fresh->topic = slash < 0 ? topic : topic.left(slash);
            fresh->parent = n;
            child = fresh.get();
            const int row = int(n->children.size());
            fresh->rowInParent = row;
            beginInsertRows(indexOf(n), row, row);
            n->children.push_back(std::move(fresh));
            n->byName.insert(level, child);
            m_byTopic.insert(child->topic, child);
            endInsertRows();
        }
        changed.insert(child);
        n = child;
        if (slash < 0) break;
        start = slash + 1;
    }
    return n;
}

void TopicTreeModel::addMessages(const QList<MessageRecord> &batch)
{
    if (batch.isEmpty()) return;
    // Each message's node, one lookup each; topics not in the tree yet are added first, each
    // once (a batch of 11,000 messages has mostly known ones).
    std::vector<Node *> nodes(size_t(batch.size()), nullptr);
    QList<QByteArray> missing;
    QSet<QByteArray> seen;
    for (qsizetype i = 0; i < batch.size(); ++i) {
        const QByteArray &topic = batch[i].topic;
        if (topic.isEmpty()) continue;
        nodes[size_t(i)] = m_byTopic.value(topic);
        if (!nodes[size_t(i)] && !seen.contains(topic)) {
            seen.insert(topic);
            missing.append(topic);
        }
    }
    if (!missing.isEmpty()) {
        insertMissing(missing);
        for (qsizetype i = 0; i < batch.size(); ++i)
            if (!nodes[size_t(i)] && !batch[i].topic.isEmpty())
                nodes[size_t(i)] = m_byTopic.value(batch[i].topic);
    }
    // One lookup per message; counters per message, the last message copied once per topic;
    // every touched node (topics and their ancestors) collected once.
    const quint64 stamp = ++m_stamp;
    std::vector<Node *> changed;
    const auto touch = [&changed, stamp](Node *n) {
        if (n->stamp == stamp) return false;
        n->stamp = stamp;
        n->lastInBatch = -1;
        changed.push_back(n);
        return true;
    };
    for (qsizetype i = 0; i < batch.size(); ++i) {
        const MessageRecord &r = batch[i];
        Node *n = nodes[size_t(i)];
        if (!n) continue; // an empty topic
        touch(n);
        n->lastInBatch = i;
        ++n->ownMessages;
        if (r.retain) n->retained = !r.payload.isEmpty();
        for (Node *p = n; p && p != &m_root; p = p->parent) {
            ++p->totalMessages;
            if (p != n && !touch(p)) {
                // Its ancestors are touched already; only their counts move.
                for (Node *q = p->parent; q && q != &m_root; q = q->parent)
                    ++q->totalMessages;
                break;
            }
        }
    }
    for (Node *n : changed) {
        if (n->lastInBatch < 0) continue;
        if (!n->hasMessage) ++m_topics;
        n->hasMessage = true;
        n->last = batch[n->lastInBatch];
        n->lastInBatch = -1;
    }
    // One dataChanged per parent with changed children, not per message or per node.
    emitChanged(changed);
}

void TopicTreeModel::setRetained(const QList<admin::RetainedSnapshot> &retained)
{
    QList<QByteArray> topics;
    for (const admin::RetainedSnapshot &r : retained)
        if (!r.message.topic.startsWith("$SYS") && !r.message.topic.isEmpty()) topics.append(r.message.topic);
    insertMissing(topics);
    QSet<Node *> changed;
    QSet<const Node *> nowRetained;
    for (const admin::RetainedSnapshot &r : retained) {
        if (r.message.topic.startsWith("$SYS")) continue; // $SYS would flood the tree every second
        Node *n = nodeFor(r.message.topic, changed);
        nowRetained.insert(n);
        if (!n->hasMessage) {
            ++m_topics;
            n->hasMessage = true;
            n->last.topic = r.message.topic;
            n->last.payload = r.message.payload;
            n->last.qos = r.message.qos;
            n->last.retain = true;
            n->last.properties = r.message.properties;
            n->last.timeMs = r.storedAtMs;
        }
        if (!n->retained) {
            n->retained = true;
            changed.insert(n);
        }
    }
    // Unmark topics whose retained message is gone.
    std::vector<Node *> stack{&m_root};
    while (!stack.empty()) {
        Node *n = stack.back();
        stack.pop_back();
        if (n->retained && !nowRetained.contains(n)) {
            n->retained = false;
            changed.insert(n);
        }
        for (auto &c : n->children)
            stack.push_back(c.get());
    }
    emitChanged(changed);
}

void TopicTreeModel::clear()
{
    beginResetModel();
    m_root.children.clear();
    m_root.byName.clear();
    m_byTopic.clear();
    m_topics = 0;
    endResetModel();
}

QModelIndex TopicTreeModel::index(int row, int column, const QModelIndex &parent) const
{
    if (column < 0 || column >= ColumnCount || row < 0) return {};
    if (parent.isValid() && parent.column() != 0) return {};
    const Node *p = parent.isValid() ? nodeAt(parent) : &m_root;
    if (row >= int(p->children.size())) return {};
    return createIndex(row, column, p->children[size_t(row)].get());
}

QModelIndex TopicTreeModel::parent(const QModelIndex &child) const
{
    const Node *n = nodeAt(child);
    if (!n || !n->parent || n->parent == &m_root) return {};
    return indexOf(n->parent);
}

int TopicTreeModel::rowCount(const QModelIndex &parent) const
{
    if (parent.isValid() && parent.column() != 0) return 0;
    const Node *p = parent.isValid() ? nodeAt(parent) : &m_root;
    return int(p->children.size());
}

int TopicTreeModel::columnCount(const QModelIndex &) const
{
    return ColumnCount;
}

QVariant TopicTreeModel::data(const QModelIndex &index, int role) const
{
    const Node *n = nodeAt(index);
    if (!n) return {};
    if (role == TopicRole) return n->topic;
    if (role == Qt::DisplayRole) {
        switch (Column(index.column())) {
        case Name:
            return QString::fromUtf8(n->name);
        case Messages:
            return n->children.empty() ? QString::number(n->totalMessages)
                                       : tr("%1 (%2 here)").arg(n->totalMessages).arg(n->ownMessages);
        case Retained:
            return n->retained ? tr("retained") : QString();
        case LastPayload:
            return n->hasMessage ? shortPayload(n->last.payload, 80) : QString();
        case ColumnCount:
            break;
        }
    }
    if (role == Qt::ToolTipRole) return QString::fromUtf8(n->topic);
    return {};
}

QVariant TopicTreeModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
    switch (Column(section)) {
    case Name:
        return tr("Topic");
    case Messages:
        return tr("Messages");
    case Retained:
        return tr("Retained");
    case LastPayload:
        return tr("Last payload");
    case ColumnCount:
        break;
    }
    return {};
}

// ---- MessagesModel -----------------------------------------------------------------------------

void MessagesModel::append(const QList<MessageRecord> &batch)
{
    if (batch.isEmpty()) return;
    qsizetype take = batch.size();
    qsizetype from = 0;
    if (take > m_capacity) {
        from = take - m_capacity;
        take = m_capacity;
    }
    if (take == m_capacity) {
        // The batch replaces every row (at 44,000 msg/s a 250 ms batch is 11,000 messages):
        // one reset, not a removal and an insertion of 10,000 rows each (the sort/filter proxy
        // and the view remap every row for both).
        beginResetModel();
        m_rows.clear();
        for (qsizetype i = from; i < batch.size(); ++i)
            m_rows.push_back(batch[i]);
        endResetModel();
        return;
    }
    const qsizetype overflow = qsizetype(m_rows.size()) + take - m_capacity;
    if (overflow > 0) {
        beginRemoveRows({}, 0, int(overflow - 1));
        m_rows.erase(m_rows.begin(), m_rows.begin() + overflow);
        endRemoveRows();
    }
    const int first = int(m_rows.size());
    beginInsertRows({}, first, first + int(take) - 1);
    for (qsizetype i = from; i < batch.size(); ++i)
        m_rows.push_back(batch[i]);
    endInsertRows();
}

void MessagesModel::clear()
{
    beginResetModel();
    m_rows.clear();
    endResetModel();
}

const MessageRecord *MessagesModel::recordAt(int row) const
{
    return row >= 0 && row < int(m_rows.size()) ? &m_rows[size_t(row)] : nullptr;
}

QVariant MessagesModel::data(const QModelIndex &index, int role) const
{
    const MessageRecord *r = recordAt(index.row());
    if (!r || index.column() < 0 || index.column() >= ColumnCount) return {};
    if (role != Qt::DisplayRole) return {};
    switch (Column(index.column())) {
    case Time:
        return timeText(r->timeMs);
    case Topic:
        return QString::fromUtf8(r->topic);
    case Qos:
        return r->qos;
    case Retain:
        return r->retain ? tr("retain") : QString();
    case Client:
        return r->clientId.isEmpty() ? tr("(server)") : QString::fromUtf8(r->clientId);
    case Size:
        return int(r->payload.size());
    case Payload:
        return shortPayload(r->payload);
    case ColumnCount:
        break;
    }
    return {};
}

QVariant MessagesModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
    switch (Column(section)) {
    case Time:
        return tr("Time");
    case Topic:
        return tr("Topic");
    case Qos:
        return tr("QoS");
    case Retain:
        return tr("Retain");
    case Client:
        return tr("From");
    case Size:
        return tr("Bytes");
    case Payload:
        return tr("Payload");
    case ColumnCount:
        break;
    }
    return {};
}

QByteArray MessagesModel::toJsonLine(const MessageRecord &r)
{
    QJsonObject o{{QStringLiteral("time_ms"), r.timeMs},
                  {QStringLiteral("client_id"), QString::fromUtf8(r.clientId)},
                  {QStringLiteral("topic"), QString::fromUtf8(r.topic)},
                  {QStringLiteral("qos"), r.qos},
                  {QStringLiteral("retain"), r.retain}};
    if (packets::isValidUtf8(r.payload))
        o.insert(QStringLiteral("payload"), QString::fromUtf8(r.payload));
    else
        o.insert(QStringLiteral("payload_base64"), QString::fromLatin1(r.payload.toBase64()));
    const QJsonObject props = admin::propertiesToJson(r.properties);
    if (!props.isEmpty()) o.insert(QStringLiteral("properties"), props);
    return QJsonDocument(o).toJson(QJsonDocument::Compact) + '\n';
}

// ---- LogModel ----------------------------------------------------------------------------------

int LogModel::rank(QtMsgType t)
{
    switch (t) {
    case QtDebugMsg:
        return 0;
    case QtInfoMsg:
        return 1;
    case QtWarningMsg:
        return 2;
    case QtCriticalMsg:
        return 3;
    case QtFatalMsg:
        return 4;
    }
    return 1;
}

void LogModel::append(const QList<LogEntry> &entries)
{
    if (entries.isEmpty()) return;
    qsizetype from = std::max<qsizetype>(0, entries.size() - m_capacity);
    const qsizetype take = entries.size() - from;
    const qsizetype overflow = qsizetype(m_rows.size()) + take - m_capacity;
    if (overflow > 0) {
        beginRemoveRows({}, 0, int(overflow - 1));
        m_rows.erase(m_rows.begin(), m_rows.begin() + overflow);
        endRemoveRows();
    }
    const int first = int(m_rows.size());
    beginInsertRows({}, first, first + int(take) - 1);
    for (qsizetype i = from; i < entries.size(); ++i)
        m_rows.push_back(entries[i]);
    endInsertRows();
}

void LogModel::clear()
{
    beginResetModel();
    m_rows.clear();
    endResetModel();
}

QVariant LogModel::data(const QModelIndex &index, int role) const
{
    if (index.row() < 0 || index.row() >= int(m_rows.size()) || index.column() < 0 ||
        index.column() >= ColumnCount)
        return {};
    const LogEntry &e = m_rows[size_t(index.row())];
    if (role == LevelRankRole) return rank(e.type);
    if (role == Qt::ForegroundRole) {
        if (e.type == QtWarningMsg) return QBrush(QColor(176, 112, 0));
        if (e.type == QtCriticalMsg || e.type == QtFatalMsg) return QBrush(QColor(192, 32, 32));
        if (e.type == QtDebugMsg) return QBrush(QColor(120, 120, 120));
        return {};
    }
    if (role != Qt::DisplayRole) return {};
    switch (Column(index.column())) {
    case Time:
        return timeText(e.timeMs);
    case Level:
        switch (e.type) {
        case QtDebugMsg:
            return tr("debug");
        case QtInfoMsg:
            return tr("info");
        case QtWarningMsg:
            return tr("warning");
        case QtCriticalMsg:
            return tr("critical");
        case QtFatalMsg:
            return tr("fatal");
        }
        return {};
    case Category:
        return e.category;
    case Message:
        return e.message;
    case ColumnCount:
        break;
    }
    return {};
}

QVariant LogModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
    switch (Column(section)) {
    case Time:
        return tr("Time");
    case Level:
        return tr("Level");
    case Category:
        return tr("Category");
    case Message:
        return tr("Message");
    case ColumnCount:
        break;
    }
    return {};
}

// ---- payloads ----------------------------------------------------------------------------------

QString renderPayload(const QByteArray &payload, PayloadFormat format)
{
    switch (format) {
    case PayloadFormat::Hex: {
        QString out;
        for (qsizetype off = 0; off < payload.size(); off += 16) {
            const QByteArray chunk = payload.mid(off, 16);
            QString hex = QString::fromLatin1(chunk.toHex(' '));
            QString ascii;
            for (char ch : chunk)
                ascii += (ch >= 32 && ch < 127) ? QChar::fromLatin1(ch) : QLatin1Char('.');
            out += QStringLiteral("%1  %2  %3\n").arg(off, 8, 16, QLatin1Char('0')).arg(hex, -47).arg(ascii);
        }
        return out;
    }
    case PayloadFormat::Json: {
        QJsonParseError e;
        const QJsonDocument doc = QJsonDocument::fromJson(payload, &e);
        if (e.error == QJsonParseError::NoError)
            return QString::fromUtf8(doc.toJson(QJsonDocument::Indented));
        return QString::fromUtf8(payload);
    }
    case PayloadFormat::Text:
        break;
    }
    return QString::fromUtf8(payload);
}

QString shortPayload(const QByteArray &payload, int maxChars)
{
    if (!packets::isValidUtf8(payload)) {
        const QByteArray head = payload.left(maxChars / 3);
        return QStringLiteral("0x") + QString::fromLatin1(head.toHex()) +
               (payload.size() > head.size() ? QStringLiteral("…") : QString());
    }
    QString s = QString::fromUtf8(payload.left(maxChars * 4));
    s.replace(QLatin1Char('\n'), QLatin1Char(' '));
    if (s.size() > maxChars) s = s.left(maxChars) + QStringLiteral("…");
    return s;
}

} // namespace petrel::gui
