#!/bin/bash
# The race tests that need a debug server (DEBUG_SYNC): builds a second,
# debug tree (CMAKE_BUILD_TYPE=Debug, its own build directory, the same
# source tree and ccache) and runs the provision tests that require
# debug_sync or debug_dbug; on a release build mtr skips them.  Not part of
# scripts/test.sh: a fresh debug build takes about 20 minutes on 2 cores.
#
#   scripts/test-debug.sh        the DEBUG_SYNC tests
#   scripts/test-debug.sh all    the whole provision suite under the debug
#                                server's assertions (about 25 minutes)
#
#   LDFM_DEBUG_BUILD  the debug build tree (default $LDFM_CACHE/build-debug)
. "$(dirname "$0")/lib.sh"
export PATH=$PATH:$HOME/.cargo/bin
export LDFM_BUILD=${LDFM_DEBUG_BUILD:-$LDFM_CACHE/build-debug}
export LDFM_CMAKE_EXTRA="-DCMAKE_BUILD_TYPE=Debug ${LDFM_CMAKE_EXTRA:-}"
"$REPO_DIR/scripts/build.sh"

if [ "${1:-}" = all ]; then
  tests=--suite=provision
else
  tests=$(grep -lE 'have_debug(_sync)?[.]inc' "$REPO_DIR"/mysql-test/suite/provision/t/*.test \
          | xargs -n1 basename | sed 's/\.test$//; s/^/provision./')
  [ -n "$tests" ] || die "no DEBUG_SYNC tests found"
fi
log "mtr (debug build): $tests"
cd "$LDFM_BUILD/mysql-test"
# shellcheck disable=SC2086
perl mtr --parallel="${LDFM_MTR_PARALLEL:-2}" --force --max-test-fail=0 \
  --vardir="$LDFM_BUILD/mysql-test/var-debug" --testcase-timeout=20 $tests
