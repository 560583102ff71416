#!/usr/bin/env bash
# Takes a PNG of every petrel-admin view into docs/screenshots/ (shown in README.md).
#
# Runs petrel-admin under Xvfb (xvfb-run, Debian package xvfb) with an embedded broker on
# ephemeral-looking local ports, puts some real traffic through it with mosquitto_sub /
# mosquitto_pub (mosquitto-clients), and lets petrel-admin --screenshots grab each view.
#   gui/screenshots.sh [build-dir]        (default: build)
# QT_QPA_PLATFORM=offscreen gui/screenshots.sh works without Xvfb (no window decorations
# either way: the views are grabbed, not the screen).
set -euo pipefail
cd "$(dirname "$0")/.."
build="${1:-build}"
admin="$build/gui/petrel-admin"
out="docs/screenshots"
[ -x "$admin" ] || { echo "screenshots.sh: $admin not built (cmake --build $build --target petrel-admin)"; exit 1; }
command -v mosquitto_pub >/dev/null || { echo "screenshots.sh: needs mosquitto-clients"; exit 1; }
mkdir -p "$out"
work=$(mktemp -d)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT

# Two free ports, the second for the sysinfo listener (a random pick clashed now and then).
read -r port http_port < <(python3 -c 'import socket
a, b = socket.socket(), socket.socket()
a.bind(("127.0.0.1", 0)); b.bind(("127.0.0.1", 0))
print(a.getsockname()[1], b.getsockname()[1])')
cat > "$work/petrel.yaml" <<YAML
listeners:
  - {type: tcp, id: tcp1, address: "127.0.0.1:$port"}
  - {type: sysinfo, id: stats, address: "127.0.0.1:$http_port"}
hooks:
  auth:
    allow_all: true
options:
  sys_topic_resend_interval: 1
  worker_threads: 2
YAML

export XDG_CONFIG_HOME="$work/config" # fresh settings, no history of the user's
export LANG=C.UTF-8 LC_ALL=C.UTF-8
run=("$admin" --config "$work/petrel.yaml" --embedded --start --screenshots "$PWD/$out" --screenshot-delay 9)
if [ "${QT_QPA_PLATFORM:-}" = offscreen ] || ! command -v xvfb-run >/dev/null; then
    QT_QPA_PLATFORM=offscreen "${run[@]}" &
else
    xvfb-run -a -s "-screen 0 1280x800x24" "${run[@]}" &
fi
admin_pid=$!

# Wait for the embedded broker, then traffic: subscribers, sensors, retained state, JSON.
for _ in $(seq 50); do
    mosquitto_pub -h 127.0.0.1 -p "$port" -t probe -m x -q 0 2>/dev/null && break
    sleep 0.2
done
mosquitto_sub -h 127.0.0.1 -p "$port" -i dashboard-ui -V mqttv5 -t 'site/#' -q 1 >/dev/null & pids+=($!)
mosquitto_sub -h 127.0.0.1 -p "$port" -i alarm-service -t 'site/+/alarm' -q 2 >/dev/null & pids+=($!)
mosquitto_sub -h 127.0.0.1 -p "$port" -i logger-1 -V mqttv5 -t '$share/loggers/site/#' -q 0 >/dev/null & pids+=($!)
mosquitto_sub -h 127.0.0.1 -p "$port" -i logger-2 -V mqttv5 -t '$share/loggers/site/#' -q 0 >/dev/null & pids+=($!)
mosquitto_sub -h 127.0.0.1 -p "$port" -i offline-tablet -c -t 'site/hall/#' -q 1 -W 1 >/dev/null 2>&1 || true
mosquitto_pub -h 127.0.0.1 -p "$port" -r -q 1 -t site/hall/lamp -m on
mosquitto_pub -h 127.0.0.1 -p "$port" -r -q 1 -t site/garage/door -m closed
mosquitto_pub -h 127.0.0.1 -p "$port" -r -q 1 -V mqttv5 -t site/status -m '{"online":true,"version":"1.4.2"}' \
    -D publish content-type application/json
(
    for i in $(seq 1 60); do
        t=$(awk -v i="$i" 'BEGIN{printf "%.1f", 21 + sin(i/5)*1.5}')
        mosquitto_pub -h 127.0.0.1 -p "$port" -i sensor-kitchen -q 1 -t site/kitchen/temperature \
            -m "{\"celsius\":$t,\"seq\":$i}" 2>/dev/null
        mosquitto_pub -h 127.0.0.1 -p "$port" -i sensor-cellar -q 0 -t site/cellar/humidity -m "$((60 + i % 7))" 2>/dev/null
        [ $((i % 10)) -eq 0 ] && mosquitto_pub -h 127.0.0.1 -p "$port" -q 2 -t site/cellar/alarm -m "water level high" 2>/dev/null
        sleep 0.15
    done
) & pids+=($!)
# A steady burst so the charts have a shape.
(
    for _ in $(seq 1 12); do
        seq 1 400 | mosquitto_pub -h 127.0.0.1 -p "$port" -i meter-gateway -t site/meters/power -l -q 0 2>/dev/null
        sleep 0.5
    done
) & pids+=($!)
wait "$admin_pid"
ls -1 "$out"/*.png
