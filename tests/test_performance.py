"""Speed without another result: scene stride, the optimizer, decoding at the scene size, the
pipeline benchmark (the feature cache and the step benchmark: test_feature_cache.py)."""
import os.path as osp

import numpy as np
import pytest
import torch
from mmaction.registry import DATASETS, MODELS
from mmengine.config import Config
from mmengine.dataset import Compose
from mmengine.optim import build_optim_wrapper
from mmengine.registry import init_default_scope

import ous_mm  # noqa: F401
from conftest import REPO, B, T, batch, model_cfg, run_here

init_default_scope('mmaction')
PAPER_CONFIG = osp.join(REPO, 'configs', 'ous_dfew.py')


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


def test_schedule_adam_is_fused_and_the_papers_update():
    """The schedule's fused Adam is torch's Adam (the paper's optimizer): same update equations,
    one kernel over all parameters instead of a Python loop over them."""
    cfg = Config.fromfile(PAPER_CONFIG)
    assert cfg.optim_wrapper.optimizer == dict(type='Adam', lr=2e-3, fused=True)
    torch.manual_seed(0)
    module = torch.nn.ParameterList([torch.randn(s) for s in ((64, 32), (32, ), (7, 64), (1, ))])
    params = list(module.parameters())
    copies = [p.detach().clone().requires_grad_() for p in params]
    fused = build_optim_wrapper(module, cfg.optim_wrapper)
    loop = torch.optim.Adam(copies, lr=2e-3, foreach=False)
    for step in range(20):
        grads = [torch.randn_like(p) for p in params]
        for p, c, g in zip(params, copies, grads):
            p.grad, c.grad = g.clone(), g.clone()
        fused.step()
        loop.step()
    for p, c in zip(params, copies):  # float rounding only (the order of operations)
        torch.testing.assert_close(p, c, rtol=1e-6, atol=1e-7)


@pytest.fixture(scope='module')
def release_like(tmp_path_factory) -> str:
    from ous_mm.testing.release_like_dataset import make_release_like_dataset
    root = str(tmp_path_factory.mktemp('release_like'))
    make_release_like_dataset(root, num_clips=4, size=(320, 180), seconds=1.0, fps=20.0)
    return root


def test_release_clips_decode_at_the_scene_size(release_like):
    """The paper configs decode a clip with release face crops at the scene's size: the same
    scene images as the full-size decode and resize, up to the resampling filter."""
    cfg = Config.fromfile(PAPER_CONFIG)
    dataset = DATASETS.build(dict(cfg.train_dataloader.dataset, data_root=release_like,
                                  val_fraction=0, pipeline=[]))
    info = dataset.get_data_info(0)
    pipeline = cfg.test_dataloader.dataset.pipeline
    assert pipeline[0] == dict(type='CheckedDecordInit', io_backend='disk', scene_size=224)
    fast = Compose(pipeline)(dict(info))
    full = Compose([dict(pipeline[0], scene_size=None), *pipeline[1:]])(dict(info))
    fast_scene = fast['inputs']['scene_imgs'].numpy().astype(float)
    full_scene = full['inputs']['scene_imgs'].numpy().astype(float)
    assert fast_scene.shape == full_scene.shape == (16, 3, 224, 224)
    assert np.abs(fast_scene - full_scene).mean() < 4  # grey levels of 255: another filter
    np.testing.assert_array_equal(fast['inputs']['face_imgs'], full['inputs']['face_imgs'])
    # without release crops (a new video) the faces are cut from full-size frames
    decode = Compose(pipeline[:3])
    no_crops = {k: v for k, v in info.items() if k != 'face_crop_dir'}
    assert np.asarray(decode(no_crops)['imgs'][0]).shape == (180, 320, 3)
    assert np.asarray(decode(dict(info))['imgs'][0]).shape == (224, 224, 3)


def test_pipeline_benchmark_prints_every_stage(release_like, capsys):
    run_here('tools/benchmark_pipeline.py', PAPER_CONFIG, '--data-root', release_like,
             '--passes', '1', '--workers', '1', '--batch-size', '2')
    out = capsys.readouterr().out
    for stage in ('decode', 'open video', 'face crops', 'scene (and face) images', 'pack',
                  'collate', 'all'):
        assert f'| {stage} | ' in out
    assert 'DataLoader, 1 workers: ' in out
    assert '81.0 GMACs x 32 frames = 5.18 TFLOPs a clip' in out
    assert 'CPU cores to keep it fed: ' in out


def test_gpu_check_dry_run_measures_everything_on_the_cpu(tmp_path, capsys):
    """tools/gpu_check.py at the demo's size on the CPU: every measurement in the table and the
    JSON, so that the command made for a lent GPU cannot rot."""
    import json
    out = tmp_path / 'gpu_check.json'
    # the compiled steps (a minute of tracing here), the extraction and the kill and resume
    # (minutes of training processes): the whole dry run is the slow test below
    run_here('tools/gpu_check.py', '--dry-run', '--out', str(out), '--skip', 'compiled',
             'extraction', 'kill-resume')
    table = capsys.readouterr().out
    for row in ('encoder forward, batch 2', 'live step, batch 2', 'frozen image encoder',
                'text encoder', 'backward', 'peak resident memory',
                'bfloat16 vs float32 features', 'cached step, batch 4, eager',
                '0 aten::_local_scalar_dense'):
        assert row in table
    results = json.loads(out.read_text())
    assert results['dry_run'] and results['clock'] == 'CPU s'
    assert results['encoder_s'] > 0 and results['cached_step_s'] > 0
    # the live step is the encoder-only forward and more
    assert results['live_step_over_encoder'] > 1
    assert results['live_phases_s']['frozen image encoder'] > 0
    assert set(results['cached_phases_s']) == set(results['live_phases_s'])
    assert results['cached_phases_s']['frozen image encoder'] == 0  # it has none
    # on the CPU both runs are float32: the same features
    assert results['bf16_max_cosine_distance'] < 1e-5
    # the cached step reads nothing on the host
    assert results['cached_host_reads'] == 0


@pytest.mark.slow
@pytest.mark.timeout(1800)  # three training processes and an extraction: 15 min at load 15
def test_gpu_check_whole_dry_run_on_the_cpu(tmp_path, capsys):
    """The whole dry run: the cached step compiled as MMEngine's Runner compiles it (its first
    loss is eager's), the extraction (views/s) and the kill and resume, bit for bit."""
    import json
    out = tmp_path / 'gpu_check.json'
    run_here('tools/gpu_check.py', '--dry-run', '--out', str(out), '--work-dir',
             str(tmp_path / 'work'))
    table = capsys.readouterr().out
    for row in ('cached step, batch 4, compiled', 'cached step, batch 4, CUDA graphs',
                "compile=dict(mode='reduce-overhead')", 'extraction, ous_demo.py'):
        assert row in table
    assert 'kill and resume on cpu, deterministic' in table
    results = json.loads(out.read_text())
    assert results['extraction_views'] == 56 and results['extraction_views_per_s'] > 0
    assert results['kill_resume_identical'] is True
    for variant in ('compiled', 'cuda_graphs'):
        assert results[f'cached_step_{variant}_s'] > 0
        assert results[f'cached_step_{variant}_first_loss_diff'] < 1e-4
