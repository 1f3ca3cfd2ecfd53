"""Kill a training run with SIGKILL in the middle of an epoch, resume it, compare.

Runs CONFIG three times through tools/train.py: uninterrupted; killed (SIGKILL to its whole
process group, dataloader workers included) at iteration KILL_ITER of epoch KILL_EPOCH; the
killed run again with --resume. Prints whether the final weights and the last validation
UAR/WAR of the resumed run equal those of the uninterrupted one; exit code 1 if not.

Exact equality needs deterministic settings (``randomness=dict(seed=..., deterministic=True)``,
set by the ous-mm configs) and non-persistent dataloader workers, which MMEngine seeds the same
way every epoch (forced here); the partial epoch is trained again from the last checkpoint.
"""
import argparse
import glob
import json
import os
import os.path as osp
import re
import signal
import subprocess
import sys

import torch
from mmengine.runner.checkpoint import _load_checkpoint

import ous_mm  # noqa: F401  (the safe checkpoint loader)

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TRAIN = osp.join(ROOT, 'tools', 'train.py')


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('config')
    parser.add_argument('--work-dir', required=True)
    parser.add_argument('--kill-epoch', type=int, default=2)
    parser.add_argument('--kill-iter', type=int, default=3)
    parser.add_argument('--cfg-options', nargs='+', default=[])
    return parser.parse_args()


def train_cmd(args, work_dir: str, *extra: str) -> list:
    options = [*args.cfg_options, 'default_hooks.logger.interval=1',
               *[f'{k}_dataloader.persistent_workers=False' for k in ('train', 'val')]]
    return [sys.executable, TRAIN, args.config, '--work-dir', work_dir, *extra,
            '--cfg-options', *options]


def run_killed(args, work_dir: str) -> None:
    pattern = re.compile(rf'Epoch\(train\)\s*\[{args.kill_epoch}\]\[\s*{args.kill_iter}/')
    proc = subprocess.Popen(train_cmd(args, work_dir), cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)
    for line in proc.stdout:
        if pattern.search(line):
            os.killpg(proc.pid, signal.SIGKILL)
            break
    proc.wait()
    if proc.returncode != -signal.SIGKILL:
        sys.exit(f'the run ended (exit {proc.returncode}) before epoch {args.kill_epoch} '
                 f'iteration {args.kill_iter}; nothing was killed')
    print(f'killed at epoch {args.kill_epoch}, iteration {args.kill_iter}')


def final_state(work_dir: str):
    with open(osp.join(work_dir, 'last_checkpoint')) as f:
        ckpt = f.read().strip()
    state = _load_checkpoint(ckpt, map_location='cpu')['state_dict']
    scalars = sorted(glob.glob(osp.join(work_dir, '*', 'vis_data', 'scalars.json')))
    val = [json.loads(line) for line in open(scalars[-1])]
    val = [r for r in val if 'dfer/UAR' in r][-1]
    return osp.basename(ckpt), state, val


def main() -> None:
    args = parse_args()
    straight, killed = osp.join(args.work_dir, 'uninterrupted'), osp.join(args.work_dir, 'killed')
    subprocess.run(train_cmd(args, straight), cwd=ROOT, check=True, capture_output=True)
    run_killed(args, killed)
    subprocess.run(train_cmd(args, killed, '--resume'), cwd=ROOT, check=True,
                   capture_output=True)
    name_a, a, val_a = final_state(straight)
    name_b, b, val_b = final_state(killed)
    same_weights = name_a == name_b and a.keys() == b.keys() and all(
        torch.equal(a[k], b[k]) for k in a)
    print(f'{"":<14}{"uninterrupted":>16}{"killed+resumed":>16}')
    print(f'{"checkpoint":<14}{name_a:>16}{name_b:>16}')
    for key in ('dfer/UAR', 'dfer/WAR', 'dfer/nll'):
        print(f'{key:<14}{val_a[key]:>16.4f}{val_b[key]:>16.4f}')
    same_metrics = all(val_a[k] == val_b[k] for k in ('dfer/UAR', 'dfer/WAR'))
    print(f'identical weights: {same_weights}; identical UAR/WAR: {same_metrics}')
    sys.exit(0 if same_weights and same_metrics else 1)


if __name__ == '__main__':
    main()
