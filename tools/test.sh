#!/usr/bin/env bash
# Installs what is missing, builds everything, and runs every test with CTest.
# Exits non-zero on any failure. Extra arguments go to ctest (e.g. -L journal).
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh
cd "${FIXGATE_BUILD_DIR:-build}"
ctest --output-on-failure --timeout 600 -j2 "$@"
