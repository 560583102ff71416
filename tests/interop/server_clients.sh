#!/usr/bin/env bash
# Real clients against the real petrel-server binary (not the in-process broker):
# mosquitto_pub/mosquitto_sub at QoS 0/1/2 over 3.1.1 and 5, and python3-paho-mqtt.
# Usage: server_clients.sh PETREL_SERVER INTEROP_DIR
set -u
server=$1
dir=$2
port=$((19000 + RANDOM % 2000))
log=$(mktemp)
"$server" --tcp "127.0.0.1:$port" --allow-all --log-level warn >"$log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -f "$log"' EXIT
for _ in $(seq 50); do
    mosquitto_pub -h 127.0.0.1 -p "$port" -t probe -m x -q 0 2>/dev/null && break
    sleep 0.1
done
fail=0
for v in mqttv311 mqttv5; do
    for q in 0 1 2; do
        topic="server/$v/$q"
        out=$(mktemp)
        timeout 10 stdbuf -oL mosquitto_sub -h 127.0.0.1 -p "$port" -V "$v" -q "$q" -t "$topic" -C 1 -v >"$out" &
        sub=$!
        sleep 0.3
        mosquitto_pub -h 127.0.0.1 -p "$port" -V "$v" -q "$q" -t "$topic" -m "hello-$q"
        wait $sub
        if [ "$(cat "$out")" != "$topic hello-$q" ]; then
            echo "FAIL mosquitto $v QoS $q: got '$(cat "$out")'"
            fail=1
        else
            echo "ok mosquitto $v QoS $q"
        fi
        rm -f "$out"
    done
done
for v in 311 5; do
    for q in 0 1 2; do
        if (cd "$dir" && timeout 30 /usr/bin/python3 paho_pubsub.py "$port" "$v" "$q" "server/paho/$v/$q" >/dev/null); then
            echo "ok paho v$v QoS $q"
        else
            echo "FAIL paho v$v QoS $q"
            fail=1
        fi
    done
done
if ! kill -0 $pid 2>/dev/null; then
    echo "FAIL petrel-server exited"; cat "$log"; fail=1
fi
exit $fail
