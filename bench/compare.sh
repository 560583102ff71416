#!/usr/bin/env bash
# The side-by-side comparison (Mosquitto, Petrel, optionally FlashMQ): bench/scripts/compare.sh,
# under the name issue 7 gives it. Run from the repository root; see docs/benchmarks.md.
exec "$(dirname "$0")/scripts/compare.sh" "$@"
