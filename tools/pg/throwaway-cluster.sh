#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# A throwaway PostgreSQL cluster for tests: initdb in a fresh temporary directory, listening only
# on 127.0.0.1 at a free port (and a Unix socket inside that directory), trust authentication.
#
#   tools/pg/throwaway-cluster.sh start STATE_DIR   # prints the DSN on stdout, writes STATE_DIR/dsn
#   tools/pg/throwaway-cluster.sh stop STATE_DIR    # stops the server and removes everything
#
# STATE_DIR holds small files only (dsn, port, datadir, owner); the cluster itself lives in a
# mktemp directory under ${TMPDIR:-/tmp} (short path: Unix socket names are limited to 107 bytes).
# PostgreSQL refuses to run as root: when run as root the server runs as `nobody` via runuser
# (or as FIXGATE_PG_USER), with its directory chowned to that user. The database superuser is
# always `fixgate`. Needs the PostgreSQL server binaries (Debian: /usr/lib/postgresql/*/bin).
set -euo pipefail

usage() { echo "usage: $0 start|stop STATE_DIR" >&2; exit 2; }
[[ $# -eq 2 ]] || usage
cmd=$1
state=$2

find_bindir() {
  if [[ -n "${FIXGATE_PG_BINDIR:-}" ]]; then echo "$FIXGATE_PG_BINDIR"; return; fi
  if command -v initdb >/dev/null 2>&1; then dirname "$(command -v initdb)"; return; fi
  local d
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    [[ -x "$d/initdb" ]] && { echo "$d"; return; }
  done
  echo "throwaway-cluster: no PostgreSQL server binaries (initdb) found; set FIXGATE_PG_BINDIR" >&2
  exit 1
}

# Runs a server binary as the cluster's owner.
as_owner() {
  if [[ "$(id -u)" -eq 0 ]]; then
    runuser -u "$owner" -- "$@"
  else
    "$@"
  fi
}

# A port nothing listens on now (the server start below still retries if it loses a race).
pick_port() {
  local port i
  for i in $(seq 1 50); do
    port=$(( 20000 + RANDOM % 40000 ))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "$port"; return; fi
  done
  echo "throwaway-cluster: no free port found" >&2
  exit 1
}

start() {
  local bindir data port dsn attempt
  bindir=$(find_bindir)
  mkdir -p "$state"
  if [[ -f "$state/datadir" ]]; then
    # Left over from a run that never reached its stop (a crashed or interrupted test run).
    echo "throwaway-cluster: removing the stale cluster described in $state" >&2
    stop
    mkdir -p "$state"
  fi
  owner=$(id -un)
  data=$(mktemp -d "${TMPDIR:-/tmp}/fixgate-pg.XXXXXX")
  echo "$data" > "$state/datadir"
  if [[ "$(id -u)" -eq 0 ]]; then
    owner=${FIXGATE_PG_USER:-nobody}
    chown "$owner" "$data"
  fi
  echo "$owner" > "$state/owner"
  as_owner "$bindir/initdb" -D "$data/db" -U fixgate -A trust -E UTF8 --locale=C.UTF-8 \
    >"$data/initdb.log" 2>&1 || { cat "$data/initdb.log" >&2; exit 1; }
  for attempt in 1 2 3 4 5; do
    port=$(pick_port)
    if as_owner "$bindir/pg_ctl" -D "$data/db" -l "$data/server.log" -w -t 30 start \
         -o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories=$data -c max_connections=100" \
         >/dev/null 2>&1; then
      dsn="host=127.0.0.1 port=$port dbname=postgres user=fixgate"
      echo "$port" > "$state/port"
      echo "$bindir" > "$state/bindir"
      echo "$dsn" > "$state/dsn"
      echo "$dsn"
      return 0
    fi
    echo "throwaway-cluster: start on port $port failed (attempt $attempt):" >&2
    tail -n 5 "$data/server.log" >&2 || true
  done
  exit 1
}

stop() {
  [[ -f "$state/datadir" ]] || { echo "throwaway-cluster: nothing to stop in $state" >&2; return 0; }
  local data bindir
  data=$(cat "$state/datadir")
  owner=$(cat "$state/owner" 2>/dev/null || id -un)
  bindir=$(cat "$state/bindir" 2>/dev/null || find_bindir)
  if [[ -f "$data/db/postmaster.pid" ]]; then
    as_owner "$bindir/pg_ctl" -D "$data/db" -m immediate -w -t 30 stop >/dev/null 2>&1 || true
  fi
  # Only ever remove what start created.
  case "$data" in
    */fixgate-pg.*) rm -rf -- "$data" ;;
    *) echo "throwaway-cluster: refusing to remove unexpected directory $data" >&2 ;;
  esac
  rm -f -- "$state/datadir" "$state/owner" "$state/port" "$state/bindir" "$state/dsn"
  rmdir -- "$state" 2>/dev/null || true
}

case "$cmd" in
  start) start ;;
  stop) stop ;;
  *) usage ;;
esac
