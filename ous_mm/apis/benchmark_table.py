"""The benchmark table: recognizers trained and tested on the same folds, in Table 1's layout.

A table spec lists rows (a name, a config, the key of the method's published numbers); every
row is trained and tested on every fold by :func:`~ous_mm.apis.train_and_test` (resumable,
finished runs skipped) in ``work_dir/<row>/fold_K``. The table gives per-class recall, UAR and
WAR (mean and standard deviation over folds), the published numbers from a data file with
their sources, each row's UAR difference to the reference row with a paired bootstrap interval
over the test clips, and per row its parameters, FLOPs, time per epoch, peak memory and inputs.
"""
import csv
import glob
import io
import json
import os
import os.path as osp
import platform
import re
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch
import yaml
from mmengine.config import Config

from ..datasets import DFER_CLASSES
from ..fileio import AtomicLocalBackend
from .cross_validation import fold_cfg_options, fold_statistics, train_and_test
from .dump_results import dump_predictions, load_dump
from .loading import load_config, parse_cfg_options

# the copy the package ships (ous_mm/.mim/configs links to the repository's configs/), so the
# default is found from any folder and from an installed wheel, not only from a clone's root
PUBLISHED_RESULTS = osp.join(osp.dirname(osp.dirname(osp.abspath(__file__))), '.mim', 'configs',
                             'benchmarks', 'published_results.yml')
DUMP_NAME = 'test_predictions.pkl'
MACHINE_FILE = 'machine.json'
_ROW_NAME = re.compile(r'^[A-Za-z0-9][A-Za-z0-9._+()-]*$')
_RSS_LINE = re.compile(r'memory after epoch \d+: main process ([\d.]+) MiB RSS, '
                       r'dataloader workers ([\d.]+) MiB RSS')


class TableSpecError(ValueError):
    """A table spec, or a config it names, that cannot make one table."""


@dataclass
class TableRow:
    """One row of the table.

    Args:
        name (str): The row's name and its folder in the work dir.
        config (str): Its config file.
        method (str, optional): The key of its published numbers
            (``published_results.yml``'s ``method``); None: none.
    """
    name: str
    config: str
    method: Optional[str] = None


@dataclass
class TableSpec:
    """The rows of a table and the row the others are compared with.

    Args:
        rows (list[TableRow]): The rows, in table order.
        reference (str): The name of the reference row (OUS).
        dataset (str): A label of the data all rows share.
        published_dataset (str, optional): Whose published numbers are shown
            beside the rows (``published_results.yml``'s ``dataset``).
    """
    rows: List[TableRow]
    reference: str
    dataset: str = ''
    published_dataset: Optional[str] = None
    data: Dict[str, object] = field(default_factory=dict)  # filled by check_table_spec


def load_table_spec(path: str) -> TableSpec:
    """Read a table spec (a Python or YAML file that MMEngine's ``Config`` reads).

    It sets ``rows`` (a list of dicts with ``name``, ``config`` and optionally
    ``method``), ``reference`` (a row's name), and optionally ``dataset`` and
    ``published_dataset``.

    Args:
        path (str): The spec file.

    Returns:
        TableSpec: The spec (unchecked: see :func:`check_table_spec`).
    """
    if not osp.isfile(path):
        raise TableSpecError(f'table spec {path} does not exist (e.g. '
                             'configs/benchmarks/table1_demo.py)')
    spec = Config.fromfile(path)
    if not spec.get('rows'):
        raise TableSpecError(f'{path} lists no rows: set rows = [dict(name=..., config=..., '
                             'method=...), ...]')
    if not spec.get('reference'):
        raise TableSpecError(f'{path} names no reference row: set reference = the name of '
                             'the row the others are compared with (e.g. \'OUS\')')
    rows = []
    for i, row in enumerate(spec.rows):
        unknown = set(row) - {'name', 'config', 'method'}
        if not {'name', 'config'} <= set(row) or unknown:
            raise TableSpecError(f'{path}: row {i} ({dict(row)}) needs name and config, and '
                                 f'may have method; {sorted(unknown) or "missing keys"}')
        rows.append(TableRow(row['name'], row['config'], row.get('method')))
    return TableSpec(rows, spec.reference, spec.get('dataset', ''),
                     spec.get('published_dataset'))


