// Every petrel-admin model under QAbstractItemModelTester (fatal mode) while it is fed the
// way the app feeds it: snapshots that add, change and remove rows, message and log
// batches past the capacity. Plus the YAML the Settings view saves loads back unchanged.
#include "config/config.h"
#include "configio.h"
#include "gui_test_util.h"
#include "models.h"
#include "views.h"

#include <QAbstractItemModelTester>
#include <QChart>
#include <QJsonObject>
#include <QLineSeries>
#include <QPushButton>
#include <QSignalSpy>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QTest>

#include <thread>

using namespace petrel;
using namespace petrel::gui;

namespace {

admin::ClientSnapshot client(const QByteArray &id, bool connected = true, int subs = 0)
{
    admin::ClientSnapshot c;
    c.clientId = id;
    c.connected = connected;
    c.subscriptions = subs;
    c.protocolVersion = 5;
    return c;
}

MessageRecord message(const QByteArray &topic, const QByteArray &payload, bool retain = false)
{
    MessageRecord r;
    r.topic = topic;
    r.payload = payload;
    r.retain = retain;
    r.timeMs = 1000;
    return r;
}

using ClientChanges = RowChanges<admin::ClientSnapshot>;
using Span = ClientChanges::Span;

QList<QByteArray> ids(const QList<admin::ClientSnapshot> &rows)
{
    QList<QByteArray> out;
    for (const admin::ClientSnapshot &c : rows)
        out.append(c.clientId);
    return out;
}

QList<QByteArray> modelIds(const ClientsModel &m)
{
    QList<QByteArray> out;
    for (int i = 0; i < m.rowCount(); ++i)
        out.append(m.rowAt(i)->clientId);
    return out;
}

ClientChanges diffClients(const QList<admin::ClientSnapshot> &basis,
                          const QList<admin::ClientSnapshot> &fresh)
{
    return diffRows(basis, fresh, ClientsModel::keyOf, ClientsModel::changedColumns);
}

quint32 bit(int column)
{
    return 1u << column;
}

} // namespace

class TestGuiModels : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { petrel::test::isolateSettings(QStringLiteral("tst_gui_models")); }
    void clientsModel();
    void clientsNodeColumn();
    void clientsWorkerColumn();
    void subscriptionsModel();
    void rowDiff();
    void rowDiffRunsAndRepeats();
    void modelAppliesChangeSets();
    void staleAndForeignChangeSets();
    void clientsViewSelectionSurvivesResync();
    void subscriptionChangeSets();
    void dashboardKeepsNoLists();
    void dashboardLevelCharts();
    void topicTree();
    void topicTreeNestedTopicsInOneBatch();
    void messagesModel();
    void logModel();
    void payloadRendering();
    void configRoundTrip();
};

void TestGuiModels::clientsModel()
{
    ClientsModel m;
    QAbstractItemModelTester tester(&m, QAbstractItemModelTester::FailureReportingMode::Fatal);
    QSortFilterProxyModel proxy;
    proxy.setSourceModel(&m);
    proxy.setSortRole(ClientsModel::SortRole);
    proxy.sort(ClientsModel::ClientId);
    QAbstractItemModelTester proxyTester(&proxy, QAbstractItemModelTester::FailureReportingMode::Fatal);

    m.setClients({client("a"), client("b"), client("c")});
    QCOMPARE(m.rowCount(), 3);
    QSignalSpy inserted(&m, &QAbstractItemModel::rowsInserted);
    QSignalSpy removed(&m, &QAbstractItemModel::rowsRemoved);
    QSignalSpy reset(&m, &QAbstractItemModel::modelReset);
    QSignalSpy changed(&m, &QAbstractItemModel::dataChanged);
    // b leaves, c changes, d and e arrive: one removal, one insertion, rows kept in place,
    // dataChanged for c's row only (a did not change).
    m.setClients({client("a"), client("c", false, 4), client("d"), client("e")});
    QCOMPARE(m.rowCount(), 4);
    QCOMPARE(removed.size(), 1);
    QCOMPARE(inserted.size(), 1);
    QCOMPARE(reset.size(), 0);
    QCOMPARE(changed.size(), 1);
    QCOMPARE(changed[0][0].toModelIndex().row(), 1);
    QCOMPARE(changed[0][1].toModelIndex().row(), 1);
    // Only the columns that changed: Status .. Subscriptions.
    QCOMPARE(changed[0][0].toModelIndex().column(), int(ClientsModel::Status));
    QCOMPARE(changed[0][1].toModelIndex().column(), int(ClientsModel::Subscriptions));
    // The same snapshot again: no signal at all (10,000 idle clients cost no re-sort).
    changed.clear();
    m.setClients({client("a"), client("c", false, 4), client("d"), client("e")});
    QCOMPARE(changed.size(), 0);
    QCOMPARE(inserted.size(), 1);
    QCOMPARE(removed.size(), 1);
    // Every client's message counter moves: one dataChanged over that column only, and the
    // proxy sorted by id does not re-sort (no layout change).
    QSignalSpy proxyLayout(&proxy, &QAbstractItemModel::layoutChanged);
    QList<admin::ClientSnapshot> counted;
    for (const QByteArray id : {"a", "c", "d", "e"}) {
        admin::ClientSnapshot x = id == "c" ? client("c", false, 4) : client(id);
        x.messagesIn = 5;
        counted.append(x);
    }
    m.setClients(counted);
    QCOMPARE(changed.size(), 1);
    QCOMPARE(changed[0][0].toModelIndex().row(), 0);
    QCOMPARE(changed[0][1].toModelIndex().row(), 3);
    QCOMPARE(changed[0][0].toModelIndex().column(), int(ClientsModel::MessagesIn));
    QCOMPARE(changed[0][1].toModelIndex().column(), int(ClientsModel::MessagesIn));
    QCOMPARE(proxyLayout.size(), 0);
    QCOMPARE(proxy.index(1, ClientsModel::MessagesIn).data().toString(), QStringLiteral("5"));
    QCOMPARE(m.rowOf("c"), 1);
    QCOMPARE(m.index(1, ClientsModel::Status).data().toString(), QStringLiteral("offline"));
    QCOMPARE(m.index(1, ClientsModel::Subscriptions).data().toInt(), 4);
    QCOMPARE(m.index(1, ClientsModel::Protocol).data().toString(), QStringLiteral("5"));
    QCOMPARE(proxy.index(3, ClientsModel::ClientId).data().toString(), QStringLiteral("e"));
    m.setClients({});
    QCOMPARE(m.rowCount(), 0);
    QCOMPARE(m.headerData(ClientsModel::ConnectedSince, Qt::Horizontal, Qt::DisplayRole).toString(),
             QStringLiteral("Connected since"));
}

