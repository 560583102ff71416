#!/usr/bin/env bash
# Installs what is missing, builds Petrel (Release) and starts petrel-server with its
# default configuration: MQTT over TCP on 1883, WebSocket on 1882, HTTP stats on 8080,
# data in ./data. Extra arguments go to petrel-server (e.g. --config my.yaml).
set -euo pipefail
cd "$(dirname "$0")"
installer/install-deps.sh
cmake -S . -B build-release -G Ninja -DCMAKE_BUILD_TYPE=Release -DPETREL_BUILD_TESTS=OFF -DPETREL_BUILD_BENCH=OFF >/dev/null
cmake --build build-release --target petrel-server
mkdir -p data
if [ $# -eq 0 ]; then
    set -- --config resources/config/default.yaml
fi
exec build-release/server/petrel-server --data-dir data "$@"
