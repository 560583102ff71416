// petrel-admin's main window: a view list on the left, the views on the right, Start/Stop
// in the toolbar, a tray icon while the embedded broker runs. The backends belong to the
// Controller, so the window can be rebuilt (language change) while a broker keeps running.
#pragma once

#include "backend.h"
#include "views.h"

#include <QMainWindow>

class QAction;
class QLabel;
class QListWidget;
class QStackedWidget;
class QSystemTrayIcon;

namespace petrel::gui {

// Installs petrel-admin's translation for `code` ("de", "ja", "zh_CN", "en"; "" = the system
// language) and Qt's own, replacing earlier ones. False if petrel-admin has none for it
// (English is then shown).
bool installTranslation(const QString &code);

// Display name, version, window icon and the desktop file name (org.petrel.Admin, as
// installed by installer/); main() calls it after setting the organisation/application name.
void setApplicationIdentity();

class Controller final : public QObject {
    Q_OBJECT
public:
    explicit Controller(QObject *parent = nullptr);
    EmbeddedBackend *embedded() const { return m_embedded; }
    AttachedBackend *attached() const { return m_attached; }
    // The backend of the current mode (the one that polls while running).
    Backend *active() const { return m_active; }
    void setActive(Backend *b) { m_active = b; }

private:
    EmbeddedBackend *m_embedded;
    AttachedBackend *m_attached;
    Backend *m_active = nullptr;
};

class MainWindow final : public QMainWindow {
    Q_OBJECT
public:
    enum View { Dashboard, Clients, Subscriptions, Topics, Publish, Messages, Log, Settings, ViewCount };
    explicit MainWindow(Controller *controller, QWidget *parent = nullptr);
    ~MainWindow() override;

    // Starts the embedded broker or attaches, per the Settings view's mode. False with the
    // reason in the status bar (and *error) if that fails.
    bool startBackend(QString *error = nullptr);
    void stopBackend();
    void showView(View v);

    DashboardView *dashboardView() const { return m_dashboard; }
    ClientsView *clientsView() const { return m_clients; }
    SubscriptionsView *subscriptionsView() const { return m_subscriptions; }
    TopicsView *topicsView() const { return m_topics; }
    PublishView *publishView() const { return m_publish; }
    MessagesView *messagesView() const { return m_messages; }
    LogView *logView() const { return m_log; }
    SettingsView *settingsView() const { return m_settings; }
    QAction *startAction() const { return m_start; }
    QAction *stopAction() const { return m_stop; }
    // Shown while the embedded broker runs; its menu: show the window, Stop, Quit.
    QSystemTrayIcon *trayIcon() const { return m_tray; }
    QString statusText() const;
    // Window geometry, view, mode and attach target into QSettings (also done on close).
    void savePersistentState() const;

Q_SIGNALS:
    void languageChangeRequested(const QString &code);

protected:
    void closeEvent(QCloseEvent *event) override;

private:
    void wireBackend(Backend *b);
    void updateRunState();
    void showStatus(const QString &text, bool ok = true);
    void restoreSettings();

    Controller *m_controller;
    QListWidget *m_nav;
    QStackedWidget *m_stack;
    DashboardView *m_dashboard;
    ClientsView *m_clients;
    SubscriptionsView *m_subscriptions;
    TopicsView *m_topics;
    PublishView *m_publish;
    MessagesView *m_messages;
    LogView *m_log;
    SettingsView *m_settings;
    QAction *m_start;
    QAction *m_stop;
    QLabel *m_state;
    QLabel *m_status;
    QSystemTrayIcon *m_tray;
};

} // namespace petrel::gui
