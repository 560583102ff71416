#!/usr/bin/env bash
# Side-by-side broker throughput: Mosquitto (Debian's /usr/sbin/mosquitto) against
# petrel-server (default workers, and --workers 1), same machine, same run, same pinning.
#
#   bench/scripts/compare.sh [-r REPS] [-s SECONDS] [-w WARMUP] [-o FILE.jsonl]
#                            [--scenarios "pairs-q0 ..."] [--brokers "mosquitto petrel petrel-w1"]
#
# FlashMQ (never built or fetched by this script; see docs/benchmarks.md, "FlashMQ in the same
# harness"): FLASHMQ_BIN=/path/to/flashmq ... --brokers "mosquitto petrel flashmq" — one worker
# thread (thread_count 1), no persistence, its default QoS queue limits.
#
# Persistence (docs/benchmarks.md): --scenarios pairs-q1-persist --brokers "petrel petrel-batched
# petrel-sync mosquitto mosquitto-persist" — persistent sessions, storage off / SQLite batched /
# SQLite sync, Mosquitto without and with `persistence true`; each start gets an empty data dir.
# petrel-redis: the Redis storage hook against a redis-server this script starts on port
# PORT+1 (pinned with the broker, no RDB/AOF: --save '' --appendonly no), FLUSHALL before each start.
#                            [--no-build]
#
# Each measurement starts a fresh broker pinned to CPU $BROKER_CPU (default 0), runs
# petrel-bench pinned to CPU $BENCH_CPU (default 1), and kills the broker. Brokers are
# interleaved within every repetition so slow drift (other jobs on the machine) hits all of
# them alike. Prints the median of REPS runs per scenario and broker, and the
# Petrel/Mosquitto ratio, as a markdown table. Every JSON line goes to FILE.jsonl
# (default build-release/bench-compare-<time>.jsonl).
#
# Defaults (3 repetitions, 3 s + 1 s warm-up) finish in about 6 minutes; published numbers
# use -r 7.
set -euo pipefail

REPS=3
SECS=3
WARMUP=1
NO_BUILD=0
OUT=
SCENARIOS="pairs-q0 pairs-q1 pairs-q2 pairs-q1-v5 fanout-100 fanout-1000 wildcard latency-10k connstorm"
BROKERS="mosquitto petrel petrel-w1"
BROKER_CPU=${BROKER_CPU:-0}
BENCH_CPU=${BENCH_CPU:-1}
PORT=${PORT:-$((19000 + RANDOM % 500))}

while [ $# -gt 0 ]; do
    case $1 in
    -r) REPS=$2; shift 2 ;;
    -s) SECS=$2; shift 2 ;;
    -w) WARMUP=$2; shift 2 ;;
    -o) OUT=$2; shift 2 ;;
    --scenarios) SCENARIOS=$2; shift 2 ;;
    --brokers) BROKERS=$2; shift 2 ;;
    --no-build) NO_BUILD=1; shift ;;
    -h | --help) sed -n '2,27p' "$0"; exit 0 ;;
    *) echo "compare.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
# shellcheck source=bench/scripts/common.sh
. bench/scripts/common.sh
BUILD=build-release
BENCH=$BUILD/bench/petrel-bench/petrel-bench
SERVER=$BUILD/server/petrel-server
MOSQUITTO=/usr/sbin/mosquitto

[ "$NO_BUILD" = 1 ] || build_release "$BUILD"
for f in "$BENCH" "$SERVER" "$MOSQUITTO"; do
    [ -x "$f" ] || { echo "compare.sh: $f missing" >&2; exit 1; }
done
FLASHMQ=
case " $BROKERS " in
*" flashmq "*)
    if [ -z "${FLASHMQ_BIN:-}" ]; then
        echo "compare.sh: broker flashmq needs FLASHMQ_BIN=/path/to/flashmq (built outside this repo," \
            "see docs/benchmarks.md, \"FlashMQ in the same harness\")" >&2
        exit 1
    fi
    FLASHMQ=$FLASHMQ_BIN
    if [ ! -f "$FLASHMQ" ] || [ ! -x "$FLASHMQ" ]; then
        echo "compare.sh: FLASHMQ_BIN=$FLASHMQ_BIN is not an executable file" >&2
        exit 1
    fi
    ;;
esac
[ -n "$OUT" ] || OUT=$BUILD/bench-compare-$(date +%Y%m%d-%H%M%S).jsonl
: >"$OUT"

