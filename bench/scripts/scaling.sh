#!/usr/bin/env bash
# Worker scaling: petrel-server with N workers against --workers 1, same scenarios, same run,
# interleaved. Issue 7's target: two workers on two cores deliver at least 1.6x one worker.
#
#   bench/scripts/scaling.sh [-r REPS] [-s SECONDS] [-w WARMUP] [-o FILE.jsonl] [--no-build]
#                            [--workers N] [--bench-threads T] [--scenarios "pairs-q0 ..."]
#                            [--one BROKER_CPUS:BENCH_CPUS] [--many BROKER_CPUS:BENCH_CPUS]
#                            [--fixed]
#
# --one and --many say where the one-worker and the N-worker runs go (taskset CPU lists). The
# defaults suit a 2-core machine, where petrel-bench has no core of its own: the one-worker
# broker on CPU 0 with the generator on CPU 1 (compare.sh's pinning), the N-worker broker and
# the generator both on CPUs 0-1. On a machine with 4 cores or more, give the generator cores
# of its own: --one 0:2,3 --many 0,1:2,3. --one 0:0 --many 0,1:0,1 scales the whole machine
# (broker and generator on one core, then both on two).
#
# petrel-bench runs with T epoll loops (default 2) in both runs: with one loop the generator,
# not the broker, sets the pace of a two-worker run. Scenarios as in compare.sh (common.sh);
# default pairs-q0, pairs-q1, pairs-q2 (10 pairs, 64 B, window 64: with 2 workers every message
# crosses from one to the other), the same -grouped (both ends of every pair on one worker),
# pairs-q0-w1024 (1,024 outstanding per publisher), fanout-1000-w8 (1 -> 1,000, 8 outstanding).
# The N-worker broker moves clients between its workers (options.rebalance: a publisher and its
# subscriber end on one worker within about 3 s; give -w 4 to measure after that). --fixed adds
# a third configuration, in the same run: N workers with rebalance off, every client where the
# acceptor dealt it (the table gains "fixed" columns).
# Prints the median of REPS runs per scenario: msgs/s (deliveries/s for fan-out), the N / 1
# ratio, broker CPU ns per delivery and the CPU each used. JSON lines go to FILE.jsonl
# (default build-release/bench-scaling-<time>.jsonl). Exits 1 if a run failed (loss, duplicates,
# reordering, no result). PETREL_SERVER and PETREL_BENCH name other binaries (with --no-build).
set -euo pipefail

REPS=3
SECS=4
WARMUP=1
NO_BUILD=0
OUT=
WORKERS=2
BENCH_THREADS=2
SCENARIOS="pairs-q0 pairs-q1 pairs-q2 pairs-q0-grouped pairs-q1-grouped pairs-q2-grouped pairs-q0-w1024 fanout-1000-w8"
ONE=0:1
MANY=0,1:0,1
FIXED=0
PORT=${PORT:-$((19500 + RANDOM % 400))}

usage() { awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0"; }
while [ $# -gt 0 ]; do
    case $1 in
    -r) REPS=$2; shift 2 ;;
    -s) SECS=$2; shift 2 ;;
    -w) WARMUP=$2; shift 2 ;;
    -o) OUT=$2; shift 2 ;;
    --workers) WORKERS=$2; shift 2 ;;
    --bench-threads) BENCH_THREADS=$2; shift 2 ;;
    --scenarios) SCENARIOS=$2; shift 2 ;;
    --one) ONE=$2; shift 2 ;;
    --many) MANY=$2; shift 2 ;;
    --no-build) NO_BUILD=1; shift ;;
    --fixed) FIXED=1; shift ;;
    -h | --help) usage; exit 0 ;;
    *) echo "scaling.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done
for v in "$REPS" "$WORKERS" "$BENCH_THREADS"; do
    [[ $v =~ ^[1-9][0-9]*$ ]] || { echo "scaling.sh: $v is not a positive number" >&2; exit 2; }
