#!/bin/bash
# Benchmark at a realistic shape: sysbench tables (each with its secondary
# index k_1), provisioned idle and under a sysbench oltp_read_write load,
# with LOAD DATA FROM MASTER, mariadb-dump | mariadb, mydumper/myloader and
# mariadb-backup.  Every copy is checked with CHECKSUM TABLE against the
# master (idle) or after it caught up (under load).  Not a test: numbers
# vary with the machine; run it on an otherwise idle machine.
#
#   scripts/bench-sysbench.sh [--quick] [--idle-only|--load-only] [--runs N]
#     TABLES=8 ROWS=500000 LOAD_THREADS=2 METHODS="load dump mydumper backup"
#       (load:N is LOAD DATA FROM MASTER with N rows a chunk: METHODS="load:10000
#       load:40000" compares chunk sizes side by side)
#     RELAY_LIMIT=<bytes> (the replica's provision_relay_log_space_limit)
#     CHUNK_ROWS=<rows> (the master's provision_chunk_rows)
#     SECONDARY=off: sbtest tables without their secondary index k_1 (what
#       the copy costs when it has no index to build)
#     LOAD_RATE=<tps>: the load at that fixed rate (sysbench --rate)
#       rather than as fast as the master serves it: the replica then has
#       the same number of the master's transactions per second to apply
#       in every run, whatever the machine's speed that hour (for
#       comparing sizes; its "lost" column means little then)
#     REPLICA_ARGS="<mariadbd options>": added to every replica's command
#       line (for example --innodb-flush-log-at-trx-commit=2: what the
#       replica's commit flushes cost)
#     REPLICA_SQL="<statements>": run on every replica before it starts
#       replicating (for example "ALTER TABLE mysql.gtid_slave_pos
#       ENGINE=InnoDB", which parallel replication during a copy needs)
#     HOSTS=split: the master and its sysbench on CPU 0, the replica and
#       the copy tools on CPU 1 (two one-core "hosts"; mariadb-backup's
#       --backup runs on the master's).  Default: everything shares both.
#   --quick: 4 tables x 20000 rows, one run (a smoke run).
#
# Prints, per method and run: seconds to a replica that holds everything
# (under load: and has caught up with the master's position at the end of
# the copy), the replica's apply rate (rows/s of the copy), the peak RSS
# of master and replica during the copy, the machine's CPU use, and under
# load the master's tps and p95 latency during the copy against the
# BASE_SECONDS (15) of the same load right before it and right after the
# replica caught up (their mean), and the transactions lost; then medians and minimums, and ratios to LOAD DATA FROM MASTER.
. "$(dirname "$0")/lib.sh"
[ -x "$LDFM_BUILD/sql/mariadbd" ] || "$REPO_DIR/scripts/build.sh"

TABLES=${TABLES:-8}
ROWS=${ROWS:-500000}
RUNS=${RUNS:-1}
LOAD_THREADS=${LOAD_THREADS:-2}
BASE_SECONDS=${BASE_SECONDS:-15}
METHODS=${METHODS:-load dump mydumper backup}
UNDER_LOAD=1 IDLE=1
while [ $# -gt 0 ]; do
  case $1 in
    --quick) TABLES=4 ROWS=20000 ;;
    --idle-only) UNDER_LOAD= ;;
    --load-only) IDLE= ;;
    --runs) RUNS=$2; shift ;;
    *) die "unknown option $1" ;;
  esac
  shift
done
MASTER_PORT=13426
HOSTS=${HOSTS:-shared}
case $HOSTS in shared|split) ;; *) die "HOSTS is shared or split" ;; esac
. "$REPO_DIR/scripts/lib-servers.sh"

# on_master/on_replica CMD...: runs CMD on that "host" (HOSTS=split);
# master_server/replica_server NAME PORT ID: start_server there.
# wrap_for CPU: the command prefix that pins to CPU (nothing when shared).
wrap_for() { if [ "$HOSTS" = split ]; then echo "taskset -c $1"; fi; }
# shellcheck disable=SC2046 # the wrapper is a command and its arguments
on_master() { $(wrap_for 0) "$@"; }
# shellcheck disable=SC2046
on_replica() { $(wrap_for 1) "$@"; }
master_server() { SERVER_WRAP=$(wrap_for 0) start_server "$@"; }
replica_server() { SERVER_WRAP=$(wrap_for 1) SERVER_ARGS=${REPLICA_ARGS:-} start_server "$@"; }

