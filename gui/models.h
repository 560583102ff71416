// The item models behind petrel-admin's views. Each is fed in batches (a snapshot, a list
// of messages or log lines) on the GUI thread; rows are updated in place by key, so
// selections and sort order survive a refresh, and a batch of N messages costs one
// insert/remove notification per model, not N.
#pragma once

#include "backend.h"

#include <QAbstractItemModel>
#include <QAbstractTableModel>
#include <QHash>

#include <bit>
#include <deque>
#include <memory>

namespace petrel::gui {

// Shared key-diff for table models whose rows are keyed snapshots.
template <class Row, class Base = QAbstractTableModel>
class KeyedTableModel : public Base {
public:
    using Base::Base;
    int rowCount(const QModelIndex &parent = {}) const override
    {
        return parent.isValid() ? 0 : int(m_rows.size());
    }
    const Row *rowAt(int row) const { return row >= 0 && row < m_rows.size() ? &m_rows[row] : nullptr; }
    const QList<Row> &rows() const { return m_rows; }

protected:
    virtual QByteArray keyOf(const Row &r) const = 0;
    // Bit c set: column c shows something different (0: the rows are the same). Fields no
    // column shows count for the last column.
    virtual quint32 changedColumns(const Row &a, const Row &b) const = 0;
    // Replaces the rows with `fresh`: removed keys leave, known keys are updated in place
    // (one dataChanged over the changed span), new keys are appended in one insert.
    void apply(const QList<Row> &fresh)
    {
        QHash<QByteArray, int> wanted;
        wanted.reserve(fresh.size());
        for (int i = 0; i < fresh.size(); ++i)
            wanted.insert(keyOf(fresh[i]), i);
        // Removals, from the end, in contiguous runs.
        for (int i = int(m_rows.size()) - 1; i >= 0;) {
            if (wanted.contains(keyOf(m_rows[i]))) {
                --i;
                continue;
            }
            int first = i;
            while (first > 0 && !wanted.contains(keyOf(m_rows[first - 1])))
                --first;
            this->beginRemoveRows({}, first, i);
            m_rows.remove(first, i - first + 1);
            this->endRemoveRows();
            i = first - 1;
        }
        // Updates in place; dataChanged only over rows and columns whose content changed, one
        // signal per contiguous run of rows (a sorting proxy re-sorts only when the sort
        // column is in the changed range: with 10,000 clients whose message counters move
        // every second, sorted by id, nothing is re-sorted).
        QHash<QByteArray, int> present;
        present.reserve(m_rows.size());
        struct Run {
            int first, last;
            quint32 columns;
        };
        QList<Run> runs;
        for (int i = 0; i < m_rows.size(); ++i) {
            const QByteArray k = keyOf(m_rows[i]);
            present.insert(k, i);
            const Row &f = fresh[wanted.value(k)];
            const quint32 columns = changedColumns(m_rows[i], f);
            if (!columns) continue;
            m_rows[i] = f;
            if (!runs.isEmpty() && runs.last().last == i - 1) {
                runs.last().last = i;
                runs.last().columns |= columns;
            } else {
                runs.append({i, i, columns});
            }
        }
        if (runs.size() > 64) { // one span then
            quint32 all = 0;
            for (const Run &r : std::as_const(runs))
                all |= r.columns;
            runs = {{runs.first().first, runs.last().last, all}};
        }
        for (const Run &r : std::as_const(runs))
            Q_EMIT this->dataChanged(this->index(r.first, std::countr_zero(r.columns)),
                                     this->index(r.last, 31 - std::countl_zero(r.columns)));
        // Insertions.
        QList<Row> added;
        for (const Row &r : fresh)
            if (!present.contains(keyOf(r))) added.append(r);
        if (!added.isEmpty()) {
            this->beginInsertRows({}, int(m_rows.size()), int(m_rows.size() + added.size() - 1));
            m_rows.append(added);
            this->endInsertRows();
        }
    }
    QList<Row> m_rows;
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
        Node, // cluster mode: the node the client is on; empty otherwise
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
    explicit ClientsModel(QObject *parent = nullptr) : KeyedTableModel(parent) {}
    void setClients(const QList<admin::ClientSnapshot> &clients) { apply(clients); }
    int columnCount(const QModelIndex &parent = {}) const override
    {
        return parent.isValid() ? 0 : ColumnCount;
    }
    QVariant data(const QModelIndex &index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;
    int rowOf(const QByteArray &clientId) const;

protected:
    QByteArray keyOf(const admin::ClientSnapshot &c) const override { return c.clientId; }
    quint32 changedColumns(const admin::ClientSnapshot &a, const admin::ClientSnapshot &b) const override;
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
    explicit SubscriptionsModel(QObject *parent = nullptr) : KeyedTableModel(parent) {}
    void setSubscriptions(const QList<admin::SubscriptionSnapshot> &subs) { apply(subs); }
    int columnCount(const QModelIndex &parent = {}) const override
    {
        return parent.isValid() ? 0 : ColumnCount;
    }
    QVariant data(const QModelIndex &index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

protected:
    QByteArray keyOf(const admin::SubscriptionSnapshot &s) const override
    {
        return s.clientId + '\0' + s.filter;
    }
    quint32 changedColumns(const admin::SubscriptionSnapshot &a,
                           const admin::SubscriptionSnapshot &b) const override;
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
