#!/bin/bash
# Vendors every crate the server build needs into ./vendor, so that the
# build (and a distro package build) runs without network.  Needs network
# once; prepare-source.sh copies ./vendor into the server tree.
. "$(dirname "$0")/lib.sh"
cd "$REPO_DIR"
cargo vendor --locked --versioned-dirs vendor >/dev/null
log "vendored $(ls vendor | wc -l) crates into $REPO_DIR/vendor"
