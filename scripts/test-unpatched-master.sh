#!/bin/bash
# Test: a replica asked to LOAD DATA FROM MASTER from a master without
# provisioning support (Debian's own, unpatched mariadbd 10.11) fails at
# once with a clear error, instead of streaming the binlog forever, and
# leaves its replication threads stopped.
. "$(dirname "$0")/lib.sh"
[ -x "$LDFM_BUILD/sql/mariadbd" ] || die "build first (scripts/build.sh)"

MASTER_PORT=${MASTER_PORT:-13316}
REPLICA_PORT=${REPLICA_PORT:-13317}
. "$REPO_DIR/scripts/lib-servers.sh"
unpatched=$(unpatched_mariadbd)
start_server master "$MASTER_PORT" 1 "$unpatched"
start_server replica "$REPLICA_PORT" 2
client master -e "CREATE TABLE test.t (a INT PRIMARY KEY); INSERT INTO test.t VALUES (1)"
client replica -e "CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=$MASTER_PORT,
                   MASTER_USER='root', MASTER_USE_GTID=slave_pos"

set +e
out=$(timeout 60 "$B/client/mariadb" --no-defaults -uroot --socket="$work/replica/sock" \
        -e "LOAD DATA FROM MASTER" 2>&1)
rc=$?
set -e
echo "$out"
[ $rc -ne 124 ] || die "LOAD DATA FROM MASTER hung against an unpatched master"
[ $rc -ne 0 ] || die "LOAD DATA FROM MASTER succeeded against an unpatched master"
echo "$out" | grep 'ERROR 4199' >/dev/null || die "expected ER_PROVISION_FAILED (4199)"
echo "$out" | grep 'does not support provisioning' >/dev/null || die "the error does not say why"
status=$(client replica -e "SHOW SLAVE STATUS\\G" | grep -E 'Slave_(IO|SQL)_Running:')
echo "$status"
[ "$(echo "$status" | grep -c ': No')" = 2 ] || die "replication threads still running"
[ "$(client replica -N -B -e "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema='test'")" = 0 ] \
  || die "the replica changed"
log "an unpatched master is detected and refused"
