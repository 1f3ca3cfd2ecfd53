"""Kill training runs with SIGKILL at chosen or random instants, resume them, compare.

For each data-loader setting of ``--loaders`` (``N``: ``num_workers=N``; ``Np``: N persistent
workers; default ``0 2 2p``), runs CONFIG through tools/train.py once uninterrupted, then again,
killed (SIGKILL to its whole process group, dataloader workers included) at each instant of
``--kill-at`` in turn, resumed with ``--resume`` after each kill, and finally resumed to the
end. An instant is:

  train:E:I    training iteration I of epoch E
  val:E:I      validation iteration I after epoch E
  write:NAME   inside the write of the checkpoint file NAME (e.g. epoch_2.pth or
               best_dfer_nll_epoch_2.pth), seen by its temporary file

``--random-kills N`` instead runs N killed runs, each killed once at an instant drawn at random
(an epoch, then training, validation or one of the files the uninterrupted run wrote in that
epoch, then the iteration or the moment in the write), each resumed to the end. The killed runs
write checkpoints through ``slow_atomic_local_backend.py`` (about ``--write-seconds`` a file),
so that a write window is wide enough to be hit on purpose.

Prints each kill (where, and whether inside a write window: a temporary file left behind), what
the resume started from and removed, and whether the final weights (bit for bit), the best
files (names and weights) and the last validation UAR/WAR equal the uninterrupted run's of the
same setting; then, per setting, the kills, how many fell inside a write window and whether
every run ended bit-identical; exit code 1 if any did not.

Exact equality needs deterministic settings (``randomness=dict(seed=..., deterministic=True)``)
and ``RandomStateHook`` (both set by the ous-mm configs), which saves the random generators'
states with each checkpoint and seeds the loader workers by epoch; the interrupted epoch is
trained again from the last checkpoint.
"""
import argparse
import glob
import json
import os
import os.path as osp
import random
import re
import signal
import subprocess
import sys
import time
from collections import defaultdict
from typing import Dict, List, Optional, Tuple

import torch
from mmengine import Config
from mmengine.runner.checkpoint import _load_checkpoint

import ous_mm
from ous_mm.fileio import AtomicLocalBackend

HERE = osp.dirname(osp.abspath(__file__))
ROOT = osp.dirname(osp.dirname(HERE))
TRAIN = osp.join(ROOT, 'tools', 'train.py')

TRAIN_LINE = re.compile(r'Epoch\(train\)\s*\[(\d+)\]\[\s*(\d+)/(\d+)\]')
VAL_LINE = re.compile(r'Epoch\(val\)\s*\[(\d+)\]\[\s*(\d+)/(\d+)\]')
SAVE_LINE = re.compile(r'Saving checkpoint at (\d+) epochs')
BEST_LINE = re.compile(r'The best checkpoint with \S+ \S+ at (\d+) epoch is saved to (\S+\.pth)')
RESUMED_FROM = re.compile(r'resume: the newest complete checkpoint is (\S+\.pth)')
REMOVED = re.compile(r'Removed (\S+): ')
Instant = Tuple  # ('train', E, I), ('val', E, I) or ('write', NAME)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('config')
    parser.add_argument('--work-dir', required=True)
    parser.add_argument('--kill-at', nargs='+', default=['train:2:3'], metavar='INSTANT',
                        help='train:E:I, val:E:I or write:NAME, killed in this order')
    parser.add_argument('--random-kills', type=int, metavar='N',
                        help='N runs, each killed once at a random instant')
    parser.add_argument('--seed', type=int, default=0, help='of the random instants')
    parser.add_argument('--write-seconds', type=float, default=1.0,
                        help='duration of one checkpoint write in the killed runs (0: normal)')
    parser.add_argument('--loaders', nargs='+', default=['0', '2', '2p'], metavar='SETTING',
                        help='data-loader settings, each N (num_workers=N) or Np (N persistent '
                        'workers), for training and validation')
    parser.add_argument('--uninterrupted',
                        help='work dir of an earlier run of this script with the same config, '
                        'options and settings: its uninterrupted runs are compared with '
                        '(default: train them)')
    parser.add_argument('--cfg-options', nargs='+', default=[])
    return parser.parse_args()


def parse_instant(text: str) -> Instant:
    kind, _, rest = text.partition(':')
    if kind in ('train', 'val') and re.fullmatch(r'\d+:\d+', rest):
        epoch, iteration = map(int, rest.split(':'))
        return kind, epoch, iteration
    if kind == 'write' and rest:
        return kind, rest
    sys.exit(f'--kill-at {text!r}: expected train:EPOCH:ITER, val:EPOCH:ITER or write:FILENAME')


