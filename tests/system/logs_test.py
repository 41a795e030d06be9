# SPDX-License-Identifier: Apache-2.0
"""The daemon's logs as an operator's tools read them: UTC times with a Z whatever the host's zone,
JSON lines with the session, client and order ids as fields of their own, each fact logged once
("ops http listening", "ready" apart from "sessions up"), and the log file reopened on SIGUSR1
after logrotate moved it (docs/OPERATIONS.md, "Logs")."""

import calendar
import json
import os
import re
import signal
import time

from harness import (FIXGATE_BIN, Client, Fixgate, Process, Simulator, Workdir, check, fixgate_env, order_snapshot,
                     run_tests, wait_for, write_config)

OPS = "ops: {http: 127.0.0.1:0}"
TOKYO = dict(TZ="Asia/Tokyo")  # UTC+9 all year: a local time would be nine hours off


def with_env(extra):
    """os.environ with `extra` for the processes started inside the block (harness copies it)."""
    class Scope:
        def __enter__(self):
            self.saved = {k: os.environ.get(k) for k in extra}
            os.environ.update(extra)

        def __exit__(self, *exc):
            for k, v in self.saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
    return Scope()


def utc_seconds(stamp):
    """Seconds since the epoch of "YYYY-MM-DDTHH:MM:SS" read as UTC."""
    return calendar.timegm(time.strptime(stamp, "%Y-%m-%dT%H:%M:%S"))


def test_text_log_times_are_utc_with_a_z_under_another_zone():
    with Workdir("logs-text") as wd, with_env(TOKYO):
        sim = Simulator(wd)
        started = time.time()
        gate = Fixgate(wd, write_config(wd, sim.port))
        finished = time.time()
        try:
            lines = [line for line in gate.text().splitlines() if line.strip()]
        finally:
            check(gate.terminate() == 0, "fixgate did not stop cleanly")
            sim.terminate()
        check(len(lines) > 3, f"too few log lines: {lines}")
        for line in lines:
            m = re.match(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)\.\d{6}Z (trace|debug|info|warning|error|critical) ", line)
            check(m is not None, f"not a UTC time with a Z: {line!r}")
            stamped = utc_seconds(m.group(1))
            check(started - 1 <= stamped <= finished + 1, f"{line!r} is not the UTC time of the run")


def test_json_lines_carry_the_session_client_and_order_ids_as_fields():
    with Workdir("logs-json") as wd, with_env(TOKYO):
        # Every new order is answered with a session-level Reject: the engine logs it about the
        # session and the ClOrdID the broker refused.
        sim = Simulator(wd, ["--session-reject", "new:SREJ"])
        gate = Fixgate(wd, write_config(wd, sim.port, log_format="json"))
        try:
            c = Client(gate.port)
            c.new("not-entitled", account="ACC9")  # refused by fixgate itself: logged about the client and the order
            check(c.order_event("not-entitled", ["accepted", "rejected"])["event"] == "rejected", "ACC9 accepted")
            c.new("to-srej", symbol="SREJ1")
            check(c.order_event("to-srej", ["accepted", "rejected"])["event"] == "accepted", "SREJ1 not accepted")
            wait_for(lambda: any('"cl_ord_id"' in line for line in gate.text().splitlines()), 10,
                     "a log line about a ClOrdID")
            sent_as = order_snapshot(c, "to-srej").get("cl_ord_id")
        finally:
            check(gate.terminate() == 0, "fixgate did not stop cleanly")
            sim.terminate()
        entries = [json.loads(line) for line in gate.text().splitlines() if line.strip()]
        for entry in entries:
            check(entry["time"].endswith("Z"), f"not UTC: {entry}")
        logon = [e for e in entries if e["msg"] == "session SIM logged on"]
        check(logon and logon[0].get("session") == "SIM", f"logon line without its session field: {logon}")
        refused = [e for e in entries if e.get("client_order_id") == "not-entitled"]
        check(refused and refused[0].get("client") == "trader" and "rejected" in refused[0]["msg"],
              f"no rejection line with client and client_order_id fields: {refused or entries[-10:]}")
        about_broker = [e for e in entries if "cl_ord_id" in e]
        check(about_broker and about_broker[0].get("session") == "SIM",
              f"no line about a ClOrdID with its session: {about_broker}")
        check(sent_as and about_broker[0]["cl_ord_id"] == sent_as,
              f"the line is not about the refused order's ClOrdID {sent_as!r}: {about_broker[0]}")


