#include "mainwindow.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QHBoxLayout>
#include <QLabel>
#include <QLibraryInfo>
#include <QListWidget>
#include <QLocale>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QPointer>
#include <QSettings>
#include <QShortcut>
#include <QStackedWidget>
#include <QStatusBar>
#include <QSystemTrayIcon>
#include <QToolBar>
#include <QTranslator>

// The icons' .qrc is compiled into the static petrel_admin_lib: register it explicitly, or
// the linker may drop it. Q_INIT_RESOURCE must be used outside any namespace.
static void initResources()
{
    Q_INIT_RESOURCE(petrel_admin);
}

namespace petrel::gui {

void setApplicationIdentity()
{
    initResources();
    QApplication::setApplicationDisplayName(QStringLiteral("Petrel Admin"));
    QApplication::setApplicationVersion(QStringLiteral(PETREL_ADMIN_VERSION));
    QApplication::setWindowIcon(QIcon(QStringLiteral(":/icons/petrel-admin.svg")));
    // The installed desktop entry (installer/desktop/org.petrel.Admin.desktop): Wayland
    // compositors and task managers match windows to it (icon, name) by this id.
    QGuiApplication::setDesktopFileName(QStringLiteral("org.petrel.Admin"));
}

bool installTranslation(const QString &code)
{
    static QPointer<QTranslator> ours;
    static QPointer<QTranslator> qt;
    for (QPointer<QTranslator> *t : {&ours, &qt}) {
        if (*t) {
            QCoreApplication::removeTranslator(*t);
            delete t->data();
        }
    }
    const QLocale locale = code.isEmpty() ? QLocale::system() : QLocale(code);
    ours = new QTranslator(qApp);
    const bool found =
        ours->load(locale, QStringLiteral("petrel-admin"), QStringLiteral("_"), QStringLiteral(":/i18n"));
    if (found) QCoreApplication::installTranslator(ours);
    qt = new QTranslator(qApp);
    if (qt->load(locale, QStringLiteral("qtbase"), QStringLiteral("_"),
                 QLibraryInfo::path(QLibraryInfo::TranslationsPath)))
        QCoreApplication::installTranslator(qt);
    return found;
}

Controller::Controller(QObject *parent)
    : QObject(parent), m_embedded(new EmbeddedBackend(this)), m_attached(new AttachedBackend(this))
{
}

MainWindow::MainWindow(Controller *controller, QWidget *parent)
    : QMainWindow(parent), m_controller(controller)
{
    initResources();
    setWindowTitle(tr("Petrel Admin"));
    setWindowIcon(QIcon(QStringLiteral(":/icons/petrel-admin.svg")));
    setObjectName(QStringLiteral("petrelAdminMainWindow"));

    m_dashboard = new DashboardView(this);
    m_clients = new ClientsView(this);
    m_subscriptions = new SubscriptionsView(this);
    m_topics = new TopicsView(this);
    m_publish = new PublishView(this);
    m_messages = new MessagesView(this);
    m_log = new LogView(this);
    m_settings = new SettingsView(this);

    m_nav = new QListWidget(this);
    m_nav->setObjectName(QStringLiteral("viewList"));
    m_nav->setIconSize(QSize(22, 22));
    m_nav->setFixedWidth(170);
    m_stack = new QStackedWidget(this);
    const QList<std::tuple<QWidget *, QString, QString>> views = {
        {m_dashboard, tr("Dashboard"), QStringLiteral("dashboard")},
        {m_clients, tr("Clients"), QStringLiteral("clients")},
        {m_subscriptions, tr("Subscriptions"), QStringLiteral("subscriptions")},
        {m_topics, tr("Topics"), QStringLiteral("topics")},
        {m_publish, tr("Publish"), QStringLiteral("publish")},
        {m_messages, tr("Messages"), QStringLiteral("messages")},
        {m_log, tr("Log"), QStringLiteral("log")},
        {m_settings, tr("Settings"), QStringLiteral("settings")},
    };
    for (int i = 0; i < views.size(); ++i) {
        const auto &[widget, title, icon] = views[i];
        auto *item = new QListWidgetItem(QIcon(QStringLiteral(":/icons/%1.svg").arg(icon)), title, m_nav);
        item->setToolTip(tr("%1 (Ctrl+%2)").arg(title).arg(i + 1));
        m_stack->addWidget(widget);
        auto *sc = new QShortcut(QKeySequence(QStringLiteral("Ctrl+%1").arg(i + 1)), this);
        connect(sc, &QShortcut::activated, this, [this, i] { showView(View(i)); });
    }
    connect(m_nav, &QListWidget::currentRowChanged, m_stack, &QStackedWidget::setCurrentIndex);
    m_nav->setCurrentRow(0);
    auto *central = new QWidget(this);
    auto *hl = new QHBoxLayout(central);
    hl->setContentsMargins(4, 4, 4, 4);
    hl->addWidget(m_nav);
    hl->addWidget(m_stack, 1);
    setCentralWidget(central);

    m_start = new QAction(QIcon(QStringLiteral(":/icons/start.svg")), tr("&Start"), this);
    m_start->setObjectName(QStringLiteral("startAction"));
    m_start->setShortcut(QKeySequence(Qt::Key_F5));
    m_start->setToolTip(tr("Start the embedded broker, or attach to petrel-server (F5)"));
    m_stop = new QAction(QIcon(QStringLiteral(":/icons/stop.svg")), tr("S&top"), this);
    m_stop->setObjectName(QStringLiteral("stopAction"));
    m_stop->setShortcut(QKeySequence(Qt::SHIFT | Qt::Key_F5));
    m_stop->setToolTip(tr("Stop the embedded broker, or detach (Shift+F5)"));
    connect(m_start, &QAction::triggered, this, [this] { startBackend(); });
    connect(m_stop, &QAction::triggered, this, &MainWindow::stopBackend);
    auto *quit = new QAction(tr("&Quit"), this);
    quit->setObjectName(QStringLiteral("quitAction"));
    quit->setShortcut(QKeySequence::Quit);
    connect(quit, &QAction::triggered, this, &QWidget::close);

    auto *toolbar = addToolBar(tr("Broker"));
    toolbar->setObjectName(QStringLiteral("brokerToolbar"));
    toolbar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    toolbar->addAction(m_start);
    toolbar->addAction(m_stop);
    m_state = new QLabel(this);
    m_state->setObjectName(QStringLiteral("runState"));
    m_state->setContentsMargins(12, 0, 0, 0);
    toolbar->addWidget(m_state);

    auto *fileMenu = menuBar()->addMenu(tr("&Broker"));
    fileMenu->addAction(m_start);
    fileMenu->addAction(m_stop);
    fileMenu->addSeparator();
    fileMenu->addAction(quit);
    auto *viewMenu = menuBar()->addMenu(tr("&View"));
    for (int i = 0; i < views.size(); ++i) {
        QAction *a = viewMenu->addAction(std::get<1>(views[i]), this, [this, i] { showView(View(i)); });
        a->setShortcut(QKeySequence(QStringLiteral("Ctrl+%1").arg(i + 1)));
        a->setShortcutContext(Qt::WidgetShortcut); // the QShortcuts above do the work
    }
    auto *help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&About Petrel Admin"), this, [this] {
        QMessageBox::about(this, tr("About Petrel Admin"),
                           tr("<b>Petrel Admin</b> %1<br>A desktop view of the Petrel MQTT broker: run one "
                              "embedded, or attach to petrel-server through its admin API.")
                               .arg(QStringLiteral(PETREL_ADMIN_VERSION)));
    });

    m_status = new QLabel(this);
    m_status->setObjectName(QStringLiteral("statusText"));
    statusBar()->addWidget(m_status, 1);

    // The tray icon exists always and is shown while the embedded broker runs (on desktops
    // without a tray, QSystemTrayIcon keeps the state and shows nothing).
    m_tray = new QSystemTrayIcon(QIcon(QStringLiteral(":/icons/petrel-admin.svg")), this);
    m_tray->setObjectName(QStringLiteral("trayIcon"));
    auto *trayMenu = new QMenu(this);
    trayMenu->setObjectName(QStringLiteral("trayMenu"));
    auto *showWindow = trayMenu->addAction(tr("Show Petrel Admin"), this, [this] {
        showNormal();
        raise();
        activateWindow();
    });
    showWindow->setObjectName(QStringLiteral("trayShowAction"));
    trayMenu->addAction(m_stop);
    trayMenu->addAction(quit);
    m_tray->setContextMenu(trayMenu);
    connect(m_tray, &QSystemTrayIcon::activated, this, [this](QSystemTrayIcon::ActivationReason r) {
        if (r == QSystemTrayIcon::Trigger) {
            showNormal();
            raise();
            activateWindow();
        }
    });

    wireBackend(m_controller->embedded());
    wireBackend(m_controller->attached());
    connect(m_clients, &ClientsView::disconnectRequested, this, [this](const QByteArray &id, quint8 reason) {
        if (Backend *b = m_controller->active()) b->disconnectClient(id, reason);
    });
    connect(m_clients, &ClientsView::deleteSessionRequested, this, [this](const QByteArray &id) {
        if (Backend *b = m_controller->active()) b->deleteSession(id);
    });
    connect(m_topics, &TopicsView::deleteRetainedRequested, this, [this](const QByteArray &topic) {
        if (Backend *b = m_controller->active()) b->deleteRetained(topic);
    });
    connect(m_topics, &TopicsView::publishToTopicRequested, this, [this](const QByteArray &topic) {
        m_publish->setTopic(QString::fromUtf8(topic));
        showView(Publish);
    });
    connect(m_publish, &PublishView::publishRequested, this, [this](const packets::Publish &p) {
        if (Backend *b = m_controller->active(); b && b->isActive())
            b->publish(p);
        else
            showStatus(tr("Start the broker or attach first (F5)"), false);
    });
    connect(m_settings, &SettingsView::languageChanged, this, &MainWindow::languageChangeRequested);
    connect(m_settings, &SettingsView::configPathChanged, this,
            [](const QString &path) { QSettings().setValue(QStringLiteral("config/path"), path); });
    connect(m_settings, &SettingsView::modeChanged, this, &MainWindow::updateRunState);

    restoreSettings();
    updateRunState();
}

