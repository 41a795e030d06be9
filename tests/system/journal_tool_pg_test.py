# SPDX-License-Identifier: Apache-2.0
"""fixgate-journal --postgres against a journal a real run wrote to PostgreSQL: the simulator (with
--executions-csv), fixgate on the postgres backend and a JSON-lines client trade a few orders
(fills, a replace, a cancel, a broker reject). While fixgate still owns the journal, a follower
reads it beside the owner and is checked to hold no lock; after fixgate stops, every read-only
subcommand is checked against facts this test knows on its own: the orders it sent, the
simulator's execution file, and the rows read here with psql, their SHA-256 chain recomputed in
Python from spec/journal-format.md's record body. Tampered copies (a payload byte changed, a row
deleted) must make verify fail naming the row's seq.

Needs the pg_cluster fixture (FIXGATE_TEST_PG_DSN or FIXGATE_TEST_PG_DSN_FILE) and psql."""

import csv
import glob
import hashlib
import json
import os
import re
import signal
import struct
import subprocess
import tempfile
import time

from harness import (JOURNAL_KINDS, JOURNAL_TOOL_BIN, Client, Fixgate, Simulator, TestFailure, check, fixgate_env,
                     fix_fields, pg_dsn, run_tests_on_one_run, shown_seqs, sql, wait_for, write_config)
import harness

TOOL_TIMEOUT = 60
GENESIS = hashlib.sha256(b"fixgate journal v1").digest()


class Run:
    pass


RUN = None
OUTPUTS = []  # every stdout/stderr of the tool, searched for the DSN at the end


# ---------------------------------------------------------------- PostgreSQL seen independently

def literal(text):
    return "'" + text.replace("'", "''") + "'"


def read_rows(name):
    """Every row of journal `name` in seq order: seq, ts, kind, flags, stream, payload (str), hash."""
    rows = []
    for seq, ts, kind, flags, stream, payload, digest in sql(
            "SELECT seq, ts_ns, kind, flags, encode(stream, 'hex'), encode(payload, 'hex'), encode(hash, 'hex')"
            f" FROM fixgate_journal WHERE journal = {literal(name)} ORDER BY seq"):
        rows.append({"seq": int(seq), "ts": int(ts), "kind_code": int(kind), "kind": JOURNAL_KINDS.get(int(kind), "unknown"),
                     "flags": int(flags), "stream_bytes": bytes.fromhex(stream), "payload_bytes": bytes.fromhex(payload),
                     "stream": bytes.fromhex(stream).decode(), "payload": bytes.fromhex(payload).decode("utf-8", "replace"),
                     "hash": bytes.fromhex(digest)})
    return rows


def chain_head(rows):
    """The chain recomputed here: h(n) = SHA-256(h(n-1) || body(n)), body as the file format has it."""
    h = GENESIS
    for r in rows:
        s, p = r["stream_bytes"], r["payload_bytes"]
        body = struct.pack("<QqHHI", r["seq"], r["ts"], r["kind_code"], r["flags"], len(s)) + s + \
            struct.pack("<I", len(p)) + p
        h = hashlib.sha256(h + body).digest()
        check(h == r["hash"], f"row {r['seq']}: stored hash is not the file format's chain value")
    return h


def copy_journal(name, copy):
    sql(f"INSERT INTO fixgate_journal (journal, seq, ts_ns, kind, flags, stream, payload, hash)"
        f" SELECT {literal(copy)}, seq, ts_ns, kind, flags, stream, payload, hash FROM fixgate_journal"
        f" WHERE journal = {literal(name)}")


# ---------------------------------------------------------------- helpers

def tool(*args, timeout=TOOL_TIMEOUT, env=None):
    r = subprocess.run([JOURNAL_TOOL_BIN, *args], capture_output=True, text=True, timeout=timeout,
                       env=env if env is not None else fixgate_env())
    OUTPUTS.append(r.stdout + r.stderr)
    return r


