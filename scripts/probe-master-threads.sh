#!/bin/bash
# Where a master's load goes while LOAD DATA FROM MASTER copies from it:
# the CPU time of each master thread during the copy, and the load's tps
# right before, during and after it.  Not a benchmark of the copy (see
# bench-sysbench.sh): a probe of what the copy takes from the master.
#
#   scripts/probe-master-threads.sh
#     TABLES=8 ROWS=500000 RUNS=2
#     RENICE=10: every other copy runs with the master's dump thread at
#       that nice value (set two seconds into the copy; the dump is the
#       thread that grew most then, the load's connections left out)
#
# The master and its sysbench oltp_read_write (2 threads) run on CPU 0,
# each replica on CPU 1, as bench-sysbench.sh's HOSTS=split.  Each copy
# goes to a fresh replica; after it the replica replicates the load for
# WINDOW seconds (the "after" window), then stops.  Prints per copy:
# seconds, tps before/during/after, p95 during, and the master threads
# that took more than a second of CPU during the copy.
. "$(dirname "$0")/lib.sh"
[ -x "$LDFM_BUILD/sql/mariadbd" ] || "$REPO_DIR/scripts/build.sh"

TABLES=${TABLES:-8}
ROWS=${ROWS:-500000}
RUNS=${RUNS:-2}
WINDOW=${WINDOW:-20}
RENICE=${RENICE:-}
MASTER_PORT=13426
. "$REPO_DIR/scripts/lib-servers.sh"
need_sysbench

SERVER_WRAP="taskset -c 0" start_server master "$MASTER_PORT" 1
client master -e "CREATE DATABASE sbtest"
sb() {
  sysbench oltp_read_write --db-driver=mysql --mysql-socket="$work/master/sock" \
    --mysql-user=root --mysql-db=sbtest --tables="$TABLES" --table-size="$ROWS" "$@"
}
sb --threads=2 prepare >/dev/null
master_pid=$(pid_of master)

# ticks: "tid cpu-ticks" of every master thread
ticks() {
  local t
  for t in "/proc/$master_pid/task/"*; do
    echo "${t##*/} $(awk '{print $14 + $15}' "$t/stat" 2>/dev/null || echo 0)"
  done | sort
}
# grown FROM TO: "ticks tid" of the threads, most grown last
grown() { join -a2 -e0 -o 0,1.2,2.2 "$1" "$2" | awk '{print $3 - $2, $1}' | sort -n; }

taskset -c 0 sysbench oltp_read_write --db-driver=mysql --mysql-socket="$work/master/sock" \
  --mysql-user=root --mysql-db=sbtest --tables="$TABLES" --table-size="$ROWS" --threads=2 \
  --time=7200 --report-interval=1 --percentile=95 run >"$work/load.out" 2>&1 &
load_pid=$!
sleep 5
clk=$(getconf CLK_TCK)
printf '%-10s %8s %8s %8s %8s %8s  %s\n' copy seconds "tps bef" "tps dur" "tps aft" "p95 dur" \
  "master threads over 1 s of CPU (seconds)"
copies=$RUNS
[ -n "$RENICE" ] && copies=$((RUNS * 2))
for i in $(seq "$copies"); do
  niced=
  [ -n "$RENICE" ] && [ $((i % 2)) = 0 ] && niced=$RENICE
  name=replica$i
  SERVER_WRAP="taskset -c 1" start_server "$name" $((MASTER_PORT + i)) 2
  client "$name" -e "CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=$MASTER_PORT,
    MASTER_USER='root', MASTER_USE_GTID=slave_pos"
  b0=$(reports); ticks >"$work/t_before"; sleep "$WINDOW"
  a=$(reports); ticks >"$work/t0"; s=$(now_ms)
  taskset -c 1 "$LDFM_BUILD/client/mariadb" --no-defaults -uroot -S "$work/$name/sock" \
    -e "LOAD DATA FROM MASTER" &
  copy_pid=$!
  if [ -n "$niced" ]; then
    sleep 2; ticks >"$work/t2"
    # the load's two connections grew most before the copy: not them
    load_tids=$(grown "$work/t_before" "$work/t0" | tail -2 | awk '{print $2}')
    dump_tid=$(grown "$work/t0" "$work/t2" | awk '{print $2}' | grep -vxF "$load_tids" | tail -1)
    renice -n "$niced" -p "$dump_tid" >/dev/null
  fi
  wait "$copy_pid" || die "LOAD DATA FROM MASTER failed on $name"
  e=$(now_ms); b=$(reports); ticks >"$work/t1"
  # A thread the cache gives the next connection keeps its nice value
  [ -n "$niced" ] && renice -n 0 -p "$dump_tid" >/dev/null
  sleep 3; c0=$(reports); sleep "$WINDOW"; c1=$(reports)
  read -r tps_bef _ <<<"$(window_stats "$b0" "$a")"
  read -r tps_dur p95_dur <<<"$(window_stats "$a" "$b")"
  read -r tps_aft _ <<<"$(window_stats "$c0" "$c1")"
  threads=$(grown "$work/t0" "$work/t1" |
    awk -v hz="$clk" '$1 > hz {printf "%s %.1f, ", $2, $1 / hz}' | sed 's/, $//')
  printf '%-10s %8s %8s %8s %8s %8s  %s\n' "load${niced:+ nice}" \
    "$(awk -v ms=$((e - s)) 'BEGIN {printf "%.1f", ms / 1000}')" \
    "$tps_bef" "$tps_dur" "$tps_aft" "$p95_dur" "$threads"
  client "$name" -e "STOP SLAVE"
  kill "$(pid_of "$name")"
  sleep 3
done
kill "$load_pid" 2>/dev/null || true
wait "$load_pid" 2>/dev/null || true
