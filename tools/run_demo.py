"""The main job on the built-in demo data: OUS vs face-only OUS, side by side.

Makes the demo dataset (DFEW format) if it is missing, then runs OUS (configs/ous_demo.py) and
the face-only model (configs/ous/ous_vit-tiny-random_1xb16-20e_demo-face-only.py) through the
cross-validation of tools/cross_validate.py (ous_mm.apis.cross_validate: train, test the
checkpoint with the lowest validation loss, resumable) on the demo's folds (--folds, fold 1 by
default), and prints UAR, WAR and per-class recall of both (the mean over the folds, with the
standard deviation when there are several), also written to WORK_DIR/demo_results.md.
"""
import argparse
import os.path as osp
import time

from ous_mm.apis import cross_validate, fold_statistics
from ous_mm.datasets import DFEW_CLASSES
from ous_mm.fileio import AtomicLocalBackend
from ous_mm.testing import FACE_ONLY_UAR_BOUND, make_demo_dataset

RUNS = (('OUS', 'configs/ous_demo.py'),
        ('face-only', 'configs/ous/ous_vit-tiny-random_1xb16-20e_demo-face-only.py'))


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--data-root', default='data/demo_dfew')
    parser.add_argument('--work-dir', default='work_dirs/demo')
    parser.add_argument('--folds', type=int, nargs='+', default=[1])
    parser.add_argument('--epochs', type=int, default=None, help='override max_epochs')
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    start = time.time()
    if not osp.isdir(osp.join(args.data_root, 'Clip', 'original')):
        make_demo_dataset(args.data_root)
    options = [f'{loader}_dataloader.dataset.data_root={args.data_root}'
               for loader in ('train', 'val', 'test')]
    if args.epochs:
        options.append(f'train_cfg.max_epochs={args.epochs}')
    stats = {name: fold_statistics(cross_validate(config, osp.join(args.work_dir, name),
                                                  args.folds, options))
             for name, config in RUNS}

    (ous, ous_std), (face, face_std) = [(stats[n]['mean'], stats[n]['std']) for n, _ in RUNS]
    spread = len(args.folds) > 1
    lines = [f'| metric (test split{"s" if spread else ""}, %) | OUS | face-only '
             '| OUS - face-only |', '|---|---:|---:|---:|']
    for i, label in enumerate([f'recall {c}' for c in DFEW_CLASSES] + ['UAR', 'WAR']):
        cells = [f'{ous[i]:.2f}', f'{face[i]:.2f}']
        if spread:
            cells = [f'{ous[i]:.2f} ± {ous_std[i]:.2f}', f'{face[i]:.2f} ± {face_std[i]:.2f}']
        lines.append(f'| {label} | {cells[0]} | {cells[1]} | {ous[i] - face[i]:+.2f} |')
    table = '\n'.join(lines)
    how = 'mean ± standard deviation over the folds' if spread else 'one fold'
    note = (f'\nFolds: {", ".join(map(str, args.folds))} ({how}). '
            f'Face-only UAR cannot exceed {100 * FACE_ONLY_UAR_BOUND:.1f} % on this data '
            '(two face cues are shared by classes of opposite polarity).\n'
            f'Wall time: {time.time() - start:.0f} s.')
    print('\n' + table + note)
    AtomicLocalBackend().put_text(table + '\n' + note + '\n',
                                  osp.join(args.work_dir, 'demo_results.md'))


if __name__ == '__main__':
    main()
