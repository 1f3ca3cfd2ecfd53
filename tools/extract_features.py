"""Run the frozen encoder once over a dataset's clips and cache what the trainable parts need.

    python tools/extract_features.py configs/ous_dfew.py --out work_dirs/feature_cache/ous_dfew \
        [--views 8] [--folds 1 2 3 4 5] [--refresh]

Every clip of the config's splits, over all folds (a DFEW-style dataset with `fold`: 1-5 unless
--folds says otherwise), is encoded once into one cache that every fold's training reads: its
test view (the test pipeline's frames) and, for each clip of a training split, --views training
views (the training pipeline's own random sampling, seeded per clip and view; see
ous_mm/datasets/feature_views.py). Float16 memory maps with checksums (see
ous_mm/datasets/feature_cache.py), a progress bar, and resuming: an interrupted run continues
where it stopped, into a cache whose fingerprint (frozen encoder, pipelines, views, seed,
clips, labels, each clip's content) matches the config's; anything else stops with an error
naming the file, clip or setting. --refresh re-extracts the clips whose files changed and the
rows whose checksum fails. Train from the cache with a config that uses CachedFeatureDataset,
CachedViewSampler and FeatureCacheCheckHook (configs/ous/*-cached*.py).
"""
import argparse
import os.path as osp
from typing import Dict, List, Optional, Tuple

import numpy as np
import torch
from mmaction.registry import DATASETS
from mmengine.config import Config, DictAction
from mmengine.dataset import pseudo_collate
from torch.utils.data import DataLoader
from tqdm import tqdm

from ous_mm.apis import init_model, load_config
from ous_mm.datasets.feature_cache import (PARTS, FeatureCache, FeatureCacheError, rebuild_hint,
                                           refresh_hint, view_bytes)
from ous_mm.datasets.feature_cache_fingerprint import (clip_content, clip_key, content_change,
                                                       encoder_fingerprint, feature_shapes,
                                                       fingerprint_differences, jsonable,
                                                       stat_is_current)
from ous_mm.datasets.feature_views import TEST_VIEW, ClipViews

SPLITS = ('train', 'val', 'test')


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('config')
    parser.add_argument('--out', help='cache folder (default: the config\'s feature_cache, '
                        'else work_dirs/feature_cache/<config name>)')
    parser.add_argument('--views', type=int, default=8,
                        help='training views per clip (K; 0: the test view only)')
    parser.add_argument('--folds', type=int, nargs='+',
                        help='folds to cover (default: 1-5 for datasets with folds)')
    parser.add_argument('--seed', type=int,
                        help='seed of the training views (default: the config\'s randomness.seed)')
    parser.add_argument('--refresh', action='store_true',
                        help='re-extract clips whose files changed and rows that fail their '
                        'checksum')
    parser.add_argument('--batch-size', type=int, default=16)
    parser.add_argument('--num-workers', type=int, default=2)
    parser.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    return parser.parse_args()


def collect_clips(cfg: Config, folds: List[Optional[int]]) -> Tuple[List[str], dict, dict, set]:
    """Every clip of the config's splits over ``folds``, each once.

    Returns:
        tuple: The sorted clip keys, their data infos and labels (by key), and
        the keys of clips in a training split (those get training views).
    """
    infos, labels, where, trained = {}, {}, {}, set()
    for fold in folds:
        for split in SPLITS:
            # only its data list is read: no packing of it for loader workers (MMEngine's
            # serialize_data, which also runs a gc.collect(): 0.3 s a dataset in a big process)
            source = dict(cfg[f'{split}_dataloader'].dataset, pipeline=[], serialize_data=False)
            if fold is not None:
                source['fold'] = fold
            dataset = DATASETS.build(source)
            for i in range(len(dataset)):
                info = dataset.get_data_info(i)
                key, label = clip_key(info), int(info['label'])
                if key in labels and labels[key] != label:
                    raise SystemExit(f'error: clip {key} has label {labels[key]} in '
                                     f'{where[key]} and {label} in {dataset.ann_file}: a clip '
                                     'can have one cached label; fix the split files')
                infos.setdefault(key, info)
                labels[key], where[key] = label, dataset.ann_file
                if split == 'train':
                    trained.add(key)
    return sorted(infos), infos, labels, trained