def describe(instant: Instant) -> str:
    if instant[0] == 'train':
        return f'at epoch {instant[1]}, iteration {instant[2]}'
    if instant[0] == 'val':
        return f'at epoch {instant[1]}, validation iteration {instant[2]}'
    return f'inside the write of {instant[1]}'


def parse_loader(text: str) -> Tuple[str, List[str]]:
    """``'2p'`` -> (``'num_workers=2, persistent'``, the config options)."""
    match = re.fullmatch(r'(\d+)(p?)', text)
    if not match or (match.group(2) and int(match.group(1)) == 0):
        sys.exit(f'--loaders {text!r}: expected N (num_workers=N) or Np (N > 0 persistent '
                 'workers)')
    workers, persistent = int(match.group(1)), bool(match.group(2))
    options = []
    for loader in ('train', 'val'):
        options += [f'{loader}_dataloader.num_workers={workers}',
                    f'{loader}_dataloader.persistent_workers={persistent}']
        if not workers:  # PyTorch refuses a timeout without workers
            options.append(f'{loader}_dataloader.timeout=0')
    return f'num_workers={workers}{", persistent" * persistent}', options


def train_cmd(config: str, args, loader: List[str], work_dir: str, *extra: str) -> list:
    options = [*args.cfg_options, 'default_hooks.logger.interval=1', *loader]
    return [sys.executable, TRAIN, config, '--work-dir', work_dir, *extra,
            '--cfg-options', *options]


def slow_write_config(args) -> str:
    """CONFIG with its checkpoints written through the slow backend (this folder's module)."""
    imports = Config.fromfile(args.config).get('custom_imports', {}).get('imports', [])
    path = osp.join(args.work_dir, 'slow_writes.py')
    with open(path, 'w') as f:
        f.write(f'_base_ = [{osp.abspath(args.config)!r}]\n'
                f'custom_imports = dict(imports={[*imports, "slow_atomic_local_backend"]!r}, '
                'allow_failed_imports=False)\n'
                'default_hooks = dict(checkpoint=dict(backend_args=dict('
                f'backend="slow_atomic_local", seconds={args.write_seconds})))\n')
    return path


def read_plan(work_dir: str) -> dict:
    """What the uninterrupted run did: iterations per epoch, validated epochs, files written."""
    logs = sorted(glob.glob(osp.join(work_dir, '*', '*.log')))
    if not logs:
        sys.exit(f'no MMEngine log under {work_dir}: is it the work dir of a finished run?')
    plan = dict(train_iters=0, val_iters=0, epochs=0, validated=set(), writes=defaultdict(list))
    for line in open(logs[-1]):
        if TRAIN_LINE.search(line):
            epoch, _, total = map(int, TRAIN_LINE.search(line).groups())
            plan['epochs'], plan['train_iters'] = max(plan['epochs'], epoch), total
        elif VAL_LINE.search(line):
            epoch, _, total = map(int, VAL_LINE.search(line).groups())
            plan['validated'].add(epoch)
            plan['val_iters'] = total
        elif BEST_LINE.search(line):
            epoch, name = BEST_LINE.search(line).groups()
            plan['writes'][int(epoch)].append(name)
        elif SAVE_LINE.search(line):
            epoch = int(SAVE_LINE.search(line).group(1))
            plan['writes'][epoch].append(f'epoch_{epoch}.pth')
    return plan


def draw_instant(rng: random.Random, plan: dict) -> Instant:
    epoch = rng.randint(1, plan['epochs'])
    phases = ['train'] + ['val'] * (epoch in plan['validated']) + ['write'] * bool(
        plan['writes'][epoch])
    phase = rng.choice(phases)
    if phase == 'write':
        return 'write', rng.choice(plan['writes'][epoch])
    total = plan['train_iters'] if phase == 'train' else plan['val_iters']
    return phase, epoch, rng.randint(1, total)


def run_env() -> dict:
    """The environment of the killed runs: this folder importable (the slow backend)."""
    paths = [HERE, *filter(None, os.environ.get('PYTHONPATH', '').split(os.pathsep))]
    return dict(os.environ, PYTHONPATH=os.pathsep.join(paths))


def temp_files(work_dir: str) -> List[str]:
    names = os.listdir(work_dir) if osp.isdir(work_dir) else []
    return sorted(n for n in names if AtomicLocalBackend.TEMP_NAME.fullmatch(n))


