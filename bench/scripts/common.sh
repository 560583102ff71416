# Shared by the benchmark scripts that start brokers and run petrel-bench (compare.sh,
# scaling.sh): the scenario names, the release build, stopping a broker. Sourced from the
# repository root; the caller sets BROKER_PID.

# Builds petrel-server and petrel-bench in build directory $1 (Release).
build_release() {
    cmake -S . -B "$1" -G Ninja -DCMAKE_BUILD_TYPE=Release -DPETREL_BUILD_TESTS=OFF >/dev/null
    cmake --build "$1" -j2 --target petrel-server petrel-bench
}

stop_broker() {
    if [ -n "$BROKER_PID" ]; then
        kill "$BROKER_PID" 2>/dev/null || true
        # A broker that ignores SIGTERM for 5 s gets SIGKILL.
        for _ in $(seq 50); do kill -0 "$BROKER_PID" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$BROKER_PID" 2>/dev/null || true
        wait "$BROKER_PID" 2>/dev/null || true
        BROKER_PID=
    fi
}

scenario_args() { # name -> petrel-bench arguments
    case $1 in
    pairs-q0) echo "pairs --pairs 10 --qos 0" ;;
    pairs-q0-idle10k) echo "pairs --pairs 10 --qos 0 --idle 10000" ;; # the same with 10,000 idle clients
    pairs-q1) echo "pairs --pairs 10 --qos 1" ;;
    pairs-q2) echo "pairs --pairs 10 --qos 2" ;;
    # The same, opened so that a broker dealing connections out to 2 workers in turn puts
    # both ends of each pair on one worker (petrel-bench --open-order grouped): scaling.sh.
    pairs-q0-grouped) echo "pairs --pairs 10 --qos 0 --open-order grouped" ;;
    pairs-q1-grouped) echo "pairs --pairs 10 --qos 1 --open-order grouped" ;;
    pairs-q2-grouped) echo "pairs --pairs 10 --qos 2 --open-order grouped" ;;
    pairs-q0-w1024) echo "pairs --pairs 10 --qos 0 --window 1024" ;; # 1,024 outstanding per publisher
    pairs-q1-v5) echo "pairs --pairs 10 --qos 1 --mqtt 5" ;;
    pairs-q1-persist) echo "pairs --pairs 10 --qos 1 --session-expiry 3600" ;;
    # QoS 1 with 1,000 outstanding per publisher: more than FlashMQ's 512 pending per client.
    pairs-q1-w1000) echo "pairs --pairs 10 --qos 1 --window 1000 --stall-timeout 10" ;;
    fanout-100) echo "fanout --subscribers 100 --qos 0" ;;
    # 64 messages outstanding, as for every publisher in pairs. petrel-bench's own default
    # for 1 -> 1,000 is 8 (autoWindow: ~8,192 deliveries outstanding), which leaves each
    # subscriber about one message per broker pass: fanout-1000-w8 keeps that variant.
    fanout-1000) echo "fanout --subscribers 1000 --qos 0 --window 64" ;;
    fanout-1000-w8) echo "fanout --subscribers 1000 --qos 0 --window 8" ;;
    wildcard) echo "wildcard --publishers 10 --subscribers 200 --filters 5 --tree-width 16 --tree-depth 3 --qos 0" ;;
    latency-10k) echo "pairs --pairs 10 --qos 0 --rate 10000" ;;
    connstorm) echo "connstorm --connections 10000 --concurrency 64" ;;
    *) echo "${0##*/}: unknown scenario $1" >&2; exit 2 ;;
    esac
}
