"""Run the frozen encoder once over a dataset and cache what the trainable parts need.

    python tools/extract_features.py configs/ous_demo.py [--out DIR] [--splits train val test]

Writes float16 memory maps per split (see ous_mm/datasets/feature_cache.py), with a progress
bar; an interrupted run resumes where it stopped. Frames are sampled with the config's test
pipeline (fixed per clip). Train from the cache with a config that sets
``feature_cache = DIR`` and uses CachedFeatureDataset (configs/ous_demo_cached.py).
"""
import argparse
import json
import os
import os.path as osp

import numpy as np
import torch
from mmengine.config import Config, DictAction
from mmengine.dataset import pseudo_collate
from mmengine.registry import init_default_scope
from mmengine.runner import set_random_seed
from torch.utils.data import DataLoader, Subset
from tqdm import tqdm

import ous_mm  # noqa: F401
from mmaction.registry import DATASETS, MODELS
from ous_mm.datasets.feature_cache import open_cache


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('config')
    parser.add_argument('--out', help='cache folder (default: the config\'s feature_cache, '
                        'else work_dirs/feature_cache/<config name>)')
    parser.add_argument('--splits', nargs='+', default=['train', 'val', 'test'])
    parser.add_argument('--batch-size', type=int, default=16)
    parser.add_argument('--num-workers', type=int, default=2)
    parser.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    return parser.parse_args()


def encoder_settings(cfg) -> dict:
    """What the cached features depend on: written to and checked against meta.json."""
    return json.loads(json.dumps(dict(backbone=cfg.model.backbone.to_dict(),
                                      num_frames=cfg.model.neck.num_frames,
                                      scene_stride=cfg.model.get('scene_stride', 1),
                                      streams=list(cfg.model.neck.get('streams',
                                                                      ('face', 'scene'))),
                                      pipeline=cfg.test_dataloader.dataset.pipeline),
                                 default=str))


def extract_split(cfg, model, split: str, out: str, args) -> None:
    dataset = DATASETS.build(dict(cfg[f'{split}_dataloader'].dataset,
                                  pipeline=cfg.test_dataloader.dataset.pipeline))
    split_dir = osp.join(out, split)
    settings = encoder_settings(cfg)
    cache = None
    if osp.isfile(osp.join(split_dir, 'meta.json')):
        cache = open_cache(split_dir, 'r+')
        if cache['meta']['encoder'] != settings or cache['meta']['num_clips'] != len(dataset):
            raise SystemExit(f'{split_dir} holds features of other encoder settings or another '
                             'dataset: delete it or choose another --out')
    todo = [i for i in range(len(dataset)) if cache is None or not cache['done'][i]]
    print(f'{split}: {len(dataset)} clips, {len(dataset) - len(todo)} cached, {len(todo)} to do')
    loader = DataLoader(Subset(dataset, todo), batch_size=args.batch_size,
                        num_workers=args.num_workers, collate_fn=pseudo_collate)
    position = 0
    for batch in tqdm(loader, desc=split, unit='batch'):
        rows = todo[position:position + len(batch['data_samples'])]
        position += len(rows)
        with torch.no_grad():
            data = model.data_preprocessor(batch, False)
            feats = {k: v.cpu().numpy() for k, v in model.encode(data['inputs']).items()}
        if cache is None:
            os.makedirs(split_dir, exist_ok=True)
            labels = np.array([int(dataset.get_data_info(i)['label']) for i in range(len(dataset))])
            np.save(osp.join(split_dir, 'labels.npy'), labels)
            np.zeros(len(dataset), np.uint8).tofile(osp.join(split_dir, 'done.u8'))
            meta = dict(num_clips=len(dataset), encoder=settings,
                        classes=list(dataset.metainfo['classes']),
                        clips=[dataset.get_data_info(i).get('filename') or
                               dataset.get_data_info(i).get('frame_dir')
                               for i in range(len(dataset))],
                        shapes={k: [len(dataset), *v.shape[1:]] for k, v in feats.items()})
            for name, shape in meta['shapes'].items():
                np.memmap(osp.join(split_dir, f'{name}.f16'), np.float16, 'w+', shape=tuple(shape))
            with open(osp.join(split_dir, 'meta.json'), 'w') as f:
                json.dump(meta, f)
            cache = open_cache(split_dir, 'r+')
        for name, value in feats.items():
            cache[name][rows] = value.astype(np.float16)
            cache[name].flush()
        cache['done'][rows] = 1  # only after the features are on disk
        cache['done'].flush()


def main() -> None:
    args = parse_args()
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    init_default_scope(cfg.get('default_scope', 'mmaction'))
    out = args.out or cfg.get('feature_cache') or osp.join(
        'work_dirs', 'feature_cache', osp.splitext(osp.basename(args.config))[0])
    # the Runner seeds before it builds the model: a randomly initialised encoder (the demo's)
    # then gets the same weights here as in training
    randomness = cfg.get('randomness') or {}
    if randomness.get('seed') is not None:
        set_random_seed(randomness['seed'], deterministic=randomness.get('deterministic', False))
    model = MODELS.build(cfg.model).to(args.device).eval()
    for split in args.splits:
        extract_split(cfg, model, split, out, args)
    print(f'feature cache: {out}')


if __name__ == '__main__':
    main()
