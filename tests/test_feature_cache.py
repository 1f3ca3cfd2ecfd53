"""The feature cache: the pipeline's views, one per epoch, resumable, never stale or damaged."""
import json
import os
import os.path as osp
import re
import shutil

import numpy as np
import open_clip
import pytest
import torch
from mmaction.registry import DATASETS, HOOKS, MODELS
from mmengine.config import Config
from mmengine.dataset import Compose, pseudo_collate
from mmengine.hooks import Hook
from mmengine.registry import init_default_scope
from mmengine.runner import Runner, set_random_seed

import ous_mm  # noqa: F401
from ous_mm.datasets import CachedViewSampler, FeatureCache, FeatureCacheError
from ous_mm.datasets.cached_view_sampler import epoch_views
from ous_mm.datasets.feature_cache_fingerprint import clip_content, clip_key, content_change
from ous_mm.datasets.feature_views import TEST_VIEW, run_pipeline, seeded, view_seed
from conftest import DEMO_CONFIG, REPO, run, run_here

init_default_scope('mmaction')
CACHED_CONFIG = osp.join(REPO, 'configs', 'ous', 'ous_vit-tiny-random_1xb16-20e_demo-cached.py')
TEST_VIEW_CONFIG = osp.join(REPO, 'configs', 'ous',
                            'ous_vit-tiny-random_1xb16-20e_demo-cached-test-view.py')
SPLITS = ('train', 'val', 'test')
K = 3  # training views per clip


def extract(cache: str, root: str, *options: str, refresh: bool = False) -> None:
    """``tools/extract_features.py`` as from the command line, in this process (no start-up)."""
    run_here('tools/extract_features.py', DEMO_CONFIG, '--out', cache, '--views', str(K),
             '--num-workers', '0', *(['--refresh'] if refresh else []), '--cfg-options',
             *[f'{s}_dataloader.dataset.data_root={root}' for s in SPLITS], *options)


def cached_cfg(root: str, cache: str, config: str = CACHED_CONFIG, **options) -> Config:
    cfg = Config.fromfile(config)
    cfg.merge_from_dict({f'{s}_dataloader.dataset.{key}': value for s in SPLITS
                         for key, value in (('cache_dir', cache), ('source.data_root', root))})
    cfg.merge_from_dict(options)
    return cfg


def cached_dataset(root: str, cache: str, split: str = 'test', **options):
    return DATASETS.build(cached_cfg(root, cache, **options)[f'{split}_dataloader'].dataset)


@pytest.fixture(scope='module')
def cache_setup(tmp_path_factory):
    """A finished cache of a small demo set, all 5 folds (its random encoder, as the Runner's)."""
    from ous_mm.testing import make_demo_dataset
    tmp = tmp_path_factory.mktemp('cache')
    root = str(tmp / 'data')
    # 16 frames a clip for T = 8: the training pipeline has 2 frames to draw from per segment
    make_demo_dataset(root, clips_per_class=5, num_frames=16, size=64, seed=2)
    cache = str(tmp / 'features')
    extract(cache, root)
    return root, cache


@pytest.fixture
def cache_copy(cache_setup, tmp_path):
    root, cache = cache_setup
    copy = str(tmp_path / 'features')
    shutil.copytree(cache, copy)
    return root, copy


@pytest.fixture
def data_copy(cache_setup, tmp_path):
    """A copy of the data and the cache, for tests that change clips."""
    root, cache = cache_setup
    shutil.copytree(root, tmp_path / 'data')
    shutil.copytree(cache, tmp_path / 'features')
    return str(tmp_path / 'data'), str(tmp_path / 'features')


def demo_model(root: str):
    cfg = Config.fromfile(DEMO_CONFIG)
    for split in SPLITS:
        cfg[f'{split}_dataloader'].dataset.data_root = root
    set_random_seed(cfg.randomness.seed)  # as the Runner: the demo's random encoder
    return cfg, MODELS.build(cfg.model).eval()