def spec_from_configs(configs: Sequence[str]) -> TableSpec:
    """A spec of configs given by hand: rows named after the files, the first the reference.

    Args:
        configs (Sequence[str]): Config files.

    Returns:
        TableSpec: The spec.
    """
    rows = [TableRow(osp.splitext(osp.basename(c))[0], c) for c in configs]
    return TableSpec(rows, rows[0].name if rows else '')


def _dataset_classes(cfg: Config) -> Tuple[str, ...]:
    """The classes of a config's test dataset (its ``classes`` or its type's ``METAINFO``)."""
    from mmaction.registry import DATASETS
    dataset = cfg.test_dataloader.dataset
    if dataset.get('metainfo', {}).get('classes'):
        return tuple(dataset.metainfo['classes'])
    dataset_cls = DATASETS.get(dataset.type)
    return tuple(getattr(dataset_cls, 'METAINFO', {}).get('classes', ()))


def _head_classes(cfg: Config) -> Optional[int]:
    """The number of classes the model scores, where its config says it."""
    head = cfg.model.get('cls_head') or {}
    if head.get('num_classes') is not None:
        return int(head.num_classes)
    names = (head.get('prompt_learner') or {}).get('class_names')
    return len(names) if names else None


def check_table_spec(spec: TableSpec, cfg_options: Sequence[str] = ()) -> TableSpec:
    """Check that the rows can make one table, and record the data they share.

    Every config must exist; every row's test data must be the same (dataset
    type, data root, classes) and its model must score those classes; the
    reference must be a row. Sets ``spec.data``: ``type``, ``data_root``,
    ``classes`` and ``folds`` (the dataset's official folds: 1-5 where its
    datasets take ``fold``, else the one split, ``[None]``).

    Args:
        spec (TableSpec): The spec.
        cfg_options (Sequence[str]): ``key=value`` options for every row.

    Returns:
        TableSpec: The same spec.
    """
    if not spec.rows:
        raise TableSpecError('the table has no rows: give a spec with rows or configs')
    names = [row.name for row in spec.rows]
    for name in names:
        if not _ROW_NAME.match(name):
            raise TableSpecError(f'row name {name!r} is not a folder name: use letters, '
                                 'digits and ._+()-')
    if len(set(names)) != len(names):
        raise TableSpecError(f'row names repeat ({names}): each row needs its own folder')
    if spec.reference not in names:
        raise TableSpecError(f'the reference row {spec.reference!r} is not among the rows '
                             f'({", ".join(names)}): add it, or set reference to one of them')
    options = parse_cfg_options(cfg_options)
    seen = {}
    for row in spec.rows:
        if not osp.isfile(row.config):
            raise TableSpecError(f'row {row.name!r}: config {row.config} does not exist (paths '
                                 'are relative to the current folder: run from the '
                                 'repository root)')
        cfg = load_config(row.config, options)
        dataset = cfg.test_dataloader.dataset
        classes = _dataset_classes(cfg)
        data = dict(type=dataset.type, data_root=dataset.get('data_root'), classes=classes,
                    folds=[1, 2, 3, 4, 5] if 'fold' in dataset else [None])
        scored = _head_classes(cfg)
        if scored is not None and scored != len(classes):
            raise TableSpecError(f'row {row.name!r}: its model scores {scored} classes, its '
                                 f'test data ({dataset.type}) has {len(classes)}')
        first = next(iter(seen.items()), None)
        if first is not None and first[1] != data:
            other, theirs = first
            diff = {k: (theirs[k], data[k]) for k in data if theirs[k] != data[k]}
            raise TableSpecError(
                f'rows {other!r} and {row.name!r} are on different test data: ' +
                '; '.join(f'{k} {a!r} vs {b!r}' for k, (a, b) in diff.items()) +
                '. A table compares models on one dataset: give every row the same data '
                '(--data-root sets it for all)')
        seen[row.name] = data
    spec.data = data
    return spec


