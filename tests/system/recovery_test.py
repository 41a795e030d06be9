# SPDX-License-Identifier: Apache-2.0
"""Restarts and crashes: fixgate stopped cleanly and killed with SIGKILL under load, the simulator
killed and restarted; afterwards every acknowledged order is known, every execution the simulator
sent is applied exactly once, no order went out twice, and FIX sequence numbers carried on."""

import json
import os
import random
import re
import time
from collections import defaultdict
from decimal import Decimal

from harness import (ADMIN_TOKEN, Client, Fixgate, Simulator, TestFailure, Workdir, check, run_tests, running, wait_for,
                     write_config)

CRASH_ITERATIONS = int(os.environ.get("FIXGATE_CRASH_ITERATIONS", "20"))


def status_of(client, cloid, timeout=10):
    client.send({"op": "status", "id": "st-" + cloid, "client_order_id": cloid})
    return client.next_event(lambda e: e.get("id") == "st-" + cloid and e.get("event") in ("order", "error"), timeout)


def logons(sim):
    if not os.path.exists(sim.logons):
        return []
    with open(sim.logons) as f:
        return [json.loads(line) for line in f if line.strip()]


def test_clean_restart_keeps_orders_events_and_sequence_numbers():
    with Workdir("restart") as wd:
        sim = Simulator(wd)
        config = write_config(wd, sim.port)
        gate = Fixgate(wd, config)
        try:
            c = Client(gate.port)
            c.new("h1", symbol="HOLD1", qty="200")
            c.wait_status("h1", "new")
            c.new("f1", qty="100")
            c.wait_status("f1", "filled")
            c.drain()
            seen = c.events
            c.close()
            check(gate.terminate() == 0, "fixgate did not stop cleanly")

            gate = Fixgate(wd, config, name="fixgate-2")
            restored = re.search(r"store restored: next sender seq (\d+), next target seq (\d+)", gate.text())
            check(restored and int(restored.group(1)) > 2 and int(restored.group(2)) > 2,
                  f"sequence numbers did not carry on: {restored and restored.group(0)}")
            check("MsgSeqNum too low" not in sim.text(), "simulator saw a sequence number reset")
            refused = [entry for entry in logons(sim) if entry.get("event") != "logon" and "refused" in entry.get("event", "")]
            check(refused == [], f"simulator refused a logon: {refused}")

            again = Client(gate.port, resume_from=0)
            check(again.welcome["event"] == "welcome", f"no welcome: {again.welcome}")
            again.drain(0.5)
            replayed = [e for e in again.events if e.get("seq")]
            seqs = [e["seq"] for e in replayed]
            check(seqs == list(range(1, len(seqs) + 1)), f"replayed seqs not contiguous from 1: {seqs}")
            originals = {e["seq"]: e for e in seen if e.get("seq")}
            for e in replayed:
                if e["seq"] in originals:
                    check(e == originals[e["seq"]], f"event {e['seq']} replayed differently: {e} vs {originals[e['seq']]}")
            h1 = status_of(again, "h1")
            check(h1["event"] == "order" and h1["status"] == "new" and h1["leaves_qty"] == "200", f"h1 changed: {h1}")
            f1 = status_of(again, "f1")
            check(f1["event"] == "error" or f1["status"] == "filled", f"f1 not filled after restart: {f1}")
        finally:
            gate.terminate()
            sim.terminate()


def test_resume_delivers_events_missed_while_disconnected():
    with running("resume", ["--fill-delay-ms", "300"]) as (wd, sim, gate):
        c = Client(gate.port)
        c.new("r1", qty="100")
        accepted = c.order_event("r1", ["accepted"])
        last_seen = accepted["seq"]
        c.close()  # the New and the Fill arrive while nobody listens
        time.sleep(1.0)
        back = Client(gate.port, resume_from=last_seen)
        filled = back.wait_status("r1", "filled", timeout=10)
        check(filled["seq"] > last_seen, f"resumed event has an old seq: {filled}")
        back.drain()
        seqs = [e["seq"] for e in back.events if e.get("seq")] + [filled["seq"]]
        check(min(seqs) == last_seen + 1, f"resume did not start right after {last_seen}: {sorted(seqs)}")


def crash_round(wd, config, round_no, orders_per_round, accepted, rng):
    """Starts fixgate on the shared journal, sends orders, kills it with SIGKILL at a random moment."""
    gate = Fixgate(wd, config, name=f"fixgate-crash-{round_no}")
    try:
        c = Client(gate.port)
        for k in range(orders_per_round):
            c.new(f"c{round_no}-{k}", qty="100", price="10", symbol="7203")
        deadline = time.monotonic() + rng.choice([0.0, 0.01, 0.05, 0.2, 0.4]) + rng.uniform(0.0, 0.05)
        while time.monotonic() < deadline:
            try:
                e = c._read_line(deadline)
            except TestFailure:
                break
            if e and e.get("event") == "accepted":
                accepted.add(e["client_order_id"])
        c.close()
    finally:
        gate.kill9()


