# SPDX-License-Identifier: Apache-2.0
"""The install tree stands in for the container image (Docker is not on the build machines):
`cmake --install` into a temporary prefix, the prefix moved elsewhere, no build or source path
inside any installed program, and then the simulator, fixgate and the tools run from the moved
prefix alone, in an empty working directory, with no FIXGATE_SPEC_DIR: every dictionary they read
must come from <prefix>/share/fixgate/spec. The shipped container config is started as is (its
two fixed ports swapped for free ones) and probed with the Dockerfile's own HEALTHCHECK command.

CMake passes CMAKE_COMMAND, FIXGATE_BUILD_DIR and FIXGATE_SOURCE_DIR.
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
from harness import Process, check, run_tests, wait_for  # noqa: E402

CMAKE = os.environ.get("CMAKE_COMMAND", "cmake")
BUILD_DIR = os.path.realpath(os.environ["FIXGATE_BUILD_DIR"])
SOURCE_DIR = os.path.realpath(os.environ["FIXGATE_SOURCE_DIR"])
PROGRAMS = ["fixgate", "fixgate-simulator", "fixgate-client", "fixgate-journal"]
TOKEN = "install-test-token"


def clean_env(**extra):
    """The environment with nothing that points into the build or the source tree."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("FIXGATE_") and not k.endswith("_BIN") and SOURCE_DIR not in v and BUILD_DIR not in v}
    env.update(extra)
    return env