TMP=$(mktemp -d /tmp/petrel-compare.XXXXXX)
BROKER_PID=
REDIS_PID=
REDIS_PORT=$((PORT + 1))
# FlashMQ listens on a port of its own: 1.26 sets SO_REUSEPORT but not SO_REUSEADDR on its
# listener (mainapp.cpp passes `SO_REUSEADDR | SO_REUSEPORT` as one option name), so the
# TIME-WAIT sockets it leaves behind keep any other broker from binding that port for 60 s.
FLASHMQ_PORT=$((PORT + 2))
cleanup() {
    stop_broker
    if [ -n "$REDIS_PID" ]; then kill "$REDIS_PID" 2>/dev/null || true; wait "$REDIS_PID" 2>/dev/null || true; fi
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

# Mosquitto: QoS 1/2 must not be dropped, so the per-client queues and in-flight windows are
# raised far above anything petrel-bench keeps outstanding (64 per publisher by default);
# TCP_NODELAY on as in Petrel; no logging of connections.
cat >"$TMP/mosquitto.conf" <<EOF
listener $PORT 127.0.0.1
allow_anonymous true
user root
persistence false
max_queued_messages 100000
max_queued_bytes 0
max_inflight_messages 1000
set_tcp_nodelay true
log_dest stderr
log_type error
connection_messages false
EOF

# FlashMQ: one worker thread (the comparison is per core; pinned like the others), listener on
# 127.0.0.1:FLASHMQ_PORT with TCP_NODELAY (its default is off), errors only, no storage_dir = no
# persistence. Its QoS queue limits stay at their defaults (max_qos_msg_pending_per_client 512,
# max_qos_bytes_pending_per_client 65536: beyond them it drops QoS 1/2 messages); petrel-bench's
# window (64 per publisher) keeps fewer than that pending per subscriber, and the verifier
# reports any loss.
cat >"$TMP/flashmq.conf" <<EOF
thread_count 1
log_level error
allow_anonymous true
listen {
  protocol mqtt
  inet_protocol ip4
  inet4_bind_address 127.0.0.1
  port $FLASHMQ_PORT
  tcp_nodelay true
}
EOF

sed -e 's/^persistence false$/persistence true/' "$TMP/mosquitto.conf" >"$TMP/mosquitto-persist.conf"
echo "persistence_location $TMP/data/" >>"$TMP/mosquitto-persist.conf"
for mode in batched sync; do
    printf 'hooks:\n  auth:\n    allow_all: true\n  storage:\n    sqlite:\n      path: %s\n      mode: %s\n' \
        "$TMP/data/petrel.db" "$mode" >"$TMP/petrel-$mode.yaml"
done

printf 'hooks:\n  auth:\n    allow_all: true\n  storage:\n    redis:\n      address: "127.0.0.1:%s"\n' \
    "$REDIS_PORT" >"$TMP/petrel-redis.yaml"
start_redis() { # once per run; emptied before each broker start
    if [ -z "$REDIS_PID" ]; then
        command -v redis-server >/dev/null || { echo "compare.sh: redis-server missing (apt-packages.txt)" >&2; exit 1; }
        taskset -c "$BROKER_CPU" redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no \
            --daemonize no --dir "$TMP" >"$TMP/redis.log" 2>&1 &
        REDIS_PID=$!
        for _ in $(seq 100); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.05; done
    fi
    redis-cli -p "$REDIS_PORT" flushall >/dev/null
}

broker_port() { if [ "$1" = flashmq ]; then echo "$FLASHMQ_PORT"; else echo "$PORT"; fi; }
port_open() { ss -Hltn "sport = :$1" 2>/dev/null | grep -q .; }

start_broker() { # name
    local name=$1 port
    port=$(broker_port "$name")
    # The previous broker must be gone and the port free.
    for _ in $(seq 100); do port_open "$port" || break; sleep 0.05; done
    case $name in
    mosquitto) taskset -c "$BROKER_CPU" "$MOSQUITTO" -c "$TMP/mosquitto.conf" >"$TMP/broker.log" 2>&1 & ;;
    petrel) taskset -c "$BROKER_CPU" "$SERVER" --tcp "127.0.0.1:$PORT" --allow-all --log-level warn >"$TMP/broker.log" 2>&1 & ;;
    petrel-w1) taskset -c "$BROKER_CPU" "$SERVER" --tcp "127.0.0.1:$PORT" --allow-all --workers 1 --log-level warn \
        >"$TMP/broker.log" 2>&1 & ;;
    petrel-batched | petrel-sync)
        rm -rf "$TMP/data" && mkdir -p "$TMP/data"
        taskset -c "$BROKER_CPU" "$SERVER" --config "$TMP/$name.yaml" --tcp "127.0.0.1:$PORT" --log-level warn \
            >"$TMP/broker.log" 2>&1 & ;;
    petrel-redis)
        start_redis
        taskset -c "$BROKER_CPU" "$SERVER" --config "$TMP/petrel-redis.yaml" --tcp "127.0.0.1:$PORT" --log-level warn \
            >"$TMP/broker.log" 2>&1 & ;;
    mosquitto-persist)
        rm -rf "$TMP/data" && mkdir -p "$TMP/data"
        taskset -c "$BROKER_CPU" "$MOSQUITTO" -c "$TMP/mosquitto-persist.conf" >"$TMP/broker.log" 2>&1 & ;;
    flashmq) taskset -c "$BROKER_CPU" "$FLASHMQ" -c "$TMP/flashmq.conf" >"$TMP/broker.log" 2>&1 & ;;
    *) echo "compare.sh: unknown broker $name" >&2; exit 2 ;;
    esac
    BROKER_PID=$!
    for _ in $(seq 100); do
        port_open "$port" && return 0
        kill -0 "$BROKER_PID" 2>/dev/null || break
        sleep 0.05
    done
    # Recorded as a failed run by the caller; the other brokers' runs go on.
    echo >&2
    echo "compare.sh: $name did not start:" >&2
    tail -5 "$TMP/broker.log" >&2
    return 1
}


