# SPDX-License-Identifier: Apache-2.0
"""A counterparty that refuses the logon: its reason is logged at warn and shown as the session's
last_error (admin `sessions`, /readyz, a metric), clients hear of the session once per change, not
once per retry, and a "MsgSeqNum too low" refusal stops the retries until an operator's set-seq and
logon (needs_operator)."""

import socket
import time

from harness import ADMIN_TOKEN, Client, Fixgate, Simulator, Workdir, check, run_tests, wait_for, write_config
from ops_test import OPS, admin_cli, http_get, logon_events, metrics, ops_port

REFUSED = 'fixgate_session_logons_refused_total{session="SIM"}'
NEEDS_OPERATOR = 'fixgate_session_needs_operator{session="SIM"}'


def refusals(sim):
    return [e for e in logon_events(sim) if e.get("event") == "logon_refused"]


def sessions_of(gate):
    admin = Client(gate.port, client="ops", token=ADMIN_TOKEN)
    admin.send({"op": "sessions", "id": "s1"})
    listed = admin.next_event(lambda e: e.get("id") == "s1", 10)
    admin.close()
    return {s["session"]: s for s in listed.get("sessions", [])}


def test_a_refused_logon_is_named_and_clients_hear_of_the_session_once():
    with Workdir("refused") as wd:
        sim = Simulator(wd, ["--refuse-logon", "Rejected Logon Attempt"])
        gate = Fixgate(wd, write_config(wd, sim.port, extra=OPS), wait_logon=False)
        try:
            port = ops_port(gate)
            client = Client(gate.port)
            wait_for(lambda: len(refusals(sim)) >= 3, 15, "three refused logons")
            client.drain(0.5)
            changes = [e for e in client.events if e.get("event") == "session"]
            check(changes == [], f"clients told of the session on every retry: {changes}")
            gate.wait_for_line(r"warning +fix \[SIM\] the counterparty refused the logon: Logout: Rejected Logon Attempt")
            sim_state = sessions_of(gate)["SIM"]
            check(sim_state.get("last_error") == "Logout: Rejected Logon Attempt", f"sessions: {sim_state}")
            check(not sim_state.get("needs_operator"), f"a refusal that retrying can fix needs no operator: {sim_state}")
            status, body = http_get(port, "/readyz")
            check(status == 503 and "Rejected Logon Attempt" in body, f"/readyz: {status} {body!r}")
            check(metrics(port).get(REFUSED, 0) >= 3, f"{REFUSED} not counted")
        finally:
            gate.terminate()
            sim.terminate()


def test_msgseqnum_too_low_at_logon_waits_for_an_operator():
    with Workdir("too-low") as wd:
        sim = Simulator(wd, ["--next-target-seq", "41"])
        gate = Fixgate(wd, write_config(wd, sim.port, extra=OPS), wait_logon=False)
        try:
            port = ops_port(gate)
            line = gate.wait_for_line(r"needs an operator.*", timeout=15).group(0)
            check("set-seq SIM" in line and "logon SIM" in line, f"the log line names no admin command: {line}")
            check("MsgSeqNum too low, expecting 41 but received 1" in line, f"the log line names no reason: {line}")
            tried = len(logon_events(sim))
            time.sleep(3)  # reconnect_seconds is 1: a retry loop would have tried twice by now
            check(len(logon_events(sim)) == tried, f"fixgate kept reconnecting: {logon_events(sim)}")
            check(metrics(port).get(NEEDS_OPERATOR) == 1, f"{NEEDS_OPERATOR} is not 1")
            sim_state = sessions_of(gate)["SIM"]
            check(sim_state.get("needs_operator") is True and "expecting 41" in sim_state.get("last_error", ""),
                  f"sessions: {sim_state}")
            status, body = http_get(port, "/readyz")
            check(status == 503 and "needs an operator" in body, f"/readyz: {status} {body!r}")

            done = admin_cli(gate, "set-seq", "SIM", "--next-sender", "41", "--confirm", "--reason", "agreed with SIM")
            check(done.returncode == 0, f"set-seq: {done.stdout} {done.stderr}")
            out = admin_cli(gate, "logon", "SIM", "--reason", "numbers agreed")
            check(out.returncode == 0, f"logon: {out.stdout} {out.stderr}")
            gate.wait_for_line(r"session SIM logged on", timeout=15)
            check(metrics(port).get(NEEDS_OPERATOR) == 0, f"{NEEDS_OPERATOR} still 1 after the logon")
            check(not sessions_of(gate)["SIM"].get("needs_operator"), "still needs an operator after the logon")
        finally:
            gate.terminate()
            sim.terminate()


def test_a_refused_connect_journals_no_logon_and_uses_no_sequence_number():
    with Workdir("no-listener") as wd:
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
        probe.close()  # nothing listens there until the simulator starts
        config = write_config(wd, port)
        with open(config) as f:
            text = f.read()
        with open(config, "w") as f:  # a host name, resolved at every connect
            f.write(text.replace(f"connect: 127.0.0.1:{port}", f"connect: localhost:{port}"))
        gate = Fixgate(wd, config, wait_logon=False)
        sim = None
        try:
            gate.wait_for_count(r"(?i)fix \[SIM\] connecting to", 3, timeout=15)  # two attempts failed
            before = sessions_of(gate)["SIM"]
            check(before["next_sender_seq"] == 1, f"failed connects used sequence numbers: {before}")
            sim = Simulator(wd, port=port)
            gate.wait_for_line(r"session SIM logged on", timeout=15)
            check("MsgSeqNum too high" not in sim.text(), "the first real Logon did not carry MsgSeqNum 1")
            check(sessions_of(gate)["SIM"]["next_sender_seq"] == 2, f"sessions: {sessions_of(gate)['SIM']}")
        finally:
            gate.terminate()
            if sim is not None:
                sim.terminate()


if __name__ == "__main__":
    run_tests([test_a_refused_logon_is_named_and_clients_hear_of_the_session_once,
               test_msgseqnum_too_low_at_logon_waits_for_an_operator,
               test_a_refused_connect_journals_no_logon_and_uses_no_sequence_number])
