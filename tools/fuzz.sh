#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Builds the libFuzzer targets of tests/fuzz with Debian's clang and runs each of them.
#
#   tools/fuzz.sh [--seconds N | --total-seconds N] [--build-dir DIR] [TARGET...]
#
# --seconds N        each target runs N seconds (default 600: a real fuzzing session)
# --total-seconds N  the targets share N seconds (CI: ctest's fuzz_smoke uses 80)
# --build-dir DIR    where the clang build, the growing corpora and any crash inputs go
#                    (default build/fuzz)
# Each target reads its committed seeds in tests/fuzz/corpus/<target>/ and writes what it learns
# to DIR/corpus/<target>/, which later runs reuse. A crash stops the script with a non-zero exit
# and leaves the input in DIR/crashes/ (replay it: DIR/<target> DIR/crashes/<file>).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

seconds=600
total=""
build=build/fuzz
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds=$2; shift 2 ;;
    --total-seconds) total=$2; shift 2 ;;
    --build-dir) build=$2; shift 2 ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    -*) echo "fuzz.sh: unknown option $1" >&2; exit 2 ;;
    *) targets+=("$1"); shift ;;
  esac
done

cxx=${FIXGATE_FUZZ_CXX:-clang++-16}
if ! command -v "$cxx" >/dev/null; then
  echo "fuzz.sh: $cxx not found (tools/setup.sh installs clang-16 and libclang-rt-16-dev)" >&2
  exit 2
fi
cmake -S tests/fuzz -B "$build" -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j"$(nproc)" >/dev/null
[ ${#targets[@]} -gt 0 ] || mapfile -t targets < "$build/targets.txt"
if [ -n "$total" ]; then
  seconds=$(( total / ${#targets[@]} ))
  [ "$seconds" -ge 5 ] || seconds=5
fi

mkdir -p "$build/crashes"
for target in "${targets[@]}"; do
  seeds=$root/tests/fuzz/corpus/$target
  work=$build/corpus/$target
  mkdir -p "$work"
  echo "fuzz.sh: $target for ${seconds}s (seeds: $(ls "$seeds" | wc -l))"
  # Bounded in time and memory; one process, so the machine's other work keeps its cores.
  if ! "$build/$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
      -print_final_stats=1 -artifact_prefix="$build/crashes/$target-" "$work" "$seeds" \
      > "$build/$target.log" 2>&1; then
    tail -n 60 "$build/$target.log" >&2
    echo "fuzz.sh: $target FAILED; inputs in $build/crashes/" >&2
    exit 1
  fi
  grep -E "^stat::number_of_executed_units|^stat::peak_rss_mb" "$build/$target.log" | tr '\n' ' '
  echo
done
echo "fuzz.sh: ${#targets[@]} targets ran ${seconds}s each without a failure"
