# SPDX-License-Identifier: Apache-2.0
"""The command line of every fixgate program and subcommand behaves alike (docs/CLI.md): --help
prints the usage on stdout and exits 0, --version prints the project version and the git revision
the binary was built from, and an unknown or malformed argument exits 2 with a message naming it.
No program here opens a socket or a journal: each run ends in the argument parser."""

import os
import re
import subprocess

from harness import CLIENT_BIN, FIXGATE_BIN, JOURNAL_TOOL_BIN, SIMULATOR_BIN, SOURCE_DIR, TestFailure, check, run_tests

TOOLS_DIR = os.path.dirname(os.path.dirname(JOURNAL_TOOL_BIN))  # build/tools

CLIENT_COMMANDS = ["new", "cancel", "replace", "status", "list", "watch", "kill", "release", "set-limit", "sessions",
                   "logon", "logout", "set-seq", "reload"]
JOURNAL_COMMANDS = ["verify", "index", "dump", "show", "query", "export", "audit", "orders", "replay", "recon"]


def programs():
    """(name, binary, subcommands) of every program the build makes."""
    found = [
        ("fixgate", FIXGATE_BIN, []),
        ("fixgate-simulator", SIMULATOR_BIN, []),
        ("fixgate-client", CLIENT_BIN, CLIENT_COMMANDS),
        ("fixgate-journal", JOURNAL_TOOL_BIN, JOURNAL_COMMANDS),
        ("fixgate-journal-gen", os.path.join(TOOLS_DIR, "journal", "fixgate-journal-gen"), []),
        ("fixgate-bench", os.path.join(TOOLS_DIR, "bench", "fixgate-bench"), []),
        ("fixgate-pg-bench", os.path.join(TOOLS_DIR, "bench", "fixgate-pg-bench"), []),
    ]
    micro = os.path.join(TOOLS_DIR, "bench", "fixgate-micro-bench")
    if os.path.exists(micro):  # built only where Google Benchmark is installed
        found.append(("fixgate-micro-bench", micro, []))
    for name, binary, _ in found:
        check(os.access(binary, os.X_OK), f"{name}: {binary!r} is not an executable")
    return found


def run(binary, *args):
    # No token variables: a program that got past its parser would fail differently, not hang.
    env = {k: v for k, v in os.environ.items() if not k.startswith("FIXGATE_") or k == "FIXGATE_SOURCE_DIR"}
    try:
        return subprocess.run([binary, *args], capture_output=True, text=True, timeout=20, env=env)
    except subprocess.TimeoutExpired:
        raise TestFailure(f"{os.path.basename(binary)} {' '.join(args)} did not exit within 20 s")


def every_command():
    """(words naming the command, binary, leading arguments) for every program and subcommand."""
    for name, binary, commands in programs():
        yield [name], binary, []
        for command in commands:
            yield [name, command], binary, [command]


def project_version():
    with open(os.path.join(SOURCE_DIR, "CMakeLists.txt")) as f:
        m = re.search(r"project\(fixgate VERSION (\S+)", f.read())
    check(m is not None, "no project version in CMakeLists.txt")
    return m.group(1)


def source_revision():
    """The revision the build recorded: the checkout's HEAD, or "unknown" outside a git checkout."""
    try:
        r = subprocess.run(["git", "-C", SOURCE_DIR, "rev-parse", "--short=12", "HEAD"], capture_output=True, text=True,
                           timeout=20)
    except OSError:
        return "unknown"
    return r.stdout.strip() if r.returncode == 0 else "unknown"


def test_help_exits_0_with_the_usage_on_every_program_and_subcommand():
    for words, binary, leading in every_command():
        r = run(binary, *leading, "--help")
        what = " ".join(words) + " --help"
        check(r.returncode == 0, f"{what} exited {r.returncode}: {r.stderr}")
        check(f"Usage: {' '.join(words)}" in r.stdout, f"{what} printed no usage line:\n{r.stdout}")
        check(r.stderr == "", f"{what} wrote to stderr: {r.stderr}")
        # -h is the short form everywhere.
        short = run(binary, *leading, "-h")
        check(short.returncode == 0 and short.stdout == r.stdout, f"{' '.join(words)} -h differs from --help")


def test_help_lists_every_subcommand_and_the_options_of_each():
    journal = run(JOURNAL_TOOL_BIN, "--help").stdout
    for command in JOURNAL_COMMANDS:
        check(re.search(rf"^\s+{command}\s", journal, re.M), f"fixgate-journal --help does not list {command}")
    client = run(CLIENT_BIN, "--help").stdout
    for command in CLIENT_COMMANDS:
        check(re.search(rf"^\s+{command}\s", client, re.M), f"fixgate-client --help does not list {command}")
    for binary, command, options in [
            (JOURNAL_TOOL_BIN, "show", ["--follow", "--type", "--postgres", "--dictionary-dir"]),
            (JOURNAL_TOOL_BIN, "replay", ["--session", "--connect", "--speed", "--max-gap"]),
            (CLIENT_BIN, "new", ["--account", "--side", "--tif", "--wait"]),
            (CLIENT_BIN, "set-seq", ["--next-sender", "--confirm", "--reason"])]:
        text = run(binary, command, "--help").stdout
        for option in options:
            check(option in text, f"{os.path.basename(binary)} {command} --help does not describe {option}:\n{text}")


