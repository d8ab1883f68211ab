#!/bin/bash
# Regenerates rust-core/src/server_consts.rs and cpp-shim/rpl_provision_consts.h
# from the patched, configured server tree (bindgen; needs libclang-dev).
# Run after a build, when the core needs a new constant from the server.
. "$(dirname "$0")/lib.sh"
src=${1:-$LDFM_SRC/tree}
build=${2:-$LDFM_BUILD}
[ -f "$build/include/mysqld_error.h" ] || die "$build is not a configured, built server tree (run scripts/build.sh)"
cargo run --quiet --release --manifest-path "$REPO_DIR/tools/gen-consts/Cargo.toml" -- \
  "$src" "$build" "$REPO_DIR/rust-core/src/server_consts.rs" "$REPO_DIR/cpp-shim/rpl_provision_consts.h"
rustfmt --edition 2021 "$REPO_DIR/rust-core/src/server_consts.rs"
log "regenerated server_consts.rs and rpl_provision_consts.h"