// Cluster mode: the admin API's "node" of each client in its own column (empty when the
// broker is not clustered), sortable and filterable, and a client moving to another node
// changes that cell only.
// The Worker column: the worker thread a session lives on, as the admin API reports it (empty
// for a client of another node); a client that moves to another worker changes that cell only.
void TestGuiModels::clientsWorkerColumn()
{
    ClientsModel m;
    QAbstractItemModelTester tester(&m, QAbstractItemModelTester::FailureReportingMode::Fatal);
    QCOMPARE(m.headerData(ClientsModel::Worker, Qt::Horizontal, Qt::DisplayRole).toString(),
             QStringLiteral("Worker"));
    admin::ClientSnapshot a = admin::clientFromJson(
        QJsonObject{{QStringLiteral("client_id"), QStringLiteral("a")}, {QStringLiteral("worker"), 1}});
    admin::ClientSnapshot remote = admin::clientFromJson(
        QJsonObject{{QStringLiteral("client_id"), QStringLiteral("r")}, {QStringLiteral("remote"), true}});
    m.setClients({a, remote});
    QCOMPARE(m.index(m.rowOf("a"), ClientsModel::Worker).data().toString(), QStringLiteral("1"));
    QCOMPARE(m.index(m.rowOf("r"), ClientsModel::Worker).data().toString(), QString());
    QCOMPARE(admin::toJson(a).value(QStringLiteral("worker")).toInt(-1), 1);
    QVERIFY(!admin::toJson(remote).contains(QStringLiteral("worker")));

    QSignalSpy changed(&m, &QAbstractItemModel::dataChanged);
    a.worker = 0;
    m.setClients({a, remote});
    QCOMPARE(changed.size(), 1);
    QCOMPARE(changed[0][0].toModelIndex().column(), int(ClientsModel::Worker));
    QCOMPARE(changed[0][1].toModelIndex().column(), int(ClientsModel::Worker));
    QCOMPARE(m.index(m.rowOf("a"), ClientsModel::Worker).data().toString(), QStringLiteral("0"));
}

void TestGuiModels::clientsNodeColumn()
{
    ClientsModel m;
    QAbstractItemModelTester tester(&m, QAbstractItemModelTester::FailureReportingMode::Fatal);
    QSortFilterProxyModel proxy;
    proxy.setSourceModel(&m);
    proxy.setSortRole(ClientsModel::SortRole);
    proxy.setFilterKeyColumn(-1);
    QAbstractItemModelTester proxyTester(&proxy, QAbstractItemModelTester::FailureReportingMode::Fatal);
    QCOMPARE(m.headerData(ClientsModel::Node, Qt::Horizontal, Qt::DisplayRole).toString(),
             QStringLiteral("Node"));

    // Not clustered: no node, an empty cell.
    m.setClients({client("solo")});
    QCOMPARE(m.index(0, ClientsModel::Node).data().toString(), QString());
    // Clustered: the node of each client, as the admin API reports it.
    admin::ClientSnapshot a = admin::clientFromJson(QJsonObject{
        {QStringLiteral("client_id"), QStringLiteral("a")}, {QStringLiteral("node"), QStringLiteral("n2")}});
    admin::ClientSnapshot b = client("b");
    b.node = QStringLiteral("n1");
    m.setClients({a, b});
    QCOMPARE(m.index(m.rowOf("a"), ClientsModel::Node).data().toString(), QStringLiteral("n2"));
    QCOMPARE(m.index(m.rowOf("b"), ClientsModel::Node).data().toString(), QStringLiteral("n1"));
    proxy.sort(ClientsModel::Node);
    QCOMPARE(proxy.index(0, ClientsModel::ClientId).data().toString(), QStringLiteral("b"));
    proxy.setFilterFixedString(QStringLiteral("n2"));
    QCOMPARE(proxy.rowCount(), 1);
    QCOMPARE(proxy.index(0, ClientsModel::ClientId).data().toString(), QStringLiteral("a"));
    proxy.setFilterFixedString(QString());

    // a moves to n1: one dataChanged over the Node column of its row.
    QSignalSpy changed(&m, &QAbstractItemModel::dataChanged);
    a.node = QStringLiteral("n1");
    m.setClients({a, b});
    QCOMPARE(changed.size(), 1);
    QCOMPARE(changed[0][0].toModelIndex().row(), m.rowOf("a"));
    QCOMPARE(changed[0][0].toModelIndex().column(), int(ClientsModel::Node));
    QCOMPARE(changed[0][1].toModelIndex().column(), int(ClientsModel::Node));
    QCOMPARE(m.index(m.rowOf("a"), ClientsModel::Node).data().toString(), QStringLiteral("n1"));
}

