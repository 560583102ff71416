#!/usr/bin/env bash
# Runs one libFuzzer target for a bounded time; ctest calls this (label fuzz).
#
#   run_fuzzer.sh FUZZER DEFAULT_SECONDS WORK_DIR [EXTRA_CORPUS_DIR...]
#
# Budget: DEFAULT_SECONDS is what the target gets per 60 s of PETREL_FUZZ_SECONDS, so the
# default (unset, or 60 as test.sh exports) runs fuzz_decoder 60 s and fuzz_broker_session 30 s;
# PETREL_FUZZ_SECONDS=600 runs them 600 s and 300 s. PETREL_FUZZ_SECONDS=0 skips fuzzing
# (exit 0 after checking the seeds and regressions still pass: -runs=0).
# New coverage goes to WORK_DIR/corpus, emptied first: every run starts from the extra
# directories (seed corpus, committed regressions; read only), so replaying the corpus cannot
# grow from run to run and eat the budget (long_fuzz.sh keeps its corpus instead). A crash, leak, timeout (-timeout=10 per input) or RSS over
# 2 GB is written to WORK_DIR/artifacts/ and makes this script exit non-zero.
set -uo pipefail
if [ $# -lt 3 ]; then
    echo "usage: $0 FUZZER DEFAULT_SECONDS WORK_DIR [EXTRA_CORPUS_DIR...]" >&2
    exit 2
fi
fuzzer=$1 default=$2 work=$3
shift 3

if [ -n "${PETREL_FUZZ_SECONDS:-}" ]; then
    seconds=$(( PETREL_FUZZ_SECONDS * default / 60 ))
    [ "$PETREL_FUZZ_SECONDS" -gt 0 ] && [ "$seconds" -lt 1 ] && seconds=1
else
    seconds=$default
fi

rm -rf "$work/corpus"
mkdir -p "$work/corpus" "$work/artifacts" || exit 1
corpora=("$work/corpus")
for d in "$@"; do
    [ -d "$d" ] && corpora+=("$d")
done

# Sanitizer findings must stop the run (the fuzz build lets UBSan recover by default).
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}abort_on_error=1"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}halt_on_error=1:print_stacktrace=1"

if [ "$seconds" -le 0 ]; then
    limit=(-runs=0)
else
    limit=(-max_total_time="$seconds")
fi
echo "run_fuzzer.sh: $(basename "$fuzzer") for ${seconds}s, corpora: ${corpora[*]}"
# The outer timeout is a last resort against a run that does not stop (e.g. a hang at exit).
timeout --kill-after=30 $(( seconds + 300 )) \
    "$fuzzer" "${limit[@]}" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$work/artifacts/" "${corpora[@]}"
status=$?
if [ $status -ne 0 ]; then
    echo "run_fuzzer.sh: $(basename "$fuzzer") FAILED (exit $status); artifacts in $work/artifacts/:" >&2
    ls -l "$work/artifacts/" >&2
fi
exit $status
