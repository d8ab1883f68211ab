# Throwaway MariaDB servers on 127.0.0.1 for the demo and script tests;
# sourced after lib.sh.  Servers stop and their data is removed on exit.
# shellcheck shell=bash

B=$LDFM_BUILD
work=$(mktemp -d /tmp/ldfm-servers.XXXXXX)
pids=()
cleanup_servers() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup_servers EXIT

# start_server NAME PORT SERVER_ID [MARIADBD]: a server with binlog on,
# row format, GTID; MARIADBD defaults to the patched build's.
start_server() {
  local dir=$work/$1 bin=${4:-$B/sql/mariadbd}
  mkdir -p "$dir"
  "$B/scripts/mariadb-install-db" --no-defaults --srcdir="$LDFM_SRC/tree" --builddir="$B" \
    --datadir="$dir/data" --auth-root-authentication-method=normal \
    --user="$(id -un)" >"$dir/install.log" 2>&1 \
    || { cat "$dir/install.log"; die "mariadb-install-db failed for $1"; }
  "$bin" --no-defaults --datadir="$dir/data" --lc-messages-dir="$B/sql/share" \
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

# client NAME [mariadb options...]: the mariadb client on server NAME.
client() {
  local name=$1; shift
  "$B/client/mariadb" --no-defaults -uroot --socket="$work/$name/sock" "$@"
}

# sql NAME STATEMENT: runs and prints a statement and its answer.
sql() {
  echo "$1> $2"
  client "$1" -t -e "$2" 2>&1 | sed 's/^/    /' || true
}