runs=0
for s in $SCENARIOS; do scenario_args "$s" >/dev/null; done
for b in $BROKERS; do case $b in mosquitto | mosquitto-persist | petrel | petrel-w1 | petrel-batched | petrel-sync | petrel-redis | flashmq) ;; *) echo "unknown broker $b" >&2; exit 2 ;; esac; done
echo "compare.sh: $(git rev-parse --short HEAD 2>/dev/null || echo '?'), $("$MOSQUITTO" -h | head -1)" >&2
[ -z "$FLASHMQ" ] || echo "compare.sh: $FLASHMQ: $("$FLASHMQ" --version 2>&1 | head -1)" >&2
echo "compare.sh: $REPS repetitions x [$SCENARIOS] x [$BROKERS], ${SECS}s + ${WARMUP}s warm-up each;" \
    "broker on CPU $BROKER_CPU, petrel-bench on CPU $BENCH_CPU, port $PORT$([ -z "$FLASHMQ" ] || echo " (FlashMQ $FLASHMQ_PORT)") -> $OUT" >&2
for rep in $(seq "$REPS"); do
    for s in $SCENARIOS; do
        for b in $BROKERS; do
            if ! start_broker "$b"; then
                echo "{\"label\":\"$b/$s/$rep\",\"ok\":false,\"errors\":[\"broker did not start\"]}" >>"$OUT"
                stop_broker
                runs=$((runs + 1))
                continue
            fi
            # shellcheck disable=SC2046
            line=$(taskset -c "$BENCH_CPU" "$BENCH" $(scenario_args "$s") --port "$(broker_port "$b")" --seconds "$SECS" \
                --warmup "$WARMUP" --broker-pid "$BROKER_PID" --label "$b/$s/$rep" --json 2>"$TMP/bench.err") || true
            if ! kill -0 "$BROKER_PID" 2>/dev/null; then
                echo "compare.sh: $b died during $s (rep $rep)" >&2
                tail -5 "$TMP/broker.log" >&2
                line=${line:-"{\"label\":\"$b/$s/$rep\",\"ok\":false,\"errors\":[\"broker died\"]}"}
                line=$(echo "$line" | sed 's/"ok":true/"ok":false/')
            fi
            [ -n "$line" ] || line="{\"label\":\"$b/$s/$rep\",\"ok\":false,\"errors\":[\"no output from petrel-bench\"]}"
            echo "$line" >>"$OUT"
            if echo "$line" | grep -q '"ok":false'; then
                echo "compare.sh: FAILED $b/$s/$rep: $(sed -n 1,3p "$TMP/bench.err" | tr '\n' ' ')" >&2
            fi
            stop_broker
            runs=$((runs + 1))
            printf '\r compare.sh: %d runs done' "$runs" >&2
        done
    done
done
echo >&2

python3 - "$OUT" "$BROKERS" "$SCENARIOS" <<'PY'
import json, statistics, sys
path, brokers, scenarios = sys.argv[1], sys.argv[2].split(), sys.argv[3].split()
runs = {}
for line in open(path):
    line = line.strip()
    if not line:
        continue
    r = json.loads(line)
    b, s, _ = r["label"].split("/")
    runs.setdefault((s, b), []).append(r)

