#include "packets/codec.h"
#include "views.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFile>
#include <QFileDialog>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSettings>
#include <QShortcut>
#include <QSpinBox>
#include <QSplitter>
#include <QTableWidget>
#include <QVBoxLayout>

namespace petrel::gui {

namespace {
enum Format { Text, Hex, Json, File };
constexpr int kHistoryMax = 50;
} // namespace

PublishView::PublishView(QWidget *parent) : QWidget(parent)
{
    m_topic = new QLineEdit(this);
    m_topic->setObjectName(QStringLiteral("publishTopic"));
    m_topic->setPlaceholderText(tr("e.g. home/kitchen/lamp"));
    m_qos = new QComboBox(this);
    m_qos->setObjectName(QStringLiteral("publishQos"));
    m_qos->addItems({QStringLiteral("0"), QStringLiteral("1"), QStringLiteral("2")});
    m_retain = new QCheckBox(tr("Retain"), this);
    m_retain->setObjectName(QStringLiteral("publishRetain"));
    m_format = new QComboBox(this);
    m_format->setObjectName(QStringLiteral("publishFormat"));
    m_format->addItem(tr("Text"), Text);
    m_format->addItem(tr("Hex"), Hex);
    m_format->addItem(tr("JSON"), Json);
    m_format->addItem(tr("File"), File);
    m_payload = new QPlainTextEdit(this);
    m_payload->setObjectName(QStringLiteral("publishPayload"));
    m_payload->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_file = new QLineEdit(this);
    m_file->setObjectName(QStringLiteral("publishFile"));
    m_file->setPlaceholderText(tr("File whose bytes are the payload"));
    connect(m_file, &QLineEdit::textEdited, this, [this](const QString &text) {
        if (!text.isEmpty()) m_format->setCurrentIndex(m_format->findData(File));
    });
    auto *browse = new QPushButton(tr("Browse…"), this);
    connect(browse, &QPushButton::clicked, this, [this] {
        const QString f = QFileDialog::getOpenFileName(this, tr("Payload file"));
        if (!f.isEmpty()) {
            m_file->setText(f);
            m_format->setCurrentIndex(m_format->findData(File));
        }
    });
    auto *fileRow = new QHBoxLayout;
    fileRow->addWidget(m_file, 1);
    fileRow->addWidget(browse);

    auto *props = new QGroupBox(tr("MQTT 5 properties"), this);
    auto *pf = new QFormLayout(props);
    m_contentType = new QLineEdit(props);
    m_responseTopic = new QLineEdit(props);
    m_correlation = new QLineEdit(props);
    m_expiry = new QSpinBox(props);
    m_expiry->setRange(0, 2147483647);
    m_expiry->setSpecialValueText(tr("none"));
    m_expiry->setSuffix(tr(" s"));
    m_contentType->setObjectName(QStringLiteral("publishContentType"));
    m_responseTopic->setObjectName(QStringLiteral("publishResponseTopic"));
    m_correlation->setObjectName(QStringLiteral("publishCorrelation"));
    m_expiry->setObjectName(QStringLiteral("publishExpiry"));
    m_utf8Indicator = new QCheckBox(tr("Payload is UTF-8 (format indicator 1)"), props);
    m_utf8Indicator->setObjectName(QStringLiteral("publishUtf8"));
    m_userProps = new QTableWidget(0, 2, props);
    m_userProps->setObjectName(QStringLiteral("publishUserProperties"));
    m_userProps->setHorizontalHeaderLabels({tr("Key"), tr("Value")});
    m_userProps->horizontalHeader()->setStretchLastSection(true);
    m_userProps->verticalHeader()->hide();
    m_userProps->setMaximumHeight(110);
    auto *addProp = new QPushButton(tr("Add user property"), props);
    auto *removeProp = new QPushButton(tr("Remove"), props);
    connect(addProp, &QPushButton::clicked, this, [this] {
        m_userProps->insertRow(m_userProps->rowCount());
        m_userProps->setItem(m_userProps->rowCount() - 1, 0, new QTableWidgetItem);
        m_userProps->setItem(m_userProps->rowCount() - 1, 1, new QTableWidgetItem);
    });
    connect(removeProp, &QPushButton::clicked, this, [this] {
        if (m_userProps->currentRow() >= 0) m_userProps->removeRow(m_userProps->currentRow());
    });
    pf->addRow(tr("Content type"), m_contentType);
    pf->addRow(tr("Response topic"), m_responseTopic);
    pf->addRow(tr("Correlation data"), m_correlation);
    pf->addRow(tr("Message expiry"), m_expiry);
    pf->addRow(QString(), m_utf8Indicator);
    pf->addRow(tr("User properties"), m_userProps);
    auto *propButtons = new QHBoxLayout;
    propButtons->addWidget(addProp);
    propButtons->addWidget(removeProp);
    propButtons->addStretch();
    pf->addRow(QString(), propButtons);

    auto *publish = new QPushButton(QIcon(QStringLiteral(":/icons/publish.svg")), tr("&Publish"), this);
    publish->setObjectName(QStringLiteral("publishButton"));
    publish->setToolTip(tr("Publish (Ctrl+Return)"));
    publish->setDefault(true);
    connect(publish, &QPushButton::clicked, this, &PublishView::publishNow);
    auto *sc = new QShortcut(QKeySequence(QStringLiteral("Ctrl+Return")), this);
    connect(sc, &QShortcut::activated, this, &PublishView::publishNow);
    m_error = new QLabel(this);
    m_error->setObjectName(QStringLiteral("publishError"));
    m_error->setStyleSheet(QStringLiteral("color: #b02020"));
    m_error->setWordWrap(true);

    auto *form = new QWidget(this);
    auto *fl = new QFormLayout(form);
    fl->addRow(tr("Topic"), m_topic);
    auto *opts = new QHBoxLayout;
    opts->addWidget(new QLabel(tr("QoS"), form));
    opts->addWidget(m_qos);
    opts->addWidget(m_retain);
    opts->addStretch();
    opts->addWidget(new QLabel(tr("Payload as"), form));
    opts->addWidget(m_format);
    fl->addRow(QString(), opts);
    fl->addRow(tr("Payload"), m_payload);
    fl->addRow(QString(), fileRow);
    fl->addRow(props);
    auto *bottom = new QHBoxLayout;
    bottom->addWidget(m_error, 1);
    bottom->addWidget(publish);
    fl->addRow(bottom);

    m_history = new QListWidget(this);
    m_history->setObjectName(QStringLiteral("publishHistory"));
    auto *resend = new QPushButton(tr("Send again"), this);
    resend->setObjectName(QStringLiteral("publishResend"));
    connect(m_history, &QListWidget::itemDoubleClicked, this,
            [this](QListWidgetItem *item) { loadFromHistory(m_history->row(item)); });
    connect(resend, &QPushButton::clicked, this, [this] {
        if (m_history->currentRow() < 0) return;
        loadFromHistory(m_history->currentRow());
        publishNow();
    });
    auto *historyBox = new QWidget(this);
    auto *hl = new QVBoxLayout(historyBox);
    hl->setContentsMargins(0, 0, 0, 0);
    hl->addWidget(new QLabel(tr("History (double-click to load)"), historyBox));
    hl->addWidget(m_history, 1);
    hl->addWidget(resend);

    auto *split = new QSplitter(this);
    split->addWidget(form);
    split->addWidget(historyBox);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 1);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(split);

