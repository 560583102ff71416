#!/usr/bin/env bash
# Installs what is missing, builds Petrel and runs the whole ctest suite:
#   1. build-asan/  clang, AddressSanitizer + UndefinedBehaviorSanitizer: unit and
#      integration tests, plus the libFuzzer targets for a bounded time (label fuzz).
#   2. build-tsan/  clang, ThreadSanitizer: the broker's integration suites.
#   3. build/       g++ RelWithDebInfo: every suite, the summary line printed last. This one
#      includes the package test (label package, installer/test-packages.sh): it builds the
#      .deb packages, installs, runs and purges them on this machine (as root only).
# Exits non-zero if anything fails. PETREL_FUZZ_SECONDS sets the fuzz budget (default 60).
set -uo pipefail
cd "$(dirname "$0")"
installer/install-deps.sh || exit 1
jobs=$(nproc)
status=0
# Build speed (docs/development.md, "CI build time"): precompiled headers, lld, and line
# tables only (enough for the sanitizers' file:line reports) in the sanitizer builds.
speed=(-DPETREL_PCH=ON -DPETREL_LINKER=lld)
sanitizer_speed=("${speed[@]}" -DPETREL_DEBUG_INFO=-gline-tables-only)

export PETREL_FUZZ_SECONDS="${PETREL_FUZZ_SECONDS:-60}"
export QT_QPA_PLATFORM=offscreen

echo "== sanitizer build (clang, ASan+UBSan, fuzzers) =="
CC=clang CXX=clang++ cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug \
    -DPETREL_FUZZ=ON -DPETREL_BUILD_BENCH=OFF -DPETREL_BUILD_GUI=OFF "${sanitizer_speed[@]}" >/dev/null || exit 1
cmake --build build-asan -j "$jobs" || exit 1
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir build-asan --output-on-failure -j "$jobs" -LE 'soak|bench|package' || status=1

echo "== thread sanitizer build (clang, TSan): the broker's integration suites =="
# Suites that start other processes (interop, listeners) are left out: TSan's runtime aborts
# in fork() from Qt's QProcess. tests/tsan.supp explains its one suppression.
CC=clang CXX=clang++ cmake -S . -B build-tsan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DPETREL_TSAN=ON -DPETREL_BUILD_BENCH=OFF -DPETREL_BUILD_GUI=OFF -DPETREL_BUILD_EXAMPLES=OFF \
    "${sanitizer_speed[@]}" >/dev/null || exit 1
tsan_filter=(-L integration -LE package -E 'interop|listeners')
# Build only the test programs this run executes (the CI budget: a TSan build is slow).
tsan_targets=$(comm -12 \
    <(ctest --test-dir build-tsan -N "${tsan_filter[@]}" | sed -n 's/^ *Test *#[0-9]*: //p' | sort) \
    <(cmake --build build-tsan --target help | sed -n 's/^\([A-Za-z0-9_.-]*\): .*/\1/p' | sort))
[ -n "$tsan_targets" ] || { echo "test.sh: no TSan test targets found"; exit 1; }
# shellcheck disable=SC2086
cmake --build build-tsan -j "$jobs" --target $tsan_targets || exit 1
TSAN_OPTIONS="ignore_noninstrumented_modules=1 suppressions=$PWD/tests/tsan.supp" \
    ctest --test-dir build-tsan --output-on-failure -j "$jobs" "${tsan_filter[@]}" || status=1

echo "== main build (g++) =="
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "${speed[@]}" >/dev/null || exit 1
cmake --build build -j "$jobs" || exit 1
ctest --test-dir build --output-on-failure -j "$jobs" -LE 'soak|fuzz' || status=1
if [ $status -ne 0 ]; then
    echo "test.sh: FAILED (see the sanitizer run above if the last summary is clean)"
fi
exit $status