def pg(*args, **kw):
    """The tool on this run's journal in PostgreSQL."""
    command, rest = args[0], args[1:]
    return tool(command, "--postgres", RUN.name, *rest, **kw)


def records(kind=None, msg_type=None):
    return [r for r in RUN.records if (not kind or r["kind"] == kind) and
            (not msg_type or fix_fields(r["payload"]).get("35") == msg_type)]



def reader_backends(name):
    return sql(f"SELECT pid FROM pg_stat_activity WHERE application_name = {literal('fixgate-reader:' + name)}")


def advisory_locks_of(application_name):
    return int(sql("SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a USING (pid)"
                   f" WHERE l.locktype = 'advisory' AND a.application_name = {literal(application_name)}")[0][0])


# ---------------------------------------------------------------- the run

def produce():
    """One real run on PostgreSQL; the reader-beside-the-owner checks happen while fixgate runs."""
    global RUN
    check(harness.JOURNAL_BACKEND == "postgres" and pg_dsn(), "run with FIXGATE_TEST_JOURNAL_BACKEND=postgres and a DSN")
    run = RUN = Run()
    run.workdir = harness.Workdir("journal-tool-pg")
    wd = run.workdir.path
    run.csv = os.path.join(wd, "sim-executions.csv")
    sim = Simulator(wd, ["--fill", "partial:2", "--executions-csv", run.csv])
    run.config = write_config(wd, sim.port, backend="postgres")
    with open(run.config) as f:
        run.name = re.search(r"^instance: (\S+)$", f.read(), re.M).group(1)
    gate = Fixgate(wd, run.config)
    follower = None
    try:
        c = Client(gate.port)
        orders = {
            "o1": dict(qty="300", price="100.5", symbol="7203", side="buy", account="ACC1"),
            "o2": dict(qty="200", price="50.25", symbol="6758", side="sell", account="ACC2"),
            "o3": dict(qty="100", price="10", symbol="9984", side="buy", account="ACC1"),
            "h1": dict(qty="500", price="99", symbol="HOLD1", side="sell", account="ACC1"),
            "r1": dict(qty="10", price="1", symbol="REJX", side="buy", account="ACC1"),
        }
        for cloid, o in orders.items():
            c.new(cloid, **o)
            check(c.order_event(cloid, ["accepted", "rejected"])["event"] == "accepted", f"{cloid} not accepted")
        final = {}
        for cloid in ("o1", "o2", "o3"):
            final[cloid] = c.wait_status(cloid, "filled")["status"]
        final["r1"] = c.wait_status("r1", "rejected")["status"]
        c.wait_status("h1", "new")
        c.send({"op": "replace", "client_order_id": "h1-r", "orig_client_order_id": "h1", "qty": "400", "price": "98.5"})
        check(c.order_event("h1-r", ["accepted", "rejected"])["event"] == "accepted", "replace not accepted")
        c.next_event(lambda e: e.get("event") == "execution" and e.get("exec_type") == "replaced")
        c.send({"op": "cancel", "client_order_id": "h1-c", "orig_client_order_id": "h1-r"})
        check(c.order_event("h1-c", ["accepted", "rejected"])["event"] == "accepted", "cancel not accepted")
        final["h1"] = c.next_event(lambda e: e.get("event") == "execution" and e.get("status") == "canceled")["status"]

        # Beside the owner: verify works, and a follower holds no lock while fixgate keeps its own.
        r = pg("verify")
        check(r.returncode == 0 and "is intact" in r.stdout, f"verify beside the owner: {r.returncode} {r.stdout}{r.stderr}")
        # Output to a file, not a pipe: a full pipe would block the follower before the late order.
        follow_path = os.path.join(wd, "follow.out")
        follow_file = open(follow_path, "w")
        follower = subprocess.Popen([JOURNAL_TOOL_BIN, "show", "--postgres", run.name, "--follow", "--follow-timeout",
                                     "30", "--color", "never"], stdout=follow_file, stderr=subprocess.STDOUT,
                                    env=fixgate_env())
        wait_for(lambda: reader_backends(run.name), 10, "the follower's connection")
        check(advisory_locks_of("fixgate-reader:" + run.name) == 0, "the reader holds an advisory lock")
        check(advisory_locks_of("fixgate-journal:" + run.name) == 1, "fixgate's writer lost its journal lock")
        # An order placed while the follower runs must reach it.
        orders["o4"] = dict(qty="50", price="7.125", symbol="8306", side="sell", account="ACC1")
        c.new("o4", **orders["o4"])
        final["o4"] = c.wait_status("o4", "filled")["status"]
        c.drain(0.3)
        c.close()
        # The follower polls every 100 ms; on a loaded machine it may take a while to catch up.
        wait_for(lambda: "client_order_id=o4" in open(follow_path).read(), 15, "the follower to show order o4")
        follower.send_signal(signal.SIGINT)
        follower.wait(10)
        follow_file.close()
        with open(follow_path) as f:
            run.follow_out = f.read()
        OUTPUTS.append(run.follow_out)
        check(follower.returncode == 0, f"follow exit {follower.returncode}: {run.follow_out[-500:]}")
        check("client_order_id=o4" in run.follow_out, "the follower did not see the order placed while it ran")
        run.orders = orders
        run.final = final
    finally:
        if follower is not None and follower.poll() is None:
            follower.kill()
            follower.wait(5)
        check(gate.terminate() == 0, "fixgate did not stop cleanly:\n" + gate.text()[-2000:])
        sim.terminate()
    run.records = read_rows(run.name)
    with open(run.csv) as f:
        run.broker_rows = list(csv.DictReader(f))
    return run


