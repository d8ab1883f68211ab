#!/bin/bash
# Demo: builds the patched server if needed, starts a master and a replica
# on 127.0.0.1, points the replica at the master and runs
# LOAD DATA FROM MASTER, printing what each step answers.
# The servers are stopped on exit; their data lives in a temporary directory.
. "$(dirname "$0")/lib.sh"

[ -x "$LDFM_BUILD/sql/mariadbd" ] || "$REPO_DIR/scripts/build.sh"
B=$LDFM_BUILD
tree=$LDFM_SRC/tree
work=$(mktemp -d /tmp/ldfm-demo.XXXXXX)
MASTER_PORT=${MASTER_PORT:-13306}
REPLICA_PORT=${REPLICA_PORT:-13307}
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

start_server() { # name port server_id
  local dir=$work/$1
  mkdir -p "$dir"
  "$B/scripts/mariadb-install-db" --no-defaults --srcdir="$tree" --builddir="$B" \
    --datadir="$dir/data" --auth-root-authentication-method=normal \
    --user="$(id -un)" >"$dir/install.log" 2>&1 \
    || { cat "$dir/install.log"; die "mariadb-install-db failed for $1"; }
  "$B/sql/mariadbd" --no-defaults --datadir="$dir/data" --lc-messages-dir="$B/sql/share" \
    --port="$2" --bind-address=127.0.0.1 --socket="$dir/sock" --server-id="$3" \
    --log-bin="$1-bin" --binlog-format=row --log-slave-updates --skip-slave-start \
    --user="$(id -un)" >"$dir/error.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 60); do
    "$B/client/mariadb-admin" --no-defaults -uroot --socket="$dir/sock" ping >/dev/null 2>&1 && return
    sleep 0.5
  done
  cat "$dir/error.log"; die "$1 did not start"
}
sql() { # name statement
  echo "$1> $2"
  "$B/client/mariadb" --no-defaults -uroot --socket="$work/$1/sock" -t -e "$2" 2>&1 | sed 's/^/    /' || true
}

checksums() { # name -> "db.table rows checksum" lines
  "$B/client/mariadb" --no-defaults -uroot --socket="$work/$1/sock" -N -B -e "
    SELECT CONCAT(table_schema, '.', table_name) FROM information_schema.tables
    WHERE table_type='BASE TABLE'
      AND table_schema NOT IN ('mysql','information_schema','performance_schema','sys')
    ORDER BY 1" | while read -r t; do
    c=$("$B/client/mariadb" --no-defaults -uroot --socket="$work/$1/sock" -N -B \
        -e "CHECKSUM TABLE $t EXTENDED" | cut -f2)
    n=$("$B/client/mariadb" --no-defaults -uroot --socket="$work/$1/sock" -N -B \
        -e "SELECT COUNT(*) FROM $t")
    printf '%-24s %8s rows  checksum %s\n' "$t" "$n" "$c"
  done
}

log "starting master on 127.0.0.1:$MASTER_PORT and replica on 127.0.0.1:$REPLICA_PORT"
start_server master "$MASTER_PORT" 1
start_server replica "$REPLICA_PORT" 2

log "loading the sample schema into the master"
"$B/client/mariadb" --no-defaults -uroot --socket="$work/master/sock" \
  < "$REPO_DIR/scripts/demo-sample.sql"
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
