#!/bin/bash
# Soak: LOAD DATA FROM MASTER while several sessions run a random workload
# of the kinds sysbench does not (scripts/stress_workload.py: keys that
# move across the cursor, a keyless table, a descending and a
# case-insensitive key, a nullable UNIQUE key, foreign-key cascades,
# MyISAM and Aria inside transactions, partitions, BLOBs, XA, savepoints,
# multi-table statements; with DDL=1 rare ALTERs and tables created and
# dropped; with DDL=2 more of them and of more kinds: renames and swaps,
# engine and primary key changes, partition maintenance and exchange,
# triggers, views and sequences), each run with its own seed and chunk
# size.  With FAULTS=1 the copy meets a random fault every few seconds
# (the statement killed, the slave SQL thread killed, the master's dump
# thread killed, the replica killed with SIGKILL and restarted; with
# MASTER_FAULTS=1 the master too) and the same statement is run again.  Each run then starts the replica, waits
# until it caught up and compares every table's rows and CHECKSUM TABLE
# EXTENDED, and the views', triggers' and sequences' state.  A copy not
# ended after TIMEOUT seconds (600) gets as long again without faults and
# writes; one that does not end then fails the run.  Exits
# non-zero on the first difference or failure, and keeps both servers'
# data then (KEEP_WORK=1: always).  Not part of the test suite:
# minutes per run.
#
#   RUNS=5 SESSIONS=3 ROWS=20000 scripts/stress-workload.sh
#   RUNS=5 FAULTS=1 PARALLEL=4 ROWS_PER_SECOND=30000 scripts/stress-workload.sh
#   RUNS=3 DDL=1 SEED=42 scripts/stress-workload.sh
#   RUNS=3 DDL=2 FAULTS=1 ROWS_PER_SECOND=20000 scripts/stress-workload.sh
#   RUNS=3 FAULTS=1 MASTER_FAULTS=1 ROWS_PER_SECOND=20000 scripts/stress-workload.sh
. "$(dirname "$0")/lib.sh"
[ -x "$LDFM_BUILD/sql/mariadbd" ] || "$REPO_DIR/scripts/build.sh"
RUNS=${RUNS:-3}
SESSIONS=${SESSIONS:-3}
ROWS=${ROWS:-20000}
PARALLEL=${PARALLEL:-0}
FAULTS=${FAULTS:-0}
DDL=${DDL:-0}
FAULT_EVERY=${FAULT_EVERY:-3}
# Also kill the master (SIGKILL) and restart it (it takes up the copy's
# plan from its data directory, provision_plans).
MASTER_FAULTS=${MASTER_FAULTS:-0}
# provision_max_rows_per_second on the master: a longer copy meets more faults
ROWS_PER_SECOND=${ROWS_PER_SECOND:-0}
TIMEOUT=${TIMEOUT:-600}
MASTER_PORT=${MASTER_PORT:-13356}
REPLICA_PORT=${REPLICA_PORT:-13357}
SEED=${SEED:-$$}
. "$REPO_DIR/scripts/lib-servers.sh"
RANDOM=$SEED
. "$REPO_DIR/scripts/lib-workload.sh"

replica_args=
if [ "$PARALLEL" -gt 0 ]; then
  # Workers apply the master's transactions during the copy only with
  # mysql.gtid_slave_pos in InnoDB.
  replica_args="--slave-parallel-threads=$PARALLEL --slave-parallel-mode=optimistic
    --init-file=$REPO_DIR/mysql-test/suite/provision/gtid_slave_pos_innodb.sql"
fi

# With DDL, a throttled copy meets many ALTERs of one table (OPTIMIZE
# TABLE t_part): more than the default 5 copies again of a table would
# stop it, as designed (provision_max_recopies).
if [ "$DDL" -ge 1 ]; then
  replica_args="$replica_args --provision-max-recopies=1000"
fi

