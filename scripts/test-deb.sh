#!/bin/bash
# Test of the Debian packages that scripts/build-deb.sh made, the way a DBA
# meets them:
#
#   1. installs mariadb-server, mariadb-client (and, with --suite,
#      mariadb-test) from the built .debs with apt, which checks their
#      dependencies; service start is held back by a policy-rc.d, as in a
#      container;
#   2. starts two instances from the installed /usr/sbin/mariadbd on
#      127.0.0.1 and provisions the second from the first with
#      LOAD DATA FROM MASTER (the installed client) while a writer keeps
#      changing the master, then START SLAVE, and compares the checksum of
#      every table;
#   3. with --suite, runs the provision mtr suite from the installed
#      mariadb-test package (/usr/share/mysql/mysql-test); with --rocksdb,
#      also installs mariadb-plugin-rocksdb and copies a MyRocks table
#      under writes with the others (a full build, not --minimal);
#   4. puts back what was installed before (removes the packages it
#      installed, reinstalls the machine's own versions of the libraries it
#      replaced), unless --keep.
#
# Usage: scripts/test-deb.sh [--suite] [--rocksdb] [--keep]
. "$(dirname "$0")/lib.sh"

suite= keep= rocksdb=
for arg in "$@"; do
  case $arg in
    --suite) suite=1 ;;
    --rocksdb) rocksdb=1 ;;
    --keep) keep=1 ;;
    *) die "unknown option $arg (see the header of $0)" ;;
  esac
done

deb=$LDFM_CACHE/deb
server_deb=$(find "$deb" -maxdepth 1 -name 'mariadb-server_*+ldfm*.deb' | sort -V | tail -1)
[ -n "$server_deb" ] || die "no mariadb-server package in $deb: run scripts/build-deb.sh first"
version=$(dpkg-deb -f "$server_deb" Version)
arch=$(dpkg-deb -f "$server_deb" Architecture)
log "packages of version $version"

# What this build has of each package apt would otherwise take elsewhere.
wanted=(mariadb-server mariadb-server-core mariadb-client mariadb-client-core
        mariadb-common libmariadb3 mariadb-plugin-provider-bzip2
        mariadb-plugin-provider-lz4 mariadb-plugin-provider-lzma
        mariadb-plugin-provider-lzo mariadb-plugin-provider-snappy)
[ -z "$suite" ] || wanted+=(mariadb-test mariadb-test-data libmariadbd19)
[ -z "$rocksdb" ] || wanted+=(mariadb-plugin-rocksdb)
files=()
for p in "${wanted[@]}"; do
  for a in "$arch" all; do
    f=$deb/${p}_${version#*:}_$a.deb
    [ -f "$f" ] && files+=("$f")
  done
done

# The machine's own versions, to put back afterwards; what it did not
# have is removed again (a data directory too, only if the packages made it).
before=$(dpkg-query -W -f '${db:Status-Abbrev} ${Package}=${Version}\n' "${wanted[@]}" 2>/dev/null |
         awk '$1 == "ii" {print $2}' || true)
added=()
for p in "${wanted[@]}"; do
  grep -q "^$p[:=]" <<< "$before" || added+=("$p")
done
datadir_added=
[ -e /var/lib/mysql ] || datadir_added=1
restore() {
  [ -z "$keep" ] || { log "--keep: the packages stay installed"; return; }
  log "putting the machine's packages back"
  as_root apt-get purge -y -qq "${added[@]}" >/dev/null 2>&1 || true
  # shellcheck disable=SC2086
  [ -z "$before" ] || as_root apt-get install -y -qq --allow-downgrades $before >/dev/null \
    || echo "could not reinstall: $before" >&2
  [ -z "$datadir_added" ] || as_root rm -rf /var/lib/mysql
}

policy_added=
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' | as_root tee /usr/sbin/policy-rc.d >/dev/null
  as_root chmod +x /usr/sbin/policy-rc.d
  policy_added=1
fi
work=$(mktemp -d /tmp/ldfm-deb.XXXXXX)
pids=()
finish() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
  [ -z "$policy_added" ] || as_root rm -f /usr/sbin/policy-rc.d
  restore
}
trap finish EXIT

log "apt-get install ${#files[@]} packages of this build"
printf '  %s\n' "${files[@]##*/}"
DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -q --no-install-recommends \
  --allow-downgrades "${files[@]}" > "$work/install.log" 2>&1 \
  || { tail -30 "$work/install.log"; die "apt-get install of the built packages failed"; }
installed=$(dpkg-query -W -f '${Version}' mariadb-server)
[ "$installed" = "$version" ] || die "mariadb-server $installed is installed, not $version"
/usr/sbin/mariadbd --version
log "installed: mariadb-server $installed"

# Two instances from the installed binaries.
start() {
  local dir=$work/$1
  mkdir -p "$dir"
  mariadb-install-db --no-defaults --datadir="$dir/data" --user="$(id -un)" \
    --auth-root-authentication-method=normal >"$dir/install.log" 2>&1 \
    || { cat "$dir/install.log"; die "mariadb-install-db failed for $1"; }
  /usr/sbin/mariadbd --no-defaults --datadir="$dir/data" --port="$2" \
    --bind-address=127.0.0.1 --socket="$dir/sock" --server-id="$3" \
    --log-bin="$1-bin" --log-slave-updates --skip-slave-start \
    --user="$(id -un)" >"$dir/error.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 120); do
    mariadb-admin --no-defaults -uroot --socket="$dir/sock" ping >/dev/null 2>&1 && return
    sleep 0.5
  done
  cat "$dir/error.log"; die "$1 did not start"
}
db() { local n=$1; shift; mariadb --no-defaults -uroot --socket="$work/$n/sock" "$@"; }
start master 13336 1
start replica 13337 2
if [ -n "$rocksdb" ]; then
  for n in master replica; do db "$n" -e "INSTALL SONAME 'ha_rocksdb'"; done
