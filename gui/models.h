// The item models behind petrel-admin's views. Each is fed in batches (a snapshot, a list
// of messages or log lines) on the GUI thread; rows are updated in place by key, so
// selections and sort order survive a refresh, and a batch of N messages costs one
// insert/remove notification per model, not N.
#pragma once

#include "backend.h"
#include "rowdiff.h"

#include <QAbstractItemModel>
#include <QAbstractTableModel>
#include <QHash>

#include <bit>
#include <deque>
#include <memory>

namespace petrel::gui {

// Table models whose rows are keyed snapshots, updated from change sets (rowdiff.h): the
// diff is computed where the snapshot is built, this side only applies it.
template <class Row>
class KeyedTableModel : public QAbstractTableModel {
public:
    using Changes = RowChanges<Row>;
    KeyedTableModel(RowKeyFn<Row> keyOf, RowColumnsFn<Row> changedColumns, QObject *parent)
        : QAbstractTableModel(parent), m_keyOf(keyOf), m_changedColumns(changedColumns)
    {
    }
    int rowCount(const QModelIndex &parent = {}) const override { return parent.isValid() ? 0 : m_count; }
    const Row *rowAt(int row) const { return row >= 0 && row < m_count ? &m_rows[row] : nullptr; }
    const QList<Row> &rows() const { return m_rows; }
    // Id of the list the model holds (RowChanges::result of the last change set; 0: none).
    quint64 listId() const { return m_listId; }
    // Change sets taken whole because they did not follow the list the model held.
    int resyncs() const { return m_resyncs; }