def test_ops_http_listening_is_logged_once_and_ready_apart_from_sessions_up():
    with Workdir("logs-facts") as wd:
        # A broker that refuses every Logon: fixgate is ready (taking requests) with no session up.
        sim = Simulator(wd, ["--refuse-logon", "not today"])
        gate = Fixgate(wd, write_config(wd, sim.port, extra=OPS), wait_logon=False)
        try:
            gate.wait_for_line(r"ready: taking requests")
            wait_for(lambda: os.path.exists(sim.logons) and "logon_refused" in open(sim.logons).read(), 20,
                     "the simulator to refuse a logon")
            text = gate.text()
            check("sessions up" not in text, f"sessions up logged while the broker refuses every logon:\n{text}")
        finally:
            check(gate.terminate() == 0, "fixgate did not stop cleanly")
            sim.terminate()
        check(len(re.findall(r"ops http listening on", text)) == 1,
              f"ops http listening logged {text.count('ops http listening')} times:\n{text}")

    with Workdir("logs-facts-up") as wd:
        sim = Simulator(wd)
        gate = Fixgate(wd, write_config(wd, sim.port, extra=OPS))
        try:
            gate.wait_for_line(r"sessions up: all 1 enabled session\(s\) logged on", timeout=20)
            text = gate.text()
        finally:
            check(gate.terminate() == 0, "fixgate did not stop cleanly")
            sim.terminate()
        ready = text.index("ready: taking requests")
        check(ready < text.index("sessions up: all 1"), f"sessions up logged before ready:\n{text}")
        check(text.count("ops http listening on") == 1, f"ops http listening not logged exactly once:\n{text}")


def test_sigusr1_reopens_the_log_file_after_it_was_moved():
    with Workdir("logs-rotate") as wd:
        sim = Simulator(wd)
        log_file = os.path.join(wd, "fixgate.log")
        config = write_config(wd, sim.port)
        with open(config) as f:
            text = f.read().replace("logging: {level: info, format: text}",
                                    f"logging: {{level: info, format: text, file: {log_file}}}")
        with open(config, "w") as f:
            f.write(text)
        gate = Process("fixgate", [FIXGATE_BIN, "--config", config], os.path.join(wd, "fixgate.out"), env=fixgate_env())

        def log_text(path):
            if not os.path.exists(path):
                return ""
            with open(path) as f:
                return f.read()

        try:
            m = wait_for(lambda: re.search(r"upstream listening on 127\.0\.0\.1:(\d+)", log_text(log_file)), 15,
                         "fixgate to log its upstream port to the file")
            port = int(m.group(1))
            wait_for(lambda: "session SIM logged on" in log_text(log_file), 20, "the session to log on")
            rotated = log_file + ".1"
            os.rename(log_file, rotated)  # what logrotate does before it signals
            gate.proc.send_signal(signal.SIGUSR1)
            wait_for(lambda: "SIGUSR1: log file" in log_text(log_file), 10, "a new log file after SIGUSR1")
            Client(port)  # logs the login: must land in the new file
            wait_for(lambda: "upstream client 'trader' logged in" in log_text(log_file), 10,
                     "the login in the new file")
            check(gate.alive(), "fixgate stopped on SIGUSR1")
        finally:
            code = gate.terminate()
            sim.terminate()
        check(code == 0, f"fixgate did not stop cleanly after SIGUSR1: {code}")
        old, new = log_text(rotated), log_text(log_file)
        check("ready: taking requests" in old and "ready: taking requests" not in new,
              "the lines before the rotation are not (only) in the moved file")
        check("upstream client 'trader' logged in" not in old, "a line after the reopen went to the moved file")
        check("fixgate stopped cleanly" in new, f"the last line is not in the new file:\n{new}")
        check(oct(os.stat(log_file).st_mode & 0o777) == oct(0o640), "the new log file is not 0640")
        check(log_text(os.path.join(wd, "fixgate.out")) == "", "fixgate wrote to stderr while logging to a file")


if __name__ == "__main__":
    run_tests([
        test_text_log_times_are_utc_with_a_z_under_another_zone,
        test_json_lines_carry_the_session_client_and_order_ids_as_fields,
        test_ops_http_listening_is_logged_once_and_ready_apart_from_sessions_up,
        test_sigusr1_reopens_the_log_file_after_it_was_moved,
    ])
