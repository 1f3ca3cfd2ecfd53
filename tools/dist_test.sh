#!/usr/bin/env bash
# Usage: tools/dist_test.sh CONFIG CHECKPOINT NUM_PROCS [tools/test.py arguments...]
# One torchrun process per GPU; on a machine without GPUs, NUM_PROCS CPU processes over gloo.
# Multi-node: set NNODES, NODE_RANK, MASTER_ADDR and PORT (tools/torchrun.sh).
set -euo pipefail
if [ $# -lt 3 ]; then
    echo "usage: $0 CONFIG CHECKPOINT NUM_PROCS [test.py arguments...]" >&2
    exit 2
fi
DIR="$(cd "$(dirname "$0")" && pwd)"
exec bash "$DIR/torchrun.sh" "$3" "$DIR/test.py" "$1" "$2" --launcher pytorch "${@:4}"
