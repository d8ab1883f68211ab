#!/bin/bash
# Turns a MariaDB 10.11 source tree into one that builds LOAD DATA FROM MASTER:
#   - copies the project (Rust crates, C++ shim, CMake include, vendored
#     crates if present) into <tree>/provision/,
#   - copies the mtr suite into <tree>/mysql-test/suite/provision/,
#   - applies patches/series (reverting a previously applied, different
#     series first, so it can be rerun after the patches change).
# Files whose content did not change keep their timestamps, so a rebuild
# after a small change recompiles only what changed.
#
# Usage: scripts/prepare-source.sh <mariadb-source-tree>
. "$(dirname "$0")/lib.sh"

tree=${1:?usage: prepare-source.sh <mariadb-source-tree>}
[ -f "$tree/sql/sql_yacc.yy" ] || die "$tree is not a MariaDB source tree"

# rsync -c: compare content, not time, and keep the time of unchanged files.
sync() { rsync -rc --delete "$@"; }
mkdir -p "$tree/provision"
sync "$REPO_DIR/Cargo.toml" "$REPO_DIR/Cargo.lock" "$REPO_DIR/build.rs" \
     "$REPO_DIR/src" "$REPO_DIR/rust-core" "$REPO_DIR/cpp-shim" \
     "$REPO_DIR/cmake" "$tree/provision/" \
     --exclude target --exclude /vendor --exclude /.applied-patches
if [ -d "$REPO_DIR/vendor" ]; then sync "$REPO_DIR/vendor" "$tree/provision/"; fi
mkdir -p "$tree/mysql-test/suite/provision"
sync "$REPO_DIR/mysql-test/suite/provision/" "$tree/mysql-test/suite/provision/"

applied=$tree/provision/.applied-patches
if [ -d "$applied" ] && diff -rq "$applied" "$REPO_DIR/patches" >/dev/null; then
  log "patches already applied to $tree"
  exit 0
fi
if [ -f "$applied/series" ]; then
  log "reverting the previously applied patch series"
  tac "$applied/series" | while read -r p; do
    [ -n "$p" ] || continue
    patch -s -R -p1 -d "$tree" < "$applied/$p" || die "cannot revert $p; start again from a pristine tree"
  done
  rm -rf "$applied"
fi
while read -r p; do
  [ -n "$p" ] || continue
  log "applying $p"
  patch -s -p1 -N --dry-run -d "$tree" < "$REPO_DIR/patches/$p" >/dev/null \
    || die "$p does not apply to $tree (is it MariaDB 10.11 as Debian ships it?)"
  patch -s -p1 -N -d "$tree" < "$REPO_DIR/patches/$p"
done < "$REPO_DIR/patches/series"
cp -r "$REPO_DIR/patches" "$applied"