MainWindow::~MainWindow() = default;

void MainWindow::wireBackend(Backend *b)
{
    const auto current = [this, b] { return m_controller->active() == b; };
    connect(b, &Backend::snapshotReady, this, [this, current](const Snapshot &s) {
        if (!current()) return;
        m_dashboard->onSnapshot(s);
        m_clients->onSnapshot(s);
        m_subscriptions->onSnapshot(s);
        m_topics->onSnapshot(s);
    });
    connect(b, &Backend::messagesArrived, this,
            [this, current](const QList<MessageRecord> &batch, qint64 dropped) {
                if (!current()) return;
                m_topics->onMessages(batch);
                m_messages->onMessages(batch, dropped);
            });
    connect(b, &Backend::logArrived, this, [this, current](const QList<LogEntry> &entries) {
        if (current()) m_log->onLog(entries);
    });
    connect(b, &Backend::actionFinished, this,
            [this](bool ok, const QString &text) { showStatus(text, ok); });
    connect(b, &Backend::activeChanged, this, &MainWindow::updateRunState);
}

bool MainWindow::startBackend(QString *error)
{
    stopBackend();
    if (m_settings->mode() == SettingsView::Mode::Embedded) {
        Options o;
        QString why;
        if (!m_settings->options(o, &why) || !m_controller->embedded()->start(o, &why)) {
            showStatus(tr("Cannot start the broker: %1").arg(why), false);
            if (error) *error = why;
            updateRunState();
            return false;
        }
        m_controller->setActive(m_controller->embedded());
    } else {
        const QUrl url = m_settings->attachUrl();
        if (!url.isValid() || url.scheme().isEmpty()) {
            const QString why = tr("The admin API URL is not valid");
            showStatus(why, false);
            if (error) *error = why;
            return false;
        }
        m_controller->attached()->setTarget(url, m_settings->attachToken());
        m_controller->setActive(m_controller->attached());
    }
    m_dashboard->reset();
    m_controller->active()->startPolling();
    updateRunState();
    showStatus(m_controller->active()->describe());
    return true;
}

