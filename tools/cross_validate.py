"""Run the 5 folds of a DFEW or MAFW config one after the other and tabulate UAR and WAR.

    python tools/cross_validate.py configs/ous_dfew.py [--folds 1 2 3 4 5] [--work-dir DIR]
    python tools/cross_validate.py configs/ous_mafw.py

Each fold trains with tools/train.py in DIR/fold_K (an interrupted fold is resumed), then its
checkpoint with the lowest validation loss is tested with tools/test.py; finished folds (with
DIR/fold_K/test_metrics.json) are skipped (ous_mm.apis.cross_validate). Prints and writes
DIR/cv_results.md and .csv: UAR, WAR and per-class recall of every fold, their mean and
standard deviation (over folds, ddof=1), one column per class of the dataset (7 or 11).
"""
import argparse
import csv
import io
import os.path as osp

from ous_mm.apis import cross_validate, fold_statistics
from ous_mm.datasets import DFER_CLASSES
from ous_mm.fileio import AtomicLocalBackend


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('config')
    parser.add_argument('--folds', type=int, nargs='+', default=[1, 2, 3, 4, 5])
    parser.add_argument('--work-dir', help='default: work_dirs/<config name>_cv')
    parser.add_argument('--cfg-options', nargs='+', default=[])
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    work_dir = args.work_dir or osp.join(
        'work_dirs', osp.splitext(osp.basename(args.config))[0] + '_cv')
    results = cross_validate(args.config, work_dir, args.folds, args.cfg_options)
    header = ['fold', 'clips', *DFER_CLASSES[:len(results[0]['recall'])], 'UAR', 'WAR']
    rows = [[str(r['fold']), str(r['clips']), *[f'{v:.2f}' for v in r['recall']],
             f'{r["UAR"]:.2f}', f'{r["WAR"]:.2f}'] for r in results]
    rows += [[name, '', *[f'{v:.2f}' for v in values]]
             for name, values in fold_statistics(results).items()]
    table = '\n'.join(['| ' + ' | '.join(header) + ' |', '|' + '---|' * len(header)] +
                      ['| ' + ' | '.join(r) + ' |' for r in rows])
    print('\n' + table)
    backend = AtomicLocalBackend()
    backend.put_text(table + '\n', osp.join(work_dir, 'cv_results.md'))
    with io.StringIO(newline='') as f:
        csv.writer(f).writerows([header] + rows)
        backend.put_text(f.getvalue(), osp.join(work_dir, 'cv_results.csv'))
    print(f'\n{osp.join(work_dir, "cv_results.md")}, {osp.join(work_dir, "cv_results.csv")}')


if __name__ == '__main__':
    main()
