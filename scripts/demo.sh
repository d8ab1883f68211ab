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

log "starting master on 127.0.0.1:$MASTER_PORT and replica on 127.0.0.1:$REPLICA_PORT"
start_server master "$MASTER_PORT" 1
start_server replica "$REPLICA_PORT" 2

sql master "CREATE DATABASE shop; CREATE TABLE shop.items (id INT PRIMARY KEY, name VARCHAR(40)) ENGINE=InnoDB;
            INSERT INTO shop.items VALUES (1,'apple'),(2,'pear'),(3,'plum'); SELECT @@gtid_binlog_pos"
sql replica "LOAD DATA FROM MASTER 'nope'"
sql replica "CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=$MASTER_PORT, MASTER_USER='root', MASTER_USE_GTID=no"
sql replica "LOAD DATA FROM MASTER"
sql replica "CHANGE MASTER TO MASTER_USE_GTID=slave_pos"
sql replica "LOAD DATA FROM MASTER"
sql replica "SHOW GLOBAL STATUS LIKE 'Com_load_data_from_master'"
log "this build checks the replica but does not copy data yet (see README)"