fi

log "a master with data, and a writer while the copy runs"
db master <<'SQL'
SET SESSION max_recursive_iterations= 1000000;
CREATE DATABASE shop;
CREATE TABLE shop.orders (id INT PRIMARY KEY, customer INT, total DECIMAL(10,2),
  note VARCHAR(100), KEY (customer)) ENGINE=InnoDB;
INSERT INTO shop.orders
  WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 200000)
  SELECT i, i MOD 977, i / 7, REPEAT('x', i MOD 90) FROM s;
CREATE TABLE shop.log (id INT AUTO_INCREMENT PRIMARY KEY, msg TEXT) ENGINE=Aria;
INSERT INTO shop.log (msg) SELECT CONCAT('m', id) FROM shop.orders WHERE id <= 20000;
CREATE TABLE shop.keyless (a INT, b VARCHAR(20)) ENGINE=InnoDB;
INSERT INTO shop.keyless SELECT id MOD 13, CONCAT('k', id) FROM shop.orders WHERE id <= 30000;
CREATE TABLE shop.rocks (id INT PRIMARY KEY, v INT, KEY (v)) ENGINE=InnoDB;
INSERT INTO shop.rocks SELECT id, customer FROM shop.orders WHERE id <= 50000;
CREATE VIEW shop.big_orders AS SELECT * FROM shop.orders WHERE total > 1000;
CREATE PROCEDURE shop.touch(n INT) UPDATE shop.orders SET total = total + 1 WHERE id = n;
SQL
[ -z "$rocksdb" ] || db master -e "ALTER TABLE shop.rocks ENGINE=ROCKSDB"
db master -N -B -e "SELECT CONCAT('engines: ', GROUP_CONCAT(table_name, '=', engine ORDER BY table_name))
                    FROM information_schema.tables WHERE table_schema = 'shop' AND table_type = 'BASE TABLE'"
(
  i=0
  while [ ! -e "$work/stop" ]; do
    i=$((i + 1))
    db master -e "START TRANSACTION;
      UPDATE shop.orders SET total = total + 1, note = 'w$i' WHERE id = $(( (i * 7919) % 200000 + 1 ));
      INSERT INTO shop.orders VALUES ($((200000 + i)), $i, $i, 'new');
      DELETE FROM shop.orders WHERE id = $(( (i * 104729) % 200000 + 1 ));
      UPDATE shop.rocks SET v = v + 1, id = id + 50000 WHERE id = $(( (i * 31) % 50000 + 1 ));
      COMMIT;
      INSERT INTO shop.log (msg) VALUES ('w$i');
      UPDATE shop.keyless SET b = 'w$i' WHERE a = $((i % 13)) LIMIT 1;
      CALL shop.touch($((i % 1000 + 1)));" || exit 1
  done
  echo "$i" > "$work/writes"
) &
writer=$!

db replica -e "CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=13336,
               MASTER_USER='root', MASTER_USE_GTID=slave_pos"
start_time=$SECONDS
db replica -e "LOAD DATA FROM MASTER" || die "LOAD DATA FROM MASTER failed"
elapsed=$((SECONDS - start_time))
touch "$work/stop"
wait "$writer" || die "the writer failed"
log "copied in ${elapsed} s while the writer committed $(cat "$work/writes") rounds"
db replica -e "START SLAVE"
pos=$(db master -N -B -e "SELECT @@gtid_binlog_pos")
[ "$(db replica -N -B -e "SELECT MASTER_GTID_WAIT('$pos', 120)")" = 0 ] \
  || die "the replica did not catch up with $pos"

sums() {
  local t
  for t in $(db "$1" -N -B -e "SELECT CONCAT(table_schema, '.', table_name) FROM information_schema.tables
             WHERE table_schema = 'shop' AND table_type = 'BASE TABLE' ORDER BY 1"); do
    echo "$t $(db "$1" -N -B -e "SELECT COUNT(*) FROM $t") $(db "$1" -N -B -e "CHECKSUM TABLE $t EXTENDED" | cut -f2)"
  done
  db "$1" -N -B -e "SHOW CREATE VIEW shop.big_orders; SHOW CREATE PROCEDURE shop.touch"
}
sums master > "$work/master.sums"
sums replica > "$work/replica.sums"
cat "$work/replica.sums" | cut -c1-120
diff "$work/master.sums" "$work/replica.sums" || die "the replica differs from the master"
log "the replica equals the master: every table and object"

if [ -n "$suite" ]; then
  log "the provision suite from the installed mariadb-test package"
  (cd /usr/share/mysql/mysql-test &&
     perl mariadb-test-run.pl --suite=provision --parallel=2 --force --max-test-fail=0 \
       --vardir="$work/mtr" --testcase-timeout=20 2>&1 | tail -8) \
    | tee "$work/suite.log"
  grep -q 'Completed: All' "$work/suite.log" || die "the provision suite failed from the package"
fi
log "the packages work"