def test_version_prints_the_project_version_and_the_git_revision():
    version, revision = project_version(), source_revision()
    for name, binary, _ in programs():
        r = run(binary, "--version")
        check(r.returncode == 0, f"{name} --version exited {r.returncode}: {r.stderr}")
        expected = f"{name} {version} (git {revision})"
        check(r.stdout.strip() == expected, f"{name} --version printed {r.stdout.strip()!r}, expected {expected!r}")


def test_an_unknown_option_exits_2_naming_it_on_every_program_and_subcommand():
    for words, binary, leading in every_command():
        r = run(binary, *leading, "--no-such-option")
        what = " ".join(words) + " --no-such-option"
        check(r.returncode == 2, f"{what} exited {r.returncode}: {r.stdout} {r.stderr}")
        check('"--no-such-option"' in r.stderr, f"{what} does not name the argument: {r.stderr}")
        check(r.stderr.startswith(" ".join(words) + ":"), f"{what} does not say which program failed: {r.stderr}")
        check(r.stdout == "", f"{what} wrote to stdout: {r.stdout}")


def test_an_unknown_command_exits_2_naming_it():
    for binary, leading in [(JOURNAL_TOOL_BIN, []), (CLIENT_BIN, ["--client", "ops"])]:
        r = run(binary, *leading, "frobnicate")
        name = os.path.basename(binary)
        check(r.returncode == 2, f"{name} frobnicate exited {r.returncode}")
        check('unknown command "frobnicate"' in r.stderr, f"{name} frobnicate: {r.stderr}")
    r = run(FIXGATE_BIN, "--config", "x.yaml", "stray")
    check(r.returncode == 2 and 'unknown argument "stray"' in r.stderr, f"fixgate with a stray word: {r.stderr}")


def test_malformed_and_missing_values_exit_2_naming_the_option():
    tools = os.path.dirname(JOURNAL_TOOL_BIN)
    bench = os.path.join(TOOLS_DIR, "bench")
    cases = [
        ([FIXGATE_BIN], "--config"),  # required
        ([FIXGATE_BIN, "--config", "x.yaml", "--log-format", "xml"], "--log-format"),
        ([CLIENT_BIN, "list"], "--client"),
        ([CLIENT_BIN, "--client", "ops", "--timeout", "soon", "list"], "--timeout"),
        ([CLIENT_BIN, "--client", "ops", "--timeout", "0", "list"], "--timeout"),
        ([CLIENT_BIN, "--client", "ops", "--tls-cert", "c.pem", "list"], "--tls-ca"),
        ([CLIENT_BIN, "--client", "ops", "new", "--account"], "--account"),
        ([CLIENT_BIN, "--client", "ops", "--wait", "filled", "list"], "--wait"),  # not a list option
        ([SIMULATOR_BIN, "--fill", "sometimes"], "--fill"),
        ([SIMULATOR_BIN, "--heartbeat", "0"], "--heartbeat"),
        ([SIMULATOR_BIN, "--listen"], "--listen"),
        ([JOURNAL_TOOL_BIN, "show", "--kind"], "--kind"),
        ([JOURNAL_TOOL_BIN, "show", tools, "--direction", "sideways"], "--direction"),
        ([os.path.join(tools, "fixgate-journal-gen"), "--records", "many"], "--records"),
        ([os.path.join(bench, "fixgate-bench"), "--orders", "-3"], "--orders"),
        ([os.path.join(bench, "fixgate-bench"), "--sync", "sometimes"], "--sync"),
        ([os.path.join(bench, "fixgate-pg-bench"), "--payload", "big"], "--payload"),
    ]
    for argv, option in cases:
        r = run(*argv)
        what = " ".join([os.path.basename(argv[0])] + argv[1:])
        check(r.returncode == 2, f"{what} exited {r.returncode}: {r.stdout} {r.stderr}")
        check(option in r.stderr, f"{what} does not name {option}: {r.stderr}")


if __name__ == "__main__":
    run_tests([
        test_help_exits_0_with_the_usage_on_every_program_and_subcommand,
        test_help_lists_every_subcommand_and_the_options_of_each,
        test_version_prints_the_project_version_and_the_git_revision,
        test_an_unknown_option_exits_2_naming_it_on_every_program_and_subcommand,
        test_an_unknown_command_exits_2_naming_it,
        test_malformed_and_missing_values_exit_2_naming_the_option,
    ])
