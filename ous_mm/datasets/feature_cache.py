"""The on-disk cache of frozen-encoder features, and the dataset that reads it.

``tools/extract_features.py`` runs the frozen encoder once over a dataset split and writes
``<cache_dir>/<split>/``: ``face.f16``, ``scene.f16`` and ``early.f16`` (float16 memory maps,
``N x T x C``, ``N x T/s x C`` and ``N x T/s x E``), ``labels.npy``, ``done.u8`` (one flag per
clip, for resuming) and, written last, ``meta.json``: the shapes, the classes and the
fingerprint of everything the features depend on, ``encoder`` (the frozen encoder's weights
by content and its settings), ``pipeline`` (the transforms that read the frames), ``clips``
and ``labels`` (the ordered clip list).

A cache is never served damaged or stale:

- :func:`open_cache` checks every file against ``meta.json`` before mapping it (a short file
  mapped in ``r+`` mode would be padded with zeros; in ``r`` mode it fails without its name);
- extraction resumes only into a cache of the same fingerprint;
- :class:`CachedFeatureDataset` compares the data side of the fingerprint with the live
  dataset it names (``source``), and ``FeatureCacheCheckHook`` the encoder side with the
  built model (only the runner has the model, with a checkpoint's weights loaded).

Every failure is a :class:`FeatureCacheError` that names the file or folder and how to rebuild.
"""
import json
import os.path as osp
from typing import Any, Dict, List

import numpy as np
import torch.nn as nn
from mmaction.registry import DATASETS, TRANSFORMS
from mmcv.transforms import BaseTransform
from mmengine.dataset import BaseDataset

FEATURES = ('face', 'scene', 'early')
META_KEYS = ('num_clips', 'classes', 'shapes', 'encoder', 'pipeline', 'clips', 'labels')
# Backbone arguments left out of the fingerprint: the weights count by their content instead
# (a moved file is the same encoder; another file or random seed is not); the others do not
# change the features.
NOT_FEATURE_KEYS = ('weights', 'save_weights', 'init_cfg')


class FeatureCacheError(RuntimeError):
    """A feature cache that is damaged, incomplete or made with other settings."""


def rebuild_hint(split_dir: str) -> str:
    """How to rebuild the cached split ``split_dir``."""
    return (f'delete {split_dir} and run `python tools/extract_features.py CONFIG --out '
            f'{osp.dirname(split_dir)}` (CONFIG: the live config, with the options you train '
            'with), or extract into another --out and set cache_dir to it')


def _jsonable(obj: Any) -> Any:
    """``obj`` as it reads back from ``meta.json`` (tuples as lists, configs as dicts)."""
    return json.loads(json.dumps(obj, default=str))


def encoder_fingerprint(model: nn.Module, model_cfg: dict) -> dict:
    """What the cached features depend on in the model.

    Args:
        model (nn.Module): The built ``OUSRecognizer`` (weights loaded).
        model_cfg (dict): Its config (the backbone's settings).

    Returns:
        dict: ``weights`` (the backbone's ``frozen_fingerprint``: computed once
        per model, as checkpoints record it),
        ``backbone`` (its config, less ``NOT_FEATURE_KEYS``), ``num_frames``,
        ``scene_stride`` and ``streams``.
    """
    backbone = {k: v for k, v in model_cfg['backbone'].items() if k not in NOT_FEATURE_KEYS}
    return _jsonable(dict(weights=model.backbone.frozen_fingerprint, backbone=backbone,
                          num_frames=model.num_frames, scene_stride=model.scene_stride,
                          streams=list(model.streams)))


def data_fingerprint(dataset: BaseDataset, pipeline: List[dict]) -> dict:
    """What the cached features depend on in the data.

    Args:
        dataset (BaseDataset): The live dataset of one split.
        pipeline (list[dict]): The config of the transforms that read its frames.

    Returns:
        dict: ``pipeline``, ``classes``, ``clips`` (file or frame folder of
        each clip, in order) and their ``labels``.
    """
    infos = [dataset.get_data_info(i) for i in range(len(dataset))]
    return _jsonable(dict(pipeline=pipeline, classes=list(dataset.metainfo['classes']),
                          clips=[info.get('filename') or info.get('frame_dir') for info in infos],
                          labels=[int(info['label']) for info in infos]))


