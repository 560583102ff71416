// Writes petrel::Options as a Petrel/Mochi YAML config file that petrel-server -c and
// config::loadConfigFile read back (the GUI's Settings are saved this way).
#pragma once

#include "broker/options.h"

#include <QByteArray>

namespace petrel::gui {

QByteArray optionsToYaml(const Options &options);

} // namespace petrel::gui
