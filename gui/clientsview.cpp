#include "views.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QShortcut>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QTableView>
#include <QTextBrowser>
#include <QVBoxLayout>

namespace petrel::gui {

static QTableView *makeTable(QWidget *parent, QAbstractItemModel *model)
{
    auto *t = new QTableView(parent);
    t->setModel(model);
    t->setSortingEnabled(true);
    t->setSelectionBehavior(QAbstractItemView::SelectRows);
    t->setSelectionMode(QAbstractItemView::SingleSelection);
    t->setAlternatingRowColors(true);
    t->verticalHeader()->hide();
    t->verticalHeader()->setDefaultSectionSize(t->fontMetrics().height() + 6);
    t->horizontalHeader()->setStretchLastSection(true);
    t->horizontalHeader()->setSectionResizeMode(QHeaderView::Interactive);
    t->setWordWrap(false);
    return t;
}

void addFindShortcut(QWidget *view, QLineEdit *edit)
{
    auto *find = new QShortcut(QKeySequence::Find, view);
    QObject::connect(find, &QShortcut::activated, edit, [edit] {
        edit->setFocus(Qt::ShortcutFocusReason);
        edit->selectAll();
    });
    const QString keys = QKeySequence(QKeySequence::Find).toString(QKeySequence::NativeText);
    edit->setToolTip(edit->toolTip().isEmpty() ? QObject::tr("%1 (%2)").arg(edit->placeholderText(), keys)
                                               : QObject::tr("%1 (%2)").arg(edit->toolTip(), keys));
}

// ---- ClientsView -------------------------------------------------------------------------------

ClientsView::ClientsView(QWidget *parent) : QWidget(parent)
{
    m_model = new ClientsModel(this);
    m_proxy = new QSortFilterProxyModel(this);
    m_proxy->setSourceModel(m_model);
    m_proxy->setSortRole(ClientsModel::SortRole);
    m_proxy->setFilterCaseSensitivity(Qt::CaseInsensitive);
    m_proxy->setFilterKeyColumn(-1); // any column
    m_proxy->setDynamicSortFilter(true);

    m_filter = new QLineEdit(this);
    m_filter->setObjectName(QStringLiteral("clientsFilter"));
    m_filter->setPlaceholderText(tr("Filter clients (id, user, address, …)"));
    m_filter->setClearButtonEnabled(true);
    connect(m_filter, &QLineEdit::textChanged, m_proxy, &QSortFilterProxyModel::setFilterFixedString);
    addFindShortcut(this, m_filter);

    m_table = makeTable(this, m_proxy);
    m_table->setObjectName(QStringLiteral("clientsTable"));
    m_table->sortByColumn(ClientsModel::ClientId, Qt::AscendingOrder);

    m_details = new QTextBrowser(this);
    m_details->setObjectName(QStringLiteral("clientDetails"));
    m_reason = new QComboBox(this);
    m_reason->setObjectName(QStringLiteral("disconnectReason"));
    const QList<QPair<int, QString>> reasons = {
        {0x98, tr("0x98 Administrative action")}, {0x00, tr("0x00 Normal disconnection")},
        {0x8B, tr("0x8B Server shutting down")},  {0x87, tr("0x87 Not authorized")},
        {0x89, tr("0x89 Server busy")},           {0x9C, tr("0x9C Use another server")},
        {0x9D, tr("0x9D Server moved")},          {0x97, tr("0x97 Quota exceeded")},
    };
    for (const auto &[code, text] : reasons)
        m_reason->addItem(text, code);
    m_reason->setToolTip(
        tr("Reason code sent to MQTT 5 clients in DISCONNECT (3.x clients are just closed)"));
    m_disconnect = new QPushButton(QIcon(QStringLiteral(":/icons/disconnect.svg")), tr("&Disconnect"), this);
    m_disconnect->setObjectName(QStringLiteral("disconnectButton"));
    m_disconnect->setToolTip(tr("Disconnect the selected client (Ctrl+D)"));
    m_delete = new QPushButton(QIcon(QStringLiteral(":/icons/delete.svg")), tr("Delete &session"), this);
    m_delete->setObjectName(QStringLiteral("deleteSessionButton"));
    m_delete->setToolTip(tr("End the selected session: subscriptions and queued messages go (Shift+Del)"));
    connect(m_disconnect, &QPushButton::clicked, this, [this] {
        const QByteArray id = selectedClient();
        if (!id.isNull()) Q_EMIT disconnectRequested(id, quint8(m_reason->currentData().toInt()));
    });
    connect(m_delete, &QPushButton::clicked, this, [this] {
        const QByteArray id = selectedClient();
        if (!id.isNull()) Q_EMIT deleteSessionRequested(id);
    });
    auto *dc = new QShortcut(QKeySequence(QStringLiteral("Ctrl+D")), this);
    connect(dc, &QShortcut::activated, m_disconnect, &QPushButton::click);
    auto *del = new QShortcut(QKeySequence(QStringLiteral("Shift+Del")), this);
    connect(del, &QShortcut::activated, m_delete, &QPushButton::click);

    auto *right = new QWidget(this);
    auto *rl = new QVBoxLayout(right);
    rl->setContentsMargins(0, 0, 0, 0);
    rl->addWidget(new QLabel(tr("Details"), right));
    rl->addWidget(m_details, 1);
    rl->addWidget(m_reason);
    auto *buttons = new QHBoxLayout;
    buttons->addWidget(m_disconnect);
    buttons->addWidget(m_delete);
    rl->addLayout(buttons);

    auto *split = new QSplitter(this);
    split->addWidget(m_table);
    split->addWidget(right);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 1);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_filter);
    layout->addWidget(split, 1);

    connect(m_table->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            &ClientsView::updateDetails);
    connect(m_model, &QAbstractItemModel::dataChanged, this, &ClientsView::updateDetails);
    // A change set the model cannot apply on top of its rows resets it (rowdiff.h): the
    // selected client stays selected if it is still there.
    connect(m_model, &QAbstractItemModel::modelAboutToBeReset, this,
            [this] { m_selectedBeforeReset = selectedClient(); });
    connect(m_model, &QAbstractItemModel::modelReset, this, [this] {
        if (!m_selectedBeforeReset.isNull()) selectClient(m_selectedBeforeReset);
        m_selectedBeforeReset.clear();
        updateDetails();
    });
    updateDetails();
}