def settle(client, cloids, timeout=30):
    """Waits until every order has reached a terminal state; returns the snapshots."""
    snapshots = {}

    def all_done():
        for cloid in cloids:
            if cloid in snapshots and snapshots[cloid].get("status") in ("filled", "rejected", "canceled"):
                continue
            snapshots[cloid] = status_of(client, cloid)
            if snapshots[cloid].get("status") not in ("filled", "rejected", "canceled"):
                return False
        return True

    try:
        wait_for(all_done, timeout, "every crashed-round order to settle")
    except TestFailure as e:
        stuck = {k: v for k, v in snapshots.items() if v.get("status") not in ("filled", "rejected", "canceled")}
        raise TestFailure(f"{e}: {len(stuck)} orders stuck, e.g. {list(stuck.items())[:3]}")
    return snapshots


def filled_by_clordid(fills):
    by = defaultdict(list)
    for f in fills:
        by[f["cl_ord_id"]].append(f)
    return by


def check_books_agree(sim, snapshots):
    def has_every_fill_fixgate_counted(fills):
        by = filled_by_clordid(fills)
        return all(sum((Decimal(f["qty"]) for cl in snap.get("fix_chain", []) for f in by.get(cl, [])), Decimal(0))
                   >= Decimal(snap["cum_qty"]) for snap in snapshots.values())

    fills = sim.fills_when(has_every_fill_fixgate_counted)
    fills_by_clordid = filled_by_clordid(fills)
    exec_ids = [f["exec_id"] for f in fills]
    check(len(exec_ids) == len(set(exec_ids)), "simulator reused an ExecID")
    seen_clordids = set()
    for cloid, snap in snapshots.items():
        chain = snap.get("fix_chain", [])
        check(len(chain) == 1, f"{cloid}: expected one ClOrdID, got {chain}")
        seen_clordids.update(chain)
        sent_fills = [f for cl in chain for f in fills_by_clordid.get(cl, [])]
        total = sum((Decimal(f["qty"]) for f in sent_fills), Decimal(0))
        check(total <= Decimal(snap["order_qty"]), f"{cloid}: simulator filled {total} > order qty: sent twice?")
        check(Decimal(snap["cum_qty"]) == total,
              f"{cloid}: fixgate cum {snap['cum_qty']} but simulator filled {total} ({snap['status']})")
    unknown = set(fills_by_clordid) - seen_clordids
    check(not unknown, f"simulator filled orders fixgate does not know: {sorted(unknown)[:5]}")


def test_kill9_under_load_loses_nothing_and_applies_everything_once():
    with Workdir("crash") as wd:
        rng = random.Random(int(os.environ.get("FIXGATE_CRASH_SEED", "20261126")))
        sim = Simulator(wd, ["--fill-delay-ms", "5"])
        config = write_config(wd, sim.port, sync="batch")
        accepted = set()
        sent = []
        try:
            for round_no in range(CRASH_ITERATIONS):
                crash_round(wd, config, round_no, 20, accepted, rng)
                sent += [f"c{round_no}-{k}" for k in range(20)]
            gate = Fixgate(wd, config, name="fixgate-final")
            try:
                c = Client(gate.port, client="ops", token=ADMIN_TOKEN)
                c.close()
                c = Client(gate.port)
                known = {}
                for cloid in sent:
                    snap = status_of(c, cloid)
                    if snap["event"] == "order":
                        known[cloid] = snap
                missing = sorted(accepted - set(known))
                check(not missing, f"acknowledged orders unknown after the crashes: {missing[:10]}")
                snapshots = settle(c, sorted(known))
                check_books_agree(sim, snapshots)
                check("MsgSeqNum too low" not in sim.text(), "a restart reset FIX sequence numbers")
                print(f"  {CRASH_ITERATIONS} crashes: {len(accepted)} orders acknowledged, {len(known)} known, "
                      f"{len(sim.fills())} fills checked", flush=True)
            finally:
                check(gate.terminate() == 0, "final fixgate did not stop cleanly")
        finally:
            sim.terminate()


