// Shared setup for the GUI tests: private QSettings per test binary, offscreen platform.
#pragma once

#include <QApplication>
#include <QSettings>
#include <QStandardPaths>
#include <QTemporaryDir>

namespace petrel::test {

// Points QSettings at a fresh directory so tests never read or write the user's settings.
inline void isolateSettings(const QString &name)
{
    static QTemporaryDir dir;
    QStandardPaths::setTestModeEnabled(true);
    QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope, dir.path());
    QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, dir.path());
    QApplication::setOrganizationName(QStringLiteral("petrel-test"));
    QApplication::setApplicationName(name);
    QSettings().clear();
}

} // namespace petrel::test
