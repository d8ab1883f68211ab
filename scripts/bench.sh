#!/bin/bash
# Benchmark: time to provision a replica from the same master data with
# LOAD DATA FROM MASTER and with the usual tools, printed as seconds and as
# ratios to LOAD DATA FROM MASTER.  Not a test: numbers vary with the
# machine; run it on an otherwise idle machine.
#
#   ROWS=<orders rows> (default 500000)  scripts/bench.sh
#
# Tools: mariadb-dump | mariadb (from this build), mydumper/myloader and
# mariadb-backup (Debian packages; installed or fetched if missing; a tool
# that cannot be had is reported and skipped).
. "$(dirname "$0")/lib.sh"
[ -x "$LDFM_BUILD/sql/mariadbd" ] || "$REPO_DIR/scripts/build.sh"
ROWS=${ROWS:-500000}
MASTER_PORT=${MASTER_PORT:-13326}
REPLICA_PORT=${REPLICA_PORT:-13327}
. "$REPO_DIR/scripts/lib-servers.sh"

declare -A secs

checksum_all() {
  client "$1" -N -B -e "CHECKSUM TABLE bench.orders, bench.customers EXTENDED" | cut -f2 | tr '\n' ' '
}

log "master with $ROWS orders"
start_server master "$MASTER_PORT" 1
client master -e "
  CREATE DATABASE bench;
  CREATE TABLE bench.customers (id INT PRIMARY KEY, name VARCHAR(100), email VARCHAR(200)) ENGINE=InnoDB;
  CREATE TABLE bench.orders (id BIGINT PRIMARY KEY, customer_id INT, total DECIMAL(12,2),
                             placed DATETIME(6), notes TEXT) ENGINE=InnoDB;
  SET SESSION max_recursive_iterations= $ROWS + 1;
  INSERT INTO bench.customers WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n+1 FROM s WHERE n < 10000)
    SELECT n, CONCAT('Customer ', n), CONCAT('c', n, '@example.com') FROM s;
  INSERT INTO bench.orders WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n+1 FROM s WHERE n < $ROWS)
    SELECT n, 1 + n % 10000, n * 1.01, '2024-01-01' + INTERVAL n SECOND, REPEAT('note ', n % 20) FROM s;"
want=$(checksum_all master)

fresh_replica() { # name
  start_server "$1" "$2" "$3"
}

log "LOAD DATA FROM MASTER"
fresh_replica r_load "$REPLICA_PORT" 2
client r_load -e "CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=$MASTER_PORT, MASTER_USER='root', MASTER_USE_GTID=slave_pos"
t0=$(now_ms); client r_load -e "LOAD DATA FROM MASTER"; t1=$(now_ms)
secs[load_data_from_master]=$(( t1 - t0 ))
[ "$(checksum_all r_load)" = "$want" ] || die "LOAD DATA FROM MASTER: checksums differ"

# The same copy proving itself: the extra phase is one checksum scan of
# every table on each side at the end.
log "LOAD DATA FROM MASTER WITH CHECKSUM"
fresh_replica r_check $((REPLICA_PORT + 4)) 6
client r_check -e "CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=$MASTER_PORT, MASTER_USER='root', MASTER_USE_GTID=slave_pos"
t0=$(now_ms); client r_check -e "LOAD DATA FROM MASTER WITH CHECKSUM"; t1=$(now_ms)
secs[load_with_checksum]=$(( t1 - t0 ))
[ "$(checksum_all r_check)" = "$want" ] || die "LOAD DATA FROM MASTER WITH CHECKSUM: checksums differ"

log "mariadb-dump --single-transaction | mariadb"
fresh_replica r_dump $((REPLICA_PORT + 1)) 3
t0=$(now_ms)
"$B/client/mariadb-dump" --no-defaults -uroot --socket="$work/master/sock" --single-transaction \
  --gtid --master-data=1 --databases bench | client r_dump
t1=$(now_ms)
secs[mariadb_dump]=$(( t1 - t0 ))
[ "$(checksum_all r_dump)" = "$want" ] || die "mariadb-dump: checksums differ"

if ! command -v mydumper >/dev/null; then
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mydumper >/dev/null 2>&1 || true
fi
if command -v mydumper >/dev/null; then
  log "mydumper | myloader"
  fresh_replica r_myd $((REPLICA_PORT + 2)) 4
  t0=$(now_ms)
  mydumper -u root -S "$work/master/sock" -B bench -o "$work/mydumper" -t 2 >/dev/null 2>&1
  myloader -u root -S "$work/r_myd/sock" -d "$work/mydumper" -t 2 >/dev/null 2>&1
  t1=$(now_ms)
  secs[mydumper]=$(( t1 - t0 ))
  [ "$(checksum_all r_myd)" = "$want" ] || die "mydumper: checksums differ"
else
  log "mydumper not available: skipped"
fi

mb=$(mariadb_backup)
if [ -n "$mb" ]; then
  log "mariadb-backup --backup, --prepare, copy-back, start"
  t0=$(now_ms)
  "$mb" --no-defaults --backup --user=root --socket="$work/master/sock" \
    --datadir="$work/master/data" --target-dir="$work/backup" >"$work/backup.log" 2>&1 \
    && "$mb" --no-defaults --prepare --target-dir="$work/backup" >>"$work/backup.log" 2>&1 \
    || { tail -5 "$work/backup.log"; die "mariadb-backup failed"; }
  mkdir -p "$work/r_mb"
  "$mb" --no-defaults --copy-back --target-dir="$work/backup" \
    --datadir="$work/r_mb/data" >>"$work/backup.log" 2>&1 || die "copy-back failed"
  run_server r_mb $((REPLICA_PORT + 3)) 5
  t1=$(now_ms)
  secs[mariadb_backup]=$(( t1 - t0 ))
  [ "$(checksum_all r_mb)" = "$want" ] || die "mariadb-backup: checksums differ"
else
  log "mariadb-backup not available: skipped"
fi

base=${secs[load_data_from_master]}
printf '\n%-24s %10s %10s\n' method seconds "vs LOAD"
for k in load_data_from_master load_with_checksum mariadb_dump mydumper mariadb_backup; do
  [ -n "${secs[$k]:-}" ] || continue
  printf '%-24s %10.2f %9.2fx\n' "$k" "$(awk -v a="${secs[$k]}" 'BEGIN{print a/1000}')" \
    "$(awk -v a="${secs[$k]}" -v b="$base" 'BEGIN{print a/b}')"
done
echo "(rows: $ROWS orders + 10000 customers; every copy's checksums equal the master's)"
