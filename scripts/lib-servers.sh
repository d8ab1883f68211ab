# Throwaway MariaDB servers on 127.0.0.1 for the demo and script tests;
# sourced after lib.sh.  Servers stop and their data is removed on exit.
# shellcheck shell=bash

B=$LDFM_BUILD
work=$(mktemp -d /tmp/ldfm-servers.XXXXXX)
pids=()
cleanup_servers() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  # KEEP_WORK: a failed check keeps the servers' data for a post-mortem
  if [ -n "${KEEP_WORK:-}" ]; then echo "data kept in $work" >&2; else rm -rf "$work"; fi
}
trap cleanup_servers EXIT

# start_server NAME PORT SERVER_ID [MARIADBD]: a server with binlog on,
# row format, GTID; MARIADBD defaults to the patched build's.
start_server() {
  local dir=$work/$1
  mkdir -p "$dir"
  "$B/scripts/mariadb-install-db" --no-defaults --srcdir="$LDFM_SRC/tree" --builddir="$B" \
    --datadir="$dir/data" --auth-root-authentication-method=normal \
    --user="$(id -un)" >"$dir/install.log" 2>&1 \
    || { cat "$dir/install.log"; die "mariadb-install-db failed for $1"; }
  run_server "$@"
}

# run_server NAME PORT SERVER_ID [MARIADBD]: as start_server, on the data
# directory $work/NAME/data that is already there (a restored backup).
# SERVER_WRAP: a command the server runs under (e.g. "taskset -c 1");
# SERVER_ARGS: more mariadbd options.  A restart appends to the error log
# (what a killed server left is what the next start meets).
run_server() {
  local dir=$work/$1 bin=${4:-$B/sql/mariadbd}
  # shellcheck disable=SC2086 # SERVER_WRAP and SERVER_ARGS are split as words
  ${SERVER_WRAP:-} "$bin" --no-defaults --datadir="$dir/data" --lc-messages-dir="$B/sql/share" \
    --port="$2" --bind-address=127.0.0.1 --socket="$dir/sock" --server-id="$3" \
    --log-bin="$1-bin" --binlog-format=row --log-slave-updates --skip-slave-start \
    --user="$(id -un)" ${SERVER_ARGS:-} >>"$dir/error.log" 2>&1 &
  pids+=($!)
  # Crash recovery of a restored backup may take a while.
  for _ in $(seq 120); do
    "$B/client/mariadb-admin" --no-defaults -uroot --socket="$dir/sock" ping >/dev/null 2>&1 && return
    sleep 0.5
  done
  cat "$dir/error.log"; die "$1 did not start"
}

# mariadb_backup: the path of Debian's mariadb-backup, fetched (not
# installed) into the cache on first use; empty if it cannot be had.
mariadb_backup() {
  local mb=$LDFM_CACHE/mariadb-backup/root/usr/bin/mariadb-backup
  if [ ! -x "$mb" ]; then
    mkdir -p "$LDFM_CACHE/mariadb-backup"
    (cd "$LDFM_CACHE/mariadb-backup" && apt-get download -qq mariadb-backup >/dev/null 2>&1 \
       && dpkg -x mariadb-backup_*.deb root) || true
  fi
  [ -x "$mb" ] && echo "$mb"
  return 0
}

# unpatched_mariadbd: the path of Debian's own mariadbd 10.11 (no
# provisioning support), fetched (not installed) into the cache on first
# use.
unpatched_mariadbd() {
  local pkgdir=$LDFM_CACHE/unpatched
  if [ ! -x "$pkgdir/root/usr/sbin/mariadbd" ]; then
    log "fetching Debian's unpatched mariadb-server-core"
    rm -rf "$pkgdir"; mkdir -p "$pkgdir"
    (cd "$pkgdir" && apt-get download -qq mariadb-server-core >/dev/null 2>&1) \
      || die "apt-get download mariadb-server-core failed"
    dpkg -x "$pkgdir"/mariadb-server-core_*.deb "$pkgdir/root"
  fi
  echo "$pkgdir/root/usr/sbin/mariadbd"
}

# rollback_prepared_xa NAME: rolls back the XA transactions that server
# NAME has prepared (XA RECOVER), as a transaction manager that does not
# know their outcome ends them; prints their XIDs.
rollback_prepared_xa() {
  local xid
  for xid in $(client "$1" -N -B -e "XA RECOVER" | awk '{print $4}'); do
    client "$1" -e "XA ROLLBACK '$xid'"
    echo "$xid"
  done
}

