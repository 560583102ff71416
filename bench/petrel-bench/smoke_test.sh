#!/bin/sh
# ctest smoke test for petrel-bench: a real petrel-server on a free port, 2 pairs at QoS 1 (and 50 idle connections,
# held by petrel-bench's child process) for one second; passes when petrel-bench exits 0 and reports zero loss, and
# the idle connections were attached during the run and gone after it.
# usage: smoke_test.sh PETREL_SERVER PETREL_BENCH
set -u
server=$1
bench=$2
log=$(mktemp)
out_file=$(mktemp)
pid=
cleanup() {
    if [ -n "$pid" ]; then kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; fi
    rm -f "$log" "$out_file"
}
trap cleanup EXIT INT TERM

# Find a free port: start the server on a candidate and keep it if it comes up.
tries=0
while [ $tries -lt 10 ]; do
    port=$((18900 + $(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % 1000))
    "$server" --tcp "127.0.0.1:$port" --allow-all --workers 1 --log-level warn >"$log" 2>&1 &
    pid=$!
    i=0
    while [ $i -lt 50 ]; do
        if grep -q running "$log"; then break 2; fi
        if ! kill -0 "$pid" 2>/dev/null; then break; fi
        sleep 0.1
        i=$((i + 1))
    done
    kill "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    pid=
    tries=$((tries + 1))
done
if [ -z "$pid" ]; then
    echo "smoke: could not start $server" >&2
    cat "$log" >&2
    exit 1
fi

# Established connections to the broker (its side of them, from /proc/net/tcp).
porthex=$(printf '%04X' "$port")
established() { awk -v p=":$porthex" '$2 ~ p"$" && $4 == "01"' /proc/net/tcp | wc -l; }

# 50 idle connections held open as well (--idle, by a child process of petrel-bench): set-up
# waits for their CONNACKs too. Watched while it runs: all 54 connections attached at once,
# and the measuring process itself holding fewer descriptors than the 50 idle sockets.
"$bench" pairs --port "$port" --qos 1 --pairs 2 --idle 50 --seconds 1 --warmup 0.2 --broker-pid "$pid" \
    --label smoke >"$out_file" &
bench_pid=$!
most=0
most_fds=0
while kill -0 "$bench_pid" 2>/dev/null; do
    n=$(established)
    [ "$n" -gt "$most" ] && most=$n
    fds=$(ls "/proc/$bench_pid/fd" 2>/dev/null | wc -l)
    [ "$fds" -gt "$most_fds" ] && most_fds=$fds
    sleep 0.05
done
wait "$bench_pid"
rc=$?
out=$(cat "$out_file")
echo "$out"
[ "$most" -ge 54 ] || { echo "smoke: at most $most connections attached during the run, not 54" >&2; exit 1; }
[ "$most_fds" -lt 50 ] || { echo "smoke: petrel-bench itself held $most_fds descriptors (the idle sockets?)" >&2; exit 1; }
# The idle connections go with petrel-bench (their holder exits with it).
i=0
while [ "$(established)" -gt 0 ] && [ $i -lt 50 ]; do
    sleep 0.1
    i=$((i + 1))
done
[ "$(established)" -eq 0 ] || { echo "smoke: $(established) connections left after petrel-bench exited" >&2; exit 1; }
if [ $rc -ne 0 ]; then
    echo "smoke: petrel-bench exited with $rc" >&2
    cat "$log" >&2
    exit 1
fi
echo "$out" | grep -q '"lost":0,' || { echo "smoke: messages lost" >&2; exit 1; }
echo "$out" | grep -q '"ok":true' || { echo "smoke: not ok" >&2; exit 1; }
echo "$out" | grep -q '"idle":50,' || { echo "smoke: --idle not applied" >&2; exit 1; }
# --broker-pid: the broker's CPU per thread, its workers by name (the busiest first).
echo "$out" | grep -q '"broker_threads_cpu":{"petrel-worker-[0-9]*/[0-9]*":0\.[0-9]*' ||
    { echo "smoke: no per-thread broker CPU" >&2; exit 1; }
echo "$out" | grep -q '"broker_busiest_thread_ns_per_delivery":[0-9]' ||
    { echo "smoke: no busiest-thread CPU per delivery" >&2; exit 1; }
if ! kill -0 "$pid" 2>/dev/null; then
    echo "smoke: the server died" >&2
    cat "$log" >&2
    exit 1
fi
exit 0