void TestGuiModels::subscriptionsModel()
{
    SubscriptionsModel m;
    QAbstractItemModelTester tester(&m, QAbstractItemModelTester::FailureReportingMode::Fatal);
    admin::SubscriptionSnapshot s1{"c1", "a/#", {}, 1, true, false, 2, 7};
    admin::SubscriptionSnapshot s2{"c2", "$share/g/a/#", "g", 0, false, true, 0, 0};
    m.setSubscriptions({s1, s2});
    QCOMPARE(m.rowCount(), 2);
    QCOMPARE(m.index(0, SubscriptionsModel::NoLocal).data().toString(), QStringLiteral("yes"));
    QCOMPARE(m.index(0, SubscriptionsModel::Identifier).data().toInt(), 7);
    QCOMPARE(m.index(1, SubscriptionsModel::ShareGroup).data().toString(), QStringLiteral("g"));
    // Same client, same filter, new QoS: updated in place (keyed by client + filter).
    s1.qos = 2;
    m.setSubscriptions({s1});
    QCOMPARE(m.rowCount(), 1);
    QCOMPARE(m.index(0, SubscriptionsModel::Qos).data().toInt(), 2);
}

// The diff the backends run off the GUI thread, as a pure function: removed rows (highest
// run first), kept rows in their old order with the columns that changed, new rows
// appended; unchanged rows produce nothing.
void TestGuiModels::rowDiff()
{
    admin::ClientSnapshot c2 = client("c");
    c2.messagesIn = 7;
    const QList<admin::ClientSnapshot> basis = {client("a"), client("b"), client("c"), client("d"),
                                                client("e")};
    const ClientChanges d = diffClients(basis, {client("g"), client("e"), c2, client("a"), client("f")});
    QCOMPARE(ids(d.rows), (QList<QByteArray>{"a", "c", "e", "g", "f"}));
    QCOMPARE(d.kept, 3);
    QCOMPARE(d.removed, (QList<Span>{{3, 3, 0}, {1, 1, 0}})); // d, then b
    QCOMPARE(d.changed, (QList<Span>{{1, 1, bit(ClientsModel::MessagesIn)}}));
    QCOMPARE(d.rows[1].messagesIn, std::uint64_t(7));
    QVERIFY(!d.emitsNothing());
    QCOMPARE(d.computedIn, QThread::currentThreadId());

    // The same rows in another order: nothing to signal, the old order kept.
    const ClientChanges same = diffClients(basis, {basis[4], basis[3], basis[2], basis[1], basis[0]});
    QVERIFY(same.emitsNothing());
    QCOMPARE(ids(same.rows), ids(basis));
    // From nothing: all new. To nothing: one removal of all.
    const ClientChanges fromEmpty = diffClients({}, basis);
    QCOMPARE(fromEmpty.kept, 0);
    QCOMPARE(ids(fromEmpty.rows), ids(basis));
    QVERIFY(fromEmpty.removed.isEmpty() && fromEmpty.changed.isEmpty());
    const ClientChanges toEmpty = diffClients(basis, {});
    QCOMPARE(toEmpty.removed, (QList<Span>{{0, 4, 0}}));
    QVERIFY(toEmpty.rows.isEmpty());
    // A hidden field (the will, shown in the details pane) marks the last column.
    admin::ClientSnapshot willed = client("a");
    willed.hasWill = true;
    QCOMPARE(diffClients({client("a")}, {willed}).changed,
             (QList<Span>{{0, 0, bit(ClientsModel::ColumnCount - 1)}}));

    // Pure: the same answer on another thread, which it names.
    ClientChanges elsewhere;
    std::thread t([&] {
        elsewhere = diffClients(basis, {client("g"), client("e"), c2, client("a"), client("f")});
    });
    t.join();
    QCOMPARE(ids(elsewhere.rows), ids(d.rows));
    QCOMPARE(elsewhere.removed, d.removed);
    QCOMPARE(elsewhere.changed, d.changed);
    QVERIFY(elsewhere.computedIn != QThread::currentThreadId());
}

// Runs: adjacent removed or changed rows are one span each; past 64 runs of changed rows,
// one span over all. A key repeated in the fresh list counts once.
void TestGuiModels::rowDiffRunsAndRepeats()
{
    QList<admin::ClientSnapshot> basis;
    for (int i = 0; i < 10; ++i)
        basis.append(client("k" + QByteArray::number(i)));
    QList<admin::ClientSnapshot> fresh = basis;
    fresh.remove(6, 3); // k6..k8
    fresh.remove(1, 2); // k1, k2
    fresh[0].inflight = 1;
    fresh[1].queued = 2;    // k3
    fresh[2].keepAlive = 3; // k4
    const ClientChanges d = diffClients(basis, fresh);
    QCOMPARE(d.removed, (QList<Span>{{6, 8, 0}, {1, 2, 0}}));
    QCOMPARE(d.changed, (QList<Span>{{0, 2,
                                      bit(ClientsModel::Inflight) | bit(ClientsModel::Queued) |
                                          bit(ClientsModel::KeepAlive)}}));

    QList<admin::ClientSnapshot> many;
    for (int i = 0; i < 200; ++i)
        many.append(client("m" + QByteArray::number(1000 + i)));
    QList<admin::ClientSnapshot> everyOther = many;
    for (int i = 0; i < 200; i += 2)
        everyOther[i].messagesOut = 1;
    const ClientChanges coalesced = diffClients(many, everyOther);
    QCOMPARE(coalesced.changed, (QList<Span>{{0, 198, bit(ClientsModel::MessagesOut)}}));
    QList<admin::ClientSnapshot> fewRuns = many;
    for (int i = 0; i < 64 * 2; i += 2)
        fewRuns[i].messagesOut = 1;
    QCOMPARE(diffClients(many, fewRuns).changed.size(), 64);

    admin::ClientSnapshot twice = client("n");
    twice.inflight = 9;
    const ClientChanges repeats = diffClients({client("a")}, {client("a"), client("n"), twice, client("a")});
    QCOMPARE(ids(repeats.rows), (QList<QByteArray>{"a", "n"}));
    QCOMPARE(repeats.rows[1].inflight, 0); // the first of the repeats
    QVERIFY(repeats.changed.isEmpty());
}