need_pkg() { # command package
  command -v "$1" >/dev/null && return 0
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null 2>&1 || true
  command -v "$1" >/dev/null
}
need_pkg sysbench sysbench || die "sysbench is needed (apt-get install sysbench)"
have_mydumper=; need_pkg mydumper mydumper && have_mydumper=1
mb=$(mariadb_backup)

tables_list() { local t; for t in $(seq "$TABLES"); do printf 'sbtest.sbtest%d,' "$t"; done | sed 's/,$//'; }
checksums() { client "$1" -N -B -e "CHECKSUM TABLE $(tables_list)" | cut -f2 | tr '\n' ' '; }
sb() { # sysbench command args...: against the master
  on_master sysbench "$@" --db-driver=mysql --mysql-socket="$work/master/sock" --mysql-user=root \
    --mysql-db=sbtest --tables="$TABLES" --table-size="$ROWS"
}

# Peak RSS (MB) of the given servers while a copy runs, sampled every 0.2 s.
rss_start() { # name...
  local f=$work/rss; : >"$f"
  (
    declare -A peak
    while :; do
      for n in "$@"; do
        p=$(pid_of "$n" 2>/dev/null) || continue
        kb=$(awk '/VmRSS/ {print $2}' "/proc/$p/status" 2>/dev/null) || continue
        [ "${kb:-0}" -gt "${peak[$n]:-0}" ] && peak[$n]=$kb
      done
      for n in "$@"; do echo "$n ${peak[$n]:-0}"; done >"$f.tmp" && mv "$f.tmp" "$f"
      sleep 0.2
    done
  ) &
  rss_pid=$!
}
rss_stop() { kill "$rss_pid" 2>/dev/null || true; wait "$rss_pid" 2>/dev/null || true; }
rss_of() { awk -v n="$1" '$1 == n {printf "%d", $2 / 1024}' "$work/rss"; }
# Peak relay log space (MB) of replica NAME while it copies, sampled every
# second (only LOAD DATA FROM MASTER fills one during its copy).
relay_start() { # name
  local f=$work/relay; echo 0 >"$f"
  (
    peak=0
    while :; do
      # mariadb-backup's replica runs only once its copy is in
      b=$(client "$1" -e "SHOW SLAVE STATUS\G" 2>/dev/null | awk '/Relay_Log_Space/ {print $2}') || b=0
      [ "${b:-0}" -gt "$peak" ] && peak=$b && echo "$peak" >"$f"
      sleep 1
    done
  ) &
  relay_pid=$!
}
relay_stop() { kill "$relay_pid" 2>/dev/null || true; wait "$relay_pid" 2>/dev/null || true; }
relay_of() { awk '{printf "%d", $1 / 1048576}' "$work/relay"; }

# The machine's CPU use between two /proc/stat samples, in percent of all
# cores: master, replica, sysbench and the tools share them.
cpu_sample() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8 + $9, $5 + $6}' /proc/stat; }
# What the copy costs the master: its mariadbd's CPU time (ms), to which
# copy_backup adds that of mariadb-backup --backup (backup_ms), which
# reads the master's files itself.  Printed for the idle master only:
# under load, a gentler copy leaves the master more of its load to serve.
clk_tck=$(getconf CLK_TCK)
master_ms() { awk -v hz="$clk_tck" '{printf "%d", ($14 + $15) * 1000 / hz}' "/proc/$(pid_of master)/stat"; }
cpu_busy() { # "busy idle" at start, "busy idle" at end
  awk -v a="$1" -v b="$2" 'BEGIN {split(a, x, " "); split(b, y, " ");
    busy = y[1] - x[1]; idle = y[2] - x[2];
    printf "%d", busy + idle ? 100 * busy / (busy + idle) : 0}'
}

