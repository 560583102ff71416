#!/usr/bin/env bash
# Hook overhead: the broker's CPU time per delivered message with different hook set-ups,
# same load (petrel-bench pairs, QoS 0, 10 pairs), modes interleaved within each repetition.
#
#   bench/scripts/hooks.sh [-r REPS] [-s SECONDS] [--no-build]
#
# Broker (bench-hooks, one worker) pinned to CPU $BROKER_CPU (default 0), petrel-bench to
# $BENCH_CPU (default 1). Prints the median ns of broker CPU per delivery for each mode and
# its ratio to the allow-all baseline. See bench/hooks/bench_hooks.cpp for the modes.
set -euo pipefail
REPS=5
SECS=3
NO_BUILD=0
MODES="allow-all events-idle noop-all events-published"
BROKER_CPU=${BROKER_CPU:-0}
BENCH_CPU=${BENCH_CPU:-1}
PORT=${PORT:-$((19500 + RANDOM % 400))}
while [ $# -gt 0 ]; do
    case $1 in
    -r) REPS=$2; shift 2 ;;
    -s) SECS=$2; shift 2 ;;
    --no-build) NO_BUILD=1; shift ;;
    -h | --help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "hooks.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
BUILD=build-release
if [ "$NO_BUILD" = 0 ]; then
    cmake -S . -B $BUILD -G Ninja -DCMAKE_BUILD_TYPE=Release -DPETREL_BUILD_TESTS=OFF >/dev/null
    cmake --build $BUILD -j2 --target bench-hooks petrel-bench
fi
HOST=$BUILD/bench/hooks/bench-hooks
BENCH=$BUILD/bench/petrel-bench/petrel-bench
TMP=$(mktemp -d /tmp/petrel-hooks.XXXXXX)
PID=
stop() { [ -n "$PID" ] && { kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; PID=; }; }
trap 'stop; rm -rf "$TMP"' EXIT
for rep in $(seq "$REPS"); do
    for mode in $MODES; do
        taskset -c "$BROKER_CPU" "$HOST" "$mode" "$PORT" >"$TMP/host.log" 2>&1 &
        PID=$!
        for _ in $(seq 100); do grep -q listening "$TMP/host.log" 2>/dev/null && break; sleep 0.05; done
        taskset -c "$BENCH_CPU" "$BENCH" pairs --port "$PORT" --qos 0 --seconds "$SECS" \
            --broker-pid "$PID" --label "$mode" --json | tail -1 >>"$TMP/all.jsonl"
        stop
    done
done
/usr/bin/python3 - "$TMP/all.jsonl" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
by = {}
for r in rows:
    by.setdefault(r["label"], []).append(r["broker_cpu_ns_per_delivery"])
base = statistics.median(by["allow-all"])
print("| mode | broker CPU ns/delivery (median) | vs allow-all |")
print("|---|---|---|")
for mode, v in by.items():
    m = statistics.median(v)
    print(f"| {mode} | {m:.0f} | {m / base:.2f}x |")
PY
