import os
import os.path as osp
import socket
import subprocess
import sys
from typing import List, Optional

import pytest

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
SMOKE_CONFIG = osp.join(REPO, 'configs', 'smoke', 'tsn_r18_1xb4-1x1x3-3e_smoke-rgb.py')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def run(cmd: List[str], env: Optional[dict] = None, timeout: int = 600, check: bool = True,
        cwd: str = REPO) -> subprocess.CompletedProcess:
    """Run a repository tool as a user would (from the repository root); fail with its output."""
    if cmd[0] == 'python':
        cmd = [sys.executable] + cmd[1:]
    full_env = dict(os.environ, PYTHON=sys.executable, PYTHONUNBUFFERED='1')
    full_env.update(env or {})
    proc = subprocess.run(cmd, cwd=cwd, env=full_env, capture_output=True, text=True,
                          errors='replace',
                          timeout=timeout)
    assert proc.returncode == 0 or not check, (
        f'{" ".join(cmd)} exited with {proc.returncode}\n'
        f'--- stdout ---\n{proc.stdout[-6000:]}\n--- stderr ---\n{proc.stderr[-6000:]}')
    return proc


@pytest.fixture(scope='session')
def safe_loading() -> None:
    """Checkpoints read in this process as ous-mm's tools read them: ``ous_mm.setup_env()``
    (``import ous_mm`` alone leaves torch's and MMEngine's loading as they are)."""
    import ous_mm
    ous_mm.setup_env()


@pytest.fixture(scope='session')
def smoke_data(tmp_path_factory) -> str:
    from ous_mm.testing import make_smoke_dataset
    root = str(tmp_path_factory.mktemp('smoke'))
    # 3 classes x 4 train clips; 3 x 1 + 2 = 5 validation clips (odd, for distributed checks)
    make_smoke_dataset(root, num_classes=3, train_per_class=4, val_per_class=2)
    with open(osp.join(root, 'val.txt')) as f:
        lines = f.read().split('\n')
    with open(osp.join(root, 'val.txt'), 'w') as f:
        f.write('\n'.join(lines[:5]) + '\n')
    return root


def smoke_options(data_root: str, *extra: str) -> List[str]:
    return [
        '--cfg-options', f'train_dataloader.dataset.ann_file={data_root}/train.txt',
        f'train_dataloader.dataset.data_prefix.video={data_root}/videos',
        f'val_dataloader.dataset.ann_file={data_root}/val.txt',
        f'val_dataloader.dataset.data_prefix.video={data_root}/videos',
        f'test_dataloader.dataset.ann_file={data_root}/val.txt',
        f'test_dataloader.dataset.data_prefix.video={data_root}/videos', *extra
    ]


def config_pipeline(config: str, num_frames: int, image_size: int,
                    pipeline: str = 'test_pipeline', detector: Optional[dict] = None) -> list:
    """A real config's pipeline (``configs/<config>``) at a test's small sizes.

    Args:
        config (str): The config, relative to ``configs/`` (or an absolute path).
        num_frames (int): Frames sampled (``clip_len``).
        image_size (int): Face and scene size (a ``scene_size`` of None stays None).
        pipeline (str): Which: ``'train_pipeline'`` or ``'test_pipeline'``.
        detector (dict, optional): Replaces ``LoadFaceBoxes``'s face detector.

    Returns:
        list[dict]: The transforms, as plain dicts.
    """
    from mmengine.config import Config
    sizes = dict(clip_len=num_frames, face_size=image_size, scene_size=image_size)
    if detector is not None:
        sizes['detector'] = detector
    return [
        dict(t, **{k: v for k, v in sizes.items() if t.get(k) is not None})
        for t in Config.fromfile(osp.join(REPO, 'configs', config)).to_dict()[pipeline]
    ]


def random_retinanet_face_detector() -> dict:
    """A tiny randomly initialised mmdet RetinaNet whose one class is 'face' (no weights file)."""
    return dict(
        default_scope='mmdet',
        model=dict(
            type='RetinaNet',
            data_preprocessor=dict(type='DetDataPreprocessor', mean=[123.675, 116.28, 103.53],
                                   std=[58.395, 57.12, 57.375], bgr_to_rgb=True,
                                   pad_size_divisor=32),
            backbone=dict(type='ResNet', depth=18, num_stages=4, out_indices=(1, 2, 3),
                          norm_cfg=dict(type='BN'), style='pytorch'),
            neck=dict(type='FPN', in_channels=[128, 256, 512], out_channels=32,
                      start_level=0, add_extra_convs='on_input', num_outs=3),
            bbox_head=dict(
                type='RetinaHead', num_classes=1, in_channels=32, stacked_convs=1,
                feat_channels=32,
                anchor_generator=dict(type='AnchorGenerator', octave_base_scale=4,
                                      scales_per_octave=1, ratios=[1.0], strides=[8, 16, 32]),
                bbox_coder=dict(type='DeltaXYWHBBoxCoder', target_means=[0.0] * 4,
                                target_stds=[1.0] * 4),
                loss_cls=dict(type='FocalLoss', use_sigmoid=True, gamma=2.0, alpha=0.25),
                loss_bbox=dict(type='L1Loss')),
            test_cfg=dict(nms_pre=100, min_bbox_size=0, score_thr=0.0,
                          nms=dict(type='nms', iou_threshold=0.5), max_per_img=10)),
        test_dataloader=dict(dataset=dict(
            type='CocoDataset', metainfo=dict(classes=('face', )),
            pipeline=[dict(type='LoadImageFromFile'),
                      dict(type='Resize', scale=(128, 128), keep_ratio=True),
                      dict(type='PackDetInputs',
                           meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape',
                                      'scale_factor'))])))
