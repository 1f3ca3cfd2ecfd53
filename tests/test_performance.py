"""Scene-frame subsampling, the feature cache and the benchmark script."""
import json
import os.path as osp

import numpy as np
import open_clip
import pytest
import torch
from mmaction.registry import DATASETS, MODELS
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.registry import init_default_scope

import ous_mm  # noqa: F401
from conftest import REPO, run
from test_models import TINY, B, T, batch, model_cfg
from test_train_ous import DEMO_CONFIG, demo_options

init_default_scope('mmaction')
CACHED_CONFIG = osp.join(REPO, 'configs', 'ous_demo_cached.py')


def test_scene_stride_encodes_fewer_scene_frames():
    torch.manual_seed(0)
    full = MODELS.build(model_cfg())
    torch.manual_seed(0)
    strided = MODELS.build(model_cfg(scene_stride=2))
    encoded = []
    strided.backbone.register_forward_hook(lambda m, a, out: encoded.append(a[0].shape[0]))
    inputs, samples = batch(full)
    # a static scene: encoding every other frame must give the same result
    inputs['scene_imgs'] = inputs['scene_imgs'][:, :1].expand_as(inputs['scene_imgs']).clone()
    with torch.no_grad():
        a, _ = full.extract_feat(inputs)
        b, _ = strided.extract_feat(inputs)
    assert encoded == [B * T + B * T // 2]
    assert torch.allclose(a['fused'], b['fused'], atol=1e-5)
    losses = strided(inputs, samples, mode='loss')
    assert torch.isfinite(sum(v for k, v in losses.items() if k.startswith('loss')))
    with pytest.raises(ValueError, match='must divide num_frames'):
        MODELS.build(model_cfg(scene_stride=3))


@pytest.fixture(scope='module')
def cache_setup(tmp_path_factory):
    from ous_mm.testing import make_demo_dataset
    tmp = tmp_path_factory.mktemp('cache')
    root = str(tmp / 'data')
    make_demo_dataset(root, clips_per_class=3, num_frames=8, size=64, seed=2)
    torch.manual_seed(3)
    clip_cfg = Config.fromfile(DEMO_CONFIG).tiny_clip.model_cfg.to_dict()
    weights = str(tmp / 'clip.pt')
    torch.save(open_clip.CLIP(**clip_cfg).state_dict(), weights)
    opts = demo_options(root)[1:] + [f'model.backbone.weights={weights}']
    cache = str(tmp / 'features')
    proc = run(['python', 'tools/extract_features.py', DEMO_CONFIG, '--out', cache,
                '--num-workers', '1', '--cfg-options', *opts])
    return root, opts, cache, proc


def test_cached_and_live_logits_match(cache_setup):
    root, opts, cache, proc = cache_setup
    assert 'test: 7 clips, 0 cached, 7 to do' in proc.stdout
    cfg = Config.fromfile(DEMO_CONFIG)
    cfg.merge_from_dict(dict(kv.split('=', 1) for kv in opts if 'weights' in kv))
    cfg.test_dataloader.dataset.data_root = root
    torch.manual_seed(0)
    model = MODELS.build(cfg.model).eval()
    live_ds = DATASETS.build(cfg.test_dataloader.dataset)
    cached_cfg = Config.fromfile(CACHED_CONFIG)
    cached_ds = DATASETS.build(dict(cached_cfg.test_dataloader.dataset, cache_dir=cache))
    assert len(live_ds) == len(cached_ds) == 7
    with torch.no_grad():
        live = model.data_preprocessor(pseudo_collate([live_ds[i] for i in range(7)]), False)
        live_logits = model.cls_head(model.extract_feat(live['inputs'])[0]['fused'])
        items = pseudo_collate([cached_ds[i] for i in range(7)])
        inputs = {k: torch.stack(v) for k, v in items['inputs'].items()}
        cached_logits = model.cls_head(model.extract_feat(inputs)[0]['fused'])
    # float16 storage: logits (scale 100 x cosine) agree to within 0.1
    assert (live_logits - cached_logits).abs().max() < 0.1
    assert torch.equal(live_logits.argmax(1), cached_logits.argmax(1))
    labels = [int(s.gt_label) for s in items['data_samples']]
    assert labels == [int(live_ds[i]['data_samples'].gt_label) for i in range(7)]


def test_feature_extraction_resumes(cache_setup):
    root, opts, cache, _ = cache_setup
    done = np.memmap(osp.join(cache, 'test', 'done.u8'), np.uint8, 'r+')
    done[[1, 4]] = 0  # as if the run had been interrupted before these two
    done.flush()
    before = np.fromfile(osp.join(cache, 'test', 'face.f16'), np.float16).copy()
    proc = run(['python', 'tools/extract_features.py', DEMO_CONFIG, '--out', cache, '--splits',
                'test', '--num-workers', '1', '--cfg-options', *opts])
    assert 'test: 7 clips, 5 cached, 2 to do' in proc.stdout
    assert np.fromfile(osp.join(cache, 'test', 'done.u8'), np.uint8).all()
    np.testing.assert_array_equal(np.fromfile(osp.join(cache, 'test', 'face.f16'), np.float16),
                                  before)
    with open(osp.join(cache, 'test', 'meta.json')) as f:
        assert json.load(f)['shapes']['face'][1:] == [8, 64]


def test_training_from_the_cache_and_benchmark_smoke(cache_setup, tmp_path):
    root, opts, cache, _ = cache_setup
    cached_opts = [f'feature_cache={cache}'] + [
        f'{s}_dataloader.dataset.cache_dir={cache}' for s in ('train', 'val', 'test')] + [
        o for o in opts if 'weights' in o]
    run(['python', 'tools/train.py', CACHED_CONFIG, '--work-dir', str(tmp_path),
         '--cfg-options', 'train_cfg.max_epochs=1', *cached_opts])
    assert osp.isfile(tmp_path / 'epoch_1.pth')
    proc = run(['python', 'tools/benchmark.py', DEMO_CONFIG, '--iters', '1', '--warmup', '0',
                '--batch-size', '4', '--cache-config', CACHED_CONFIG, '--cache-dir', cache,
                '--cfg-options', *opts])
    for row in ('training step (s)', 'encoder-only forward (s)', 'step / encoder-only',
                'training clips/s', 'inference clips/s', 'peak resident memory (MiB)',
                'epoch, live (s)', 'epoch, from cache (s)', 'live / cache'):
        assert row in proc.stdout
