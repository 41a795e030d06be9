#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The end-to-end benchmark in one command: builds Release into build-release/ (only what the
# benchmark needs) and runs fixgate-bench, which prints the fixgate / bare-QuickFIX ratio table.
# Arguments go to fixgate-bench (tools/bench/bench.sh --help lists them); the JSON of every
# figure lands in build-release/bench.json unless --json says otherwise.
#   FIXGATE_BENCH_BUILD_DIR  build directory (default build-release)
#   FIXGATE_BENCH_JOBS       parallel compile jobs (default: nproc)
#   FIXGATE_BENCH_MICRO=1    also run the Google Benchmark micro-benchmarks first
set -euo pipefail
cd "$(dirname "$0")/../.."

build_dir=${FIXGATE_BENCH_BUILD_DIR:-build-release}
jobs=${FIXGATE_BENCH_JOBS:-$(nproc)}
if [ ! -f "$build_dir/CMakeCache.txt" ]; then
  # Tests are not needed to measure; -Wno-restrict: g++ 12 at -O3 reports false positives inside
  # std::string (GCC bug 105329) that -Werror would turn into a failed build.
  cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=Release -DFIXGATE_BUILD_TESTS=OFF \
    "-DCMAKE_CXX_FLAGS=-Wno-restrict" >/dev/null
fi
targets=(fixgate fixgate_simulator fixgate_bench)
[ "${FIXGATE_BENCH_MICRO:-0}" = 1 ] && targets+=(fixgate_micro_bench)
cmake --build "$build_dir" -j"$jobs" --target "${targets[@]}"

if [ "${FIXGATE_BENCH_MICRO:-0}" = 1 ]; then
  "$build_dir/tools/bench/fixgate-micro-bench" --benchmark_out="$build_dir/micro-bench.json" \
    --benchmark_out_format=json
fi

args=("$@")
has_json=0
for a in "${args[@]}"; do [ "$a" = --json ] && has_json=1; done
[ $has_json = 1 ] || args+=(--json "$build_dir/bench.json")
exec "$build_dir/tools/bench/fixgate-bench" "${args[@]}"
