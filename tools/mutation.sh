#!/usr/bin/env bash
# Mutation testing of src/blkswap/xen and src/blkswap/back: see tools/mutation.py (per-module
# targeted tests, niced, per-mutant timeout, scores in tools/mutation-scores.json).
#
#   tools/mutation.sh src/blkswap/xen/ops_map.py      # one module (or several)
#   tools/mutation.sh --recheck src/blkswap/xen/ops_map.py
#   tools/mutation.sh --list | --report
set -euo pipefail
cd "$(dirname "$0")/.."
exec .venv/bin/python tools/mutation.py "$@"