done
cpu_list='^[0-9]+([-,][0-9]+)*$'
for spec in "$ONE" "$MANY"; do
    [[ ${spec%%:*} =~ $cpu_list && ${spec#*:} =~ $cpu_list && $spec == *:* ]] ||
        { echo "scaling.sh: '$spec' is not BROKER_CPUS:BENCH_CPUS (e.g. 0,1:2,3)" >&2; exit 2; }
done

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
# shellcheck source=bench/scripts/common.sh
. bench/scripts/common.sh
for s in $SCENARIOS; do scenario_args "$s" >/dev/null; done
BUILD=build-release
BENCH=${PETREL_BENCH:-$BUILD/bench/petrel-bench/petrel-bench}
SERVER=${PETREL_SERVER:-$BUILD/server/petrel-server}
[ "$NO_BUILD" = 1 ] || build_release "$BUILD"
for f in "$BENCH" "$SERVER"; do [ -x "$f" ] || { echo "scaling.sh: $f missing" >&2; exit 1; }; done
[ -n "$OUT" ] || OUT=$BUILD/bench-scaling-$(date +%Y%m%d-%H%M%S).jsonl
: >"$OUT"

TMP=$(mktemp -d /tmp/petrel-scaling.XXXXXX)
BROKER_PID=
trap 'stop_broker; rm -rf "$TMP"' EXIT
trap 'exit 130' INT TERM
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

printf 'options:\n  rebalance:\n    enabled: false\n' >"$TMP/fixed.yaml"

run() { # config(one|many|fixed) scenario rep
    local config=$1 s=$2 rep=$3 spec workers line extra=()
    if [ "$config" = one ]; then spec=$ONE; workers=1; else spec=$MANY; workers=$WORKERS; fi
    [ "$config" = fixed ] && extra=(--config "$TMP/fixed.yaml")
    local tries
    for tries in $(seq 10); do # another port if this one is taken
        taskset -c "${spec%%:*}" "$SERVER" "${extra[@]}" --tcp "127.0.0.1:$PORT" --allow-all --workers "$workers" \
            --log-level warn >"$TMP/broker.log" 2>&1 &
        BROKER_PID=$!
        for _ in $(seq 100); do # it says "running" once it listens
            grep -q running "$TMP/broker.log" && break 2
            kill -0 "$BROKER_PID" 2>/dev/null || break
            sleep 0.05
        done
        stop_broker
        PORT=$((19500 + RANDOM % 400))
    done
    # shellcheck disable=SC2046
    line=$(taskset -c "${spec#*:}" "$BENCH" $(scenario_args "$s") --threads "$BENCH_THREADS" --port "$PORT" \
        --seconds "$SECS" --warmup "$WARMUP" --broker-pid "$BROKER_PID" --label "$config/$s/$rep" --json 2>/dev/null) || true
    [ -n "$line" ] || line="{\"label\":\"$config/$s/$rep\",\"ok\":false,\"errors\":[\"no output from petrel-bench\"]}"
    echo "$line" >>"$OUT"
    echo "$line" | grep -q '"ok":true' || { echo "scaling.sh: FAILED $config/$s/$rep" >&2; tail -3 "$TMP/broker.log" >&2; }
    stop_broker
}

echo "scaling.sh: $(git rev-parse --short HEAD 2>/dev/null || echo '?'), $REPS repetitions x [$SCENARIOS];" \
    "1 worker on $ONE, $WORKERS workers on $MANY (broker:generator CPUs), petrel-bench --threads $BENCH_THREADS -> $OUT" >&2
for rep in $(seq "$REPS"); do
    for s in $SCENARIOS; do
        # Alternate which configuration goes first, so slow drift hits both alike.
        if [ $((rep % 2)) = 1 ]; then order="one many"; else order="many one"; fi
        [ "$FIXED" = 1 ] && order="$order fixed"
        for config in $order; do run "$config" "$s" "$rep"; done
    done
done

/usr/bin/python3 - "$OUT" "$SCENARIOS" "$WORKERS" <<'PY'
import json, statistics, sys
path, scenarios, workers = sys.argv[1], sys.argv[2].split(), int(sys.argv[3])
runs = {}
for line in open(path):
    r = json.loads(line)
    config, s, _ = r["label"].split("/")
    runs.setdefault((s, config), []).append(r)

def med(s, config, key):
    vals = [r[key] for r in runs.get((s, config), []) if r.get("ok") and r.get(key) is not None]
    return statistics.median(vals) if vals else None

fixed = any(c == "fixed" for (_, c) in runs)
print(f"| scenario | 1 worker msgs/s | {workers} workers msgs/s | {workers} / 1 | broker ns/delivery, 1 / {workers} "
      f"| CPU used with {workers}: broker, generator |" + (f" {workers} fixed msgs/s | fixed / 1 | ns/delivery fixed |" if fixed else ""))
print("|---|---:|---:|---:|---:|---|" + ("---:|---:|---:|" if fixed else ""))
failed = 0
for s in scenarios:
    one, many = med(s, "one", "deliveries_per_s"), med(s, "many", "deliveries_per_s")
    ns1, nsn = med(s, "one", "broker_cpu_ns_per_delivery"), med(s, "many", "broker_cpu_ns_per_delivery")
    cpu_b, cpu_g = med(s, "many", "broker_cpu"), med(s, "many", "bench_cpu")
    failed += sum(1 for c in ("one", "many", "fixed") for r in runs.get((s, c), []) if not r.get("ok"))
    fmt = lambda v: "n/a" if v is None else f"{v / 1e6:.2f}M"
    ratio = "n/a" if not one or many is None else f"{many / one:.2f}x"
    ns = "n/a" if ns1 is None or nsn is None else f"{ns1:.0f} / {nsn:.0f}"
    cpu = "n/a" if cpu_b is None or cpu_g is None else f"{cpu_b:.2f}, {cpu_g:.2f}"
    row = f"| {s} | {fmt(one)} | {fmt(many)} | {ratio} | {ns} | {cpu} |"
    if fixed:
        fx, nsf = med(s, "fixed", "deliveries_per_s"), med(s, "fixed", "broker_cpu_ns_per_delivery")
        row += (f" {fmt(fx)} | {'n/a' if not one or fx is None else f'{fx / one:.2f}x'} |"
                f" {'n/a' if nsf is None else f'{nsf:.0f}'} |")
    print(row)
if failed:
    print(f"\n{failed} run(s) failed (lost, duplicated or reordered messages, or no result): see {path}")
    sys.exit(1)
PY