def test_views_are_the_pipelines_frames_and_features(cache_setup):
    root, cache = cache_setup
    cfg, model = demo_model(root)
    files = FeatureCache(cache)
    assert files.meta['num_views'] == K and len(files.clips) == 35  # every clip of the 5 folds
    live = DATASETS.build(dict(cfg.train_dataloader.dataset, pipeline=[]))
    train, test = Compose(cfg.train_dataloader.dataset.pipeline), Compose(
        cfg.test_dataloader.dataset.pipeline)
    frames_seen = set()
    for i in (0, 5):
        info = live.get_data_info(i)
        key = clip_key(info)
        clip = files.index[key]
        samples, cached = [], []
        for view, row in zip([TEST_VIEW, *range(K)],
                             [*files.rows_of(clip, 'test'), *files.rows_of(clip, 'train')]):
            # the live pipeline under the view's seed: the same frames as the cache's
            with seeded(view_seed(files.meta['seed'], key, view)):
                sample, frames = run_pipeline(test if view == TEST_VIEW else train, info)
            stored = files.read('test' if view == TEST_VIEW else 'train', row)
            np.testing.assert_array_equal(stored['frames'], frames)
            frames_seen.add(tuple(frames))
            samples.append(sample)
            cached.append(stored)
        with torch.no_grad():
            data = model.data_preprocessor(pseudo_collate(samples), False)
            live_feats = model.encode(data['inputs'])
        for name in ('face', 'scene', 'early'):
            stored = torch.from_numpy(np.stack([c[name] for c in cached]).astype(np.float32))
            # float16 storage of the same encoder outputs
            torch.testing.assert_close(stored, live_feats[name], atol=2e-2, rtol=1e-2)
    # the training views are augmented: the sampled frames vary between views
    assert len(frames_seen) > 2


def test_cached_and_live_logits_match(cache_setup):
    root, cache = cache_setup
    cfg, model = demo_model(root)
    live_ds = DATASETS.build(cfg.test_dataloader.dataset)
    cached_ds = cached_dataset(root, cache)
    cached_ds.check_encoder(model, cfg.model)  # FeatureCacheCheckHook's check passes
    n = len(live_ds)
    assert len(cached_ds) == n == 7
    with torch.no_grad():
        live = model.data_preprocessor(pseudo_collate([live_ds[i] for i in range(n)]), False)
        live_logits = model.cls_head(model.extract_feat(live['inputs'])[0]['fused'])
        items = pseudo_collate([cached_ds[i] for i in range(n)])
        inputs = {k: torch.stack(v) for k, v in items['inputs'].items()}
        cached_logits = model.cls_head(model.extract_feat(inputs)[0]['fused'])
    # float16 storage: logits (scale 100 x cosine) agree to within 0.1
    assert (live_logits - cached_logits).abs().max() < 0.1
    assert torch.equal(live_logits.argmax(1), cached_logits.argmax(1))
    labels = [int(s.gt_label) for s in items['data_samples']]
    assert labels == [int(live_ds[i]['data_samples'].gt_label) for i in range(n)]


def test_one_view_per_clip_and_epoch(cache_setup):
    root, cache = cache_setup
    dataset = cached_dataset(root, cache, 'train')
    assert dataset.num_views == K
    sampler = CachedViewSampler(dataset, shuffle=True, seed=7)
    epochs = []
    for epoch in range(4):
        sampler.set_epoch(epoch)
        pairs = list(sampler)
        assert sorted(i for i, _ in pairs) == list(range(len(dataset)))  # each clip once
        views = dict(pairs)
        np.testing.assert_array_equal([views[i] for i in range(len(dataset))],
                                      epoch_views(7, epoch, len(dataset), K))
        epochs.append(views)
    assert len({tuple(sorted(e.items())) for e in epochs}) == 4  # the views change with the epoch
    # a sampler that starts at epoch 3 (a resumed run) draws epoch 3's views and order
    resumed = CachedViewSampler(dataset, shuffle=True, seed=7)
    resumed.set_epoch(3)
    assert list(resumed) == pairs
    # what the dataset serves is that view's cached row
    files = FeatureCache(cache)
    i, view = pairs[0]
    sample = dataset[(i, view)]
    key = dataset.get_data_info((i, view))['clip_key']
    row = files.read('train', files.rows_of(files.index[key], 'train')[view])
    np.testing.assert_array_equal(sample['inputs']['face_feat'].numpy(),
                                  row['face'].astype(np.float32))
    # training views are only served through the sampler, which knows the epoch
    with pytest.raises(TypeError, match="sampler=dict\\(type='CachedViewSampler'"):
        dataset[0]


@HOOKS.register_module()
class RecordViewsHook(Hook):
    """Records the (clip, view) pairs the train loop's sampler gives in each epoch."""
    priority = 'LOW'  # after DistSamplerSeedHook has set the epoch
    drawn: dict = {}

    def before_train_epoch(self, runner) -> None:
        sampler = runner.train_dataloader.sampler
        self.drawn[(runner.work_dir, runner.epoch)] = list(sampler)


