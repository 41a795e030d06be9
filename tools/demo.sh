#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The main job on the embedded defaults: installs what is missing, builds, starts the bundled
# exchange simulator and fixgate with config/fixgate.yaml (file journal under var/), sends a few
# demo orders through the upstream socket with the client CLI, prints what happened to each, and
# shuts everything down cleanly. Safe to run again: the journal carries on where it stopped.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh --target fixgate fixgate_simulator fixgate_client >/dev/null

build=${FIXGATE_BUILD_DIR:-build}
mkdir -p var/log
export FIXGATE_DEMO_TOKEN=${FIXGATE_DEMO_TOKEN:-demo-token}
export FIXGATE_OPS_TOKEN=${FIXGATE_OPS_TOKEN:-ops-token}

sim_pid="" gate_pid=""
cleanup() {
  [ -n "$gate_pid" ] && kill -TERM "$gate_pid" 2>/dev/null && wait "$gate_pid" 2>/dev/null || true
  [ -n "$sim_pid" ] && kill -TERM "$sim_pid" 2>/dev/null && wait "$sim_pid" 2>/dev/null || true
}
trap cleanup EXIT

wait_for_log() {  # file pattern seconds
  for _ in $(seq 1 $(( $3 * 10 ))); do
    grep -q "$2" "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "demo: timed out waiting for '$2' in $1" >&2
  tail -20 "$1" >&2
  return 1
}

"$build"/tools/simulator/fixgate-simulator --listen 127.0.0.1:9878 --store-dir var/simulator-store \
  --executions var/simulator-executions.jsonl --executions-csv var/simulator-executions.csv \
  --fill partial:2 >var/log/simulator.log 2>&1 &
sim_pid=$!
wait_for_log var/log/simulator.log "listening 127.0.0.1:9878" 10

"$build"/src/daemon/fixgate --config config/fixgate.yaml >var/log/fixgate.log 2>&1 &
gate_pid=$!
wait_for_log var/log/fixgate.log "session SIM logged on" 20

client=("$build"/tools/client/fixgate-client --connect 127.0.0.1:7001 --client demo --token-env FIXGATE_DEMO_TOKEN)
run_id=$(date +%H%M%S)

echo "== a limit order, filled in two parts by the simulator"
"${client[@]}" new --client-order-id "buy-$run_id" --account ACC1 --symbol 7203 --side buy --qty 300 \
  --type limit --price 2500.5 --wait filled --timeout 10

echo "== an order that rests (HOLD* symbols are never filled), then cancelled"
"${client[@]}" new --client-order-id "rest-$run_id" --account ACC1 --symbol HOLD1 --side sell --qty 100 \
  --type limit --price 2600 --wait accepted --timeout 10
"${client[@]}" cancel "rest-$run_id" --new-id "rest-$run_id-x" --wait done --timeout 10

echo "== an order over the account's risk limit (ACC2 may not send more than 5000)"
"${client[@]}" new --client-order-id "big-$run_id" --account ACC2 --symbol 7203 --side buy --qty 6000 \
  --type limit --price 2500 --timeout 10 || true

echo "== the kill switch: ops stops account ACC1 (its resting order is cancelled at the simulator), then releases it"
admin=("$build"/tools/client/fixgate-client --connect 127.0.0.1:7001 --client ops --token-env FIXGATE_OPS_TOKEN)
"${client[@]}" new --client-order-id "rest2-$run_id" --account ACC1 --symbol HOLD2 --side buy --qty 100 \
  --type limit --price 2400 --wait accepted --timeout 10
"${admin[@]}" kill --scope account --target ACC1 --reason "demo: runaway algo" --timeout 10
"${client[@]}" new --client-order-id "blocked-$run_id" --account ACC1 --symbol 7203 --side buy --qty 100 \
  --type limit --price 2500 --timeout 10 || true
"${admin[@]}" release --scope account --target ACC1 --reason "demo: fixed" --timeout 10

echo "== shutting down"
kill -TERM "$gate_pid"; wait "$gate_pid"; gate_pid=""
kill -TERM "$sim_pid"; wait "$sim_pid"; sim_pid=""
echo "demo done: journal in var/journal, simulator executions in var/simulator-executions.jsonl, logs in var/log/"