    // Applies a change set computed elsewhere: removed rows leave (one removal per run,
    // highest first), changed rows get one dataChanged per run over the changed columns only
    // (a proxy sorted by another column does not re-sort), new rows come in one insertion at
    // the end. A change set computed against another list than the one held (stale, from
    // another backend or broker run) is not applied: the model takes its rows whole (an
    // insertion into an empty model, a removal to empty, else one reset). One already
    // applied, or older than the list held (same differ), is dropped.
    void applyChanges(const Changes &c)
    {
        if (c.result == m_listId || (c.source && c.source == m_source && c.result < m_listId)) return;
        m_source = c.source;
        qsizetype removed = 0;
        for (const typename Changes::Span &s : c.removed)
            removed += s.last - s.first + 1;
        if (c.basis != m_listId || m_rows.size() - removed != c.kept) {
            takeWhole(c);
            return;
        }
        for (const typename Changes::Span &s : c.removed) {
            beginRemoveRows({}, s.first, s.last);
            m_rows.remove(s.first, s.last - s.first + 1);
            m_count = int(m_rows.size());
            endRemoveRows();
        }
        // The new list shared with the differ (no copy); the appended rows stay outside
        // rowCount() until their insertion is announced.
        m_rows = c.rows;
        m_count = c.kept;
        m_listId = c.result;
        for (const typename Changes::Span &s : c.changed)
            Q_EMIT dataChanged(index(s.first, std::countr_zero(s.columns)),
                               index(s.last, 31 - std::countl_zero(s.columns)));
        if (c.kept < c.rows.size()) {
            beginInsertRows({}, c.kept, int(c.rows.size()) - 1);
            m_count = int(c.rows.size());
            endInsertRows();
        }
    }

protected:
    // Diffs `fresh` against the rows held, on this thread (tests, callers without a differ).
    void apply(const QList<Row> &fresh)
    {
        Changes c = diffRows(m_rows, fresh, m_keyOf, m_changedColumns);
        c.basis = m_listId;
        c.result = nextRowListId();
        applyChanges(c);
    }
    QList<Row> m_rows;

private:
    void takeWhole(const Changes &c)
    {
        ++m_resyncs;
        m_listId = c.result;
        if (m_rows.isEmpty() || c.rows.isEmpty()) {
            if (!m_rows.isEmpty()) {
                beginRemoveRows({}, 0, m_count - 1);
                m_rows.clear();
                m_count = 0;
                endRemoveRows();
            }
            if (!c.rows.isEmpty()) {
                beginInsertRows({}, 0, int(c.rows.size()) - 1);
                m_rows = c.rows;
                m_count = int(c.rows.size());
                endInsertRows();
            }
            return;
        }
        beginResetModel();
        m_rows = c.rows;
        m_count = int(c.rows.size());
        endResetModel();
    }
    RowKeyFn<Row> m_keyOf;
    RowColumnsFn<Row> m_changedColumns;
    int m_count = 0; // rows shown: m_rows.size() except inside an insertion
    quint64 m_listId = 0;
    quint64 m_source = 0;
    int m_resyncs = 0;
};

class ClientsModel final : public KeyedTableModel<admin::ClientSnapshot> {
    Q_OBJECT
public:
    enum Column {
        ClientId,
        Username,
        Status,
        RemoteAddress,
        Listener,
        Node,   // cluster mode: the node the client is on; empty otherwise
        Worker, // the broker's worker thread the session lives on (it can move: options.rebalance)
        Protocol,
        KeepAlive,
        SessionExpiry,
        Subscriptions,
        Inflight,
        Queued,
        MessagesIn,
        MessagesOut,
        ConnectedSince,
        ColumnCount
    };
    static constexpr int SortRole = Qt::UserRole + 1;
    explicit ClientsModel(QObject *parent = nullptr) : KeyedTableModel(keyOf, changedColumns, parent) {}
    // Diffs on this thread; the app applies the backend's change sets (applyChanges).
    void setClients(const QList<admin::ClientSnapshot> &clients) { apply(clients); }
    int columnCount(const QModelIndex &parent = {}) const override
    {
        return parent.isValid() ? 0 : ColumnCount;
    }
    QVariant data(const QModelIndex &index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;
    int rowOf(const QByteArray &clientId) const;

    // The diff's key and column comparison (RowDiffer, any thread).
    static QByteArray keyOf(const admin::ClientSnapshot &c) { return c.clientId; }
    static quint32 changedColumns(const admin::ClientSnapshot &a, const admin::ClientSnapshot &b);
};

class SubscriptionsModel final : public KeyedTableModel<admin::SubscriptionSnapshot> {
    Q_OBJECT
public:
    enum Column {
        Filter,
        ClientId,
        Qos,
        NoLocal,
        RetainAsPublished,
        RetainHandling,
        Identifier,
        ShareGroup,
        ColumnCount
    };
    explicit SubscriptionsModel(QObject *parent = nullptr) : KeyedTableModel(keyOf, changedColumns, parent) {}
    // Diffs on this thread; the app applies the backend's change sets (applyChanges).
    void setSubscriptions(const QList<admin::SubscriptionSnapshot> &subs) { apply(subs); }
    int columnCount(const QModelIndex &parent = {}) const override
    {
        return parent.isValid() ? 0 : ColumnCount;
    }
    QVariant data(const QModelIndex &index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

    // The diff's key and column comparison (RowDiffer, any thread).
    static QByteArray keyOf(const admin::SubscriptionSnapshot &s) { return s.clientId + '\0' + s.filter; }
    static quint32 changedColumns(const admin::SubscriptionSnapshot &a, const admin::SubscriptionSnapshot &b);
};

// The live topic tree: one node per topic level, message counts (the node's own and its
// subtree's), last payload, retained flag. Fed by message batches and retained snapshots.
class TopicTreeModel final : public QAbstractItemModel {
    Q_OBJECT
public:
    enum Column { Name, Messages, Retained, LastPayload, ColumnCount };
    static constexpr int TopicRole = Qt::UserRole + 1; // full topic (QByteArray)
    explicit TopicTreeModel(QObject *parent = nullptr);
    ~TopicTreeModel() override;

    void addMessages(const QList<MessageRecord> &batch);
    // Marks the topics with a retained message (and unmarks the others); adds missing ones.
    void setRetained(const QList<admin::RetainedSnapshot> &retained);
    void clear();

