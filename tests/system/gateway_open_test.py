# SPDX-License-Identifier: Apache-2.0
"""The gateway as it runs beyond loopback, with real processes: TLS with client certificates in
front of a real order to the simulator, ExecInst and ExpireTime on the wire, and the modes of the
files fixgate creates when started under umask 0. Certificates are made with the openssl CLI."""

import glob
import json
import os
import socket
import ssl
import stat
import subprocess
import time

from harness import (CLIENT_BIN, TOKEN, Fixgate, Simulator, TestFailure, Workdir, check, fixgate_env, run_tests,
                     write_config)


def openssl(*args):
    r = subprocess.run(["openssl", *args], capture_output=True, text=True, timeout=60)
    check(r.returncode == 0, f"openssl {' '.join(args)}: {r.stderr}")


def make_pki(wd):
    """A server certificate for 127.0.0.1 (its own CA) and a client certificate from a client CA."""
    p = {name: os.path.join(wd, name) for name in
         ["server.pem", "server.key", "ca.pem", "ca.key", "client.csr", "client.pem", "client.key", "ext.cnf"]}
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "1",
            "-subj", "/CN=fixgate-test", "-addext", "subjectAltName=IP:127.0.0.1",
            "-keyout", p["server.key"], "-out", p["server.pem"])
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "1",
            "-subj", "/CN=fixgate-test-clients", "-keyout", p["ca.key"], "-out", p["ca.pem"])
    openssl("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-subj", "/CN=trader", "-keyout", p["client.key"], "-out", p["client.csr"])
    openssl("x509", "-req", "-in", p["client.csr"], "-CA", p["ca.pem"], "-CAkey", p["ca.key"], "-CAcreateserial",
            "-days", "1", "-out", p["client.pem"])
    for key in ["server.key", "client.key", "ca.key"]:
        os.chmod(p[key], 0o600)
    return p


class TlsClient:
    """JSON lines over TLS, verifying the server, optionally with a client certificate."""

    def __init__(self, port, pki, with_certificate=True, timeout=10):
        ctx = ssl.create_default_context(cafile=pki["server.pem"])
        if with_certificate:
            ctx.load_cert_chain(pki["client.pem"], pki["client.key"])
        raw = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.sock = ctx.wrap_socket(raw, server_hostname="127.0.0.1")
        self.file = self.sock.makefile("rb")

    def send(self, obj):
        self.sock.sendall(json.dumps(obj).encode() + b"\n")

    def event(self):
        line = self.file.readline()
        if not line:
            raise TestFailure("connection closed")
        return json.loads(line)

    def until(self, predicate, limit=50):
        for _ in range(limit):
            e = self.event()
            if predicate(e):
                return e
        raise TestFailure("no matching event")


