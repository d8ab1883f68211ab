#!/bin/bash
# Installs the Debian packages needed to build the patched server and run
# its tests.  Idempotent: does nothing when everything is present.
. "$(dirname "$0")/lib.sh"

PKGS=(build-essential cmake ninja-build ccache bison pkg-config dpkg-dev
      libfmt-dev libpcre2-dev zlib1g-dev libssl-dev libncurses-dev
      libaio-dev liblz4-dev libxml2-dev gnutls-bin rsync patch
      libdbi-perl libdbd-mariadb-perl libjson-perl
      libclang-dev clang)

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep 'install ok installed' >/dev/null \
    || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  log "installing: ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
    --no-install-recommends "${missing[@]}"
fi