# cut_event_file ERROR: the binary log file that ERROR says ends in an
# event cut short (a master killed while it wrote it): an IO thread's
# error, or LOAD DATA FROM MASTER's; empty for any other error.
cut_event_file() {
  case "$1" in
    *"binlog truncated in the middle of event"*)
      printf '%s\n' "$1" | grep -o "the last event read from '[^']*'" | cut -d"'" -f2 |
        sed 's|.*/||' ;;
    *"of the master ends in an event cut short"*)
      printf '%s\n' "$1" | grep -o "binary log file '[^']*' of the master" | cut -d"'" -f2 ;;
  esac
}

# cut_binlog_tail NAME FILE: cuts binary log FILE of server NAME at the
# start of its last group, the one a kill cut short (its GTID event is
# written before its row events), as the README tells a DBA to.
cut_binlog_tail() {
  local f=$work/$1/data/$2 at
  at=$("$B/client/mariadb-binlog" --no-defaults --skip-gtid-strict-mode "$f" 2>/dev/null |
       awk '/^# at /{at = $3} /[[:space:]]GTID [0-9]+-[0-9]+-[0-9]+/{last = at} END{print last}')
  [ -n "$at" ] || die "no group found in $f to cut at"
  log "$1 left an event cut short in $2: cut at $at, its last group's start"
  truncate -s "$at" "$f"
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

# need_sysbench: installs sysbench when it is missing (the stress scripts).
need_sysbench() {
  command -v sysbench >/dev/null && return
  log "installing sysbench"
  as_root apt-get install -y -q sysbench >/dev/null || die "sysbench is not available"
}

# kill_thread NAME CONDITION: KILLs the first thread of server NAME whose
# information_schema.processlist row meets CONDITION; fails if none does.
kill_thread() {
  local id
  id=$(client "$1" -N -B -e "SELECT ID FROM information_schema.processlist
                             WHERE $2 LIMIT 1")
  [ -n "$id" ] || return 1
  client "$1" -e "KILL $id" 2>/dev/null || true
}

# schema_checksums NAME SCHEMA: "table rows checksum" lines of every table
# of database SCHEMA on server NAME, system-versioned ones included
# (CHECKSUM TABLE ... EXTENDED; for a table with generated columns a sum
# of each row's CRC32 over every column instead: 10.11's CHECKSUM TABLE
# hashes whatever the table instance last held in its generated columns
# and in its virtual columns' null bits, so equal tables may differ).
# Rows are counted by reading them (SUM(1)): a running server's Aria
# answers COUNT(*) from a table state that can lag its rows (seen on
# Debian's own mariadbd as a plain replica: 909 against 20000, with equal
# checksums, and 20000 after a restart).
schema_checksums() {
  local t cols
  for t in $(client "$1" -N -B -e "SELECT CONCAT(table_schema,'.',table_name) FROM information_schema.tables
             WHERE table_schema='$2' AND table_type IN ('BASE TABLE', 'SYSTEM VERSIONED')
             ORDER BY 1"); do
    cols=$(client "$1" -N -B -e "SELECT GROUP_CONCAT(CONCAT('IFNULL(HEX(\`', column_name, '\`), ''~'')')
             ORDER BY ordinal_position) FROM information_schema.columns
             WHERE table_schema = '${t%%.*}' AND table_name = '${t#*.}'
             HAVING SUM(is_generated = 'ALWAYS') > 0")
    if [ -n "$cols" ]; then
      echo "$t $(client "$1" -N -B -e "SELECT COUNT(*), SUM(CRC32(CONCAT_WS(',', $cols))) FROM $t" | tr '\t' ' ')"
    else
      echo "$t $(client "$1" -N -B -e "SELECT IFNULL(SUM(1), 0) FROM $t") \
$(client "$1" -N -B -e "CHECKSUM TABLE $t EXTENDED" | cut -f2)"
    fi
  done
}
# sbtest_checksums NAME: those of database sbtest
sbtest_checksums() { schema_checksums "$1" sbtest; }

# A sysbench run in the background writes one report a second to
# $work/load.out (--report-interval=1 --percentile=95).
# reports: how many it wrote so far.
reports() { grep -ac '^\[' "$work/load.out" || true; }
# window_stats FROM TO: "tps p95" (mean tps, median p95) of reports FROM+1..TO
window_stats() {
  grep -a '^\[' "$work/load.out" | sed -n "$(($1 + 1)),$2p" >"$work/window"
  local tps p95
  tps=$(awk '{for (i = 1; i < NF; i++) if ($i == "tps:") {s += $(i + 1); n++}}
             END {printf "%.1f", n ? s / n : 0}' "$work/window")
  p95=$(awk '{for (i = 1; i < NF; i++) if ($i == "(ms,95%):") print $(i + 1)}' "$work/window" |
        sort -g | awk '{a[NR] = $1} END {printf "%.1f", NR ? a[int((NR + 1) / 2)] : 0}')
  echo "$tps $p95"
}

# now_ms: the clock in milliseconds; pid_of NAME: the server's process id
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
pid_of() { cat "$work/$1/data/"*.pid; }
