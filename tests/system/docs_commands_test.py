# SPDX-License-Identifier: Apache-2.0
"""Every command in the README's and docs/OPERATIONS.md's shell code blocks runs as written, in
order, from the repository root, in one bash with `set -euo pipefail`: a command that fails, or
a block nobody can run, fails this test.

What counts as a command: each line of a fenced block with no language or sh/bash (a trailing `\\`
joins the next line); comment lines are not; in a block with `$ ` prompts only the prompted lines
are. ```text blocks are output. A command that cannot run in CI says so in the docs, with the
reason: `# not run in CI: WHY` as the first line of its block (the whole block) or at the end of
its line. Those are listed, not run: Docker, systemctl, PostgreSQL servers, the minutes-long
benchmarks and tools/test.sh itself (which runs this test).

The docs name installed programs by their bare names (fixgate-journal, promtool): PATH gets the
build tree's program folders and build/_tools/usr/bin (tools/setup.sh's promtool) first, as an
install would. CMake registers this test only for a build tree at <source>/build, which the
README's commands name.
"""

import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(__file__))
from harness import SOURCE_DIR, check, run_tests  # noqa: E402

DOCS = ["README.md", "docs/OPERATIONS.md"]
SKIP = re.compile(r"#\s*not run in CI:\s*(\S.*)$")
BUILD = os.path.join(SOURCE_DIR, "build")
PROGRAM_DIRS = ["src/daemon", "tools/simulator", "tools/client", "tools/journal", "_tools/usr/bin"]


def strip_comment(line):
    """The command without a trailing `# ...` comment (a # inside quotes stays)."""
    quote = None
    for i, c in enumerate(line):
        if quote:
            if c == quote:
                quote = None
        elif c in "'\"":
            quote = c
        elif c == "#" and (i == 0 or line[i - 1] in " \t"):
            return line[:i].rstrip()
    return line.rstrip()


def commands(doc):
    """[(line number, command or None, skip reason or None)] of one document, in order."""
    lines = open(os.path.join(SOURCE_DIR, doc)).read().splitlines()
    out = []
    i = 0
    while i < len(lines):
        fence = re.match(r"^```(\S*)\s*$", lines[i])
        if not fence:
            i += 1
            continue
        language = fence.group(1)
        start = i + 1
        end = start
        while end < len(lines) and not lines[end].startswith("```"):
            end += 1
        i = end + 1
        if language not in ("", "sh", "bash"):
            continue
        block = lines[start:end]
        first = next((line for line in block if line.strip()), "")
        whole_skip = SKIP.match(first.strip())
        prompted = any(line.startswith("$ ") for line in block)
        n = 0
        while n < len(block):
            number = start + n + 1
            line = block[n]
            while line.endswith("\\") and n + 1 < len(block):
                n += 1
                line = line[:-1] + " " + block[n].strip()
            n += 1
            text = line.strip()
            if prompted:
                if not text.startswith("$ "):
                    continue
                text = text[2:]
            if not text or text.startswith("#"):
                continue
            reason = whole_skip.group(1) if whole_skip else None
            own = SKIP.search(text)
            if own:
                reason = own.group(1)
            out.append((number, strip_comment(text), reason))
    return out


def test_commands_are_found_and_every_skip_gives_a_reason():
    found = {doc: commands(doc) for doc in DOCS}
    check(len([c for c in found["README.md"] if c[2] is None]) >= 20, "fewer than 20 README commands to run")
    for doc, cmds in found.items():
        for number, text, reason in cmds:
            if reason is not None:
                check(len(reason) > 10, f"{doc}:{number}: say why it cannot run in CI")
                print(f"  not run: {doc}:{number}: {text[:70]}  ({reason})")


def test_every_command_runs_as_written():
    script = ["set -euo pipefail",
              # Background jobs the docs start are stopped by the docs; anything left is stopped here.
              'trap \'kill $(jobs -p) 2>/dev/null || true\' EXIT']
    count = 0
    for doc in DOCS:
        for number, text, reason in commands(doc):
            if reason is not None:
                continue
            script.append(f"echo '::: {doc}:{number}' >&2")
            script.append(text)
            count += 1
    env = {k: v for k, v in os.environ.items() if not k.startswith("FIXGATE_") and not k.endswith("_BIN")}
    env["PATH"] = ":".join(os.path.join(BUILD, d) for d in PROGRAM_DIRS) + ":" + env.get("PATH", "")
    done = subprocess.run(["bash", "-c", "\n".join(script)], cwd=SOURCE_DIR, env=env, capture_output=True,
                          text=True, timeout=420)
    where = re.findall(r"^::: (\S+)$", done.stderr, re.M)
    check(done.returncode == 0,
          f"exit {done.returncode} at {where[-1] if where else '?'}:\n"
          f"stdout:\n{done.stdout[-3000:]}\nstderr:\n{done.stderr[-3000:]}")
    check(len(where) == count, f"ran {len(where)} of {count} commands")
    print(f"  {count} commands ran")


if __name__ == "__main__":
    run_tests([test_commands_are_found_and_every_skip_gives_a_reason, test_every_command_runs_as_written])