def test_resumed_run_draws_the_views_of_the_uninterrupted_run(cache_setup, tmp_path):
    root, cache = cache_setup
    deterministic = torch.are_deterministic_algorithms_enabled()

    def train(work_dir: str, epochs: int, resume: bool) -> Runner:
        cfg = cached_cfg(root, cache, **{'train_cfg.max_epochs': epochs})
        cfg.custom_hooks.append(dict(type='RecordViewsHook'))
        cfg.work_dir, cfg.resume = work_dir, resume
        cfg.experiment_name = f'{osp.basename(work_dir)}_{epochs}'
        runner = Runner.from_cfg(cfg)
        runner.train()
        return runner

    try:
        straight, resumed = str(tmp_path / 'straight'), str(tmp_path / 'resumed')
        # the demo's random encoder, drawn by the Runner: FeatureCacheCheckHook finds it the
        # cache's
        runner = train(straight, 2, False)
        train(resumed, 1, False)
        train(resumed, 2, True)  # resumes from epoch_1.pth
    finally:
        torch.use_deterministic_algorithms(deterministic)
    assert 'FeatureCacheCheckHook' in [type(h).__name__ for h in runner.hooks]
    assert osp.isfile(osp.join(straight, 'epoch_2.pth'))
    drawn = RecordViewsHook.drawn
    assert drawn[(resumed, 1)] == drawn[(straight, 1)] != drawn[(straight, 0)]
    assert drawn[(resumed, 0)] == drawn[(straight, 0)]


def test_extraction_resumes(cache_copy, capsys):
    root, cache = cache_copy
    dataset = cached_dataset(root, cache, 'train')
    rows = [dataset.get_data_info(pair)['row'] for pair in ((0, 1), (3, 2))]
    done = np.memmap(osp.join(cache, 'train', 'done.u8'), np.uint8, 'r+')
    done[rows] = 0  # as if the run had been interrupted before these two views
    done.flush()
    before = np.fromfile(osp.join(cache, 'train', 'face.f16'), np.float16).copy()
    with pytest.raises(FeatureCacheError, match=r'is incomplete \(2 views of this split'):
        cached_dataset(root, cache, 'train')
    extract(cache, root)
    out = capsys.readouterr().out
    # clips held out for validation in every fold whose training list has them get no
    # training views
    files = FeatureCache(cache)
    views = files.num_rows('test') + files.num_rows('train')
    assert views == 35 + K * sum(r >= 0 for r in files.meta['train_rows'])
    assert f'{views} views, {views - 2} cached, 2 to do' in out
    assert np.fromfile(osp.join(cache, 'train', 'done.u8'), np.uint8).all()
    np.testing.assert_array_equal(np.fromfile(osp.join(cache, 'train', 'face.f16'), np.float16),
                                  before)
    extract(cache, root)  # nothing left
    assert f'{views} cached, 0 to do' in capsys.readouterr().out


@pytest.mark.parametrize('file', ['meta.json', 'clips.json', 'test/face.f16', 'train/early.f16',
                                  'train/frames.i32', 'train/crc.u32', 'test/done.u8'])
def test_damaged_file_is_an_error_naming_it(cache_copy, file):
    root, cache = cache_copy
    path = osp.join(cache, file)
    with open(path, 'r+b') as f:  # a zero-byte file (a full disk, a kill, a bad copy)
        f.truncate(0)
    # extraction: no "0 to do" over a damaged file, and no file grown by mapping it
    with pytest.raises(SystemExit) as error:
        extract(cache, root)
    assert f'{path} ' in str(error.value) and osp.getsize(path) == 0
    assert f'delete {cache} and run `python tools/extract_features.py' in str(error.value)
    # training: the dataset is never built over it
    with pytest.raises(FeatureCacheError) as error:
        cached_dataset(root, cache, 'train')
    assert f'{path} ' in str(error.value) and f'delete {cache} and run' in str(error.value)


