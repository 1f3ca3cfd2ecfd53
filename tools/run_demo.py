"""The main job on the built-in demo data, or on a DFEW-layout folder of one's own: OUS vs
face-only OUS, side by side.

    python tools/run_demo.py [--folds 1 ...] [--seeds 0 ...] [--models OUS face-only]
    python tools/run_demo.py --data-root MY_DFEW [--folds 1 ...] [--work-dir DIR]

Makes the demo dataset of each generator seed if it is missing (DFEW format; seed 0 in
--data-root, seed S in <data-root>_seedS). A --data-root that holds other data in DFEW's layout
(Clip/original/NNNNN.mp4 and EmoLabel_DataSplit/{train,test}(single-labeled)/set_K.csv for each
fold) is used as it is, with one seed: the faces are the release's crops where it has them
(Clip/clip_224x224/NNNNN/), else the ones tools/detect_faces.py finds (run first where its
face-box cache, <data-root>/face_boxes, lacks a video); a folder of another shape is an error
naming what is missing. Then it runs OUS (configs/ous_demo.py) and the
face-only model (configs/ous/ous_vit-tiny-random_1xb16-20e_demo-face-only.py) through the
cross-validation of tools/cross_validate.py (ous_mm.apis.cross_validate: train, test the
checkpoint with the lowest validation loss, resumable) on the demo's folds (fold 1 by default),
seed 0's runs in WORK_DIR, seed S's in WORK_DIR/seed_S. Prints UAR, WAR and per-class recall of
both models on the first seed (the mean over its folds, with the standard deviation when there
are several). With several folds or seeds it also prints every run (test UAR, the epoch of the
tested checkpoint, the epoch from which validation UAR stays at its final value) and the spread
of test UAR over folds and over seeds. All of it is also written to WORK_DIR/demo_results.md.

The runs use two PyTorch threads (the cores of the machine kind docs/en/benchmarks.md's numbers
come from) unless OMP_NUM_THREADS says otherwise: the order of a multi-threaded sum depends on the
thread count, so with PyTorch's default (one thread per core) the numbers would depend on the
machine.
On a CPU shared with other jobs OMP_NUM_THREADS=1 is about twice as fast (a second thread
mostly waits for its turn), with numbers that may differ within the noise of the runs.
"""
import argparse
import glob
import os
import os.path as osp
import re
import subprocess
import sys
import time
from typing import Dict, List, Optional

import numpy as np
import torch
from mmengine.config import Config

from ous_mm.apis import cross_validate, fold_statistics
from ous_mm.apis.cross_validation import plateau_epoch, validation_curve
from ous_mm.datasets import DFEW_CLASSES
from ous_mm.datasets.dfew_dataset import SPLIT_DIRS
from ous_mm.datasets.face_box_cache import box_file, video_key
from ous_mm.fileio import AtomicLocalBackend, atomic_path
from ous_mm.testing import FACE_ONLY_UAR_BOUND, make_demo_dataset
from ous_mm.testing.demo_dataset import DEMO_DATASET_FILE, check_demo_dataset, generator_defaults

DEFAULTS = generator_defaults()
CONFIGS = {'OUS': 'configs/ous_demo.py',
           'face-only': 'configs/ous/ous_vit-tiny-random_1xb16-20e_demo-face-only.py'}
REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
VIDEO_DIR, CROP_DIR, BOX_DIR = 'Clip/original', 'Clip/clip_224x224', 'face_boxes'


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--data-root', default='data/demo_dfew',
                        help='the dataset of seed 0 (seed S: <data-root>_seedS), or a '
                        'DFEW-layout folder of your own')
    parser.add_argument('--work-dir', default='work_dirs/demo')
    parser.add_argument('--folds', type=int, nargs='+', default=[1])
    parser.add_argument('--seeds', type=int, nargs='+', default=[0],
                        help='seeds of the demo data generator (tools/data/make_demo_dataset.py)')
    parser.add_argument('--models', nargs='+', choices=list(CONFIGS), default=list(CONFIGS))
    parser.add_argument('--epochs', type=int, default=None, help='override max_epochs')
    parser.add_argument('--cfg-options', nargs='+', default=[], metavar='KEY=VALUE',
                        help='more options for both models\' configs, as tools/train.py takes '
                        'them (e.g. train_dataloader.num_workers=0)')
    data = parser.add_argument_group('the generator (defaults: the demo\'s)')
    data.add_argument('--clips-per-class', type=int, default=DEFAULTS['clips_per_class'])
    data.add_argument('--num-frames', type=int, default=DEFAULTS['num_frames'])
    data.add_argument('--size', type=int, default=DEFAULTS['size'])
    data.add_argument('--num-folds', type=int, default=DEFAULTS['num_folds'])
    return parser.parse_args()