# The workload: sysbench oltp_read_write in the background, one report a
# second.  load_start measures it for BASE_SECONDS before the copy
# (load_base: "tps p95"), load_stop during the copy (its output) and for
# BASE_SECONDS after it (load_base becomes the mean of before and
# after); all the same way, from the same sysbench run, so that drift
# (caches warming, the machine's neighbours) shows in all.  After the
# copy the replica replicates the load, as it would from then on
# (reports and window_stats: lib-servers.sh).
load_start() {
  # sysbench itself in the background (not a function: $! would be a
  # subshell, and killing it would leave sysbench writing).
  # shellcheck disable=SC2046 # the wrapper is a command and its arguments
  $(wrap_for 0) sysbench oltp_read_write --db-driver=mysql --mysql-socket="$work/master/sock" \
    --mysql-user=root --mysql-db=sbtest --tables="$TABLES" --table-size="$ROWS" \
    --threads="$LOAD_THREADS" --time=3600 --report-interval=1 --percentile=95 \
    ${LOAD_RATE:+--rate="$LOAD_RATE"} \
    run >"$work/load.out" 2>&1 &
  load_pid=$!
  sleep 3
  local from; from=$(reports)
  sleep "$BASE_SECONDS"
  load_from=$(reports)
  load_base=$(window_stats "$from" "$load_from")
}
load_stop() {
  local to; to=$(reports)
  # The same load for BASE_SECONDS after the copy: the baseline is the
  # mean of the windows before and after, so that the machine's drift
  # over a copy (its neighbours come and go) counts half as much.
  sleep "$BASE_SECONDS"
  local after; after=$(window_stats "$to" "$(reports)")
  load_base=$(awk -v b="$load_base" -v a="$after" 'BEGIN {split(b, x, " "); split(a, y, " ");
    printf "%.1f %.1f", (x[1] + y[1]) / 2, (x[2] + y[2]) / 2}')
  kill "$load_pid" 2>/dev/null; wait "$load_pid" 2>/dev/null || true
  # Its last transactions commit after it is gone; let them.
  sleep 1
  window_stats "$load_from" "$to"
}

# Each copy method leaves replica NAME (on PORT, server id ID) holding the
# master's tables and its connection set to the master at the copy's
# GTID position, its slave threads stopped.  The logical copies start from
# an empty server started before the clock starts (prepare_empty);
# mariadb-backup's time includes starting the server on its copy.
change_master() { # name
  client "$1" -e "CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=$MASTER_PORT,
    MASTER_USER='root', MASTER_USE_GTID=slave_pos"
  [ -z "${REPLICA_SQL:-}" ] || client "$1" -e "$REPLICA_SQL"
}
prepare_empty() { replica_server "$1" "$2" "$3"; }
copy_load() {
  change_master "$1"
  # RELAY_LIMIT: @@provision_relay_log_space_limit for the copy (bytes;
  # unset: the server's default, 0: no bound)
  [ -z "${RELAY_LIMIT:-}" ] ||
    client "$1" -e "SET GLOBAL provision_relay_log_space_limit=$RELAY_LIMIT"
  client master -e "SET GLOBAL provision_chunk_rows=${CHUNK_ROWS:-$default_chunk_rows}"
  client "$1" -e "LOAD DATA FROM MASTER"
}
copy_dump() {
  on_replica "$B/client/mariadb-dump" --no-defaults -uroot --socket="$work/master/sock" \
    --single-transaction --gtid --master-data=2 --databases sbtest >"$work/dump.sql"
  on_replica "$B/client/mariadb" --no-defaults -uroot --socket="$work/$1/sock" <"$work/dump.sql"
  pos=$(sed -n "s/^-- SET GLOBAL gtid_slave_pos='\(.*\)';/\1/p" "$work/dump.sql" | head -1)
  rm -f "$work/dump.sql"
  client "$1" -e "SET GLOBAL gtid_slave_pos='$pos'"; change_master "$1"
}
copy_mydumper() {
  rm -rf "$work/mydumper"
  on_replica mydumper -u root -S "$work/master/sock" -B sbtest -o "$work/mydumper" -t 2 >/dev/null 2>&1
  on_replica myloader -u root -S "$work/$1/sock" -d "$work/mydumper" -t 2 >/dev/null 2>&1
  pos=$(sed -n 's/^[[:space:]]*GTID:[[:space:]]*//p' "$work/mydumper/metadata" | head -1)
  rm -rf "$work/mydumper"
  client "$1" -e "SET GLOBAL gtid_slave_pos='$pos'"; change_master "$1"
}
copy_backup() {
  local dir=$work/$1; rm -rf "$work/backup"; mkdir -p "$dir"
  # bash's time: the CPU of the command and the processes it waited for
  local TIMEFORMAT='%3U %3S'
  { time on_master "$mb" --no-defaults --backup --user=root --socket="$work/master/sock" \
      --datadir="$work/master/data" --target-dir="$work/backup" >"$work/backup.log" 2>&1; } \
      2>"$work/backup.time" \
    && backup_ms=$(awk '{printf "%d", ($1 + $2) * 1000}' "$work/backup.time") \
    && on_replica "$mb" --no-defaults --prepare --target-dir="$work/backup" >>"$work/backup.log" 2>&1 \
    && on_replica "$mb" --no-defaults --copy-back --target-dir="$work/backup" \
         --datadir="$dir/data" >>"$work/backup.log" 2>&1 \
    || { tail -5 "$work/backup.log"; die "mariadb-backup failed"; }
  pos=$(awk '{print $3}' "$work/backup/xtrabackup_binlog_info")
  rm -rf "$work/backup"
  SERVER_WRAP=$(wrap_for 1) SERVER_ARGS=${REPLICA_ARGS:-} run_server "$1" "$2" "$3"
  client "$1" -e "SET GLOBAL gtid_slave_pos='$pos'"; change_master "$1"
}
stop_server() { # name
  local p; p=$(pid_of "$1")
  client "$1" -e "SHUTDOWN" >/dev/null 2>&1 || kill "$p"
  while kill -0 "$p" 2>/dev/null; do sleep 0.2; done
  rm -rf "${work:?}/$1"
}

