"""Train, test and score configs over folds through MMEngine's Runner, resumably."""
import glob
import json
import os.path as osp
from typing import Dict, List, Sequence

import numpy as np

from ..engine.hooks.safe_checkpoint_hook import find_best_checkpoint
from ..fileio import AtomicLocalBackend
from .dump_results import dump_scores
from .loading import parse_cfg_options
from .runner import run_test, run_train


def train_and_test(config: str,
                   work_dir: str,
                   cfg_options: Sequence[str] = (),
                   best_key: str = 'dfer/nll') -> dict:
    """Train ``config`` (resuming an interrupted run) and test its best checkpoint.

    Both run in this process (:func:`~ous_mm.apis.run_train`,
    :func:`~ous_mm.apis.run_test`), as ``tools/train.py CONFIG --work-dir
    WORK_DIR [--resume]`` then ``tools/test.py CONFIG BEST --work-dir WORK_DIR
    --dump WORK_DIR/test_predictions.pkl`` would. The result is stored as
    ``work_dir/test_metrics.json`` and read back on a later call, so finished
    runs are not repeated.

    Args:
        config (str): The config file.
        work_dir (str): The run's work dir.
        cfg_options (Sequence[str]): ``key=value`` options (as ``--cfg-options``
            takes them) for training and testing.
        best_key (str): The metric whose best checkpoint is tested. Defaults
            to ``'dfer/nll'`` (the paper's lowest validation loss).

    Returns:
        dict: ``checkpoint``, ``clips``, ``UAR``, ``WAR`` and ``recall`` (per
        class, in ous-mm's class order: DFEW 7, MAFW 11), in %.
    """
    result_file = osp.join(work_dir, 'test_metrics.json')
    if osp.isfile(result_file):
        print(f'{work_dir}: done before, reading {result_file}')
        with open(result_file) as f:
            return json.load(f)
    options = parse_cfg_options(cfg_options)
    resume = osp.isfile(osp.join(work_dir, 'last_checkpoint'))
    print(f'{work_dir}: training {config}{" (resuming)" if resume else ""}', flush=True)
    run_train(config, work_dir, resume=resume, cfg_options=options)
    checkpoint = find_best_checkpoint(work_dir, best_key)
    dump = osp.join(work_dir, 'test_predictions.pkl')
    print(f'{work_dir}: testing {checkpoint}', flush=True)
    run_test(config, checkpoint, work_dir, dump=dump, cfg_options=options)
    scores = dump_scores(dump)  # the classes: as many as the model scores
    result = dict(checkpoint=osp.basename(checkpoint), clips=len(scores['labels']),
                  UAR=float(scores['UAR']), WAR=float(scores['WAR']),
                  recall=[float(r) for r in scores['recall']])
    AtomicLocalBackend().put_text(json.dumps(result, indent=1), result_file)
    return result


def fold_cfg_options(fold: int) -> List[str]:
    """The ``--cfg-options`` that put a config's train, val and test data on ``fold``."""
    return [f'{split}_dataloader.dataset.fold={fold}' for split in ('train', 'val', 'test')]


def cross_validate(config: str,
                   work_dir: str,
                   folds: Sequence[int] = (1, 2, 3, 4, 5),
                   cfg_options: Sequence[str] = ()) -> List[dict]:
    """:func:`train_and_test` on each fold (DFEW, MAFW: ``dataset.fold``), in ``work_dir/fold_K``.

    Returns:
        list[dict]: One result per fold, with its ``fold``.
    """
    results = []
    for fold in folds:
        options = [*cfg_options, *fold_cfg_options(fold)]
        result = train_and_test(config, osp.join(work_dir, f'fold_{fold}'), options)
        results.append(dict(fold=fold, **result))
    return results


def fold_statistics(results: List[dict]) -> Dict[str, np.ndarray]:
    """Mean and standard deviation over folds (ddof = 1; NaN for one fold).

    Args:
        results (list[dict]): :func:`cross_validate`'s results.

    Returns:
        dict: ``mean`` and ``std``, each an array of the per-class recalls,
        then UAR and WAR (a class absent from a fold is left out of its mean).
    """
    values = np.array([[*r['recall'], r['UAR'], r['WAR']] for r in results])
    std = (np.nanstd(values, axis=0, ddof=1) if len(results) > 1 else
           np.full(values.shape[1], np.nan))
    return dict(mean=np.nanmean(values, axis=0), std=std)


def validation_curve(work_dir: str, key: str = 'dfer/UAR') -> Dict[int, float]:
    """A finished run's validation metric per epoch, from MMEngine's ``scalars.json``.

    A resumed run writes one timestamped log folder per start; they are read
    in order, a later value of an epoch replacing an earlier one.

    Args:
        work_dir (str): The run's work dir.
        key (str): The metric. Defaults to ``'dfer/UAR'``.

    Returns:
        dict[int, float]: ``{epoch: value}``, in epoch order.
    """
    files = sorted(glob.glob(osp.join(work_dir, '*', 'vis_data', 'scalars.json')))
    if not files:
        raise FileNotFoundError(f'no */vis_data/scalars.json in {work_dir}: not a finished '
                                'MMEngine run (its validation log is written there)')
    curve = {}
    for path in files:
        with open(path) as f:
            for line in f:
                row = json.loads(line)
                if key in row:
                    curve[int(row['step'])] = float(row[key])  # a val row's step is its epoch
    return dict(sorted(curve.items()))


def plateau_epoch(curve: Dict[int, float], tolerance: float = 0.0) -> int:
    """The first epoch from which the metric stays within ``tolerance`` of its last value.

    Args:
        curve (dict[int, float]): :func:`validation_curve`'s output.
        tolerance (float): Allowed distance from the last value. Defaults to 0.

    Returns:
        int: That epoch (the last epoch if the metric changed at the very end).
    """
    epochs = list(curve)
    last = curve[epochs[-1]]
    start = epochs[-1]
    for epoch in reversed(epochs):
        if abs(curve[epoch] - last) > tolerance:
            break
        start = epoch
    return start
