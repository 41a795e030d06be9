# SPDX-License-Identifier: Apache-2.0
"""A broker that asks for a resend of an old order gets a gap fill, never the order again.

The broker here is a few lines of raw FIX over a socket (no QuickFIX), so the test controls
exactly when the ResendRequest comes: after the order is older than journal.stale_resend_seconds.
"""

import datetime
import os
import socket
import time

from harness import Client, Fixgate, Workdir, check, run_tests, write_config

SOH = "\x01"


def fix_message(msg_type, seq, fields, sender="SIM", target="FIXGATE"):
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%d-%H:%M:%S.%f")[:-3]
    body = f"35={msg_type}{SOH}49={sender}{SOH}56={target}{SOH}34={seq}{SOH}52={now}{SOH}"
    body += "".join(f"{tag}={value}{SOH}" for tag, value in fields)
    head = f"8=FIX.4.4{SOH}9={len(body)}{SOH}"
    checksum = sum((head + body).encode()) % 256
    return (head + body + f"10={checksum:03d}{SOH}").encode()


class RawBroker:
    """Accepts one FIX connection on 127.0.0.1 and reads whole messages from it."""

    def __init__(self):
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(1)
        self.port = self.listener.getsockname()[1]
        self.conn = None
        self.buffer = b""
        self.seq = 1

    def accept(self, timeout=15):
        self.listener.settimeout(timeout)
        self.conn, _ = self.listener.accept()

    def read(self, timeout=10):
        """Next message as a dict of tag -> value (last wins), or None on timeout."""
        deadline = time.monotonic() + timeout
        while True:
            end = self.buffer.find(b"\x0110=")
            if end >= 0:
                stop = self.buffer.find(b"\x01", end + 4)
                if stop >= 0:
                    raw, self.buffer = self.buffer[:stop + 1], self.buffer[stop + 1:]
                    fields = [f.split("=", 1) for f in raw.decode().split(SOH) if f]
                    return {int(tag): value for tag, value in fields}
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            self.conn.settimeout(remaining)
            try:
                chunk = self.conn.recv(65536)
            except socket.timeout:
                return None
            check(chunk, "fixgate closed the FIX connection")
            self.buffer += chunk

    def read_until(self, msg_type, timeout=10):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            message = self.read(deadline - time.monotonic())
            if message and message.get(35) == msg_type:
                return message
        raise AssertionError(f"no 35={msg_type} from fixgate within {timeout}s")

    def send(self, msg_type, fields):
        self.conn.sendall(fix_message(msg_type, self.seq, fields))
        self.seq += 1


def test_an_old_order_is_gap_filled_not_resent():
    with Workdir("stale") as wd:
        broker = RawBroker()
        config = write_config(wd, broker.port)
        with open(config) as f:
            text = f.read()
        with open(config, "w") as f:
            f.write(text.replace("  sync: batch\n", "  sync: batch\n  stale_resend_seconds: 1\n"))
        gate = Fixgate(wd, config, wait_logon=False)
        try:
            broker.accept()
            logon = broker.read_until("A")
            broker.send("A", [(98, 0), (108, logon[108])])
            gate.wait_for_line(r"session SIM logged on")
            c = Client(gate.port)
            c.new("old1", symbol="HOLD1")
            check(c.order_event("old1", ["accepted", "rejected"])["event"] == "accepted", "order not accepted")
            order = broker.read_until("D")
            order_seq = int(order[34])
            time.sleep(2.0)  # the order is now older than stale_resend_seconds
            broker.send("2", [(7, order_seq), (16, 0)])
            reply = broker.read_until("4")
            check(reply.get(123) == "Y", f"expected a gap fill, got {reply}")
            check(int(reply[34]) <= order_seq < int(reply[36]), f"gap fill does not cover the order: {reply}")
            # Nothing else may carry the order again.
            for _ in range(5):
                extra = broker.read(0.3)
                check(extra is None or extra.get(35) != "D", f"the order was re-sent: {extra}")
            brk = c.next_event(lambda e: e.get("event") == "break" and e.get("kind") == "not_delivered", 10)
            check(brk["client_order_id"] == "old1", f"break names the wrong order: {brk}")
        finally:
            gate.terminate()


if __name__ == "__main__":
    run_tests([test_an_old_order_is_gap_filled_not_resent])
