#include "builtin.h"

#include "debughook.h"
#include "ledger.h"
#include "storage/redisstorage.h"
#include "storage/sqlstorage.h"

namespace petrel {

std::shared_ptr<Hook> createBuiltinHook(const HookConfig &config, QString *error)
{
    if (error) error->clear();
    if (config.type == QLatin1String("auth") && config.name == QLatin1String("allow_all"))
        return std::make_shared<AllowAllHook>();
    if (config.type == QLatin1String("storage") && config.name == QLatin1String("sqlite"))
        return std::make_shared<storage::SqlStorageHook>();
    if (config.type == QLatin1String("storage") && config.name == QLatin1String("redis"))
        return std::make_shared<storage::RedisStorageHook>();
    // Mochi's other stores (badger, bolt, pebble) are not in Petrel: logged, ignored.
    if (config.type == QLatin1String("storage")) return nullptr;
    if (config.type == QLatin1String("auth") && config.name == QLatin1String("ledger"))
        return std::make_shared<LedgerHook>();
    if (config.type == QLatin1String("debug")) return std::make_shared<DebugHook>();
    if (error) *error = QStringLiteral("unknown %1 hook \"%2\"").arg(config.type, config.name);
    return nullptr;
}

} // namespace petrel