def run_until(cmd: list, work_dir: str, log_path: str, instant: Instant, rng: random.Random,
              write_seconds: float) -> List[str]:
    """Run ``cmd`` and SIGKILL it at ``instant``; return the temporary files the kill left."""
    if instant[0] == 'write':
        pattern = None
    else:
        kind = 'train' if instant[0] == 'train' else 'val'
        pattern = re.compile(rf'Epoch\({kind}\)\s*\[{instant[1]}\]\[\s*{instant[2]}/')
    with open(log_path, 'w') as log, open(log_path) as reader:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=run_env(), stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
        seen = ''
        while proc.poll() is None:
            seen += reader.read()
            if pattern is not None and pattern.search(seen):
                break
            if pattern is None and any(
                    AtomicLocalBackend.TEMP_NAME.fullmatch(n).group('target') == instant[1]
                    for n in temp_files(work_dir)):
                # somewhere inside the window (a write lasts about write_seconds)
                time.sleep(rng.uniform(0.1, 0.7) * write_seconds)
                break
            time.sleep(0.02)
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    if proc.returncode != -signal.SIGKILL:
        tail = open(log_path).read()[-3000:]
        sys.exit(f'the run ended (exit {proc.returncode}) before the instant to kill it '
                 f'({describe(instant)}). Its log ({log_path}) ends:\n{tail}')
    return temp_files(work_dir)


def resume_report(log_path: str) -> Tuple[Optional[str], List[str]]:
    """The checkpoint a resumed run started from (None: the beginning) and the files it removed."""
    text = open(log_path).read()
    start = RESUMED_FROM.search(text)
    return (osp.basename(start.group(1)) if start else None,
            [osp.basename(p) for p in REMOVED.findall(text)])


def expected_start(instant: Instant) -> Optional[str]:
    """A kill anywhere in epoch E resumes from epoch_{E-1}.pth (E = 1: from the beginning)."""
    epoch = instant[1] if instant[0] != 'write' else int(
        re.search(r'epoch_(\d+)\.pth$', instant[1]).group(1))
    return f'epoch_{epoch - 1}.pth' if epoch > 1 else None


def killed_series(args, config: str, loader: List[str], work_dir: str, instants: List[Instant],
                  rng: random.Random, label: str) -> List[tuple]:
    """Kill a run at each instant in turn, resume after each; return (instant, left, resume)."""
    logs = osp.join(osp.dirname(work_dir), 'logs')
    os.makedirs(logs, exist_ok=True)
    log = [osp.join(logs, f'{label}_run{k}.log') for k in range(len(instants) + 1)]
    left = []
    for k, instant in enumerate(instants):
        resume = ('--resume', ) if k else ()
        left.append(run_until(train_cmd(config, args, loader, work_dir, *resume), work_dir,
                              log[k], instant, rng, args.write_seconds))
    with open(log[-1], 'w') as f:  # the last resume runs to the end
        proc = subprocess.run(train_cmd(config, args, loader, work_dir, '--resume'), cwd=ROOT,
                              env=run_env(), stdout=f, stderr=subprocess.STDOUT)
    if proc.returncode:
        sys.exit(f'the resumed run failed (exit {proc.returncode}); its log ({log[-1]}) ends:\n'
                 + open(log[-1]).read()[-3000:])
    return [(instant, left[k], resume_report(log[k + 1])) for k, instant in enumerate(instants)]


def final_state(work_dir: str) -> tuple:
    with open(osp.join(work_dir, 'last_checkpoint')) as f:
        ckpt = f.read().strip()
    state = _load_checkpoint(ckpt, map_location='cpu')['state_dict']
    scalars = sorted(glob.glob(osp.join(work_dir, '*', 'vis_data', 'scalars.json')))
    val = [json.loads(line) for line in open(scalars[-1])]
    val = [r for r in val if 'dfer/UAR' in r][-1]
    best = {}
    for path in sorted(glob.glob(osp.join(work_dir, 'best_*.pth'))):
        ckpt_best = _load_checkpoint(path, map_location='cpu')
        best[osp.basename(path)] = (ckpt_best['meta']['epoch'], ckpt_best['meta']['iter'],
                                    ckpt_best['state_dict'])
    return osp.basename(ckpt), state, val, best


def differing(a: Dict[str, torch.Tensor], b: Dict[str, torch.Tensor]) -> List[str]:
    """The tensors that are not bit-identical (``torch.equal``), or missing on one side."""
    return sorted(k for k in a.keys() | b.keys()
                  if k not in a or k not in b or not torch.equal(a[k], b[k]))


