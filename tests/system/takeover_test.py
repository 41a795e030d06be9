"""Takeover between two fixgate instances on one PostgreSQL journal (issue #8): instance A owns the
journal and the FIX session, instance B (same config) stands by; A is killed with SIGKILL under
load; B takes the journal lock and the session lock, recovers and logs on. Afterwards every order A
acknowledged is known to B, every simulator fill is applied exactly once, no ClOrdID went out
twice, FIX sequence numbers carried on, and the simulator's logons file shows the session's logon
intervals never overlapped. A restarted A stands by and does not log on.

Needs the PostgreSQL DSN: FIXGATE_TEST_PG_DSN or FIXGATE_TEST_PG_DSN_FILE (CTest fixture pg_cluster).
"""

import json
import os
import threading
import time

from harness import (FIXGATE_BIN, Client, Process, Simulator, TestFailure, Workdir, check, fixgate_env, pg_dsn,
                     run_tests, write_config)
from recovery_test import check_books_agree, settle, status_of

ORDERS = int(os.environ.get("FIXGATE_TAKEOVER_ORDERS", "1000"))


def start_instance(wd, config, name):
    return Process(name, [FIXGATE_BIN, "--config", config], os.path.join(wd, f"{name}.log"), env=fixgate_env())


def owner_port(gate, timeout=30):
    return int(gate.wait_for_line(r"upstream listening on 127\.0\.0\.1:(\d+)", timeout=timeout).group(1))


def session_events(sim):
    if not os.path.exists(sim.logons):
        return []
    with open(sim.logons) as f:
        return [json.loads(line) for line in f if line.strip()]


def logon_intervals(events):
    """Per session: [(logon time, logout time or None)], checking logon and logout alternate."""
    intervals = {}
    for e in events:
        spans = intervals.setdefault(e["session"], [])
        if e["event"] == "logon":
            check(not spans or spans[-1][1] is not None,
                  f"{e['session']} logged on at {e['time']} while already logged on since {spans[-1][0] if spans else '?'}")
            spans.append((e["time"], None))
        elif e["event"] == "logout":
            check(spans and spans[-1][1] is None, f"{e['session']}: logout at {e['time']} without a logon")
            spans[-1] = (spans[-1][0], e["time"])
    return intervals


def test_standby_takes_over_after_kill9_without_double_logon():
    check(pg_dsn() != "", "no PostgreSQL DSN (FIXGATE_TEST_PG_DSN or FIXGATE_TEST_PG_DSN_FILE)")
    with Workdir("takeover") as wd:
        sim = Simulator(wd, ["--fill-delay-ms", "5"])
        config = write_config(wd, sim.port, backend="postgres")
        a = start_instance(wd, config, "fixgate-a")
        b = None
        try:
            a_port = owner_port(a)
            a.wait_for_line(r"session \S+ logged on", timeout=20)
            b = start_instance(wd, config, "fixgate-b")
            b.wait_for_line(r"standby: waiting for journal", timeout=20)
            time.sleep(1.0)
            check(b.alive(), "standby B exited")
            check("logged on" not in b.text() and "upstream listening" not in b.text(),
                  "standby B logged on or listened while A owned the journal")

            # Load through A, then kill it while orders are still coming back.
            c = Client(a_port)
            sent, accepted = [], set()

            def send_orders():  # a steady flow, still going when A is killed
                try:
                    for k in range(ORDERS):
                        cloid = f"t{k}"
                        sent.append(cloid)
                        c.new(cloid, qty="100", price="10", symbol="7203")
                        time.sleep(0.002)
                except OSError:
                    pass  # A is gone

            sender = threading.Thread(target=send_orders)
            sender.start()
            deadline = time.monotonic() + 0.5
            while time.monotonic() < deadline:
                try:
                    e = c._read_line(deadline)
                except TestFailure:
                    break
                if e and e.get("event") == "accepted":
                    accepted.add(e["client_order_id"])
            a.kill9()
            killed_at = time.monotonic()
            sender.join(30)
            c.close()
            check(0 < len(accepted) < ORDERS, f"kill did not land under load: {len(accepted)} of {ORDERS} acknowledged")

            # B takes the journal and the session over, recovers and logs on.
            b_port = owner_port(b, timeout=30)
            b.wait_for_line(r"session \S+ logged on", timeout=30)
            took = time.monotonic() - killed_at
            check("session SIM: owned by this instance" in b.text(), "B logged on without saying it owns the session")
            c2 = Client(b_port)
            known = {}
            for cloid in sent:
                snap = status_of(c2, cloid)
                if snap["event"] == "order":
                    known[cloid] = snap
            missing = sorted(accepted - set(known))
            check(not missing, f"orders A acknowledged unknown to B: {missing[:10]}")
            snapshots = settle(c2, sorted(known), timeout=60)
            check_books_agree(sim, snapshots)
            check("MsgSeqNum too low" not in sim.text(), "the takeover reset FIX sequence numbers")
            # B trades on.
            c2.new("after-takeover", qty="100", price="10")
            c2.wait_status("after-takeover", "filled", timeout=15)

            # A restarted: it must stand by, never log on.
            logons_before = [e for e in session_events(sim) if e["event"] == "logon"]
            a2 = start_instance(wd, config, "fixgate-a2")
            try:
                a2.wait_for_line(r"standby: waiting for journal", timeout=20)
                time.sleep(2.0)
                check(a2.alive(), "restarted A exited instead of standing by")
                check("logged on" not in a2.text(), "restarted A logged on while B owns the session")
                check([e for e in session_events(sim) if e["event"] == "logon"] == logons_before,
                      "a logon happened while A stood by")
            finally:
                code = a2.terminate()
                check(code == 0, f"standby A did not stop cleanly on SIGTERM (exit {code})")
            check(b.terminate() == 0, "B did not stop cleanly")
            b = None

            events = session_events(sim)
            refused = [e for e in events if e["event"] == "logon_refused"]
            check(not refused, f"the simulator refused logons (a second instance tried to log on): {refused[:3]}")
            intervals = logon_intervals(events)
            for session, spans in intervals.items():
                for (on1, off1), (on2, _) in zip(spans, spans[1:]):
                    check(off1 is not None and off1 <= on2, f"{session}: logon at {on2} overlaps {on1}..{off1}")
            print(f"  {ORDERS} orders, {len(accepted)} acknowledged by A before kill -9, {len(known)} known to B, "
                  f"{len(sim.fills())} fills checked; B logged on {took:.1f}s after the kill", flush=True)
            for session, spans in intervals.items():
                for on, off in spans:
                    print(f"  {session}: logged on {on} .. {off or 'still'}", flush=True)
        finally:
            if b is not None:
                b.kill9()
            a.kill9()
            sim.terminate()


if __name__ == "__main__":
    run_tests([test_standby_takes_over_after_kill9_without_double_logon])
