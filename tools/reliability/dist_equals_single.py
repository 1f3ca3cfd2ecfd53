"""Test one checkpoint with 1 process and with N torchrun processes; compare every sample.

MMEngine's DefaultSampler pads the last rank's share when the dataset size does not divide by
N, and the evaluator drops the padding when it gathers the results: every clip must be counted
exactly once. Prints the UAR/WAR of both runs and the largest score difference; exit code 1 if
the sample counts, the per-sample scores or the metrics differ.
"""
import argparse
import os.path as osp
import socket
import subprocess
import sys

import numpy as np

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('--work-dir', required=True)
    parser.add_argument('--nproc', type=int, default=2)
    parser.add_argument('--cfg-options', nargs='+', default=[])
    return parser.parse_args()


def test_size(config: str, options: list) -> int:
    from mmengine.config import DictAction

    from ous_mm.apis import load_config, split_dataset
    parser = argparse.ArgumentParser()
    parser.add_argument('--o', nargs='+', action=DictAction)
    cfg = load_config(config, parser.parse_args(['--o', *options]).o if options else None)
    return len(split_dataset(cfg, 'test', pipeline='none'))


def main() -> None:
    args = parse_args()
    from ous_mm.apis import dump_scores
    single, dist = osp.join(args.work_dir, 'single.pkl'), osp.join(args.work_dir, 'dist.pkl')
    opts = ['--cfg-options', *args.cfg_options] if args.cfg_options else []
    subprocess.run([sys.executable, osp.join(ROOT, 'tools', 'test.py'), args.config,
                    args.checkpoint, '--work-dir', osp.join(args.work_dir, 'single'),
                    '--dump', single, *opts], cwd=ROOT, check=True, capture_output=True)
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        port = s.getsockname()[1]
    subprocess.run(['bash', osp.join(ROOT, 'tools', 'dist_test.sh'), args.config,
                    args.checkpoint, str(args.nproc), '--work-dir',
                    osp.join(args.work_dir, 'dist'), '--dump', dist, *opts], cwd=ROOT, check=True,
                   capture_output=True, env=dict(__import__('os').environ, PORT=str(port),
                                                 PYTHON=sys.executable))
    size = test_size(args.config, args.cfg_options)
    runs = {'1 process': dump_scores(single), f'{args.nproc} processes': dump_scores(dist)}
    (s_scores, s_labels), (d_scores, d_labels) = ((r['scores'], r['labels']) for r in runs.values())
    ok = len(s_labels) == len(d_labels) == size and (s_labels == d_labels).all()
    diff = float(np.abs(s_scores - d_scores).max()) if ok else float('nan')
    ok = ok and diff < 1e-5
    rows = {name: (len(r['labels']), r['UAR'], r['WAR']) for name, r in runs.items()}
    print(f'test split: {size} clips ({"not " if size % args.nproc == 0 else ""}padded for '
          f'{args.nproc} processes)')
    print(f'{"":<14}{"clips":>8}{"UAR":>10}{"WAR":>10}')
    for name, (n, uar, war) in rows.items():
        print(f'{name:<14}{n:>8}{uar:>10.4f}{war:>10.4f}')
    print(f'largest per-sample score difference: {diff:.3g}')
    same = ok and len(set(rows.values())) == 1
    print(f'identical: {same}')
    sys.exit(0 if same else 1)


if __name__ == '__main__':
    main()