def run(args, cwd, timeout=30, expect=0, **env):
    done = subprocess.run(args, cwd=cwd, env=clean_env(**env), capture_output=True, text=True, timeout=timeout)
    check(done.returncode == expect,
          f"{' '.join(args)} exited {done.returncode}, expected {expect}:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    return done.stdout


def in_dir(directory, args):
    """ARGS run with DIRECTORY as working directory (Process has no cwd of its own)."""
    return ["sh", "-c", 'cd "$0" && exec "$@"', directory, *args]


class Installed:
    """The prefix, installed then moved away from where it was installed."""

    def __init__(self, wd):
        self.workdir = wd
        self.staged = os.path.join(wd, "staged")
        run([CMAKE, "--install", BUILD_DIR, "--prefix", self.staged, "--strip"], cwd=wd, timeout=120)
        self.prefix = os.path.join(wd, "elsewhere", "opt-fixgate")
        os.makedirs(os.path.dirname(self.prefix))
        os.rename(self.staged, self.prefix)
        self.bin = os.path.join(self.prefix, "bin")

    def program(self, name):
        return os.path.join(self.bin, name)

    def empty_dir(self, name):
        """A new empty working directory (no ./spec in it) for one test."""
        path = os.path.join(self.workdir, name)
        os.makedirs(path)
        return path


INSTALLED = None  # one install for every test, made in main


def free_config(run_dir, sim_port, journal):
    """A config that names no dictionary: the default must be found beside the program."""
    path = os.path.join(run_dir, "fixgate.yaml")
    with open(path, "w") as f:
        f.write("\n".join([
            "instance: install-test",
            "logging: {level: info, format: text}",
            f"journal: {{backend: file, path: {journal}, sync: batch}}",
            "upstream:",
            '  tcp: ["127.0.0.1:0"]',
            "  clients:",
            "    - {name: trader, token_env: FIXGATE_TEST_TOKEN, accounts: [ACC1]}",
            "sessions:",
            f"  - {{name: SIM, sender_comp_id: FIXGATE, target_comp_id: SIM, connect: 127.0.0.1:{sim_port},"
            " heartbeat_seconds: 5, reconnect_seconds: 1}",
            "routes:",
            "  - {sessions: [SIM]}",
            "ops: {http: 127.0.0.1:0}",
        ]) + "\n")
    return path


def test_the_install_tree_holds_what_the_docs_say():
    installed = INSTALLED
    expected = [f"bin/{p}" for p in PROGRAMS] + [
        "share/fixgate/spec/FIX44.xml", "share/fixgate/spec/FIX42.xml",
        "share/fixgate/spec/upstream-protocol.schema.json", "share/fixgate/spec/journal-format.md",
        "share/fixgate/examples/fixgate.yaml", "share/fixgate/examples/fixgate-container.yaml",
        "share/fixgate/prometheus/fixgate-alerts.yml", "share/fixgate/grafana/fixgate-dashboard.json",
        "share/doc/fixgate/README.md", "share/doc/fixgate/LICENSE", "share/doc/fixgate/NOTICE",
        "share/doc/fixgate/OPERATIONS.md", "lib/systemd/system/fixgate.service",
        "lib/sysusers.d/fixgate.conf", "lib/tmpfiles.d/fixgate.conf"]
    for rel in expected:
        check(os.path.isfile(os.path.join(installed.prefix, rel)), f"{rel} not installed")
    unit = open(os.path.join(installed.prefix, "lib/systemd/system/fixgate.service")).read()
    staged_bin = os.path.join(installed.staged, "bin")
    check(f"ExecStart={staged_bin}/fixgate " in unit, "the unit does not start the installed daemon")
    for setting in ("User=fixgate", "ProtectSystem=strict", "NoNewPrivileges=yes",
                    "ReadWritePaths=/var/lib/fixgate", "KillSignal=SIGTERM"):
        check(setting in unit, f"unit lacks {setting}")
    # systemd's own check, where systemd is installed (it is not in every CI image): the unit as
    # it would be after installing into the moved prefix.
    if shutil.which("systemd-analyze"):
        moved = os.path.join(installed.workdir, "fixgate.service")
        with open(moved, "w") as f:
            f.write(unit.replace(installed.staged, installed.prefix))
        done = subprocess.run(["systemd-analyze", "verify", moved], capture_output=True, text=True, timeout=60)
        check(done.returncode == 0 and not done.stderr.strip(), f"systemd-analyze verify:\n{done.stderr}")


def test_no_build_or_source_path_is_inside_an_installed_program():
    installed = INSTALLED
    for name in PROGRAMS:
        data = open(installed.program(name), "rb").read()
        for path in (SOURCE_DIR, BUILD_DIR):
            at = data.find(path.encode())
            check(at < 0, f"{name} holds {path!r} at byte {at}: "
                          f"{data[max(0, at - 40):at + len(path) + 40]!r}")


def test_programs_run_from_the_moved_prefix_end_to_end():
    installed = INSTALLED
    wd = installed.empty_dir("end-to-end")
    run_dir = installed.empty_dir("end-to-end-cwd")
    journal = os.path.join(wd, "journal")
    sim = Process("simulator", in_dir(run_dir, [installed.program("fixgate-simulator"), "--listen",
                                                          "127.0.0.1:0", "--store-dir", os.path.join(wd, "sim-store")]),
                  os.path.join(wd, "simulator.log"), env=clean_env())
    gate = None
    try:
        sim_port = int(sim.wait_for_line(r"listening 127\.0\.0\.1:(\d+)").group(1))
        config = free_config(run_dir, sim_port, journal)
        run([installed.program("fixgate"), "--config", config, "--check"], cwd=run_dir,
            FIXGATE_TEST_TOKEN=TOKEN)
        gate_env = clean_env(FIXGATE_TEST_TOKEN=TOKEN)
        gate = Process("fixgate", in_dir(run_dir, [installed.program("fixgate"), "--config", config]),
                       os.path.join(wd, "fixgate.log"), env=gate_env)
        port = int(gate.wait_for_line(r"upstream listening on 127\.0\.0\.1:(\d+)").group(1))
        gate.wait_for_line(r"session SIM logged on", timeout=20)
        client = [installed.program("fixgate-client"), "--connect", f"127.0.0.1:{port}", "--client", "trader",
                  "--token-env", "FIXGATE_TEST_TOKEN"]
        for i in range(3):
            run(client + ["new", "--client-order-id", f"inst-{i}", "--account", "ACC1", "--symbol", "7203",
                          "--side", "buy", "--qty", "100", "--price", "2500", "--wait", "filled"],
                cwd=run_dir, FIXGATE_TEST_TOKEN=TOKEN)
        status = run(client + ["status", "inst-1"], cwd=run_dir, FIXGATE_TEST_TOKEN=TOKEN)
        check("filled" in status, f"status of inst-1:\n{status}")
        check(gate.terminate() == 0, f"fixgate did not stop cleanly:\n{gate.text()[-2000:]}")
        gate = None
    finally:
        if gate is not None:
            gate.terminate()
        sim.terminate()
    tool = installed.program("fixgate-journal")
    verified = run([tool, "verify", journal], cwd=run_dir)
    check("is intact" in verified, f"verify said:\n{verified}")
    # show and query name fields and values from the dictionaries: they come from the prefix.
    shown = run([tool, "show", journal, "--session", "SIM", "--type", "ExecutionReport", "--color", "never"],
                cwd=run_dir)
    check("ExecutionReport" in shown and "OrdStatus" in shown, f"show printed no names:\n{shown[:2000]}")
    queried = run([tool, "query", journal, "--order", "inst-1"], cwd=run_dir)
    check("inst-1" in queried and "ExecutionReport" in queried, f"query printed:\n{queried[:2000]}")
    run([tool, "audit", journal], cwd=run_dir)
    exported = run([tool, "export", journal, "--format", "csv"], cwd=run_dir)
    check(exported.count("\n") > 10, "export printed almost nothing")


def healthcheck_command():
    """The HEALTHCHECK CMD of the Dockerfile, as the bash -c script it runs."""
    text = open(os.path.join(SOURCE_DIR, "Dockerfile")).read()
    match = re.search(r'CMD \["bash", "-c", "((?:[^"\\]|\\.)*)"\]', text)
    check(match is not None, "no HEALTHCHECK CMD [\"bash\", \"-c\", ...] in the Dockerfile")
    return match.group(1).encode().decode("unicode_escape")


def test_the_container_config_starts_as_is_and_passes_the_healthcheck():
    installed = INSTALLED
    wd = installed.workdir
    run_dir = installed.empty_dir("container-workdir")  # the image's WORKDIR
    shipped = open(os.path.join(installed.prefix, "share/fixgate/examples/fixgate-container.yaml")).read()
    # Only the fixed ports change, so that parallel tests (the demo's simulator on 9878) cannot
    # collide with it; nothing listens on port 1, as no broker listens in a fresh container.
    fixed = {"127.0.0.1:7001": "127.0.0.1:0", "0.0.0.0:9100": "0.0.0.0:0", "127.0.0.1:9878": "127.0.0.1:1"}
    config_text = shipped
    for port, free in fixed.items():
        check(port in shipped, f"{port} not in the container config")
        config_text = config_text.replace(port, free)
    config = os.path.join(run_dir, "fixgate.yaml")
    with open(config, "w") as f:
        f.write(config_text)
    # No token variable, no broker: it must start anyway (WORKDIR as in the image).
    run([installed.program("fixgate"), "--config", config, "--check"], cwd=run_dir)
    gate = Process("fixgate", in_dir(run_dir, [installed.program("fixgate"), "--config", config]),
                   os.path.join(wd, "container-fixgate.log"), env=clean_env())
    try:
        port = int(gate.wait_for_line(r"ops http listening on 0\.0\.0\.0:(\d+)").group(1))
        probe = healthcheck_command()
        wait_for(lambda: subprocess.run(["bash", "-c", probe], env=clean_env(FIXGATE_HEALTH_PORT=str(port)),
                                        timeout=5).returncode == 0, 10, "the HEALTHCHECK to pass")
        check(os.path.isdir(os.path.join(run_dir, "var", "journal")), "journal not in var/journal")
    finally:
        code = gate.terminate()
    check(code == 0, f"fixgate exited {code}:\n{gate.text()[-2000:]}")


if __name__ == "__main__":
    work = tempfile.mkdtemp(prefix="fixgate-install-")
    try:
        INSTALLED = Installed(work)
        run_tests([test_the_install_tree_holds_what_the_docs_say,
                   test_no_build_or_source_path_is_inside_an_installed_program,
                   test_programs_run_from_the_moved_prefix_end_to_end,
                   test_the_container_config_starts_as_is_and_passes_the_healthcheck])
    except BaseException as done:
        if isinstance(done, SystemExit) and done.code == 0:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print(f"kept {work} for inspection", file=sys.stderr)
        raise
