#include "views.h"

#include "packets/codec.h"
#include "topics/topics.h"

#include <QScrollBar>

#include <algorithm>

#include <QComboBox>
#include <QFile>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSaveFile>
#include <QShortcut>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QTableView>
#include <QToolButton>
#include <QVBoxLayout>

namespace petrel::gui {

MessagesView::MessagesView(QWidget *parent) : QWidget(parent)
{
    m_model = new MessagesModel(this);
    m_proxy = new QSortFilterProxyModel(this);
    m_proxy->setSourceModel(m_model);
    m_proxy->setFilterCaseSensitivity(Qt::CaseInsensitive);
    m_proxy->setFilterKeyColumn(-1);

    m_filter = new QLineEdit(QStringLiteral("#"), this);
    m_filter->setObjectName(QStringLiteral("messagesFilter"));
    m_filter->setToolTip(tr("MQTT topic filter of the messages to show (+ and # allowed); Enter applies it"));
    connect(m_filter, &QLineEdit::returnPressed, this, [this] { setFilter(m_filter->text()); });
    m_search = new QLineEdit(this);
    m_search->setObjectName(QStringLiteral("messagesSearch"));
    m_search->setPlaceholderText(tr("Search topic, client, payload"));
    m_search->setClearButtonEnabled(true);
    connect(m_search, &QLineEdit::textChanged, m_proxy, &QSortFilterProxyModel::setFilterFixedString);
    addFindShortcut(this, m_search);
    m_pause = new QToolButton(this);
    m_pause->setObjectName(QStringLiteral("messagesPause"));
    m_pause->setCheckable(true);
    m_pause->setIcon(QIcon(QStringLiteral(":/icons/pause.svg")));
    m_pause->setText(tr("Pause"));
    m_pause->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    m_pause->setToolTip(tr("Pause the live log (Ctrl+P)"));
    m_pause->setShortcut(QKeySequence(QStringLiteral("Ctrl+P")));
    connect(m_pause, &QToolButton::toggled, this, [this](bool on) {
        if (!on) m_missedWhilePaused = 0;
        updateStatus();
    });
    auto *clear = new QPushButton(tr("Clear"), this);
    connect(clear, &QPushButton::clicked, this, [this] {
        m_model->clear();
        updateStatus();
    });
    auto *exportButton = new QPushButton(QIcon(QStringLiteral(":/icons/export.svg")), tr("Export…"), this);
    exportButton->setToolTip(tr("Save the shown messages as JSON lines"));
    connect(exportButton, &QPushButton::clicked, this, [this] {
        const QString path = QFileDialog::getSaveFileName(
            this, tr("Export messages"), QStringLiteral("messages.jsonl"), tr("JSON lines (*.jsonl *.json)"));
        if (path.isEmpty()) return;
        QString why;
        if (!exportTo(path, &why)) m_status->setText(why);
    });
    m_status = new QLabel(this);
    m_status->setObjectName(QStringLiteral("messagesStatus"));

    m_table = new QTableView(this);
    m_table->setObjectName(QStringLiteral("messagesTable"));
    m_table->setModel(m_proxy);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->verticalHeader()->hide();
    m_table->verticalHeader()->setDefaultSectionSize(m_table->fontMetrics().height() + 6);
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->setWordWrap(false);
    m_table->setColumnWidth(MessagesModel::Topic, 220);
    m_details = new QPlainTextEdit(this);
    m_details->setReadOnly(true);
    m_details->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    connect(m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            [this](const QModelIndex &i) {
                const MessageRecord *r = m_model->recordAt(m_proxy->mapToSource(i).row());
                m_details->setPlainText(r ? QString::fromUtf8(MessagesModel::toJsonLine(*r)) +
                                                QLatin1Char('\n') +
                                                renderPayload(r->payload, PayloadFormat::Json)
                                          : QString());
            });

    auto *top = new QHBoxLayout;
    top->addWidget(new QLabel(tr("Filter"), this));
    top->addWidget(m_filter, 1);
    top->addWidget(m_search, 1);
    top->addWidget(m_pause);
    top->addWidget(clear);
    top->addWidget(exportButton);
    auto *split = new QSplitter(Qt::Vertical, this);
    split->addWidget(m_table);
    split->addWidget(m_details);
    split->setStretchFactor(0, 4);
    split->setStretchFactor(1, 1);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(top);
    layout->addWidget(split, 1);
    layout->addWidget(m_status);
    updateStatus();
}

void MessagesView::setFilter(const QString &filter)
{
    const QByteArray f = filter.trimmed().toUtf8();
    if (f.isEmpty() || !packets::isValidTopicFilter(f)) {
        m_status->setText(tr("\"%1\" is not a valid topic filter").arg(filter));
        return;
    }
    m_filter->setText(filter.trimmed());
    m_activeFilter = f;
    m_model->clear();
    updateStatus();
}

void MessagesView::setPaused(bool paused)
{
    m_pause->setChecked(paused);
}

void MessagesView::onMessages(const QList<MessageRecord> &batch, qint64 dropped)
{
    m_dropped += dropped;
    const topics::FilterParts parts = topics::splitSharedFilter(m_activeFilter);
    // "#" (the default) takes every message: no copy of the batch then.
    QList<MessageRecord> filtered;
    const bool everything =
        parts.filter == "#" && std::none_of(batch.cbegin(), batch.cend(), [](const MessageRecord &r) {
            return r.topic.startsWith('$'); // "#" does not match $SYS/...
        });
    if (!everything)
        for (const MessageRecord &r : batch)
            if (topics::topicMatchesFilter(parts.filter, r.topic)) filtered.append(r);
    const QList<MessageRecord> &matching = everything ? batch : filtered;
    if (m_pause->isChecked()) {
        m_missedWhilePaused += matching.size();
    } else if (!matching.isEmpty()) {
        const bool atBottom =
            m_table->verticalScrollBar()->value() == m_table->verticalScrollBar()->maximum();
        m_model->append(matching);
        if (atBottom) m_table->scrollToBottom();
    }
    if (!matching.isEmpty() || dropped) updateStatus();
}

void MessagesView::updateStatus()
{
    QString s = tr("%1 messages on %2").arg(m_model->rowCount()).arg(QString::fromUtf8(m_activeFilter));
    if (m_pause->isChecked())
        s += QStringLiteral(" · ") + tr("paused, %1 not shown").arg(m_missedWhilePaused);
    if (m_dropped) s += QStringLiteral(" · ") + tr("%1 not captured (over 80,000/s)").arg(m_dropped);
    m_status->setText(s);
}

bool MessagesView::exportTo(const QString &path, QString *error) const
{
    QSaveFile f(path);
    if (!f.open(QIODevice::WriteOnly)) {
        if (error) *error = tr("Cannot write %1: %2").arg(path, f.errorString());
        return false;
    }
    for (int row = 0; row < m_proxy->rowCount(); ++row) {
        const MessageRecord *r = m_model->recordAt(m_proxy->mapToSource(m_proxy->index(row, 0)).row());
        if (r) f.write(MessagesModel::toJsonLine(*r));
    }
    if (!f.commit()) {
        if (error) *error = tr("Cannot write %1: %2").arg(path, f.errorString());
        return false;
    }
    return true;
}

// ---- LogView -----------------------------------------------------------------------------------

namespace {
// Shows rows at or above a minimum level that contain the search text.
class LogFilter final : public QSortFilterProxyModel {
public:
    using QSortFilterProxyModel::QSortFilterProxyModel;
    int minimum = 0;
    void setMinimum(int m)
    {
        minimum = m;
        invalidateFilter();
    }

protected:
    bool filterAcceptsRow(int row, const QModelIndex &parent) const override
    {
        const QModelIndex i = sourceModel()->index(row, 0, parent);
        if (i.data(LogModel::LevelRankRole).toInt() < minimum) return false;
        return QSortFilterProxyModel::filterAcceptsRow(row, parent);
    }
};
} // namespace

LogView::LogView(QWidget *parent) : QWidget(parent)
{
    m_model = new LogModel(this);
    auto *proxy = new LogFilter(this);
    proxy->setSourceModel(m_model);
    proxy->setFilterKeyColumn(-1);
    proxy->setFilterCaseSensitivity(Qt::CaseInsensitive);
    m_proxy = proxy;
    m_level = new QComboBox(this);
    m_level->setObjectName(QStringLiteral("logLevel"));
    m_level->addItem(tr("Debug and above"), 0);
    m_level->addItem(tr("Info and above"), 1);
    m_level->addItem(tr("Warnings and errors"), 2);
    m_level->addItem(tr("Errors only"), 3);
    connect(m_level, &QComboBox::currentIndexChanged, this,
            [this, proxy] { proxy->setMinimum(m_level->currentData().toInt()); });
    m_search = new QLineEdit(this);
    m_search->setPlaceholderText(tr("Search the log"));
    m_search->setClearButtonEnabled(true);
    connect(m_search, &QLineEdit::textChanged, proxy, &QSortFilterProxyModel::setFilterFixedString);
    addFindShortcut(this, m_search);
    auto *clear = new QPushButton(tr("Clear"), this);
    connect(clear, &QPushButton::clicked, m_model, &LogModel::clear);
    m_table = new QTableView(this);
    m_table->setObjectName(QStringLiteral("logTable"));
    m_table->setModel(proxy);
    m_table->verticalHeader()->hide();
    m_table->verticalHeader()->setDefaultSectionSize(m_table->fontMetrics().height() + 6);
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setWordWrap(false);
    m_table->setColumnWidth(LogModel::Category, 160);
    auto *top = new QHBoxLayout;
    top->addWidget(new QLabel(tr("Level"), this));
    top->addWidget(m_level);
    top->addWidget(m_search, 1);
    top->addWidget(clear);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(top);
    layout->addWidget(m_table, 1);
}

void LogView::onLog(const QList<LogEntry> &entries)
{
    const bool atBottom = m_table->verticalScrollBar()->value() == m_table->verticalScrollBar()->maximum();
    m_model->append(entries);
    if (atBottom) m_table->scrollToBottom();
}

} // namespace petrel::gui
