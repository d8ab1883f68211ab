#!/bin/bash
# Stress: LOAD DATA FROM MASTER while sysbench oltp_read_write writes on
# the master, then START SLAVE, catch up and compare every table's
# CHECKSUM TABLE EXTENDED and row count.  Repeats RUNS times; exits non-zero
# on the first mismatch.  Not part of the test suite (it needs sysbench and
# minutes); bounded in time by SECONDS_PER_RUN.
#
#   TABLES=4 TABLE_SIZE=100000 RUNS=3 THREADS=4 CHUNK_ROWS=1000 scripts/stress.sh
. "$(dirname "$0")/lib.sh"
[ -x "$LDFM_BUILD/sql/mariadbd" ] || "$REPO_DIR/scripts/build.sh"
TABLES=${TABLES:-4}
TABLE_SIZE=${TABLE_SIZE:-100000}
RUNS=${RUNS:-3}
THREADS=${THREADS:-4}
CHUNK_ROWS=${CHUNK_ROWS:-1000}
SECONDS_PER_RUN=${SECONDS_PER_RUN:-300}
MASTER_PORT=${MASTER_PORT:-13336}
REPLICA_PORT=${REPLICA_PORT:-13337}
. "$REPO_DIR/scripts/lib-servers.sh"

need_sysbench

# sysbench's options for the master
sb_opts=(oltp_read_write --db-driver=mysql --mysql-host=127.0.0.1
         --mysql-port="$MASTER_PORT" --mysql-user=root --mysql-db=sbtest
         --tables="$TABLES" --table-size="$TABLE_SIZE" --threads="$THREADS")

log "master: sysbench $TABLES tables x $TABLE_SIZE rows"
start_server master "$MASTER_PORT" 1
client master -e "CREATE DATABASE sbtest; SET GLOBAL provision_chunk_rows=$CHUNK_ROWS"
sysbench "${sb_opts[@]}" prepare >/dev/null

for run in $(seq "$RUNS"); do
  name=replica$run
  log "run $run: provisioning $name while sysbench writes ($THREADS threads)"
  start_server "$name" $((REPLICA_PORT + run)) $((run + 1))
  client "$name" -e "CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=$MASTER_PORT,
                     MASTER_USER='root', MASTER_USE_GTID=slave_pos"
  # Started directly (not through a function), so that $! is sysbench.
  sysbench "${sb_opts[@]}" --time="$SECONDS_PER_RUN" run >"$work/sysbench-$run.log" 2>&1 &
  sbpid=$!
  sleep 5
  seq0=$(client master -N -B -e "SELECT SUBSTRING_INDEX(@@gtid_binlog_pos, '-', -1)")
  t0=$(date +%s.%N)
  timeout "$SECONDS_PER_RUN" "$B/client/mariadb" --no-defaults -uroot \
    --socket="$work/$name/sock" -e "LOAD DATA FROM MASTER" \
    || { kill "$sbpid"; die "run $run: LOAD DATA FROM MASTER failed"; }
  t1=$(date +%s.%N)
  seq1=$(client "$name" -N -B -e "SELECT SUBSTRING_INDEX(@@gtid_slave_pos, '-', -1)")
  kill "$sbpid" 2>/dev/null; wait "$sbpid" 2>/dev/null || true
  client "$name" -e "START SLAVE"
  pos=$(client master -N -B -e "SELECT @@gtid_binlog_pos")
  waited=$(client "$name" -N -B -e "SELECT MASTER_GTID_WAIT('$pos', $SECONDS_PER_RUN)")
  [ "$waited" = 0 ] || die "run $run: the replica did not catch up with $pos"
  if ! diff <(sbtest_checksums master) <(sbtest_checksums "$name") >"$work/diff-$run"; then
    cat "$work/diff-$run"
    die "run $run: the replica differs from the master"
  fi
  printf 'run %d: copy %.1f s, %d master transactions (sysbench) during the copy; %d tables match (rows and CHECKSUM TABLE EXTENDED)\n' \
    "$run" "$(awk "BEGIN { print $t1 - $t0 }")" $((seq1 - seq0)) "$TABLES"
  client "$name" -e "STOP SLAVE"
done
log "all $RUNS runs match"
