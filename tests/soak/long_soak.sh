#!/usr/bin/env bash
# The long soak: tests/soak/soak.py for SECONDS (default 1800) against a Release build of
# petrel-server, appending its JSON line to docs/soak-results.jsonl. Record the result in
# docs/security.md ("Soak").
#   tests/soak/long_soak.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/../.."
SECS=${1:-1800}
cmake -S . -B build-release -G Ninja -DCMAKE_BUILD_TYPE=Release -DPETREL_BUILD_TESTS=OFF >/dev/null
cmake --build build-release -j2 --target petrel-server
/usr/bin/python3 tests/soak/soak.py build-release/server/petrel-server "$SECS" --json docs/soak-results.jsonl
