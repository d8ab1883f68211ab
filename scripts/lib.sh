# Shared settings for the build scripts; sourced, not run.
# shellcheck shell=bash

set -euo pipefail

REPO_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
MARIADB_VERSION=${MARIADB_VERSION:-1:10.11.18-0+deb12u1}
# Everything big lives outside the clone so a fresh clone rebuilds incrementally.
LDFM_CACHE=${LDFM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/load-data-from-master}
LDFM_BUILD=${LDFM_BUILD:-$LDFM_CACHE/build}
LDFM_SRC=${LDFM_SRC:-$LDFM_CACHE/src}
export CCACHE_DIR=${CCACHE_DIR:-$LDFM_CACHE/ccache}

log() { printf '\033[1m== %s\033[0m\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