# metric per scenario: (JSON key, unit, higher is better)
metric = {
    "connstorm": [("connects_per_s", "connects/s", True), ("connack_p99_us", "CONNACK p99 us", False),
                  ("broker_rss_per_conn_bytes", "RSS B/idle conn", False)],
    "latency-10k": [("lat_p50_us", "p50 us @10k/s", False), ("lat_p99_us", "p99 us @10k/s", False)],
}
# Broker CPU time per delivery (from /proc/PID/stat) is the figure least disturbed by other
# jobs on the machine: a starved broker delivers less but also burns less CPU.
cpu_row = ("broker_cpu_ns_per_delivery", "broker CPU ns/delivery", False)
default = {
    "fanout-100": [("deliveries_per_s", "deliveries/s", True), cpu_row],
    "fanout-1000": [("deliveries_per_s", "deliveries/s", True), cpu_row],
    "fanout-1000-w8": [("deliveries_per_s", "deliveries/s", True), cpu_row],
    "wildcard": [("deliveries_per_s", "deliveries/s", True), cpu_row],
}
names = {"mosquitto": "Mosquitto", "petrel": "Petrel", "petrel-w1": "Petrel --workers 1",
         "mosquitto-persist": "Mosquitto persistence true", "petrel-batched": "Petrel SQLite batched",
         "petrel-sync": "Petrel SQLite sync", "petrel-redis": "Petrel Redis", "flashmq": "FlashMQ"}

def ratio_cell(p, m):
    ratio = p / m if m and p is not None and m > 0 else None
    return "-" if ratio is None else f"{ratio:.2f}x" if ratio < 1 else f"{ratio:.1f}x"

def fmt(v):
    if v is None:
        return "-"
    if v >= 1e6:
        return f"{v/1e6:.2f}M"
    if v >= 1e4:
        return f"{v/1e3:.0f}k"
    if v >= 1e3:
        return f"{v/1e3:.1f}k"
    return f"{v:.0f}"

head = ["scenario", "metric"] + [names.get(b, b) for b in brokers]
others = [b for b in brokers if b != "mosquitto"]
if "mosquitto" in brokers:
    head += [f"{names.get(b, b)} / Mosquitto" for b in others]
# With FlashMQ in the run, Petrel is also set against it (the issue's targets are "at or above
# FlashMQ"); the ratios to Mosquitto stay the targets' measure.
vs_flashmq = [b for b in brokers if b in ("petrel", "petrel-w1")] if "flashmq" in brokers else []
head += [f"{names.get(b, b)} / FlashMQ" for b in vs_flashmq]
print("| " + " | ".join(head) + " |")
print("|" + "---|" * len(head))
failures = []
for s in scenarios:
    for key, unit, higher in metric.get(s, default.get(s, [("msgs_per_s", "msgs/s", True), cpu_row])):
        row = [s, unit]
        med = {}
        for b in brokers:
            rs = runs.get((s, b), [])
            good = [r for r in rs if r.get("ok") and r.get(key) is not None and r.get(key, -1) >= 0]
            bad = len(rs) - len([r for r in rs if r.get("ok")])
            med[b] = statistics.median([r[key] for r in good]) if good else None
            cell = fmt(med[b])
            if bad:
                cell += f" ({bad}/{len(rs)} FAILED)"
            row.append(cell)
        if "mosquitto" in brokers:
            for b in others:
                row.append(ratio_cell(med.get(b), med.get("mosquitto")))
        for b in vs_flashmq:
            row.append(ratio_cell(med.get(b), med.get("flashmq")))
        print("| " + " | ".join(row) + " |")
    for b in brokers:
        for r in runs.get((s, b), []):
            if not r.get("ok"):
                failures.append(f"{r['label']}: " + "; ".join(r.get("errors", [])[:4]))
print()
print("Ratios are each broker / Mosquitto of the medians" + (" (and Petrel / FlashMQ)" if vs_flashmq else "")
      + ": above 1 is better for rates, below 1 for latency, CPU per delivery, CONNACK time and RSS."
      " Medians are over the runs that passed verification.")
# What the verifier counted, passing runs included (QoS 0 loss is only a warning there).
losses = []
for s in scenarios:
    for b in brokers:
        rs = runs.get((s, b), [])
        lost = sum(int(r.get("lost", 0)) for r in rs)
        dups = sum(int(r.get("duplicates", 0)) for r in rs)
        if lost or dups:
            expected = sum(int(r.get("expected", 0)) for r in rs)
            losses.append(f"{names.get(b, b)} {s}: {lost} lost, {dups} duplicates of {expected} expected"
                          f" deliveries over {len(rs)} runs")
print("\nLoss and duplicates: " + ("; ".join(losses) if losses else "none in any run") + ".")
# Evidence that the generator was not the bottleneck: its CPU use (fraction of its one core).
cpu = []
for s in scenarios:
    if s == "connstorm":
        continue
    parts = []
    for b in brokers:
        v = [r["bench_cpu"] for r in runs.get((s, b), []) if r.get("bench_cpu", -1) >= 0]
        if v:
            parts.append(f"{names.get(b, b)} {statistics.median(v)*100:.0f}%")
    if parts:
        cpu.append(f"{s}: " + ", ".join(parts))
if cpu:
    print("\npetrel-bench CPU use (median, % of its core): " + "; ".join(cpu))
if failures:
    print("\nFailed runs:")
    for f in failures:
        print(" - " + f)
PY