def seed_dirs(args: argparse.Namespace, seed: int) -> tuple:
    """The data root and work dir of a generator seed."""
    if seed == 0:
        return args.data_root, args.work_dir
    return f'{args.data_root}_seed{seed}', osp.join(args.work_dir, f'seed_{seed}')


def own_folder(root: str) -> bool:
    """Whether ``root`` holds data that the demo generator did not write (a user's folder)."""
    return (osp.isdir(root) and bool(os.listdir(root))
            and not osp.isfile(osp.join(root, DEMO_DATASET_FILE)))


def check_dfew_layout(root: str, folds: List[int]) -> Optional[str]:
    """Check that ``root`` is laid out as DFEW (``DFEWDataset``) for ``folds``.

    Args:
        root (str): The folder.
        folds (list[int]): The folds to run.

    Returns:
        str, optional: The release's face-crop folder, if it has one.

    Raises:
        SystemExit: A part is missing; the message names every missing part.
    """
    missing = []
    videos = osp.join(root, VIDEO_DIR)
    if not glob.glob(osp.join(videos, '*.mp4')):
        missing.append(f'{VIDEO_DIR}/ with the whole-scene clips NNNNN.mp4')
    for fold in folds:
        for split, names in SPLIT_DIRS.items():
            if not any(osp.isfile(osp.join(root, 'EmoLabel_DataSplit', n, f'set_{fold}.csv'))
                       for n in names):
                missing.append(f'EmoLabel_DataSplit/{names[0]}/set_{fold}.csv (header '
                               '"video_name,label", labels 1-7)')
    if missing:
        raise SystemExit(f'{root} is not a DFEW-layout folder: it has no ' +
                         '; no '.join(missing) + '. See DFEWDataset (ous_mm/datasets/'
                         'dfew_dataset.py) for the layout. An unfinished demo dataset (no '
                         f'{DEMO_DATASET_FILE}): delete it to have it written again.')
    crops = osp.join(root, CROP_DIR)
    return CROP_DIR if osp.isdir(crops) and os.listdir(crops) else None


def detect_faces(root: str) -> None:
    """Fill ``root``'s face-box cache with ``tools/detect_faces.py`` where it lacks a video."""
    videos = sorted(glob.glob(osp.join(root, VIDEO_DIR, '**', '*.mp4'), recursive=True))
    cache, video_root = osp.join(root, BOX_DIR), osp.join(root, VIDEO_DIR)
    todo = [v for v in videos if not osp.isfile(box_file(cache, video_key(v, video_root)))]
    if not todo:
        return
    print(f'{root}: no release face crops ({CROP_DIR}) and {len(todo)} of {len(videos)} videos '
          f'not in the face-box cache {cache}: running tools/detect_faces.py', flush=True)
    done = subprocess.run([sys.executable, osp.join(REPO, 'tools', 'detect_faces.py'), root])
    if done.returncode:
        raise SystemExit(f'tools/detect_faces.py {root} failed (exit code {done.returncode}); '
                         'see its output above')


