// petrel-admin's views. Each is a plain QWidget fed by MainWindow from the backend's
// batches; user actions leave as signals. Widgets tests reach have object names.
#pragma once

#include "backend.h"
#include "models.h"

#include <QDateTime>
#include <QPointer>
#include <QWidget>

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QPlainTextEdit;
class QPushButton;
class QSortFilterProxyModel;
class QSpinBox;
class QTableView;
class QTableWidget;
class QTextBrowser;
class QToolButton;
class QTreeView;
class QRadioButton;
class QChart;
class QLineSeries;
class QDateTimeAxis;
class QValueAxis;

namespace petrel::gui {

// Ctrl+F (QKeySequence::Find) in `view` puts the cursor in `edit`; the tooltip says so.
void addFindShortcut(QWidget *view, QLineEdit *edit);

class DashboardView final : public QWidget {
    Q_OBJECT
public:
    explicit DashboardView(QWidget *parent = nullptr);
    void onSnapshot(const Snapshot &s);
    void reset();
    static constexpr int kWindowSeconds = 300; // charts show the last five minutes
    // Points in the messages chart's "in" series (one per snapshot after the first).
    int chartPointCount() const;
    // The live charts, by object name ("chart_messages", "chart_bytes", "chart_clients",
    // "chart_memory"); each series is one line of the last kWindowSeconds.
    QList<QChart *> charts() const;

private:
    struct Chart {
        QChart *chart = nullptr;
        QList<QLineSeries *> series;
        QDateTimeAxis *x = nullptr;
        QValueAxis *y = nullptr;
    };
    Chart makeChart(const QString &name, const QString &title, const QStringList &seriesNames);
    void addPoint(Chart &c, qint64 t, const QList<double> &values);
    QHash<QString, QLabel *> m_values;
    Chart m_messages;
    Chart m_bytes;
    Chart m_clients; // connected clients, subscriptions, inflight: from every snapshot
    Chart m_memory;  // resident memory of the broker process, MiB
    std::optional<Snapshot> m_previous;
};

class ClientsView final : public QWidget {
    Q_OBJECT
public:
    explicit ClientsView(QWidget *parent = nullptr);
    void onSnapshot(const Snapshot &s);
    ClientsModel *model() const { return m_model; }
    QTableView *table() const { return m_table; }
    QByteArray selectedClient() const;
    bool selectClient(const QByteArray &clientId);

Q_SIGNALS:
    void disconnectRequested(const QByteArray &clientId, quint8 reason);
    void deleteSessionRequested(const QByteArray &clientId);

private:
    void updateDetails();
    ClientsModel *m_model;
    QSortFilterProxyModel *m_proxy;
    QTableView *m_table;
    QLineEdit *m_filter;
    QTextBrowser *m_details;
    QComboBox *m_reason;
    QPushButton *m_disconnect;
    QPushButton *m_delete;
    QList<admin::SubscriptionSnapshot> m_subscriptions;
    quint64 m_clientsSerial = 0; // Snapshot::clientsSerial of the list in the model
    QByteArray m_selectedBeforeReset;
};

class SubscriptionsView final : public QWidget {
    Q_OBJECT
public:
    explicit SubscriptionsView(QWidget *parent = nullptr);
    void onSnapshot(const Snapshot &s);
    SubscriptionsModel *model() const { return m_model; }

private:
    SubscriptionsModel *m_model;
    QSortFilterProxyModel *m_proxy;
    QTableView *m_table;
    QLineEdit *m_filter;
};

class TopicsView final : public QWidget {
    Q_OBJECT
public:
    explicit TopicsView(QWidget *parent = nullptr);
    void onSnapshot(const Snapshot &s);
    void onMessages(const QList<MessageRecord> &batch);
    TopicTreeModel *model() const { return m_model; }
    QTreeView *tree() const { return m_tree; }

Q_SIGNALS:
    void deleteRetainedRequested(const QByteArray &topic);
    void publishToTopicRequested(const QByteArray &topic);

private:
    void updateDetails();
    TopicTreeModel *m_model;
    QTreeView *m_tree;
    QLabel *m_topic;
    QLabel *m_meta;
    QComboBox *m_format;
    QPlainTextEdit *m_payload;
    QPushButton *m_deleteRetained;
    QPushButton *m_publishHere;
};

class PublishView final : public QWidget {
    Q_OBJECT
public:
    explicit PublishView(QWidget *parent = nullptr);
    // Builds the message from the form. False with *error if an input is invalid.
    bool buildMessage(packets::Publish &out, QString *error) const;
    void setTopic(const QString &topic);
    void publishNow();
    QListWidget *history() const { return m_history; }

Q_SIGNALS:
    void publishRequested(const packets::Publish &message);

private:
    void addToHistory(const packets::Publish &message);
    void loadFromHistory(int row);
    void saveHistory() const;
    QLineEdit *m_topic;
    QComboBox *m_qos;
    QCheckBox *m_retain;
    QComboBox *m_format;
    QPlainTextEdit *m_payload;
    QLineEdit *m_file;
    QLineEdit *m_contentType;
    QLineEdit *m_responseTopic;
    QLineEdit *m_correlation;
    QSpinBox *m_expiry;
    QCheckBox *m_utf8Indicator;
    QTableWidget *m_userProps;
    QListWidget *m_history;
    QLabel *m_error;
};

class MessagesView final : public QWidget {
    Q_OBJECT
public:
    explicit MessagesView(QWidget *parent = nullptr);
    void onMessages(const QList<MessageRecord> &batch, qint64 dropped);
    MessagesModel *model() const { return m_model; }
    void setFilter(const QString &filter);
    void setPaused(bool paused);
    bool exportTo(const QString &path, QString *error) const;

private:
    void updateStatus();
    MessagesModel *m_model;
    QSortFilterProxyModel *m_proxy;
    QTableView *m_table;
    QLineEdit *m_filter;
    QLineEdit *m_search;
    QToolButton *m_pause;
    QLabel *m_status;
    QPlainTextEdit *m_details;
    QByteArray m_activeFilter = "#";
    qint64 m_missedWhilePaused = 0;
    qint64 m_dropped = 0;
};

class LogView final : public QWidget {
    Q_OBJECT
public:
    explicit LogView(QWidget *parent = nullptr);
    void onLog(const QList<LogEntry> &entries);
    LogModel *model() const { return m_model; }

private:
    LogModel *m_model;
    QSortFilterProxyModel *m_proxy;
    QTableView *m_table;
    QComboBox *m_level;
    QLineEdit *m_search;
};

class SettingsView final : public QWidget {
    Q_OBJECT
public:
    enum class Mode { Embedded, Attached };
    explicit SettingsView(QWidget *parent = nullptr);

