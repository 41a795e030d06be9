# SPDX-License-Identifier: Apache-2.0
"""Real processes on 127.0.0.1 for system tests: the exchange simulator, fixgate, and an upstream
client speaking the JSON-lines protocol. Every wait is bounded; every process is killed at exit.

Binaries come from the environment CTest sets: FIXGATE_BIN, SIMULATOR_BIN, CLIENT_BIN, and the
source tree from FIXGATE_SOURCE_DIR.
"""

import contextlib
import glob
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

SOURCE_DIR = os.environ.get("FIXGATE_SOURCE_DIR", os.path.abspath(os.path.join(os.path.dirname(__file__), "../..")))
FIXGATE_BIN = os.environ.get("FIXGATE_BIN", "")
SIMULATOR_BIN = os.environ.get("SIMULATOR_BIN", "")
CLIENT_BIN = os.environ.get("CLIENT_BIN", "")
JOURNAL_TOOL_BIN = os.environ.get("JOURNAL_TOOL_BIN", "")

# The journal backend of the configs write_config makes: "file" (default) or "postgres", whose DSN
# comes from FIXGATE_TEST_PG_DSN or the first line of FIXGATE_TEST_PG_DSN_FILE (the pg_cluster
# fixture's file, tests/unit/journal_pg/CMakeLists.txt).
JOURNAL_BACKEND = os.environ.get("FIXGATE_TEST_JOURNAL_BACKEND", "file")


def pg_dsn():
    dsn = os.environ.get("FIXGATE_TEST_PG_DSN", "")
    if not dsn and os.environ.get("FIXGATE_TEST_PG_DSN_FILE"):
        with open(os.environ["FIXGATE_TEST_PG_DSN_FILE"]) as f:
            dsn = f.readline().strip()
    return dsn


def psql_bin():
    found = shutil.which("psql")
    if found:
        return found
    for directory in [os.environ.get("FIXGATE_PG_BINDIR", "")] + sorted(glob.glob("/usr/lib/postgresql/*/bin")):
        if directory and os.path.exists(os.path.join(directory, "psql")):
            return os.path.join(directory, "psql")
    raise TestFailure("psql not found (PATH, FIXGATE_PG_BINDIR, /usr/lib/postgresql/*/bin)")


def sql(query):
    """Rows (lists of text) of one statement run with psql on the test cluster."""
    r = subprocess.run([psql_bin(), pg_dsn(), "-X", "-A", "-t", "-F", "\t", "-v", "ON_ERROR_STOP=1", "-c", query],
                       capture_output=True, text=True, timeout=30)
    check(r.returncode == 0, f"psql failed: {r.stderr}")
    return [line.split("\t") for line in r.stdout.splitlines() if line]


TOKEN = "system-test-token"
ADMIN_TOKEN = "system-test-admin-token"


class TestFailure(AssertionError):
    pass


def check(condition, message):
    if not condition:
        raise TestFailure(message)


def wait_for(predicate, timeout, what):
    """Polls predicate until it returns a truthy value or timeout seconds pass."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.02)
    raise TestFailure(f"timed out after {timeout}s waiting for {what}")


class Process:
    """A child process whose output goes to a log file we can search."""

    def __init__(self, name, args, log_path, env=None, stdin=None):
        self.name = name
        self.log_path = log_path
        self.log = open(log_path, "wb")
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT, env=env, stdin=stdin,
                                     start_new_session=True)

    def text(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def wait_for_line(self, pattern, timeout=15):
        regex = re.compile(pattern)

        def found():
            if self.proc.poll() is not None:
                raise TestFailure(f"{self.name} exited with {self.proc.returncode}:\n{self.text()[-3000:]}")
            return regex.search(self.text())

        return wait_for(found, timeout, f"{self.name} to print /{pattern}/")

    def wait_for_count(self, pattern, count, timeout=15):
        """Waits until `pattern` has matched at least `count` times in the output."""
        regex = re.compile(pattern)
        return wait_for(lambda: len(regex.findall(self.text())) >= count, timeout,
                        f"{self.name} to print /{pattern}/ {count} times")

    def alive(self):
        return self.proc.poll() is None

    def terminate(self, timeout=20):
        """SIGTERM, then wait; returns the exit code (SIGKILL if it does not stop in time)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.log.close()
        return self.proc.returncode

    def kill9(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)
        self.log.close()