def start(wd, pki=None, extra_upstream="", umask=None, log_file=None):
    sim = Simulator(wd)
    path = write_config(wd, sim.port)
    with open(path) as f:
        text = f.read()
    if pki:
        extra_upstream += (f"\n  tls: {{certificate: {pki['server.pem']}, private_key: {pki['server.key']}, "
                           f"client_ca: {pki['ca.pem']}}}")
    text = text.replace('  tcp: ["127.0.0.1:0"]', '  tcp: ["127.0.0.1:0"]' + extra_upstream)
    if log_file:
        text = text.replace("logging: {level: info, format: text}",
                            f"logging: {{level: info, format: text, file: {log_file}}}")
    with open(path, "w") as f:
        f.write(text)
    old = os.umask(umask) if umask is not None else None
    try:
        if log_file:
            # Logging goes to the file: wait for the port there.
            proc = subprocess.Popen([os.environ["FIXGATE_BIN"], "--config", path], env=fixgate_env(),
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
            return sim, proc, path
        gate = Fixgate(wd, path)
    finally:
        if old is not None:
            os.umask(old)
    return sim, gate, path


def test_an_order_over_tls_with_a_client_certificate_is_filled():
    with Workdir("open-tls") as wd:
        pki = make_pki(wd)
        sim, gate, _ = start(wd, pki)
        try:
            c = TlsClient(gate.port, pki)
            c.send({"op": "hello", "client": "trader", "token": TOKEN})
            check(c.event()["event"] == "welcome", "no welcome over TLS")
            c.send({"op": "new", "id": "t1", "client_order_id": "t1", "account": "ACC1", "symbol": "7203",
                    "side": "buy", "qty": "100", "price": "2500"})
            filled = c.until(lambda e: e.get("event") == "execution" and e.get("status") == "filled")
            check(filled["cum_qty"] == "100", f"bad fill: {filled}")
            # Without a client certificate the handshake or the first read fails: no welcome.
            refused = False
            try:
                bare = TlsClient(gate.port, pki, with_certificate=False)
                bare.send({"op": "hello", "client": "trader", "token": TOKEN})
                bare.event()
            except (ssl.SSLError, OSError, TestFailure):
                refused = True
            check(refused, "a client without a certificate got an answer")
            # The CLI, with its certificate.
            env = dict(os.environ, FIXGATE_TOKEN=TOKEN)
            r = subprocess.run([CLIENT_BIN, "--connect", f"127.0.0.1:{gate.port}", "--client", "trader",
                                "--tls-ca", pki["server.pem"], "--tls-cert", pki["client.pem"], "--tls-key",
                                pki["client.key"], "--timeout", "10", "new", "--account", "ACC1", "--symbol", "7203",
                                "--side", "sell", "--qty", "10", "--price", "2500", "--wait", "filled"],
                               capture_output=True, text=True, timeout=30, env=env)
            check(r.returncode == 0, f"fixgate-client over TLS: {r.returncode} {r.stdout} {r.stderr}")
        finally:
            gate.terminate()
            sim.terminate()


def test_exec_inst_and_a_gtd_expiry_reach_the_broker():
    with Workdir("open-fields") as wd:
        sim, gate, _ = start(wd)
        try:
            from harness import Client
            c = Client(gate.port)
            c.new("g1", qty="100", price="2500", tif="gtd", expire_time="2030-01-02T03:04:05Z", exec_inst="6 G")
            accepted = c.order_event("g1", ["accepted", "rejected"])
            check(accepted["event"] == "accepted", f"not accepted: {accepted}")
            c.wait_status("g1", "filled")
            segments = sorted(glob.glob(os.path.join(wd, "journal", "*.fgj")))
            raw = b"".join(open(s, "rb").read() for s in segments)
            check(b"\x0135=D\x01" in raw, "no NewOrderSingle in the journal")
            check(b"\x0118=6 G\x01" in raw, "ExecInst 18 is not on the NewOrderSingle")
            check(b"\x0159=6\x01" in raw and b"\x01126=20300102-03:04:05" in raw, "TimeInForce GTD / ExpireTime missing")
        finally:
            gate.terminate()
            sim.terminate()


def test_a_failed_login_locks_the_name_out_and_metrics_count_it():
    with Workdir("open-backoff") as wd:
        sim = Simulator(wd)
        gate = Fixgate(wd, write_config(wd, sim.port, extra="ops: {http: 127.0.0.1:0}"))
        try:
            ops_port = int(gate.wait_for_line(r"ops http listening on 127\.0\.0\.1:(\d+)").group(1))
            from harness import Client
            wrong = Client(gate.port, token="not-the-token")
            check(wrong.welcome.get("code") == "auth_failed", f"wrong token: {wrong.welcome}")
            locked = Client(gate.port)  # the right token, at once: still locked out
            check(locked.welcome.get("code") == "auth_backoff", f"right token during the lockout: {locked.welcome}")
            deadline = time.monotonic() + 10
            while True:  # the lockout is 250 ms by default
                c = Client(gate.port)
                if c.welcome.get("event") == "welcome":
                    break
                check(time.monotonic() < deadline, f"still locked out: {c.welcome}")
                time.sleep(0.1)
            import urllib.request
            with urllib.request.urlopen(f"http://127.0.0.1:{ops_port}/metrics", timeout=5) as r:
                body = r.read().decode()
            values = {line.split()[0]: float(line.split()[1]) for line in body.splitlines()
                      if line and not line.startswith("#")}
            check(values.get("fixgate_upstream_auth_failures_total") == 1, "auth failures not counted")
            check(values.get("fixgate_upstream_auth_backoffs_total", 0) >= 1, "lockouts not counted")
        finally:
            gate.terminate()
            sim.terminate()


def test_files_are_private_under_umask_0():
    with Workdir("open-modes") as wd:
        log = os.path.join(wd, "fixgate.log")
        sock = os.path.join(wd, "fixgate.sock")
        sim, proc, _ = start(wd, extra_upstream=f'\n  unix: ["{sock}"]', umask=0, log_file=log)
        try:
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline and not os.path.exists(sock):
                check(proc.poll() is None, "fixgate exited")
                time.sleep(0.05)
            check(os.path.exists(sock), "no Unix socket")
            mode = lambda p: stat.S_IMODE(os.stat(p).st_mode)
            journal = os.path.join(wd, "journal")
            check(mode(journal) == 0o700, f"journal directory {oct(mode(journal))}")
            for f in os.listdir(journal):
                check(mode(os.path.join(journal, f)) == 0o640, f"{f} {oct(mode(os.path.join(journal, f)))}")
            check(mode(log) == 0o640, f"log {oct(mode(log))}")
            check(mode(sock) == 0o660, f"socket {oct(mode(sock))}")
        finally:
            proc.terminate()
            proc.wait(20)
            sim.terminate()


if __name__ == "__main__":
    run_tests([test_an_order_over_tls_with_a_client_certificate_is_filled, test_exec_inst_and_a_gtd_expiry_reach_the_broker,
               test_a_failed_login_locks_the_name_out_and_metrics_count_it, test_files_are_private_under_umask_0])