def fold_dir(work_dir: str, row: str, fold: Optional[int]) -> str:
    """A row's run folder for a fold (``split`` for a dataset with one split)."""
    return osp.join(work_dir, row, 'split' if fold is None else f'fold_{fold}')


def machine_description() -> dict:
    """The machine this process runs on: CPU, cores, threads and CUDA devices."""
    cpu = platform.processor() or platform.machine()
    if osp.isfile('/proc/cpuinfo'):
        with open('/proc/cpuinfo') as f:
            found = re.search(r'^model name\s*:\s*(.+)$', f.read(), re.M)
        cpu = found.group(1).strip() if found else cpu
    gpus = ([torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())]
            if torch.cuda.is_available() else [])
    return dict(arch=platform.machine(), cpu=cpu, cores=os.cpu_count(),
                torch_threads=torch.get_num_threads(), gpus=gpus)


def run_table(spec: TableSpec,
              work_dir: str,
              folds: Optional[Sequence[Optional[int]]] = None,
              cfg_options: Sequence[str] = (),
              finished_only: bool = False) -> Dict[str, List[dict]]:
    """Train and test every row on every fold (resuming, skipping finished runs).

    Before a run that trains, the machine is recorded in its folder
    (``machine.json``) for the table's cost columns.

    Args:
        spec (TableSpec): A checked spec (:func:`check_table_spec`).
        work_dir (str): The table's work dir; row R's fold K runs in
            ``work_dir/R/fold_K``.
        folds (Sequence[int], optional): The folds. Defaults to the dataset's.
        cfg_options (Sequence[str]): ``key=value`` options for every row.
        finished_only (bool): Run nothing: only the rows whose folds have all
            finished (``test_metrics.json``), e.g. to tabulate a table while
            its run goes on. Defaults to False.

    Returns:
        dict[str, list[dict]]: Per row, :func:`train_and_test`'s result of
        every fold, with its ``fold`` and ``work_dir``.
    """
    folds = list(folds) if folds else spec.data['folds']
    if spec.data['folds'] == [None] and folds != [None]:
        raise TableSpecError(f'--folds {folds}: {spec.data["type"]} has one train/test split, '
                             'not folds: leave --folds out')
    results = {}
    for row in spec.rows:
        if finished_only and not all(
                osp.isfile(osp.join(fold_dir(work_dir, row.name, f), 'test_metrics.json'))
                for f in folds):
            continue
        results[row.name] = []
        for fold in folds:
            run_dir = fold_dir(work_dir, row.name, fold)
            if not osp.isfile(osp.join(run_dir, 'test_metrics.json')):
                AtomicLocalBackend().put_text(json.dumps(machine_description(), indent=1),
                                              osp.join(run_dir, MACHINE_FILE))
            options = [*cfg_options, *([] if fold is None else fold_cfg_options(fold))]
            result = train_and_test(row.config, run_dir, options)
            results[row.name].append(dict(result, fold=fold, work_dir=run_dir))
    return results


def load_published(path: str = PUBLISHED_RESULTS) -> Dict[Tuple[str, str], dict]:
    """The published results file: ``{(method, dataset): entry}``.

    Args:
        path (str): A YAML list of entries with ``method``, ``dataset``,
            ``UAR``, ``WAR``, ``source`` (paper and table) and optionally
            ``recall``.

    Returns:
        dict: The entries by method and dataset.
    """
    with open(path) as f:
        entries = yaml.safe_load(f)
    if not isinstance(entries, list):
        raise TableSpecError(f'{path}: expected a list of entries (method, dataset, UAR, WAR, '
                             'source)')
    published = {}
    for i, entry in enumerate(entries):
        missing = {'method', 'dataset', 'UAR', 'WAR', 'source'} - set(entry or {})
        if missing:
            raise TableSpecError(f'{path}: entry {i} ({entry}) lacks {sorted(missing)}: '
                                 'every published number needs its source')
        published[(entry['method'], entry['dataset'])] = entry
    return published


