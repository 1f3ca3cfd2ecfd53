"""The feature cache: cached = live, resuming, and never a damaged or stale cache served."""
import csv
import json
import os.path as osp
import runpy
import shutil
import sys

import numpy as np
import open_clip
import pytest
import torch
from mmaction.registry import DATASETS, MODELS
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.registry import init_default_scope
from mmengine.runner import Runner, set_random_seed

import ous_mm  # noqa: F401
from ous_mm.datasets.feature_cache import FeatureCacheError
from conftest import REPO, run
from test_train_ous import DEMO_CONFIG

init_default_scope('mmaction')
CACHED_CONFIG = osp.join(REPO, 'configs', 'ous',
                         'ous_vit-tiny-random_1xb16-20e_demo-cached.py')
SPLITS = ('train', 'val', 'test')
TEST_SPLIT = osp.join('EmoLabel_DataSplit', 'test(single-labeled)', 'set_1.csv')
TRAIN_SPLIT = osp.join('EmoLabel_DataSplit', 'train(single-labeled)', 'set_1.csv')


def extract(cache: str, *options: str, splits=('test', )) -> None:
    """``tools/extract_features.py`` as from the command line, in this process (no start-up)."""
    argv, deterministic = sys.argv, torch.are_deterministic_algorithms_enabled()
    sys.argv = ['tools/extract_features.py', DEMO_CONFIG, '--out', cache, '--splits', *splits,
                '--num-workers', '0', '--cfg-options', *options]
    try:
        runpy.run_path(osp.join(REPO, 'tools', 'extract_features.py'), run_name='__main__')
    finally:  # the tool seeds deterministically, as the Runner does
        sys.argv = argv
        torch.use_deterministic_algorithms(deterministic)


def cached_options(root: str, cache: str) -> list:
    return [f'{s}_dataloader.dataset.{key}' for s in SPLITS for key in (
        f'cache_dir={cache}', f'source.data_root={root}')]


def cached_dataset(root: str, cache: str, split: str = 'test'):
    cfg = Config.fromfile(CACHED_CONFIG)
    cfg.merge_from_dict(dict(kv.split('=', 1) for kv in cached_options(root, cache)))
    return DATASETS.build(cfg[f'{split}_dataloader'].dataset)


@pytest.fixture(scope='module')
def cache_setup(tmp_path_factory):
    """A finished cache of the demo (its random encoder, seeded as the Runner seeds it)."""
    from ous_mm.testing import make_demo_dataset
    tmp = tmp_path_factory.mktemp('cache')
    root = str(tmp / 'data')
    make_demo_dataset(root, clips_per_class=3, num_frames=8, size=64, seed=2)
    opts = [f'{s}_dataloader.dataset.data_root={root}' for s in SPLITS]
    cache = str(tmp / 'features')
    extract(cache, *opts, splits=SPLITS)
    return root, opts, cache


@pytest.fixture
def cache_copy(cache_setup, tmp_path):
    root, opts, cache = cache_setup
    copy = str(tmp_path / 'features')
    shutil.copytree(cache, copy)
    return root, opts, copy


def test_cached_and_live_logits_match(cache_setup):
    root, opts, cache = cache_setup
    cfg = Config.fromfile(DEMO_CONFIG)
    cfg.test_dataloader.dataset.data_root = root
    set_random_seed(cfg.randomness.seed)  # as the Runner: the demo's random encoder
    model = MODELS.build(cfg.model).eval()
    live_ds = DATASETS.build(cfg.test_dataloader.dataset)
    cached_ds = cached_dataset(root, cache)
    cached_ds.check_encoder(model, cfg.model)  # FeatureCacheCheckHook's check passes
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


def test_feature_extraction_resumes(cache_copy, capsys):
    root, opts, cache = cache_copy
    done = np.memmap(osp.join(cache, 'test', 'done.u8'), np.uint8, 'r+')
    done[[1, 4]] = 0  # as if the run had been interrupted before these two
    done.flush()
    before = np.fromfile(osp.join(cache, 'test', 'face.f16'), np.float16).copy()
    extract(cache, *opts)
    assert 'test: 7 clips, 5 cached, 2 to do' in capsys.readouterr().out
    assert np.fromfile(osp.join(cache, 'test', 'done.u8'), np.uint8).all()
    np.testing.assert_array_equal(np.fromfile(osp.join(cache, 'test', 'face.f16'), np.float16),
                                  before)
    with open(osp.join(cache, 'test', 'meta.json')) as f:
        assert json.load(f)['shapes']['face'][1:] == [8, 64]
    extract(cache, *opts)  # nothing left
    assert 'test: 7 clips, 7 cached, 0 to do' in capsys.readouterr().out


