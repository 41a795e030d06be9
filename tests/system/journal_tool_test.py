# SPDX-License-Identifier: Apache-2.0
"""fixgate-journal against a journal written by a real run: the simulator (with --executions-csv),
fixgate and a JSON-lines client on 127.0.0.1 trade a few orders (fills, a replace, a cancel, a
broker reject); fixgate is stopped, then every subcommand is checked against facts this test knows
on its own: the orders it sent, the simulator's execution file, and the journal's records read here
with an independent reader of spec/journal-format.md (and written, for planted records, with an
independent writer: CRC32C and the SHA-256 chain computed in Python)."""

import csv
import glob
import hashlib
import io
import json
import os
import shutil
import signal
import struct
import subprocess
import time

from harness import (JOURNAL_KINDS, JOURNAL_TOOL_BIN, Client, Fixgate, Simulator, TestFailure, check, fixgate_env,
                     fix_fields, run_tests_on_one_run, shown_seqs, wait_for, write_config)
import harness

TOOL_TIMEOUT = 30

# ---------------------------------------------------------------- independent journal reader/writer



def _crc32c_table():
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        table.append(c)
    return table


CRC_TABLE = _crc32c_table()


def crc32c(data):
    c = 0xFFFFFFFF
    for b in data:
        c = CRC_TABLE[(c ^ b) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF


def read_journal(directory):
    """Every record as a dict: seq, ts, kind, stream, payload (str), offset, segment, hash."""
    records = []
    for segment in sorted(glob.glob(os.path.join(directory, "*.fgj"))):
        with open(segment, "rb") as f:
            data = f.read()
        check(data[:8] == b"FIXGJRNL", f"{segment}: bad magic")
        pos = 64
        while pos + 8 <= len(data):
            body_len, _crc = struct.unpack_from("<II", data, pos)
            if body_len == 0:
                break
            seq, ts, kind, flags, slen = struct.unpack_from("<QqHHI", data, pos + 8)
            stream = data[pos + 32:pos + 32 + slen].decode()
            (plen,) = struct.unpack_from("<I", data, pos + 32 + slen)
            payload = data[pos + 36 + slen:pos + 36 + slen + plen].decode("utf-8", "replace")
            digest = data[pos + 8 + body_len:pos + 8 + body_len + 32]
            records.append({"seq": seq, "ts": ts, "kind": JOURNAL_KINDS.get(kind, "unknown"), "stream": stream,
                            "payload": payload, "offset": pos, "segment": segment, "hash": digest,
                            "payload_offset": pos + 36 + slen})
            pos += 8 + body_len + 32
    return records


def append_record(directory, kind_code, stream, payload, ts):
    """Appends one record to the last segment as spec/journal-format.md says (CRC32C, chain hash)."""
    records = read_journal(directory)
    last = records[-1]
    seq = last["seq"] + 1
    s = stream.encode()
    p = payload.encode()
    body = struct.pack("<QqHHI", seq, ts, kind_code, 0, len(s)) + s + struct.pack("<I", len(p)) + p
    digest = hashlib.sha256(last["hash"] + body).digest()
    frame = struct.pack("<I", len(body)) + struct.pack("<I", crc32c(body + digest)) + body + digest
    with open(last["segment"], "ab") as f:
        f.write(frame)
    return seq


def fix_message(fields):
    """A FIX 4.4 message with BodyLength and CheckSum computed here."""
    body = "".join(f"{t}={v}\x01" for t, v in fields)
    head = f"8=FIX.4.4\x019={len(body)}\x01"
    msg = head + body
    return msg + f"10={sum(msg.encode()) % 256:03d}\x01"

# ---------------------------------------------------------------- the run


class Run:
    pass


RUN = None


def tool(*args, timeout=TOOL_TIMEOUT, env=None):
    return subprocess.run([JOURNAL_TOOL_BIN, *args], capture_output=True, text=True, timeout=timeout, env=env)


def produce():
    """One real run; everything the tests compare against is collected here."""
    global RUN
    run = Run()
    run.workdir = harness.Workdir("journal-tool")
    wd = run.workdir.path
    run.csv = os.path.join(wd, "sim-executions.csv")
    sim = Simulator(wd, ["--fill", "partial:2", "--executions-csv", run.csv])
    run.config = write_config(wd, sim.port)
    gate = Fixgate(wd, run.config)
    try:
        c = Client(gate.port)
        orders = {
            "o1": dict(qty="300", price="100.5", symbol="7203", side="buy", account="ACC1"),
            "o2": dict(qty="200", price="50.25", symbol="6758", side="sell", account="ACC2"),
            "o3": dict(qty="100", price="10", symbol="9984", side="buy", account="ACC1"),
            "o4": dict(qty="50", price="7.125", symbol="8306", side="sell", account="ACC1"),
            "h1": dict(qty="500", price="99", symbol="HOLD1", side="sell", account="ACC1"),
            "r1": dict(qty="10", price="1", symbol="REJX", side="buy", account="ACC1"),
        }
        for cloid, o in orders.items():
            c.new(cloid, **o)
            check(c.order_event(cloid, ["accepted", "rejected"])["event"] == "accepted", f"{cloid} not accepted")
        final = {}
        for cloid in ("o1", "o2", "o3", "o4"):
            final[cloid] = c.wait_status(cloid, "filled")["status"]
        final["r1"] = c.wait_status("r1", "rejected")["status"]
        c.wait_status("h1", "new")
        c.send({"op": "replace", "client_order_id": "h1-r", "orig_client_order_id": "h1", "qty": "400", "price": "98.5"})
        check(c.order_event("h1-r", ["accepted", "rejected"])["event"] == "accepted", "replace not accepted")
        c.next_event(lambda e: e.get("event") == "execution" and e.get("exec_type") == "replaced")
        c.send({"op": "cancel", "client_order_id": "h1-c", "orig_client_order_id": "h1-r"})
        check(c.order_event("h1-c", ["accepted", "rejected"])["event"] == "accepted", "cancel not accepted")
        canceled = c.next_event(lambda e: e.get("event") == "execution" and e.get("status") == "canceled")
        final["h1"] = canceled["status"]
        c.drain(0.3)
        c.close()
        run.orders = orders
        run.final = final
    finally:
        check(gate.terminate() == 0, "fixgate did not stop cleanly:\n" + gate.text()[-2000:])
        sim.terminate()
    run.journal = os.path.join(wd, "journal")
    run.records = read_journal(run.journal)
    with open(run.csv) as f:
        run.broker_rows = list(csv.DictReader(f))
    RUN = run
    return run


def records(kind=None, msg_type=None):
    out = []
    for r in RUN.records:
        if kind and r["kind"] != kind:
            continue
        if msg_type and fix_fields(r["payload"]).get("35") != msg_type:
            continue
        out.append(r)
    return out


# ---------------------------------------------------------------- tests


def flipped_copy(name, kind, index, offset, mask):
    """A copy of the run's journal with one payload byte of the index-th record of `kind` changed."""
    copy = os.path.join(RUN.workdir.path, name)
    shutil.copytree(RUN.journal, copy)
    victim = [x for x in read_journal(copy) if x["kind"] == kind][index]
    with open(victim["segment"], "r+b") as f:
        f.seek(victim["payload_offset"] + offset)
        byte = f.read(1)
        f.seek(victim["payload_offset"] + offset)
        f.write(bytes([byte[0] ^ mask]))
    return copy, victim


def test_verify_intact_then_names_the_flipped_record():
    r = tool("verify", RUN.journal)
    check(r.returncode == 0, f"verify exit {r.returncode}: {r.stdout}{r.stderr}")
    check(f"{len(RUN.records)} records" in r.stdout, f"verify count differs from {len(RUN.records)}: {r.stdout}")
    copy, victim = flipped_copy("journal-flipped", "fix_in", 3, 5, 0x01)
    r = tool("verify", copy)
    check(r.returncode == 1, f"verify of a flipped byte exit {r.returncode}: {r.stdout}{r.stderr}")
    check(f"seq {victim['seq']}," in r.stdout and "crc_mismatch" in r.stdout,
          f"verify did not name record {victim['seq']}: {r.stdout}")
    r = tool("verify")
    check(r.returncode == 2 and "DIR" in r.stderr, f"verify without DIR: {r.returncode} {r.stderr}")


def test_show_renders_names_and_filters():
    r = tool("show", RUN.journal)
    check(r.returncode == 0, f"show exit {r.returncode}: {r.stderr}")
    check("\x1b[" not in r.stdout, "colour escapes in piped output")
    for text in ("35=8 (ExecutionReport)", "39=2 (Filled)", "54=1 (Buy)", "54=2 (Sell)", "35=D (NewOrderSingle)",
                 "ClOrdID", "35=G (OrderCancelReplaceRequest)", "35=F (OrderCancelRequest)", "session_up SIM"):
        check(text in r.stdout, f"show output lacks {text!r}")
    check(shown_seqs(r.stdout) == [x["seq"] for x in RUN.records], "show did not print every record in order")

    r = tool("show", RUN.journal, "--type", "ExecutionReport")
    want = [x["seq"] for x in records(msg_type="8")]
    check(shown_seqs(r.stdout) == want, f"--type ExecutionReport: {shown_seqs(r.stdout)} != {want}")
    r = tool("show", RUN.journal, "--direction", "out", "--type", "D,G")
    want = [x["seq"] for x in RUN.records if x["kind"] == "fix_out" and fix_fields(x["payload"]).get("35") in ("D", "G")]
    check(len(want) == len(RUN.orders) + 1, f"expected {len(RUN.orders)} NewOrderSingles and a replace, journal has {len(want)}")
    check(shown_seqs(r.stdout) == want, f"--direction out --type D,G: {shown_seqs(r.stdout)} != {want}")
    r = tool("show", RUN.journal, "--kind", "upstream_request")
    want = [x["seq"] for x in records(kind="upstream_request")]
    check(len(want) == len(RUN.orders) + 2, f"{len(want)} upstream requests in the journal")
    check(shown_seqs(r.stdout) == want, "--kind upstream_request")
    r = tool("show", RUN.journal, "--session", "NOPE")
    check(r.returncode == 0 and shown_seqs(r.stdout) == [], "--session NOPE showed records")
    middle = RUN.records[len(RUN.records) // 2]
    last = RUN.records[-5]
    r = tool("show", RUN.journal, "--from", str(middle["ts"]), "--to", str(last["ts"]))
    want = [x["seq"] for x in RUN.records if middle["ts"] <= x["ts"] <= last["ts"]]
    check(shown_seqs(r.stdout) == want, "--from/--to in ns")
    iso = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(middle["ts"] // 10**9)) + f".{middle['ts'] % 10**9:09d}Z"
    r = tool("show", RUN.journal, "--from", iso)
    check(shown_seqs(r.stdout)[0] == middle["seq"], f"--from {iso} started at {shown_seqs(r.stdout)[:1]}")
    r = tool("show", RUN.journal, "--color", "always", "--type", "8")
    check("\x1b[" in r.stdout, "--color always without escapes")
    r = tool("show", RUN.journal, "--from", "yesterday")
    check(r.returncode == 2 and "--from" in r.stderr, f"bad --from: {r.returncode} {r.stderr}")
    r = tool("show", RUN.journal, "--type", "NoSuchMessage")
    check(r.returncode == 2 and "--type" in r.stderr, f"bad --type: {r.returncode} {r.stderr}")


def test_show_follow_sees_records_appended_while_it_runs_and_stops_on_sigint():
    live = os.path.join(RUN.workdir.path, "live")
    os.makedirs(live)
    shown_path = os.path.join(RUN.workdir.path, "follow.out")

    def shown():
        with open(shown_path) as f:
            return f.read()

    with open(shown_path, "w") as shown_file:
        follower = subprocess.Popen([JOURNAL_TOOL_BIN, "show", live, "--follow", "--follow-timeout", "20"],
                                    stdout=shown_file, stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(0.3)
        gen = os.path.join(os.path.dirname(JOURNAL_TOOL_BIN), "fixgate-journal-gen")
        g = subprocess.run([gen, live, "--records", "400"], capture_output=True, text=True, timeout=30)
        check(g.returncode == 0, f"generator failed: {g.stderr}")
        expected = len(read_journal(live))
        check(expected == 400, f"generator wrote {expected} records")
        # The follower polls every 100 ms; on a loaded machine it may take a while to catch up.
        wait_for(lambda: 400 in shown_seqs(shown()), 15, "the follower to show record 400")
        started = time.monotonic()
        follower.send_signal(signal.SIGINT)
        _, err = follower.communicate(timeout=10)
        check(time.monotonic() - started < 5, "follow did not stop promptly on SIGINT")
        check(follower.returncode == 0, f"follow exit {follower.returncode}: {err}")
        out = shown()
        check(shown_seqs(out) == list(range(1, 401)), f"follow showed {len(shown_seqs(out))} of 400 records")
    finally:
        if follower.poll() is None:
            follower.kill()
            follower.wait(5)
    r = tool("show", live, "--follow", "--follow-timeout", "0.5")
    check(r.returncode == 0 and len(shown_seqs(r.stdout)) == 400, "follow with a timeout did not end on its own")


def chain_of_hold_order():
    """h1's ClOrdIDs and OrderID, worked out here from the FIX records."""
    nos = [x for x in records(kind="fix_out", msg_type="D") if fix_fields(x["payload"]).get("55") == "HOLD1"]
    check(len(nos) == 1, f"{len(nos)} NewOrderSingles for HOLD1")
    first = fix_fields(nos[0]["payload"])["11"]
    replace = [x for x in records(kind="fix_out", msg_type="G") if fix_fields(x["payload"]).get("41") == first]
    second = fix_fields(replace[0]["payload"])["11"]
    cancel = [x for x in records(kind="fix_out", msg_type="F") if fix_fields(x["payload"]).get("41") == second]
    third = fix_fields(cancel[0]["payload"])["11"]
    reports = [x for x in records(kind="fix_in", msg_type="8")
               if fix_fields(x["payload"]).get("11") in (first, second, third)]
    order_ids = {fix_fields(x["payload"])["37"] for x in reports}
    check(len(order_ids) == 1, f"order ids of h1: {order_ids}")
    return [first, second, third], order_ids.pop(), nos + replace + cancel + reports


def test_query_finds_the_whole_chain_of_a_replaced_and_cancelled_order():
    cl_ord_ids, order_id, fix_records = chain_of_hold_order()
    requests = [x for x in records(kind="upstream_request")
                if json.loads(x["payload"]).get("client_order_id") in ("h1", "h1-r", "h1-c")]
    check(len(requests) == 3, f"{len(requests)} upstream requests for h1")
    want = {x["seq"] for x in fix_records + requests}
    seqs_by_id = {}
    for ident in ("h1", "h1-c", cl_ord_ids[0], cl_ord_ids[2], order_id):
        r = tool("query", RUN.journal, "--order", ident)
        check(r.returncode == 0, f"query {ident} exit {r.returncode}: {r.stderr}")
        got = set(shown_seqs(r.stdout))
        check(want <= got, f"query {ident} misses records {sorted(want - got)}")
        for cl in cl_ord_ids:
            check(cl in r.stdout, f"query {ident} does not list ClOrdID {cl}")
        check(order_id in r.stdout, f"query {ident} does not list OrderID {order_id}")
        seqs_by_id[ident] = got
    check(len({frozenset(s) for s in seqs_by_id.values()}) == 1, "query answers differ by which id was given")
    other = {x["seq"] for x in RUN.records if x["kind"].startswith("fix") and fix_fields(x["payload"]).get("55") == "7203"}
    check(not (other & seqs_by_id["h1"]), "query h1 printed records of another order")
    r = tool("query", RUN.journal, "--order", "no-such-order")
    check(r.returncode == 1 and "no-such-order" in r.stderr, f"unknown order: {r.returncode} {r.stderr}")


def test_query_by_account_and_symbol():
    r = tool("query", RUN.journal, "--account", "ACC2")
    check(r.returncode == 0, r.stderr)
    got = set(shown_seqs(r.stdout))
    acc2 = {x["seq"] for x in RUN.records if x["kind"].startswith("fix") and fix_fields(x["payload"]).get("1") == "ACC2"}
    check(acc2 and acc2 <= got, f"--account ACC2 misses {sorted(acc2 - got)}")
    acc1 = {x["seq"] for x in RUN.records if x["kind"].startswith("fix") and fix_fields(x["payload"]).get("1") == "ACC1"}
    check(not (acc1 & got), "--account ACC2 printed ACC1 records")
    r = tool("query", RUN.journal, "--symbol", "9984")
    got = set(shown_seqs(r.stdout))
    sym = {x["seq"] for x in RUN.records if x["kind"].startswith("fix") and fix_fields(x["payload"]).get("55") == "9984"}
    check(sym and sym <= got, f"--symbol 9984 misses {sorted(sym - got)}")


def test_export_csv_and_jsonl_parse_and_count():
    r = tool("export", RUN.journal, "--format", "csv")
    check(r.returncode == 0, r.stderr)
    rows = list(csv.DictReader(io.StringIO(r.stdout, newline="")))
    check(len(rows) == len(RUN.records), f"csv has {len(rows)} rows, journal {len(RUN.records)} records")
    for row, rec in zip(rows, RUN.records):
        check(int(row["seq"]) == rec["seq"] and int(row["time_ns"]) == rec["ts"] and row["kind"] == rec["kind"],
              f"row {row['seq']} differs from the record")
        check(row["payload"] == rec["payload"].replace("\x01", "|").rstrip("\n"), f"payload of {row['seq']}")
    nos = {fix_fields(x["payload"])["11"] for x in records(kind="fix_out", msg_type="D")}
    check({row["cl_ord_id"] for row in rows if row["kind"] == "fix_out" and row["msg_type"] == "D"} == nos,
          "cl_ord_id column of NewOrderSingles")
    for kind in ("fix_in", "upstream_event"):
        r = tool("export", RUN.journal, "--format", "jsonl", "--kind", kind)
        check(r.returncode == 0, r.stderr)
        lines = [json.loads(line) for line in r.stdout.splitlines()]
        check(len(lines) == len(records(kind=kind)), f"jsonl {kind}: {len(lines)} lines, {len(records(kind=kind))} records")
        check(all(line["kind"] == kind for line in lines), f"jsonl {kind} has other kinds")
    fills = [json.loads(line) for line in tool("export", RUN.journal, "--format", "jsonl", "--type", "8").stdout.splitlines()]
    broker = {row["exec_id"]: row for row in RUN.broker_rows}
    for f in fills:
        if f["exec_id"] in broker:
            check(f["last_qty"] == broker[f["exec_id"]]["qty"] and f["side"] == broker[f["exec_id"]]["side"],
                  f"export of {f['exec_id']} disagrees with the simulator: {f}")
    r = tool("export", RUN.journal, "--format", "xml")
    check(r.returncode == 2 and "--format" in r.stderr, "bad --format accepted")


def test_orders_match_the_clients_final_statuses():
    r = tool("orders", RUN.journal, "--config", RUN.config, "--format", "jsonl", env=fixgate_env())
    if r.returncode == 2 and "not available" in r.stderr:
        print("SKIP orders: " + r.stderr.strip())
        return
    check(r.returncode == 0, f"orders exit {r.returncode}: {r.stderr}")
    rows = [json.loads(line) for line in r.stdout.splitlines()]
    by_id = {row["client_order_id"]: row for row in rows}
    for cloid in ("o1", "o2", "o3", "o4", "r1"):
        check(cloid in by_id and by_id[cloid]["status"] == RUN.final[cloid],
              f"{cloid}: orders says {by_id.get(cloid)}, the client saw {RUN.final[cloid]}")
        check(by_id[cloid]["qty"] == RUN.orders[cloid]["qty"], f"{cloid} qty")
    hold = [row for row in rows if row["client_order_id"] in ("h1", "h1-r", "h1-c")]
    check(len(hold) == 1 and hold[0]["status"] == "canceled", f"h1 rows: {hold}")
    # As of just after the replace was journaled, h1 was live with the new quantity.
    replace = [x for x in records(kind="fix_in", msg_type="8") if fix_fields(x["payload"]).get("150") == "5"][0]
    r = tool("orders", RUN.journal, "--config", RUN.config, "--format", "jsonl", "--at", str(replace["ts"] + 1),
             env=fixgate_env())
    check(r.returncode == 0, r.stderr)
    rows = [json.loads(line) for line in r.stdout.splitlines()]
    hold = [row for row in rows if row["client_order_id"] in ("h1", "h1-r")]
    check(len(hold) == 1 and hold[0]["status"] != "canceled", f"h1 as of the replace: {hold}")
    r = tool("orders", RUN.journal, "--config", RUN.config, env=fixgate_env())
    check(r.returncode == 0 and "client_order_id" in r.stdout.splitlines()[0], "orders table header")


def test_replay_delivers_the_same_new_orders_to_a_second_simulator():
    wd = os.path.join(RUN.workdir.path, "replay")
    os.makedirs(wd)
    logs = os.path.join(wd, "fixlog")
    sim = Simulator(wd, ["--fill", "full", "--fix-log-dir", logs, "--executions-csv", os.path.join(wd, "x.csv")],
                    name="simulator-2")
    try:
        r = tool("replay", RUN.journal, "--session", "SIM", "--connect", f"127.0.0.1:{sim.port}", "--sender", "FIXGATE",
                 "--target", "SIM", "--speed", "max", "--wait", "5", timeout=60)
        check(r.returncode == 0, f"replay exit {r.returncode}: {r.stdout}{r.stderr}")
    finally:
        sim.terminate()
    journal_app_out = [x for x in records(kind="fix_out")
                       if fix_fields(x["payload"]).get("35") not in ("0", "1", "2", "3", "4", "5", "A")
                       and fix_fields(x["payload"]).get("43") != "Y"]
    sent = [line for line in r.stdout.splitlines() if line.startswith("sent #")]
    check(len(sent) == len(journal_app_out), f"replay sent {len(sent)}, journal has {len(journal_app_out)}")
    received_nos = []
    for path in glob.glob(os.path.join(logs, "*.log")):
        with open(path) as f:
            received_nos += [line for line in f if " in " in line and "|35=D|" in line]
    journal_nos = records(kind="fix_out", msg_type="D")
    check(len(received_nos) == len(journal_nos),
          f"second simulator got {len(received_nos)} NewOrderSingles, the journal has {len(journal_nos)}")
    got_ids = sorted(fix_fields(line.split(" in ", 1)[1].strip().replace("|", "\x01"))["11"] for line in received_nos)
    check(got_ids == sorted(fix_fields(x["payload"])["11"] for x in journal_nos), "ClOrdIDs replayed differ")
    filled_orders = [c for c in ("o1", "o2", "o3", "o4")]
    check(len(sim.fills()) == len(filled_orders),
          f"second simulator (full fills) executed {len(sim.fills())} fills, expected one for each of {filled_orders}")
    with open(sim.logons) as f:
        logons = [json.loads(line) for line in f if line.strip()]
    check(any(entry.get("event") == "logon" for entry in logons), f"no logon on the second simulator: {logons}")
    import re
    m = re.search(r"received (\d+) execution reports", r.stdout)
    check(m and int(m.group(1)) >= len(journal_nos), f"execution reports received: {r.stdout[-300:]}")
    r = tool("replay", RUN.journal, "--session", "SIM", "--connect", "127.0.0.1:notaport", "--sender", "A", "--target", "B")
    check(r.returncode == 2 and "--connect" in r.stderr, f"bad --connect: {r.returncode} {r.stderr}")


def write_csv(path, rows):
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=["exec_id", "order_id", "side", "symbol", "qty", "price", "time"],
                           lineterminator="\n")
        w.writeheader()
        for row in rows:
            w.writerow(row)


def recon_breaks(stdout):
    return {(line.split()[0], line.split()[1].split("=", 1)[1]) for line in stdout.splitlines()
            if line and not line.startswith("recon:")}


def test_recon_real_pair_is_clean_and_planted_breaks_are_found_exactly():
    fills = [x for x in records(kind="fix_in", msg_type="8") if fix_fields(x["payload"]).get("150") == "F"]
    check(len(fills) == len(RUN.broker_rows) == 8, f"{len(fills)} journal fills, {len(RUN.broker_rows)} broker rows")
    r = tool("recon", RUN.journal, "--broker", RUN.csv)
    check(r.returncode == 0, f"recon of the real pair exit {r.returncode}: {r.stdout}{r.stderr}")
    check("8 matched, 0 breaks" in r.stdout, f"recon summary: {r.stdout}")

    # Plant one break of every kind. The broker side: edit a copy of the simulator's file.
    rows = [dict(row) for row in RUN.broker_rows]
    ids = [row["exec_id"] for row in rows]
    expected = set()
    missing = rows.pop(0)
    expected.add(("missing_in_broker", missing["exec_id"]))
    edits = [("qty_mismatch", "qty", lambda v: str(int(v) + 1)),
             ("price_mismatch", "price", lambda v: v + "01" if "." in v else v + ".01"),
             ("side_mismatch", "side", lambda v: "buy" if v != "buy" else "sell"),
             ("symbol_mismatch", "symbol", lambda v: "ZZZZ"),
             ("order_id_mismatch", "order_id", lambda v: "O-NOT-" + v)]
    for row, (kind, column, change) in zip(rows, edits):
        row[column] = change(row[column])
        expected.add((kind, row["exec_id"]))
    dup = dict(rows[5])
    rows.append(dup)
    expected.add(("duplicate_in_broker", dup["exec_id"]))
    rows.append({"exec_id": "E-PLANTED-1", "order_id": "O-PLANTED", "side": "buy", "symbol": "7203", "qty": "5",
                 "price": "1.5", "time": "2026-11-26T12:00:00.000001Z"})
    expected.add(("missing_in_journal", "E-PLANTED-1"))
    broken_csv = os.path.join(RUN.workdir.path, "broker-broken.csv")
    write_csv(broken_csv, rows)

    # The journal side: a copy with the last fill received and applied again without PossDupFlag
    # (a second execution on the wire) and another applied again as a PossDup resend (not a
    # break), then a garbled copy of a fill that the session layer threw away: received, never
    # applied (no apply_fix marker), so recon must not count it.
    copy = os.path.join(RUN.workdir.path, "journal-dups")
    shutil.copytree(RUN.journal, copy)
    again = fix_fields(fills[-1]["payload"])
    resent = fix_fields(fills[-2]["payload"])
    check(again["17"] == ids[-1] or again["17"] in ids, "last fill not in the broker file")
    ts = RUN.records[-1]["ts"] + 1000

    def redo(fields, seqnum, poss_dup):
        header = [("35", "8"), ("34", str(seqnum)), ("49", "SIM"), ("52", "20261126-12:00:00.000"), ("56", "FIXGATE")]
        if poss_dup:
            header.insert(2, ("43", "Y"))
        body = [(t, v) for t, v in fields.items() if t not in ("8", "9", "10", "34", "35", "43", "49", "52", "56", "97", "122")]
        return fix_message(header + body)

    seq = append_record(copy, 1, "SIM", redo(again, 900, False), ts)
    append_record(copy, 5, "SIM", f"apply_fix {seq}", ts + 1)
    seq = append_record(copy, 1, "SIM", redo(resent, 901, True), ts + 2)
    append_record(copy, 5, "SIM", f"apply_fix {seq}", ts + 3)
    garbled = dict(resent)
    garbled["32"] = str(int(garbled["32"]) + 7)
    append_record(copy, 1, "SIM", redo(garbled, 902, False), ts + 4)
    expected.add(("duplicate_in_journal", again["17"]))
    v = tool("verify", copy)
    check(v.returncode == 0, f"records written here by spec/journal-format.md fail verify: {v.stdout}")

    r = tool("recon", copy, "--broker", broken_csv)
    check(r.returncode == 1, f"recon with planted breaks exit {r.returncode}: {r.stdout}{r.stderr}")
    got = recon_breaks(r.stdout)
    check(got == expected, f"planted {sorted(expected)}\nfound   {sorted(got)}")
    kinds = {k for k, _ in expected}
    check(len(kinds) == 9, f"not every kind planted: {kinds}")

    # Input errors name the file, line and column.
    with open(broken_csv) as f:
        lines = f.read().splitlines()
    lines[2] = lines[2].split(",")
    lines[2][4] = "12x"
    lines[2] = ",".join(lines[2])
    bad = os.path.join(RUN.workdir.path, "broker-bad.csv")
    with open(bad, "w") as f:
        f.write("\n".join(lines) + "\n")
    r = tool("recon", RUN.journal, "--broker", bad)
    check(r.returncode == 2 and f"{bad}:3" in r.stderr and "qty" in r.stderr, f"bad CSV: {r.returncode} {r.stderr}")
    r = tool("recon", RUN.journal)
    check(r.returncode == 2 and "--broker" in r.stderr, "recon without --broker")
    # Another session's view of the same broker file: every broker row is missing in the journal.
    r = tool("recon", RUN.journal, "--broker", RUN.csv, "--session", "OTHER")
    got = recon_breaks(r.stdout)
    check(r.returncode == 1 and got == {("missing_in_journal", row["exec_id"]) for row in RUN.broker_rows},
          f"recon --session OTHER: {r.returncode} {sorted(got)}")


def test_json_answers_of_verify_query_and_recon():
    r = tool("verify", RUN.journal, "--json")
    check(r.returncode == 0, f"verify --json exit {r.returncode}: {r.stdout}{r.stderr}")
    v = json.loads(r.stdout)
    check(v["intact"] is True and v["records"] == len(RUN.records) and v["last_seq"] == RUN.records[-1]["seq"],
          f"verify --json: {v}")
    check(v["last_hash"] == RUN.records[-1]["hash"].hex(), "verify --json last_hash is not the last record's chain value")
    copy, victim = flipped_copy("journal-json-flipped", "fix_out", 2, 3, 0x04)
    r = tool("verify", copy, "--json")
    check(r.returncode == 1, f"verify --json of a flipped byte exit {r.returncode}")
    v = json.loads(r.stdout)
    check(v["intact"] is False and v["error"]["kind"] == "crc_mismatch" and v["error"]["seq"] == victim["seq"]
          and v["error"]["offset"] == victim["offset"] and v["error"]["segment"] == victim["segment"],
          f"verify --json does not name record {victim['seq']}: {v}")

    text = tool("query", RUN.journal, "--order", "h1")
    r = tool("query", RUN.journal, "--order", "h1", "--json")
    check(r.returncode == 0, f"query --json exit {r.returncode}: {r.stderr}")
    q = json.loads(r.stdout)
    check([row["seq"] for row in q["rows"]] == shown_seqs(text.stdout), "query --json rows differ from the text answer")
    check(q["records"] == len(q["rows"]) and "h1" in " ".join(q["ids"]["client_order_id"]), f"query --json: {q['ids']}")
    by_seq = {x["seq"]: x for x in RUN.records}
    for row in q["rows"]:
        check(row["kind"] == by_seq[row["seq"]]["kind"] and row["time_ns"] == by_seq[row["seq"]]["ts"],
              f"query --json row {row['seq']} differs from the record")
    r = tool("query", RUN.journal, "--order", "no-such-order", "--json")
    check(r.returncode == 1 and json.loads(r.stdout)["records"] == 0, f"query --json of no order: {r.returncode} {r.stdout}")

    r = tool("recon", RUN.journal, "--broker", RUN.csv, "--json")
    check(r.returncode == 0, f"recon --json exit {r.returncode}: {r.stderr}")
    c = json.loads(r.stdout)
    check(c["matched"] == len(RUN.broker_rows) and c["breaks"] == [] and c["journal_fills"] == c["broker_fills"],
          f"recon --json: {c}")
    short = os.path.join(RUN.workdir.path, "broker-short.csv")
    write_csv(short, RUN.broker_rows[1:])
    r = tool("recon", RUN.journal, "--broker", short, "--json")
    c = json.loads(r.stdout)
    check(r.returncode == 1 and c["breaks"] == [{"kind": "missing_in_broker", "exec_id": RUN.broker_rows[0]["exec_id"],
                                                  "detail": c["breaks"][0]["detail"]}] and c["by_kind"] == {"missing_in_broker": 1},
          f"recon --json with a missing row: {c}")


def test_export_names_exec_type_and_status_and_says_who_and_why():
    r = tool("export", RUN.journal, "--format", "csv")
    check(r.returncode == 0, r.stderr)
    rows = list(csv.DictReader(io.StringIO(r.stdout, newline="")))
    reports = [row for row in rows if row["kind"] == "fix_in" and row["msg_type"] == "8"]
    names = {"0": "new", "1": "partial_fill", "2": "fill", "4": "canceled", "5": "replaced", "8": "rejected", "F": "trade"}
    status = {"0": "new", "1": "partially_filled", "2": "filled", "4": "canceled", "8": "rejected"}
    for row, rec in zip(reports, records(kind="fix_in", msg_type="8")):
        fields = fix_fields(rec["payload"])
        check(row["exec_type_code"] == fields["150"] and row["exec_type"] == names[fields["150"]],
              f"record {rec['seq']}: exec_type {row['exec_type']}/{row['exec_type_code']}, wire {fields['150']}")
        check(row["ord_status_code"] == fields["39"] and row["ord_status"] == status[fields["39"]],
              f"record {rec['seq']}: ord_status {row['ord_status']}/{row['ord_status_code']}, wire {fields['39']}")
    events = [row for row in rows if row["kind"] == "upstream_event" and row["msg_type"] == "execution"]
    check(events and all(row["exec_type_code"] and row["ord_status_code"] for row in events),
          "upstream execution rows without codes")
    check(all(not row["payload"].startswith(("=", "+", "-", "@")) for row in rows), "a formula cell went out unescaped")


def all_ids():
    """Every order id the run's records carry: upstream ids, ClOrdIDs, OrderIDs, ExecIDs."""
    ids = set()
    for x in RUN.records:
        if x["kind"] in ("fix_in", "fix_out"):
            f = fix_fields(x["payload"])
            ids.update(f[t] for t in ("11", "41", "37", "17") if t in f)
        elif x["kind"] in ("upstream_request", "upstream_event"):
            j = json.loads(x["payload"])
            ids.update(j[k] for k in ("client_order_id", "orig_client_order_id", "exec_id") if k in j)
    return sorted(ids)


def test_query_answers_from_the_sidecar_indexes_exactly_as_from_every_record():
    segments = glob.glob(os.path.join(RUN.journal, "*.fgj"))
    check(segments and all(os.path.exists(s[:-4] + ".fgi") for s in segments),
          f"fixgate left no sidecar index beside {segments}: {sorted(os.listdir(RUN.journal))}")
    questions = [["--order", i] for i in all_ids()]
    middle = RUN.records[len(RUN.records) // 2]["ts"]
    questions += [["--account", "ACC1"], ["--account", "ACC1", "--from", str(middle)], ["--symbol", "HOLD1"],
                  ["--symbol", "7203", "--to", str(middle)]]
    check(len(questions) > 20, f"only {len(questions)} questions")
    for q in questions:
        indexed = tool("query", RUN.journal, *q, "--json")
        scanned = tool("query", RUN.journal, *q, "--json", "--scan")
        check(indexed.returncode == scanned.returncode == 0, f"query {q}: {indexed.returncode} {indexed.stderr}")
        check(indexed.stdout == scanned.stdout, f"query {q} from the indexes differs from the full read:\n"
              f"{indexed.stdout[:600]}\n{scanned.stdout[:600]}")


def test_query_reads_everything_for_an_order_journaled_before_accepted_named_its_cl_ord_id():
    copy = os.path.join(RUN.workdir.path, "journal-legacy")
    shutil.copytree(RUN.journal, copy)
    ts = RUN.records[-1]["ts"] + 1000
    # An older fixgate's order: the accepted event does not say which ClOrdID went out.
    append_record(copy, 3, "trader", json.dumps({"op": "new", "id": "old1", "client_order_id": "old1",
                                                 "account": "ACC1", "symbol": "OLD", "side": "buy", "type": "limit",
                                                 "tif": "day", "qty": "5", "price": "1"}) + "\n", ts)
    append_record(copy, 4, "trader", json.dumps({"event": "accepted", "seq": 999, "id": "old1",
                                                 "client_order_id": "old1"}) + "\n", ts + 1)
    nos = append_record(copy, 2, "SIM", fix_message([("35", "D"), ("34", "999"), ("49", "FIXGATE"), ("56", "SIM"),
                                                      ("11", "legacy-cl-1"), ("1", "ACC1"), ("55", "OLD"), ("54", "1"),
                                                      ("38", "5"), ("44", "1")]), ts + 2)
    r = tool("query", copy, "--order", "old1")
    check(r.returncode == 0 and nos in shown_seqs(r.stdout) and "legacy-cl-1" in r.stdout,
          f"the older order's NewOrderSingle (record {nos}) is missing: {r.stdout}{r.stderr}")
    check(r.stdout == tool("query", copy, "--order", "old1", "--scan").stdout, "indexed and full answers differ")


def test_a_journal_archived_and_signed_by_the_daemon_reads_as_one_chain_and_recovers():
    wd = os.path.join(RUN.workdir.path, "archiving")
    os.makedirs(wd)
    key, public = os.path.join(wd, "private.pem"), os.path.join(wd, "public.pem")
    for cmd in (["openssl", "genpkey", "-algorithm", "ed25519", "-out", key],
                ["openssl", "pkey", "-in", key, "-pubout", "-out", public]):
        check(subprocess.run(cmd, capture_output=True).returncode == 0, f"{cmd} failed")
    archive, signatures = os.path.join(wd, "archive"), os.path.join(wd, "signatures")
    sim = Simulator(wd, ["--fill", "full"], name="simulator-archiving")
    config = write_config(wd, sim.port)
    with open(config) as f:
        text = f.read()
    # Small segments, archived as soon as they close, every head signed into a directory apart.
    text = text.replace("  sync: batch\n", "  sync: batch\n  segment_bytes: 4096\n"
                        f"  archive: {{dir: {archive}, after_seconds: 0}}\n"
                        f"  signing: {{key_file: {key}, dir: {signatures}}}\n")
    with open(config, "w") as f:
        f.write(text)
    journal = os.path.join(wd, "journal")
    try:
        gate = Fixgate(wd, config, name="fixgate-archiving")
        c = Client(gate.port)
        for i in range(6):
            c.new(f"a{i}", qty="10", price="5", symbol="7203")
            c.wait_status(f"a{i}", "filled")
        c.close()
        check(gate.terminate() == 0, "fixgate did not stop cleanly:\n" + gate.text()[-2000:])
        archived = sorted(glob.glob(os.path.join(archive, "*.fgj.zst")))
        check(len(archived) >= 2, f"nothing archived: {os.listdir(wd)} {os.listdir(journal)}")
        r = tool("verify", journal, "--key", public, "--signatures", signatures, "--json")
        check(r.returncode == 0, f"verify --key exit {r.returncode}: {r.stdout}{r.stderr}")
        v = json.loads(r.stdout)
        check(v["intact"] and v["first_seq"] == 1 and v["signatures"]["signed_seq"] == v["last_seq"]
              and v["signatures"]["unsigned_records"] == 0, f"verify --key after a clean stop: {v}")
        q = tool("query", journal, "--order", "a0")
        check(q.returncode == 0 and q.stdout == tool("query", journal, "--order", "a0", "--scan").stdout
              and "client_order_id=a0" in q.stdout, f"query of an archived order: {q.stdout}{q.stderr}")
        # Recovery reads the archived segments: the restarted engine knows the first order.
        gate = Fixgate(wd, config, name="fixgate-archiving-2")
        c = Client(gate.port)
        c.send({"op": "status", "id": "s0", "client_order_id": "a0"})
        snap = c.next_event(lambda e: e.get("id") == "s0")
        check(snap.get("status") == "filled", f"a0 after the restart: {snap}")
        c.close()
        check(gate.terminate() == 0, "second fixgate did not stop cleanly")
    finally:
        sim.terminate()
    r = tool("verify", journal, "--key", public, "--signatures", signatures)
    check(r.returncode == 0 and "signatures:" in r.stdout, f"verify --key after the restart: {r.stdout}{r.stderr}")
    # A missing archive is named; so is a journal cut at its end, by the signature it no longer reaches.
    cut = os.path.join(wd, "journal-cut")
    shutil.copytree(journal, cut)
    last = sorted(glob.glob(os.path.join(cut, "*.fgj")))[-1]
    os.remove(last)
    r = tool("verify", cut, "--key", public, "--signatures", signatures)
    check(r.returncode == 1 and "cut" in r.stdout, f"verify --key of a cut journal: {r.returncode} {r.stdout}")
    os.remove(archived[1])
    r = tool("verify", journal)
    check(r.returncode == 1 and archived[1] in r.stdout, f"verify without an archived segment: {r.returncode} {r.stdout}")


def test_index_writes_the_sidecars_a_journal_lacks():
    copy = os.path.join(RUN.workdir.path, "journal-no-index")
    shutil.copytree(RUN.journal, copy)
    sidecars = glob.glob(os.path.join(copy, "*.fgi"))
    check(sidecars, "no sidecar to remove")
    for f in sidecars:
        os.remove(f)
    r = tool("index", copy)
    check(r.returncode == 0 and f"{len(sidecars)} sidecar index(es) written" in r.stdout, f"index: {r.stdout}{r.stderr}")
    check(sorted(glob.glob(os.path.join(copy, "*.fgi"))) == sorted(sidecars), "index did not write them back")
    r = tool("index", copy)
    check(r.returncode == 0 and "0 sidecar" in r.stdout, f"index of an indexed journal: {r.stdout}")


def test_audit_tells_who_changed_what_when_why_and_with_what_result():
    wd = os.path.join(RUN.workdir.path, "audit")
    os.makedirs(wd)
    sim = Simulator(wd, ["--fill", "full"], name="simulator-audit")
    config = write_config(wd, sim.port)
    with open(config) as f:
        original = f.read()
    journal = os.path.join(wd, "journal")
    try:
        gate = Fixgate(wd, config, name="fixgate-audit")
        trader = Client(gate.port)
        ops = Client(gate.port, client="ops", token=harness.ADMIN_TOKEN)
        trader.send({"op": "kill", "id": "t1", "scope": "all", "reason": "not mine to pull"})
        check(trader.next_event(lambda e: e.get("id") == "t1")["code"] == "not_entitled", "trader's kill not refused")
        ops.send({"op": "set_limit", "id": "l1", "scope": "account", "target": "ACC1", "limit": "max_order_qty",
                  "value": "500", "reason": "desk 3 asked"})
        check(ops.next_event(lambda e: e.get("id") == "l1")["event"] == "limit", "set_limit not done")
        ops.send({"op": "set_limit", "id": "l2", "scope": "account", "target": "ACC1", "limit": "max_typo", "value": "1",
                  "reason": "typo"})
        check(ops.next_event(lambda e: e.get("id") == "l2")["event"] == "error", "bad set_limit not refused")
        ops.send({"op": "kill", "id": "k1", "scope": "account", "target": "ACC2", "reason": "runaway algo"})
        ops.next_event(lambda e: e.get("id") == "k1")
        ops.send({"op": "release", "id": "r1", "scope": "account", "target": "ACC2", "reason": "all clear"})
        ops.next_event(lambda e: e.get("id") == "r1")
        # A reload from a signal that changes a limit, then one the file refuses.
        with open(config, "w") as f:
            f.write(original + "risk:\n  defaults: {max_order_qty: 777}\n")
        gate.proc.send_signal(signal.SIGHUP)
        gate.wait_for_line(r"SIGHUP: reloading .* \(sent by pid \d+")
        with open(config, "w") as f:
            f.write(original + "risk: [not, a, map]\n")
        gate.proc.send_signal(signal.SIGHUP)
        gate.wait_for_line(r"SIGHUP: reload refused")
        # The refusal is journaled by the engine after the line above: wait until it is there.
        wait_for(lambda: len(json.loads(tool("audit", journal, "--json").stdout)["entries"]) == 7, 10,
                 "the refused reload in the journal")
        trader.close()
        ops.close()
        with open(config, "w") as f:
            f.write(original)
        check(gate.terminate() == 0, "fixgate did not stop cleanly:\n" + gate.text()[-2000:])
    finally:
        sim.terminate()
    r = tool("audit", journal, "--json")
    check(r.returncode == 0, f"audit exit {r.returncode}: {r.stderr}")
    entries = json.loads(r.stdout)["entries"]
    got = [(e["by"], e["action"], e["outcome"]) for e in entries]
    me = f"SIGHUP from pid {os.getpid()} (uid {os.getuid()})"
    check(got == [("trader", "kill", "refused"), ("ops", "set_limit", "done"), ("ops", "set_limit", "refused"),
                  ("ops", "kill", "done"), ("ops", "release", "done"), (me, "reload", "changed"), (me, "reload", "refused")],
          f"audit entries: {got}")
    check(entries[0]["result"].startswith("not_entitled") and entries[0]["reason"] == "not mine to pull", entries[0])
    check({"path": "risk.accounts.ACC1.max_order_qty", "old": None, "new": "500"} in entries[1]["changes"], entries[1])
    check(entries[2]["changes"] == [] and "max_typo" in entries[2]["result"], entries[2])
    check(entries[3]["what"] == {"scope": "account", "target": "ACC2"} and entries[3]["reason"] == "runaway algo", entries[3])
    check({"path": "risk.defaults.max_order_qty", "old": None, "new": "777"} in entries[5]["changes"], entries[5])
    check(entries[6]["result"] and entries[6]["changes"] == [], entries[6])
    text = tool("audit", journal)
    check(text.returncode == 0 and "7 admin action(s)" in text.stdout and "risk.defaults.max_order_qty: (none) -> 777" in text.stdout,
          f"audit: {text.stdout}")
    # The export says who, and why.
    rows = list(csv.DictReader(io.StringIO(tool("export", journal, "--format", "csv", "--kind", "upstream_request").stdout,
                                           newline="")))
    kills = [row for row in rows if row["msg_type"] == "kill"]
    check([(row["by"], row["reason"]) for row in kills] == [("trader", "not mine to pull"), ("ops", "runaway algo")],
          f"export by/reason of the kill requests: {kills}")


def test_orders_and_replay_need_no_trading_tokens():
    env = {k: v for k, v in fixgate_env().items() if k not in ("FIXGATE_TEST_TOKEN", "FIXGATE_TEST_ADMIN_TOKEN")}
    r = tool("orders", RUN.journal, "--config", RUN.config, "--format", "jsonl", env=env)
    if r.returncode == 2 and "not available" in r.stderr:
        print("SKIP orders: " + r.stderr.strip())
        return
    check(r.returncode == 0, f"orders without the token variables: exit {r.returncode}: {r.stderr}")
    rows = [json.loads(line) for line in r.stdout.splitlines()]
    plain = {c: RUN.final[c] for c in ("o1", "o2", "o3", "o4", "r1")}
    check({row["client_order_id"]: row["status"] for row in rows if row["client_order_id"] in plain} == plain,
          f"orders without tokens: {rows}")
    wd = os.path.join(RUN.workdir.path, "replay-offline")
    os.makedirs(wd)
    sim = Simulator(wd, ["--fill", "full"], name="simulator-offline")
    try:
        r = tool("replay", RUN.journal, "--session", "SIM", "--connect", f"127.0.0.1:{sim.port}", "--sender", "FIXGATE",
                 "--target", "SIM", "--speed", "max", "--wait", "2", timeout=60, env=env)
    finally:
        sim.terminate()
    check(r.returncode == 0, f"replay without the token variables: exit {r.returncode}: {r.stdout}{r.stderr}")


def main():
    run_tests_on_one_run(produce, [
        test_verify_intact_then_names_the_flipped_record,
        test_show_renders_names_and_filters,
        test_show_follow_sees_records_appended_while_it_runs_and_stops_on_sigint,
        test_query_finds_the_whole_chain_of_a_replaced_and_cancelled_order,
        test_query_by_account_and_symbol,
        test_export_csv_and_jsonl_parse_and_count,
        test_orders_match_the_clients_final_statuses,
        test_replay_delivers_the_same_new_orders_to_a_second_simulator,
        test_recon_real_pair_is_clean_and_planted_breaks_are_found_exactly,
        test_json_answers_of_verify_query_and_recon,
        test_export_names_exec_type_and_status_and_says_who_and_why,
        test_orders_and_replay_need_no_trading_tokens,
        test_query_answers_from_the_sidecar_indexes_exactly_as_from_every_record,
        test_query_reads_everything_for_an_order_journaled_before_accepted_named_its_cl_ord_id,
        test_a_journal_archived_and_signed_by_the_daemon_reads_as_one_chain_and_recovers,
        test_index_writes_the_sidecars_a_journal_lacks,
        test_audit_tells_who_changed_what_when_why_and_with_what_result,
    ])


if __name__ == "__main__":
    main()