    // History from the last sessions.
    const QVariantList saved = QSettings().value(QStringLiteral("publish/history")).toList();
    for (const QVariant &v : saved) {
        const QVariantMap m = v.toMap();
        auto *item = new QListWidgetItem(m.value(QStringLiteral("label")).toString(), m_history);
        item->setData(Qt::UserRole, m);
    }
}

void PublishView::setTopic(const QString &topic)
{
    m_topic->setText(topic);
    m_payload->setFocus();
}

bool PublishView::buildMessage(packets::Publish &out, QString *error) const
{
    const auto fail = [&](const QString &why) {
        if (error) *error = why;
        return false;
    };
    out = packets::Publish{};
    out.topic = m_topic->text().toUtf8();
    if (out.topic.isEmpty()) return fail(tr("Enter a topic."));
    if (!packets::isValidTopicName(out.topic))
        return fail(tr("A topic to publish to cannot contain + or #."));
    out.qos = std::uint8_t(m_qos->currentIndex());
    out.retain = m_retain->isChecked();
    const QString text = m_payload->toPlainText();
    switch (m_format->currentData().toInt()) {
    case Text:
        out.payload = text.toUtf8();
        break;
    case Hex: {
        QString digits = text;
        digits.remove(QRegularExpression(QStringLiteral("\\s|0x|,")));
        if (digits.size() % 2 != 0 ||
            !QRegularExpression(QStringLiteral("^[0-9a-fA-F]*$")).match(digits).hasMatch())
            return fail(tr("Hex payload: give pairs of hex digits, e.g. 01 ff 7a."));
        out.payload = QByteArray::fromHex(digits.toLatin1());
        break;
    }
    case Json: {
        QJsonParseError e;
        out.payload = text.toUtf8();
        // Validated, then sent as typed: re-serialising would reorder keys and round big numbers.
        QJsonDocument::fromJson(out.payload, &e);
        if (e.error != QJsonParseError::NoError)
            return fail(tr("JSON payload: %1 at character %2.").arg(e.errorString()).arg(e.offset));
        break;
    }
    case File: {
        QFile f(m_file->text());
        if (m_file->text().isEmpty()) return fail(tr("Choose a payload file."));
        if (!f.open(QIODevice::ReadOnly))
            return fail(tr("Cannot read %1: %2").arg(m_file->text(), f.errorString()));
        if (f.size() > 256 * 1024 * 1024)
            return fail(tr("The file is larger than an MQTT payload may be (256 MB)."));
        out.payload = f.readAll();
        break;
    }
    }
    packets::Properties &p = out.properties;
    if (!m_contentType->text().isEmpty()) {
        p.contentType = m_contentType->text().toUtf8();
        p.mark(packets::PropertyId::ContentType);
    }
    if (!m_responseTopic->text().isEmpty()) {
        p.responseTopic = m_responseTopic->text().toUtf8();
        if (!packets::isValidTopicName(p.responseTopic))
            return fail(tr("The response topic cannot contain + or #."));
        p.mark(packets::PropertyId::ResponseTopic);
    }
    if (!m_correlation->text().isEmpty()) {
        p.correlationData = m_correlation->text().toUtf8();
        p.mark(packets::PropertyId::CorrelationData);
    }
    if (m_expiry->value() > 0) {
        p.messageExpiryInterval = std::uint32_t(m_expiry->value());
        p.mark(packets::PropertyId::MessageExpiryInterval);
    }
    if (m_utf8Indicator->isChecked()) {
        if (!packets::isValidUtf8(out.payload)) return fail(tr("The payload is not valid UTF-8."));
        p.payloadFormatIndicator = 1;
        p.mark(packets::PropertyId::PayloadFormatIndicator);
    }
    for (int r = 0; r < m_userProps->rowCount(); ++r) {
        const QString k = m_userProps->item(r, 0) ? m_userProps->item(r, 0)->text() : QString();
        const QString v = m_userProps->item(r, 1) ? m_userProps->item(r, 1)->text() : QString();
        if (k.isEmpty() && v.isEmpty()) continue;
        p.userProperties.append({k.toUtf8(), v.toUtf8()});
    }
    return true;
}

