// petrel-admin: see mainwindow.h. Options: --embedded / --attach URL --token T to pick the
// mode, --start to start (or attach) at once, --view NAME to open a view.
#include "mainwindow.h"

#include "broker/logring.h"

#include <QApplication>
#include <QComboBox>
#include <QCommandLineParser>
#include <QDir>
#include <QLibraryInfo>
#include <QLocale>
#include <QPointer>
#include <QSettings>
#include <QTableView>
#include <QTimer>
#include <QTranslator>
#include <QTreeView>

#include <cstdio>
#include <functional>

using namespace petrel::gui;

namespace {

// The language for the --help text and messages, before the parser exists: --language CODE
// (or --language=CODE) wins, then the language saved in Settings, else the system locale
// (LANG/LC_ALL). The window uses the same choice.
QString startupLanguage(const QStringList &args)
{
    for (qsizetype i = 1; i < args.size(); ++i) {
        if (args[i] == QLatin1String("--language") && i + 1 < args.size()) return args[i + 1];
        if (args[i].startsWith(QLatin1String("--language="))) return args[i].mid(11);
    }
    return QSettings().value(QStringLiteral("language")).toString();
}

} // namespace

int main(int argc, char **argv)
{
    petrel::LogRing::install();
    QApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("Petrel"));
    QApplication::setApplicationName(QStringLiteral("petrel-admin"));
    setApplicationIdentity();
    QApplication::setQuitOnLastWindowClosed(true);

    installTranslation(startupLanguage(QCoreApplication::arguments()));

    QCommandLineParser parser;
    parser.setApplicationDescription(
        QCoreApplication::translate("petrel-admin", "Petrel Admin: run or watch a Petrel MQTT broker."));
    parser.addHelpOption();
    parser.addVersionOption();
    QCommandLineOption embeddedOpt(
        QStringLiteral("embedded"),
        QCoreApplication::translate("petrel-admin", "Embedded mode (a broker in this process)."));
    QCommandLineOption configOpt(
        {QStringLiteral("c"), QStringLiteral("config")},
        QCoreApplication::translate("petrel-admin", "Load the embedded broker's settings from <file>."),
        QStringLiteral("file"));
    QCommandLineOption attachOpt(
        QStringLiteral("attach"),
        QCoreApplication::translate("petrel-admin", "Attached mode: the admin API at <url>."),
        QStringLiteral("url"));
    QCommandLineOption tokenOpt(QStringLiteral("token"),
                                QCoreApplication::translate("petrel-admin", "Admin token for --attach."),
                                QStringLiteral("token"));
    QCommandLineOption startOpt(
        QStringLiteral("start"),
        QCoreApplication::translate("petrel-admin", "Start the broker (or attach) right away."));
    QCommandLineOption viewOpt(
        QStringLiteral("view"),
        QCoreApplication::translate("petrel-admin",
                                    "Open a view: dashboard, clients, subscriptions, topics, publish, "
                                    "messages, log, settings."),
        QStringLiteral("name"));
    QCommandLineOption langOpt(QStringLiteral("language"),
                               QCoreApplication::translate("petrel-admin", "UI language: en, de, ja, zh_CN."),
                               QStringLiteral("code"));
    QCommandLineOption shotsOpt(
        QStringLiteral("screenshots"),
        QCoreApplication::translate("petrel-admin",
                                    "Save a PNG of every view into <dir> after --screenshot-delay "
                                    "seconds, then quit (gui/screenshots.sh)."),
        QStringLiteral("dir"));
    QCommandLineOption shotsDelayOpt(
        QStringLiteral("screenshot-delay"),
        QCoreApplication::translate("petrel-admin", "Seconds to run before --screenshots (default 8)."),
        QStringLiteral("seconds"), QStringLiteral("8"));
    parser.addOptions(
        {embeddedOpt, configOpt, attachOpt, tokenOpt, startOpt, viewOpt, langOpt, shotsOpt, shotsDelayOpt});
    parser.process(app);

    Controller controller;
    QPointer<MainWindow> window;
    std::function<void()> build = [&] {
        window = new MainWindow(&controller);
        window->setAttribute(Qt::WA_DeleteOnClose);
        QObject::connect(window, &MainWindow::languageChangeRequested, &app, [&](const QString &code) {
            QSettings().setValue(QStringLiteral("language"), code);
            installTranslation(code);
            // Rebuild the window in the new language; the broker keeps running.
            QPointer<MainWindow> old = window;
            QTimer::singleShot(0, &app, [&, old] {
                if (!old) return;
                old->savePersistentState();
                build(); // restores what the old window saved
                if (controller.active()) controller.active()->refresh();
                window->showView(MainWindow::Settings);
                window->show();
                old->hide();
                old->deleteLater();
            });
        });
    };
    build();

    if (parser.isSet(configOpt)) {
        QString why;
        if (!window->settingsView()->loadConfig(parser.value(configOpt), &why)) {
            std::fprintf(stderr, "petrel-admin: %s\n", qPrintable(why));
            return 1;
        }
    }
    if (parser.isSet(embeddedOpt)) window->settingsView()->setMode(SettingsView::Mode::Embedded);
    if (parser.isSet(attachOpt)) {
        window->settingsView()->setMode(SettingsView::Mode::Attached);
        window->settingsView()->setAttachTarget(parser.value(attachOpt), parser.value(tokenOpt));
    }
    if (parser.isSet(viewOpt)) {
        static const QStringList names = {QStringLiteral("dashboard"),     QStringLiteral("clients"),
                                          QStringLiteral("subscriptions"), QStringLiteral("topics"),
                                          QStringLiteral("publish"),       QStringLiteral("messages"),
                                          QStringLiteral("log"),           QStringLiteral("settings")};
        const int i = names.indexOf(parser.value(viewOpt).toLower());
        if (i < 0) {
            std::fprintf(stderr, "petrel-admin: %s\n",
                         qPrintable(QCoreApplication::translate("petrel-admin", "unknown view '%1'")
                                        .arg(parser.value(viewOpt))));
            return 2;
        }
        window->showView(MainWindow::View(i));
    }
    window->show();
    if (parser.isSet(startOpt)) {
        QString why;
        if (!window->startBackend(&why)) std::fprintf(stderr, "petrel-admin: %s\n", qPrintable(why));
    }
    if (parser.isSet(shotsOpt)) {
        const QString dir = parser.value(shotsOpt);
        QDir().mkpath(dir);
        window->resize(1280, 800);
        // Each view is shown for a second (charts and tables settle), grabbed, then the next.
        static const char *names[] = {"dashboard", "clients",  "subscriptions", "topics",
                                      "publish",   "messages", "log",           "settings"};
        const int delayMs = std::max(1, parser.value(shotsDelayOpt).toInt()) * 1000;
        for (int i = 0; i < MainWindow::ViewCount; ++i) {
            QTimer::singleShot(delayMs + i * 1200, &app, [&, i] {
                window->showView(MainWindow::View(i));
                if (i == MainWindow::Clients) window->clientsView()->table()->selectRow(0);
                if (i == MainWindow::Topics) {
                    QTreeView *tree = window->topicsView()->tree();
                    tree->expandAll();
                    const QModelIndex leaf =
                        window->topicsView()->model()->indexOfTopic("site/kitchen/temperature");
                    if (leaf.isValid()) tree->setCurrentIndex(leaf);
                    if (auto *format = window->findChild<QComboBox *>(QStringLiteral("topicPayloadFormat")))
                        format->setCurrentIndex(2); // pretty JSON
                }
            });
            QTimer::singleShot(delayMs + i * 1200 + 1000, &app, [&, i, dir] {
                const QString path = QStringLiteral("%1/%2.png").arg(dir, QLatin1String(names[i]));
                if (!window->grab().save(path))
                    std::fprintf(
                        stderr, "petrel-admin: %s\n",
                        qPrintable(QCoreApplication::translate("petrel-admin", "cannot write %1").arg(path)));
                if (i == MainWindow::ViewCount - 1) app.quit();
            });
        }
    }
    const int rc = app.exec();
    controller.embedded()->stop();
    return rc;
}