// The Clients model applies change sets computed elsewhere (RowDiffer, as the backends do):
// exactly the precomputed removals, dataChanged ranges and insertion, nothing for an
// unchanged list, rows shared with the change set; a sorting proxy stays right.
void TestGuiModels::modelAppliesChangeSets()
{
    ClientsModel m;
    QAbstractItemModelTester tester(&m, QAbstractItemModelTester::FailureReportingMode::Fatal);
    QSortFilterProxyModel proxy;
    proxy.setSourceModel(&m);
    proxy.setSortRole(ClientsModel::SortRole);
    proxy.setDynamicSortFilter(true);
    proxy.sort(ClientsModel::ClientId, Qt::DescendingOrder);
    QAbstractItemModelTester proxyTester(&proxy, QAbstractItemModelTester::FailureReportingMode::Fatal);
    RowDiffer<admin::ClientSnapshot> differ(ClientsModel::keyOf, ClientsModel::changedColumns);

    QSignalSpy inserted(&m, &QAbstractItemModel::rowsInserted);
    QSignalSpy removed(&m, &QAbstractItemModel::rowsRemoved);
    QSignalSpy reset(&m, &QAbstractItemModel::modelReset);
    QSignalSpy changed(&m, &QAbstractItemModel::dataChanged);
    const auto clearSpies = [&] {
        inserted.clear();
        removed.clear();
        reset.clear();
        changed.clear();
    };

    // The first change set of a differ the model never followed: taken whole, as one
    // insertion (the model was empty), no reset.
    auto first = differ.next({client("a"), client("b"), client("c"), client("d")});
    m.applyChanges(*first);
    QCOMPARE(modelIds(m), (QList<QByteArray>{"a", "b", "c", "d"}));
    QCOMPARE(inserted.size(), 1);
    QCOMPARE(reset.size(), 0);
    QCOMPARE(m.resyncs(), 1);
    QCOMPARE(m.listId(), first->result);
    clearSpies();

    // b and d leave, c changes, e and f arrive: the change set's spans, nothing more.
    admin::ClientSnapshot c = client("c", false, 4);
    auto second = differ.next({client("f"), c, client("a"), client("e")});
    QCOMPARE(second->basis, first->result);
    m.applyChanges(*second);
    QCOMPARE(m.resyncs(), 1);
    QCOMPARE(reset.size(), 0);
    QCOMPARE(removed.size(), 2);
    QCOMPARE(removed[0][1].toInt(), 3); // d first (highest), then b
    QCOMPARE(removed[0][2].toInt(), 3);
    QCOMPARE(removed[1][1].toInt(), 1);
    QCOMPARE(removed[1][2].toInt(), 1);
    QCOMPARE(changed.size(), 1);
    QCOMPARE(changed[0][0].toModelIndex().row(), 1);
    QCOMPARE(changed[0][1].toModelIndex().row(), 1);
    QCOMPARE(changed[0][0].toModelIndex().column(), int(ClientsModel::Status));
    QCOMPARE(changed[0][1].toModelIndex().column(), int(ClientsModel::Subscriptions));
    QCOMPARE(inserted.size(), 1);
    QCOMPARE(inserted[0][1].toInt(), 2);
    QCOMPARE(inserted[0][2].toInt(), 3);
    QCOMPARE(modelIds(m), (QList<QByteArray>{"a", "c", "f", "e"}));
    QCOMPARE(m.index(1, ClientsModel::Status).data().toString(), QStringLiteral("offline"));
    QCOMPARE(m.rows().constData(), second->rows.constData()); // shared, not copied
    QCOMPARE(proxy.index(0, ClientsModel::ClientId).data().toString(), QStringLiteral("f"));
    QCOMPARE(proxy.index(3, ClientsModel::ClientId).data().toString(), QStringLiteral("a"));
    clearSpies();

    // The same list again: an empty change set, no signal at all. Applying one twice: nothing.
    auto same = differ.next({client("f"), c, client("a"), client("e")});
    QVERIFY(same->emitsNothing());
    m.applyChanges(*same);
    m.applyChanges(*same);
    QCOMPARE(inserted.size() + removed.size() + reset.size() + changed.size(), 0);
    QCOMPARE(m.listId(), same->result);

    // Counters move on every row: one dataChanged over that column, the proxy keeps its order.
    QList<admin::ClientSnapshot> counted;
    for (const QByteArray id : {"a", "c", "e", "f"}) {
        admin::ClientSnapshot x = id == "c" ? c : client(id);
        x.messagesIn = 5;
        counted.append(x);
    }
    QSignalSpy proxyLayout(&proxy, &QAbstractItemModel::layoutChanged);
    m.applyChanges(*differ.next(counted));
    QCOMPARE(changed.size(), 1);
    QCOMPARE(changed[0][0].toModelIndex().row(), 0);
    QCOMPARE(changed[0][1].toModelIndex().row(), 3);
    QCOMPARE(changed[0][0].toModelIndex().column(), int(ClientsModel::MessagesIn));
    QCOMPARE(changed[0][1].toModelIndex().column(), int(ClientsModel::MessagesIn));
    QCOMPARE(proxyLayout.size(), 0);
    QCOMPARE(inserted.size() + removed.size() + reset.size(), 0);

    // All leave: one removal, no reset.
    clearSpies();
    m.applyChanges(*differ.next({}));
    QCOMPARE(m.rowCount(), 0);
    QCOMPARE(removed.size(), 1);
    QCOMPARE(reset.size(), 0);
}