def published_for(spec: TableSpec, published: Dict[Tuple[str, str], dict]) -> Dict[str, dict]:
    """Each row's published entry on the spec's ``published_dataset`` (rows without: left out).

    A row's ``method`` that the file does not know at all is an error (a typo
    would otherwise show as "not published").
    """
    methods = {m for m, _ in published}
    out = {}
    for row in spec.rows:
        if row.method is None:
            continue
        if row.method not in methods:
            raise TableSpecError(f'row {row.name!r}: method {row.method!r} is not in the '
                                 f'published results ({", ".join(sorted(methods))}): add its '
                                 'numbers with their source, or set method=None')
        entry = published.get((row.method, spec.published_dataset))
        if entry is not None:
            out[row.name] = entry
    return out


def resampled_uar(labels: np.ndarray, predictions: np.ndarray, num_classes: int,
                  indices: np.ndarray) -> np.ndarray:
    """UAR (%) of several models' predictions on resamples of the same clips.

    Args:
        labels (np.ndarray): ``N`` true classes.
        predictions (np.ndarray): ``M x N`` predicted classes (one row a model).
        num_classes (int): Classes.
        indices (np.ndarray): ``R x N`` clip indices, one resample a row; every
            model is scored on the same resampled clips (paired).

    Returns:
        np.ndarray: ``R x M`` UAR, over the classes each resample has (as
        ``dfer_scores`` leaves a class without clips out).
    """
    draws = indices.shape[0]
    drawn = labels[indices]
    cells = (np.arange(draws)[:, None] * num_classes + drawn).ravel()
    support = np.bincount(cells, minlength=draws * num_classes).reshape(draws, num_classes)
    uar = np.empty((draws, len(predictions)))
    for m, pred in enumerate(predictions):
        hits = np.bincount(cells, weights=(pred[indices] == drawn).ravel(),
                           minlength=draws * num_classes).reshape(draws, num_classes)
        with np.errstate(invalid='ignore', divide='ignore'):
            recall = np.where(support > 0, hits / np.maximum(support, 1), np.nan)
        uar[:, m] = 100 * np.nanmean(recall, axis=1)
    return uar


def paired_bootstrap(folds: Sequence[Tuple[np.ndarray, np.ndarray, np.ndarray]],
                     num_classes: int,
                     num_resamples: int = 2000,
                     seed: int = 0,
                     level: float = 0.95) -> dict:
    """UAR of one model minus another's with percentile intervals, per fold and pooled.

    In each fold the test clips are drawn with replacement, the same draw for
    both models (a clip keeps both predictions); pooled is the mean over
    folds of the per-fold difference, each fold resampled within itself.

    Args:
        folds (Sequence[tuple]): Per fold, ``(labels, predictions,
            reference_predictions)``, each ``N`` integers, in one clip order.
        num_classes (int): Classes.
        num_resamples (int): Draws. Defaults to 2000.
        seed (int): Seed of the draws. Defaults to 0.
        level (float): Interval coverage. Defaults to 0.95.

    Returns:
        dict: ``folds`` (per fold) and ``pooled``, each a dict of ``diff``
        (on the test clips as they are), ``low`` and ``high``; ``resamples``
        and ``seed``.
    """
    rng = np.random.default_rng(seed)
    tails = 100 * (1 - level) / 2, 100 * (1 + level) / 2
    per_fold, draws, points = [], [], []
    for labels, pred, ref in folds:
        labels, pred, ref = (np.asarray(a, dtype=np.int64) for a in (labels, pred, ref))
        if not len(labels) == len(pred) == len(ref):
            raise ValueError(f'a fold has {len(labels)} labels and {len(pred)} and {len(ref)} '
                             'predictions: the two models were not tested on the same clips')
        both = np.stack([pred, ref])
        point = resampled_uar(labels, both, num_classes, np.arange(len(labels))[None])[0]
        indices = rng.integers(0, len(labels), size=(num_resamples, len(labels)))
        uar = resampled_uar(labels, both, num_classes, indices)
        diff = uar[:, 0] - uar[:, 1]
        points.append(point[0] - point[1])
        draws.append(diff)
        low, high = np.percentile(diff, tails)
        per_fold.append(dict(diff=points[-1], low=low, high=high))
    pooled = np.mean(draws, axis=0)
    low, high = np.percentile(pooled, tails)
    return dict(folds=per_fold, pooled=dict(diff=float(np.mean(points)), low=low, high=high),
                resamples=num_resamples, seed=seed)