void MainWindow::stopBackend()
{
    if (Backend *b = m_controller->active()) b->stopPolling();
    m_controller->embedded()->stop();
    m_controller->attached()->setTarget(QUrl(), QString());
    m_controller->setActive(nullptr);
    updateRunState();
}

void MainWindow::showView(View v)
{
    m_nav->setCurrentRow(int(v));
}

QString MainWindow::statusText() const
{
    return m_status->text();
}

void MainWindow::updateRunState()
{
    Backend *b = m_controller->active();
    const bool running = b != nullptr;
    const bool embeddedRunning = m_controller->embedded()->isActive();
    m_start->setEnabled(!running);
    m_stop->setEnabled(running);
    if (m_settings->mode() == SettingsView::Mode::Embedded) {
        m_start->setText(tr("&Start"));
        m_stop->setText(tr("S&top"));
    } else {
        m_start->setText(tr("&Attach"));
        m_stop->setText(tr("De&tach"));
    }
    m_state->setText(b ? b->describe() : tr("Stopped"));
    m_tray->setToolTip(embeddedRunning ? m_controller->embedded()->describe() : tr("Petrel Admin"));
    m_tray->setVisible(embeddedRunning);
}

void MainWindow::showStatus(const QString &text, bool ok)
{
    m_status->setStyleSheet(ok ? QString() : QStringLiteral("color: #b02020"));
    m_status->setText(text);
}