// Races: a change set whose predecessor the model never applied (dropped, or the model is
// new) is not applied on top of the wrong rows: the model takes its rows whole (one reset);
// a late older one from the same differ is dropped; another differ's (mode switch, broker
// restarted: RowDiffer::reset) is taken whole; setClients() after change sets diffs here.
void TestGuiModels::staleAndForeignChangeSets()
{
    ClientsModel m;
    QAbstractItemModelTester tester(&m, QAbstractItemModelTester::FailureReportingMode::Fatal);
    RowDiffer<admin::ClientSnapshot> differ(ClientsModel::keyOf, ClientsModel::changedColumns);
    m.applyChanges(*differ.next({client("a"), client("b"), client("c")}));
    QSignalSpy reset(&m, &QAbstractItemModel::modelReset);
    QSignalSpy removed(&m, &QAbstractItemModel::rowsRemoved);

    auto skipped = differ.next({client("a"), client("c")}); // never reaches the model
    auto next = differ.next({client("c"), client("d")});    // against `skipped`, not what m holds
    m.applyChanges(*next);
    QCOMPARE(reset.size(), 1);
    QCOMPARE(removed.size(), 0);
    QCOMPARE(modelIds(m), (QList<QByteArray>{"c", "d"}));
    QCOMPARE(m.resyncs(), 2);
    // The skipped one arriving late: dropped.
    m.applyChanges(*skipped);
    QCOMPARE(modelIds(m), (QList<QByteArray>{"c", "d"}));
    QCOMPARE(reset.size(), 1);
    QCOMPARE(m.resyncs(), 2);
    // The differ goes on from `next`: applied normally again.
    m.applyChanges(*differ.next({client("d")}));
    QCOMPARE(removed.size(), 1);
    QCOMPARE(m.resyncs(), 2);

    // Broker restarted (the differ forgets its list): the next change set is taken whole.
    differ.reset();
    m.applyChanges(*differ.next({client("d"), client("x")}));
    QCOMPARE(m.resyncs(), 3);
    QCOMPARE(reset.size(), 2);
    QCOMPARE(modelIds(m), (QList<QByteArray>{"d", "x"}));
    // Another backend (mode switch): its own differ, taken whole.
    RowDiffer<admin::ClientSnapshot> other(ClientsModel::keyOf, ClientsModel::changedColumns);
    m.applyChanges(*other.next({client("remote")}));
    QCOMPARE(modelIds(m), (QList<QByteArray>{"remote"}));
    QCOMPARE(m.resyncs(), 4);
    // setClients diffs on this thread against what the model holds; a change set after it
    // does not follow it: taken whole.
    m.setClients({client("remote"), client("local")});
    QCOMPARE(m.resyncs(), 4);
    QCOMPARE(modelIds(m), (QList<QByteArray>{"remote", "local"}));
    m.applyChanges(*other.next({client("remote"), client("z")}));
    QCOMPARE(m.resyncs(), 5);
    QCOMPARE(modelIds(m), (QList<QByteArray>{"remote", "z"}));
}

// The Clients view applies the snapshot's change set, and a resync (model reset) keeps the
// selected client selected and its details shown.
void TestGuiModels::clientsViewSelectionSurvivesResync()
{
    ClientsView view;
    RowDiffer<admin::ClientSnapshot> differ(ClientsModel::keyOf, ClientsModel::changedColumns);
    Snapshot s;
    s.clientChanges = differ.next({client("a"), client("b"), client("c")});
    s.clients = s.clientChanges->rows;
    view.onSnapshot(s);
    QCOMPARE(view.model()->rowCount(), 3);
    QCOMPARE(view.model()->listId(), s.clientChanges->result);
    QVERIFY(view.selectClient("b"));
    // A normal change set: the selection stays (persistent indexes).
    s.clientChanges = differ.next({client("b"), client("c"), client("d")});
    s.clients = s.clientChanges->rows;
    view.onSnapshot(s);
    QCOMPARE(view.selectedClient(), QByteArray("b"));
    QCOMPARE(view.model()->resyncs(), 1);
    // Another differ's list (the broker restarted): the model is reset, b stays selected.
    RowDiffer<admin::ClientSnapshot> restarted(ClientsModel::keyOf, ClientsModel::changedColumns);
    QSignalSpy reset(view.model(), &QAbstractItemModel::modelReset);
    s.clientChanges = restarted.next({client("z"), client("b")});
    s.clients = s.clientChanges->rows;
    view.onSnapshot(s);
    QCOMPARE(reset.size(), 1);
    QCOMPARE(view.selectedClient(), QByteArray("b"));
    QVERIFY(view.findChild<QPushButton *>(QStringLiteral("disconnectButton"))->isEnabled());
    // Without a change set (not diffed in the backend): the view diffs the list itself.
    s.clientChanges.reset();
    s.clients = {client("b"), client("y")};
    view.onSnapshot(s);
    QCOMPARE(modelIds(*view.model()), (QList<QByteArray>{"b", "y"}));
    QCOMPARE(view.selectedClient(), QByteArray("b"));
}

// The Dashboard keeps the last snapshot's counters for its rates, not its lists: it holds no
// reference to the change sets (10,000 clients' rows of a list the models have left).
void TestGuiModels::dashboardKeepsNoLists()
{
    DashboardView dashboard;
    RowDiffer<admin::ClientSnapshot> clients(ClientsModel::keyOf, ClientsModel::changedColumns);
    RowDiffer<admin::SubscriptionSnapshot> subscriptions(SubscriptionsModel::keyOf,
                                                         SubscriptionsModel::changedColumns);
    Snapshot s;
    s.takenAtMs = 1000;
    s.clientChanges = clients.next({client("a"), client("b")});
    s.clients = s.clientChanges->rows;
    s.subscriptionChanges =
        subscriptions.next({admin::SubscriptionSnapshot{"a", "t/#", {}, 1, false, false, 0, 0}});
    s.subscriptions = s.subscriptionChanges->rows;
    dashboard.onSnapshot(s);
    QCOMPARE(s.clientChanges.use_count(), 1);
    QCOMPARE(s.subscriptionChanges.use_count(), 1);
    s.takenAtMs = 2000;
    s.stats.messagesReceived = 10;
    dashboard.onSnapshot(s);
    QCOMPARE(dashboard.chartPointCount(), 1);
    QCOMPARE(s.clientChanges.use_count(), 1);
}