class Simulator(Process):
    def __init__(self, workdir, extra_args=(), port=0, store_dir=None, name="simulator"):
        self.executions = os.path.join(workdir, "sim-executions.jsonl")
        self.logons = os.path.join(workdir, "sim-logons.jsonl")
        store = store_dir or os.path.join(workdir, "sim-store")
        args = [SIMULATOR_BIN, "--listen", f"127.0.0.1:{port}", "--dictionary-dir", os.path.join(SOURCE_DIR, "spec"),
                "--store-dir", store, "--executions", self.executions, "--logons", self.logons, *extra_args]
        super().__init__(name, args, os.path.join(workdir, f"{name}.log"))
        match = self.wait_for_line(r"listening 127\.0\.0\.1:(\d+)")
        self.port = int(match.group(1))

    def fills(self):
        if not os.path.exists(self.executions):
            return []
        with open(self.executions) as f:
            return [json.loads(line) for line in f if line.strip()]

    def fills_when(self, ready, timeout=10):
        """The fills as soon as ready(fills) holds, else the last read after timeout seconds (the
        caller's checks then say what is wrong). The simulator writes a fill to its file just after
        sending it, so a client may see the fill before the file has it."""
        deadline = time.monotonic() + timeout
        while True:
            fills = self.fills()
            if ready(fills) or time.monotonic() >= deadline:
                return fills
            time.sleep(0.02)


def write_config(workdir, sim_port, sync="batch", sessions=None, extra="", log_format="text", backend=None):
    """A fixgate config for tests: upstream on a free port, journal in workdir (file backend) or in
    PostgreSQL under a journal name of its own (the instance name, unique per config)."""
    sessions = sessions or [("SIM", sim_port, "4.4")]
    backend = backend or JOURNAL_BACKEND
    instance = "test" if backend == "file" else f"test-{os.getpid()}-{os.path.basename(workdir)}"
    lines = [
        f"instance: {instance}",
        f"logging: {{level: info, format: {log_format}}}",
        "journal:",
        f"  backend: {backend}",
        f"  path: {os.path.join(workdir, 'journal')}",
        f"  sync: {sync}",
        "upstream:",
        '  tcp: ["127.0.0.1:0"]',
        "  clients:",
        "    - {name: trader, token_env: FIXGATE_TEST_TOKEN, accounts: [ACC1, ACC2], sessions: ['*'], role: trader}",
        "    - {name: ops, token_env: FIXGATE_TEST_ADMIN_TOKEN, accounts: ['*'], sessions: ['*'], role: admin}",
        "sessions:",
    ]
    for name, port, version in sessions:
        lines += [
            f"  - name: {name}",
            f'    fix_version: "{version}"',
            "    sender_comp_id: FIXGATE",
            "    target_comp_id: SIM",
            f"    connect: 127.0.0.1:{port}",
            "    heartbeat_seconds: 5",
            "    reconnect_seconds: 1",
            f"    data_dictionary: {os.path.join(SOURCE_DIR, 'spec', 'FIX44.xml' if version == '4.4' else 'FIX42.xml')}",
        ]
    lines += ["routes:", f"  - {{sessions: [{', '.join(s[0] for s in sessions)}]}}"]
    lines.append(extra)
    path = os.path.join(workdir, "fixgate.yaml")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return path


def fixgate_env():
    env = dict(os.environ)
    env["FIXGATE_TEST_TOKEN"] = TOKEN
    env["FIXGATE_TEST_ADMIN_TOKEN"] = ADMIN_TOKEN
    if pg_dsn():
        env["FIXGATE_PG_DSN"] = pg_dsn()
    return env


class Fixgate(Process):
    def __init__(self, workdir, config_path, name="fixgate", wait_logon=True):
        super().__init__(name, [FIXGATE_BIN, "--config", config_path], os.path.join(workdir, f"{name}.log"),
                         env=fixgate_env())
        match = self.wait_for_line(r"upstream listening on 127\.0\.0\.1:(\d+)")
        self.port = int(match.group(1))
        if wait_logon:
            self.wait_for_line(r"session \S+ logged on", timeout=20)


class Client:
    """A JSON-lines upstream client with a bounded event wait."""

    def __init__(self, port, client="trader", token=TOKEN, resume_from=None, timeout=10):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.buffer = b""
        self.events = []
        hello = {"op": "hello", "client": client, "token": token}
        if resume_from is not None:
            hello["resume_from"] = resume_from
        self.send(hello)
        self.welcome = self.next_event(lambda e: e.get("event") in ("welcome", "error"), timeout)

    def send(self, obj):
        self.send_raw(json.dumps(obj).encode() + b"\n")

    def send_raw(self, data):
        self.sock.sendall(data)

    def _read_line(self, deadline):
        while b"\n" not in self.buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            self.sock.settimeout(remaining)
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                return None
            if not chunk:
                raise TestFailure("connection closed by fixgate; events so far: " + json.dumps(self.events[-5:]))
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\n", 1)
        return json.loads(line)

    def next_event(self, predicate, timeout=10):
        """Returns the first event (already seen or new) matching predicate, consuming it."""
        for i, e in enumerate(self.events):
            if predicate(e):
                return self.events.pop(i)
        deadline = time.monotonic() + timeout
        while True:
            e = self._read_line(deadline)
            if e is None:
                raise TestFailure(f"no matching event within {timeout}s; recent: {json.dumps(self.events[-8:])}")
            if predicate(e):
                return e
            self.events.append(e)

    def drain(self, quiet=0.3):
        """Reads whatever arrives until the line is quiet for `quiet` seconds."""
        while True:
            e = self._read_line(time.monotonic() + quiet)
            if e is None:
                return
            self.events.append(e)

    def order_event(self, cloid, kinds, timeout=10):
        return self.next_event(lambda e: e.get("client_order_id") == cloid and e.get("event") in kinds, timeout)

    def wait_status(self, cloid, status, timeout=10):
        return self.next_event(
            lambda e: e.get("client_order_id") == cloid and e.get("event") == "execution" and e.get("status") == status,
            timeout)

    def new(self, cloid, qty="100", price="100.5", symbol="7203", side="buy", account="ACC1", **extra):
        request = {"op": "new", "id": cloid, "client_order_id": cloid, "account": account, "symbol": symbol,
                   "side": side, "type": "limit", "tif": "day", "qty": qty, "price": price}
        request.update(extra)
        self.send(request)

    def close(self):
        self.sock.close()