def _truncate(path: str) -> None:
    with open(path, 'r+b') as f:
        f.truncate(osp.getsize(path) // 2)


def _shorten_labels(path: str) -> None:
    np.save(path, np.load(path)[:3])


@pytest.mark.parametrize('file,damage,what', [
    ('face.f16', _truncate, '3584 bytes, but meta.json says 7 clips of shape [7, 8, 64]'),
    ('done.u8', _truncate, '3 bytes, but meta.json says 7 clips'),
    ('labels.npy', _shorten_labels, '3 labels for 7 clips'),
    ('meta.json', _truncate, 'is unreadable'),
], ids=['face.f16', 'done.u8', 'labels.npy', 'meta.json'])
def test_damaged_cache_is_an_error_never_zeros(cache_copy, file, damage, what):
    root, opts, cache = cache_copy
    split_dir = osp.join(cache, 'test')
    path = osp.join(split_dir, file)
    damage(path)
    size = osp.getsize(path)
    # extraction: no "0 to do" over a damaged file, and no file grown by mapping it
    with pytest.raises(SystemExit) as error:
        extract(cache, *opts)
    message = str(error.value)
    assert f'{path} ' in message and what in message
    assert f'delete {split_dir} and run `python tools/extract_features.py' in message
    assert osp.getsize(path) == size
    # training: the dataset is never built over it (no zeros, no shorter dataset)
    with pytest.raises(FeatureCacheError) as error:
        cached_dataset(root, cache)
    assert f'{path} ' in str(error.value) and what in str(error.value)
    assert f'delete {split_dir} and run' in str(error.value)


@pytest.fixture(scope='module')
def other_weights(tmp_path_factory) -> str:
    """A weights file of the demo's CLIP architecture (another draw than the demo's encoder)."""
    torch.manual_seed(3)
    clip_cfg = Config.fromfile(DEMO_CONFIG).tiny_clip.model_cfg.to_dict()
    path = str(tmp_path_factory.mktemp('weights') / 'clip.pt')
    torch.save(open_clip.CLIP(**clip_cfg).state_dict(), path)
    return path


@pytest.mark.parametrize('encoder', ['seed', 'weights file'])
def test_cache_of_another_encoder_is_refused(cache_setup, other_weights, tmp_path, encoder):
    root, opts, cache = cache_setup
    key, value = ('randomness.seed', 1) if encoder == 'seed' else (
        'model.backbone.weights', other_weights)
    split_dir = osp.join(cache, 'test')
    with pytest.raises(SystemExit) as error:
        extract(cache, *opts, f'{key}={value}')
    message = str(error.value)
    assert f'the feature cache {split_dir} is stale' in message
    assert "encoder.weights: '" in message and 'in this config' in message
    assert f'delete {split_dir} and run' in message
    # training or testing from the cache with that model: FeatureCacheCheckHook refuses
    cfg = Config.fromfile(CACHED_CONFIG)
    cfg.merge_from_dict(dict([kv.split('=', 1) for kv in cached_options(root, cache)],
                             **{key: value}))
    cfg.work_dir, cfg.experiment_name = str(tmp_path), f'stale_{encoder.replace(" ", "_")}'
    deterministic = torch.are_deterministic_algorithms_enabled()
    try:
        runner = Runner.from_cfg(cfg)
        with pytest.raises(FeatureCacheError) as error:
            runner.test()
    finally:
        torch.use_deterministic_algorithms(deterministic)
    message = str(error.value)
    assert f'the feature cache {split_dir} is stale' in message
    assert "encoder.weights: '" in message and 'in this model' in message


def test_cache_of_another_clip_list_is_refused(cache_setup):
    root, opts, cache = cache_setup
    split_file = osp.join(root, TEST_SPLIT)
    with open(split_file) as f:
        original = f.read()
    rows = list(csv.reader(original.splitlines()))
    with open(osp.join(root, TRAIN_SPLIT)) as f:
        train = list(csv.reader(f))[1:]
    # the same count and labels, one clip swapped for a training clip of the same label
    swap = next(r for r in train if r[1] == rows[3][1])[0]
    old = rows[3][0]
    rows[3][0] = swap
    try:
        with open(split_file, 'w') as f:
            f.write('\n'.join(','.join(r) for r in rows) + '\n')
        split_dir = osp.join(cache, 'test')
        with pytest.raises(SystemExit) as error:
            extract(cache, *opts)
        message = str(error.value)
        assert f'the feature cache {split_dir} is stale' in message
        assert f'clips[2]: \'{root}/Clip/original/{int(old):05d}.mp4\' in the cache' in message
        assert f'{int(swap):05d}.mp4\' in this config' in message
        assert f'delete {split_dir} and run' in message
        with pytest.raises(FeatureCacheError) as error:
            cached_dataset(root, cache)
        assert f'the feature cache {split_dir} is stale' in str(error.value)
        assert f'{int(swap):05d}.mp4\' in the live dataset' in str(error.value)
    finally:
        with open(split_file, 'w') as f:
            f.write(original)
    assert len(cached_dataset(root, cache)) == 7  # the restored split matches again


def test_training_from_the_cache_and_benchmark_smoke(cache_setup, tmp_path):
    root, opts, cache = cache_setup
    # the demo's random encoder, drawn by the Runner: FeatureCacheCheckHook finds it the cache's
    proc = run(['python', 'tools/train.py', CACHED_CONFIG, '--work-dir', str(tmp_path),
                '--cfg-options', 'train_cfg.max_epochs=1', f'feature_cache={cache}',
                *cached_options(root, cache)])
    assert '(VERY_HIGH   ) FeatureCacheCheckHook' in proc.stdout + proc.stderr
    assert osp.isfile(tmp_path / 'epoch_1.pth')
    proc = run(['python', 'tools/benchmark.py', DEMO_CONFIG, '--iters', '1', '--warmup', '0',
                '--batch-size', '4', '--cache-config', CACHED_CONFIG, '--cache-dir', cache,
                '--cfg-options', *opts])
    for row in ('training step (s)', 'encoder-only forward (s)', 'step / encoder-only',
                'training clips/s', 'inference clips/s', 'peak resident memory (MiB)',
                'epoch, live (s)', 'epoch, from cache (s)', 'live / cache'):
        assert row in proc.stdout