// The Dashboard's level charts: connected clients, subscriptions and inflight from every
// snapshot (no previous one needed, unlike the rates), memory in MiB when known; points older
// than the five-minute window leave.
void TestGuiModels::dashboardLevelCharts()
{
    DashboardView dashboard;
    QHash<QString, QChart *> byName;
    for (QChart *c : dashboard.charts())
        byName.insert(c->objectName(), c);
    QCOMPARE(byName.size(), 4);
    QVERIFY(byName.contains(QStringLiteral("chart_messages")));
    QVERIFY(byName.contains(QStringLiteral("chart_bytes")));
    QChart *clients = byName.value(QStringLiteral("chart_clients"));
    QChart *memory = byName.value(QStringLiteral("chart_memory"));
    QVERIFY(clients && memory);
    const auto series = [](QChart *c, int i) { return static_cast<QLineSeries *>(c->series().at(i)); };
    QCOMPARE(clients->series().size(), 3);
    QCOMPARE(memory->series().size(), 1);

    Snapshot s;
    s.takenAtMs = 1'000'000;
    s.stats.clientsConnected = 7;
    s.stats.subscriptions = 12;
    s.stats.inflight = 3;
    s.memoryBytes = 64 * 1024 * 1024;
    dashboard.onSnapshot(s);
    QCOMPARE(series(clients, 0)->count(), 1); // the first snapshot already gives a point
    QCOMPARE(series(clients, 0)->at(0), QPointF(1'000'000, 7));
    QCOMPARE(series(clients, 1)->at(0).y(), 12.0);
    QCOMPARE(series(clients, 2)->at(0).y(), 3.0);
    QCOMPARE(series(memory, 0)->at(0).y(), 64.0);
    QCOMPARE(dashboard.chartPointCount(), 0); // rates need two snapshots

    s.takenAtMs += 1000;
    s.stats.clientsConnected = 9;
    s.memoryBytes = 0; // unknown: no memory point
    dashboard.onSnapshot(s);
    QCOMPARE(series(clients, 0)->count(), 2);
    QCOMPARE(series(clients, 0)->at(1).y(), 9.0);
    QCOMPARE(series(memory, 0)->count(), 1);

    // Past the window, the old points go.
    s.takenAtMs += qint64(DashboardView::kWindowSeconds) * 1000 + 1000;
    dashboard.onSnapshot(s);
    QCOMPARE(series(clients, 0)->count(), 1);
    QCOMPARE(series(clients, 0)->at(0).x(), double(s.takenAtMs));

    dashboard.reset();
    for (QChart *c : dashboard.charts())
        for (QAbstractSeries *a : c->series())
            QCOMPARE(static_cast<QLineSeries *>(a)->count(), 0);
}

// Subscriptions: the same change sets (key client + filter, every column when one differs).
void TestGuiModels::subscriptionChangeSets()
{
    SubscriptionsView view;
    SubscriptionsModel *m = view.model();
    QAbstractItemModelTester tester(m, QAbstractItemModelTester::FailureReportingMode::Fatal);
    RowDiffer<admin::SubscriptionSnapshot> differ(SubscriptionsModel::keyOf,
                                                  SubscriptionsModel::changedColumns);
    admin::SubscriptionSnapshot s1{"c1", "a/#", {}, 1, false, false, 0, 0};
    admin::SubscriptionSnapshot s2{"c2", "a/#", {}, 0, false, false, 0, 0};
    admin::SubscriptionSnapshot s3{"c1", "b", {}, 2, false, false, 0, 0};
    Snapshot s;
    s.subscriptionChanges = differ.next({s1, s2});
    view.onSnapshot(s);
    QCOMPARE(m->rowCount(), 2);
    QSignalSpy changed(m, &QAbstractItemModel::dataChanged);
    QSignalSpy inserted(m, &QAbstractItemModel::rowsInserted);
    QSignalSpy removed(m, &QAbstractItemModel::rowsRemoved);
    s2.qos = 2;
    s.subscriptionChanges = differ.next({s3, s2});
    QCOMPARE(s.subscriptionChanges->removed,
             (QList<RowChanges<admin::SubscriptionSnapshot>::Span>{{0, 0, 0}}));
    view.onSnapshot(s);
    QCOMPARE(removed.size(), 1);
    QCOMPARE(changed.size(), 1);
    QCOMPARE(changed[0][0].toModelIndex().column(), 0);
    QCOMPARE(changed[0][1].toModelIndex().column(), SubscriptionsModel::ColumnCount - 1);
    QCOMPARE(inserted.size(), 1);
    QCOMPARE(m->rowAt(0)->clientId, QByteArray("c2"));
    QCOMPARE(m->index(0, SubscriptionsModel::Qos).data().toInt(), 2);
    QCOMPARE(m->rowAt(1)->filter, QByteArray("b"));
    QCOMPARE(m->resyncs(), 1);
}