def fold_predictions(run_dir: str) -> Tuple[np.ndarray, np.ndarray, Optional[List[str]]]:
    """A run's test labels, predicted classes and clip names, from its ``test_predictions.pkl``.

    A clip's name is its video's or frame folder's name without extension
    (``00001`` for ``.../00001.mp4`` and ``.../00001/``), so that a video and
    a frame-folder pipeline name a clip alike; None where the dump has neither.
    """
    dump = osp.join(run_dir, DUMP_NAME)
    scores, labels = dump_predictions(dump)
    paths = [s.get('filename') or s.get('frame_dir') for s in load_dump(dump)]
    names = (None if None in paths else
             [osp.splitext(osp.basename(osp.normpath(p)))[0] for p in paths])
    return labels, scores.argmax(1), names


def uar_differences(results: Dict[str, List[dict]], reference: str, num_classes: int,
                    num_resamples: int = 2000, seed: int = 0) -> Dict[str, dict]:
    """Every other row's :func:`paired_bootstrap` against the reference row.

    The rows' dumps must hold the same clips in the same order (the same names
    where both dumps name their clips, else the same labels).

    Args:
        results (dict): :func:`run_table`'s results.
        reference (str): The reference row.
        num_classes (int): Classes.
        num_resamples (int): Draws. Defaults to 2000.
        seed (int): Seed. Defaults to 0.

    Returns:
        dict: Per row (the reference left out), :func:`paired_bootstrap`'s result.
    """
    ref_runs = {r['fold']: fold_predictions(r['work_dir']) for r in results[reference]}
    out = {}
    for name, runs in results.items():
        if name == reference:
            continue
        folds = []
        for run in runs:
            labels, pred, clips = fold_predictions(run['work_dir'])
            ref_labels, ref_pred, ref_clips = ref_runs[run['fold']]
            if (not np.array_equal(labels, ref_labels) or
                    None not in (clips, ref_clips) and clips != ref_clips):
                raise ValueError(f'{run["work_dir"]} and the reference row {reference!r} were '
                                 f'tested on different clips (or in another order) on fold '
                                 f'{run["fold"]}: the rows need the same test split')
            folds.append((labels, pred, ref_pred))
        out[name] = paired_bootstrap(folds, num_classes, num_resamples, seed)
    return out


def run_measurements(run_dir: str) -> dict:
    """A run's training time per epoch and peak memory, from its MMEngine logs.

    Time per epoch: the mean logged iteration time (``time`` in
    ``vis_data/scalars.json``, data loading included) times the iterations of
    an epoch; validation is not included. Peak resident memory: the largest
    that ``MemoryMonitorHook`` logged of the main process, and of its
    data-loader workers together (apart: forked workers share pages with the
    main process, which a sum would count twice). Peak GPU memory: the
    largest ``memory`` MMEngine logged (CUDA only).

    Args:
        run_dir (str): The run's work dir.

    Returns:
        dict: ``epoch_s``, ``rss_mb``, ``workers_rss_mb``, ``gpu_mb`` (MiB;
        None where not logged) and ``machine`` (``machine.json``, or None).
    """
    times, epochs, steps, gpu = [], [], [], []
    for path in sorted(glob.glob(osp.join(run_dir, '*', 'vis_data', 'scalars.json'))):
        with open(path) as f:
            for line in f:
                row = json.loads(line)
                if 'time' in row and 'epoch' in row and 'loss' in row:  # a training row
                    times.append(row['time'])
                    epochs.append(row['epoch'])
                    steps.append(row['step'])
                    if 'memory' in row:
                        gpu.append(row['memory'])
    rss = []
    for path in sorted(glob.glob(osp.join(run_dir, '*', '*.log'))):
        with open(path, errors='replace') as f:
            rss += [(float(a), float(b)) for a, b in _RSS_LINE.findall(f.read())]
    machine = None
    if osp.isfile(osp.join(run_dir, MACHINE_FILE)):
        with open(osp.join(run_dir, MACHINE_FILE)) as f:
            machine = json.load(f)
    epoch_s = float(np.mean(times)) * max(steps) / max(epochs) if times else None
    return dict(epoch_s=epoch_s, rss_mb=max(r[0] for r in rss) if rss else None,
                workers_rss_mb=max(r[1] for r in rss) if rss else None,
                gpu_mb=max(gpu) if gpu else None, machine=machine)


