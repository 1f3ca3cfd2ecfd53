#!/usr/bin/env bash
# Usage: tools/torchrun.sh NUM_PROCS SCRIPT [arguments...]  (what dist_train.sh/dist_test.sh run)
# One torchrun process per GPU; on a machine without GPUs, NUM_PROCS CPU processes over gloo.
# Multi-node: set NNODES, NODE_RANK, MASTER_ADDR and PORT like MMAction2's scripts.
set -euo pipefail
NPROCS=$1
SCRIPT=$2
NNODES=${NNODES:-1}
NODE_RANK=${NODE_RANK:-0}
PORT=${PORT:-29500}
MASTER_ADDR=${MASTER_ADDR:-127.0.0.1}
DIR="$(cd "$(dirname "$0")" && pwd)"
PYTHON=${PYTHON:-python}

PYTHONPATH="$DIR/..${PYTHONPATH:+:$PYTHONPATH}" \
exec "$PYTHON" -m torch.distributed.run \
    --nnodes="$NNODES" --node_rank="$NODE_RANK" --master_addr="$MASTER_ADDR" \
    --nproc_per_node="$NPROCS" --master_port="$PORT" "$SCRIPT" "${@:3}"
