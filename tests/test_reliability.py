"""Interrupted runs, distributed runs and hostile inputs (the scripts also run here)."""
import os
import os.path as osp
import re
import time

import numpy as np
import pytest
import torch
from mmengine.registry import init_default_scope

import ous_mm  # noqa: F401
from conftest import run
from test_train_ous import DEMO_CONFIG, demo_options

init_default_scope('mmaction')


@pytest.fixture(scope='module')
def tiny_demo(tmp_path_factory) -> str:
    from ous_mm.testing import make_demo_dataset
    root = str(tmp_path_factory.mktemp('tiny_demo'))
    make_demo_dataset(root, clips_per_class=5, num_frames=8, size=64, seed=1)
    return root


def options(root, *extra):
    # batch 2: 11 iterations an epoch, so the kill lands in the middle of one
    return [o.replace('batch_size=4', 'batch_size=2') for o in demo_options(root)[1:]] + [
        'optim_wrapper.optimizer.lr=1e-3', *extra]


@pytest.fixture(scope='module')
def kill_resume(tiny_demo, tmp_path_factory):
    work = str(tmp_path_factory.mktemp('kill_resume'))
    proc = run(['python', 'tools/reliability/kill_and_resume.py', DEMO_CONFIG, '--work-dir', work,
                '--kill-epoch', '2', '--kill-iter', '5', '--cfg-options',
                *options(tiny_demo, 'train_cfg.max_epochs=3')], check=False)
    return work, proc


def test_sigkill_mid_epoch_then_resume_equals_uninterrupted(kill_resume):
    work, proc = kill_resume
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert 'killed at epoch 2, iteration 5' in proc.stdout
    assert 'identical weights: True; identical UAR/WAR: True' in proc.stdout


def test_dist_test_equals_single_process_on_an_odd_split(kill_resume, tiny_demo, tmp_path):
    ckpt = osp.join(kill_resume[0], 'uninterrupted', 'epoch_3.pth')
    proc = run(['python', 'tools/reliability/dist_equals_single.py', DEMO_CONFIG, ckpt,
                '--work-dir', str(tmp_path), '--cfg-options', *options(tiny_demo)])
    assert 'test split: 7 clips (padded for 2 processes)' in proc.stdout
    assert re.search(r'2 processes\s+7\s', proc.stdout) and 'identical: True' in proc.stdout


def test_memory_does_not_grow_over_ten_epochs(tiny_demo, tmp_path):
    proc = run(['python', 'tools/reliability/memory_per_epoch.py', DEMO_CONFIG, '--work-dir',
                str(tmp_path), '--epochs', '10', '--cfg-options', *options(tiny_demo)])
    rows = re.findall(r'^\s+(\d+)\s+[\d.]+\s+[\d.]+\s+[\d.]+$', proc.stdout, re.M)
    assert rows == [str(i) for i in range(1, 11)]


def test_fuzzed_video_files_give_only_clear_errors():
    proc = run(['python', 'tools/reliability/fuzz_video_loading.py', '--num', '150'])
    assert '150 inputs tried' in proc.stdout and '0 failures' in proc.stdout


def test_checkpoint_write_is_atomic(tmp_path, monkeypatch):
    from mmengine.runner.checkpoint import save_checkpoint
    path = str(tmp_path / 'epoch_1.pth')
    save_checkpoint({'state_dict': {'w': torch.ones(3)}}, path)
    assert torch.load(path)['state_dict']['w'].sum() == 3

    def killed(*args):  # the process dies after writing, before the rename
        raise KeyboardInterrupt
    monkeypatch.setattr(os, 'replace', killed)
    with pytest.raises(KeyboardInterrupt):
        save_checkpoint({'state_dict': {'w': torch.zeros(3)}}, str(tmp_path / 'epoch_2.pth'))
    assert not osp.exists(tmp_path / 'epoch_2.pth')  # nothing half-written under the name
    assert torch.load(path)['state_dict']['w'].sum() == 3


def test_resume_survives_a_truncated_last_checkpoint(tmp_path):
    from mmengine.runner import runner as runner_module
    for n in (1, 2, 10):
        (tmp_path / f'epoch_{n}.pth').write_bytes(b'x')
    (tmp_path / 'last_checkpoint').write_text('')
    assert runner_module.find_latest_checkpoint(str(tmp_path)) == str(tmp_path / 'epoch_10.pth')
    (tmp_path / 'last_checkpoint').write_text(str(tmp_path / 'epoch_2.pth'))
    assert runner_module.find_latest_checkpoint(str(tmp_path)) == str(tmp_path / 'epoch_2.pth')


@pytest.mark.parametrize('option,message', [
    ('model.cls_head.num_classes=6', 'the model predicts 6 classes but DFEWDataset has 7'),
    ('model.cls_head.prompt_learner.class_names=[Sad,Happy,Neutral,Angry,Surprise,Disgust,Fear]',
     'differ from DFEWDataset'),
])
def test_config_that_disagrees_with_the_dataset_is_refused(tiny_demo, tmp_path, option, message):
    if 'num_classes' in option:  # the head refuses a count that differs from its names first
        option += ' model.cls_head.prompt_learner.class_names=[a,b,c,d,e,f]'
    proc = run(['python', 'tools/train.py', DEMO_CONFIG, '--work-dir', str(tmp_path),
                *demo_options(tiny_demo), *option.split()], check=False)
    assert proc.returncode != 0 and message in proc.stdout + proc.stderr


def test_grayscale_rgba_and_changing_frame_sizes():
    from ous_mm.datasets import FaceSceneSplit
    frames = [np.full((60, 80), 100, np.uint8), np.full((60, 80, 1), 100, np.uint8),
              np.full((90, 120, 4), 100, np.uint8), np.full((45, 64, 3), 100, np.uint8)]
    boxes = np.array([[10, 10, 30, 30, 1]] * 4, np.float32)
    out = FaceSceneSplit(face_size=16, scene_size=32)(
        dict(imgs=frames, frame_inds=np.arange(4), face_boxes=boxes))
    assert out['face_imgs'].shape == (4, 3, 16, 16) and out['scene_imgs'].shape == (4, 3, 32, 32)
    assert (out['scene_imgs'] == 100).all()


def test_a_hung_dataloader_worker_fails_instead_of_waiting_forever(tmp_path):
    from mmcv.transforms import BaseTransform
    from mmaction.registry import TRANSFORMS
    from mmengine.runner import Runner

    @TRANSFORMS.register_module(force=True)
    class HangForever(BaseTransform):

        def transform(self, results):
            time.sleep(600)

    (tmp_path / 'ann.txt').write_text('x.mp4 0\n')
    loader = Runner.build_dataloader(dict(
        batch_size=1, num_workers=1, timeout=2, sampler=dict(type='DefaultSampler', shuffle=False),
        dataset=dict(type='VideoDataset', ann_file=str(tmp_path / 'ann.txt'),
                     pipeline=[dict(type='HangForever')])))
    start = time.time()
    with pytest.raises(RuntimeError, match='timed out after 2 seconds'):
        next(iter(loader))
    assert time.time() - start < 60