# differ NAME MESSAGE: a copy is wrong; its tables' checksums and both
# servers' data are kept for a post-mortem.
differ() {
  echo "master:  $(checksums master)"; echo "replica: $(checksums "$1")"
  client "$1" -e "SHOW SLAVE STATUS\G" | grep -E "Gtid_IO_Pos|Last_.*Error|Running" || true
  KEEP_WORK=1; die "$2"
}

# label_of METHOD: its name in the output (load:N: with its chunk size)
label_of() {
  local b=${1%%:*}
  if [ "$1" = "$b" ]; then echo "${label[$b]}"; else echo "${label[$b]} (${1#*:}/chunk)"; fi
}

declare -A label=([load]="LOAD DATA FROM MASTER" [dump]="mariadb-dump | mariadb"
                  [mydumper]="mydumper/myloader" [backup]="mariadb-backup")
available() {
  case $1 in
    mydumper) [ -n "$have_mydumper" ] ;;
    backup) [ -n "$mb" ] ;;
    *) true ;;
  esac
}

log "master: $TABLES sysbench tables of $ROWS rows"
master_server master "$MASTER_PORT" 1
client master -e "CREATE DATABASE sbtest"
sb oltp_read_write --threads=2 --create_secondary="${SECONDARY:-on}" prepare >"$work/prepare.out" 2>&1 \
  || { cat "$work/prepare.out"; die "sysbench prepare failed"; }
total_rows=$(( TABLES * ROWS ))
default_chunk_rows=$(client master -N -B -e "SELECT @@GLOBAL.provision_chunk_rows")
want=$(checksums master)

