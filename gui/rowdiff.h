// The keyed diff behind the Clients and Subscriptions tables, split so that the expensive
// part (hashing and comparing 10,000 rows) runs where the snapshot is built (the embedded
// backend's snapshot thread, the attached backend's parse thread) and the GUI thread only
// applies the result: a few beginRemoveRows/beginInsertRows and dataChanged ranges.
//
// Row order is the model's: rows that stay keep their place, new rows are appended. A
// RowDiffer remembers the last list it handed out (in that order) and its id; each change
// set names the list it was computed against (`basis`) and the list it produces
// (`result`). A model applies a change set only on top of the list it names; anything else
// (a change set the model never saw the predecessor of, a mode switch, the broker
// restarted, a new window) makes the model take `rows` whole instead; one older than the
// list the model holds from the same differ is dropped (docs/gui-responsiveness.md).
#pragma once

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QSet>
#include <QThread>

#include <memory>

namespace petrel::gui {

// A process-wide unique id for a list of rows, never 0.
quint64 nextRowListId();

template <class Row>
struct RowChanges {
    struct Span {
        int first = 0;
        int last = 0;
        quint32 columns = 0; // changed: bit c = column c differs; removed: unused
        bool operator==(const Span &) const = default;
    };
    quint64 source = 0; // the RowDiffer that computed it (0: none); its ids only grow
    quint64 basis = 0;  // the list this was computed against
    quint64 result = 0; // the list `rows` is
    // The new list in model order: rows [0, kept) were in the basis (same relative order),
    // rows [kept, size) are new.
    QList<Row> rows;
    int kept = 0;
    QList<Span> removed;             // rows of the basis to remove, highest first (apply in this order)
    QList<Span> changed;             // rows of `rows` whose content changed, ascending
    Qt::HANDLE computedIn = nullptr; // the thread that computed it
    bool emitsNothing() const { return removed.isEmpty() && changed.isEmpty() && kept == rows.size(); }
};

template <class Row>
using RowKeyFn = QByteArray (*)(const Row &);
// Bit c set: column c shows something different (0: the rows are the same).
template <class Row>
using RowColumnsFn = quint32 (*)(const Row &, const Row &);

// Past this many runs of changed rows, one span over all of them (one signal).
inline constexpr int kMaxChangedRuns = 64;

// Pure: what turns `basis` into `fresh` (keys unique; a key repeated in `fresh` counts once).
template <class Row>
RowChanges<Row> diffRows(const QList<Row> &basis, const QList<Row> &fresh, RowKeyFn<Row> keyOf,
                         RowColumnsFn<Row> changedColumns)
{
    using Span = typename RowChanges<Row>::Span;
    RowChanges<Row> out;
    QHash<QByteArray, qsizetype> wanted;
    wanted.reserve(fresh.size());
    for (qsizetype i = 0; i < fresh.size(); ++i) {
        QByteArray key = keyOf(fresh[i]);
        if (!wanted.contains(key)) wanted.insert(std::move(key), i);
    }
    out.rows.reserve(wanted.size());
    QSet<QByteArray> present;
    present.reserve(basis.size());
    QList<Span> removedAscending;
    for (qsizetype i = 0; i < basis.size(); ++i) {
        QByteArray key = keyOf(basis[i]);
        const auto it = wanted.constFind(key);
        if (it == wanted.cend() || present.contains(key)) {
            if (!removedAscending.isEmpty() && removedAscending.last().last == int(i) - 1)
                removedAscending.last().last = int(i);
            else
                removedAscending.append({int(i), int(i), 0});
            continue;
        }
        const Row &f = fresh[*it];
        present.insert(std::move(key));
        const int row = int(out.rows.size());
        out.rows.append(f);
        const quint32 columns = changedColumns(basis[i], f);
        if (!columns) continue;
        if (!out.changed.isEmpty() && out.changed.last().last == row - 1) {
            out.changed.last().last = row;
            out.changed.last().columns |= columns;
        } else {
            out.changed.append({row, row, columns});
        }
    }
    out.kept = int(out.rows.size());
    for (qsizetype i = 0; i < fresh.size(); ++i) {
        QByteArray key = keyOf(fresh[i]);
        if (wanted.value(key) != i || present.contains(key)) continue; // kept, or a repeat
        out.rows.append(fresh[i]);
    }
    out.removed = QList<Span>(removedAscending.crbegin(), removedAscending.crend());
    if (out.changed.size() > kMaxChangedRuns) {
        quint32 all = 0;
        for (const Span &s : std::as_const(out.changed))
            all |= s.columns;
        out.changed = {{out.changed.first().first, out.changed.last().last, all}};
    }
    out.computedIn = QThread::currentThreadId();
    return out;
}

// The diffing side's memory: the last list handed out and its id. Used from one thread at
// a time (the snapshot thread, the parse thread).
template <class Row>
class RowDiffer {
public:
    RowDiffer(RowKeyFn<Row> keyOf, RowColumnsFn<Row> changedColumns)
        : m_keyOf(keyOf), m_changedColumns(changedColumns)
    {
    }
    // The change set from the last list handed out to `fresh`; `fresh` (in model order) is
    // the last list from now on.
    std::shared_ptr<const RowChanges<Row>> next(const QList<Row> &fresh)
    {
        auto c = std::make_shared<RowChanges<Row>>(diffRows(m_rows, fresh, m_keyOf, m_changedColumns));
        c->source = m_source;
        c->basis = m_id;
        c->result = m_id = nextRowListId();
        m_rows = c->rows;
        return c;
    }
    // Forgets the last list: the next change set is against an empty list no model holds.
    void reset()
    {
        m_rows.clear();
        m_id = nextRowListId();
    }
    quint64 lastId() const { return m_id; }

private:
    RowKeyFn<Row> m_keyOf;
    RowColumnsFn<Row> m_changedColumns;
    const quint64 m_source = nextRowListId();
    QList<Row> m_rows;
    quint64 m_id = nextRowListId();
};

} // namespace petrel::gui
