#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Installs the Debian 12 packages fixgate needs, only those missing, then configures and builds.
# Idempotent: a second run installs nothing and rebuilds only what changed. --packages-only stops
# after the packages (tools/check-build-types.sh builds its own trees).
set -euo pipefail
cd "$(dirname "$0")/.."

# libquickfix-doc: QuickFIX's example acceptors (executor, ordermatch), built as test counterparties.
# clang-16 + its runtime: the fuzz targets (tools/fuzz.sh); openssl: test certificates; curl: the
# README's readiness wait (tests/system/docs_commands_test.py runs it).
packages=(g++ cmake make pkg-config libquickfix-dev libquickfix-doc libboost-dev libspdlog-dev libfmt-dev
          libyaml-cpp-dev libcli11-dev catch2 nlohmann-json3-dev libssl-dev libpq-dev libzstd-dev libbenchmark-dev postgresql python3 tzdata
          clang-16 libclang-rt-16-dev openssl curl)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

[ "${1:-}" = "--packages-only" ] && exit 0

build_dir=${FIXGATE_BUILD_DIR:-build}

# promtool checks deploy/prometheus (tests/system/deploy_test.py). It comes from Debian's prometheus
# package, unpacked into the build tree instead of installed: installing would also enable a
# Prometheus server on the machine. ~13 s, once per build tree.
if ! command -v promtool >/dev/null && [ ! -x "$build_dir/_tools/usr/bin/promtool" ]; then
  echo "setup: unpacking promtool from Debian's prometheus package into $build_dir/_tools"
  mkdir -p "$build_dir/_tools"
  download() { (cd "$build_dir/_tools" && apt-get download -qq prometheus 2>/dev/null); }
  download || { "${sudo_cmd[@]}" apt-get update -qq && download; }
  (cd "$build_dir/_tools" && dpkg-deb --fsys-tarfile prometheus_*.deb | tar -x ./usr/bin/promtool && rm -f prometheus_*.deb)
fi

if [ ! -f "$build_dir/CMakeCache.txt" ]; then
  cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
cmake --build "$build_dir" -j"$(nproc)" "$@"
