# SPDX-License-Identifier: Apache-2.0
"""One order end to end, and its variations: upstream JSON → fixgate → FIX → simulator → FIX →
fixgate → upstream events, checked against the simulator's own record of what it executed."""

import json
import os
import subprocess
import sys
from decimal import Decimal

from harness import (JOURNAL_TOOL_BIN, SOURCE_DIR, TOKEN, Client, Fixgate, Simulator, Workdir, check, run_tests, running,
                     write_config)


def test_order_is_accepted_and_filled_and_matches_the_simulator_record():
    with Workdir("e2e-fill") as wd:
        sim = Simulator(wd)
        gate = Fixgate(wd, write_config(wd, sim.port))
        try:
            c = Client(gate.port)
            check(c.welcome["event"] == "welcome", f"expected welcome, got {c.welcome}")
            c.new("o1", qty="300", price="2500.5")
            accepted = c.order_event("o1", ["accepted", "rejected"])
            check(accepted["event"] == "accepted", f"order not accepted: {accepted}")
            filled = c.wait_status("o1", "filled")
            check(filled["cum_qty"] == "300" and filled["leaves_qty"] == "0", f"bad fill quantities: {filled}")
            check(filled["last_px"] == "2500.5" and filled["avg_px"] == "2500.5", f"bad fill prices: {filled}")
            fills = sim.fills_when(lambda f: len(f) >= 1)
            check(len(fills) == 1, f"simulator recorded {len(fills)} fills: {fills}")
            check(fills[0]["exec_id"] == filled["exec_id"], f"exec ids differ: {fills[0]} vs {filled}")
            check(Decimal(fills[0]["qty"]) == Decimal(filled["last_qty"]), "fill qty differs from the simulator")
            check(Decimal(fills[0]["price"]) == Decimal(filled["last_px"]), "fill price differs from the simulator")
            seqs = [e["seq"] for e in [accepted, filled]]
            check(seqs == sorted(seqs) and seqs[0] >= 1, f"event seqs not increasing: {seqs}")
        finally:
            check(gate.terminate() == 0, "fixgate did not exit 0 on SIGTERM:\n" + gate.text()[-2000:])
            sim.terminate()


def test_partial_fills_sum_to_the_order_and_agree_with_the_simulator():
    with running("e2e-partial", ["--fill", "partial:3"]) as (wd, sim, gate):
        c = Client(gate.port)
        c.new("p1", qty="1000", price="10")
        final = c.wait_status("p1", "filled")
        trades = [e for e in c.events if e.get("event") == "execution" and e.get("exec_type") == "trade"]
        trades.append(final)
        check(final["cum_qty"] == "1000" and final["leaves_qty"] == "0", f"bad final fill: {final}")
        sim_fills = sim.fills_when(lambda f: len(f) >= 3)
        check(len(sim_fills) == 3, f"simulator sent {len(sim_fills)} fills, expected 3")
        ours = {e["exec_id"]: (Decimal(e["last_qty"]), Decimal(e["last_px"])) for e in trades}
        theirs = {f["exec_id"]: (Decimal(f["qty"]), Decimal(f["price"])) for f in sim_fills}
        check(ours == theirs, f"fixgate saw {ours}, simulator sent {theirs}")
        check(sum(q for q, _ in ours.values()) == Decimal(1000), "fills do not sum to the order quantity")
        cums = [Decimal(e["cum_qty"]) for e in trades]
        check(cums == sorted(cums), f"cum qty went backwards: {cums}")


def test_cancel_and_replace_of_a_resting_order():
    with running("e2e-cancel") as (wd, sim, gate):
        c = Client(gate.port)
        c.new("h1", symbol="HOLD1", qty="500", price="99")
        check(c.order_event("h1", ["accepted", "rejected"])["event"] == "accepted", "resting order not accepted")
        c.wait_status("h1", "new")
        c.send({"op": "replace", "client_order_id": "h1-r", "orig_client_order_id": "h1", "qty": "400",
                "price": "98.5"})
        check(c.order_event("h1-r", ["accepted", "rejected"])["event"] == "accepted", "replace not accepted")
        replaced = c.next_event(lambda e: e.get("event") == "execution" and e.get("exec_type") == "replaced")
        check(replaced["order_qty"] == "400" and replaced["leaves_qty"] == "400", f"bad replace: {replaced}")
        c.send({"op": "status", "id": "s1", "client_order_id": "h1-r"})
        snap = c.next_event(lambda e: e.get("event") == "order" and e.get("id") == "s1")
        check(len(snap["fix_chain"]) == 2, f"expected a 2-link ClOrdID chain: {snap}")
        c.send({"op": "cancel", "client_order_id": "h1-c", "orig_client_order_id": "h1-r"})
        check(c.order_event("h1-c", ["accepted", "rejected"])["event"] == "accepted", "cancel not accepted")
        canceled = c.next_event(lambda e: e.get("event") == "execution" and e.get("status") == "canceled")
        check(canceled["leaves_qty"] == "0", f"canceled order still has leaves: {canceled}")
        check(sim.fills() == [], "a resting HOLD order was filled")


