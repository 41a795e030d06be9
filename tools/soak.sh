#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Crash soak: the kill -9 recovery test with many more rounds than the test suite runs
# (default 200 crashes), each round with its own random seed. Builds first if needed.
# Usage: tools/soak.sh [ROUNDS] [SEED]
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh --target fixgate fixgate_simulator >/dev/null
build=$(cd "${FIXGATE_BUILD_DIR:-build}" && pwd)
export FIXGATE_SOURCE_DIR=$PWD
export FIXGATE_BIN=$build/src/daemon/fixgate
export SIMULATOR_BIN=$build/tools/simulator/fixgate-simulator
export FIXGATE_CRASH_ITERATIONS=${1:-200}
export FIXGATE_CRASH_SEED=${2:-$RANDOM}
echo "soak: $FIXGATE_CRASH_ITERATIONS crashes, seed $FIXGATE_CRASH_SEED"
exec python3 -u tests/system/recovery_test.py test_kill9_under_load_loses_nothing_and_applies_everything_once