def own_folder_config(name: str, work_dir: str, crop_dir: Optional[str]) -> str:
    """The config of model ``name`` for a folder of one's own, written into ``work_dir``.

    With release face crops, each pipeline reads them (``LoadReleasedFaceCrops``, before
    ``LoadFaceBoxes``, as the paper's DFEW config does) and the datasets name their folder;
    without, the demo config's pipelines read the face-box cache as they are.
    """
    cfg = Config.fromfile(osp.join(REPO, CONFIGS[name]))
    if crop_dir is not None:
        for split in ('train', 'val', 'test'):
            dataset = cfg[f'{split}_dataloader'].dataset
            dataset.face_crop_dir = crop_dir
            steps = [t['type'] for t in dataset.pipeline]
            dataset.pipeline.insert(steps.index('LoadFaceBoxes'),
                                    dict(type='LoadReleasedFaceCrops', face_size=cfg.image_size))
        cfg.test_pipeline = cfg.test_dataloader.dataset.pipeline  # what inference reads
    path = osp.join(work_dir, name, osp.basename(CONFIGS[name]))
    os.makedirs(osp.dirname(path), exist_ok=True)
    with atomic_path(path) as tmp:
        cfg.dump(tmp)
    return path


def run_seed(args: argparse.Namespace, seed: int) -> Dict[str, List[dict]]:
    """Make (or check) one seed's dataset, or check a folder of one's own, then cross-validate
    every model on it."""
    data_root, work_dir = seed_dirs(args, seed)
    configs = dict(CONFIGS)
    if own_folder(data_root) and seed == 0:
        crop_dir = check_dfew_layout(data_root, args.folds)
        if crop_dir is None:
            detect_faces(data_root)
        print(f'{data_root}: a DFEW-layout folder of your own; faces: ' +
              (f'the release\'s crops ({crop_dir})' if crop_dir else
               f'detected ({BOX_DIR})'), flush=True)
        configs = {name: own_folder_config(name, work_dir, crop_dir) for name in args.models}
    else:
        generator = dict(clips_per_class=args.clips_per_class, num_frames=args.num_frames,
                         size=args.size, num_folds=args.num_folds, seed=seed)
        try:
            ready = check_demo_dataset(data_root, **generator)
        except ValueError as error:
            raise SystemExit(f'{error} (or pass --data-root)')
        if not ready:
            make_demo_dataset(data_root, **generator)
    options = [f'{loader}_dataloader.dataset.data_root={data_root}'
               for loader in ('train', 'val', 'test')]
    if args.epochs:
        options.append(f'train_cfg.max_epochs={args.epochs}')
    options += args.cfg_options
    runs = {}
    for name in args.models:
        runs[name] = cross_validate(configs[name], osp.join(work_dir, name), args.folds, options)
        for result in runs[name]:
            run_dir = osp.join(work_dir, name, f'fold_{result["fold"]}')
            curve = validation_curve(run_dir)
            result.update(seed=seed, val_uar=curve[max(curve)], plateau=plateau_epoch(curve),
                          epochs=max(curve),
                          tested=int(re.search(r'epoch_(\d+)', result['checkpoint']).group(1)))
    return runs


def comparison_table(runs: Dict[str, List[dict]]) -> str:
    """Per-class recall, UAR and WAR of each model (mean ± std over the folds)."""
    stats = {name: fold_statistics(results) for name, results in runs.items()}
    spread = len(next(iter(runs.values()))) > 1
    names = list(runs)
    both = names == list(CONFIGS)
    lines = [f'| metric (test split{"s" if spread else ""}, %) | ' + ' | '.join(names) +
             (' | OUS - face-only |' if both else ' |'),
             '|---|' + '---:|' * (len(names) + both)]
    for i, label in enumerate([f'recall {c}' for c in DFEW_CLASSES] + ['UAR', 'WAR']):
        cells = [f'{stats[n]["mean"][i]:.2f}' + (f' ± {stats[n]["std"][i]:.2f}' if spread else '')
                 for n in names]
        if both:
            cells.append(f'{stats["OUS"]["mean"][i] - stats["face-only"]["mean"][i]:+.2f}')
        lines.append(f'| {label} | ' + ' | '.join(cells) + ' |')
    return '\n'.join(lines)