results=$work/results; : >"$results"
port=$((MASTER_PORT + 1)); sid=2
run_method() { # method mode run
  local m=$1 mode=$2 r=$3 name=r_${1%%:*} t0 t1 t2 stats= cpu0 cpu chunk= mt0 mt backup_ms=0
  local base=${m%%:*} what; what=$(label_of "$m")
  [ "$m" = "$base" ] || chunk=${m#*:}
  load_base=
  [ "$base" = backup ] || prepare_empty "$name" "$port" "$sid"
  [ "$mode" = load ] && load_start
  rss_start master "$name"; relay_start "$name"
  cpu0=$(cpu_sample); mt0=$(master_ms)
  t0=$(now_ms)
  CHUNK_ROWS=${chunk:-${CHUNK_ROWS:-}} "copy_$base" "$name" "$port" "$sid"
  t1=$(now_ms)
  relay_stop
  # the master's transactions parallel replication's workers applied
  # during the copy (LOAD DATA FROM MASTER, slave_parallel_threads)
  local parallel; parallel=$(client "$name" -N -B -e \
    "SHOW GLOBAL STATUS LIKE 'Provision_parallel_transactions'" | awk '{print $2}')
  if [ "$mode" = load ]; then
    # Caught up: the replica has what the master had when the copy ended.
    local target; target=$(client master -N -B -e "SELECT @@gtid_binlog_pos")
    client "$name" -e "START SLAVE"
    client "$name" -N -B -e "SELECT MASTER_GTID_WAIT('$target', 3600)" | grep -qx 0 \
      || die "$what: the replica did not catch up"
  fi
  t2=$(now_ms)
  cpu=$(cpu_busy "$cpu0" "$(cpu_sample)"); mt=$(( $(master_ms) - mt0 + backup_ms ))
  rss_stop
  [ "$mode" = load ] && load_stop >"$work/stats" && stats=$(cat "$work/stats")
  if [ "$mode" = load ]; then
    # The load has stopped: the replica ends with the master's data.
    client "$name" -N -B -e "SELECT MASTER_GTID_WAIT('$(client master -N -B -e "SELECT @@gtid_binlog_pos")', 600)" | grep -qx 0 \
      || die "$what: the replica did not catch up after the load"
    [ "$(checksums "$name")" = "$(checksums master)" ] ||
      differ "$name" "$what: checksums differ after catching up"
  else
    [ "$(checksums "$name")" = "$want" ] || differ "$name" "$what: checksums differ"
  fi
  echo "$mode $m $r $((t2 - t0)) $((t1 - t0)) $(rss_of master) $(rss_of "$name") ${stats:-0 0} $cpu ${load_base:-0 0} $mt $(relay_of)" >>"$results"
  printf '  %-36s %-5s run %d: %7.2f s (copy %.2f s), cpu %d%%, relay log %d MB, %s on workers\n' \
    "$what" "$mode" "$r" "$(awk -v a=$((t2 - t0)) 'BEGIN{print a/1000}')" \
    "$(awk -v a=$((t1 - t0)) 'BEGIN{print a/1000}')" "$cpu" "$(relay_of)" "${parallel:-0}"
  # the load's tps and p95 before and during the copy, so a run's numbers
  # are in the log even if the summary below is never printed
  [ "$mode" != load ] || printf '    tps %s, p95 %s ms before and after; tps %s, p95 %s ms during\n' \
    ${load_base:-0 0} ${stats:-0 0}
  stop_server "$name"
  port=$((port + 1)); sid=$((sid + 1))
}

for mode in ${IDLE:+idle} ${UNDER_LOAD:+load}; do
  for r in $(seq "$RUNS"); do
    for m in $METHODS; do
      available "${m%%:*}" || { [ "$r" = 1 ] && log "$(label_of "$m") not available: skipped"; continue; }
      log "$(label_of "$m"), $mode, run $r"
      run_method "$m" "$mode" "$r"
    done
  done
done

# Per mode and method: median and minimum seconds over the runs, and the
# other columns of the median run.
echo
printf '%s tables x %s rows (%s rows), %s run(s); machine: %s cores, %s\n' \
  "$TABLES" "$ROWS" "$total_rows" "$RUNS" "$(nproc)" "$(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)"
for mode in ${IDLE:+idle} ${UNDER_LOAD:+load}; do
  # the ratios are to the first LOAD DATA FROM MASTER method listed
  first_load=load
  for m in $METHODS; do
    if [ "${m%%:*}" = load ]; then first_load=$m; break; fi
  done
  base=$(awk -v mode="$mode" -v m="$first_load" '$1 == mode && $2 == m {print $4}' "$results" | sort -n |
         awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}')
  echo
  if [ "$mode" = idle ]; then
    printf '%-36s %9s %9s %8s %10s %9s %9s %8s %5s %8s\n' "idle master" median min "vs LOAD" "rows/s" "master MB" "replica MB" \
      "relay MB" "cpu %" "master s"
  else
    printf '%-36s %9s %9s %8s %10s %9s %9s %8s %5s %8s %8s %8s %8s %8s\n' "under oltp_read_write" median min "vs LOAD" \
      "rows/s" "master MB" "replica MB" "relay MB" "cpu %" "tps base" "p95 base" tps p95 lost
  fi
  for m in $METHODS; do
    grep -q "^$mode $m " "$results" || continue
    awk -v mode="$mode" -v m="$m" -v base="${base:-0}" -v rows="$total_rows" \
        -v name="$(label_of "$m")" '
      $1 == mode && $2 == m { n++; t[n] = $4; line[n] = $0 }
      END {
        for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++)
          if (t[j] < t[i]) { x = t[i]; t[i] = t[j]; t[j] = x; y = line[i]; line[i] = line[j]; line[j] = y }
        mid = int((n + 1) / 2); split(line[mid], f, " ")
        printf "%-36s %9.2f %9.2f %7.2fx %10.0f %9d %9d", name, t[mid] / 1000, t[1] / 1000,
          base ? t[mid] / base : 0, rows / (f[5] / 1000), f[6], f[7]
        printf " %8d %5d", f[14], f[10]
        if (mode == "idle") printf " %8.2f", f[13] / 1000
        if (mode == "load") {
          # (tps base - tps during) x seconds; negative (the load ran
          # faster during the copy): within noise, printed as is
          lost = (f[11] - f[8]) * t[mid] / 1000
          printf " %8.1f %8.1f %8.1f %8.1f %8.0f", f[11], f[12], f[8], f[9], lost
        }
        printf "\n"
      }' "$results"
  done
done
echo "(seconds: to a replica holding every table, under load also caught up with the master's"
echo " position when the copy ended; rows/s: rows copied per second of the copy itself; tps/p95"
echo " base: the load's ${BASE_SECONDS} s right before the copy and after it caught up; lost: (tps base - tps during) x"
echo " seconds; master s: CPU seconds the copy cost the master, its mariadbd's and mariadb-backup"
echo " --backup's; relay MB: the replica's peak relay log during the copy, sampled every second;"
echo " every copy's checksums equal the master's)"