void ClientsView::onSnapshot(const Snapshot &s)
{
    m_subscriptions = s.subscriptions;
    // Attached mode repeats the last complete client list between its walks: nothing to diff.
    if (s.clientsSerial && s.clientsSerial == m_clientsSerial) return;
    m_clientsSerial = s.clientsSerial;
    if (s.clientChanges)
        m_model->applyChanges(*s.clientChanges); // diffed off the GUI thread
    else
        m_model->setClients(s.clients);
}

QByteArray ClientsView::selectedClient() const
{
    const QModelIndexList rows = m_table->selectionModel()->selectedRows();
    if (rows.isEmpty()) return QByteArray();
    const admin::ClientSnapshot *c = m_model->rowAt(m_proxy->mapToSource(rows.first()).row());
    return c ? c->clientId : QByteArray();
}

bool ClientsView::selectClient(const QByteArray &clientId)
{
    const int row = m_model->rowOf(clientId);
    if (row < 0) return false;
    const QModelIndex proxied = m_proxy->mapFromSource(m_model->index(row, 0));
    if (!proxied.isValid()) return false;
    m_table->selectRow(proxied.row());
    return true;
}

void ClientsView::updateDetails()
{
    const QByteArray id = selectedClient();
    const int row = id.isNull() ? -1 : m_model->rowOf(id);
    const admin::ClientSnapshot *c = m_model->rowAt(row);
    m_disconnect->setEnabled(c && c->connected);
    m_delete->setEnabled(c != nullptr);
    if (!c) {
        m_details->setHtml(tr("<p>Select a client to see its details.</p>"));
        return;
    }
    const auto esc = [](const QString &s) { return s.toHtmlEscaped(); };
    QString html = QStringLiteral("<h3>%1</h3><table>").arg(esc(QString::fromUtf8(c->clientId)));
    const auto row2 = [&](const QString &k, const QString &v) {
        html += QStringLiteral("<tr><td><b>%1</b>&nbsp;</td><td>%2</td></tr>").arg(esc(k), esc(v));
    };
    row2(tr("Status"), c->connected ? tr("connected") : tr("offline"));
    row2(tr("Username"), QString::fromUtf8(c->username));
    row2(tr("Remote address"), c->remoteAddress);
    row2(tr("Listener"), c->listenerId);
    if (!c->node.isEmpty()) row2(tr("Node"), c->node);
    row2(tr("MQTT version"), protocolName(c->protocolVersion));
    row2(tr("Keep alive"), tr("%1 s").arg(c->keepAlive));
    row2(tr("Session expiry"),
         c->sessionExpiryInterval == 0xFFFFFFFFu ? tr("never") : tr("%1 s").arg(c->sessionExpiryInterval));
    if (c->protocolVersion == 5) {
        row2(tr("Receive maximum"), QString::number(c->receiveMaximum));
        row2(tr("Maximum packet size"),
             c->maximumPacketSize ? QString::number(c->maximumPacketSize) : tr("no limit"));
        row2(tr("Topic alias maximum"), QString::number(c->topicAliasMaximum));
    }
    row2(tr("Inflight / queued"), QStringLiteral("%1 / %2").arg(c->inflight).arg(c->queued));
    row2(tr("Messages in / out"), QStringLiteral("%1 / %2").arg(c->messagesIn).arg(c->messagesOut));
    row2(tr("Connected since"), QDateTime::fromMSecsSinceEpoch(c->connectedAtMs).toString(Qt::ISODate));
    if (!c->connected && c->disconnectedAtMs)
        row2(tr("Disconnected at"),
             QDateTime::fromMSecsSinceEpoch(c->disconnectedAtMs).toString(Qt::ISODate));
    html += QStringLiteral("</table>");
    if (c->hasWill) {
        html += QStringLiteral("<h4>%1</h4><table>").arg(esc(tr("Will")));
        row2(tr("Topic"), QString::fromUtf8(c->willTopic));
        row2(tr("Payload"), shortPayload(c->willPayload, 200));
        row2(tr("QoS / retain"),
             QStringLiteral("%1 / %2").arg(c->willQos).arg(c->willRetain ? tr("yes") : tr("no")));
        if (c->willDelayInterval) row2(tr("Delay"), tr("%1 s").arg(c->willDelayInterval));
        html += QStringLiteral("</table>");
    }
    html += QStringLiteral("<h4>%1</h4><ul>").arg(esc(tr("Subscriptions")));
    int n = 0;
    for (const admin::SubscriptionSnapshot &s : std::as_const(m_subscriptions)) {
        if (s.clientId != c->clientId) continue;
        html += QStringLiteral("<li>%1 (QoS %2)</li>").arg(esc(QString::fromUtf8(s.filter))).arg(s.qos);
        ++n;
    }
    if (n == 0) html += QStringLiteral("<li>%1</li>").arg(esc(tr("none")));
    html += QStringLiteral("</ul>");
    m_details->setHtml(html);
}

