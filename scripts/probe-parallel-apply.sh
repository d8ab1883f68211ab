#!/bin/bash
# How much could applying a copy's chunks on more than one thread give on
# this machine?  An upper bound, measured without the copy: one server
# inserts the rows of sysbench tables into empty copies of them in
# chunks of CHUNK rows, a transaction each (as the replica applies a
# copy's chunks: clustered index only, the secondary index deferred, no
# binlog), in three ways:
#   serial     one connection, table after table, chunk after chunk;
#   tables     one connection per table, at once (chunks of different
#              tables in parallel);
#   chunks     two connections taking turns at each table's chunks, at
#              once (chunks of one table in parallel);
# and, with the secondary index k_1 (WAYS="indexed bulk"), serially:
#   indexed    chunk after chunk, then the index in one ALTER (what the
#              copy does: its deferred index build);
#   bulk       each table in one transaction with unique_checks=0 and
#              foreign_key_checks=0 into an empty table that has k_1:
#              InnoDB's bulk-load path (rows buffered and sorted, every
#              index built page by page at the commit).
# Nothing else runs meanwhile, so the bound is generous: the copy's
# replica also reads its chunks from the network, and its master's dump
# thread and load share the cores.
#
#   scripts/probe-parallel-apply.sh
#     TABLES=2 ROWS=500000 CHUNK=10000 RUNS=3 WAYS="serial tables chunks"
#     CPUS=0,1 (the cores the server may use; CPUS=1: the replica's one
#       core of bench-sysbench.sh's HOSTS=split)
. "$(dirname "$0")/lib.sh"
[ -x "$LDFM_BUILD/sql/mariadbd" ] || "$REPO_DIR/scripts/build.sh"

TABLES=${TABLES:-2}
ROWS=${ROWS:-500000}
CHUNK=${CHUNK:-10000}
RUNS=${RUNS:-3}
CPUS=${CPUS:-0,1}
WAYS=${WAYS:-serial tables chunks}
. "$REPO_DIR/scripts/lib-servers.sh"
need_sysbench

SERVER_WRAP="taskset -c $CPUS" start_server replica 13436 2
client replica -e "CREATE DATABASE sbtest; CREATE DATABASE dst"
sysbench oltp_read_write --db-driver=mysql --mysql-socket="$work/replica/sock" \
  --mysql-user=root --mysql-db=sbtest --tables="$TABLES" --table-size="$ROWS" \
  --create_secondary=off --threads=2 prepare >"$work/prepare.out" 2>&1 \
  || { cat "$work/prepare.out"; die "sysbench prepare failed"; }

# copy_chunks(t, first, step): chunks first, first+step, ... of sbtest.t
# into dst.t, each in its own transaction.
client replica dst <<SQL
DELIMITER |
CREATE PROCEDURE copy_chunks(t VARCHAR(64), first INT, step INT, one_trx INT)
BEGIN
  DECLARE c INT DEFAULT first;
  SET sql_log_bin= 0;
  SET @q= CONCAT('INSERT INTO dst.', t, ' SELECT * FROM sbtest.', t,
                 ' WHERE id > ? AND id <= ?');
  PREPARE s FROM @q;
  IF one_trx THEN
    SET unique_checks= 0, foreign_key_checks= 0;
    START TRANSACTION;
  END IF;
  WHILE c * $CHUNK < $ROWS DO
    SET @lo= c * $CHUNK, @hi= (c + 1) * $CHUNK;
    IF NOT one_trx THEN START TRANSACTION; END IF;
    EXECUTE s USING @lo, @hi;
    IF NOT one_trx THEN COMMIT; END IF;
    SET c= c + step;
  END WHILE;
  IF one_trx THEN COMMIT; END IF;
  DEALLOCATE PREPARE s;
END|
DELIMITER ;
SQL

# fresh: empty copies of every table, the sources read once into the
# buffer pool as far as it holds them (each way starts alike)
fresh() {
  local i
  for i in $(seq "$TABLES"); do
    client replica -e "DROP TABLE IF EXISTS dst.sbtest$i;
      CREATE TABLE dst.sbtest$i LIKE sbtest.sbtest$i;
      SELECT COUNT(*) INTO @n FROM sbtest.sbtest$i"
  done
}
# run WAY: seconds the way takes
run() {
  local start i jobs=()
  fresh
  # the bulk way loads into tables that have their index already
  if [ "$1" = bulk ]; then
    for i in $(seq "$TABLES"); do client replica -e "ALTER TABLE dst.sbtest$i ADD KEY k_1 (k)"; done
  fi
  start=$(now_ms)
  case $1 in
    serial)
      for i in $(seq "$TABLES"); do client replica dst -e "CALL copy_chunks('sbtest$i', 0, 1, 0)"; done ;;
    tables)
      for i in $(seq "$TABLES"); do
        client replica dst -e "CALL copy_chunks('sbtest$i', 0, 1, 0)" & jobs+=($!)
      done ;;
    chunks)
      for i in $(seq "$TABLES"); do
        client replica dst -e "CALL copy_chunks('sbtest$i', 0, 2, 0)" & jobs+=($!)
        client replica dst -e "CALL copy_chunks('sbtest$i', 1, 2, 0)" & jobs+=($!)
        wait "${jobs[@]}"; jobs=()
      done ;;
    indexed)
      for i in $(seq "$TABLES"); do
        client replica dst -e "CALL copy_chunks('sbtest$i', 0, 1, 0);
          ALTER TABLE dst.sbtest$i ADD KEY k_1 (k)"
      done ;;
    bulk)
      for i in $(seq "$TABLES"); do client replica dst -e "CALL copy_chunks('sbtest$i', 0, 1, 1)"; done ;;
  esac
  [ ${#jobs[@]} -eq 0 ] || wait "${jobs[@]}"
  echo "scale=2; ($(now_ms) - $start) / 1000" | bc
}

printf '%s tables x %s rows, chunks of %s rows, cores %s\n' "$TABLES" "$ROWS" "$CHUNK" "$CPUS"
printf '%-8s %s\n' way "seconds per run"
declare -A times
for _ in $(seq "$RUNS"); do
  for way in $WAYS; do times[$way]+="$(run "$way") "; done
done
for way in $WAYS; do printf '%-8s %s\n' "$way" "${times[$way]}"; done
# the bulk way took InnoDB's bulk-load path (a count per table and run)
case " $WAYS " in *" bulk "*)
  client replica -N -e "SHOW GLOBAL STATUS LIKE 'Innodb_bulk_operations'" ;;
esac
# every copy exact: the last run of each way left the same rows
for i in $(seq "$TABLES"); do
  a=$(client replica -N -e "CHECKSUM TABLE sbtest.sbtest$i" | cut -f2)
  b=$(client replica -N -e "CHECKSUM TABLE dst.sbtest$i" | cut -f2)
  [ "$a" = "$b" ] || die "dst.sbtest$i differs from its source"
done
