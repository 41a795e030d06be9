# SPDX-License-Identifier: Apache-2.0
"""A FIX fault proxy on 127.0.0.1: sits between fixgate (the initiator) and the simulator and
forwards whole frames, except that one armed fault is done once to the frames the counterparty
sends (its ExecutionReports carrying a fill, 35=8 with 150=F or 1/2 on 4.2):

  garble     one byte of the fill's LastQty changed, CheckSum left as it was
  bodylength the fill's BodyLength grown to swallow the next frame (two frames merged into one)
  duplicate  the fill forwarded, then again with PossDupFlag 43=Y and OrigSendingTime 122
  swallow    the fill dropped, the next frame forwarded (a gap)
  reorder    the fill held back and forwarded after the next frame
  cut        the first half of the fill's bytes forwarded, then both connections closed

After a fault (but for `cut`) the proxy stops forwarding the counterparty's frames on that
connection, Logouts excepted, so the test decides when fixgate next hears from it (at a restart).
Every later connection is forwarded cleanly. Threads end when their sockets close; reads are
bounded by a timeout so stop() returns promptly.
"""

import re
import socket
import threading
import time

SOH = b"\x01"
FAULTS = ("garble", "bodylength", "duplicate", "swallow", "reorder", "cut")


def checksum(data):
    return b"%03d" % (sum(data) % 256)


def field(frame, tag):
    match = re.search(rb"\x01" + str(tag).encode() + rb"=([^\x01]*)\x01", frame)
    return match.group(1) if match else None


def is_fill(frame):
    return field(frame, 35) == b"8" and field(frame, 150) in (b"F", b"1", b"2") and field(frame, 32) not in (None, b"0")


def split_frames(buffer):
    """Whole frames at the start of `buffer` (by BodyLength) and the rest."""
    frames = []
    while True:
        match = re.match(rb"8=[^\x01]*\x019=(\d+)\x01", buffer)
        if not match:
            return frames, buffer
        end = match.end() + int(match.group(1)) + 7  # "10=nnn\x01"
        if len(buffer) < end:
            return frames, buffer
        frames.append(buffer[:end])
        buffer = buffer[end:]


def with_field_changed(frame, tag, value):
    return re.sub(rb"\x01" + str(tag).encode() + rb"=[^\x01]*\x01", b"\x01" + str(tag).encode() + b"=" + value + b"\x01",
                  frame, count=1)


def refit(frame):
    """The frame with BodyLength and CheckSum recomputed."""
    match = re.match(rb"(8=[^\x01]*\x01)9=\d+\x01(.*)10=\d{3}\x01$", frame, re.S)
    head, body = match.group(1), match.group(2)
    data = head + b"9=" + str(len(body)).encode() + SOH + body
    return data + b"10=" + checksum(data) + SOH


def possdup_copy(frame):
    sending_time = field(frame, 52)
    copy = frame.replace(b"\x0152=", b"\x0143=Y\x01122=" + sending_time + b"\x0152=", 1)
    return refit(copy)


class FaultProxy:
    def __init__(self, target_port):
        self.target_port = target_port
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(8)
        self.listener.settimeout(0.2)
        self.port = self.listener.getsockname()[1]
        self.lock = threading.Lock()
        self.armed = None       # fault to do to the next fill
        self.done = threading.Event()  # the armed fault was done
        self.faulted_frames = []  # the frames as the fault changed them, for the test's messages
        self.stopping = False
        self.connections = 0
        self.threads = [threading.Thread(target=self._accept, daemon=True)]
        self.threads[0].start()

    def arm(self, fault):
        assert fault in FAULTS, fault
        with self.lock:
            self.armed = fault
            self.done.clear()

    def stop(self):
        self.stopping = True
        for t in self.threads:
            t.join(5)
        self.listener.close()

    def _accept(self):
        while not self.stopping:
            try:
                downstream, _ = self.listener.accept()
            except socket.timeout:
                continue
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target_port), timeout=5)
            except OSError:
                downstream.close()  # as a refused connect looks to fixgate
                continue
            self.connections += 1
            state = {"closed": False, "blackhole": False}
            for source, sink, inbound in ((downstream, upstream, False), (upstream, downstream, True)):
                t = threading.Thread(target=self._pump, args=(source, sink, inbound, state), daemon=True)
                t.start()
                self.threads.append(t)

    def _close(self, state, *socks):
        state["closed"] = True
        for s in socks:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()

    def _pump(self, source, sink, inbound, state):
        buffer = b""
        held = None  # the frame a fault keeps until the next one comes
        try:
            source.settimeout(0.2)
        except OSError:
            return  # the other direction cut the connection already
        while not self.stopping and not state["closed"]:
            try:
                chunk = source.recv(65536)
            except socket.timeout:
                continue
            except OSError:
                break
            if not chunk:
                break
            if not inbound:
                try:
                    sink.sendall(chunk)
                except OSError:
                    break
                continue
            buffer += chunk
            frames, buffer = split_frames(buffer)
            out = []
            for frame in frames:
                if state["blackhole"]:
                    if field(frame, 35) == b"5":
                        out.append(frame)
                    continue
                if held is not None:
                    fault, first = held
                    held = None
                    if fault == "bodylength":
                        grown = re.sub(rb"\x019=(\d+)\x01", lambda m: b"\x019=" + str(int(m.group(1)) + len(frame)).encode()
                                       + SOH, first, count=1)
                        out.append(grown + frame)
                        self.faulted_frames.append(grown + frame)
                    elif fault == "reorder":
                        out += [frame, first]
                    else:  # swallow: the fill is gone, the next frame goes on
                        out.append(frame)
                    state["blackhole"] = True
                    self.done.set()
                    continue
                with self.lock:
                    fault = self.armed if is_fill(frame) else None
                    if fault:
                        self.armed = None
                if fault is None:
                    out.append(frame)
                elif fault == "garble":
                    qty = field(frame, 32)
                    changed = with_field_changed(frame, 32, qty[:-1] + (b"1" if qty[-1:] != b"1" else b"2"))
                    out.append(changed)
                    self.faulted_frames.append(changed)
                    state["blackhole"] = True
                    self.done.set()
                elif fault == "duplicate":
                    copy = possdup_copy(frame)
                    out += [frame, copy]
                    self.faulted_frames.append(copy)
                    state["blackhole"] = True
                    self.done.set()
                elif fault in ("swallow", "bodylength", "reorder"):
                    if fault == "swallow":
                        self.faulted_frames.append(frame)
                    held = (fault, frame)
                elif fault == "cut":
                    try:
                        sink.sendall(b"".join(out) + frame[:len(frame) // 2])
                    except OSError:
                        pass
                    self.faulted_frames.append(frame)
                    self._close(state, source, sink)
                    self.done.set()
                    return
            try:
                if out:
                    sink.sendall(b"".join(out))
            except OSError:
                break
        if not state["closed"]:
            self._close(state, source, sink)


def wait_done(proxy, timeout):
    """True once the armed fault was done, within `timeout` seconds."""
    return proxy.done.wait(timeout)


def settle_delay():
    """Time for fixgate to take what the proxy forwarded before the test restarts it."""
    time.sleep(0.5)
