# SPDX-License-Identifier: Apache-2.0
"""Smoke test of the end-to-end benchmark: fixgate-bench --quick must run both phases against
fixgate and both bare-QuickFIX baselines, fill every order, and print the ratio table. Speed is
never asserted here (DESIGN.md: targets are measured by the benchmark, never by timed tests)."""

import json
import os
import subprocess
import time

from harness import TestFailure, Workdir, check, run_tests

BENCH_BIN = os.environ.get("BENCH_BIN", "")
TARGETS = {"fixgate", "quickfix-file", "quickfix-memory"}


def test_quick_benchmark_fills_every_order():
    check(BENCH_BIN and os.access(BENCH_BIN, os.X_OK), f"BENCH_BIN is not an executable: {BENCH_BIN!r}")
    with Workdir("bench-smoke") as workdir:
        report = os.path.join(workdir, "bench.json")
        started = time.monotonic()
        try:
            done = subprocess.run([BENCH_BIN, "--quick", "--json", report, "--work-dir", workdir],
                                  capture_output=True, text=True, timeout=55)
        except subprocess.TimeoutExpired as e:
            raise TestFailure(f"fixgate-bench --quick did not finish in 55 s:\n{e.stdout}\n{e.stderr}")
        output = done.stdout + done.stderr
        check(done.returncode == 0, f"fixgate-bench exited with {done.returncode}:\n{output[-4000:]}")
        check("fixgate / bare QuickFIX" in done.stdout, f"no ratio table in the output:\n{done.stdout[-3000:]}")
        with open(report) as f:
            data = json.load(f)
        runs = data["runs"]
        for phase in ("latency", "throughput"):
            seen = {r["target"] for r in runs if r["phase"] == phase}
            check(seen == TARGETS, f"{phase}: expected runs of {sorted(TARGETS)}, got {sorted(seen)}")
        for r in runs:
            where = f"{r['target']} {r['phase']} repetition {r['repetition']}"
            check(r["orders"] > 0 and r["filled"] == r["orders"] and r["rejected"] == 0,
                  f"{where}: {r['filled']} of {r['orders']} filled, {r['rejected']} rejected")
            check(r["latency_us"]["fill"]["count"] == r["orders"], f"{where}: a fill without a send time")
        check(any(row["figure"].startswith("throughput") and row["vs_file"] is not None for row in data["ratios"]),
              f"no throughput ratio in the JSON: {data['ratios']}")
        print(f"quick benchmark took {time.monotonic() - started:.1f}s")


if __name__ == "__main__":
    run_tests([test_quick_benchmark_fills_every_order])
