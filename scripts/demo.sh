#!/bin/bash
# Demo: builds the patched server if needed, starts a master and a replica
# on 127.0.0.1, points the replica at the master and runs
# LOAD DATA FROM MASTER, printing what each step answers.
# The servers are stopped on exit; their data lives in a temporary directory.
# Ports: MASTER_PORT (13306) and REPLICA_PORT (13307).
. "$(dirname "$0")/lib.sh"

[ -x "$LDFM_BUILD/sql/mariadbd" ] || "$REPO_DIR/scripts/build.sh"
MASTER_PORT=${MASTER_PORT:-13306}
REPLICA_PORT=${REPLICA_PORT:-13307}
. "$REPO_DIR/scripts/lib-servers.sh"

checksums() { # name -> "db.table rows checksum" lines
  client "$1" -N -B -e "
    SELECT CONCAT(table_schema, '.', table_name) FROM information_schema.tables
    WHERE table_type='BASE TABLE'
      AND table_schema NOT IN ('mysql','information_schema','performance_schema','sys')
    ORDER BY 1" | while read -r t; do
    c=$(client "$1" -N -B -e "CHECKSUM TABLE $t EXTENDED" | cut -f2)
    n=$(client "$1" -N -B -e "SELECT COUNT(*) FROM $t")
    printf '%-24s %8s rows  checksum %s\n' "$t" "$n" "$c"
  done
}

log "starting master on 127.0.0.1:$MASTER_PORT and replica on 127.0.0.1:$REPLICA_PORT"
start_server master "$MASTER_PORT" 1
start_server replica "$REPLICA_PORT" 2

log "loading the sample schema into the master"
client master < "$REPO_DIR/scripts/demo-sample.sql"
sql master "SELECT @@gtid_binlog_pos AS master_gtid_binlog_pos"

log "provisioning the replica"
sql replica "CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=$MASTER_PORT,
             MASTER_USER='root', MASTER_USE_GTID=slave_pos"
start=$(date +%s%N)
sql replica "LOAD DATA FROM MASTER"
echo "    (took $(( ($(date +%s%N) - start) / 1000000 )) ms)"
sql replica "SELECT @@gtid_slave_pos AS replica_gtid_slave_pos"
sql replica "START SLAVE"
sql master "INSERT INTO shop.orders (customer_id, total) VALUES (1, 99.99)"
sleep 1

log "checksums, master | replica"
paste -d'|' <(checksums master) <(checksums replica) | sed 's/|/  |  /'
if diff <(checksums master) <(checksums replica) >/dev/null; then
  log "every table matches"
else
  die "the replica differs from the master"
fi