# Every table's rows and checksum, then the objects the copy creates
# after the tables (with DDL=2 the workload makes and drops them): each
# view's and trigger's definition and each sequence's next value; and the
# history of the system-versioned table.
checksums() {
  local s
  schema_checksums "$1" sw
  client "$1" -N -B -e "SELECT 'view', table_name, MD5(view_definition)
      FROM information_schema.views WHERE table_schema = 'sw'
    UNION ALL SELECT 'trigger', trigger_name,
      MD5(CONCAT(event_object_table, action_timing, event_manipulation, action_statement))
      FROM information_schema.triggers WHERE trigger_schema = 'sw' ORDER BY 1, 2"
  # A system-versioned table's history too (CHECKSUM TABLE reads only
  # its current rows), with the master's timestamps
  client "$1" -N -B -e "SELECT 'history', COUNT(*),
      BIT_XOR(CRC32(CONCAT_WS(',', id, v, row_start, row_end)))
      FROM sw.t_vers FOR SYSTEM_TIME ALL"
  for s in $(client "$1" -N -B -e "SELECT table_name FROM information_schema.tables
             WHERE table_schema = 'sw' AND table_type = 'SEQUENCE' ORDER BY 1"); do
    echo "sequence $s $(client "$1" -N -B -e "SELECT next_not_cached_value FROM sw.$s")"
  done
}
# The last fault, if any
last_fault() { [ ${#faults[@]} -gt 0 ] && echo "${faults[-1]}" || echo "no fault"; }

# A failed run keeps both servers' data for a post-mortem (the relay
# log's copy groups, the binary logs, the replica's record)
fail() { KEEP_WORK=1; die "$@"; }

# last_answer: the last line the copy statements answered
last_answer() { grep -a . "$work/load.log" | tail -1 || true; }

load_pid=
# The statement's option: REPLACE once a copy had to start again
mode=
load() {
  # After a fault, as a DBA would: the same statement without REPLACE
  # when the copy is kept (REPLACE would start it again), REPLACE when
  # the copy says it must start again (its plan changed: tables created
  # or dropped on the master), and a stop when a fault lost the copy.
  # After a lost client connection (the replica killed) the option stays
  # as it was.
  local last
  last=$(last_answer)
  case "$last" in
    # A view the workload broke (DDL=2: its table dropped or renamed, a
    # column dropped): dropped on the master, as the DBA is told
    *"reads a table, column or function that is gone"*)
      view=$(printf '%s\n' "$last" | grep -o 'view `[^`]*`\.`[^`]*`' | head -1 | cut -c6-)
      [ -n "$view" ] || fail "run $run: $last"
      client master -e "DROP VIEW IF EXISTS $view"
      views_dropped=$((views_dropped + 1)) ;;
    # The copy kept (the statement killed keeps it too; if it had not
    # begun a REPLACE yet, the next one is refused and REPLACE runs)
    *"goes on with"*|"ERROR 1927 "*|"ERROR 1317 "*) mode= ;;
    # The client's connection lost (the replica killed)
    ""|"ERROR 2013 "*|"ERROR 2006 "*) ;;
    *"must start again"*) mode=REPLACE; replacements=$((replacements + 1)) ;;
    # The master killed while it wrote a large event left it cut short at
    # the end of a binary log file: cut off as the message says; the copy
    # is kept
    *"of the master ends in an event cut short"*)
      [ "$(last_fault)" = "master SIGKILL" ] || fail "run $run: $last"
      cut_binlog_tail master "$(cut_event_file "$last")"
      mode= ;;
    # The SQL thread killed in a transaction of the master's that had
    # changed MyISAM or Aria: part of it is applied, as in any
    # replication, and the copy cannot go on (README, "An unfinished copy")
    *"incomplete event group having non-transactional changes"*|\
    *"copy cannot go on"*"was killed"*|*"copy cannot go on"*"was interrupted"*)
      [ "$(last_fault)" = "SQL thread killed" ] || fail "run $run: $last"
      mode=REPLACE; replacements=$((replacements + 1)) ;;
    # The connection lost (a dump thread killed) while the SQL thread was
    # in a transaction of the master's that had changed MyISAM or Aria,
    # whose rest never came: the copy cannot go on (README)
    *"connection to the master was lost, and the slave SQL thread stopped"*)
      case "$(last_fault)" in
        "dump thread killed"|"master SIGKILL") ;;
        *) fail "run $run: $last" ;;
      esac
      mode=REPLACE; replacements=$((replacements + 1)) ;;
    # The statement killed while the SQL thread waited for the rest of a
    # transaction of the master's that had changed MyISAM or Aria (the
    # connection lost too): the copy was not kept, and the statement run
    # again says so (README, "An unfinished copy")
    *"stopped on an error before its end and cannot go on"*)
      [ "$(last_fault)" = "statement killed" ] || fail "run $run: $last"
      mode=REPLACE; replacements=$((replacements + 1)) ;;
    # XA transactions the killed copy's stream left prepared here hold
    # locks a REPLACE copy would wait for: refused, as the DBA is told,
    # they are rolled back here (the copy replaces what they changed)
    *"prepared XA transaction(s)"*)
      [ "$mode" = REPLACE ] || fail "run $run: $last"
      rollback_prepared_xa replica >/dev/null ;;
    *) fail "run $run: the copy cannot go on after $(last_fault): $last" ;;
  esac
  client replica -e "LOAD DATA FROM MASTER $mode" >>"$work/load.log" 2>&1 &
  load_pid=$!
}

