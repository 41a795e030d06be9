# SPDX-License-Identifier: Apache-2.0
"""QuickFIX's own example acceptors as counterparties (built by tests/counterparties from Debian's
libquickfix-doc): executor (fills limit orders, answers any other order type with a session-level
Reject) and ordermatch (a FIX 4.2 matching engine that crosses orders and writes AvgPx computed in
doubles). Each runs unchanged, on a free port, with a QuickFIX config written here; its ScreenLog
goes to a file in the workdir, so a test reads every message it sent and received.

Their SocketAcceptor binds every interface (QuickFIX 1.15 has no bind-address setting); the tests
connect to it on 127.0.0.1 only.
"""

import os
import re
import socket
import subprocess
import time

from harness import SOURCE_DIR, Process, TestFailure, fix_fields, wait_for

EXECUTOR_BIN = os.environ.get("QUICKFIX_EXECUTOR_BIN", "")
ORDERMATCH_BIN = os.environ.get("QUICKFIX_ORDERMATCH_BIN", "")

_LOG_HEADER = re.compile(r"^<[^,]*, ([^,]*), (incoming|outgoing|event)>$")


def free_port():
    """A port nothing listens on now (the acceptor binds it a moment later)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _accepts(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


class QuickfixAcceptor(Process):
    """One of the example acceptors, serving `sessions` [(begin_string, our_comp_id, their_comp_id)]."""

    def __init__(self, workdir, binary, name, sessions):
        if not binary:
            raise TestFailure(f"{name}: no binary (QUICKFIX_EXECUTOR_BIN/QUICKFIX_ORDERMATCH_BIN unset; "
                              "is libquickfix-doc installed?)")
        for attempt in range(3):  # the free port may be taken between the probe and the bind
            self.port = free_port()
            config = self._write_config(workdir, name, sessions)
            # ordermatch reads console commands from stdin: keep it open (an EOF would spin it).
            super().__init__(name, [binary, config], os.path.join(workdir, f"{name}.log"), stdin=subprocess.PIPE)
            if self._wait_listening():
                return
            self.terminate()
        raise TestFailure(f"{name} did not listen on a free port in 3 attempts:\n{self.text()[-2000:]}")

    def _write_config(self, workdir, name, sessions):
        lines = ["[DEFAULT]", "ConnectionType=acceptor", f"SocketAcceptPort={self.port}",
                 f"FileStorePath={os.path.join(workdir, name + '-store')}", "StartTime=00:00:00", "EndTime=00:00:00",
                 "UseDataDictionary=Y", "ValidateUserDefinedFields=N", "ScreenLogShowIncoming=Y",
                 "ScreenLogShowOutgoing=Y", "ScreenLogShowEvents=Y"]
        for begin_string, ours, theirs in sessions:
            dictionary = "FIX44.xml" if begin_string == "FIX.4.4" else "FIX42.xml"
            lines += ["", "[SESSION]", f"BeginString={begin_string}", f"SenderCompID={ours}", f"TargetCompID={theirs}",
                      f"DataDictionary={os.path.join(SOURCE_DIR, 'spec', dictionary)}"]
        path = os.path.join(workdir, f"{name}.cfg")
        with open(path, "w") as f:
            f.write("\n".join(lines) + "\n")
        return path

    def _wait_listening(self, timeout=10):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False
            if _accepts(self.port):
                return True
            time.sleep(0.05)
        return False

    def log_entries(self):
        """(direction, text) of every logged message and event, in order."""
        entries = []
        lines = self.text().split("\n")
        for i, line in enumerate(lines[:-1]):
            match = _LOG_HEADER.match(line)
            payload = lines[i + 1]
            if match and payload.startswith("  (") and payload.endswith(")"):
                entries.append((match.group(2), payload[3:-1]))
        return entries

    def sent(self, msg_type=None):
        """Tag -> value of every message it sent (of `msg_type` if given), in order."""
        out = [fix_fields(text) for direction, text in self.log_entries() if direction == "outgoing"]
        return [m for m in out if msg_type is None or m.get("35") == msg_type]

    def sent_when(self, ready, msg_type=None, timeout=10):
        """sent(msg_type) as soon as ready(messages) holds; TestFailure after `timeout` seconds."""
        def ready_messages():
            messages = self.sent(msg_type)
            return messages if ready(messages) else None

        return wait_for(ready_messages, timeout, f"{self.name} to send the expected {msg_type or 'messages'}")


def executor(workdir, sessions=(("FIX.4.2", "SIM", "FIXGATE"),)):
    return QuickfixAcceptor(workdir, EXECUTOR_BIN, "executor", sessions)


def ordermatch(workdir, sessions=(("FIX.4.2", "SIM", "FIXGATE"),)):
    return QuickfixAcceptor(workdir, ORDERMATCH_BIN, "ordermatch", sessions)
