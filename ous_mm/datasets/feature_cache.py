"""The on-disk cache of frozen-encoder features, and the dataset that reads it.

``tools/extract_features.py`` runs the frozen encoder once over a dataset split and writes
``<cache_dir>/<split>/``: ``face.f16``, ``scene.f16`` and ``early.f16`` (float16 memory maps,
``N x T x C``, ``N x T/s x C`` and ``N x T/s x E``), ``labels.npy``, ``done.u8`` (one flag per
clip, for resuming) and ``meta.json`` (shapes, clip files, classes and the encoder settings
the features depend on).
"""
import json
import os.path as osp
from typing import List

import numpy as np
from mmaction.registry import DATASETS, TRANSFORMS
from mmcv.transforms import BaseTransform
from mmengine.dataset import BaseDataset

FEATURES = ('face', 'scene', 'early')


def open_cache(split_dir: str, mode: str = 'r') -> dict:
    """The memory maps of one cached split (``mode`` as for ``np.memmap``)."""
    with open(osp.join(split_dir, 'meta.json')) as f:
        meta = json.load(f)
    arrays = {name: np.memmap(osp.join(split_dir, f'{name}.f16'), np.float16, mode,
                              shape=tuple(shape)) for name, shape in meta['shapes'].items()}
    arrays['done'] = np.memmap(osp.join(split_dir, 'done.u8'), np.uint8, mode,
                               shape=(meta['num_clips'], ))
    return dict(meta=meta, **arrays)


@DATASETS.register_module()
class CachedFeatureDataset(BaseDataset):
    """Clips of a split as cached encoder features (see ``tools/extract_features.py``).

    Training from the cache skips decoding and the frozen encoder. The frames
    of each clip are fixed when the cache is written (the test pipeline's
    uniform sampling): no temporal sampling augmentation from epoch to epoch.

    Args:
        cache_dir (str): The cache folder given to ``tools/extract_features.py``.
        split (str): ``'train'``, ``'val'`` or ``'test'``.
        pipeline (list): Transforms, normally ``LoadCachedFeatures`` and
            ``PackActionInputs(collect_keys=('face_feat', 'scene_feat', 'early_feat'))``.
        **kwargs: ``BaseDataset`` arguments.
    """

    def __init__(self, cache_dir: str, split: str, pipeline: List, **kwargs) -> None:
        self.split_dir = osp.join(cache_dir, split)
        if not osp.isfile(osp.join(self.split_dir, 'meta.json')):
            raise FileNotFoundError(f'no feature cache at {self.split_dir}: run '
                                    '`python tools/extract_features.py CONFIG` first')
        with open(osp.join(self.split_dir, 'meta.json')) as f:
            self.cache_meta = json.load(f)
        kwargs.setdefault('metainfo', dict(classes=tuple(self.cache_meta['classes'])))
        super().__init__(ann_file='', pipeline=pipeline, **kwargs)

    def load_data_list(self) -> List[dict]:
        done = np.fromfile(osp.join(self.split_dir, 'done.u8'), np.uint8)
        if not done.all():
            raise RuntimeError(f'the feature cache {self.split_dir} is incomplete '
                               f'({int(done.sum())}/{len(done)} clips): run '
                               'tools/extract_features.py again to finish it')
        labels = np.load(osp.join(self.split_dir, 'labels.npy'))
        return [dict(index=i, label=int(label), split_dir=self.split_dir,
                     filename=self.cache_meta['clips'][i]) for i, label in enumerate(labels)]


@TRANSFORMS.register_module()
class LoadCachedFeatures(BaseTransform):
    """Read one clip's cached features: adds ``face_feat``, ``scene_feat``, ``early_feat``.

    Each process maps the cache files once and reads only the clip's rows.
    """

    _open: dict = {}

    def transform(self, results: dict) -> dict:
        split_dir = results['split_dir']
        if split_dir not in self._open:
            self._open[split_dir] = open_cache(split_dir)
        cache = self._open[split_dir]
        for name in FEATURES:
            if name in cache['meta']['shapes']:
                results[f'{name}_feat'] = np.asarray(cache[name][results['index']], np.float32)
        return results
