#!/usr/bin/env bash
# Long fuzzing runs, by hand (hours). Builds the fuzz targets if needed, then runs each named
# target (default: both) one after the other for HOURS each, one job each (the machines have
# two cores that other work shares), with a corpus kept under BUILD_DIR/tests/fuzz/long/ so a
# later run continues where this one stopped. At the end the corpus is minimized (-merge=1).
#
#   tests/fuzz/long_fuzz.sh [-b BUILD_DIR] [-h HOURS] [TARGET...]
#       BUILD_DIR  default build-fuzz (configured with -DPETREL_FUZZ=ON if it does not exist)
#       HOURS      per target, default 4 (fractions allowed: -h 0.5)
#       TARGET     fuzz_decoder, fuzz_broker_session
#
# A crash stops that target; its input is in BUILD_DIR/tests/fuzz/long/TARGET/artifacts/.
# Reproduce with:  BUILD_DIR/tests/fuzz/TARGET ARTIFACT     (runs that one input)
# Minimize with:   BUILD_DIR/tests/fuzz/TARGET -minimize_crash=1 -runs=10000 ARTIFACT
# Then add the input as a regression seed: tests/fuzz/regressions/<target>-<what>.bin (README.md).
# Exit status: non-zero if any target failed.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=$root/build-fuzz
hours=4
while getopts "b:h:" opt; do
    case $opt in
    b) build=$(realpath -m "$OPTARG") ;;
    h) hours=$OPTARG ;;
    *) sed -n '2,16p' "$0"; exit 2 ;;
    esac
done
shift $((OPTIND - 1))
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(fuzz_decoder fuzz_broker_session)
seconds=$(awk -v h="$hours" 'BEGIN { printf "%d", h * 3600 }')

if [ ! -f "$build/CMakeCache.txt" ]; then
    CC=clang CXX=clang++ cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Debug \
        -DPETREL_FUZZ=ON -DPETREL_BUILD_BENCH=OFF -DPETREL_BUILD_GUI=OFF || exit 1
fi
cmake --build "$build" -j 2 --target fuzz_seed_corpus "${targets[@]}" || exit 1
"$build/tests/fuzz/fuzz_seed_corpus" "$build/tests/fuzz/seeds" || exit 1

export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}abort_on_error=1"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}halt_on_error=1:print_stacktrace=1"
status=0
for t in "${targets[@]}"; do
    work=$build/tests/fuzz/long/$t
    mkdir -p "$work/corpus" "$work/artifacts"
    echo "== $t: ${seconds}s, corpus $work/corpus, log $work/fuzz.log"
    "$build/tests/fuzz/$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="$work/artifacts/" \
        "$work/corpus" "$build/tests/fuzz/seeds" "$root/tests/fuzz/regressions" >"$work/fuzz.log" 2>&1
    rc=$?
    tail -n 8 "$work/fuzz.log"
    if [ $rc -ne 0 ]; then
        echo "== $t FAILED (exit $rc); artifacts:" && ls -l "$work/artifacts/"
        status=1
        continue
    fi
    # Keep the corpus small: only inputs that add coverage survive.
    mkdir -p "$work/corpus.min"
    "$build/tests/fuzz/$t" -merge=1 "$work/corpus.min" "$work/corpus" >"$work/merge.log" 2>&1 &&
        rm -rf "$work/corpus" && mv "$work/corpus.min" "$work/corpus"
done
exit $status
