"""A split of a live DFER dataset, read as cached encoder features."""
import os
import os.path as osp
from typing import List, Optional, Tuple, Union

import torch.nn as nn
from mmaction.registry import DATASETS
from mmengine.dataset import BaseDataset
from mmengine.logging import MMLogger

from .feature_cache import FeatureCache, FeatureCacheError, read_meta, rebuild_hint, refresh_hint
from .feature_cache_fingerprint import (clip_key, content_change, encoder_fingerprint,
                                        fingerprint_differences, stat_is_current)

VIEWS = ('train', 'test')


def _shown(lines: List[str], limit: int = 5) -> str:
    return '; '.join(lines[:limit]) + (f'; ... ({len(lines)} in all)' if len(lines) > limit
                                       else '')


@DATASETS.register_module()
class CachedFeatureDataset(BaseDataset):
    """The clips of a live dataset's split, as features from the feature cache.

    Training from the cache skips decoding and the frozen encoder. With
    ``views='train'`` every clip has the cache's K training views (the training
    pipeline's own random sampling, seeded per clip and view) and
    ``CachedViewSampler`` draws one of them per clip and epoch; with
    ``views='test'`` every clip is its test view (the test pipeline's frames:
    validation, test, or training without augmentation for comparison).

    When the dataset is built (i.e. when training or testing starts) the
    cache is checked against the live dataset ``source`` (building it reads its
    split file; no video is decoded): every file against ``meta.json``, the
    pipeline of the views used, the classes, each clip's presence, label and
    extraction, and each clip's content (video file size and modification
    time, sampled chunks when the time changed, face crops' listing or face-box
    file). The encoder side needs the built model: ``FeatureCacheCheckHook``
    calls :meth:`check_encoder`. Any difference is a ``FeatureCacheError``
    naming the cache, the clip or file, and the command that rebuilds it.

    Args:
        cache_dir (str): The cache folder of ``tools/extract_features.py``.
        source (dict): Config of the live dataset (one split), with the
            pipeline whose views are read: the training pipeline for
            ``views='train'``, the test pipeline for ``views='test'``.
        pipeline (list): Transforms, normally ``LoadCachedFeatures`` and
            ``PackActionInputs(collect_keys=('face_feat', 'scene_feat', 'early_feat'))``.
        views (str): ``'train'`` or ``'test'``. Defaults to ``'test'``.
        fold (int, optional): Sets ``source``'s fold (so that
            ``tools/cross_validate.py``'s ``dataset.fold=K`` reaches it).
        **kwargs: ``BaseDataset`` arguments (``test_mode`` ...).
    """

    def __init__(self,
                 cache_dir: str,
                 source: dict,
                 pipeline: List,
                 views: str = 'test',
                 fold: Optional[int] = None,
                 **kwargs) -> None:
        if views not in VIEWS:
            raise ValueError(f'views must be one of {VIEWS}, got {views!r}')
        self.cache_dir = cache_dir
        self.views = views
        self.source = dict(source, fold=fold) if fold is not None else dict(source)
        # the maps are opened where they are read (LoadCachedFeatures): a dataset pickled
        # into worker processes must not carry them
        self.cache_meta = read_meta(cache_dir)
        self.num_views = self.cache_meta['num_views'] if views == 'train' else 1
        if views == 'train' and not self.num_views:
            raise FeatureCacheError(
                f'the feature cache {cache_dir} has no training views (extracted with '
                f'--views 0): extract them with `python tools/extract_features.py CONFIG --out '
                f'{cache_dir}_views --views 8` and point feature_cache at it, or train from '
                "the test view (views='test')")
        # an identity of this cache's files: a worker that mapped another cache of that name
        # (rebuilt since) maps it again
        stat = os.stat(osp.join(cache_dir, 'meta.json'))
        self.cache_token = (stat.st_ino, stat.st_mtime_ns)
        kwargs.setdefault('metainfo', dict(classes=tuple(self.cache_meta['classes'])))
        super().__init__(ann_file='', pipeline=pipeline, **kwargs)

    def load_data_list(self) -> List[dict]:
        cache = FeatureCache(self.cache_dir)  # every file checked against meta.json
        meta = cache.meta
        # its data list only: not packed for loader workers (MMEngine's serialize_data)
        live = DATASETS.build(dict(self.source, pipeline=[], serialize_data=False))
        name = (f'in the live dataset (source={type(live).__name__} of '
                f'{getattr(live, "ann_file", "?")})')
        # the pipeline that made the views read here; the classes
        diffs = fingerprint_differences(
            dict(pipeline=meta['pipelines'][self.views], classes=meta['classes']),
            dict(pipeline=self.source.get('pipeline', []), classes=live.metainfo['classes']),
            name)
        if diffs:
            raise FeatureCacheError(
                f'the feature cache {self.cache_dir} is stale (made with other settings): '
                f'{_shown(diffs)}. Rebuild it for these settings: '
                f'{rebuild_hint(self.cache_dir)}; or go back to the settings it was made with')
        part = self.views  # the cache's part: train views or the test view
        data_list, absent, changed, unfinished, reread = [], [], [], 0, 0
        for i in range(len(live)):
            info = live.get_data_info(i)
            key = clip_key(info)
            index = cache.index.get(key)
            if index is None or meta['labels'][index] != int(info['label']):
                absent.append(f'{key} (not cached)' if index is None else
                              f'{key} (label {meta["labels"][index]} when cached, '
                              f'{int(info["label"])} now)')
                continue
            rows = cache.rows_of(index, part)
            if not rows:
                absent.append(f'{key} (cached without training views: it was in no training '
                              'split when extracted)')
                continue
            reread += not stat_is_current(cache.content[index], info)
            change = content_change(cache.content[index], info)
            if change:
                changed.append(f'clip {key}: {change}')
            unfinished += len(cache.missing_rows(part, rows))
            data_list.append(dict(label=int(info['label']), filename=info.get('filename'),
                                  frame_dir=info.get('frame_dir'), clip_key=key, part=part,
                                  rows=rows, cache_dir=self.cache_dir,
                                  cache_token=self.cache_token))
        if absent:
            raise FeatureCacheError(
                f'{len(absent)} clips of {name} are not in the feature cache {self.cache_dir} '
                f'as this split needs them: {_shown(absent)}. The cache holds the splits (and '
                f'folds) it was extracted for; rebuild: {rebuild_hint(self.cache_dir)}')
        if changed:
            raise FeatureCacheError(
                f'{len(changed)} clips changed since the feature cache {self.cache_dir} was '
                f'made: {_shown(changed)}; {refresh_hint(self.cache_dir)}')
        if reread and not changed:
            MMLogger.get_current_instance().info(
                f'{reread} videos {name} were read whole to check them against the feature '
                f'cache (moved or copied since it was made; unchanged): `python '
                f'tools/extract_features.py CONFIG --out {self.cache_dir} --refresh` records '
                'them, so that later starts only stat them.')
        if unfinished:
            raise FeatureCacheError(
                f'the feature cache {self.cache_dir} is incomplete ({unfinished} views of this '
                f'split not extracted): run `python tools/extract_features.py CONFIG --out '
                f'{self.cache_dir}` again to finish it')
        return data_list

    def get_data_info(self, idx: Union[int, Tuple[int, int]]) -> dict:
        """The data info of clip ``idx``; ``(clip, view)`` for training views.

        ``CachedViewSampler`` gives ``(clip, view)`` pairs; a plain index is
        the test view (``views='test'``) and an error for training views,
        whose view only the sampler (which knows the epoch) can choose.
        """
        if isinstance(idx, (tuple, list)):
            idx, view = idx
        elif self.views == 'train':
            raise TypeError(
                f'{type(self).__name__}(views=\'train\') gets (clip, view) pairs from its '
                f'sampler: set the dataloader\'s sampler=dict(type=\'CachedViewSampler\', '
                f'shuffle=True), got index {idx!r}')
        else:
            view = 0
        info = super().get_data_info(idx)
        if not 0 <= view < len(info['rows']):
            raise IndexError(f'view {view} of clip {info["clip_key"]}: the cache has '
                             f'{len(info["rows"])} views of it')
        info['row'] = info.pop('rows')[view]
        return info

    def check_encoder(self, model: nn.Module, model_cfg: dict) -> None:
        """Raise unless the cache was extracted by this model's frozen encoder.

        A model without its image encoder (``CachedFeatureEncoder``) is
        compared by its CLIP settings and any loaded checkpoint's fingerprint,
        then takes the cache's record of the encoder's weights (what its
        checkpoints carry).

        Args:
            model (nn.Module): The built model, weights loaded.
            model_cfg (dict): Its config.
        """
        # a model without its image encoder (CachedFeatureEncoder) has the cache's record of it
        record = None if getattr(model.backbone, 'takes_clip', True) else self.cache_meta[
            'encoder']
        diffs = fingerprint_differences(
            self.cache_meta, dict(encoder=encoder_fingerprint(model, model_cfg, record)),
            'in this model')
        if diffs:
            raise FeatureCacheError(
                f'the feature cache {self.cache_dir} is stale (made with other settings): '
                f'{_shown(diffs)}. Rebuild it for these settings: '
                f'{rebuild_hint(self.cache_dir)}; or go back to the settings it was made with')
        if record is not None:  # what its checkpoints will carry
            model.backbone.frozen_fingerprint = record['weights']
