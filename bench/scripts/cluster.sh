#!/usr/bin/env bash
# Cluster mode cost (docs/benchmarks.md "Cluster mode"): petrel-bench pairs (10 publishers ->
# 10 subscribers, 64 B) against
#   single  one petrel-server without cluster mode (publishers and subscribers on it)
#   2-node  two nodes on one redis-server: publishers on n1, subscribers on n2 (every message crosses)
#   3-node  three nodes: publishers on n1, subscribers alternately on n2 and n3
# for QoS 0 and QoS 1 throughput (closed-loop window) and QoS 0 and QoS 1 latency at a fixed
# 5,000 msgs/s.
#
#   bench/scripts/cluster.sh [-r REPS] [-s SECONDS] [--build DIR] [--no-build]
#
# Each node: petrel-server --workers 1. Prints a Markdown table of medians. Raw JSON lines stay
# in $BUILD/bench-cluster-*.jsonl.
set -euo pipefail
REPS=3
SECS=3
NO_BUILD=0
BUILD=build-release
while [ $# -gt 0 ]; do
    case $1 in
    -r) REPS=$2; shift 2 ;;
    -s) SECS=$2; shift 2 ;;
    --build) BUILD=$2; shift 2 ;;
    --no-build) NO_BUILD=1; shift ;;
    -h | --help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "cluster.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
if [ "$NO_BUILD" = 0 ]; then
    cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DPETREL_BUILD_TESTS=OFF >/dev/null
    cmake --build "$BUILD" -j2 --target petrel-server petrel-bench
fi
SERVER=$BUILD/server/petrel-server
BENCH=$BUILD/bench/petrel-bench/petrel-bench
TMP=$(mktemp -d /tmp/petrel-cluster-bench.XXXXXX)
OUT=$BUILD/bench-cluster-$(date +%Y%m%d-%H%M%S).jsonl
free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
# start_node runs in a command substitution (a subshell): node pids go to a file.
stop_all() {
    [ -f "$TMP/pids" ] || return 0
    while read -r p; do kill "$p" 2>/dev/null || true; done <"$TMP/pids"
    while read -r p; do while kill -0 "$p" 2>/dev/null; do sleep 0.05; done; done <"$TMP/pids"
    rm -f "$TMP/pids"
}
trap 'stop_all; rm -rf "$TMP"' EXIT

REDIS_PORT=$(free_port)
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no --daemonize no >"$TMP/redis.log" 2>&1 &
REDIS_PID=$!
trap 'stop_all; kill $REDIS_PID 2>/dev/null; wait $REDIS_PID 2>/dev/null; rm -rf "$TMP"' EXIT
for _ in $(seq 100); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.05; done

# start_node NAME CLUSTER(0/1) PREFIX -> prints the MQTT port
start_node() {
    local name=$1 cluster=$2 prefix=$3 port
    port=$(free_port)
    {
        echo "hooks: {auth: {allow_all: true}}"
        echo "options: {sys_topic_resend_interval: 0}"
        echo "logging: {level: warn}"
        if [ "$cluster" = 1 ]; then
            echo "cluster: {node_id: $name, redis: {address: \"127.0.0.1:$REDIS_PORT\", h_prefix: $prefix}}"
        fi
    } >"$TMP/$name.yaml"
    "$SERVER" --config "$TMP/$name.yaml" --tcp "127.0.0.1:$port" --workers 1 >"$TMP/$name.log" 2>&1 &
    echo $! >>"$TMP/pids"
    for _ in $(seq 200); do grep -q running "$TMP/$name.log" 2>/dev/null && break; sleep 0.05; done
    echo "$port"
}

run=0
for rep in $(seq "$REPS"); do
    for setup in single 2-node 3-node; do
        for load in qos0 qos1 latency latency1; do
            run=$((run + 1))
            prefix=b$run
            case $setup in
            single) P1=$(start_node n1 0 "$prefix"); SUBS=$P1 ;;
            2-node) P1=$(start_node n1 1 "$prefix"); P2=$(start_node n2 1 "$prefix"); SUBS=$P2 ;;
            3-node) P1=$(start_node n1 1 "$prefix"); P2=$(start_node n2 1 "$prefix"); P3=$(start_node n3 1 "$prefix"); SUBS=$P2,$P3 ;;
            esac
            case $load in
            qos0) args=(--qos 0) ;;
            qos1) args=(--qos 1) ;;
            latency) args=(--qos 0 --rate 5000) ;;
            latency1) args=(--qos 1 --rate 5000) ;;
            esac
            "$BENCH" pairs --port "$P1" --sub-ports "$SUBS" "${args[@]}" --seconds "$SECS" --warmup 1 --settle-ms 300 \
                --label "$setup $load" --json | tail -1 >>"$OUT" || echo "run $setup $load failed" >&2
            stop_all
        done
    done
done
/usr/bin/python3 - "$OUT" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
by = {}
for r in rows:
    by.setdefault(r["label"], []).append(r)
def med(label, key):
    v = [r.get(key) for r in by.get(label, []) if r.get(key) is not None]
    return statistics.median(v) if v else float("nan")
print("| setup | QoS 0 msgs/s | QoS 1 msgs/s | QoS 0 latency p50 / p99 at 5,000 msgs/s (us) | QoS 1 latency p50 / p99 at 5,000 msgs/s (us) |")
print("|---|---|---|---|---|")
for setup in ["single", "2-node", "3-node"]:
    print("| %s | %.0f | %.0f | %.0f / %.0f | %.0f / %.0f |" % (setup, med(setup + " qos0", "msgs_per_s"),
          med(setup + " qos1", "msgs_per_s"), med(setup + " latency", "lat_p50_us"),
          med(setup + " latency", "lat_p99_us"), med(setup + " latency1", "lat_p50_us"),
          med(setup + " latency1", "lat_p99_us")))
PY
echo "raw: $OUT"