# ---------------------------------------------------------------- tests

def test_follow_beside_the_owner_saw_every_record_in_order():
    seqs = shown_seqs(RUN.follow_out)
    o4 = [x["seq"] for x in RUN.records if x["kind"] == "upstream_request" and '"o4"' in x["payload"]]
    check(seqs == list(range(1, len(seqs) + 1)) and o4 and seqs[-1] >= o4[0],
          f"follow showed {len(seqs)} records, {seqs[:3]}..{seqs[-3:]}; o4's request is {o4}")


def test_verify_reports_the_chain_recomputed_here():
    r = pg("verify")
    check(r.returncode == 0, f"verify exit {r.returncode}: {r.stdout}{r.stderr}")
    head = chain_head(RUN.records)
    n = len(RUN.records)
    check(f"journal postgres:{RUN.name} is intact: {n} records, seq 1..{n}, last hash {head.hex()}" in r.stdout,
          f"verify says {r.stdout!r}; recomputed here: {n} records, last hash {head.hex()}")
    check("checked: " in r.stdout and "SHA-256 chain" in r.stdout, "verify does not say what it checked")


def test_verify_names_the_tampered_row_and_the_deleted_row():
    victim = records(kind="fix_in", msg_type="8")[2]
    tampered = RUN.name + "-tampered"
    copy_journal(RUN.name, tampered)
    r = tool("verify", "--postgres", tampered)
    check(r.returncode == 0, f"untouched copy: {r.stdout}{r.stderr}")
    # One payload byte changed in place, as an UPDATE by hand would.
    sql(f"UPDATE fixgate_journal SET payload = set_byte(payload, 30, get_byte(payload, 30) # 1)"
        f" WHERE journal = {literal(tampered)} AND seq = {victim['seq']}")
    r = tool("verify", "--postgres", tampered)
    check(r.returncode == 1 and "is damaged: hash_mismatch" in r.stdout and f"seq {victim['seq']}:" in r.stdout,
          f"verify of a changed payload byte in seq {victim['seq']}: exit {r.returncode}: {r.stdout}{r.stderr}")
    # A deleted row.
    deleted = RUN.name + "-deleted"
    copy_journal(RUN.name, deleted)
    gone = RUN.records[len(RUN.records) // 2]["seq"]
    sql(f"DELETE FROM fixgate_journal WHERE journal = {literal(deleted)} AND seq = {gone}")
    r = tool("verify", "--postgres", deleted)
    check(r.returncode == 1 and "seq_gap" in r.stdout and f"expected {gone}" in r.stdout,
          f"verify of a deleted row {gone}: exit {r.returncode}: {r.stdout}{r.stderr}")
    # The original is untouched by all of it.
    check(pg("verify").returncode == 0, "the original journal no longer verifies")


def test_show_and_query_agree_with_the_rows():
    r = pg("show", "--color", "never")
    check(r.returncode == 0, f"show exit {r.returncode}: {r.stderr}")
    check(shown_seqs(r.stdout) == [x["seq"] for x in RUN.records], "show did not print every row in order")
    for text in ("35=8 (ExecutionReport)", "39=2 (Filled)", "35=G (OrderCancelReplaceRequest)", "session_up SIM"):
        check(text in r.stdout, f"show output lacks {text!r}")
    r = pg("show", "--type", "ExecutionReport")
    check(shown_seqs(r.stdout) == [x["seq"] for x in records(msg_type="8")], "show --type ExecutionReport")
    middle = RUN.records[len(RUN.records) // 2]
    r = pg("show", "--from", str(middle["ts"]))
    check(shown_seqs(r.stdout) == [x["seq"] for x in RUN.records if x["ts"] >= middle["ts"]], "show --from")

    nos = [x for x in records(kind="fix_out", msg_type="D") if fix_fields(x["payload"]).get("55") == "HOLD1"]
    first = fix_fields(nos[0]["payload"])["11"]
    reports = [x for x in records(kind="fix_in", msg_type="8") if fix_fields(x["payload"]).get("55") == "HOLD1"]
    order_id = fix_fields(reports[0]["payload"])["37"]
    seen = None
    for ident in ("h1", "h1-c", first, order_id):
        r = pg("query", "--order", ident, "--color", "never")
        check(r.returncode == 0, f"query {ident}: {r.returncode} {r.stderr}")
        got = set(shown_seqs(r.stdout))
        want = {x["seq"] for x in nos + reports}
        check(want <= got, f"query {ident} misses {sorted(want - got)}")
        check(seen is None or got == seen, f"query {ident} differs from the other ids")
        seen = got
    r = pg("query", "--account", "ACC2")
    acc2 = {x["seq"] for x in RUN.records if x["kind"].startswith("fix") and fix_fields(x["payload"]).get("1") == "ACC2"}
    got = set(shown_seqs(r.stdout))
    check(acc2 and acc2 <= got, f"--account ACC2 misses {sorted(acc2 - got)}")
    r = pg("query", "--order", "no-such-order")
    check(r.returncode == 1 and f"postgres:{RUN.name}" in r.stderr, f"unknown order: {r.returncode} {r.stderr}")
    # The audit columns answer exactly what reading every row answers.
    ids = set()
    for x in RUN.records:
        if x["kind"] in ("fix_in", "fix_out"):
            f = fix_fields(x["payload"])
            ids.update(f[t] for t in ("11", "41", "37", "17") if t in f)
    questions = [["--order", i] for i in sorted(ids)] + [["--order", "h1"], ["--account", "ACC1"], ["--symbol", "HOLD1"],
                                                         ["--account", "ACC1", "--from", str(middle["ts"])]]
    for q in questions:
        indexed = pg("query", *q, "--json")
        scanned = pg("query", *q, "--json", "--scan")
        check(indexed.returncode == scanned.returncode == 0, f"query {q}: {indexed.returncode} {indexed.stderr}")
        check(indexed.stdout == scanned.stdout, f"query {q} from the audit columns differs from the full read")


def test_export_has_every_row_as_stored():
    r = pg("export", "--format", "csv")
    check(r.returncode == 0, r.stderr)
    rows = list(csv.DictReader(r.stdout.splitlines(keepends=True)))
    check(len(rows) == len(RUN.records), f"csv has {len(rows)} rows, the table {len(RUN.records)}")
    for row, rec in zip(rows, RUN.records):
        check(int(row["seq"]) == rec["seq"] and int(row["time_ns"]) == rec["ts"] and row["kind"] == rec["kind"]
              and row["stream"] == rec["stream"], f"row {row['seq']} differs from the table")
        check(row["payload"] == rec["payload"].replace("\x01", "|").rstrip("\n"), f"payload of {row['seq']}")
    lines = [json.loads(line) for line in pg("export", "--format", "jsonl", "--kind", "fix_in").stdout.splitlines()]
    check(len(lines) == len(records(kind="fix_in")), f"jsonl fix_in: {len(lines)} lines")
    broker = {row["exec_id"]: row for row in RUN.broker_rows}
    fills = [line for line in lines if line["exec_id"] in broker]
    check(len(fills) == len(broker), f"{len(fills)} exported reports match the simulator's {len(broker)} fills")
    for f in fills:
        check(f["last_qty"] == broker[f["exec_id"]]["qty"], f"export of {f['exec_id']} disagrees with the simulator")


def scratch_copies():
    return set(glob.glob(os.path.join(tempfile.gettempdir(), "fixgate-journal-orders.*")))


def test_orders_match_the_clients_final_statuses():
    before = scratch_copies()
    r = pg("orders", "--config", RUN.config, "--format", "jsonl")
    if r.returncode == 2 and "not available" in r.stderr:
        print("SKIP orders: " + r.stderr.strip())
        return
    check(r.returncode == 0, f"orders exit {r.returncode}: {r.stderr}")
    by_id = {row["client_order_id"]: row for row in map(json.loads, r.stdout.splitlines())}
    for cloid in ("o1", "o2", "o3", "o4", "r1"):
        check(cloid in by_id and by_id[cloid]["status"] == RUN.final[cloid],
              f"{cloid}: orders says {by_id.get(cloid)}, the client saw {RUN.final[cloid]}")
        check(by_id[cloid]["qty"] == RUN.orders[cloid]["qty"], f"{cloid} qty")
    # After the replace the order goes by the replace's client_order_id.
    hold = [row for cloid, row in by_id.items() if cloid in ("h1", "h1-r", "h1-c")]
    check(len(hold) == 1 and hold[0]["status"] == "canceled", f"h1: {hold}")
    replace = [x for x in records(kind="fix_in", msg_type="8") if fix_fields(x["payload"]).get("150") == "5"][0]
    r = pg("orders", "--config", RUN.config, "--format", "jsonl", "--at", str(replace["ts"] + 1))
    by_id = {row["client_order_id"]: row for row in map(json.loads, r.stdout.splitlines())}
    hold = [row for cloid, row in by_id.items() if cloid in ("h1", "h1-r")]
    check(len(hold) == 1 and hold[0]["status"] != "canceled" and "o4" not in by_id, f"as of the replace: {by_id}")
    check(scratch_copies() == before, f"scratch copies left behind: {scratch_copies() - before}")


def test_recon_is_clean_and_finds_a_missing_broker_row():
    r = pg("recon", "--broker", RUN.csv)
    n = len(RUN.broker_rows)
    check(r.returncode == 0 and f"{n} matched, 0 breaks" in r.stdout, f"recon: {r.returncode} {r.stdout}{r.stderr}")
    dropped = RUN.broker_rows[1]
    edited = os.path.join(RUN.workdir.path, "broker-edited.csv")
    with open(edited, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(RUN.broker_rows[0].keys()), lineterminator="\n")
        w.writeheader()
        for row in RUN.broker_rows:
            if row is not dropped:
                w.writerow(row)
    r = pg("recon", "--broker", edited)
    check(r.returncode == 1 and f"missing_in_broker exec_id={dropped['exec_id']}" in r.stdout,
          f"recon without {dropped['exec_id']}: {r.returncode} {r.stdout}")


def test_replay_sends_the_sessions_orders():
    wd = os.path.join(RUN.workdir.path, "replay")
    os.makedirs(wd)
    sim = Simulator(wd, ["--fill", "full"], name="simulator-2")
    try:
        r = pg("replay", "--session", "SIM", "--connect", f"127.0.0.1:{sim.port}", "--sender", "FIXGATE",
               "--target", "SIM", "--speed", "max", "--wait", "5")
    finally:
        sim.terminate()
    check(r.returncode == 0, f"replay exit {r.returncode}: {r.stdout}{r.stderr}")
    sent = [int(line.split()[1][1:]) for line in r.stdout.splitlines() if line.startswith("sent #")]
    want = [x["seq"] for x in records(kind="fix_out")
            if fix_fields(x["payload"]).get("35") not in ("0", "1", "2", "3", "4", "5", "A")
            and fix_fields(x["payload"]).get("43") != "Y"]
    check(len(want) >= len(RUN.orders) + 2, f"{len(want)} outbound application messages in the journal")
    check(sent == want, f"replay sent {sent}, the journal has {want}")


def test_usage_errors_and_the_dsn_is_never_printed():
    env = dict(fixgate_env())
    env.pop("FIXGATE_PG_DSN", None)
    r = tool("verify", "--postgres", RUN.name, env=env)
    check(r.returncode == 2 and "FIXGATE_PG_DSN" in r.stderr, f"unset DSN variable: {r.returncode} {r.stderr}")
    env["OTHER_DSN"] = pg_dsn()
    r = tool("verify", "--postgres", RUN.name, "--dsn-env", "OTHER_DSN", env=env)
    check(r.returncode == 0, f"--dsn-env OTHER_DSN: {r.returncode} {r.stdout}{r.stderr}")
    r = pg("verify", RUN.workdir.path)
    check(r.returncode == 2 and "--postgres" in r.stderr, f"DIR and --postgres: {r.returncode} {r.stderr}")
    r = tool("export", "--postgres", "no-such-journal")
    check(r.returncode == 2 and "no-such-journal" in r.stderr, f"unknown journal: {r.returncode} {r.stderr}")
    env["BAD_DSN"] = pg_dsn() + " password=s3cret-not-to-print port=1"
    r = tool("verify", "--postgres", RUN.name, "--dsn-env", "BAD_DSN", env=env)
    check(r.returncode == 2, f"unreachable database: {r.returncode} {r.stderr}")
    # A role that may not read the table: the journal cannot be read, which is no finding about it.
    sql("DO $$ BEGIN CREATE ROLE fixgate_noread LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$")
    env["NOREAD_DSN"] = pg_dsn() + " user=fixgate_noread"
    r = tool("verify", "--postgres", RUN.name, "--dsn-env", "NOREAD_DSN", env=env)
    check(r.returncode == 2 and "permission denied" in r.stderr and "damaged" not in r.stdout,
          f"unreadable journal: {r.returncode} {r.stdout} {r.stderr}")
    for text in OUTPUTS:
        check(pg_dsn() not in text and "s3cret-not-to-print" not in text, f"the DSN was printed: {text[:300]}")


def main():
    run_tests_on_one_run(produce, [
        test_follow_beside_the_owner_saw_every_record_in_order,
        test_verify_reports_the_chain_recomputed_here,
        test_verify_names_the_tampered_row_and_the_deleted_row,
        test_show_and_query_agree_with_the_rows,
        test_export_has_every_row_as_stored,
        test_orders_match_the_clients_final_statuses,
        test_recon_is_clean_and_finds_a_missing_broker_row,
        test_replay_sends_the_sessions_orders,
        test_usage_errors_and_the_dsn_is_never_printed,
    ])


if __name__ == "__main__":
    main()