start_server master "$MASTER_PORT" 1
master_pid=${pids[-1]}
for run in $(seq "$RUNS"); do
  run_seed=$((SEED + run))
  RANDOM=$run_seed
  chunk=$((RANDOM % 3 == 0 ? 1 + RANDOM % 20 : 50 + RANDOM % 2000))
  log "run $run: seed $run_seed, $SESSIONS sessions, provision_chunk_rows=$chunk"
  # A master killed in the run before may have left a file in the
  # database's directory that DROP DATABASE does not know (it drops every
  # table, then cannot remove the directory): shown, removed, dropped again.
  if ! client master -e "DROP DATABASE IF EXISTS sw" 2>"$work/drop.err"; then
    cat "$work/drop.err"
    ls -la "$work/master/data/sw"
    rm -rf "$work/master/data/sw"
    client master -e "DROP DATABASE IF EXISTS sw"
  fi
  python3 "$gen" schema "$ROWS" | client master
  client master -e "SET GLOBAL provision_chunk_rows=$chunk,
                    GLOBAL provision_max_rows_per_second=$ROWS_PER_SECOND"
  rm -rf "$work/replica"
  SERVER_ARGS=$replica_args start_server replica "$REPLICA_PORT" 2
  replica_pid=${pids[-1]}
  client replica -e "CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=$MASTER_PORT,
                     MASTER_USER='root', MASTER_USE_GTID=slave_pos, MASTER_CONNECT_RETRY=1"
  : >"$work/load.log"
  mode=
  faults=()
  applied_at_fault=
  replacements=0
  views_dropped=0
  quiet=
  start_writes "$run_seed" "$MASTER_FAULTS"
  sleep 1
  load
  deadline=$((SECONDS + TIMEOUT))
  while :; do
    sleep "0.$((RANDOM % 9 + 1))"
    if ! kill -0 "$load_pid" 2>/dev/null; then
      wait "$load_pid" && break
      last_answer
      # Without faults only a view the workload broke stops a copy (then
      # dropped), after which a copy whose plan changed starts again
      [ "$FAULTS" = 1 ] || [ "$views_dropped" -gt 0 ] ||
        [[ "$(last_answer)" == *"function that is gone"* ]] ||
        fail "run $run: the copy failed"
      load
      continue
    fi
    if [ $SECONDS -ge $deadline ]; then
      [ -z "$quiet" ] || fail "run $run: the copy did not end in $TIMEOUT s after the faults and writes stopped"
      # A copy ends once the replica applied the master's binary log up
      # to where the dump stood when it had sent everything else, and a
      # resume after a fault takes that end from the master anew: with a
      # fault every few seconds and a master that writes about as fast as
      # the replica applies (a tiny chunk size makes the copy long), it
      # chases its end, as replication would chase the master's.  The
      # faults and the writes stop; a copy that does not end then is stuck.
      quiet=1
      stop_writes
      log "run $run: no end in $TIMEOUT s (replica at $(client replica -N -B -e 'SELECT @@gtid_slave_pos' 2>/dev/null || echo '?')); faults and writes stop, the copy has $TIMEOUT s more"
      deadline=$((SECONDS + TIMEOUT))
    fi
    [ "$FAULTS" = 1 ] && [ -z "$quiet" ] && [ $((RANDOM % (FAULT_EVERY * 5))) = 0 ] || continue
    # The next fault once the replica applied something since the last:
    # a statement the slave waits for may take a while (the master's
    # OPTIMIZE TABLE behind an XA transaction prepared here waits
    # innodb_lock_wait_timeout, then fails as it did on the master), and
    # faults every few seconds never let it end, which replication
    # without a copy would not survive either.
    applied=$(client replica -N -B -e "SELECT @@gtid_slave_pos" 2>/dev/null) || continue
    [ "$applied" != "$applied_at_fault" ] || continue
    applied_at_fault=$applied
    case $((RANDOM % (MASTER_FAULTS == 1 ? 5 : 4))) in
      0)
        kill_thread replica "COMMAND = 'Query' AND INFO LIKE 'LOAD DATA FROM MASTER%'" ||
          continue
        faults+=("statement killed") ;;
      3)
        # What SHOW PROCESSLIST shows applying "LOAD DATA FROM MASTER: ..."
        kill_thread replica "COMMAND = 'Slave_SQL'" || continue
        faults+=("SQL thread killed") ;;
      1)
        kill_thread master "COMMAND = 'Binlog Dump'" || continue
        faults+=("dump thread killed") ;;
      2)
        kill -9 "$replica_pid"; wait "$replica_pid" 2>/dev/null || true
        wait "$load_pid" 2>/dev/null || true
        SERVER_ARGS=$replica_args run_server replica "$REPLICA_PORT" 2
        replica_pid=${pids[-1]}
        load
        faults+=("replica SIGKILL") ;;
      4)
        # The master killed and restarted, its sessions with it; the
        # copy goes on through the replica's reconnection.  The workload
        # runs no XA transactions on a master it kills (MariaDB 10.11's
        # recovery cannot tell whether its binary log committed one:
        # docs/design.md, "The master's own crash recovery"); any its
        # recovery still leaves prepared are rolled back, as their
        # transaction manager would end them (the copy waits for them).
        kill -9 "$master_pid"; wait "$master_pid" 2>/dev/null || true
        stop_writes
        run_server master "$MASTER_PORT" 1
        master_pid=${pids[-1]}
        rollback_prepared_xa master >/dev/null
        client master -e "SET GLOBAL provision_chunk_rows=$chunk,
                          GLOBAL provision_max_rows_per_second=$ROWS_PER_SECOND"
        start_writes "$run_seed" "$MASTER_FAULTS"
        faults+=("master SIGKILL") ;;
    esac
  done
  stop_writes
  errors=$(grep -ao '^ERROR [0-9]*' "$work/writes.log" | sort | uniq -c | awk '{printf "%s %s, ", $3, $1}')
  : >"$work/writes.log"
  # The catch-up after the copy is plain replication: serial, since
  # MariaDB's own parallel replication is not exact for the workload's
  # statements that write MyISAM and InnoDB together (README: a copy
  # mends it only while it runs).
  client replica -e "SET GLOBAL slave_parallel_threads=0"
  client replica -e "START SLAVE"
  pos=$(client master -N -B -e "SELECT @@gtid_binlog_pos")
  waited=$(client replica -N -B -e "SELECT MASTER_GTID_WAIT('$pos', 600)")
  [ "$waited" = 0 ] || { client replica -e "SHOW SLAVE STATUS\G"; fail "run $run: the replica did not catch up with $pos"; }
  if ! diff <(checksums master) <(checksums replica) >"$work/diff"; then
    cat "$work/diff"
    fail "run $run (seed $run_seed, chunk $chunk): the replica differs from the master"
  fi
  txns=$(client master -N -B -e "SELECT SUBSTRING_INDEX(@@gtid_binlog_pos, '-', -1)")
  printf 'run %d: %d tables and objects match after %d faults (%s)%s, %d copies again with REPLACE, %d broken views dropped; master at %s transactions; the workload'"'"'s errors (code count): %s\n' \
    "$run" "$(checksums master | wc -l)" "${#faults[@]}" "$(printf '%s, ' "${faults[@]}" | sed 's/, $//')" \
    "${quiet:+, the copy ended after they and the writes stopped}" \
    "$replacements" "$views_dropped" "$txns" "${errors%, }"
  client replica -e "SHUTDOWN" || true
  wait "$replica_pid" 2>/dev/null || true
done
log "all $RUNS runs match"
