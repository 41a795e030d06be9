#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Fault soak: every fault of tests/system/fault_proxy_test.py (garble, wrong BodyLength, PossDup
# duplicate, swallow, reorder, cut), each followed by a clean restart and by a kill -9, repeated
# ROUNDS times per scenario on one journal (default 20; CTest runs each once). Builds first if needed.
# Usage: tools/fault_soak.sh [ROUNDS] [SCENARIO...]
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh --target fixgate fixgate_simulator fixgate_client >/dev/null
build=$(cd "${FIXGATE_BUILD_DIR:-build}" && pwd)
export FIXGATE_SOURCE_DIR=$PWD
export FIXGATE_BIN=$build/src/daemon/fixgate
export SIMULATOR_BIN=$build/tools/simulator/fixgate-simulator
export CLIENT_BIN=$build/tools/client/fixgate-client
export FIXGATE_FAULT_ROUNDS=${1:-20}
shift || true
echo "fault soak: $FIXGATE_FAULT_ROUNDS rounds per scenario"
exec python3 -u tests/system/fault_proxy_test.py "$@"
