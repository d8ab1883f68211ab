#!/bin/bash
# Builds Debian binary packages of MariaDB 10.11 with LOAD DATA FROM MASTER,
# from Debian's own source package, the way a packager would:
#
#   1. `apt-get source mariadb` (Debian's debian/patches applied) into
#      $LDFM_CACHE/deb/;
#   2. this project as a second upstream tarball of the source package
#      (format 3.0 (quilt), component "provision": the Rust crates with
#      their vendored dependencies, the C++ shim, the CMake include),
#      extracted into provision/;
#   3. patches/series appended to debian/patches/series, and the mtr suite
#      as one more quilt patch (debian/patches/ldfm-mtr-suite-provision.patch);
#   4. a changelog entry (version +ldfm1);
#   5. `dpkg-source --before-build` (quilt applies the series: a patch that
#      does not apply stops here), then, unless --prepare-only,
#      `dpkg-buildpackage -b -uc -us` with DEB_BUILD_OPTIONS=nocheck.
#
# Rust: the build runs `cargo build --release --locked --offline` from the
# vendored crates (no network).  Bookworm's own rustc (1.63) is older than
# this project needs (rust-version in Cargo.toml); the build uses the cargo
# on PATH (rustup's, or Debian's rustc-web/cargo-web when new enough) and
# passes -d to dpkg-buildpackage only for that reason.
#
# Usage: scripts/build-deb.sh [--prepare-only] [--minimal]
#   --prepare-only  stop after step 5's quilt check (minutes, not hours)
#   --minimal       leave out the large storage engines the way
#                   debian/rules' CMAKEFLAGS allows (RocksDB, Mroonga,
#                   Spider, CONNECT, OQGraph, S3) and their packages, for a
#                   build that fits a small machine
. "$(dirname "$0")/lib.sh"

prepare_only= minimal=
for arg in "$@"; do
  case $arg in
    --prepare-only) prepare_only=1 ;;
    --minimal) minimal=1 ;;
    *) die "unknown option $arg (see the header of $0)" ;;
  esac
done

deb=$LDFM_CACHE/deb
mkdir -p "$deb"
for tool in quilt dch dpkg-source rsync; do
  command -v "$tool" >/dev/null || missing=1
done
if [ -n "${missing:-}" ]; then
  log "installing quilt, devscripts, dpkg-dev, rsync"
  as_root apt-get install -y -qq quilt devscripts dpkg-dev rsync >/dev/null
fi
if [ -z "$(find "$deb" -maxdepth 1 -name 'mariadb_*.dsc' -print -quit)" ]; then
  log "apt-get source mariadb=$MARIADB_VERSION (or the newest 10.11)"
  bash "$REPO_DIR/scripts/fetch-source.sh" >/dev/null   # adds deb-src if needed
  (cd "$deb" && { apt-get source -qq "mariadb=$MARIADB_VERSION" 2>/dev/null ||
                  apt-get source -qq mariadb; }) || die "apt-get source mariadb failed"
fi
dsc=$(find "$deb" -maxdepth 1 -name 'mariadb_*.dsc' | sort -V | tail -1)
upstream=$(sed -n 's/^Version: [0-9]*:\{0,1\}\([^-]*\)-.*/\1/p' "$dsc" | head -1)
tree=$deb/mariadb-$upstream
# A fresh tree each run (Debian's patches applied by dpkg-source), so that
# a series changed since the last run applies from the start.
rm -rf "$tree"
(cd "$deb" && dpkg-source -q -x "$(basename "$dsc")" "$(basename "$tree")" >/dev/null) \
  || die "dpkg-source -x $(basename "$dsc") failed"
[ -d "$tree/debian" ] || die "no extracted tree at $tree"

# 2. The project as the "provision" component, with vendored crates.
[ -d "$REPO_DIR/vendor" ] || bash "$REPO_DIR/scripts/vendor-crates.sh"
component=$deb/mariadb_$upstream.orig-provision.tar.xz
stage=$(mktemp -d); trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/provision"
# Only our own build output is left out: vendored crates have src/target/.
rsync -r --exclude /rust-core/target "$REPO_DIR/Cargo.toml" "$REPO_DIR/Cargo.lock" \
  "$REPO_DIR/build.rs" "$REPO_DIR/src" "$REPO_DIR/rust-core" \
  "$REPO_DIR/cpp-shim" "$REPO_DIR/cmake" "$REPO_DIR/vendor" "$stage/provision/"