def _differences(name: str, cached: Any, live: Any, where: str) -> List[str]:
    """Where ``cached`` and ``live`` differ: differing keys, the first differing entry."""
    if cached == live:
        return []
    # configs of one type: the keys that differ; of another type: the whole config
    if isinstance(cached, dict) and isinstance(live, dict) and (
            cached.get('type') == live.get('type')):
        return [d for key in sorted(set(cached) | set(live))
                for d in _differences(f'{name}.{key}', cached.get(key), live.get(key), where)]
    if isinstance(cached, list) and isinstance(live, list):
        counts = ([f'{name}: {len(cached)} entries in the cache, {len(live)} {where}']
                  if len(cached) != len(live) else [])
        first = next((i for i, (a, b) in enumerate(zip(cached, live)) if a != b), None)
        return counts + ([] if first is None else _differences(
            f'{name}[{first}]', cached[first], live[first], where))
    return [f'{name}: {cached!r} in the cache, {live!r} {where}']


def check_fingerprint(split_dir: str, meta: dict, live: dict, where: str) -> None:
    """Raise unless the cache's fingerprint matches ``live`` on every key of ``live``.

    Args:
        split_dir (str): The cached split (named in the error).
        meta (dict): Its ``meta.json``.
        live (dict): Parts of the fingerprint computed now (see
            :func:`encoder_fingerprint`, :func:`data_fingerprint`).
        where (str): What ``live`` comes from, for the error.
    """
    diffs = [d for key, value in live.items()
             for d in _differences(key, meta[key], value, where)]
    if diffs:
        shown = '; '.join(diffs[:5]) + (f'; ... ({len(diffs)} in all)' if len(diffs) > 5 else '')
        raise FeatureCacheError(
            f'the feature cache {split_dir} is stale (made with other settings): {shown}. '
            f'Rebuild it for these settings: {rebuild_hint(split_dir)}; or go back to the '
            'settings it was made with')


def read_meta(split_dir: str) -> dict:
    """The ``meta.json`` of a cached split, checked for every key."""
    path = osp.join(split_dir, 'meta.json')
    if not osp.isfile(path):
        raise FeatureCacheError(f'no feature cache at {split_dir} ({path} is missing): run '
                                f'`python tools/extract_features.py CONFIG --out '
                                f'{osp.dirname(split_dir)}` first')
    try:
        with open(path) as f:
            meta = json.load(f)
    except (OSError, ValueError) as e:
        raise FeatureCacheError(f'{path} is unreadable ({e}); rebuild it: '
                                f'{rebuild_hint(split_dir)}') from e
    missing = [k for k in META_KEYS if k not in meta] if isinstance(meta, dict) else META_KEYS
    try:
        consistent = not missing and (len(meta['clips']) == len(meta['labels']) ==
                                      meta['num_clips'] and set(meta['shapes']) <= set(FEATURES))
    except TypeError:  # valid JSON of the wrong types
        consistent = False
    if missing or not consistent:
        what = f'lacks {", ".join(missing)}' if missing else 'has inconsistent counts or shapes'
        raise FeatureCacheError(f'{path} {what} (damaged, or made by an older ous-mm); '
                                f'rebuild it: {rebuild_hint(split_dir)}')
    return meta


def open_cache(split_dir: str, mode: str = 'r') -> dict:
    """The memory maps and labels of one cached split, checked against its ``meta.json``.

    Every file's size must be what ``meta.json`` says before it is mapped,
    so mapping in ``r+`` mode can never grow (zero-pad) a file.

    Args:
        split_dir (str): ``<cache_dir>/<split>``.
        mode (str): ``'r'`` or ``'r+'`` (as for ``np.memmap``). Defaults to ``'r'``.

    Returns:
        dict: ``meta``, ``labels`` (``num_clips`` ints), ``done`` (``num_clips``
        flags) and one ``N x ...`` float16 map per feature.
    """
    meta = read_meta(split_dir)
    num = meta['num_clips']
    files = {name: (f'{name}.f16', np.float16, tuple(shape))
             for name, shape in meta['shapes'].items()}
    files['done'] = ('done.u8', np.uint8, (num, ))
    cache = dict(meta=meta)
    for name, (file, dtype, shape) in files.items():
        path = osp.join(split_dir, file)
        need = int(np.prod(shape)) * np.dtype(dtype).itemsize
        size = osp.getsize(path) if osp.isfile(path) else None
        if shape[0] != num or size != need:
            raise FeatureCacheError(
                f'{path} is damaged: {"missing" if size is None else f"{size} bytes"}, but '
                f'meta.json says {num} clips of shape {list(shape)} {np.dtype(dtype).name} '
                f'({need} bytes); rebuild it: {rebuild_hint(split_dir)}')
        cache[name] = np.memmap(path, dtype, mode, shape=shape)
    path = osp.join(split_dir, 'labels.npy')
    try:
        labels = np.load(path)
    except (OSError, ValueError) as e:
        raise FeatureCacheError(f'{path} is unreadable ({e}); rebuild it: '
                                f'{rebuild_hint(split_dir)}') from e
    if labels.shape != (num, ) or labels.tolist() != meta['labels']:
        what = (f'{labels.size} labels for {num} clips' if labels.shape != (num, ) else
                'labels that differ from meta.json\'s')
        raise FeatureCacheError(f'{path} is damaged ({what}); rebuild it: '
                                f'{rebuild_hint(split_dir)}')
    cache['labels'] = labels
    return cache