void MainWindow::savePersistentState() const
{
    QSettings s;
    s.setValue(QStringLiteral("window/geometry"), saveGeometry());
    s.setValue(QStringLiteral("window/state"), QMainWindow::saveState());
    s.setValue(QStringLiteral("window/view"), m_nav->currentRow());
    s.setValue(QStringLiteral("mode"), m_settings->mode() == SettingsView::Mode::Attached
                                           ? QStringLiteral("attached")
                                           : QStringLiteral("embedded"));
    s.setValue(QStringLiteral("attach/url"), m_settings->attachUrl().toString());
    // The token only when the user asked for it (Settings: "Remember the token"): QSettings
    // is a plain-text file (~/.config/Petrel/petrel-admin.conf on Linux).
    if (m_settings->rememberToken() && !m_settings->attachToken().isEmpty())
        s.setValue(QStringLiteral("attach/token"), m_settings->attachToken());
    else
        s.remove(QStringLiteral("attach/token"));
    s.setValue(QStringLiteral("language"), m_settings->language());
}

void MainWindow::restoreSettings()
{
    QSettings s;
    restoreGeometry(s.value(QStringLiteral("window/geometry")).toByteArray());
    QMainWindow::restoreState(s.value(QStringLiteral("window/state")).toByteArray());
    showView(View(std::clamp(s.value(QStringLiteral("window/view"), 0).toInt(), 0, int(ViewCount) - 1)));
    m_settings->setMode(s.value(QStringLiteral("mode")).toString() == QLatin1String("attached")
                            ? SettingsView::Mode::Attached
                            : SettingsView::Mode::Embedded);
    const QString token = s.value(QStringLiteral("attach/token")).toString();
    m_settings->setAttachTarget(s.value(QStringLiteral("attach/url")).toString(), token);
    m_settings->setRememberToken(!token.isEmpty());
    m_settings->setLanguage(s.value(QStringLiteral("language")).toString());
    const QString config = s.value(QStringLiteral("config/path")).toString();
    QString why;
    if (!config.isEmpty() && !m_settings->loadConfig(config, &why))
        showStatus(tr("Last config not loaded: %1").arg(why), false);
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    savePersistentState();
    QMainWindow::closeEvent(event);
}

} // namespace petrel::gui