tar -C "$stage" --sort=name --mtime=@0 --owner=0 --group=0 -cJf "$component" provision
rm -rf "$tree/provision"; cp -r "$stage/provision" "$tree/provision"
log "component $(basename "$component"): $(du -h "$component" | cut -f1)"

# 3. Our patches after Debian's, and the mtr suite as a patch of its own.
patches=$tree/debian/patches
sed -i '/^ldfm-/d' "$patches/series"
rm -f "$patches"/ldfm-*
while read -r p; do
  [ -n "$p" ] || continue
  cp "$REPO_DIR/patches/$p" "$patches/ldfm-$p"
  echo "ldfm-$p" >> "$patches/series"
done < "$REPO_DIR/patches/series"
empty=$(mktemp -d)
mkdir -p "$stage/b/mysql-test/suite" "$empty/a"
cp -r "$REPO_DIR/mysql-test/suite/provision" "$stage/b/mysql-test/suite/"
(cd "$stage" && diff -Nru "$empty/a" b | sed "s#^--- $empty/a/#--- a/#") \
  > "$patches/ldfm-mtr-suite-provision.patch" || true
rm -rf "$empty"
echo "ldfm-mtr-suite-provision.patch" >> "$patches/series"

# 4. A version of our own.
if ! head -1 "$tree/debian/changelog" | grep -q '+ldfm'; then
  (cd "$tree" && DEBEMAIL=ldfm@localhost DEBFULLNAME="LOAD DATA FROM MASTER" \
     dch --local +ldfm "LOAD DATA FROM MASTER: provisioning a replica from a live master.")
fi

# 5. Quilt applies the series on a tree that has Debian's patches applied.
log "applying debian/patches (quilt)"
(cd "$tree" && QUILT_PATCHES=debian/patches quilt push -a -q >/dev/null) \
  || (cd "$tree" && QUILT_PATCHES=debian/patches quilt push -q 2>&1 | tail -5; exit 1) \
  || die "a patch of the series does not apply to Debian's tree"
log "every patch applies: $(grep -c '^ldfm-' "$patches/series") of ours after $(grep -vc '^ldfm-' "$patches/series") of Debian's"
[ -z "$prepare_only" ] || { echo "$tree"; exit 0; }

log "build dependencies"
as_root apt-get build-dep -y -qq "$tree" >/dev/null
command -v cargo >/dev/null || die "cargo is not on PATH (see the header of $0)"
# noautodbgsym: the -dbgsym packages (gigabytes of DWARF compressed with
# xz) take long and nobody installs them to test; LDFM_DEB_DBGSYM=1 keeps them.
opts="nocheck parallel=$(nproc)"
[ -n "${LDFM_DEB_DBGSYM:-}" ] || opts="$opts noautodbgsym"
if [ -n "$minimal" ]; then
  export CMAKEFLAGS="-DPLUGIN_ROCKSDB=NO -DPLUGIN_MROONGA=NO -DPLUGIN_SPIDER=NO \
-DPLUGIN_CONNECT=NO -DPLUGIN_OQGRAPH=NO -DPLUGIN_S3=NO"
  export DH_OPTIONS="-Nmariadb-plugin-rocksdb -Nmariadb-plugin-mroonga \
-Nmariadb-plugin-spider -Nmariadb-plugin-connect -Nmariadb-plugin-oqgraph -Nmariadb-plugin-s3"
fi
log "dpkg-buildpackage -b (DEB_BUILD_OPTIONS=$opts${minimal:+, minimal})"
start=$(date +%s)
(cd "$tree" && DEB_BUILD_OPTIONS=$opts dpkg-buildpackage -b -uc -us -d) \
  > "$deb/build.log" 2>&1 || die "dpkg-buildpackage failed: see $deb/build.log"
log "built in $(( $(date +%s) - start )) s:"
ls -l "$deb"/*.deb >&2
