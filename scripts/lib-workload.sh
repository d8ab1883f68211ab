# The stress workload's sessions (scripts/stress_workload.py) on the
# master, for the soak scripts; sourced after lib-servers.sh.
# shellcheck shell=bash

gen=$REPO_DIR/scripts/stress_workload.py
writers=()
# On any exit, the sessions first: a client run with --force outlives its
# server, and the servers' cleanup waits for every child.
trap 'touch "$work/stop"; for p in "${writers[@]}"; do kill "$p" 2>/dev/null || true; done
      cleanup_servers' EXIT

# start_writes SEED KILLED: $SESSIONS sessions on the master, session s
# with seed SEED * 100 + s, each a client that goes on past errors;
# KILLED=1 for a master that is killed, which leaves out what its crash
# recovery does not end as its binary log says (stress_workload.py).
start_writes() {
  local s
  rm -f "$work/stop"
  for s in $(seq "$SESSIONS"); do
    python3 "$gen" session $(($1 * 100 + s)) "$work/stop" "$DDL" "$2" |
      "$B/client/mariadb" --no-defaults -uroot --socket="$work/master/sock" --force \
        >>"$work/writes.log" 2>&1 &
    writers+=($!)
  done
}

# stop_writes: ends the sessions, each after the transaction it is in.
stop_writes() {
  local p
  touch "$work/stop"
  for p in "${writers[@]}"; do wait "$p" 2>/dev/null || true; done
  writers=()
}