def test_damaged_view_is_an_error_naming_it_and_refresh_repairs_it(cache_copy):
    root, cache = cache_copy
    dataset = cached_dataset(root, cache, 'train')
    info = dataset.get_data_info((2, 1))
    path = osp.join(cache, 'train', 'scene.f16')
    files = FeatureCache(cache)
    block = int(np.prod(files.meta['shapes']['scene'])) * 2
    with open(path, 'r+b') as f:  # one flipped byte inside that view's row
        f.seek(info['row'] * block + 7)
        byte = f.read(1)
        f.seek(info['row'] * block + 7)
        f.write(bytes([byte[0] ^ 0x10]))
    with pytest.raises(FeatureCacheError) as error:
        dataset[(2, 1)]
    message = str(error.value)
    assert f'{path} is damaged: the row of clip {info["clip_key"]}, training view 1' in message
    assert f'tools/extract_features.py CONFIG --out {cache} --refresh' in message
    dataset[(2, 0)]  # the clip's other views are intact
    extract(cache, root, refresh=True)
    assert FeatureCache(cache).row_intact('train', info['row'])
    np.testing.assert_array_equal(
        cached_dataset(root, cache, 'train')[(2, 1)]['inputs']['scene_feat'].numpy(),
        dataset.pipeline(dataset.get_data_info((2, 1)))['inputs']['scene_feat'].numpy())


def test_changed_clip_is_an_error_naming_it(data_copy):
    """Issue 18: another clip's video (and boxes) under a clip's name; boxes emptied; a copy."""
    root, cache = data_copy
    dataset = cached_dataset(root, cache, 'test')
    first, other = [dataset.get_data_info(i) for i in (0, 1)]
    key = first['clip_key']
    video = first['filename']
    shutil.copy(other['filename'], video)
    with open(osp.join(root, 'face_boxes', other['clip_key'] + '.json')) as f:
        boxes = json.load(f)
    with open(osp.join(root, 'face_boxes', key + '.json'), 'w') as f:
        json.dump(dict(boxes, video=osp.basename(video)), f)  # as if detected on it
    with pytest.raises(FeatureCacheError) as error:
        cached_dataset(root, cache, 'test')
    message = str(error.value)
    assert 'clips changed since the feature cache' in message
    assert f'clip {key}: {video} has ' in message
    assert f'tools/extract_features.py CONFIG --out {cache} --refresh' in message
    with pytest.raises(SystemExit, match=f'clip {key}: {video} has '):
        extract(cache, root)
    extract(cache, root, refresh=True)  # re-extracts that clip's views
    assert len(cached_dataset(root, cache, 'test')) == 7
    # every face box set to null: the face stream's source changed
    box_file = osp.join(root, 'face_boxes', other['clip_key'] + '.json')
    with open(box_file) as f:
        content = json.load(f)
    content['boxes'] = [None] * len(content['boxes'])
    with open(box_file, 'w') as f:
        json.dump(content, f)
    with pytest.raises(FeatureCacheError, match=f'the face-box file {box_file} changed'):
        cached_dataset(root, cache, 'test')
    extract(cache, root, refresh=True)
    # a copy (new modification time, same bytes) is the same clip: the sampled chunks say so
    shutil.copy(video, video + '.bak')
    os.replace(video + '.bak', video)
    assert len(cached_dataset(root, cache, 'test')) == 7


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
    root, cache = cache_setup
    key, value = ('randomness.seed', 1) if encoder == 'seed' else (
        'model.clip.weights', other_weights)
    with pytest.raises(SystemExit) as error:
        extract(cache, root, f'{key}={value}')
    message = str(error.value)
    assert f'the feature cache {cache} is stale' in message
    assert "encoder.weights: '" in message and 'in this config' in message
    assert f'delete {cache} and run' in message
    # training or testing from the cache with that model: FeatureCacheCheckHook refuses
    cfg = cached_cfg(root, cache, **{key: value})
    cfg.work_dir, cfg.experiment_name = str(tmp_path), f'stale_{encoder.replace(" ", "_")}'
    deterministic = torch.are_deterministic_algorithms_enabled()
    try:
        runner = Runner.from_cfg(cfg)
        with pytest.raises(FeatureCacheError) as error:
            runner.test()
    finally:
        torch.use_deterministic_algorithms(deterministic)
    message = str(error.value)
    assert f'the feature cache {cache} is stale' in message
    # the cached model builds no image tower: its CLIP's text tower tells the other encoder
    assert "encoder.text_weights: '" in message and 'in this model' in message


