# SPDX-License-Identifier: Apache-2.0
"""`fixgate --check` on configurations that are valid YAML but would fail at start-up or expose the
gateway: each is refused (exit 2) with a line naming the path or listener, and a good one passes
with notes on what it exposes. No process but `fixgate --check` runs; nothing is bound."""

import os
import subprocess

from harness import FIXGATE_BIN, SOURCE_DIR, Workdir, check, fixgate_env, run_tests, write_config


def run_check(path):
    r = subprocess.run([FIXGATE_BIN, "--config", path, "--check"], capture_output=True, text=True, timeout=60,
                       env=fixgate_env())
    return r.returncode, r.stdout + r.stderr


def with_config(name, edit):
    """Writes the system tests' usual config, lets `edit` change its text, runs --check."""
    with Workdir(name) as wd:
        path = write_config(wd, 9)
        with open(path) as f:
            text = f.read()
        text = edit(wd, text)
        with open(path, "w") as f:
            f.write(text)
        return run_check(path)


def test_the_usual_config_passes():
    code, out = with_config("check-ok", lambda wd, t: t)
    check(code == 0, f"exit {code}: {out}")
    check("is valid" in out, out)


def test_a_dictionary_that_does_not_load_is_named():
    def edit(wd, text):
        bad = os.path.join(wd, "broken.xml")
        with open(bad, "w") as f:
            f.write("<fix major='4' minor='4'><header>")
        return text.replace(os.path.join(SOURCE_DIR, "spec", "FIX44.xml"), bad)
    code, out = with_config("check-dict", edit)
    check(code == 2, f"exit {code}: {out}")
    check("broken.xml" in out and "session SIM" in out, out)


def test_a_journal_directory_that_cannot_be_written_is_named():
    def edit(wd, text):
        blocker = os.path.join(wd, "a-file")
        open(blocker, "w").close()
        return text.replace(os.path.join(wd, "journal"), os.path.join(blocker, "journal"))
    code, out = with_config("check-journal", edit)
    check(code == 2, f"exit {code}: {out}")
    check("journal.path" in out and "a-file" in out, out)


def test_a_missing_unix_socket_directory_and_log_directory_are_named():
    def edit(wd, text):
        text = text.replace('  tcp: ["127.0.0.1:0"]',
                            f'  tcp: ["127.0.0.1:0"]\n  unix: ["{wd}/no-such-dir/fixgate.sock"]')
        return text.replace("logging: {level: info, format: text}",
                            f"logging: {{level: info, format: text, file: {wd}/no-log-dir/fixgate.log}}")
    code, out = with_config("check-paths", edit)
    check(code == 2, f"exit {code}: {out}")
    check("upstream.unix" in out and "no-such-dir" in out, out)
    check("logging.file" in out and "no-log-dir" in out, out)


def test_a_listener_beyond_loopback_needs_permission_and_tls():
    code, out = with_config("check-open", lambda wd, t: t.replace('tcp: ["127.0.0.1:0"]', 'tcp: ["0.0.0.0:0"]'))
    check(code == 2, f"exit {code}: {out}")
    check("allow_non_loopback" in out and "upstream.tcp[0]" in out, out)

    allowed = 'tcp: ["0.0.0.0:0"]\n  allow_non_loopback: true'
    code, out = with_config("check-open-notls", lambda wd, t: t.replace('tcp: ["127.0.0.1:0"]', allowed))
    check(code == 2, f"exit {code}: {out}")
    check("upstream.tls is not set" in out, out)

    waived = allowed + "\n  allow_plaintext_non_loopback: true"
    code, out = with_config("check-open-waived", lambda wd, t: t.replace('tcp: ["127.0.0.1:0"]', waived))
    check(code == 0, f"exit {code}: {out}")
    check("WARNING" in out and "plain text" in out, out)


def test_tls_files_that_do_not_load_are_named():
    def edit(wd, text):
        missing = os.path.join(wd, "missing.pem")
        return text.replace('  tcp: ["127.0.0.1:0"]',
                            f'  tcp: ["127.0.0.1:0"]\n  tls: {{certificate: {missing}, private_key: {missing}}}')
    code, out = with_config("check-tls", edit)
    check(code == 2, f"exit {code}: {out}")
    check("missing.pem" in out and "certificate" in out, out)


if __name__ == "__main__":
    run_tests([test_the_usual_config_passes, test_a_dictionary_that_does_not_load_is_named,
               test_a_journal_directory_that_cannot_be_written_is_named,
               test_a_missing_unix_socket_directory_and_log_directory_are_named,
               test_a_listener_beyond_loopback_needs_permission_and_tls, test_tls_files_that_do_not_load_are_named])
