#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Times fixgate-journal verify and show over a generated journal (default one million records):
# three runs each, prints every run and the median in records per second.
# usage: tools/journal/bench.sh [BUILD_DIR] [RECORDS]      (BUILD_DIR default build)
set -euo pipefail
build=${1:-build}
records=${2:-1000000}
tool="$build/tools/journal/fixgate-journal"
gen="$build/tools/journal/fixgate-journal-gen"
dir=$(mktemp -d "${TMPDIR:-/tmp}/fixgate-journal-bench.XXXXXX")
trap 'rm -rf "$dir"' EXIT
"$gen" "$dir/journal" --records "$records"
echo "journal: $(du -sh "$dir/journal" | cut -f1), $(ls "$dir/journal"/*.fgj | wc -l) segment(s)"
measure() {  # name command...
  local name=$1; shift
  local times=()
  for run in 1 2 3; do
    local start end
    start=$(date +%s.%N)
    "$@" >/dev/null
    end=$(date +%s.%N)
    times+=("$(echo "$end - $start" | bc -l)")
    printf '%s run %d: %.3f s\n' "$name" "$run" "${times[-1]}"
  done
  local median
  median=$(printf '%s\n' "${times[@]}" | sort -g | sed -n 2p)
  printf '%s median: %.3f s, %.0f records/s\n' "$name" "$median" "$(echo "$records / $median" | bc -l)"
}
measure verify "$tool" verify "$dir/journal"
measure show "$tool" show "$dir/journal" --color never
measure export-csv "$tool" export "$dir/journal" --format csv