def open_or_create(out: str, meta: dict, infos: Dict[str, dict], refresh: bool) -> FeatureCache:
    """The cache at ``out``: checked and resumed, refreshed, or created."""
    if not osp.isfile(osp.join(out, 'meta.json')):
        content = [clip_content(infos[key]) for key in tqdm(meta['clips'], desc='fingerprints')]
        return FeatureCache.create(out, meta, content)
    cache = FeatureCache(out, 'r+')
    diffs = fingerprint_differences(cache.meta, meta, 'in this config')
    if diffs:
        shown = '; '.join(diffs[:5]) + (f'; ... ({len(diffs)} in all)' if len(diffs) > 5 else '')
        raise FeatureCacheError(
            f'the feature cache {out} is stale (made with other settings): {shown}. Rebuild it '
            f'for these settings: {rebuild_hint(out)}; or go back to the settings it was made with')
    changed = [(i, change) for i, key in enumerate(cache.clips)
               for change in [content_change(cache.content[i], infos[key])] if change]
    if changed and not refresh:
        shown = '; '.join(f'clip {cache.clips[i]}: {c}' for i, c in changed[:5])
        raise FeatureCacheError(f'{len(changed)} clips changed since the feature cache {out} was '
                                f'made: {shown}; {refresh_hint(out)}')
    if refresh:
        content = list(cache.content)
        # the changed clips, and the unchanged ones whose stat moved (a copied dataset: each
        # start would read them whole again)
        restat = {i for i, key in enumerate(cache.clips)
                  if not stat_is_current(cache.content[i], infos[key])}
        for i in sorted(restat | {i for i, _ in changed}):
            content[i] = clip_content(infos[cache.clips[i]])
        for i, _ in changed:
            for part in PARTS:
                cache.clear(part, cache.rows_of(i, part))
        damaged = {part: [r for r in tqdm(range(cache.num_rows(part)), desc=f'verify {part}')
                          if not cache.missing_rows(part, [r]) and not cache.row_intact(part, r)]
                   for part in PARTS}
        for part, rows in damaged.items():
            cache.clear(part, rows)
        cache.set_content(content)  # after the rows are cleared: a kill leaves them to redo
        print(f'refresh: {len(changed)} changed clips, '
              f'{sum(map(len, damaged.values()))} damaged rows to re-extract')
    return cache


def main() -> None:
    args = parse_args()
    cfg = load_config(args.config, args.cfg_options)
    out = args.out or cfg.get('feature_cache') or osp.join(
        'work_dirs', 'feature_cache', osp.splitext(osp.basename(args.config))[0])
    if osp.isfile(osp.join(out, 'meta.json')):
        try:  # a damaged cache is named before the encoder is built (ViT-L/14: a minute)
            FeatureCache(out)
        except FeatureCacheError as e:
            raise SystemExit(f'error: {e}')
    # seeded as the Runner seeds: a randomly initialised encoder (the demo's) gets the same
    # weights here as in training (the fingerprint checks it)
    model = init_model(cfg, device=args.device)
    has_folds = 'fold' in cfg.train_dataloader.dataset
    folds = (args.folds or [1, 2, 3, 4, 5]) if has_folds else [None]
    seed = args.seed if args.seed is not None else (cfg.get('randomness') or {}).get('seed', 0)
    keys, infos, labels, trained = collect_clips(cfg, folds)
    train_keys = [k for k in keys if k in trained] if args.views else []
    train_row = {k: i for i, k in enumerate(train_keys)}
    shapes = feature_shapes(model)
    meta = jsonable(dict(
        clips=keys, labels=[labels[k] for k in keys],
        train_rows=[train_row.get(k, -1) for k in keys], num_views=args.views, seed=seed,
        shapes=shapes, classes=list(DATASETS.build(dict(
            cfg.test_dataloader.dataset, pipeline=[], serialize_data=False)).metainfo['classes']),
        encoder=encoder_fingerprint(model, cfg.model),
        pipelines=dict(train=cfg.train_dataloader.dataset.pipeline,
                       test=cfg.test_dataloader.dataset.pipeline)))
    views = len(keys) + args.views * len(train_keys)
    size = view_bytes(shapes)
    print(f'{len(keys)} clips ({"folds " + " ".join(map(str, folds)) if has_folds else "all"}'
          f' splits): {len(keys)} test views + {args.views} training views x '
          f'{len(train_keys)} clips = {views} views of {size} bytes = '
          f'{views * size / 2**30:.2f} GiB')
    try:
        cache = open_or_create(out, meta, infos, args.refresh)
    except FeatureCacheError as e:  # a damaged or stale cache: the message says what to do
        raise SystemExit(f'error: {e}')
    items = [(part, row, key, view) for i, key in enumerate(keys)
             for part in PARTS for row, view in zip(
                 cache.rows_of(i, part), [TEST_VIEW] if part == 'test' else range(args.views))]
    todo = [item for item in items if cache.missing_rows(item[0], [item[1]])]
    print(f'{len(items)} views, {len(items) - len(todo)} cached, {len(todo)} to do')
    dataset = ClipViews([(infos[key], key, view) for _, _, key, view in todo],
                        cfg.train_dataloader.dataset.pipeline,
                        cfg.test_dataloader.dataset.pipeline, seed)
    loader = DataLoader(dataset, batch_size=args.batch_size, num_workers=args.num_workers,
                        collate_fn=pseudo_collate)
    position = 0
    for batch in tqdm(loader, desc='views', unit='batch'):
        batch_items = todo[position:position + len(batch['data_samples'])]
        position += len(batch_items)
        frames = np.stack(batch.pop('frame_inds'))
        with torch.no_grad():
            data = model.data_preprocessor(batch, False)
            feats = {k: v.cpu().numpy() for k, v in model.encode(data['inputs']).items()}
        feats['frames'] = frames
        for part in PARTS:
            index = [j for j, item in enumerate(batch_items) if item[0] == part]
            if index:
                cache.write(part, [batch_items[j][1] for j in index],
                            {name: value[index] for name, value in feats.items()})
    print(f'feature cache: {out}')


if __name__ == '__main__':
    main()
