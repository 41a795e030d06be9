# SPDX-License-Identifier: Apache-2.0
"""The monitoring files in deploy/: the Prometheus alert rules pass `promtool check rules` and their
own unit tests (`promtool test rules`), the Grafana dashboard is well formed, and every metric the
rules and the dashboard query is one a running fixgate exports (read from a live /metrics).

CMake passes PROMTOOL (Debian's prometheus package; tools/setup.sh unpacks it into the build tree).
"""

import json
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(__file__))
from harness import SOURCE_DIR, Fixgate, Simulator, Workdir, check, run_tests, write_config  # noqa: E402

PROMTOOL = os.environ.get("PROMTOOL", "")
RULES = os.path.join(SOURCE_DIR, "deploy", "prometheus", "fixgate-alerts.yml")
RULE_TESTS = os.path.join(SOURCE_DIR, "deploy", "prometheus", "fixgate-alerts.test.yml")
DASHBOARD = os.path.join(SOURCE_DIR, "deploy", "grafana", "fixgate-dashboard.json")

# Series Prometheus makes itself for every target.
FROM_PROMETHEUS = {"up"}
# Named by the rules before fixgate exports them; the rules file must say so.
ANNOUNCED = {"fixgate_session_needs_operator"}

KEYWORDS = {"and", "or", "unless", "by", "without", "on", "ignoring", "group_left", "group_right", "offset",
            "bool", "inf", "nan"}


def metric_names(expr):
    """The metric names a PromQL expression selects: identifiers that are not functions,
    aggregations, keywords, label names, durations, numbers or Grafana variables."""
    text = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)           # string literals
    text = re.sub(r"\$\{?\w+\}?", "", text)                    # Grafana variables
    text = re.sub(r"\{[^}]*\}", "", text)                      # label matchers
    text = re.sub(r"\[[^\]]*\]", "", text)                     # range and subquery durations
    text = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", "", text)
    names = set()
    for match in re.finditer(r"(?<![\w.])[a-zA-Z_:][a-zA-Z0-9_:]*", text):
        name = match.group(0)
        if text[match.end():].lstrip().startswith("(") or name.lower() in KEYWORDS:
            continue
        names.add(name)
    return names


def rule_exprs():
    """expr of every rule, read without a YAML library: each is `expr: ONE LINE` or `expr: |` then
    a more indented block."""
    lines = open(RULES).read().splitlines()
    exprs = []
    for i, line in enumerate(lines):
        match = re.match(r"^(\s*)expr:\s*(.*)$", line)
        if not match:
            continue
        if match.group(2).strip() != "|":
            exprs.append(match.group(2).strip())
            continue
        indent = len(match.group(1))
        block = []
        for following in lines[i + 1:]:
            if following.strip() and len(following) - len(following.lstrip()) <= indent:
                break
            block.append(following.strip())
        exprs.append(" ".join(block).strip())
    return exprs


def dashboard_exprs():
    board = json.load(open(DASHBOARD))
    exprs = []
    ids = set()
    for panel in board["panels"]:
        check(panel["id"] not in ids, f"panel id {panel['id']} twice")
        ids.add(panel["id"])
        grid = panel["gridPos"]
        check(grid["x"] + grid["w"] <= 24, f"panel {panel['title']!r} wider than the grid")
        check(panel.get("targets"), f"panel {panel['title']!r} has no query")
        exprs += [t["expr"] for t in panel["targets"]]
    for variable in board["templating"]["list"]:
        query = variable.get("definition", "")
        match = re.match(r"label_values\((\w+)", query)
        if match:
            exprs.append(match.group(1))
    return exprs


def exported_names():
    """Sample names on a live /metrics of a fixgate logged on to the simulator."""
    import urllib.request
    with Workdir("deploy-metrics") as wd:
        sim = Simulator(wd)
        gate = Fixgate(wd, write_config(wd, sim.port, extra="ops: {http: 127.0.0.1:0}"))
        try:
            port = int(gate.wait_for_line(r"ops http listening on 127\.0\.0\.1:(\d+)").group(1))
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as answer:
                body = answer.read().decode()
        finally:
            gate.terminate()
            sim.terminate()
    return {re.match(r"[a-zA-Z_:][a-zA-Z0-9_:]*", line).group(0)
            for line in body.splitlines() if line and not line.startswith("#")}


def test_the_name_reader_finds_metrics_and_nothing_else():
    check(metric_names('sum by (job, kind) (increase(fixgate_breaks_total{kind!~"a|b"}[5m])) > 0')
          == {"fixgate_breaks_total"}, "aggregation with by, matchers and a range")
    check(metric_names("fixgate_session_up == 0 and on (job, instance, session) fixgate_session_enabled == 1")
          == {"fixgate_session_up", "fixgate_session_enabled"}, "binary operator with on()")
    check(metric_names('histogram_quantile(0.99, sum by (le) (rate(x_seconds_bucket{job="$job"}[$__rate_interval])))')
          == {"x_seconds_bucket"}, "histogram quantile with Grafana variables")
    check(metric_names("time() - process_start_time_seconds offset 1h > 1e3") == {"process_start_time_seconds"},
          "offset, numbers with exponents")


def test_promtool_accepts_the_rules_and_their_unit_tests_pass():
    check(PROMTOOL and os.access(PROMTOOL, os.X_OK), f"promtool not found (PROMTOOL={PROMTOOL!r}); run tools/setup.sh")
    for args in (["check", "rules", RULES], ["test", "rules", RULE_TESTS]):
        done = subprocess.run([PROMTOOL, *args], capture_output=True, text=True, timeout=60,
                              cwd=os.path.dirname(RULES))
        check(done.returncode == 0, f"promtool {' '.join(args)}:\n{done.stdout}{done.stderr}")


def test_rules_and_dashboard_query_only_metrics_fixgate_exports():
    rules, board = rule_exprs(), dashboard_exprs()
    check(len(rules) >= 7, f"read {len(rules)} rule expressions from {RULES}")
    check(len(board) >= 15, f"read {len(board)} queries from {DASHBOARD}")
    for expr in rules + board:
        check(metric_names(expr), f"no metric found in {expr!r}")
    exported = exported_names() | FROM_PROMETHEUS
    rules_text = open(RULES).read()
    unknown = []
    for expr in rules + board:
        for name in sorted(metric_names(expr) - exported):
            if name in ANNOUNCED and re.search(rf"^#.*{name}", rules_text, re.M):
                continue
            unknown.append(f"{name} (in {expr!r})")
    check(not unknown, "not exported by fixgate: " + "; ".join(unknown))


if __name__ == "__main__":
    run_tests([test_the_name_reader_finds_metrics_and_nothing_else,
               test_promtool_accepts_the_rules_and_their_unit_tests_pass,
               test_rules_and_dashboard_query_only_metrics_fixgate_exports])
