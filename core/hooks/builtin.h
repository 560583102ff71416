// The hooks a config file can name (hooks.auth / hooks.storage / hooks.debug).
#pragma once

#include "broker/options.h"
#include "hook.h"

#include <memory>

namespace petrel {

// Creates the built-in hook a HookConfig names. Returns nullptr with *error set when the
// name is unknown, and nullptr with *error empty when this build has no such hook yet
// (the caller logs it).
std::shared_ptr<Hook> createBuiltinHook(const HookConfig &config, QString *error);

} // namespace petrel