// ---- SubscriptionsView -------------------------------------------------------------------------

SubscriptionsView::SubscriptionsView(QWidget *parent) : QWidget(parent)
{
    m_model = new SubscriptionsModel(this);
    m_proxy = new QSortFilterProxyModel(this);
    m_proxy->setSourceModel(m_model);
    m_proxy->setFilterCaseSensitivity(Qt::CaseInsensitive);
    m_proxy->setFilterKeyColumn(-1);
    m_filter = new QLineEdit(this);
    m_filter->setObjectName(QStringLiteral("subscriptionsFilter"));
    m_filter->setPlaceholderText(tr("Filter subscriptions (filter, client, group)"));
    m_filter->setClearButtonEnabled(true);
    connect(m_filter, &QLineEdit::textChanged, m_proxy, &QSortFilterProxyModel::setFilterFixedString);
    addFindShortcut(this, m_filter);
    m_table = makeTable(this, m_proxy);
    m_table->setObjectName(QStringLiteral("subscriptionsTable"));
    m_table->sortByColumn(SubscriptionsModel::Filter, Qt::AscendingOrder);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_filter);
    layout->addWidget(m_table, 1);
}

void SubscriptionsView::onSnapshot(const Snapshot &s)
{
    if (s.subscriptionChanges)
        m_model->applyChanges(*s.subscriptionChanges); // diffed off the GUI thread
    else
        m_model->setSubscriptions(s.subscriptions);
}

} // namespace petrel::gui
