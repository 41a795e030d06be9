#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Installs what is missing, builds everything, and runs every test with CTest.
# Exits non-zero on any failure. Extra arguments go to ctest (e.g. -L journal).
set -euo pipefail
cd "$(dirname "$0")/.."
# Build output is never tracked (.gitignore ignores it; it was committed once).
if git rev-parse --git-dir >/dev/null 2>&1 && git ls-files | grep -E '(^|/)__pycache__/|\.pyc$'; then
  echo "test: Python bytecode is tracked above; git rm --cached it" >&2
  exit 1
fi
tools/setup.sh
cd "${FIXGATE_BUILD_DIR:-build}"
ctest --output-on-failure --timeout 600 -j2 "$@"
