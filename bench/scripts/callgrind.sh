#!/usr/bin/env bash
# The regression metric that does not depend on the machine's load: user-space instructions
# the broker executes per delivered message, counted by valgrind's callgrind, for a fixed
# small workload (petrel-bench pairs, 10 pairs, 64 B, QoS 0/1/2, 4,000 msgs/s open loop).
#
#   bench/scripts/callgrind.sh [--no-build] [--seconds N] [--qos "0 1 2"] [--mosquitto]
#
# For each QoS it starts `petrel-server --workers 1` under callgrind, zeroes the counters
# (`callgrind_control -z`) once it listens, runs petrel-bench against it, dumps the counters
# (`callgrind_control -d`) and divides the instructions by the messages petrel-bench got. With --mosquitto it does the
# same for Debian's Mosquitto. Kernel time (the system calls) is not in the count: compare
# Petrel with itself across commits, and read the Mosquitto figure as a lower bound.
# Prints a table and appends JSON lines to build-release/callgrind-<time>.jsonl.
set -euo pipefail
cd "$(dirname "$0")/../.."

SECS=4
# A fixed open-loop rate, well below what either broker sustains under callgrind (~50x
# slower), so that both see the same load and batch alike: with a closed loop the count
# would depend on how much the broker batches, i.e. on how busy the machine is.
RATE=4000
QOS_LIST="0 1 2"
NO_BUILD=0
WITH_MOSQUITTO=0
while [ $# -gt 0 ]; do
    case $1 in
    --no-build) NO_BUILD=1; shift ;;
    --seconds) SECS=$2; shift 2 ;;
    --qos) QOS_LIST=$2; shift 2 ;;
    --mosquitto) WITH_MOSQUITTO=1; shift ;;
    -h | --help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "callgrind.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done
command -v valgrind >/dev/null || { echo "callgrind.sh: valgrind is not installed" >&2; exit 1; }

BUILD=build-release
if [ "$NO_BUILD" = 0 ]; then
    cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
    cmake --build "$BUILD" -j2 --target petrel-server petrel-bench
fi
SERVER=$BUILD/server/petrel-server
BENCH=$BUILD/bench/petrel-bench/petrel-bench
OUT=$BUILD/callgrind-$(date +%Y%m%d-%H%M%S).jsonl
TMP=$(mktemp -d /tmp/petrel-callgrind.XXXXXX)
VG_PID=
cleanup() {
    [ -z "$VG_PID" ] || { kill "$VG_PID" 2>/dev/null || true; wait "$VG_PID" 2>/dev/null || true; }
    rm -rf "$TMP"
}
trap cleanup EXIT

free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

measure() { # broker qos
    local broker=$1 qos=$2 port
    port=$(free_port)
    rm -f "$TMP"/callgrind.out.*
    local cmd
    if [ "$broker" = petrel ]; then
        cmd=("$SERVER" --tcp "127.0.0.1:$port" --allow-all --workers 1 --log-level warn)
    else
        printf 'listener %s 127.0.0.1\nallow_anonymous true\nuser root\npersistence false\nmax_queued_messages 100000\nmax_inflight_messages 1000\nset_tcp_nodelay true\nlog_type error\n' \
            "$port" >"$TMP/mosquitto.conf"
        cmd=(/usr/sbin/mosquitto -c "$TMP/mosquitto.conf")
    fi
    valgrind --tool=callgrind --callgrind-out-file="$TMP/callgrind.out.%p" --dump-instr=no \
        "${cmd[@]}" >"$TMP/broker.log" 2>&1 &
    VG_PID=$!
    for _ in $(seq 200); do
        ss -Hltn "sport = :$port" | grep -q . && break
        sleep 0.1
    done
    # Counters zeroed just before the bench starts and dumped when it has finished: the count
    # covers its 20 connections, the messages and the disconnections, nothing of start-up.
    # The connections cost a few thousand instructions against tens of thousands of messages.
    callgrind_control -z "$VG_PID" >/dev/null 2>&1
    "$BENCH" pairs --pairs 10 --qos "$qos" --rate "$RATE" --port "$port" --warmup 0.5 --seconds "$SECS" --stall-timeout 20 \
        --json --label "$broker/q$qos" >"$TMP/bench.json" 2>"$TMP/bench.err" || true
    callgrind_control -d "$VG_PID" >/dev/null 2>&1
    local line delivered ir
    line=$(tail -1 "$TMP/bench.json")
    kill "$VG_PID" 2>/dev/null || true
    wait "$VG_PID" 2>/dev/null || true
    VG_PID=
    ir=$(grep -h '^totals:' "$TMP"/callgrind.out.* 2>/dev/null | awk '{s += $2} END {print s + 0}')
    delivered=$(echo "$line" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin).get("delivered", 0))' 2>/dev/null || echo 0)
    echo "$broker $qos $ir $delivered $line"
}

printf '| broker | QoS | instructions | delivered | instructions/message |\n|---|---|---:|---:|---:|\n'
for q in $QOS_LIST; do
    for b in petrel $([ "$WITH_MOSQUITTO" = 1 ] && echo mosquitto); do
        read -r broker qos ir delivered json < <(measure "$b" "$q")
        per=$(awk -v i="$ir" -v d="$delivered" 'BEGIN { if (d > 0) printf "%.0f", i / d; else print "n/a" }')
        printf '| %s | %s | %s | %s | %s |\n' "$broker" "$qos" "$ir" "$delivered" "$per"
        printf '{"tool":"callgrind.sh","broker":"%s","qos":%s,"instructions":%s,"delivered":%s,"instructions_per_message":"%s","commit":"%s"}\n' \
            "$broker" "$qos" "$ir" "$delivered" "$per" "$(git rev-parse --short HEAD)" >>"$OUT"
    done
done
echo "JSON lines: $OUT" >&2