def runs_table(all_runs: List[dict]) -> str:
    """One row per run: test scores, tested checkpoint and validation plateau."""
    lines = ['| model | seed | fold | test UAR | test WAR | tested epoch (lowest val nll) '
             '| val UAR plateau from epoch | final val UAR |', '|---|' + '---:|' * 7]
    for r in all_runs:
        lines.append(f'| {r["model"]} | {r["seed"]} | {r["fold"]} | {r["UAR"]:.2f} | '
                     f'{r["WAR"]:.2f} | {r["tested"]} / {r["epochs"]} | {r["plateau"]} | '
                     f'{r["val_uar"]:.2f} |')
    return '\n'.join(lines)


def mean_std(values: List[float]) -> str:
    """``mean ± std`` (ddof = 1; only the mean for one value)."""
    values = np.asarray(values, float)
    if len(values) == 1:
        return f'{values[0]:.2f}'
    return f'{values.mean():.2f} ± {values.std(ddof=1):.2f}'


def spread_table(all_runs: List[dict], seeds: List[int]) -> str:
    """Test UAR over folds (per seed) and over seeds, and the latest plateau, per model."""
    lines = ['| model | seed | runs | test UAR: mean ± std over folds | min - max '
             '| latest val UAR plateau (epoch) |', '|---|---|---:|---:|---:|---:|']
    for model in dict.fromkeys(r['model'] for r in all_runs):
        runs = [r for r in all_runs if r['model'] == model]
        groups = [(str(s), [r for r in runs if r['seed'] == s]) for s in seeds]
        if len(seeds) > 1:
            groups.append(('all', runs))
        for label, group in groups:
            uar = [r['UAR'] for r in group]
            lines.append(f'| {model} | {label} | {len(group)} | {mean_std(uar)} | '
                         f'{min(uar):.2f} - {max(uar):.2f} | '
                         f'{max(r["plateau"] for r in group)} / {group[0]["epochs"]} |')
        if len(seeds) > 1:
            means = [np.mean([r['UAR'] for r in runs if r['seed'] == s]) for s in seeds]
            lines.append(f'| {model} | over seeds (their fold means) | {len(seeds)} | '
                         f'{mean_std(means)} | {min(means):.2f} - {max(means):.2f} | |')
    return '\n'.join(lines)


def main() -> None:
    args = parse_args()
    # the runs are in this process (ous_mm.apis), whose torch has read its thread count already;
    # the environment variable is for the data-loader workers MMEngine starts
    os.environ.setdefault('OMP_NUM_THREADS', '2')
    torch.set_num_threads(int(os.environ['OMP_NUM_THREADS']))
    if own_folder(args.data_root) and args.seeds != [0]:
        raise SystemExit(f'--seeds: {args.data_root} is a folder of your own, not a demo '
                         'dataset drawn by a generator seed: leave --seeds out')
    start = time.time()
    per_seed = {seed: run_seed(args, seed) for seed in args.seeds}
    all_runs = [dict(r, model=name) for seed in args.seeds
                for name, results in per_seed[seed].items() for r in results]
    first = args.seeds[0]
    how = ('mean ± standard deviation over the folds, ddof = 1' if len(args.folds) > 1 else
           'one fold')
    folds = f'folds {", ".join(map(str, args.folds))} ({how})'
    if own_folder(args.data_root):
        note = f'Data {args.data_root}, {folds}.'
    else:
        note = (f'Data seed {first}, {folds}. Face-only UAR is at most '
                f'{100 * FACE_ONLY_UAR_BOUND:.1f} % on this data in expectation (two face cues '
                'are shared by classes of opposite polarity).')
    text = comparison_table(per_seed[first]) + '\n\n' + note
    if len(all_runs) > len(args.models):
        text += ('\n\nEvery run (tested: the checkpoint with the lowest validation loss; '
                 'plateau: the first epoch from which validation UAR stays at its final '
                 'value):\n\n' + runs_table(all_runs) +
                 '\n\nTest UAR (%) over folds and seeds (std: ddof = 1):\n\n' +
                 spread_table(all_runs, args.seeds))
    text += f'\n\nWall time: {time.time() - start:.0f} s.'
    print('\n' + text)
    AtomicLocalBackend().put_text(text + '\n', osp.join(args.work_dir, 'demo_results.md'))


if __name__ == '__main__':
    main()
