#!/usr/bin/env bash
# Usage: tools/dist_train.sh CONFIG NUM_PROCS [tools/train.py arguments...]
# One torchrun process per GPU; on a machine without GPUs, NUM_PROCS CPU processes over gloo.
# Multi-node: set NNODES, NODE_RANK, MASTER_ADDR and PORT (tools/torchrun.sh).
set -euo pipefail
if [ $# -lt 2 ]; then
    echo "usage: $0 CONFIG NUM_PROCS [train.py arguments...]" >&2
    exit 2
fi
DIR="$(cd "$(dirname "$0")" && pwd)"
exec bash "$DIR/torchrun.sh" "$2" "$DIR/train.py" "$1" --launcher pytorch "${@:3}"