def test_simulator_killed_and_restarted_fills_still_applied_exactly_once():
    with Workdir("sim-crash") as wd:
        rng = random.Random(7)
        store = os.path.join(wd, "sim-store")
        sim = Simulator(wd, ["--fill-delay-ms", "5"], store_dir=store, name="sim-0")
        port = sim.port
        gate = Fixgate(wd, write_config(wd, port))
        sent = []
        try:
            c = Client(gate.port)
            for round_no in range(5):
                for k in range(10):
                    cloid = f"s{round_no}-{k}"
                    c.new(cloid, qty="100", price="10")
                    sent.append(cloid)
                time.sleep(rng.uniform(0.0, 0.1))
                sim.kill9()
                sim = Simulator(wd, ["--fill-delay-ms", "5"], port=port, store_dir=store, name=f"sim-{round_no + 1}")
                gate.wait_for_count(r"session SIM logged on", round_no + 2, timeout=20)
            snapshots = {}
            for cloid in sent:
                snap = status_of(c, cloid)
                if snap["event"] == "order":
                    snapshots[cloid] = snap
            snapshots = settle(c, sorted(snapshots))
            check_books_agree(sim, snapshots)
        finally:
            gate.terminate()
            sim.terminate()


def test_simulator_restart_records_fills_its_store_sent_but_its_files_missed():
    """The simulator sends (stores) a fill, then records it; a kill in between leaves a fill the
    counterparty has and the execution files lack. Cut the last record (whole, and mid-line as a
    kill mid-write would) and restart: the files must hold every stored fill again, exactly once."""
    with Workdir("sim-record") as wd:
        store = os.path.join(wd, "sim-store")
        csv_path = os.path.join(wd, "sim-executions.csv")
        args = ["--executions-csv", csv_path]
        sim = Simulator(wd, args, store_dir=store)
        gate = Fixgate(wd, write_config(wd, sim.port))
        try:
            c = Client(gate.port)
            for k in range(3):
                c.new(f"r{k}", qty="100", price="10")
                c.wait_status(f"r{k}", "filled")
            port = sim.port
            check(sim.terminate() == 0, "simulator did not stop cleanly")
            fills = sim.fills()
            check(len(fills) == 3, f"expected 3 recorded fills, got {len(fills)}")
            with open(csv_path) as f:
                csv_rows = f.read().splitlines()
            check(len(csv_rows) == 4, f"expected a header and 3 CSV rows, got {csv_rows}")

            for cut, name in ((lambda line: "", "sim-whole"), (lambda line: line[: len(line) // 2], "sim-torn")):
                with open(sim.executions) as f:
                    lines = f.read().splitlines()
                with open(sim.executions, "w") as f:
                    f.write("".join(line + "\n" for line in lines[:-1]) + cut(lines[-1]))
                with open(csv_path, "w") as f:
                    f.write("".join(row + "\n" for row in csv_rows[:-1]) + cut(csv_rows[-1]))
                sim = Simulator(wd, args, port=port, store_dir=store, name=name)
                check(sim.terminate() == 0, f"{name}: simulator did not stop cleanly")
                again = sim.fills()
                check(sorted(f["exec_id"] for f in again) == sorted(f["exec_id"] for f in fills),
                      f"{name}: execution ids after restart {[f['exec_id'] for f in again]}")
                # The re-recorded time is the report's TransactTime (milliseconds), not the moment of
                # recording; everything else must be what the first run wrote.
                without_time = lambda recs: sorted(json.dumps({k: v for k, v in r.items() if k != "time"}, sort_keys=True)
                                                   for r in recs)
                check(without_time(again) == without_time(fills), f"{name}: re-recorded fill differs: {again[-1]} vs {fills[-1]}")
                check(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", again[-1]["time"]),
                      f"{name}: re-recorded time {again[-1]['time']}")
                with open(csv_path) as f:
                    rows = [row for row in f.read().splitlines() if row]
                ids = sorted(row.split(",")[0] for row in rows[1:])
                check(ids == sorted(f["exec_id"] for f in fills), f"{name}: CSV exec ids {ids}")
                check(rows[0].startswith("exec_id,"), f"{name}: CSV header lost: {rows[0]}")
                check(re.search(r"recorded 1 fill\(s\) the store held but the execution files missed", sim.text()),
                      f"{name}: the simulator did not say it recorded the missing fill")
        finally:
            gate.terminate()
            sim.terminate()


if __name__ == "__main__":
    run_tests([
        test_clean_restart_keeps_orders_events_and_sequence_numbers,
        test_resume_delivers_events_missed_while_disconnected,
        test_kill9_under_load_loses_nothing_and_applies_everything_once,
        test_simulator_killed_and_restarted_fills_still_applied_exactly_once,
        test_simulator_restart_records_fills_its_store_sent_but_its_files_missed,
    ])