    Mode mode() const;
    void setMode(Mode m);
    // The embedded broker's options from the form. False with *error if invalid.
    bool options(Options &out, QString *error) const;
    void setOptions(const Options &o);
    QUrl attachUrl() const;
    QString attachToken() const;
    void setAttachTarget(const QString &url, const QString &token);
    // Whether the admin token is saved in QSettings (plain text) for the next start.
    bool rememberToken() const;
    void setRememberToken(bool remember);
    QString language() const; // "", "de", "ja", "zh_CN"
    void setLanguage(const QString &code);
    QString configPath() const { return m_configPath; }
    bool loadConfig(const QString &path, QString *error);
    bool saveConfig(const QString &path, QString *error);

Q_SIGNALS:
    void modeChanged();
    void languageChanged(const QString &code);
    void configPathChanged(const QString &path);

private:
    void addListenerRow(const QString &type, const QString &id, const QString &address);
    QRadioButton *m_embedded;
    QRadioButton *m_attached;
    QTableWidget *m_listeners;
    QCheckBox *m_allowAll;
    QSpinBox *m_workers;
    QSpinBox *m_sysInterval;
    QSpinBox *m_maxClients;
    QComboBox *m_maxQos;
    QSpinBox *m_maxInflight;
    QSpinBox *m_maxKeepalive;
    QCheckBox *m_retainAvailable;
    QComboBox *m_logLevel;
    QLineEdit *m_url;
    QLineEdit *m_token;
    QCheckBox *m_rememberToken;
    QComboBox *m_language;
    QLabel *m_configLabel;
    QString m_configPath;
    Options m_loaded; // what was loaded (keeps hooks and settings the form does not show)
};

} // namespace petrel::gui
