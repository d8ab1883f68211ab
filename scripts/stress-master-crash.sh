#!/bin/bash
# Soak without a copy: the stress workload (scripts/stress_workload.py)
# on a master that is killed with SIGKILL and restarted every few
# seconds, replicated by a plain replica (GTID, no LOAD DATA FROM MASTER);
# at the end every table's rows and checksum are compared.  The sessions
# leave out what MariaDB does not keep consistent with its binary log over
# a crash (XA transactions, partition counts, MyISAM and Aria: see
# stress_workload.py), as on a master that stress-workload.sh kills.  It
# tells MariaDB's own crash behaviour from the copy's: a difference found
# by stress-workload.sh with MASTER_FAULTS=1 that this script shows too
# (UNPATCHED=1: on Debian's own mariadbd) is the server's, not the copy's
# (docs/design.md, "The master's own crash recovery").  Exits non-zero on
# a difference, a stopped replica, or a master that does not start again,
# and keeps both servers' data then.
#
#   KILLS=20 SEED=1 scripts/stress-master-crash.sh
#   UNPATCHED=1 DDL=1 KILLS=25 scripts/stress-master-crash.sh
#   FULL_WORKLOAD=1 UNPATCHED=1 scripts/stress-master-crash.sh
. "$(dirname "$0")/lib.sh"
[ -x "$LDFM_BUILD/sql/mariadbd" ] || "$REPO_DIR/scripts/build.sh"
KILLS=${KILLS:-20}
SESSIONS=${SESSIONS:-4}
DDL=${DDL:-2}
SEED=${SEED:-$$}
UNPATCHED=${UNPATCHED:-0}
# FULL_WORKLOAD=1: the sessions run what they run on a master that is not
# killed, with what stress_workload.py leaves out when it is; differences
# are then to be expected, the server's own (README, "A limit of the
# master"; docs/design.md, "The master's own crash recovery").
FULL_WORKLOAD=${FULL_WORKLOAD:-0}
MASTER_PORT=${MASTER_PORT:-13366}
REPLICA_PORT=${REPLICA_PORT:-13367}
. "$REPO_DIR/scripts/lib-servers.sh"
. "$REPO_DIR/scripts/lib-workload.sh"
mariadbd=$B/sql/mariadbd
[ "$UNPATCHED" = 1 ] && mariadbd=$(unpatched_mariadbd)
RANDOM=$SEED

# A difference is the server's when the group that the master lost is
# one of the last before a kill and ends in COMMIT with xid=0 (a one-phase
# commit: a transaction that had an Aria or MyISAM table in it commits the
# binary log first), or is an XA: see the README's crash caveats.
fail() { KEEP_WORK=1; die "$* (the master's binary logs and error log are kept in $work)"; }
slave_error() { client replica -N -B -e "SHOW SLAVE STATUS\G" | sed -n "s/^ *Last_$1_Error: //p"; }

# A master killed while it wrote a large event leaves it cut short in a
# closed binary log file, which every replica's IO thread stops at
# (README: "A master that crashed while writing a large event"): cut off
# as the README tells a DBA to, then the IO thread started again.
mend_truncated_binlog() {
  local error file
  error=$(slave_error IO)
  file=$(cut_event_file "$error")
  [ -n "$file" ] || return 0
  cut_binlog_tail master "$file"
  client replica -e "START SLAVE IO_THREAD"
}

log "master: $("$mariadbd" --version | sed 's/.*Ver //; s/ .*//'), seed $SEED, $KILLS kills"
start_server master "$MASTER_PORT" 1 "$mariadbd"
master_pid=${pids[-1]}
python3 "$gen" schema 20000 | client master
start_server replica "$REPLICA_PORT" 2 "$mariadbd"
client replica -e "CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=$MASTER_PORT,
                   MASTER_USER='root', MASTER_USE_GTID=slave_pos, MASTER_CONNECT_RETRY=1;
                   START SLAVE"
start_writes "$SEED" "$((1 - FULL_WORKLOAD))"
for k in $(seq "$KILLS"); do
  sleep "$((1 + RANDOM % 4)).$((RANDOM % 10))"
  kill -9 "$master_pid"; wait "$master_pid" 2>/dev/null || true
  stop_writes
  run_server master "$MASTER_PORT" 1 "$mariadbd"
  master_pid=${pids[-1]}
  # XA transactions the recovery left prepared, ended as their
  # transaction manager would, not knowing whether their commit was
  # logged: rolled back
  xas=$(rollback_prepared_xa master)
  printf 'kill %d: master at %s; XA rolled back: %s\n' "$k" \
    "$(client master -N -B -e 'SELECT @@gtid_binlog_pos')" "${xas:-none}"
  error=$(slave_error SQL)
  [ -z "$error" ] || fail "after kill $k the replica stopped: $error"
  mend_truncated_binlog
  start_writes "$SEED" "$((1 - FULL_WORKLOAD))"
done
stop_writes
pos=$(client master -N -B -e "SELECT @@gtid_binlog_pos")
for _ in $(seq 30); do
  waited=$(client replica -N -B -e "SELECT MASTER_GTID_WAIT('$pos', 10)")
  [ "$waited" = 0 ] && break
  mend_truncated_binlog
done
[ "$waited" = 0 ] ||
  fail "the replica did not catch up with $pos: $(slave_error SQL) $(slave_error IO)"
if ! diff <(schema_checksums master sw) <(schema_checksums replica sw); then
  fail "the replica differs from the master after $KILLS kills"
fi
log "the replica's $(schema_checksums replica sw | wc -l) tables match the master's after $KILLS kills (master at $pos)"