def test_cache_of_other_settings_is_refused(cache_setup):
    root, cache = cache_setup
    # another training pipeline (more frames): the views were made by another pipeline
    with pytest.raises(FeatureCacheError, match=r'stale .*pipeline\[1\]\.clip_len: 8 in the '
                       r'cache, 4 in the live dataset'):
        cached_dataset(root, cache, 'train', **{
            'train_dataloader.dataset.source.pipeline.1.clip_len': 4})
    # extraction with other views: the cache says what differs
    with pytest.raises(SystemExit, match=f'num_views: {K} in the cache, 2 in this config'):
        extract(cache, root, '--views', '2')


def test_single_view_config_and_benchmark_smoke(cache_setup, capsys):
    root, cache = cache_setup
    # the single-view config trains from the test views, through the plain sampler
    cfg = cached_cfg(root, cache, TEST_VIEW_CONFIG)
    loader = Runner.build_dataloader(cfg.train_dataloader, seed=0)
    batch = next(iter(loader))
    test_frames = FeatureCache(cache).read('test', 0)['frames']
    assert batch['inputs']['face_feat'][0].shape == (len(test_frames), 64)
    run_here('tools/benchmark.py', DEMO_CONFIG, '--iters', '1', '--warmup', '0', '--epochs', '1',
             '--batch-size', '4', '--cache-config', CACHED_CONFIG, '--cache-dir', cache,
             '--cfg-options', *[f'{s}_dataloader.dataset.data_root={root}' for s in SPLITS])
    out = capsys.readouterr().out
    for row in ('training step, CPU s', 'encoder-only forward, CPU s',
                'step / encoder-only, CPU time', 'training clips/s', 'inference clips/s',
                'peak resident memory (MiB)', 'epoch, live (s)', 'epoch, from cache (s)',
                'live / cache', 'epoch CPU s, one process: cache', 'live / cache, CPU time',
                'load average'):
        assert row in out
    assert 'loading and collation' in out
    # the step's phases, timed around the model's own modules, add up to the step
    step = float(re.search(r'training step, CPU s +([\d.]+)', out).group(1))
    phases = {name: float(re.search(rf'  {name}, CPU s +(-?[\d.]+)', out).group(1)) for name in (
        'preprocessing', 'frozen image encoder', 'text encoder', 'neck', 'heads and losses',
        'backward', 'optimizer')}
    assert all(phases[n] > 0 for n in ('frozen image encoder', 'text encoder', 'neck',
                                       'backward', 'optimizer')), phases
    assert phases['heads and losses'] >= 0, phases
    assert sum(phases.values()) == pytest.approx(step, abs=1e-3)