void TestGuiModels::topicTree()
{
    TopicTreeModel m;
    QAbstractItemModelTester tester(&m, QAbstractItemModelTester::FailureReportingMode::Fatal);
    QSignalSpy changed(&m, &QAbstractItemModel::dataChanged);
    QList<MessageRecord> batch;
    for (int i = 0; i < 100; ++i)
        batch.append(message("home/kitchen/temp", QByteArray::number(20 + i % 3)));
    batch.append(message("home/hall/lamp", "on", true));
    batch.append(message("office", "{\"x\":1}"));
    m.addMessages(batch);
    QCOMPARE(m.topicCount(), 3);
    QCOMPARE(m.rowCount(), 2); // home, office
    // One dataChanged per parent with changed children, not per message or node: under the
    // root (home, office), home (kitchen, hall), kitchen (temp), hall (lamp).
    QCOMPARE(changed.size(), 4);
    const QModelIndex temp = m.indexOfTopic("home/kitchen/temp");
    QVERIFY(temp.isValid());
    QCOMPARE(m.nodeAt(temp)->ownMessages, 100);
    QCOMPARE(temp.data(TopicTreeModel::TopicRole).toByteArray(), QByteArray("home/kitchen/temp"));
    const QModelIndex home = m.indexOfTopic("home");
    QCOMPARE(m.nodeAt(home)->totalMessages, 101);
    QCOMPARE(
        m.index(m.indexOfTopic("home/hall/lamp").row(), TopicTreeModel::Retained, m.indexOfTopic("home/hall"))
            .data()
            .toString(),
        QStringLiteral("retained"));
    QCOMPARE(m.index(temp.row(), TopicTreeModel::LastPayload, temp.parent()).data().toString(),
             QStringLiteral("20"));

    // Retained snapshot: lamp's retained message gone, a new retained topic appears, $SYS ignored.
    admin::RetainedSnapshot r;
    r.message.topic = "garden/rain";
    r.message.payload = "0mm";
    admin::RetainedSnapshot sys;
    sys.message.topic = "$SYS/broker/uptime";
    m.setRetained({r, sys});
    QVERIFY(!m.nodeAt(m.indexOfTopic("home/hall/lamp"))->retained);
    QVERIFY(m.nodeAt(m.indexOfTopic("garden/rain"))->retained);
    QVERIFY(!m.indexOfTopic("$SYS").isValid());
    // Empty levels and odd topics are fine.
    m.addMessages({message("a//b", "x"), message("/lead", "y")});
    QVERIFY(m.indexOfTopic("a//b").isValid());
    QVERIFY(m.indexOfTopic("/lead").isValid());
    // 500 new sibling topics (and a level below each) in one batch: one rowsInserted for
    // the parent that gets them, one dataChanged per parent; then counted, not re-inserted.
    QSignalSpy inserted(&m, &QAbstractItemModel::rowsInserted);
    changed.clear();
    QList<MessageRecord> many;
    for (int i = 0; i < 500; ++i)
        many.append(message("fleet/dev" + QByteArray::number(i) + "/temp", "1"));
    m.addMessages(many);
    QCOMPARE(inserted.size(), 1); // "fleet" under the root, its subtree built with it
    const QModelIndex fleet = m.indexOfTopic("fleet");
    QCOMPARE(m.rowCount(fleet), 500);
    QCOMPARE(m.indexOfTopic("fleet/dev499/temp").row(), 0);
    QCOMPARE(m.indexOfTopic("fleet/dev499").row(), 499);
    // Parents: root (fleet), fleet (dev0..dev499), and each devN (its temp).
    QCOMPARE(changed.size(), 2 + 500);
    inserted.clear();
    changed.clear();
    many.append(message("fleet/dev500/temp", "2"));
    m.addMessages(many);
    QCOMPARE(inserted.size(), 1); // dev500 under fleet
    QCOMPARE(m.rowCount(fleet), 501);
    QCOMPARE(m.nodeAt(m.indexOfTopic("fleet"))->totalMessages, 1001);
    QCOMPARE(changed.size(), 2 + 501);
    m.clear();
    QCOMPARE(m.rowCount(), 0);
}

// Messages on a topic and on its ancestors and descendants in one batch, in any order:
// every node counted once per message at each level, the last message of each topic kept,
// the retained flag of the last retained one; the same again in a later batch.
void TestGuiModels::topicTreeNestedTopicsInOneBatch()
{
    TopicTreeModel m;
    QAbstractItemModelTester tester(&m, QAbstractItemModelTester::FailureReportingMode::Fatal);
    const auto node = [&](const QByteArray &t) { return m.nodeAt(m.indexOfTopic(t)); };
    m.addMessages({message("a/b", "b1"), message("a", "a1", true), message("a/b/c", "c1"),
                   message("a/b", "b2"), message("a", "a2"), message("x", "x1")});
    QCOMPARE(m.topicCount(), 4);
    QCOMPARE(node("a")->ownMessages, 2);
    QCOMPARE(node("a")->totalMessages, 5);
    QCOMPARE(node("a/b")->ownMessages, 2);
    QCOMPARE(node("a/b")->totalMessages, 3);
    QCOMPARE(node("a/b/c")->totalMessages, 1);
    QCOMPARE(node("x")->totalMessages, 1);
    QCOMPARE(node("a")->last.payload, QByteArray("a2"));
    QCOMPARE(node("a/b")->last.payload, QByteArray("b2"));
    QVERIFY(node("a")->retained); // a1 was retained; a2 (not retained) leaves the flag
    QVERIFY(!node("a/b")->retained);
    m.addMessages({message("a/b/c", "c2"), message("a/b/c", "c3"), message("a", "", true)});
    QCOMPARE(node("a")->totalMessages, 8);
    QCOMPARE(node("a/b")->totalMessages, 5);
    QCOMPARE(node("a/b/c")->ownMessages, 3);
    QCOMPARE(node("a/b/c")->last.payload, QByteArray("c3"));
    QVERIFY(!node("a")->retained); // an empty retained message deletes it
    QCOMPARE(m.index(0, TopicTreeModel::Messages, m.indexOfTopic("a")).data().toString(),
             QStringLiteral("5 (2 here)"));
    m.clear();
    m.addMessages({message("a/b", "again")});
    QCOMPARE(m.topicCount(), 1);
    QCOMPARE(node("a")->totalMessages, 1);
}