def _walk(node, path=''):
    """(key path, value) of every leaf of nested dicts and lists."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _walk(value, f'{path}.{key}' if path else str(key))
    elif isinstance(node, (list, tuple)):
        for i, value in enumerate(node):
            yield from _walk(value, f'{path}[{i}]')
    else:
        yield path, node


def describe_inputs(cfg: Config) -> dict:
    """What a config's model is fed and starts from, read from the config.

    Args:
        cfg (Config): A loaded config.

    Returns:
        dict: ``streams`` (face crops, whole frames), ``faces`` (the release's
        crop folder, or detected), ``frames`` per clip, ``resolution`` and
        ``weights`` (initial weights of its parts; ``random`` for none).
    """
    model = cfg.model
    pipeline = cfg.test_dataloader.dataset.get('pipeline') or cfg.get('test_pipeline') or []
    steps = {t['type']: t for t in pipeline}
    preprocessor = model.get('data_preprocessor') or {}
    if preprocessor.get('stream'):
        streams = [preprocessor.stream]
    elif (model.get('neck') or {}).get('streams'):
        streams = list(model.neck.streams)
    elif 'FaceSceneSplit' in steps:
        streams = ['face', 'scene']
    else:
        streams = ['frames']
    labels = dict(face='face crops', scene='whole frames', frames='whole frames')
    faces = '-'
    if 'face' in streams:
        crops = cfg.test_dataloader.dataset.get('face_crop_dir')
        faces = (f'release crops ({crops})' if crops and 'LoadReleasedFaceCrops' in steps or
                 crops and 'FaceSceneSplit' not in steps else 'detected (face boxes)')
    sampler = next((t for t in pipeline if 'clip_len' in t), None)
    frames = sampler['clip_len'] * sampler.get('num_clips', 1) if sampler else None
    if 'FaceSceneSplit' in steps:
        split = steps['FaceSceneSplit']
        resolution = split.get('face_size') if 'face' in streams else split.get('scene_size')
    else:
        sizes = [t.get('crop_size') or t.get('scale') for t in pipeline
                 if t.get('crop_size') or t.get('scale')]
        resolution = sizes[-1] if sizes else None
    if isinstance(resolution, (tuple, list)):
        resolution = 'x'.join(str(v) for v in resolution)
    weights = []
    for path, value in _walk(model.to_dict() if hasattr(model, 'to_dict') else dict(model)):
        key = path.rsplit('.', 1)[-1]
        # MMAction2's pretrained / pretrained2d / clip_pretrained, init_cfg's checkpoint,
        # ous-mm's clip.weights
        if (key in ('checkpoint', 'weights') or key.endswith(('pretrained', 'pretrained2d'))) \
                and value:
            weights.append(f'{path}={value}')
    if cfg.get('load_from'):
        weights.append(f'load_from={cfg.load_from}')
    return dict(streams=' + '.join(labels[s] for s in streams), faces=faces, frames=frames,
                resolution=resolution, weights='; '.join(weights) or 'random')


def _mean_std(mean: float, std: float) -> str:
    if np.isnan(mean):
        return '-'
    return f'{mean:.2f}' + ('' if np.isnan(std) else f' ± {std:.2f}')


def _interval(d: dict) -> str:
    return f'{d["diff"]:+.2f} [{d["low"]:+.2f}, {d["high"]:+.2f}]'


def _opt(value, fmt: str) -> str:
    return '-' if value is None else format(value, fmt)


def _machine(machine: Optional[dict]) -> str:
    if not machine:
        return '-'
    gpus = machine.get('gpus') or []
    where = f'{len(gpus)}x {gpus[0]}' if gpus else 'CPU only'
    return (f'{machine["arch"]}, {machine["cores"]} cores, {machine["torch_threads"]} '
            f'threads, {where}')


def format_table(spec: TableSpec, results: Dict[str, List[dict]],
                 differences: Dict[str, dict], published: Dict[str, dict],
                 costs: Dict[str, dict]) -> Tuple[str, List[List[str]]]:
    """The table as Markdown (three parts) and as CSV rows (one line per row).

    Args:
        spec (TableSpec): The checked spec.
        results (dict): :func:`run_table`'s results.
        differences (dict): :func:`uar_differences`'s results.
        published (dict): :func:`published_for`'s entries.
        costs (dict): Per row: ``trainable``, ``frozen``, ``gflops``
            (:func:`~ous_mm.apis.model_complexity.model_complexity`),
            :func:`run_measurements` of its first fold, and
            :func:`describe_inputs`.

    Returns:
        tuple[str, list[list[str]]]: The Markdown and the CSV rows (a header first).
    """
    classes = list(spec.data.get('classes') or
                   DFER_CLASSES[:len(next(iter(results.values()))[0]['recall'])])
    folds = [r['fold'] for r in results[spec.reference]]
    fold_names = ['split' if f is None else f'fold {f}' for f in folds]
    spread = (f'mean ± std over folds {", ".join(str(f) for f in folds)} (ddof = 1)'
              if len(folds) > 1 else fold_names[0])
    sources = list(dict.fromkeys(e['source'] for e in published.values()))
    data = spec.dataset or f'{spec.data.get("type")} ({spec.data.get("data_root")})'
    lines = [f'Test {data}: per-class recall, UAR and WAR (%), {spread}' +
             (f'; published: as reported on {spec.published_dataset} (sources below).'
              if spec.published_dataset else '.'), '',
             '| method | ' + ' | '.join(classes) + ' | UAR | WAR | published UAR | '
             'published WAR |', '|---|' + '---:|' * (len(classes) + 4)]
    csv_rows = [['method', *classes, 'UAR', 'UAR_std', 'WAR', 'WAR_std', 'published_UAR',
                 'published_WAR', 'published_source', 'dUAR', 'dUAR_low', 'dUAR_high',
                 'trainable_params', 'frozen_params', 'GFLOPs', 'train_s_per_epoch',
                 'peak_rss_MiB', 'peak_workers_rss_MiB', 'peak_gpu_MiB', 'machine', 'streams',
                 'faces', 'frames',
                 'resolution', 'weights']]
    for row in spec.rows:
        stats = fold_statistics(results[row.name])
        cells = [_mean_std(m, s) for m, s in zip(stats['mean'], stats['std'])]
        entry = published.get(row.name)
        ref = (f' [{sources.index(entry["source"]) + 1}]' if entry else '')
        pub = ([f'{entry["UAR"]:.2f}{ref}', f'{entry["WAR"]:.2f}{ref}'] if entry else
               ['-', '-'])
        lines.append(f'| {row.name} | ' + ' | '.join(cells + pub) + ' |')
        diff = differences.get(row.name, {}).get('pooled')
        cost = costs.get(row.name, {})
        csv_rows.append([
            row.name, *[f'{v:.4f}' for v in stats['mean'][:len(classes)]],
            f'{stats["mean"][-2]:.4f}', f'{stats["std"][-2]:.4f}', f'{stats["mean"][-1]:.4f}',
            f'{stats["std"][-1]:.4f}', str(entry['UAR']) if entry else '',
            str(entry['WAR']) if entry else '', entry['source'] if entry else '',
            *([f'{diff[k]:.4f}' for k in ('diff', 'low', 'high')] if diff else ['', '', '']),
            str(cost.get('trainable', '')), str(cost.get('frozen', '')),
            _opt(cost.get('gflops'), '.4f'), _opt(cost.get('epoch_s'), '.2f'),
            _opt(cost.get('rss_mb'), '.1f'), _opt(cost.get('workers_rss_mb'), '.1f'),
            _opt(cost.get('gpu_mb'), '.1f'),
            _machine(cost.get('machine')), str(cost.get('streams', '')),
            str(cost.get('faces', '')), str(cost.get('frames', '')),
            str(cost.get('resolution', '')), str(cost.get('weights', ''))])
    lines += [''] + [f'[{i + 1}] {s}' for i, s in enumerate(sources)]
    draws = next(iter(differences.values()), {})
    lines += ['', f'UAR minus {spec.reference}\'s (points of %), with its 95 % interval from a '
              f'paired bootstrap over the test clips ({draws.get("resamples", "-")} draws, seed '
              f'{draws.get("seed", "-")}; pooled: the mean over folds, each fold resampled '
              'within itself):', '',
              '| method | ' + ' | '.join(fold_names) + ' | pooled |',
              '|---|' + '---:|' * (len(folds) + 1)]
    for row in spec.rows:
        if row.name in differences:
            d = differences[row.name]
            lines.append(f'| {row.name} | ' + ' | '.join(_interval(f) for f in d['folds']) +
                         f' | {_interval(d["pooled"])} |')
    lines += ['', 'Size, cost (on the machine of the first fold\'s run) and inputs:', '',
              '| method | trainable params (M) | frozen params (M) | GFLOPs / clip | train s / '
              'epoch | peak RSS (GiB): main / loader workers | peak GPU (GiB) | machine | input '
              '| faces | frames | resolution | initial weights |',
              '|---|' + '---:|' * 6 + '---|' * 6]
    for row in spec.rows:
        c = costs.get(row.name, {})
        millions = [_opt(c.get(k) and c[k] / 1e6, '.2f') for k in ('trainable', 'frozen')]
        lines.append(
            f'| {row.name} | ' + ' | '.join([
                *millions, _opt(c.get('gflops'), '.2f'), _opt(c.get('epoch_s'), '.1f'),
                _opt(c.get('rss_mb') and c['rss_mb'] / 1024, '.2f') + ' / ' +
                _opt(c.get('workers_rss_mb') and c['workers_rss_mb'] / 1024, '.2f'),
                _opt(c.get('gpu_mb') and c['gpu_mb'] / 1024, '.2f'),
                _machine(c.get('machine')), str(c.get('streams', '-')), str(c.get('faces', '-')),
                str(c.get('frames', '-')), str(c.get('resolution', '-')),
                str(c.get('weights', '-'))]) + ' |')
    return '\n'.join(lines), csv_rows


def write_table(work_dir: str, markdown: str, csv_rows: List[List[str]],
                name: str = 'table') -> List[str]:
    """Write ``<name>.md`` and ``<name>.csv`` into ``work_dir`` atomically; return their paths."""
    backend = AtomicLocalBackend()
    paths = [osp.join(work_dir, f'{name}.md'), osp.join(work_dir, f'{name}.csv')]
    backend.put_text(markdown + '\n', paths[0])
    with io.StringIO(newline='') as f:
        csv.writer(f).writerows(csv_rows)
        backend.put_text(f.getvalue(), paths[1])
    return paths


def plot_table(path: str, spec: TableSpec, results: Dict[str, List[dict]],
               differences: Dict[str, dict]) -> None:
    """UAR per row (mean, and its spread over folds) and the pooled difference to the
    reference with its interval, as a PNG written atomically."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    names = [row.name for row in spec.rows]
    stats = [fold_statistics(results[n]) for n in names]
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 0.5 * len(names) + 1.5))
    y = np.arange(len(names))
    left.barh(y, [s['mean'][-2] for s in stats],
              xerr=[np.nan_to_num(s['std'][-2]) for s in stats], color='#4c72b0')
    left.set(yticks=y, yticklabels=names, xlabel='test UAR (%)', xlim=(0, 100))
    left.invert_yaxis()
    others = [n for n in names if n in differences]
    pooled = [differences[n]['pooled'] for n in others]
    y2 = np.arange(len(others))
    right.errorbar([p['diff'] for p in pooled], y2, fmt='o', color='#c44e52',
                   xerr=[[p['diff'] - p['low'] for p in pooled],
                         [p['high'] - p['diff'] for p in pooled]])
    right.axvline(0, color='grey', lw=1)
    right.set(yticks=y2, yticklabels=others,
              xlabel=f'UAR minus {spec.reference}\n(95 % paired-bootstrap interval)')
    right.invert_yaxis()
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format='png', dpi=120)
    plt.close(fig)
    AtomicLocalBackend().put(buffer.getvalue(), path)
