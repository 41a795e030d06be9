#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# End-to-end sustained orders/s with the PostgreSQL journal vs the file journal, in one
# invocation: starts a throwaway PostgreSQL cluster (tools/pg/throwaway-cluster.sh), runs
# fixgate-bench's throughput phase with --backend file and then --backend postgres (fixgate only,
# no QuickFIX baseline), and prints each backend's median orders/s and the postgres/file ratio.
# Arguments go to both fixgate-bench runs (e.g. --orders 5000 --repetitions 5 --window 100).
#   FIXGATE_BENCH_BUILD_DIR  build directory with fixgate, fixgate-simulator, fixgate-bench
#                            (default build-release; tools/bench/bench.sh builds it)
set -euo pipefail
cd "$(dirname "$0")/../.."
build_dir=${FIXGATE_BENCH_BUILD_DIR:-build-release}
bench="$build_dir/tools/bench/fixgate-bench"
[ -x "$bench" ] || { echo "pg_e2e.sh: $bench not built (run tools/bench/bench.sh --help first)" >&2; exit 2; }

state=$(mktemp -d "${TMPDIR:-/tmp}/fixgate-pg-bench-XXXXXX")
cleanup() { tools/pg/throwaway-cluster.sh stop "$state/pg" >/dev/null 2>&1 || true; rm -rf "$state"; }
trap cleanup EXIT
FIXGATE_PG_DSN=$(tools/pg/throwaway-cluster.sh start "$state/pg")
export FIXGATE_PG_DSN

for backend in file postgres; do
  echo "== backend $backend"
  "$bench" --only throughput --no-baseline --backend "$backend" --json "$state/$backend.json" "$@"
done

python3 - "$state/file.json" "$state/postgres.json" <<'PY'
import json, statistics, sys
def median(path):
    runs = [r for r in json.load(open(path))["runs"] if r["target"] == "fixgate" and r["phase"] == "throughput"]
    return statistics.median(r["orders_per_second"] for r in runs), len(runs)
(f, nf), (p, np_) = median(sys.argv[1]), median(sys.argv[2])
print(f"\nthroughput median orders/s: file {f:,.0f} ({nf} runs), postgres {p:,.0f} ({np_} runs), postgres/file {p / f:.2f}")
PY
