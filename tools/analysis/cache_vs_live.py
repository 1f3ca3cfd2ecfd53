"""The demo trained live, from the multi-view feature cache, and from the single-view cache.

    python tools/analysis/cache_vs_live.py [--folds 1 2 3 4 5] [--views 8]
        [--work-dir work_dirs/cache_vs_live] [--data-root data/demo_dfew]

Makes the demo dataset if it is missing, extracts the feature cache once for all folds
(tools/extract_features.py, --views training views per clip), then runs the cross-validation of
tools/cross_validate.py (train, test the checkpoint with the lowest validation loss; finished
folds are read back, interrupted ones resumed) for three configs on the same folds:

- live: configs/ous_demo.py (decoding and the frozen encoder every step);
- multi-view cache: ..._demo-cached.py (one of each clip's training views per epoch);
- single-view cache: ..._demo-cached-test-view.py (each clip's test view every epoch).

Prints and writes WORK_DIR/cache_vs_live.md: UAR and WAR per fold, mean and standard deviation
over the folds (ddof = 1) and each cache's difference from live, and the wall time of each run.
"""
import argparse
import os.path as osp
import subprocess
import sys
import time

import numpy as np

from ous_mm.apis import cross_validate, fold_statistics
from ous_mm.fileio import AtomicLocalBackend
from ous_mm.testing import make_demo_dataset

LIVE = 'configs/ous_demo.py'
RUNS = (('live', LIVE),
        ('multi-view cache', 'configs/ous/ous_vit-tiny-random_1xb16-20e_demo-cached.py'),
        ('single-view cache', 'configs/ous/ous_vit-tiny-random_1xb16-20e_demo-cached-test-view.py'))
SPLITS = ('train', 'val', 'test')
EXTRACT = osp.join(osp.dirname(osp.dirname(osp.abspath(__file__))), 'extract_features.py')


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--data-root', default='data/demo_dfew')
    parser.add_argument('--work-dir', default='work_dirs/cache_vs_live')
    parser.add_argument('--folds', type=int, nargs='+', default=[1, 2, 3, 4, 5])
    parser.add_argument('--views', type=int, default=8, help='training views per clip')
    parser.add_argument('--cache', help='the feature cache (default: WORK_DIR/feature_cache; an '
                        'existing one is checked and finished, not rebuilt)')
    parser.add_argument('--cfg-options', nargs='+', default=[],
                        help='for every run (e.g. train_cfg.max_epochs=5)')
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    if not osp.isdir(osp.join(args.data_root, 'Clip', 'original')):
        make_demo_dataset(args.data_root)
    cache = args.cache or osp.join(args.work_dir, 'feature_cache')
    data = [f'{s}_dataloader.dataset.data_root={args.data_root}' for s in SPLITS]
    start = time.time()
    extract = [sys.executable, EXTRACT, LIVE, '--out', cache, '--views', str(args.views),
               '--folds', *map(str, args.folds), '--cfg-options', *data, *args.cfg_options]
    print('$', ' '.join(extract), flush=True)
    subprocess.run(extract, check=True)
    seconds = dict(extraction=time.time() - start)
    cached = [f'{s}_dataloader.dataset.{key}' for s in SPLITS
              for key in (f'cache_dir={cache}', f'source.data_root={args.data_root}')]
    results = {}
    for name, config in RUNS[1:] + RUNS[:1]:  # the caches first: minutes, where live takes hours
        start = time.time()
        options = (data if config == LIVE else cached) + list(args.cfg_options)
        results[name] = cross_validate(config, osp.join(args.work_dir, name.replace(' ', '_')),
                                       args.folds, options)
        seconds[name] = time.time() - start
    live = fold_statistics(results['live'])
    lines = ['| run | ' + ' | '.join(f'fold {f} UAR' for f in args.folds) +
             ' | UAR | WAR | UAR - live | wall time (s) |',
             '|---|' + '---:|' * (len(args.folds) + 4)]
    for name, _ in RUNS:
        stats = fold_statistics(results[name])
        uar, war = stats['mean'][-2:]
        uar_std, war_std = stats['std'][-2:]
        folds = ' | '.join(f'{r["UAR"]:.2f}' for r in results[name])
        diff = '' if name == 'live' else f'{uar - live["mean"][-2]:+.2f}'
        lines.append(f'| {name} | {folds} | {uar:.2f} ± {uar_std:.2f} | {war:.2f} ± '
                     f'{war_std:.2f} | {diff} | {seconds[name]:.0f} |')
    spread = np.nanstd([r['UAR'] for r in results['live']], ddof=1) if len(args.folds) > 1 \
        else float('nan')
    table = '\n'.join(lines) + (
        f'\n\nFolds {", ".join(map(str, args.folds))}; mean ± standard deviation over the folds '
        f'(ddof = 1; the live run\'s fold-to-fold spread of UAR: {spread:.2f}). Feature '
        f'extraction ({args.views} training views + the test view of every clip, once for all '
        f'folds): {seconds["extraction"]:.0f} s.')
    print('\n' + table)
    out = osp.join(args.work_dir, 'cache_vs_live.md')
    AtomicLocalBackend().put_text(table + '\n', out)
    print(f'\n{out}')


if __name__ == '__main__':
    main()
