"""Run the frozen encoder once over a dataset and cache what the trainable parts need.

    python tools/extract_features.py configs/ous_demo.py [--out DIR] [--splits train val test]

Writes float16 memory maps per split (see ous_mm/datasets/feature_cache.py), with a progress
bar; an interrupted run resumes where it stopped. Frames are sampled with the config's test
pipeline (fixed per clip). A cache resumes only if it is intact and its fingerprint (frozen
encoder weights and settings, pipeline, clips and labels) matches the config's; otherwise the
run stops with an error naming the file or folder. Train from the cache with a config that
uses CachedFeatureDataset and FeatureCacheCheckHook
(configs/ous/ous_vit-tiny-random_1xb16-20e_demo-cached.py).
"""
import argparse
import io
import json
import os
import os.path as osp

import numpy as np
import torch
from mmengine.config import Config, DictAction
from mmengine.dataset import pseudo_collate
from torch.utils.data import DataLoader, Subset
from tqdm import tqdm

from ous_mm.apis import init_model, split_dataset
from ous_mm.datasets.feature_cache import (FeatureCacheError, check_fingerprint, data_fingerprint,
                                           encoder_fingerprint, open_cache)
from ous_mm.fileio import AtomicLocalBackend


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


def create_cache(split_dir: str, fingerprint: dict, feats: dict) -> dict:
    """Allocate a split's files; ``meta.json`` last, so a kill leaves no cache to resume.

    Args:
        split_dir (str): ``<out>/<split>``.
        fingerprint (dict): ``encoder`` and the data fingerprint, for ``meta.json``.
        feats (dict): The first batch's features (their shapes per clip).

    Returns:
        dict: The cache opened in ``r+`` mode (see ``open_cache``).
    """
    num = len(fingerprint['clips'])
    os.makedirs(split_dir, exist_ok=True)
    shapes = {name: [num, *value.shape[1:]] for name, value in feats.items()}
    for name, shape in shapes.items():
        np.memmap(osp.join(split_dir, f'{name}.f16'), np.float16, 'w+', shape=tuple(shape))
    np.zeros(num, np.uint8).tofile(osp.join(split_dir, 'done.u8'))
    files = AtomicLocalBackend()
    labels = io.BytesIO()
    np.save(labels, np.array(fingerprint['labels'], np.int64))
    files.put(labels.getvalue(), osp.join(split_dir, 'labels.npy'))
    meta = dict(num_clips=num, shapes=shapes, **fingerprint)
    files.put_text(json.dumps(meta), osp.join(split_dir, 'meta.json'))
    return open_cache(split_dir, 'r+')


def extract_split(cfg: Config, model: torch.nn.Module, split: str, out: str,
                  args: argparse.Namespace) -> None:
    """Extract (or finish) the cache of one split.

    Args:
        cfg (Config): The live config.
        model (torch.nn.Module): The model built from it.
        split (str): ``'train'``, ``'val'`` or ``'test'``.
        out (str): The cache folder.
        args (argparse.Namespace): The command-line arguments.
    """
    pipeline = cfg.test_dataloader.dataset.pipeline
    dataset = split_dataset(cfg, split)  # with the test pipeline: each clip's frames fixed
    split_dir = osp.join(out, split)
    fingerprint = dict(encoder=encoder_fingerprint(model, cfg.model),
                       **data_fingerprint(dataset, pipeline))
    cache = None
    if osp.isfile(osp.join(split_dir, 'meta.json')):
        cache = open_cache(split_dir, 'r+')
        check_fingerprint(split_dir, cache['meta'], fingerprint, 'in this config')
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
            cache = create_cache(split_dir, fingerprint, feats)
        for name, value in feats.items():
            cache[name][rows] = value.astype(np.float16)
            cache[name].flush()
        cache['done'][rows] = 1  # only after the features are on disk
        cache['done'].flush()


def main() -> None:
    args = parse_args()
    # seeded as the Runner seeds: a randomly initialised encoder (the demo's) gets the same
    # weights here as in training (the fingerprint checks it)
    model = init_model(args.config, device=args.device, cfg_options=args.cfg_options)
    cfg = model.cfg
    out = args.out or cfg.get('feature_cache') or osp.join(
        'work_dirs', 'feature_cache', osp.splitext(osp.basename(args.config))[0])
    try:
        for split in args.splits:
            extract_split(cfg, model, split, out, args)
    except FeatureCacheError as e:  # a damaged or stale cache: the message says what to do
        raise SystemExit(f'error: {e}')
    print(f'feature cache: {out}')


if __name__ == '__main__':
    main()
