#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Builds everything (programs, tests, benchmarks) in the build types the tests do not run in,
# Debug and Release by default, with warnings as errors, so that each configuration a user may pick
# builds. tools/test.sh runs the tests in RelWithDebInfo (build/). Build trees: build-check-<type>/.
# FIXGATE_BUILD_TYPES="Release" picks the types; extra arguments go to `cmake --build`.
# Numbers and why CI runs this as it does: docs/ARCHITECTURE.md, "Build configurations".
set -euo pipefail
cd "$(dirname "$0")/.."
launcher=()
if command -v ccache >/dev/null; then
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
fi
for type in ${FIXGATE_BUILD_TYPES:-Debug Release}; do
  dir=build-check-${type,,}
  if [ ! -f "$dir/CMakeCache.txt" ]; then
    cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE="$type" "${launcher[@]}" >/dev/null
  fi
  echo "check-build-types: $type in $dir"
  cmake --build "$dir" -j"$(nproc)" "$@"
done