def order_snapshot(client, cloid, timeout=10):
    """fixgate's `order` snapshot of `cloid` (the `status` request), failing the test without one."""
    client.send({"op": "status", "id": "st-" + cloid, "client_order_id": cloid})
    snap = client.next_event(lambda e: e.get("id") == "st-" + cloid and e.get("event") in ("order", "error"), timeout)
    check(snap["event"] == "order", f"no status for {cloid}: {snap}")
    return snap


def event_about(client, cloid, predicate, what, timeout=10):
    """The next event `predicate` accepts; when none comes, a TestFailure saying `what` was awaited
    and where fixgate has order `cloid` now (its `order` snapshot), so the failure shows the state."""
    try:
        return client.next_event(predicate, timeout)
    except TestFailure as missing:
        raise TestFailure(f"no {what} within {timeout}s; order {cloid} is now {order_snapshot(client, cloid)} "
                          f"({missing})") from None


def check_accepted(client, cloid):
    """Waits for fixgate's answer to the request `cloid` and fails the test unless it is `accepted`."""
    answer = client.order_event(cloid, ["accepted", "rejected"])
    check(answer["event"] == "accepted", f"{cloid} not accepted: {answer}")


class Workdir:
    """A temporary folder removed at the end unless the test failed (then kept for reading)."""

    def __init__(self, name):
        self.path = tempfile.mkdtemp(prefix=f"fixgate-{name}-")
        self.failed = False

    def __enter__(self):
        return self.path

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            shutil.rmtree(self.path, ignore_errors=True)
        else:
            print(f"kept {self.path} for inspection", file=sys.stderr)
        return False


@contextlib.contextmanager
def running(name, sim_args=(), **config):
    """A simulator and fixgate logged on to it, in their own workdir; both stopped at the end."""
    with Workdir(name) as wd:
        sim = Simulator(wd, list(sim_args))
        gate = Fixgate(wd, write_config(wd, sim.port, **config))
        try:
            yield wd, sim, gate
        finally:
            gate.terminate()
            sim.terminate()


# ---------------------------------------------------------------- the journal tool's tests

# Record kind codes of spec/journal-format.md.
JOURNAL_KINDS = {1: "fix_in", 2: "fix_out", 3: "upstream_request", 4: "upstream_event", 5: "engine_event",
                 6: "seq_change", 7: "checkpoint", 8: "fix_garbage", 9: "fix_verdict"}


def fix_fields(payload):
    """Tag -> value of a raw FIX message (the first occurrence of a repeated tag)."""
    out = {}
    for field in payload.split("\x01"):
        if "=" in field:
            tag, value = field.split("=", 1)
            out.setdefault(tag, value)
    return out


def shown_seqs(text):
    """The seqs of the records `fixgate-journal show` or `query` printed ("#SEQ ..." lines)."""
    return [int(line.split()[0][1:]) for line in text.splitlines() if line.startswith("#")]


def run_tests_on_one_run(produce, tests):
    """`produce` makes the one real run every test reads and returns it (with .workdir and
    .records); then the tests run in order. The run's folder goes when all pass, else it stays."""
    started = time.monotonic()
    try:
        run = produce()
    except Exception as e:
        print(f"FAIL setup: {type(e).__name__}: {e}", flush=True)
        print("0 passed, 1 failed")
        sys.exit(1)
    print(f"journal of {len(run.records)} records produced in {time.monotonic() - started:.1f}s", flush=True)
    try:
        run_tests(tests)
    except SystemExit as done:
        if done.code == 0:
            shutil.rmtree(run.workdir.path, ignore_errors=True)
        else:
            print(f"kept {run.workdir.path} for inspection", file=sys.stderr)
        raise


def run_tests(tests):
    """Runs test functions in order; prints 'N passed, N failed' and exits non-zero on failure."""
    passed = failed = 0
    only = sys.argv[1:]
    for test in tests:
        if only and test.__name__ not in only:
            continue
        started = time.monotonic()
        try:
            test()
            passed += 1
            print(f"PASS {test.__name__} ({time.monotonic() - started:.1f}s)", flush=True)
        except Exception as e:  # report every failure kind the same way, then go on
            failed += 1
            print(f"FAIL {test.__name__}: {type(e).__name__}: {e}", flush=True)
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)
