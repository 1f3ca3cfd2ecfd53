"""Run the DFEW folds of a config one after the other and tabulate UAR and WAR.

    python tools/cross_validate.py configs/ous_dfew.py [--folds 1 2 3 4 5] [--work-dir DIR]

Each fold trains with tools/train.py in DIR/fold_K (an interrupted fold is resumed), then its
checkpoint with the lowest validation loss is tested with tools/test.py; finished folds (with
DIR/fold_K/test_metrics.json) are skipped. Prints and writes DIR/cv_results.md and .csv: UAR,
WAR and per-class recall of every fold, their mean and standard deviation (over folds, ddof=1).
"""
import argparse
import csv
import json
import os
import os.path as osp
import subprocess
import sys

import numpy as np

from ous_mm.apis import dump_scores
from ous_mm.datasets import DFEW_CLASSES
from ous_mm.engine.hooks.safe_checkpoint_hook import find_best_checkpoint

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('config')
    parser.add_argument('--folds', type=int, nargs='+', default=[1, 2, 3, 4, 5])
    parser.add_argument('--work-dir', help='default: work_dirs/<config name>_cv')
    parser.add_argument('--cfg-options', nargs='+', default=[])
    return parser.parse_args()


def tool(script: str, *args: str) -> None:
    cmd = [sys.executable, osp.join(ROOT, 'tools', script), *args]
    print('$', ' '.join(cmd), flush=True)
    subprocess.run(cmd, cwd=ROOT, check=True)


def run_fold(args, fold: int, work: str) -> dict:
    result_file = osp.join(work, 'test_metrics.json')
    if osp.isfile(result_file):
        print(f'fold {fold}: done before, reading {result_file}')
        with open(result_file) as f:
            return json.load(f)
    options = ['--cfg-options', *args.cfg_options] + [
        f'{s}_dataloader.dataset.fold={fold}' for s in ('train', 'val', 'test')]
    resume = ['--resume'] if osp.isfile(osp.join(work, 'last_checkpoint')) else []
    tool('train.py', args.config, '--work-dir', work, *resume, *options)
    ckpt = find_best_checkpoint(work, 'dfer/nll')  # the paper's choice: lowest validation loss
    dump = osp.join(work, 'test_predictions.pkl')
    tool('test.py', args.config, ckpt, '--work-dir', work, '--dump', dump, *options)
    scores = dump_scores(dump, len(DFEW_CLASSES))
    result = dict(fold=fold, checkpoint=osp.basename(ckpt), clips=len(scores['labels']),
                  UAR=float(scores['UAR']), WAR=float(scores['WAR']),
                  recall=[float(r) for r in scores['recall']])
    with open(result_file, 'w') as f:
        json.dump(result, f, indent=1)
    return result


def main() -> None:
    args = parse_args()
    work_dir = args.work_dir or osp.join(
        'work_dirs', osp.splitext(osp.basename(args.config))[0] + '_cv')
    results = [run_fold(args, k, osp.join(work_dir, f'fold_{k}')) for k in args.folds]
    header = ['fold', 'clips', *DFEW_CLASSES, 'UAR', 'WAR']
    rows = [[str(r['fold']), str(r['clips']), *[f'{v:.2f}' for v in r['recall']],
             f'{r["UAR"]:.2f}', f'{r["WAR"]:.2f}'] for r in results]
    for name, fn in (('mean', np.nanmean), ('std', lambda x, axis: np.nanstd(x, axis, ddof=1))):
        values = np.array([[*r['recall'], r['UAR'], r['WAR']] for r in results])
        stat = fn(values, axis=0) if len(results) > 1 or name == 'mean' else values[0] * np.nan
        rows.append([name, '', *[f'{v:.2f}' for v in stat]])
    table = '\n'.join(['| ' + ' | '.join(header) + ' |', '|' + '---|' * len(header)] +
                      ['| ' + ' | '.join(r) + ' |' for r in rows])
    print('\n' + table)
    os.makedirs(work_dir, exist_ok=True)
    with open(osp.join(work_dir, 'cv_results.md'), 'w') as f:
        f.write(table + '\n')
    with open(osp.join(work_dir, 'cv_results.csv'), 'w', newline='') as f:
        csv.writer(f).writerows([header] + rows)
    print(f'\n{osp.join(work_dir, "cv_results.md")}, {osp.join(work_dir, "cv_results.csv")}')


if __name__ == '__main__':
    main()