def test_content_fingerprint_covers_the_release_crops(tmp_path):
    """The paper configs' clips: the video file and the release's face-crop folder."""
    video = tmp_path / 'Clip' / 'original' / '00001.mp4'
    crops = tmp_path / 'Clip' / 'clip_224x224' / '00001'
    crops.mkdir(parents=True)
    video.parent.mkdir(parents=True)
    video.write_bytes(bytes(range(256)) * 100)
    for k in (1, 2, 3):
        (crops / f'00001_{k}.jpg').write_bytes(b'jpeg')
    info = dict(filename=str(video), video_root=str(video.parent), face_crop_dir=str(crops),
                face_box_root=str(tmp_path / 'face_boxes'))
    cached = clip_content(info)
    assert content_change(cached, info) is None
    (crops / '00001_3.jpg').unlink()  # a crop gone: the face stream's frames change
    assert content_change(cached, info) == (
        f'the file names in the face-crop folder {crops} changed')
    (crops / '00001_3.jpg').write_bytes(b'jpeg')
    data = bytearray(video.read_bytes())
    data[len(data) // 3] ^= 0xff  # same size, one other byte, a later time
    video.write_bytes(bytes(data))
    os.utime(video, ns=(cached['video'][1], cached['video'][1] + 10**9))
    changed = f'{video} has other content (same size, replaced or modified since)'
    assert content_change(cached, info) == changed
    # the time stamp preserved (cp -p, rsync -t, an archive): found all the same
    os.utime(video, ns=(cached['video'][1], cached['video'][1]))
    assert os.stat(video).st_mtime_ns == cached['video'][1]
    assert content_change(cached, info) == changed
    video.unlink()
    assert content_change(cached, info) == f'{video} is missing'


def test_a_replaced_clip_is_found_and_a_copied_dataset_is_not(tmp_path):
    """A clip replaced by another of the same size, its time stamp restored (``cp -p``): another
    clip; the dataset copied elsewhere with its time stamps (new inodes and change times): the
    same clips, read whole once, and recorded again by ``--refresh``."""
    from ous_mm.datasets.feature_cache_fingerprint import stat_is_current
    from ous_mm.testing import write_video
    old, new = tmp_path / 'old.mp4', tmp_path / 'new.mp4'
    write_video(str(old), np.full((6, 64, 64, 3), 40, np.uint8))
    write_video(str(new), np.full((6, 64, 64, 3), 200, np.uint8))
    size = max(old.stat().st_size, new.stat().st_size)
    for path in (old, new):  # padded to one size, as the hostile test did
        path.write_bytes(path.read_bytes().ljust(size, b'\0'))
    video = tmp_path / 'data' / '00001.mp4'
    video.parent.mkdir()
    shutil.copy2(old, video)
    info = dict(filename=str(video), video_root=str(video.parent),
                face_box_root=str(tmp_path / 'face_boxes'))
    cached = clip_content(info)
    shutil.copy2(video, tmp_path / 'copy.mp4')  # the dataset copied, times preserved
    copied = dict(info, filename=str(tmp_path / 'copy.mp4'), video_root=str(tmp_path))
    assert not stat_is_current(cached, copied) and content_change(cached, copied) is None
    assert stat_is_current(clip_content(copied), copied)
    shutil.copy2(new, video)  # replaced in place, size and time stamp the old clip's
    assert os.stat(video).st_size == cached['video'][0]
    assert os.stat(video).st_mtime_ns != cached['video'][1]  # copy2 gives new's time: restore
    os.utime(video, ns=(cached['video'][1], cached['video'][1]))
    assert content_change(cached, info) == (
        f'{video} has other content (same size, replaced or modified since)')


def test_encoder_settings_are_recorded_as_earlier_caches_recorded_them():
    """The CLIP's settings (model.clip) and the backbone's in one dict, less the weights (which
    count by content): a cache extracted before the CLIP moved to model.clip still matches."""
    from ous_mm.datasets.feature_cache_fingerprint import encoder_fingerprint
    cfg = Config.fromfile(DEMO_CONFIG)
    model = MODELS.build(cfg.model)
    assert encoder_fingerprint(model, cfg.model)['backbone'] == dict(
        type='FrozenCLIPVision', early_block=2, model_cfg=cfg.tiny_clip.model_cfg.to_dict())
    # the paper config's settings (the settings come from the config alone)
    paper = Config.fromfile(osp.join(REPO, 'configs', 'ous_dfew.py')).model
    assert encoder_fingerprint(model, paper)['backbone'] == dict(
        type='FrozenCLIPVision', early_block=4, model_name='ViT-L-14-quickgelu')


def test_a_random_encoder_without_a_seed_resumes_in_another_process(cache_setup, tmp_path):
    """A config that sets no seed (the paper's, with model.clip.weights=random) gets the same
    random CLIP in every process (model.clip.seed, 0 by default): an interrupted extraction
    resumes in another process, and training from its cache, under another random Runner seed,
    accepts it. (The demo config draws its CLIP from the run's seed: clip.seed=0 here.)"""
    root, _ = cache_setup
    cache = str(tmp_path / 'features')
    no_seed = ('randomness.seed=None', 'model.clip.seed=0')
    options = [f'{s}_dataloader.dataset.data_root={root}' for s in SPLITS] + list(no_seed)
    run_here('tools/extract_features.py', DEMO_CONFIG, '--out', cache, '--views', '1',
             '--num-workers', '0', '--cfg-options', *options)
    files = FeatureCache(cache, 'r+')
    files.clear('train', [0, 1, 2])  # as an interrupted run leaves them
    del files
    resumed = run(['python', 'tools/extract_features.py', DEMO_CONFIG, '--out', cache, '--views',
                   '1', '--num-workers', '0', '--cfg-options', *options])
    assert re.search(r'\d+ views, \d+ cached, 3 to do', resumed.stdout), resumed.stdout
    assert not FeatureCache(cache).missing_rows('train')
    run_here('tools/train.py', CACHED_CONFIG, '--work-dir', str(tmp_path / 'work'),
             '--cfg-options', 'train_cfg.max_epochs=1', *no_seed, *[
                 f'{s}_dataloader.dataset.{key}={value}' for s in SPLITS
                 for key, value in (('cache_dir', cache), ('source.data_root', root))])
    assert osp.isfile(tmp_path / 'work' / 'epoch_1.pth')
