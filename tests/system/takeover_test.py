# SPDX-License-Identifier: Apache-2.0
"""Takeover between two fixgate instances on one PostgreSQL journal (issue #8): instance A owns the
journal and the FIX session, instance B (same config) stands by; A is killed with SIGKILL under
load; B takes the journal lock and the session lock, recovers and logs on. Afterwards every order A
acknowledged is known to B, every simulator fill is applied exactly once, no ClOrdID went out
twice, FIX sequence numbers carried on, and the simulator's logons file shows the session's logon
intervals never overlapped. A restarted A stands by and does not log on.

Needs the PostgreSQL DSN: FIXGATE_TEST_PG_DSN or FIXGATE_TEST_PG_DSN_FILE (CTest fixture pg_cluster).
"""

import contextlib
import json
import os
import subprocess
import threading
import time

from harness import (FIXGATE_BIN, Client, Process, Simulator, TestFailure, Workdir, check, fixgate_env, pg_dsn,
                     psql_bin, run_tests, sql, wait_for, write_config)
from ops_test import OPS, http_get, metrics, ops_port
from recovery_test import check_books_agree, settle, status_of

ORDERS = int(os.environ.get("FIXGATE_TAKEOVER_ORDERS", "1000"))
KILL_AFTER_ACKS = 50


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
            # Kill once the flow is going (some orders acknowledged, most still to come); a loaded
            # machine may need longer than a fixed moment for the first acknowledgements.
            deadline = time.monotonic() + 20
            while len(accepted) < KILL_AFTER_ACKS and time.monotonic() < deadline:
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


@contextlib.contextmanager
def own_role(name):
    """A login role of this test's own (superuser: it may create the schema on a fresh cluster), so
    that refusing its logins touches no other test on the cluster; dropped at the end."""
    role = f"fixgate_{name}_{os.getpid()}"
    sql(f"DO $$ BEGIN CREATE ROLE {role} LOGIN SUPERUSER; EXCEPTION WHEN duplicate_object THEN NULL; END $$")
    sql(f"ALTER ROLE {role} LOGIN")
    try:
        yield role
    finally:
        sql(f"ALTER ROLE {role} LOGIN")
        sql(f"REASSIGN OWNED BY {role} TO CURRENT_USER")
        sql(f"DROP ROLE {role}")


def instance_of(config):
    with open(config) as f:
        return next(line.split(": ", 1)[1].strip() for line in f if line.startswith("instance: "))


def answers_to(client, cloid, wait=0.5):
    """Every event about `cloid` the client has read, plus one arriving within `wait` seconds (none
    when the connection is quiet or gone)."""
    found = [e for e in client.events if e.get("client_order_id") == cloid]
    try:
        found.append(client.next_event(lambda e: e.get("client_order_id") == cloid, timeout=wait))
    except TestFailure:
        pass
    return found


def cut_journal_writer(role, instance):
    """Refuses `role`'s logins and terminates the journal writer's connection: the writer finds it
    gone at its next write and cannot reconnect until the role may log in again."""
    sql(f"ALTER ROLE {role} NOLOGIN")
    cut = sql(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
              f"WHERE application_name = 'fixgate-journal:{instance}'")
    check(cut == [["t"]], f"the journal writer's connection was not found to cut: {cut}")