def test_bad_requests_get_precise_answers_and_leave_accepted_orders_intact():
    with running("e2e-bad") as (wd, sim, gate):
        c = Client(gate.port)
        c.new("ok1", symbol="HOLD2")
        check(c.order_event("ok1", ["accepted", "rejected"])["event"] == "accepted", "first order not accepted")
        c.new("x1", account="ACC9")
        rejected = c.order_event("x1", ["accepted", "rejected"])
        check(rejected["event"] == "rejected" and rejected["reason"] == "not_entitled", f"expected not_entitled: {rejected}")
        c.send_raw(b'{"op":"new", "client_order_id": \n')
        error = c.next_event(lambda e: e.get("event") == "error")
        check(error["code"] == "invalid_json", f"expected invalid_json: {error}")
        c.send({"op": "new", "client_order_id": "x2", "account": "ACC1", "symbol": "7203", "side": "buy",
                "type": "limit", "tif": "day", "qty": "100", "price": "1", "colour": "red"})
        error = c.next_event(lambda e: e.get("event") == "error")
        check(error["code"] == "unknown_field" and error["field"] == "colour", f"expected unknown_field colour: {error}")
        # A retried request gets the original answer, not a second order.
        c.new("ok1", symbol="HOLD2")
        again = c.order_event("ok1", ["accepted", "rejected"])
        check(again["event"] == "accepted", f"retry answered differently: {again}")
        c.send({"op": "status", "id": "s", "client_order_id": "ok1"})
        snap = c.next_event(lambda e: e.get("event") == "order" and e.get("id") == "s")
        check(snap["status"] == "new" and snap["order_qty"] == "100", f"accepted order changed: {snap}")
        c.send({"op": "list", "id": "l"})
        listing = c.next_event(lambda e: e.get("event") == "orders" and e.get("id") == "l")
        check(len(listing["orders"]) == 1, f"expected exactly one live order: {listing}")


def test_the_python_example_client_trades_through_fixgate():
    with running("e2e-python") as (wd, sim, gate):
        env = dict(os.environ, FIXGATE_CLIENT="trader", FIXGATE_DEMO_TOKEN=TOKEN)
        done = subprocess.run([sys.executable, os.path.join(SOURCE_DIR, "docs", "examples", "python_client.py"),
                               f"127.0.0.1:{gate.port}"], env=env, capture_output=True, text=True, timeout=30)
        check(done.returncode == 0, f"example client failed ({done.returncode}): {done.stdout} {done.stderr}")
        check('"status": "filled"' in done.stdout or '"status":"filled"' in done.stdout,
              f"example client did not see its fill: {done.stdout}")


def test_json_logs_are_one_object_per_line():
    with Workdir("e2e-jsonlog") as wd:
        sim = Simulator(wd)
        gate = Fixgate(wd, write_config(wd, sim.port, log_format="json"))
        try:
            c = Client(gate.port)
            c.new("j1", qty="10")
            c.wait_status("j1", "filled")
        finally:
            check(gate.terminate() == 0, "fixgate did not stop cleanly")
            sim.terminate()
        lines = [line for line in gate.text().splitlines() if line.strip()]
        check(len(lines) > 5, f"too few log lines: {lines}")
        for line in lines:
            entry = json.loads(line)
            check({"time", "level", "msg"} <= entry.keys(), f"log line lacks fields: {line}")
        check(any("logged on" in json.loads(line)["msg"] for line in lines), "no logon in the JSON log")


def journal_tool(*args):
    return subprocess.run([JOURNAL_TOOL_BIN, *args], capture_output=True, text=True, timeout=60)


def test_sigterm_logs_out_cleanly_and_leaves_an_intact_journal():
    with Workdir("e2e-sigterm") as wd:
        sim = Simulator(wd)
        gate = Fixgate(wd, write_config(wd, sim.port))
        try:
            c = Client(gate.port)
            c.new("t1", qty="10")
            c.wait_status("t1", "filled")
        finally:
            check(gate.terminate() == 0, "fixgate did not exit 0 on SIGTERM:\n" + gate.text()[-2000:])
        try:
            journal = os.path.join(wd, "journal")
            records = journal_tool("dump", journal).stdout.splitlines()
            out_logout = [i for i, r in enumerate(records) if " fix_out SIM " in r and "|35=5|" in r]
            in_logout = [i for i, r in enumerate(records) if " fix_in SIM " in r and "|35=5|" in r]
            check(out_logout and in_logout and in_logout[-1] > out_logout[-1],
                  "no Logout from fixgate answered by the simulator in the journal")
            check(any(" seq_change SIM closed" in r for r in records), "the clean stop was not journaled")
            verified = journal_tool("verify", journal)
            check(verified.returncode == 0 and "is intact" in verified.stdout, f"journal not intact: {verified.stdout}")
            # One flipped byte in the middle of the journal is found and named.
            segment = sorted(f for f in os.listdir(journal) if f.endswith(".fgj"))[0]
            path = os.path.join(journal, segment)
            with open(path, "r+b") as f:
                size = os.path.getsize(path)
                f.seek(size // 2)
                byte = f.read(1)
                f.seek(size // 2)
                f.write(bytes([byte[0] ^ 0x20]))
            damaged = journal_tool("verify", journal)
            check(damaged.returncode == 1 and "seq" in damaged.stdout and segment in damaged.stdout,
                  f"a flipped byte was not named: {damaged.returncode} {damaged.stdout}")
        finally:
            sim.terminate()


if __name__ == "__main__":
    run_tests([
        test_order_is_accepted_and_filled_and_matches_the_simulator_record,
        test_partial_fills_sum_to_the_order_and_agree_with_the_simulator,
        test_cancel_and_replace_of_a_resting_order,
        test_bad_requests_get_precise_answers_and_leave_accepted_orders_intact,
        test_the_python_example_client_trades_through_fixgate,
        test_json_logs_are_one_object_per_line,
        test_sigterm_logs_out_cleanly_and_leaves_an_intact_journal,
    ])
