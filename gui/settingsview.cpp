#include "views.h"

#include "config/config.h"
#include "configio.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QFileDialog>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QRadioButton>
#include <QSaveFile>
#include <QSettings>
#include <QSpinBox>
#include <QTableWidget>
#include <QVBoxLayout>

namespace petrel::gui {

SettingsView::SettingsView(QWidget *parent) : QWidget(parent)
{
    auto *modeBox = new QGroupBox(tr("Mode"), this);
    m_embedded = new QRadioButton(tr("Embedded: run a broker inside petrel-admin"), modeBox);
    m_embedded->setObjectName(QStringLiteral("modeEmbedded"));
    m_attached =
        new QRadioButton(tr("Attached: watch a running petrel-server through its admin API"), modeBox);
    m_attached->setObjectName(QStringLiteral("modeAttached"));
    m_embedded->setChecked(true);
    auto *ml = new QVBoxLayout(modeBox);
    ml->addWidget(m_embedded);
    ml->addWidget(m_attached);
    connect(m_embedded, &QRadioButton::toggled, this, &SettingsView::modeChanged);

    // Embedded broker
    auto *embedded = new QGroupBox(tr("Embedded broker"), this);
    m_listeners = new QTableWidget(0, 3, embedded);
    m_listeners->setObjectName(QStringLiteral("listenersTable"));
    m_listeners->setHorizontalHeaderLabels({tr("Type"), tr("ID"), tr("Address")});
    m_listeners->horizontalHeader()->setStretchLastSection(true);
    m_listeners->verticalHeader()->hide();
    m_listeners->setMinimumHeight(120);
    auto *addListener = new QPushButton(tr("Add listener"), embedded);
    auto *removeListener = new QPushButton(tr("Remove listener"), embedded);
    connect(addListener, &QPushButton::clicked, this, [this] {
        addListenerRow(QStringLiteral("tcp"), QStringLiteral("tcp%1").arg(m_listeners->rowCount() + 1),
                       QStringLiteral("127.0.0.1:%1").arg(1883 + m_listeners->rowCount()));
    });
    connect(removeListener, &QPushButton::clicked, this, [this] {
        if (m_listeners->currentRow() >= 0) m_listeners->removeRow(m_listeners->currentRow());
    });
    m_allowAll = new QCheckBox(tr("Allow every client (no authentication; for development)"), embedded);
    m_allowAll->setObjectName(QStringLiteral("allowAll"));
    m_allowAll->setChecked(true);
    m_workers = new QSpinBox(embedded);
    m_workers->setRange(0, 1024);
    m_workers->setSpecialValueText(tr("one per core"));
    m_sysInterval = new QSpinBox(embedded);
    m_sysInterval->setRange(0, 86400);
    m_sysInterval->setSuffix(tr(" s"));
    m_sysInterval->setSpecialValueText(tr("off"));
    m_sysInterval->setValue(1);
    m_maxClients = new QSpinBox(embedded);
    m_maxClients->setRange(0, 10000000);
    m_maxClients->setSpecialValueText(tr("unlimited"));
    m_maxQos = new QComboBox(embedded);
    m_maxQos->addItems({QStringLiteral("0"), QStringLiteral("1"), QStringLiteral("2")});
    m_maxQos->setCurrentIndex(2);
    m_maxInflight = new QSpinBox(embedded);
    m_maxInflight->setRange(1, 65535);
    m_maxInflight->setValue(8192);
    m_maxKeepalive = new QSpinBox(embedded);
    m_maxKeepalive->setRange(0, 65535);
    m_maxKeepalive->setSpecialValueText(tr("no maximum"));
    m_maxKeepalive->setSuffix(tr(" s"));
    m_retainAvailable = new QCheckBox(tr("Retained messages available"), embedded);
    m_retainAvailable->setChecked(true);
    m_logLevel = new QComboBox(embedded);
    m_logLevel->addItem(tr("debug"), int(LogLevel::Debug));
    m_logLevel->addItem(tr("info"), int(LogLevel::Info));
    m_logLevel->addItem(tr("warn"), int(LogLevel::Warn));
    m_logLevel->addItem(tr("error"), int(LogLevel::Error));
    m_logLevel->setCurrentIndex(1);
    auto *ef = new QFormLayout(embedded);
    ef->addRow(tr("Listeners"), m_listeners);
    auto *lb = new QHBoxLayout;
    lb->addWidget(addListener);
    lb->addWidget(removeListener);
    lb->addWidget(new QLabel(tr("Types: tcp, ws, unix, sysinfo, healthcheck"), embedded), 1);
    ef->addRow(QString(), lb);
    ef->addRow(QString(), m_allowAll);
    ef->addRow(tr("Worker threads"), m_workers);
    ef->addRow(tr("$SYS interval"), m_sysInterval);
    ef->addRow(tr("Maximum clients"), m_maxClients);
    ef->addRow(tr("Maximum QoS"), m_maxQos);
    ef->addRow(tr("Maximum inflight"), m_maxInflight);
    ef->addRow(tr("Maximum keep alive"), m_maxKeepalive);
    ef->addRow(QString(), m_retainAvailable);
    ef->addRow(tr("Log level"), m_logLevel);
    m_configLabel = new QLabel(tr("Not saved yet"), embedded);
    m_configLabel->setObjectName(QStringLiteral("configPath"));
    m_configLabel->setWordWrap(true);
    auto *load = new QPushButton(QIcon(QStringLiteral(":/icons/open.svg")), tr("Open config…"), embedded);
    auto *save = new QPushButton(QIcon(QStringLiteral(":/icons/save.svg")), tr("Save config as…"), embedded);
    connect(load, &QPushButton::clicked, this, [this] {
        const QString path = QFileDialog::getOpenFileName(this, tr("Open Petrel config"), m_configPath,
                                                          tr("Config files (*.yaml *.yml *.json)"));
        QString why;
        if (!path.isEmpty() && !loadConfig(path, &why)) m_configLabel->setText(why);
    });
    connect(save, &QPushButton::clicked, this, [this] {
        const QString path = QFileDialog::getSaveFileName(
            this, tr("Save Petrel config"),
            m_configPath.isEmpty() ? QStringLiteral("petrel.yaml") : m_configPath, tr("YAML (*.yaml *.yml)"));
        QString why;
        if (!path.isEmpty() && !saveConfig(path, &why)) m_configLabel->setText(why);
    });
    auto *cb = new QHBoxLayout;
    cb->addWidget(m_configLabel, 1);
    cb->addWidget(load);
    cb->addWidget(save);
    ef->addRow(tr("Config file"), cb);

    // Attached
    auto *attached = new QGroupBox(tr("Attached to petrel-server"), this);
    m_url = new QLineEdit(QStringLiteral("http://127.0.0.1:8080"), attached);
    m_url->setObjectName(QStringLiteral("attachUrl"));
    m_token = new QLineEdit(attached);
    m_token->setObjectName(QStringLiteral("attachToken"));
    m_token->setEchoMode(QLineEdit::Password);
    auto *af = new QFormLayout(attached);
    af->addRow(tr("Admin API URL"), m_url);
    af->addRow(tr("Admin token"), m_token);
    m_rememberToken = new QCheckBox(tr("Remember the token"), attached);
    m_rememberToken->setObjectName(QStringLiteral("rememberToken"));
    m_rememberToken->setToolTip(
        tr("Keeps the token for the next start, in plain text in %1. Unticked, it is kept only while "
           "the app runs.")
            .arg(QDir::toNativeSeparators(QSettings().fileName())));
    af->addRow(QString(), m_rememberToken);
    af->addRow(
        QString(),
        new QLabel(tr("The server's sysinfo listener needs admin_token set (docs/admin-api.md)."), attached));

    // Language
    auto *general = new QGroupBox(tr("Application"), this);
    m_language = new QComboBox(general);
    m_language->setObjectName(QStringLiteral("language"));
    m_language->addItem(tr("System language"), QString());
    m_language->addItem(QStringLiteral("English"), QStringLiteral("en"));
    m_language->addItem(QStringLiteral("Deutsch"), QStringLiteral("de"));
    m_language->addItem(QStringLiteral("日本語"), QStringLiteral("ja"));
    m_language->addItem(QStringLiteral("简体中文"), QStringLiteral("zh_CN"));
    connect(m_language, &QComboBox::activated, this, [this] { Q_EMIT languageChanged(language()); });
    auto *gf = new QFormLayout(general);
    gf->addRow(tr("Language"), m_language);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(modeBox);
    layout->addWidget(embedded);
    layout->addWidget(attached);
    layout->addWidget(general);
    layout->addStretch();

    m_loaded.allowAllClients();
    addListenerRow(QStringLiteral("tcp"), QStringLiteral("tcp1"), QStringLiteral("127.0.0.1:1883"));
    addListenerRow(QStringLiteral("ws"), QStringLiteral("ws1"), QStringLiteral("127.0.0.1:1882"));
    addListenerRow(QStringLiteral("sysinfo"), QStringLiteral("stats"), QStringLiteral("127.0.0.1:8080"));
}

void SettingsView::addListenerRow(const QString &type, const QString &id, const QString &address)
{
    const int r = m_listeners->rowCount();
    m_listeners->insertRow(r);
    auto *types = new QComboBox(m_listeners);
    types->addItems({QStringLiteral("tcp"), QStringLiteral("ws"), QStringLiteral("unix"),
                     QStringLiteral("sysinfo"), QStringLiteral("healthcheck")});
    types->setCurrentText(type);
    m_listeners->setCellWidget(r, 0, types);
    m_listeners->setItem(r, 1, new QTableWidgetItem(id));
    m_listeners->setItem(r, 2, new QTableWidgetItem(address));
}

SettingsView::Mode SettingsView::mode() const
{
    return m_attached->isChecked() ? Mode::Attached : Mode::Embedded;
}

void SettingsView::setMode(Mode m)
{
    (m == Mode::Attached ? m_attached : m_embedded)->setChecked(true);
}

bool SettingsView::options(Options &out, QString *error) const
{
    out = m_loaded;
    out.listeners.clear();
    QSet<QString> ids;
    for (int r = 0; r < m_listeners->rowCount(); ++r) {
        ListenerConfig l;
        // Keep TLS and other settings of a listener loaded from a file.
        const QString id = m_listeners->item(r, 1) ? m_listeners->item(r, 1)->text().trimmed() : QString();
        for (const ListenerConfig &known : m_loaded.listeners)
            if (known.id == id) l = known;
        l.type = static_cast<QComboBox *>(m_listeners->cellWidget(r, 0))->currentText();
        l.id = id;
        l.address = m_listeners->item(r, 2) ? m_listeners->item(r, 2)->text().trimmed() : QString();
        if (l.id.isEmpty() || l.address.isEmpty()) {
            if (error) *error = tr("Listener %1 needs an ID and an address.").arg(r + 1);
            return false;
        }
        if (ids.contains(l.id)) {
            if (error) *error = tr("Two listeners are called \"%1\".").arg(l.id);
            return false;
        }
        ids.insert(l.id);
        out.listeners.append(l);
    }
    out.hooks.removeIf([](const HookConfig &h) {
        return h.type == QLatin1String("auth") && h.name == QLatin1String("allow_all");
    });
    if (m_allowAll->isChecked())
        out.hooks.prepend(HookConfig{QStringLiteral("auth"), QStringLiteral("allow_all"), {}});
    out.workerThreads = m_workers->value();
    out.sysTopicResendInterval = m_sysInterval->value();
    out.capabilities.maximumClients = m_maxClients->value();
    out.capabilities.maximumQos = std::uint8_t(m_maxQos->currentIndex());
    out.capabilities.maximumInflight = std::uint16_t(m_maxInflight->value());
    out.capabilities.maximumKeepalive = std::uint16_t(m_maxKeepalive->value());
    out.capabilities.retainAvailable = m_retainAvailable->isChecked() ? 1 : 0;
    out.logLevel = LogLevel(m_logLevel->currentData().toInt());
    return true;
}

void SettingsView::setOptions(const Options &o)
{
    m_loaded = o;
    m_listeners->setRowCount(0);
    for (const ListenerConfig &l : o.listeners)
        addListenerRow(l.type, l.id, l.address);
    m_allowAll->setChecked(std::any_of(o.hooks.begin(), o.hooks.end(), [](const HookConfig &h) {
        return h.type == QLatin1String("auth") && h.name == QLatin1String("allow_all");
    }));
    m_workers->setValue(o.workerThreads);
    m_sysInterval->setValue(int(o.sysTopicResendInterval));
    m_maxClients->setValue(int(std::min<std::int64_t>(o.capabilities.maximumClients, 10000000)));
    m_maxQos->setCurrentIndex(o.capabilities.maximumQos);
    m_maxInflight->setValue(o.capabilities.maximumInflight ? o.capabilities.maximumInflight : 8192);
    m_maxKeepalive->setValue(o.capabilities.maximumKeepalive);
    m_retainAvailable->setChecked(o.capabilities.retainAvailable != 0);
    m_logLevel->setCurrentIndex(m_logLevel->findData(int(o.logLevel)));
}

QUrl SettingsView::attachUrl() const
{
    return QUrl::fromUserInput(m_url->text().trimmed());
}

QString SettingsView::attachToken() const
{
    return m_token->text();
}

void SettingsView::setAttachTarget(const QString &url, const QString &token)
{
    if (!url.isEmpty()) m_url->setText(url);
    m_token->setText(token);
}

bool SettingsView::rememberToken() const
{
    return m_rememberToken->isChecked();
}

void SettingsView::setRememberToken(bool remember)
{
    m_rememberToken->setChecked(remember);
}

QString SettingsView::language() const
{
    return m_language->currentData().toString();
}

void SettingsView::setLanguage(const QString &code)
{
    const int i = m_language->findData(code);
    m_language->setCurrentIndex(i >= 0 ? i : 0);
}

bool SettingsView::loadConfig(const QString &path, QString *error)
{
    config::ConfigError e;
    const std::optional<Options> o = config::loadConfigFile(path, &e);
    if (!o) {
        if (error) *error = e.toString();
        return false;
    }
    setOptions(*o);
    m_configPath = path;
    m_configLabel->setText(path);
    Q_EMIT configPathChanged(path);
    return true;
}

bool SettingsView::saveConfig(const QString &path, QString *error)
{
    Options o;
    if (!options(o, error)) return false;
    QSaveFile f(path);
    if (!f.open(QIODevice::WriteOnly) || f.write(optionsToYaml(o)) < 0 || !f.commit()) {
        if (error) *error = tr("Cannot write %1: %2").arg(path, f.errorString());
        return false;
    }
    // What was written must load back: check it now rather than at the next start.
    config::ConfigError e;
    if (!config::loadConfigFile(path, &e)) {
        if (error) *error = tr("Saved, but the file does not load back: %1").arg(e.toString());
        return false;
    }
    m_loaded = o;
    m_configPath = path;
    m_configLabel->setText(path);
    Q_EMIT configPathChanged(path);
    return true;
}

} // namespace petrel::gui
