# SPDX-License-Identifier: Apache-2.0
"""Every source file of fixgate carries the SPDX line of its licence (Apache-2.0, LICENSE).

Walks the source directories (not git, so a release tarball is checked the same way) and names every
file whose first lines lack the line; exits non-zero if there is one.
"""

import os
import sys

ROOT = os.environ.get("FIXGATE_SOURCE_DIR", os.path.abspath(os.path.join(os.path.dirname(__file__), "..")))
LINE = "SPDX-License-Identifier: Apache-2.0"
DIRS = ["src", "include", "tools", "tests", "cmake", "deploy", "config", ".ci"]
SOURCE_SUFFIXES = (".cpp", ".hpp", ".h", ".py", ".sh", ".cmake")
SKIPPED_DIRS = {"__pycache__", "data", "corpus"}  # test inputs are data, not source


def is_source(path):
    name = os.path.basename(path)
    if name.endswith(SOURCE_SUFFIXES) or name in ("CMakeLists.txt", "Dockerfile", "run"):
        return True
    # The shipped YAML configs are documentation users copy; test YAML is input data.
    return name.endswith((".yaml", ".yml")) and os.path.relpath(path, ROOT).startswith(("config", "deploy"))


def sources():
    for top in ["CMakeLists.txt", "Dockerfile"]:
        if os.path.exists(os.path.join(ROOT, top)):
            yield os.path.join(ROOT, top)
    for d in DIRS:
        for base, dirs, files in os.walk(os.path.join(ROOT, d)):
            dirs[:] = [x for x in dirs if x not in SKIPPED_DIRS]
            for f in files:
                path = os.path.join(base, f)
                if is_source(path):
                    yield path


def main():
    missing, count = [], 0
    for path in sources():
        count += 1
        with open(path, encoding="utf-8", errors="replace") as f:
            head = "".join(f.readline() for _ in range(3))
        if LINE not in head:
            missing.append(os.path.relpath(path, ROOT))
    for m in sorted(missing):
        print(f"no '{LINE}' in the first 3 lines: {m}")
    print(f"{count - len(missing)} of {count} source files carry the SPDX line")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