def test_database_outage_holds_acknowledgements_until_the_order_is_stored():
    """The owner's journal connection is cut and the database refuses it for a while: a new order
    is neither acknowledged nor sent meanwhile, /readyz and the metrics say why, and once the
    database is back the order is stored once, acknowledged and filled."""
    check(pg_dsn() != "", "no PostgreSQL DSN (FIXGATE_TEST_PG_DSN or FIXGATE_TEST_PG_DSN_FILE)")
    with own_role("outage") as role, Workdir("pg-outage") as wd:
        sim = Simulator(wd)
        config = write_config(wd, sim.port, backend="postgres", extra=OPS)
        instance = instance_of(config)
        env = fixgate_env()
        env["FIXGATE_PG_DSN"] = pg_dsn() + f" user={role}"
        gate = Process("fixgate", [FIXGATE_BIN, "--config", config], os.path.join(wd, "fixgate.log"), env=env)
        try:
            port = owner_port(gate)
            gate.wait_for_line(r"session \S+ logged on", timeout=20)
            http = ops_port(gate)
            wait_for(lambda: http_get(http, "/readyz")[0] == 200, 10, "/readyz 200 before the outage")
            check(metrics(http)["fixgate_journal_connected"] == 1, "journal not connected before the outage")
            c = Client(port)
            c.new("before", qty="100", price="10")
            c.wait_status("before", "filled", timeout=15)
            fills_before = len(sim.fills_when(lambda f: len(f) >= 1))
            check(fills_before == 1, f"the simulator recorded {fills_before} fills for one order")

            cut_journal_writer(role, instance)
            c.new("during", qty="100", price="10")
            body = wait_for(lambda: (lambda r: r[0] == 503 and r[1])(http_get(http, "/readyz")), 10,
                            "/readyz 503 while the database refuses the journal")
            check("journal: database unreachable" in body, f"/readyz does not say why: {body!r}")
            check(metrics(http)["fixgate_journal_connected"] == 0, "journal still reported connected")
            gate.wait_for_line(r"database connection lost", timeout=10)
            time.sleep(1.0)  # time the order would have needed to reach the simulator
            early = answers_to(c, "during")
            check(not early, f"an order was answered while it could not be stored: {early}")
            check(len(sim.fills()) == fills_before, "an order reached the simulator before it was stored")

            sql(f"ALTER ROLE {role} LOGIN")
            check(c.order_event("during", ["accepted", "rejected"], timeout=15)["event"] == "accepted",
                  "the held order was not accepted once the database was back")
            c.wait_status("during", "filled", timeout=15)
            wait_for(lambda: http_get(http, "/readyz")[0] == 200, 10, "/readyz 200 after the outage")
            check(metrics(http)["fixgate_journal_connected"] == 1, "journal not connected after the outage")
            stored = sql(f"SELECT count(*) FROM fixgate_journal WHERE journal = '{instance}' "
                         f"AND kind = 3 AND cl_ord_id = 'during'")  # 3: upstream_request
            check(stored == [["1"]], f"the held request is stored {stored} times, not once")
            c.close()
            check(gate.terminate() == 0, "fixgate did not stop cleanly after the outage")
            # libpq spreads some messages over lines; the log keeps each entry on one line.
            continued = [line for line in gate.text().splitlines() if line.startswith(("\t", " "))]
            check(not continued, f"log entries spread over several lines: {continued[:3]}")
        finally:
            if gate.alive():
                gate.kill9()
            sim.terminate()


def test_an_owner_whose_journal_was_taken_while_it_was_away_stops_with_exit_5():
    """A's journal connection is cut and refused; meanwhile B takes the free journal lock and waits
    for the session A still holds. When A's writer gets back it finds the journal taken: A never
    acknowledges the order it could not store, logs out and exits 5 (restart me as a standby), and
    only then does B get the session, recover and log on."""
    check(pg_dsn() != "", "no PostgreSQL DSN (FIXGATE_TEST_PG_DSN or FIXGATE_TEST_PG_DSN_FILE)")
    with own_role("away") as role, Workdir("pg-taken") as wd:
        sim = Simulator(wd)
        config = write_config(wd, sim.port, backend="postgres")
        instance = instance_of(config)
        env = fixgate_env()
        env["FIXGATE_PG_DSN"] = pg_dsn() + f" user={role}"
        a = Process("fixgate-a", [FIXGATE_BIN, "--config", config], os.path.join(wd, "fixgate-a.log"), env=env)
        b = None
        try:
            c = Client(owner_port(a))
            a.wait_for_line(r"session \S+ logged on", timeout=20)
            c.new("a1", qty="100", price="10")
            c.wait_status("a1", "filled", timeout=15)

            cut_journal_writer(role, instance)
            c.new("a2", qty="100", price="10")  # A cannot store it
            a.wait_for_line(r"database connection lost", timeout=10)
            b = start_instance(wd, config, "fixgate-b")
            b.wait_for_line(r"standby: waiting for session SIM", timeout=20)  # B owns the journal now

            sql(f"ALTER ROLE {role} LOGIN")
            code = a.proc.wait(timeout=30)
            check(code == 5, f"A exited {code} after its journal was taken over, not 5")
            check("losing ownership" in a.text(), "A did not say it lost ownership")
            answered = answers_to(c, "a2", wait=1)  # the connection is gone or quiet: either way no answer
            check(not any(e.get("event") == "accepted" for e in answered), f"A acknowledged an order it never stored: {answered}")

            c2 = Client(owner_port(b, timeout=30))
            b.wait_for_line(r"session \S+ logged on", timeout=30)
            check(status_of(c2, "a1")["status"] == "filled", "B does not know A's filled order")
            check(status_of(c2, "a2")["event"] != "order", "B knows an order A never stored")
            c2.new("b1", qty="100", price="10")
            c2.wait_status("b1", "filled", timeout=15)
            check(b.terminate() == 0, "B did not stop cleanly")
            b = None
            events = session_events(sim)
            check(not [e for e in events if e["event"] == "logon_refused"],
                  "the simulator refused a logon: both instances tried to be logged on")
        finally:
            if b is not None and b.alive():
                b.kill9()
            if a.alive():
                a.kill9()
            sim.terminate()


