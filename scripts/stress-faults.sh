#!/bin/bash
# Faults during one copy: LOAD DATA FROM MASTER while sysbench
# oltp_read_write writes on the master, with a random fault every few
# seconds until the copy ends: the master's dump thread killed, the
# replica killed with SIGKILL (and the same statement run again after its
# restart), the master restarted, or an ALTER TABLE on the master (a
# comment, which the copy goes on through, or a rebuild to the same
# engine, which copies the table being copied again).  Then START SLAVE, catch up, and
# compare every table's CHECKSUM TABLE EXTENDED and row count.  Prints the
# faults the copy survived; exits non-zero if the copy fails or differs.
# Not part of the test suite (it needs sysbench and minutes).
#
#   TABLES=4 TABLE_SIZE=100000 THREADS=2 ROWS_PER_SECOND=20000 \
#     FAULT_EVERY=4 MAX_FAULTS=12 scripts/stress-faults.sh
. "$(dirname "$0")/lib.sh"
[ -x "$LDFM_BUILD/sql/mariadbd" ] || "$REPO_DIR/scripts/build.sh"
TABLES=${TABLES:-4}
TABLE_SIZE=${TABLE_SIZE:-100000}
THREADS=${THREADS:-2}
CHUNK_ROWS=${CHUNK_ROWS:-1000}
ROWS_PER_SECOND=${ROWS_PER_SECOND:-20000}
FAULT_EVERY=${FAULT_EVERY:-4}
MAX_FAULTS=${MAX_FAULTS:-12}
TIMEOUT=${TIMEOUT:-900}
MASTER_PORT=${MASTER_PORT:-13346}
REPLICA_PORT=${REPLICA_PORT:-13347}
SEED=${SEED:-$$}
. "$REPO_DIR/scripts/lib-servers.sh"
RANDOM=$SEED

need_sysbench
sb_opts=(oltp_read_write --db-driver=mysql --mysql-host=127.0.0.1
         --mysql-port="$MASTER_PORT" --mysql-user=root --mysql-db=sbtest
         --tables="$TABLES" --table-size="$TABLE_SIZE" --threads="$THREADS"
         --mysql-ignore-errors=all)

# The throttle is a global of the master's: set again after its restarts.
master_settings() {
  client master -e "SET GLOBAL provision_chunk_rows=$CHUNK_ROWS,
                    GLOBAL provision_max_rows_per_second=$ROWS_PER_SECOND"
}

sb_pid=
writes() { # (re)starts sysbench on the master, in the background
  sysbench "${sb_opts[@]}" --time="$TIMEOUT" run >>"$work/sysbench.log" 2>&1 &
  sb_pid=$!
}

load_pid=
load() { # LOAD DATA FROM MASTER on the replica, in the background
  client replica -e "LOAD DATA FROM MASTER" >>"$work/load.log" 2>&1 &
  load_pid=$!
}

log "seed $SEED; master: sysbench $TABLES tables x $TABLE_SIZE rows"
start_server master "$MASTER_PORT" 1
master_pid=${pids[-1]}
client master -e "CREATE DATABASE sbtest"
sysbench "${sb_opts[@]}" prepare >/dev/null
master_settings
start_server replica "$REPLICA_PORT" 2
replica_pid=${pids[-1]}
client replica -e "CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=$MASTER_PORT,
                   MASTER_USER='root', MASTER_USE_GTID=slave_pos, MASTER_CONNECT_RETRY=1"
writes
sleep 3
load
faults=()
deadline=$((SECONDS + TIMEOUT))
while :; do
  sleep $((FAULT_EVERY / 2 + RANDOM % FAULT_EVERY + 1))
  if ! kill -0 "$load_pid" 2>/dev/null; then
    wait "$load_pid" && break
    # The statement failed (a fault may have come as it ended): say why
    # and run it again, as a DBA would.
    tail -1 "$work/load.log"
    grep -q 'LOAD DATA FROM MASTER' "$work/load.log" || die "the copy failed"
    load
    continue
  fi
  [ $SECONDS -lt $deadline ] || die "the copy did not end in $TIMEOUT s"
  [ ${#faults[@]} -lt "$MAX_FAULTS" ] || continue
  case $((RANDOM % 4)) in
    0)
      kill_thread master "COMMAND = 'Binlog Dump'" || continue
      faults+=("dump thread killed") ;;
    1)
      kill -9 "$replica_pid"; wait "$replica_pid" 2>/dev/null || true
      wait "$load_pid" 2>/dev/null || true
      run_server replica "$REPLICA_PORT" 2
      replica_pid=${pids[-1]}
      load
      faults+=("replica SIGKILL") ;;
    2)
      client master -e "SHUTDOWN" 2>/dev/null || true
      wait "$master_pid" 2>/dev/null || true
      wait "$sb_pid" 2>/dev/null || true
      run_server master "$MASTER_PORT" 1
      master_pid=${pids[-1]}
      master_settings
      writes
      faults+=("master restart") ;;
    3)
      # A comment lets the copy of a table in progress go on, a rebuild
      # to the same engine copies it again.
      t=sbtest$((RANDOM % TABLES + 1))
      alter=("COMMENT='fault ${#faults[@]}'" "ENGINE=InnoDB")
      alter=${alter[RANDOM % 2]}
      client master -e "ALTER TABLE sbtest.$t $alter" 2>/dev/null || continue
      faults+=("ALTER TABLE $t $alter") ;;
  esac
  log "fault ${#faults[@]}: ${faults[-1]}"
done
log "the copy ended after ${#faults[@]} faults"
kill "$sb_pid" 2>/dev/null; wait "$sb_pid" 2>/dev/null || true
client replica -e "START SLAVE"
pos=$(client master -N -B -e "SELECT @@gtid_binlog_pos")
waited=$(client replica -N -B -e "SELECT MASTER_GTID_WAIT('$pos', 600)")
[ "$waited" = 0 ] || die "the replica did not catch up with $pos"
if ! diff <(sbtest_checksums master) <(sbtest_checksums replica) >"$work/diff"; then
  cat "$work/diff"
  die "the replica differs from the master"
fi
resumes=$(client replica -N -B -e "SHOW GLOBAL STATUS LIKE 'Provision_resumes'" | cut -f2)
printf 'survived %d faults (%s); %d tables match (rows and CHECKSUM TABLE EXTENDED); Provision_resumes since the last replica restart: %s\n' \
  "${#faults[@]}" "$(printf '%s, ' "${faults[@]}" | sed 's/, $//')" "$TABLES" "$resumes"