def compare(straight: tuple, killed: tuple, table: bool, label: str) -> bool:
    name_a, a, val_a, best_a = straight
    name_b, b, val_b, best_b = killed
    diff = differing(a, b)
    same_weights = name_a == name_b and not diff
    same_metrics = all(val_a[k] == val_b[k] for k in ('dfer/UAR', 'dfer/WAR'))
    same_best = best_a.keys() == best_b.keys() and all(
        best_a[n][:2] == best_b[n][:2] and not differing(best_a[n][2], best_b[n][2])
        for n in best_a)
    if table:
        print(f'{"":<14}{"uninterrupted":>16}{"killed+resumed":>16}')
        print(f'{"checkpoint":<14}{name_a:>16}{name_b:>16}')
        for key in ('dfer/UAR', 'dfer/WAR', 'dfer/nll'):
            print(f'{key:<14}{val_a[key]:>16.4f}{val_b[key]:>16.4f}')
        print(f'best files: {sorted(best_a)} | {sorted(best_b)}')
    if diff:
        common = [k for k in diff if k in a and k in b and a[k].shape == b[k].shape]
        worst = max(((a[k].double() - b[k].double()).abs().max().item() for k in common),
                    default=float('nan'))
        print(f'[{label}] {len(diff)} of {len(a)} tensors differ (max difference {worst:.3g})')
    print(f'[{label}] identical weights: {same_weights}; identical UAR/WAR: {same_metrics}; '
          f'identical best files: {same_best}')
    return same_weights and same_metrics and same_best


def run_setting(args, text: str, config: str) -> dict:
    """Uninterrupted and killed runs with one loader setting; their counts."""
    label, loader = parse_loader(text)
    base = osp.join(args.work_dir, f'workers{text}')
    os.makedirs(base, exist_ok=True)
    straight = osp.join(args.uninterrupted or args.work_dir, f'workers{text}', 'uninterrupted')
    if not args.uninterrupted:
        log = osp.join(base, 'uninterrupted.log')
        with open(log, 'w') as f:
            proc = subprocess.run(train_cmd(args.config, args, loader, straight), cwd=ROOT,
                                  stdout=f, stderr=subprocess.STDOUT)
        if proc.returncode:
            sys.exit(f'[{label}] the uninterrupted run failed (exit {proc.returncode}); its log '
                     f'({log}) ends:\n' + open(log).read()[-3000:])
    plan = read_plan(straight)
    reference = final_state(straight)
    rng = random.Random(f'{args.seed}:{text}')
    if args.random_kills:
        series = [[draw_instant(rng, plan)] for _ in range(args.random_kills)]
    else:
        series = [[parse_instant(t) for t in args.kill_at]]

    kills = in_window = resumed = equal = 0
    for s, instants in enumerate(series):
        name = f'killed_{s + 1}' if args.random_kills else 'killed'
        tag = f'{label}] [{name}'
        work = osp.join(base, name)
        records = killed_series(args, config, loader, work, instants, rng, name)
        for instant, left, (start, removed) in records:
            kills += 1
            in_window += bool(left)
            resumed += start == expected_start(instant)
            print(f'[{tag}] killed {describe(instant)}; '
                  f'{"left " + ", ".join(left) if left else "no write in progress"}')
            print(f'[{tag}] resumed from {start or "the beginning"} (expected: '
                  f'{expected_start(instant) or "the beginning"}); removed: '
                  f'{", ".join(removed) or "nothing"}')
        leftover = temp_files(work)
        print(f'[{tag}] temporary files at the end: {", ".join(leftover) or "none"}')
        equal += compare(reference, final_state(work), not args.random_kills, tag) and (
            not leftover)
    print(f'[{label}] kills: {kills} ({in_window} inside a write window); resumed from the '
          f'expected checkpoint: {resumed}; runs equal to the uninterrupted one: {equal} of '
          f'{len(series)}', flush=True)
    return dict(label=label, kills=kills, in_window=in_window, resumed=resumed, equal=equal,
                runs=len(series))


def main() -> None:
    args = parse_args()
    ous_mm.setup_env()  # the checkpoints are compared after a safe load
    os.makedirs(args.work_dir, exist_ok=True)
    for text in args.loaders:
        parse_loader(text)  # every setting checked before the first run
    config = slow_write_config(args) if args.write_seconds > 0 else args.config
    results = [run_setting(args, text, config) for text in args.loaders]
    print(f'\n{"loader setting":<28}{"kills":>6}{"in a write":>12}{"resumed right":>15}'
          f'{"bit-identical runs":>20}')
    for r in results:
        print(f'{r["label"]:<28}{r["kills"]:>6}{r["in_window"]:>12}{r["resumed"]:>15}'
              f'{str(r["equal"]) + " of " + str(r["runs"]):>20}')
    ok = all(r['equal'] == r['runs'] and r['resumed'] == r['kills'] for r in results)
    sys.exit(0 if ok else 1)


if __name__ == '__main__':
    main()