def test_a_journal_that_stops_committing_fails_readiness_until_it_commits_again():
    """The journal table is locked from outside, so the owner's writer waits on a connection that
    stays up: once records have waited 5 s with nothing made durable /readyz says so (the
    connection gauge cannot), the order waiting meanwhile is not acknowledged, and once the lock
    goes it is acknowledged and filled and /readyz is 200 again. In a database of its own, so the
    lock stalls no other test."""
    check(pg_dsn() != "", "no PostgreSQL DSN (FIXGATE_TEST_PG_DSN or FIXGATE_TEST_PG_DSN_FILE)")
    database = f"fixgate_stall_{os.getpid()}"
    sql(f"CREATE DATABASE {database}")
    dsn = pg_dsn() + f" dbname={database}"  # key=value: the last dbname wins
    try:
        with Workdir("pg-stall") as wd:
            sim = Simulator(wd)
            config = write_config(wd, sim.port, backend="postgres", extra=OPS)
            env = fixgate_env()
            env["FIXGATE_PG_DSN"] = dsn
            gate = Process("fixgate", [FIXGATE_BIN, "--config", config], os.path.join(wd, "fixgate.log"), env=env)
            locker = None
            try:
                port = owner_port(gate)
                gate.wait_for_line(r"session \S+ logged on", timeout=20)
                http = ops_port(gate)
                wait_for(lambda: http_get(http, "/readyz")[0] == 200, 10, "/readyz 200 before the lock")
                c = Client(port)
                locker = subprocess.Popen([psql_bin(), dsn, "-X", "-q", "-v", "ON_ERROR_STOP=1"], stdin=subprocess.PIPE,
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, text=True)
                locker.stdin.write("BEGIN;\nLOCK TABLE fixgate_journal IN ACCESS EXCLUSIVE MODE;\n")
                locker.stdin.flush()
                wait_for(lambda: sql(f"SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database "
                                     f"WHERE d.datname = '{database}' AND l.mode = 'AccessExclusiveLock' "
                                     f"AND l.granted") != [["0"]], 10, "the table lock")
                c.new("stuck", qty="100", price="10")
                body = wait_for(lambda: (lambda r: r[0] == 503 and r[1])(http_get(http, "/readyz")), 20,
                                "/readyz 503 while nothing is made durable")
                check("journal: nothing made durable for" in body, f"/readyz does not say why: {body!r}")
                check(metrics(http)["fixgate_journal_connected"] == 1, "the connection gauge should still be 1")
                early = answers_to(c, "stuck")
                check(not early, f"an order was answered while it could not be stored: {early}")

                locker.stdin.write("COMMIT;\n")
                locker.stdin.close()
                check(locker.wait(10) == 0, "the lock holder failed")
                check(c.order_event("stuck", ["accepted", "rejected"], timeout=15)["event"] == "accepted",
                      "the waiting order was not accepted once the journal committed again")
                c.wait_status("stuck", "filled", timeout=15)
                wait_for(lambda: http_get(http, "/readyz")[0] == 200, 10, "/readyz 200 after the lock")
                c.close()
                check(gate.terminate() == 0, "fixgate did not stop cleanly")
            finally:
                if locker is not None and locker.poll() is None:
                    locker.kill()
                    locker.wait(5)
                if gate.alive():
                    gate.kill9()
                sim.terminate()
    finally:
        sql(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")


if __name__ == "__main__":
    run_tests([test_standby_takes_over_after_kill9_without_double_logon,
               test_database_outage_holds_acknowledgements_until_the_order_is_stored,
               test_an_owner_whose_journal_was_taken_while_it_was_away_stops_with_exit_5,
               test_a_journal_that_stops_committing_fails_readiness_until_it_commits_again])
