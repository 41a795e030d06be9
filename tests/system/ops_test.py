# SPDX-License-Identifier: Apache-2.0
"""Operations through the real daemon: /metrics, /healthz and /readyz on ops.http while orders
flow and the broker goes away, and the admin session commands (sessions, logout, set-seq, logon)
and policy reloads (admin `reload`, SIGHUP) with fixgate-client against a real simulator."""

import json
import math
import os
import re
import signal
import subprocess
import time
import urllib.error
import urllib.request

from harness import (ADMIN_TOKEN, CLIENT_BIN, Client, Fixgate, Simulator, Workdir, check, run_tests, wait_for,
                     write_config)

RISK = 'risk:\n  defaults: {max_order_qty: "1000"}'
OPS = "ops: {http: 127.0.0.1:0}"


def http_get(port, path):
    """(status, body) of GET http://127.0.0.1:port/path, bounded."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def ops_port(gate):
    return int(gate.wait_for_line(r"ops http listening on 127\.0\.0\.1:(\d+)").group(1))


MESSAGES_IN = 'fixgate_session_messages_total{session="SIM",direction="in"}'
MESSAGES_OUT = 'fixgate_session_messages_total{session="SIM",direction="out"}'
HEARTBEATS_MISSED = 'fixgate_session_heartbeats_missed_total{session="SIM"}'

SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{[^}]*\})?) (\S+)$")


def metrics(port):
    status, body = http_get(port, "/metrics")
    check(status == 200, f"/metrics answered {status}")
    out = {}
    for line in body.splitlines():
        if line.startswith("#") or not line:
            continue
        m = SAMPLE.match(line)
        check(m is not None, f"unparsable metrics line: {line!r}")
        out[m.group(1)] = float(m.group(2))
    return out


def admin_cli(gate, *args):
    env = dict(os.environ)
    env["FIXGATE_TOKEN"] = ADMIN_TOKEN
    return subprocess.run([CLIENT_BIN, "--connect", f"127.0.0.1:{gate.port}", "--client", "ops", "--timeout", "10",
                           *args], env=env, capture_output=True, text=True, timeout=30)


def logon_events(sim):
    if not os.path.exists(sim.logons):
        return []
    with open(sim.logons) as f:
        return [json.loads(line) for line in f if line.strip()]


def test_metrics_and_readiness_follow_orders_and_the_broker():
    with Workdir("ops-metrics") as wd:
        sim = Simulator(wd)
        gate = Fixgate(wd, write_config(wd, sim.port, extra=OPS + "\n" + RISK))
        try:
            port = ops_port(gate)
            check(http_get(port, "/healthz") == (200, "ok\n"), "healthz after start")
            wait_for(lambda: http_get(port, "/readyz")[0] == 200, 10, "/readyz 200 after logon")
            check(http_get(port, "/nope")[0] == 404, "unknown path not 404")

            c = Client(gate.port)
            before = metrics(port)
            check(before['fixgate_session_up{session="SIM"}'] == 1, "session_up not 1 while logged on")
            check(before["fixgate_upstream_connections"] == 1, f"upstream connections {before['fixgate_upstream_connections']}")
            # The Logon exchange already went both ways.
            check(before[MESSAGES_IN] >= 1 and before[MESSAGES_OUT] >= 1, "session messages before any order")
            check(before[HEARTBEATS_MISSED] == 0, "heartbeats missed while the broker answers")
            check(before['fixgate_build_info{version="0.1.0",fixgate_instance="test"}'] == 1, "build_info")
            for i in range(3):
                c.new(f"m{i}", symbol=f"M{i}")
            for i in range(3):
                c.wait_status(f"m{i}", "filled")
            c.new("big", qty="5000", symbol="BIG")  # over max_order_qty 1000
            refused = c.order_event("big", ["accepted", "rejected"])
            check(refused["event"] == "rejected" and refused["reason"] == "risk_limit", f"big order: {refused}")
            # One accepted and one refused replace and cancel, on a resting order.
            c.new("h1", symbol="HOLD1")
            c.wait_status("h1", "new")
            c.send({"op": "replace", "client_order_id": "h1-r", "orig_client_order_id": "h1", "qty": "50"})
            c.send({"op": "replace", "client_order_id": "n1-r", "orig_client_order_id": "no-such-order", "qty": "50"})
            c.send({"op": "cancel", "client_order_id": "n1-c", "orig_client_order_id": "no-such-order"})
            for cloid, expected in (("h1-r", "accepted"), ("n1-r", "rejected"), ("n1-c", "rejected")):
                got = c.order_event(cloid, ["accepted", "rejected"])["event"]
                check(got == expected, f"{cloid}: {got}, expected {expected}")
            c.next_event(lambda e: e.get("event") == "execution" and e.get("exec_type") == "replaced")
            c.send({"op": "cancel", "client_order_id": "h1-c", "orig_client_order_id": "h1-r"})
            check(c.order_event("h1-c", ["accepted", "rejected"])["event"] == "accepted", "cancel not accepted")
            c.next_event(lambda e: e.get("event") == "execution" and e.get("status") == "canceled")
            after = metrics(port)

            def delta(name):
                return after[name] - before[name]

            for family, accepted, rejected in (("fixgate_orders_total", 4, 1), ("fixgate_replace_requests_total", 1, 1),
                                               ("fixgate_cancel_requests_total", 1, 1)):
                for outcome, expected in (("accepted", accepted), ("rejected", rejected)):
                    moved = delta(f'{family}{{outcome="{outcome}"}}')
                    check(moved == expected, f"{family} {outcome} moved by {moved}, expected {expected}")
            check(delta('fixgate_order_rejects_total{reason="risk_limit"}') == 1, "risk_limit rejects did not move by 1")
            check(delta('fixgate_order_rejects_total{reason="unknown_order"}') == 2, "unknown_order rejects did not move by 2")
            check(delta('fixgate_order_rejects_total{reason="not_entitled"}') == 0, "not_entitled moved")
            executions = delta('fixgate_executions_total{session="SIM"}')
            # 3 fills with their acks, then the resting order's ack, replace and cancel.
            check(executions >= 9, f"executions on SIM moved by {executions}")
            break_kinds = [name for name in after if name.startswith("fixgate_breaks_total{kind=")]
            check(len(break_kinds) == 17 and 'fixgate_breaks_total{kind="overfill"}' in break_kinds
                  and 'fixgate_breaks_total{kind="request_timeout"}' in break_kinds,
                  f"break kinds exported: {break_kinds}")
            check(all(after[name] == 0 for name in break_kinds), "a break was counted in a clean run")
            check(after['fixgate_session_queue_depth{session="SIM"}'] == 0, "session queue not drained")
            check(after['fixgate_session_queue_full_total{session="SIM"}'] == 0, "session queue was full")
            check(delta('fixgate_session_next_sender_seq{session="SIM"}') >= 3, "sender seq did not move by >= 3")
            check(delta('fixgate_session_next_target_seq{session="SIM"}') >= 3, "target seq did not move by >= 3")
            check(after["fixgate_journal_last_seq"] > before["fixgate_journal_last_seq"], "journal last seq")
            check(after["fixgate_journal_failed"] == 0, "journal failed")

            # Histograms and per-session message counts move with the orders.
            check(delta("fixgate_order_latency_seconds_count") == 4,
                  f"order latency count moved by {delta('fixgate_order_latency_seconds_count')}, not by the 4 accepted")
            check(delta("fixgate_order_latency_seconds_sum") > 0, "order latency sum did not move")
            check(delta(MESSAGES_OUT) >= 3, f"messages out moved by {delta(MESSAGES_OUT)}")
            check(delta(MESSAGES_IN) >= executions,
                  f"messages in moved by {delta(MESSAGES_IN)}, less than the executions applied")
            # The writer writes the records in batches, one fdatasync each under sync: batch (a
            # heartbeat may be written between two reads of one scrape: hence the slack of 2).
            records = delta("fixgate_journal_last_seq")
            appended = delta("fixgate_journal_append_seconds_count")
            check(1 <= appended <= records + 2, f"journal batch writes moved by {appended} for {records} records")
            check(delta("fixgate_journal_append_seconds_sum") > 0, "journal append sum did not move")
            synced = delta("fixgate_journal_sync_seconds_count")
            check(synced >= 1 and abs(synced - appended) <= 2, f"journal syncs moved by {synced} for {appended} batches")
            check(delta("fixgate_journal_sync_seconds_sum") > 0, "journal sync sum did not move")
            for name in ("fixgate_order_latency_seconds", "fixgate_journal_append_seconds", "fixgate_journal_sync_seconds"):
                check(after[f'{name}_bucket{{le="+Inf"}}'] == after[f"{name}_count"], f"{name}: +Inf bucket is not the count")
            check(after["fixgate_ready"] == 1, "fixgate_ready not 1")

            sim.kill9()
            body = wait_for(lambda: (lambda r: r[0] == 503 and r[1])(http_get(port, "/readyz")), 15,
                            "/readyz 503 after the broker died")
            check("session SIM" in body, f"/readyz does not name the session: {body!r}")
            check(http_get(port, "/healthz")[0] == 200, "healthz while the broker is down")
            down = metrics(port)
            check(down['fixgate_session_up{session="SIM"}'] == 0 and down["fixgate_ready"] == 0, "gauges after the kill")
        finally:
            code = gate.terminate()
            sim.terminate()
        check(code == 0, f"fixgate exited {code}")


def test_a_silent_broker_counts_as_a_missed_heartbeat():
    """The simulator stopped (SIGSTOP): after 1.2 x HeartBtInt (5 s) without a message QuickFIX
    sends a TestRequest, counted once; resumed before the 2.4 x timeout, the session stays up."""
    with Workdir("ops-heartbeat") as wd:
        sim = Simulator(wd)
        gate = Fixgate(wd, write_config(wd, sim.port, extra=OPS))
        try:
            port = ops_port(gate)
            check(metrics(port)[HEARTBEATS_MISSED] == 0, "heartbeats missed before any silence")
            os.kill(sim.proc.pid, signal.SIGSTOP)
            try:
                wait_for(lambda: metrics(port)[HEARTBEATS_MISSED] >= 1, 15, "a missed heartbeat to be counted")
            finally:
                os.kill(sim.proc.pid, signal.SIGCONT)
            check(metrics(port)[HEARTBEATS_MISSED] == 1, "more than one missed heartbeat for one silence")
            gate.wait_for_line(r"fix \[SIM\] Sent test request TEST", timeout=5)
            wait_for(lambda: http_get(port, "/readyz")[0] == 200, 10, "/readyz 200 after the broker answered again")
        finally:
            code = gate.terminate()
            sim.terminate()
        check(code == 0, f"fixgate exited {code}")


def test_admin_session_commands_and_reloads_end_to_end():
    with Workdir("ops-admin") as wd:
        sim = Simulator(wd)
        config = write_config(wd, sim.port, extra=OPS + "\n" + RISK)
        gate = Fixgate(wd, config)
        try:
            port = ops_port(gate)
            listed = admin_cli(gate, "sessions")
            check(listed.returncode == 0, f"sessions failed: {listed.stdout} {listed.stderr}")
            m = re.search(r"session  SIM  logged_on  next_sender_seq (\d+)  next_target_seq (\d+)", listed.stdout)
            check(m is not None, f"sessions output: {listed.stdout!r}")
            target = int(m.group(1)) + 20

            refused = admin_cli(gate, "set-seq", "SIM", "--next-sender", str(target), "--confirm", "--reason", "y")
            check(refused.returncode != 0 and "logged on" in refused.stdout + refused.stderr,
                  f"set-seq while logged on: {refused.returncode} {refused.stdout} {refused.stderr}")

            out = admin_cli(gate, "logout", "SIM", "--reason", "x")
            check(out.returncode == 0, f"logout: {out.stdout} {out.stderr}")
            wait_for(lambda: any(e["event"] == "logout" for e in logon_events(sim)), 10, "the simulator to record a logout")
            body = wait_for(lambda: (lambda r: r[0] == 503 and r[1])(http_get(port, "/readyz")), 10, "/readyz 503")
            check("session SIM" in body, f"/readyz: {body!r}")
            listed = admin_cli(gate, "sessions")
            check(re.search(r"session  SIM  logged_off  disabled", listed.stdout), f"sessions: {listed.stdout!r}")
            time.sleep(2)  # a disabled session stays off: no reconnect (reconnect_seconds is 1)
            check(http_get(port, "/readyz")[0] == 503, "/readyz went back to 200 while logged out")
            check(sum(e["event"] == "logon" for e in logon_events(sim)) == 1, "the session logged on again by itself")

            done = admin_cli(gate, "set-seq", "SIM", "--next-sender", str(target), "--confirm", "--reason", "y")
            check(done.returncode == 0 and f"next_sender_seq {target}" in done.stdout, f"set-seq: {done.stdout} {done.stderr}")
            listed = admin_cli(gate, "sessions")
            check(f"next_sender_seq {target}" in listed.stdout, f"sessions after set-seq: {listed.stdout!r}")

            out = admin_cli(gate, "logon", "SIM", "--reason", "back")
            check(out.returncode == 0, f"logon: {out.stdout} {out.stderr}")
            gate.wait_for_count(r"session SIM logged on", 2, timeout=15)
            wait_for(lambda: http_get(port, "/readyz")[0] == 200, 10, "/readyz 200 after logon")
            # The first message out after the change, the Logon, carries MsgSeqNum `target`.
            journal = os.path.join(wd, "journal")

            def journal_bytes():
                out = b""
                for name in sorted(os.listdir(journal)):
                    with open(os.path.join(journal, name), "rb") as f:
                        out += f.read()
                return out

            # A Logon inside the reserved seq block is written without waiting for it: allow the writer time.
            wait_for(lambda: f"\x0135=A\x0134={target}\x01".encode() in journal_bytes(), 10,
                     f"a Logon with 34={target} in the journal")

            # reload: a stricter limit from the edited file refuses an order that passed before.
            c = Client(gate.port)
            c.new("r0", qty="500", symbol="R0")
            c.wait_status("r0", "filled")
            with open(config) as f:
                original = f.read()
            with open(config, "w") as f:
                f.write(original.replace('max_order_qty: "1000"', 'max_order_qty: "400"'))
            out = admin_cli(gate, "reload", "--reason", "z")
            check(out.returncode == 0 and "policy  reloaded" in out.stdout, f"reload: {out.stdout} {out.stderr}")
            c.new("r1", qty="500", symbol="R1")
            r1 = c.order_event("r1", ["accepted", "rejected"])
            check(r1["event"] == "rejected" and r1["reason"] == "risk_limit", f"after reload: {r1}")

            # SIGHUP does the same from the file.
            with open(config, "w") as f:
                f.write(original.replace('max_order_qty: "1000"', 'max_order_qty: "100"'))
            gate.proc.send_signal(signal.SIGHUP)
            gate.wait_for_line(r"SIGHUP: reloading risk limits and routes", timeout=10)
            c.new("r2", qty="200", symbol="R2")
            r2 = c.order_event("r2", ["accepted", "rejected"])
            check(r2["event"] == "rejected" and r2["reason"] == "risk_limit", f"after SIGHUP: {r2}")
            c.new("r3", qty="100", symbol="R3")
            c.wait_status("r3", "filled")

            # list: the admin sees every client's live orders, and only live ones.
            c.new("held", qty="100", symbol="HOLD1")
            c.wait_status("held", "new")
            listed = admin_cli(gate, "list")
            check(listed.returncode == 0, f"list: {listed.stdout} {listed.stderr}")
            check("held" in listed.stdout and "r3" not in listed.stdout, f"admin list: {listed.stdout!r}")
        finally:
            code = gate.terminate()
            sim.terminate()
        check(code == 0, f"fixgate exited {code}")


def test_a_scheduled_session_logs_on_at_its_start_and_out_at_its_end():
    with Workdir("ops-schedule") as wd:
        sim = Simulator(wd)
        # A UTC period starting at a whole second 8 to 9 s from now and lasting 8 s, on every day
        # (whole seconds: the schedule's times have no fraction, so these are its exact edges).
        base = math.floor(time.time()) + 1
        start_at, end_at = base + 8, base + 16
        start = time.strftime("%H:%M:%S", time.gmtime(start_at))
        end = time.strftime("%H:%M:%S", time.gmtime(end_at))
        config = write_config(wd, sim.port, extra=OPS)
        with open(config) as f:
            text = f.read()
        schedule = f'    schedule: {{time_zone: UTC, start: "{start}", end: "{end}", reset: never}}\n'
        text = text.replace("    reconnect_seconds: 1\n", "    reconnect_seconds: 1\n" + schedule, 1)
        with open(config, "w") as f:
            f.write(text)
        gate = Fixgate(wd, config, wait_logon=False)
        try:
            port = ops_port(gate)
            # Before its start: never connects, and the instance is ready without it.
            status, body = http_get(port, "/readyz")
            check(status == 200, f"/readyz before the schedule: {status} {body!r}")
            check(metrics(port)['fixgate_session_in_schedule{session="SIM"}'] == 0, "in_schedule before the start")
            gate.wait_for_line(r"schedule: session SIM is outside its schedule, logging it out", timeout=5)
            time.sleep(max(0.0, start_at - 1 - time.time()))
            check(logon_events(sim) == [], f"the simulator saw {logon_events(sim)} before the schedule's start")

            gate.wait_for_line(r"schedule: session SIM is inside its schedule, logging it on", timeout=8)
            gate.wait_for_line(r"session SIM logged on", timeout=8)
            check(time.time() >= start_at, "logged on before the schedule's start")
            wait_for(lambda: http_get(port, "/readyz")[0] == 200, 5, "/readyz 200 inside the schedule")
            check(metrics(port)['fixgate_session_in_schedule{session="SIM"}'] == 1, "in_schedule inside")

            gate.wait_for_count(r"schedule: session SIM is outside its schedule, logging it out", 2, timeout=14)
            check(time.time() >= end_at, "logged out before the schedule's end")
            wait_for(lambda: any(e["event"] == "logout" for e in logon_events(sim)), 10, "the simulator to see a logout")
            wait_for(lambda: metrics(port)['fixgate_session_up{session="SIM"}'] == 0, 5, "session_up 0 after the end")
            status, body = http_get(port, "/readyz")
            check(status == 200 and "SIM" in body, f"/readyz after the end: {status} {body!r}")
        finally:
            code = gate.terminate()
            sim.terminate()
        check(code == 0, f"fixgate exited {code}")


if __name__ == "__main__":
    run_tests([test_metrics_and_readiness_follow_orders_and_the_broker, test_a_silent_broker_counts_as_a_missed_heartbeat,
               test_admin_session_commands_and_reloads_end_to_end,
               test_a_scheduled_session_logs_on_at_its_start_and_out_at_its_end])