void PublishView::publishNow()
{
    packets::Publish message;
    QString why;
    if (!buildMessage(message, &why)) {
        m_error->setText(why);
        return;
    }
    m_error->clear();
    addToHistory(message);
    Q_EMIT publishRequested(message);
}

void PublishView::addToHistory(const packets::Publish &message)
{
    QVariantMap m;
    m.insert(QStringLiteral("topic"), m_topic->text());
    m.insert(QStringLiteral("qos"), m_qos->currentIndex());
    m.insert(QStringLiteral("retain"), m_retain->isChecked());
    m.insert(QStringLiteral("format"), m_format->currentIndex());
    m.insert(QStringLiteral("payload"), m_payload->toPlainText());
    m.insert(QStringLiteral("file"), m_file->text());
    m.insert(QStringLiteral("contentType"), m_contentType->text());
    m.insert(QStringLiteral("responseTopic"), m_responseTopic->text());
    m.insert(QStringLiteral("correlation"), m_correlation->text());
    m.insert(QStringLiteral("expiry"), m_expiry->value());
    m.insert(QStringLiteral("utf8"), m_utf8Indicator->isChecked());
    QVariantList users;
    for (const auto &u : message.properties.userProperties)
        users.append(QStringList{QString::fromUtf8(u.first), QString::fromUtf8(u.second)});
    m.insert(QStringLiteral("users"), users);
    const QString label = QStringLiteral("%1  [QoS %2%3]  %4")
                              .arg(m_topic->text())
                              .arg(m_qos->currentIndex())
                              .arg(m_retain->isChecked() ? QStringLiteral(", R") : QString())
                              .arg(shortPayload(message.payload, 40));
    m.insert(QStringLiteral("label"), label);
    auto *item = new QListWidgetItem(label);
    item->setData(Qt::UserRole, m);
    m_history->insertItem(0, item);
    while (m_history->count() > kHistoryMax)
        delete m_history->takeItem(m_history->count() - 1);
    saveHistory();
}

void PublishView::saveHistory() const
{
    QVariantList list;
    for (int i = 0; i < m_history->count(); ++i)
        list.append(m_history->item(i)->data(Qt::UserRole));
    QSettings().setValue(QStringLiteral("publish/history"), list);
}

void PublishView::loadFromHistory(int row)
{
    QListWidgetItem *item = m_history->item(row);
    if (!item) return;
    const QVariantMap m = item->data(Qt::UserRole).toMap();
    m_topic->setText(m.value(QStringLiteral("topic")).toString());
    m_qos->setCurrentIndex(m.value(QStringLiteral("qos")).toInt());
    m_retain->setChecked(m.value(QStringLiteral("retain")).toBool());
    m_format->setCurrentIndex(m.value(QStringLiteral("format")).toInt());
    m_payload->setPlainText(m.value(QStringLiteral("payload")).toString());
    m_file->setText(m.value(QStringLiteral("file")).toString());
    m_contentType->setText(m.value(QStringLiteral("contentType")).toString());
    m_responseTopic->setText(m.value(QStringLiteral("responseTopic")).toString());
    m_correlation->setText(m.value(QStringLiteral("correlation")).toString());
    m_expiry->setValue(m.value(QStringLiteral("expiry")).toInt());
    m_utf8Indicator->setChecked(m.value(QStringLiteral("utf8")).toBool());
    m_userProps->setRowCount(0);
    for (const QVariant &u : m.value(QStringLiteral("users")).toList()) {
        const QStringList kv = u.toStringList();
        const int r = m_userProps->rowCount();
        m_userProps->insertRow(r);
        m_userProps->setItem(r, 0, new QTableWidgetItem(kv.value(0)));
        m_userProps->setItem(r, 1, new QTableWidgetItem(kv.value(1)));
    }
}

} // namespace petrel::gui