void TestGuiModels::messagesModel()
{
    MessagesModel m;
    m.setCapacity(50);
    QAbstractItemModelTester tester(&m, QAbstractItemModelTester::FailureReportingMode::Fatal);
    QList<MessageRecord> batch;
    for (int i = 0; i < 30; ++i)
        batch.append(message("t/" + QByteArray::number(i), "p"));
    m.append(batch);
    QCOMPARE(m.rowCount(), 30);
    m.append(batch); // 60 > 50: the oldest 10 go
    QCOMPARE(m.rowCount(), 50);
    QCOMPARE(m.index(0, MessagesModel::Topic).data().toString(), QStringLiteral("t/10"));
    QList<MessageRecord> big;
    for (int i = 0; i < 120; ++i)
        big.append(message("big/" + QByteArray::number(i), "p"));
    // A batch that fills the whole capacity replaces every row: one model reset, not a
    // removal and an insertion of every row (cheaper for the proxy and the view).
    QSignalSpy reset(&m, &QAbstractItemModel::modelReset);
    QSignalSpy removed(&m, &QAbstractItemModel::rowsRemoved);
    QSignalSpy inserted(&m, &QAbstractItemModel::rowsInserted);
    m.append(big); // a batch larger than the capacity keeps its newest
    QCOMPARE(m.rowCount(), 50);
    QCOMPARE(m.index(0, MessagesModel::Topic).data().toString(), QStringLiteral("big/70"));
    QCOMPARE(m.index(49, MessagesModel::Topic).data().toString(), QStringLiteral("big/119"));
    QCOMPARE(reset.size(), 1);
    QCOMPARE(removed.size(), 0);
    QCOMPARE(inserted.size(), 0);
    // A smaller batch: the oldest rows leave, the new ones are appended (no reset).
    m.append(batch.mid(0, 5));
    QCOMPARE(reset.size(), 1);
    QCOMPARE(removed.size(), 1);
    QCOMPARE(inserted.size(), 1);
    QCOMPARE(m.index(0, MessagesModel::Topic).data().toString(), QStringLiteral("big/75"));
    QCOMPARE(m.index(49, MessagesModel::Topic).data().toString(), QStringLiteral("t/4"));
    MessageRecord bin = message("b", QByteArray("\x00\xff", 2));
    bin.properties.userProperties.append({"k", "v"});
    const QByteArray line = MessagesModel::toJsonLine(bin);
    QVERIFY(line.endsWith('\n'));
    QVERIFY(line.contains("\"payload_base64\":\"AP8=\""));
    QVERIFY(line.contains("\"user_properties\":[[\"k\",\"v\"]]"));
    m.clear();
    QCOMPARE(m.rowCount(), 0);
}

void TestGuiModels::logModel()
{
    LogModel m;
    QAbstractItemModelTester tester(&m, QAbstractItemModelTester::FailureReportingMode::Fatal);
    QList<LogEntry> entries;
    for (int i = 0; i < 6000; ++i)
        entries.append(LogEntry{i + 1, 0, i % 2 ? QtWarningMsg : QtInfoMsg, QStringLiteral("petrel.x"),
                                QStringLiteral("line %1").arg(i)});
    m.append(entries.mid(0, 10));
    QCOMPARE(m.rowCount(), 10);
    m.append(entries); // bounded at 5000
    QCOMPARE(m.rowCount(), 5000);
    QCOMPARE(m.index(4999, LogModel::Message).data().toString(), QStringLiteral("line 5999"));
    QCOMPARE(m.index(0, 0).data(LogModel::LevelRankRole).toInt(), 1);
    QCOMPARE(m.index(1, LogModel::Level).data().toString(), QStringLiteral("warning"));
}

void TestGuiModels::payloadRendering()
{
    QCOMPARE(renderPayload("{\"a\":1}", PayloadFormat::Json), QStringLiteral("{\n    \"a\": 1\n}\n"));
    QCOMPARE(renderPayload("not json", PayloadFormat::Json), QStringLiteral("not json"));
    QVERIFY(renderPayload(QByteArray("AB\x01", 3), PayloadFormat::Hex)
                .startsWith(QStringLiteral("00000000  41 42 01")));
    QVERIFY(renderPayload(QByteArray("AB\x01", 3), PayloadFormat::Hex).contains(QStringLiteral("AB.")));
    QCOMPARE(shortPayload(QByteArray("\xff\xfe", 2)), QStringLiteral("0xfffe"));
    QCOMPARE(shortPayload("a\nb"), QStringLiteral("a b"));
}

void TestGuiModels::configRoundTrip()
{
    Options o;
    o.allowAllClients();
    ListenerConfig tcp{QStringLiteral("tcp"), QStringLiteral("t1"), QStringLiteral("127.0.0.1:1883")};
    ListenerConfig http{QStringLiteral("sysinfo"), QStringLiteral("stats"), QStringLiteral(":8080")};
    http.adminToken = QStringLiteral("to\"ken: x");
    ListenerConfig ws{QStringLiteral("ws"), QStringLiteral("w"), QStringLiteral(":1882")};
    ws.wsPath = QStringLiteral("/mqtt");
    o.listeners = {tcp, http, ws};
    o.workerThreads = 3;
    o.rebalance.enabled = false;
    o.rebalance.intervalMs = 500;
    o.rebalance.minimumRate = 20;
    o.sysTopicResendInterval = 5;
    o.capabilities.maximumQos = 1;
    o.capabilities.maximumClients = 100;
    o.capabilities.maximumKeepalive = 120;
    o.logLevel = LogLevel::Warn;
    const QByteArray yaml = optionsToYaml(o);
    config::ConfigError e;
    const auto back = config::loadConfigString(yaml, QStringLiteral("saved.yaml"), &e);
    QVERIFY2(back, qPrintable(e.toString() + QLatin1Char('\n') + QString::fromUtf8(yaml)));
    QCOMPARE(back->listeners.size(), 3);
    QCOMPARE(back->listeners[1].adminToken, http.adminToken);
    QCOMPARE(back->listeners[2].wsPath, QStringLiteral("/mqtt"));
    QCOMPARE(back->workerThreads, 3);
    QCOMPARE(back->rebalance.enabled, false);
    QCOMPARE(back->rebalance.intervalMs, 500);
    QCOMPARE(back->rebalance.minimumRate, 20);
    QCOMPARE(back->sysTopicResendInterval, 5);
    QCOMPARE(back->capabilities.maximumQos, 1);
    QCOMPARE(back->capabilities.maximumClients, 100);
    QCOMPARE(back->capabilities.maximumKeepalive, 120);
    QCOMPARE(back->logLevel, LogLevel::Warn);
    QCOMPARE(back->hooks.size(), 1);
    QCOMPARE(back->hooks[0].name, QStringLiteral("allow_all"));
}

QTEST_MAIN(TestGuiModels)
#include "tst_gui_models.moc"
