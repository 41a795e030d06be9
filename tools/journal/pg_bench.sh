#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# fixgate-journal verify, and query of one order (from the indexes, and with --scan reading every
# record), over the same generated journal (default one million records) in the file backend and
# in PostgreSQL, in one invocation: starts a throwaway
# cluster (tools/pg/throwaway-cluster.sh), writes the records with fixgate-journal-gen to a
# directory and to a PostgreSQL journal, then times each command three times on each backend
# (alternating, so both see the same machine load) and prints every run, the medians and the
# postgres/file ratio.
# usage: tools/journal/pg_bench.sh [BUILD_DIR] [RECORDS]      (BUILD_DIR default build)
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build}
records=${2:-1000000}
tool="$build/tools/journal/fixgate-journal"
gen="$build/tools/journal/fixgate-journal-gen"
[ -x "$tool" ] && [ -x "$gen" ] || { echo "pg_bench.sh: build fixgate_journal_tool in $build first" >&2; exit 2; }

state=$(mktemp -d "${TMPDIR:-/tmp}/fixgate-journal-pg-bench.XXXXXX")
cleanup() { tools/pg/throwaway-cluster.sh stop "$state/pg" >/dev/null 2>&1 || true; rm -rf "$state"; }
trap cleanup EXIT
FIXGATE_PG_DSN=$(tools/pg/throwaway-cluster.sh start "$state/pg")
export FIXGATE_PG_DSN

"$gen" "$state/journal" --records "$records"
started=$(date +%s.%N)
"$gen" --postgres bench --records "$records"
printf 'loaded PostgreSQL in %.1f s\n' "$(echo "$(date +%s.%N) - $started" | bc -l)"
# Settle the freshly loaded table as autovacuum would during a day (hint bits, visibility map),
# so an autovacuum starting in the middle of a timed run does not decide the numbers.
psql=$(command -v psql || echo "$(dirname "$(readlink -f "$(cat "$state/pg/bindir")/postgres")")/psql")
"$psql" "$FIXGATE_PG_DSN" -Xqc "VACUUM ANALYZE fixgate_journal"
printf 'table with its indexes: %s bytes, %s bytes a row; file journal: %s bytes of segments, %s bytes of sidecar indexes\n' \
  "$("$psql" "$FIXGATE_PG_DSN" -XAtc "SELECT pg_total_relation_size('fixgate_journal')")" \
  "$("$psql" "$FIXGATE_PG_DSN" -XAtc "SELECT pg_total_relation_size('fixgate_journal') / count(*) FROM fixgate_journal")" \
  "$(cat "$state/journal"/*.fgj | wc -c)" "$(cat "$state/journal"/*.fgi | wc -c)"

# bench LABEL SUBCOMMAND [ARGS...]: three runs of the subcommand on each backend, alternating so
# both see the same machine load; prints every run, the medians and the postgres/file ratio.
bench() {
  local label=$1 command=$2
  shift 2
  local -A times=()
  local run backend start end t out
  for run in 1 2 3; do
    for backend in file postgres; do
      if [ "$backend" = file ]; then source_args=("$state/journal"); else source_args=(--postgres bench); fi
      start=$(date +%s.%N)
      out=$("$tool" "$command" "${source_args[@]}" "$@")
      end=$(date +%s.%N)
      t=$(echo "$end - $start" | bc -l)
      times[$backend]+="$t "
      printf '%-8s %s run %d: %.3f s  %s\n' "$backend" "$label" "$run" "$t" "$(echo "$out" | head -1 | cut -c1-80)"
    done
  done
  local file pg
  file=$(median "${times[file]}")
  pg=$(median "${times[postgres]}")
  printf '%s median: file %.3f s (%.0f records/s), postgres %.3f s (%.0f records/s), postgres/file time %.2f\n' \
    "$label" "$file" "$(echo "$records / $file" | bc -l)" "$pg" "$(echo "$records / $pg" | bc -l)" "$(echo "$pg / $file" | bc -l)"
}
median() { printf '%s\n' $1 | sort -g | sed -n 2p; }

bench verify verify
# One order past the middle of the journal (eight records per order: c71428 of 125,000 at a million).
bench "query --order" query --order "c$((records / 14))"
bench "query --order --scan" query --order "c$((records / 14))" --scan
