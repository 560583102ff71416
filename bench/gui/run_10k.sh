#!/usr/bin/env bash
# petrel-admin's UI thread with 10,000 connected clients and 50,000 messages/s, the load
# coming from a separate process (petrel-bench pairs: 5,000 publisher/subscriber pairs =
# 10,000 connections, 50,000 QoS 0 msg/s in and out). Two modes:
#   embedded  bench-gui's own embedded broker carries the load
#   attached  a petrel-server process carries it; bench-gui attaches through the admin API
# Usage: bench/gui/run_10k.sh [embedded|attached|both] [VIEW...]   (default: both, messages clients)
# Env: BUILD (build dir, default build), PAIRS (5000), RATE (50000), MEASURE_SECONDS (20), THREADS (2),
#      GUI_ARGS (extra bench-gui options, e.g. --diff-on-ui-thread),
#      IDLE (0: idle connections besides the pairs; PAIRS=50 IDLE=9900 is the lighter load: the
#      same 10,000 clients, 50,000 msg/s from 50 publishers), WINDOW (petrel-bench --window, 64).
# Results: the BENCH-GUI-JSON lines on stdout; docs/gui-responsiveness.md has them.
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
PAIRS=${PAIRS:-5000}
RATE=${RATE:-50000}
SECONDS_MEASURED=${MEASURE_SECONDS:-20}
THREADS=${THREADS:-2}
IDLE=${IDLE:-0}
WINDOW=${WINDOW:-64}
MODE=${1:-both}
shift || true
VIEWS=("$@")
[ ${#VIEWS[@]} -eq 0 ] && VIEWS=(messages clients)
CLIENTS=$((PAIRS * 2 + IDLE))

GUI=$BUILD/bench/gui/bench-gui
PB=$BUILD/bench/petrel-bench/petrel-bench
SRV=$BUILD/server/petrel-server
for b in "$GUI" "$PB"; do
    [ -x "$b" ] || { echo "run_10k.sh: $b missing (cmake --build $BUILD --target bench-gui petrel-bench petrel-server)" >&2; exit 2; }
done
# 10,000 sockets per process (broker side in one, client side in the other), plus slack.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt $((CLIENTS + 1000)) ]; then
    echo "run_10k.sh: open-file limit $(ulimit -n) is below $((CLIENTS + 1000)); raise the hard limit" >&2
    exit 2
fi
export QT_QPA_PLATFORM=${QT_QPA_PLATFORM:-offscreen}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 1 200); do (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0; sleep 0.1; done; return 1; }

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

# The load runs longer than bench-gui needs (set-up + settle + measured window); it ends by
# itself and bench-gui then exits once the clients have gone.
LOAD_SECONDS=$((SECONDS_MEASURED + 40))
load() { # port
    "$PB" pairs --port "$1" --pairs "$PAIRS" --rate "$RATE" --seconds "$LOAD_SECONDS" --warmup 1 \
        --threads "$THREADS" --concurrency 128 --stall-timeout 10 --idle "$IDLE" --window "$WINDOW" \
        --label "gui-$CLIENTS"
}

run_embedded() { # view
    local port; port=$(free_port)
    "$GUI" --external --port "$port" --clients "$CLIENTS" --seconds "$SECONDS_MEASURED" --view "$1" ${GUI_ARGS:-} &
    local gui=$!; pids+=("$gui")
    wait_port "$port" || { echo "run_10k.sh: bench-gui did not listen" >&2; return 1; }
    load "$port" || echo "run_10k.sh: petrel-bench reported a failure (above)" >&2
    wait "$gui"
}

run_attached() { # view
    local mqtt http; mqtt=$(free_port); http=$(free_port)
    PETREL_ADMIN_TOKEN=bench-gui "$SRV" --allow-all --workers 2 --log-level warn \
        --tcp "127.0.0.1:$mqtt" --http "127.0.0.1:$http" &
    local srv=$!; pids+=("$srv")
    wait_port "$mqtt" || { echo "run_10k.sh: petrel-server did not listen" >&2; return 1; }
    "$GUI" --attach "http://127.0.0.1:$http" --token bench-gui --clients "$CLIENTS" \
        --seconds "$SECONDS_MEASURED" --view "$1" ${GUI_ARGS:-} &
    local gui=$!; pids+=("$gui")
    load "$mqtt" || echo "run_10k.sh: petrel-bench reported a failure (above)" >&2
    wait "$gui"
    kill "$srv"; wait "$srv" 2>/dev/null || true
}

for view in "${VIEWS[@]}"; do
    case $MODE in
    embedded) run_embedded "$view" ;;
    attached) run_attached "$view" ;;
    both) run_embedded "$view"; run_attached "$view" ;;
    *) echo "usage: $0 [embedded|attached|both] [VIEW...]" >&2; exit 2 ;;
    esac
done
