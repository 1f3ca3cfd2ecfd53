"""OUS end to end through tools/train.py and tools/test.py on a generated DFEW-format set."""
import glob
import json
import os.path as osp
import re

import pytest
import torch

from conftest import DEMO_CONFIG, demo_options, run


@pytest.fixture(scope='module')
def demo_root(tmp_path_factory) -> str:
    from ous_mm.testing import make_demo_dataset
    root = str(tmp_path_factory.mktemp('demo_dfew'))
    make_demo_dataset(root, clips_per_class=5, num_frames=8, size=64, seed=1)
    return root


def test_two_epochs_log_every_loss_and_the_loss_falls(demo_root, tmp_path, safe_loading):
    work = str(tmp_path / 'ous')
    run(['python', 'tools/train.py', DEMO_CONFIG, '--work-dir', work,
         *demo_options(demo_root, 'train_cfg.max_epochs=2', 'default_hooks.logger.interval=1',
                       'optim_wrapper.optimizer.lr=1e-3')])
    scalars = glob.glob(osp.join(work, '*', 'vis_data', 'scalars.json'))
    assert len(scalars) == 1
    rows = [json.loads(line) for line in open(scalars[0])]
    train = [r for r in rows if 'loss' in r]
    for key in ('loss_contrast', 'loss_similarity', 'loss_polarity', 'alpha_gate'):
        assert all(key in r for r in train), key
    first = [r['loss'] for r in train if r['epoch'] == 1]
    second = [r['loss'] for r in train if r['epoch'] == 2]
    assert first and second
    assert sum(second) / len(second) < sum(first) / len(first)
    val = [r for r in rows if 'dfer/UAR' in r]
    assert len(val) == 2 and all('dfer/nll' in r and 'dfer/recall_Fear' in r for r in val)

    ckpt = osp.join(work, 'epoch_2.pth')
    state = torch.load(ckpt, map_location='cpu')['state_dict']
    # the demo's CLIP is random (no weights file), so its frozen weights are saved too
    assert any('.visual.' in k for k in state) and any('prompt_learner.text.' in k for k in state)
    proc = run(['python', 'tools/test.py', DEMO_CONFIG, ckpt, '--work-dir', str(tmp_path / 't'),
                *demo_options(demo_root)])
    out = proc.stdout + proc.stderr
    assert re.search(r'dfer/UAR: [0-9.]+', out) and re.search(r'dfer/WAR: [0-9.]+', out)
    assert 'FaceSceneSplit (test)' in out


def test_dist_train_ous_with_torchrun(demo_root, tmp_path):
    """`tools/dist_train.sh <OUS config> N` as on GPUs, here 2 CPU processes over gloo."""
    from conftest import free_port
    work = str(tmp_path / 'dist')
    proc = run(['bash', 'tools/dist_train.sh', DEMO_CONFIG, '2', '--work-dir', work,
                *demo_options(demo_root, 'train_cfg.max_epochs=1')],
               env=dict(PORT=str(free_port())))
    assert 'GPU number: 2' in proc.stdout + proc.stderr
    assert osp.isfile(osp.join(work, 'epoch_1.pth'))
