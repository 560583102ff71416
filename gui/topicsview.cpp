#include "views.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSplitter>
#include <QTreeView>
#include <QVBoxLayout>

namespace petrel::gui {

TopicsView::TopicsView(QWidget *parent) : QWidget(parent)
{
    m_model = new TopicTreeModel(this);
    m_tree = new QTreeView(this);
    m_tree->setObjectName(QStringLiteral("topicsTree"));
    m_tree->setModel(m_model);
    m_tree->setUniformRowHeights(true);
    m_tree->setAlternatingRowColors(true);
    m_tree->header()->setStretchLastSection(true);
    m_tree->setColumnWidth(TopicTreeModel::Name, 220);

    m_topic = new QLabel(this);
    m_topic->setObjectName(QStringLiteral("topicName"));
    m_topic->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_topic->setWordWrap(true);
    QFont f = m_topic->font();
    f.setBold(true);
    m_topic->setFont(f);
    m_meta = new QLabel(this);
    m_meta->setWordWrap(true);
    m_format = new QComboBox(this);
    m_format->setObjectName(QStringLiteral("topicPayloadFormat"));
    m_format->addItem(tr("Text"), int(PayloadFormat::Text));
    m_format->addItem(tr("Hex"), int(PayloadFormat::Hex));
    m_format->addItem(tr("JSON (pretty)"), int(PayloadFormat::Json));
    m_payload = new QPlainTextEdit(this);
    m_payload->setObjectName(QStringLiteral("topicPayload"));
    m_payload->setReadOnly(true);
    m_payload->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_deleteRetained =
        new QPushButton(QIcon(QStringLiteral(":/icons/delete.svg")), tr("Delete retained"), this);
    m_deleteRetained->setObjectName(QStringLiteral("deleteRetainedButton"));
    m_publishHere = new QPushButton(QIcon(QStringLiteral(":/icons/publish.svg")), tr("Publish here…"), this);
    connect(m_format, &QComboBox::currentIndexChanged, this, &TopicsView::updateDetails);
    connect(m_deleteRetained, &QPushButton::clicked, this, [this] {
        const QModelIndex i = m_tree->currentIndex();
        if (i.isValid()) Q_EMIT deleteRetainedRequested(i.data(TopicTreeModel::TopicRole).toByteArray());
    });
    connect(m_publishHere, &QPushButton::clicked, this, [this] {
        const QModelIndex i = m_tree->currentIndex();
        if (i.isValid()) Q_EMIT publishToTopicRequested(i.data(TopicTreeModel::TopicRole).toByteArray());
    });

    auto *right = new QWidget(this);
    auto *rl = new QVBoxLayout(right);
    rl->setContentsMargins(0, 0, 0, 0);
    rl->addWidget(m_topic);
    rl->addWidget(m_meta);
    auto *fmt = new QHBoxLayout;
    fmt->addWidget(new QLabel(tr("Show payload as"), right));
    fmt->addWidget(m_format, 1);
    rl->addLayout(fmt);
    rl->addWidget(m_payload, 1);
    auto *buttons = new QHBoxLayout;
    buttons->addWidget(m_publishHere);
    buttons->addWidget(m_deleteRetained);
    rl->addLayout(buttons);
    auto *split = new QSplitter(this);
    split->addWidget(m_tree);
    split->addWidget(right);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 2);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(split);
    connect(m_tree->selectionModel(), &QItemSelectionModel::currentChanged, this, &TopicsView::updateDetails);
    connect(m_model, &QAbstractItemModel::dataChanged, this, [this](const QModelIndex &tl) {
        if (tl.internalPointer() == m_tree->currentIndex().internalPointer()) updateDetails();
    });
    updateDetails();
}

void TopicsView::onSnapshot(const Snapshot &s)
{
    m_model->setRetained(s.retained);
}

void TopicsView::onMessages(const QList<MessageRecord> &batch)
{
    m_model->addMessages(batch);
}

void TopicsView::updateDetails()
{
    const TopicTreeModel::Node *n = m_model->nodeAt(m_tree->currentIndex());
    m_deleteRetained->setEnabled(n && n->retained);
    m_publishHere->setEnabled(n != nullptr);
    if (!n) {
        m_topic->setText(tr("Select a topic"));
        m_meta->clear();
        m_payload->clear();
        return;
    }
    m_topic->setText(QString::fromUtf8(n->topic));
    if (!n->hasMessage) {
        m_meta->setText(tr("No message on this exact topic yet; %1 below it.").arg(n->totalMessages));
        m_payload->clear();
        return;
    }
    const MessageRecord &r = n->last;
    QString meta = tr("%1 messages · last at %2 · QoS %3 · %4 bytes")
                       .arg(n->ownMessages)
                       .arg(QDateTime::fromMSecsSinceEpoch(r.timeMs).toString(QStringLiteral("HH:mm:ss.zzz")))
                       .arg(r.qos)
                       .arg(r.payload.size());
    if (n->retained) meta += QStringLiteral(" · ") + tr("retained");
    if (!r.properties.contentType.isEmpty())
        meta += QStringLiteral(" · ") + QString::fromUtf8(r.properties.contentType);
    m_meta->setText(meta);
    m_payload->setPlainText(renderPayload(r.payload, PayloadFormat(m_format->currentData().toInt())));
}

} // namespace petrel::gui
