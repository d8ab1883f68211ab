#!/bin/bash
# Builds the patched MariaDB 10.11 server with LOAD DATA FROM MASTER:
# installs build dependencies, fetches the source (Debian's source package,
# or MARIADB_SRC=<dir>), prepares a working tree, configures with CMake +
# Ninja + ccache and builds mariadbd, the clients and the mtr tools.
#
# Everything large lives under $LDFM_CACHE (default ~/.cache/load-data-from-master):
#   src/pristine  the unmodified source   src/tree  the patched working tree
#   build/        the build tree          ccache/   the compiler cache
# First build: about 10-15 minutes on 2 cores; after a small change, minutes.
. "$(dirname "$0")/lib.sh"
. "$REPO_DIR/scripts/configure-flags.sh"

[ "${LDFM_SKIP_DEPS:-0}" = 1 ] || "$REPO_DIR/scripts/install-deps.sh"
command -v cargo >/dev/null || [ -x "$HOME/.cargo/bin/cargo" ] \
  || die "cargo not found: install Rust (rustup, or Debian's cargo for Rust >= 1.82)"
export PATH=$PATH:$HOME/.cargo/bin

pristine=$("$REPO_DIR/scripts/fetch-source.sh" | tail -1)
tree=$LDFM_SRC/tree
if [ ! -f "$tree/.ldfm-origin" ] || [ "$(cat "$tree/.ldfm-origin")" != "$pristine" ]; then
  log "creating the working tree $tree from $pristine"
  rm -rf "$tree"; mkdir -p "$tree"
  rsync -a --exclude .git "$pristine/" "$tree/"
  echo "$pristine" > "$tree/.ldfm-origin"
fi
"$REPO_DIR/scripts/prepare-source.sh" "$tree"

mkdir -p "$LDFM_BUILD" "$CCACHE_DIR"
ccache --max-size=5G >/dev/null
flags_id=$(printf '%s\n' "$tree" "${CMAKE_FLAGS[@]}" ${LDFM_CMAKE_EXTRA:-} | sha1sum | cut -c1-12)
if [ ! -f "$LDFM_BUILD/build.ninja" ] || [ "$(cat "$LDFM_BUILD/.ldfm-flags" 2>/dev/null)" != "$flags_id" ]; then
  log "configuring $LDFM_BUILD"
  (cd "$LDFM_BUILD" && cmake "$tree" "${CMAKE_FLAGS[@]}" ${LDFM_CMAKE_EXTRA:-} > cmake.log) \
    || { tail -40 "$LDFM_BUILD/cmake.log"; die "cmake failed (log: $LDFM_BUILD/cmake.log)"; }
  echo "$flags_id" > "$LDFM_BUILD/.ldfm-flags"
fi

log "building in $LDFM_BUILD"
start=$SECONDS
ninja -C "$LDFM_BUILD" ${LDFM_JOBS:+-j "$LDFM_JOBS"} ${LDFM_TARGETS:-}
log "build done in $((SECONDS - start)) s: $LDFM_BUILD/sql/mariadbd"
