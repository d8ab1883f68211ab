#!/bin/bash
# Obtains pristine MariaDB 10.11 source as Debian's source package, into
# $LDFM_SRC/pristine.  Uses $MARIADB_SRC instead when the user gives a tree.
. "$(dirname "$0")/lib.sh"

PRISTINE=$LDFM_SRC/pristine
if [ -n "${MARIADB_SRC:-}" ]; then
  [ -f "$MARIADB_SRC/VERSION" ] || die "MARIADB_SRC=$MARIADB_SRC is not a MariaDB source tree (no VERSION file)"
  grep -q '^MYSQL_VERSION_MINOR=11' "$MARIADB_SRC/VERSION" \
    || die "MARIADB_SRC=$MARIADB_SRC is not MariaDB 10.11"
  echo "$MARIADB_SRC"; exit 0
fi
if [ -f "$PRISTINE/VERSION" ]; then echo "$PRISTINE"; exit 0; fi

available() {
  apt-cache showsrc mariadb 2>/dev/null | sed -n 's/^Version: \(1:10\.11\..*\)/\1/p' | sort -Vr
}
if [ -z "$(available)" ]; then
  log "adding deb-src entries for bookworm"
  as_root tee /etc/apt/sources.list.d/ldfm-deb-src.sources >/dev/null <<'SRC'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb-src
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
  as_root apt-get update -qq
fi

# The pinned version first, then the newest 10.11 the archive has.
candidates=$( (echo "$MARIADB_VERSION"; available | grep -vxF "$MARIADB_VERSION") | awk 'NF' )
dl=$LDFM_SRC/download
tree=
for version in $candidates; do
  rm -rf "$dl"; mkdir -p "$dl"
  log "apt-get source mariadb=$version"
  if (cd "$dl" && apt-get source -qq "mariadb=$version" >/dev/null 2>&1); then
    tree=$(find "$dl" -mindepth 1 -maxdepth 1 -type d -name 'mariadb-*' | head -1)
    [ -n "$tree" ] && break
  fi
  log "mariadb=$version could not be fetched"
done
[ -n "$tree" ] || die "no MariaDB 10.11 source package could be fetched; set MARIADB_SRC=<dir>"
[ -f "$tree/VERSION" ] || die "apt-get source produced no tree"
rm -rf "$PRISTINE"; mv "$tree" "$PRISTINE"; rm -rf "$dl"
echo "$PRISTINE"