@DATASETS.register_module()
class CachedFeatureDataset(BaseDataset):
    """Clips of a split as cached encoder features (see ``tools/extract_features.py``).

    Training from the cache skips decoding and the frozen encoder. The frames
    of each clip are fixed when the cache is written (the test pipeline's
    uniform sampling): no temporal sampling augmentation from epoch to epoch.

    The cache is checked when the dataset is built: every file against
    ``meta.json`` (:func:`open_cache`), every clip extracted, and the
    pipeline, classes, clips and labels against the live dataset ``source``
    (building it reads its split file; no video is decoded). The encoder side
    of the fingerprint needs the built model: add ``FeatureCacheCheckHook`` to
    the config's ``custom_hooks``, which calls :meth:`check_encoder`.

    Args:
        cache_dir (str): The cache folder given to ``tools/extract_features.py``.
        split (str): ``'train'``, ``'val'`` or ``'test'``.
        source (dict): Config of the live dataset the split was extracted
            from, with the pipeline the extraction used (the test pipeline).
        pipeline (list): Transforms, normally ``LoadCachedFeatures`` and
            ``PackActionInputs(collect_keys=('face_feat', 'scene_feat', 'early_feat'))``.
        **kwargs: ``BaseDataset`` arguments.
    """

    def __init__(self, cache_dir: str, split: str, source: dict, pipeline: List,
                 **kwargs) -> None:
        self.split_dir = osp.join(cache_dir, split)
        self.source = source
        self.cache_meta = read_meta(self.split_dir)
        kwargs.setdefault('metainfo', dict(classes=tuple(self.cache_meta['classes'])))
        super().__init__(ann_file='', pipeline=pipeline, **kwargs)

    def load_data_list(self) -> List[dict]:
        cache = open_cache(self.split_dir)
        if not cache['done'].all():
            raise FeatureCacheError(
                f'the feature cache {self.split_dir} is incomplete ({int(cache["done"].sum())}'
                f'/{len(cache["done"])} clips): run `python tools/extract_features.py CONFIG '
                f'--out {osp.dirname(self.split_dir)}` again to finish it')
        live = DATASETS.build(self.source)
        check_fingerprint(self.split_dir, cache['meta'],
                          data_fingerprint(live, self.source.get('pipeline', [])),
                          f'in the live dataset (source={type(live).__name__} of {live.ann_file})')
        return [dict(index=i, label=int(label), split_dir=self.split_dir, filename=clip)
                for i, (clip, label) in enumerate(zip(cache['meta']['clips'], cache['labels']))]

    def check_encoder(self, model: nn.Module, model_cfg: dict) -> None:
        """Raise unless the cache was extracted by this model's frozen encoder.

        Args:
            model (nn.Module): The built model, weights loaded.
            model_cfg (dict): Its config.
        """
        check_fingerprint(self.split_dir, self.cache_meta,
                          dict(encoder=encoder_fingerprint(model, model_cfg)), 'in this model')


@TRANSFORMS.register_module()
class LoadCachedFeatures(BaseTransform):
    """Read one clip's cached features: adds ``face_feat``, ``scene_feat``, ``early_feat``.

    Each process maps the cache files once (checked by :func:`open_cache`)
    and reads only the clip's rows.
    """

    _open: Dict[str, dict] = {}

    def transform(self, results: dict) -> dict:
        split_dir = results['split_dir']
        if split_dir not in self._open:
            self._open[split_dir] = open_cache(split_dir)
        cache = self._open[split_dir]
        for name in FEATURES:
            if name in cache['meta']['shapes']:
                results[f'{name}_feat'] = np.asarray(cache[name][results['index']], np.float32)
        return results