    struct Node {
        QByteArray name;
        QByteArray topic; // full topic of this node
        Node *parent = nullptr;
        int rowInParent = 0; // children are only appended (or all cleared): stable
        std::vector<std::unique_ptr<Node>> children;
        QHash<QByteArray, Node *> byName;
        qint64 ownMessages = 0;   // messages on exactly this topic
        qint64 totalMessages = 0; // this topic and below
        bool retained = false;
        bool hasMessage = false;
        MessageRecord last; // last message on exactly this topic (or its retained one)
        // Per batch: the stamp of the last batch that touched this node and the index of its
        // last message in it (-1: none), so a batch costs one hash lookup per message and one
        // copy of `last` per topic.
        quint64 stamp = 0;
        qsizetype lastInBatch = -1;
        int row() const;
    };
    const Node *nodeAt(const QModelIndex &index) const;
    QModelIndex indexOfTopic(const QByteArray &topic) const;
    int topicCount() const { return m_topics; }

    QModelIndex index(int row, int column, const QModelIndex &parent = {}) const override;
    QModelIndex parent(const QModelIndex &child) const override;
    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

private:
    // Adds the levels of `topics` the tree does not have yet: one rowsInserted per parent that
    // gets new children (their own subtrees are built before the view can see them).
    void insertMissing(const QList<QByteArray> &topics);
    Node *nodeFor(const QByteArray &topic, QSet<Node *> &changed); // creates levels as needed
    // One dataChanged per parent, over the span of its changed children.
    void emitChanged(const std::vector<Node *> &changed); // each node once
    void emitChanged(const QSet<Node *> &changed);
    QModelIndex indexOf(const Node *n, int column = 0) const;
    Node m_root;
    QHash<QByteArray, Node *> m_byTopic; // every node by its full topic
    quint64 m_stamp = 0;
    int m_topics = 0;
};

// Messages seen on the chosen filter, newest last, bounded (oldest dropped in one batch).
class MessagesModel final : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { Time, Topic, Qos, Retain, Client, Size, Payload, ColumnCount };
    explicit MessagesModel(QObject *parent = nullptr) : QAbstractTableModel(parent) {}
    void setCapacity(int capacity) { m_capacity = std::max(1, capacity); }
    int capacity() const { return m_capacity; }
    void append(const QList<MessageRecord> &batch);
    void clear();
    const MessageRecord *recordAt(int row) const;
    int rowCount(const QModelIndex &parent = {}) const override
    {
        return parent.isValid() ? 0 : int(m_rows.size());
    }
    int columnCount(const QModelIndex &parent = {}) const override
    {
        return parent.isValid() ? 0 : ColumnCount;
    }
    QVariant data(const QModelIndex &index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;
    // One JSON object per line: time_ms, client_id, topic, qos, retain, payload / payload_base64, properties.
    static QByteArray toJsonLine(const MessageRecord &r);

private:
    std::deque<MessageRecord> m_rows;
    int m_capacity = 10000;
};

// Log lines, newest last, bounded.
class LogModel final : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { Time, Level, Category, Message, ColumnCount };
    static constexpr int LevelRankRole = Qt::UserRole + 1; // 0 debug .. 4 fatal
    explicit LogModel(QObject *parent = nullptr) : QAbstractTableModel(parent) {}
    void append(const QList<LogEntry> &entries);
    void clear();
    int rowCount(const QModelIndex &parent = {}) const override
    {
        return parent.isValid() ? 0 : int(m_rows.size());
    }
    int columnCount(const QModelIndex &parent = {}) const override
    {
        return parent.isValid() ? 0 : ColumnCount;
    }
    QVariant data(const QModelIndex &index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;
    static int rank(QtMsgType t);

private:
    std::deque<LogEntry> m_rows;
    int m_capacity = 5000;
};

// Payload rendering shared by views: text (UTF-8, with control characters shown), hex
// dump, or indented JSON (falls back to text when it is not JSON).
enum class PayloadFormat { Text, Hex, Json };
QString renderPayload(const QByteArray &payload, PayloadFormat format);
QString shortPayload(const QByteArray &payload, int maxChars = 120);

} // namespace petrel::gui
