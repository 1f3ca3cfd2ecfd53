"""OUS end to end through tools/train.py and tools/test.py on a generated DFEW-format set."""
import json
import os.path as osp
import re

import torch

from conftest import DEMO_CONFIG, demo_options, run


def test_two_epochs_log_every_loss_and_the_loss_falls(demo_run, safe_loading):
    """tools/train.py and tools/test.py (conftest.demo_run: 2 epochs, then a test)."""
    scalars = demo_run['scalars']
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

    state = torch.load(demo_run['ckpt'], map_location='cpu')['state_dict']
    # the demo's CLIP is random (no weights file), so its frozen weights are saved too
    assert any('.visual.' in k for k in state) and any('prompt_learner.text.' in k for k in state)
    out = demo_run['test_log']
    assert re.search(r'dfer/UAR: [0-9.]+', out) and re.search(r'dfer/WAR: [0-9.]+', out)
    assert 'FaceSceneSplit (test)' in out


def test_dist_train_ous_with_torchrun(demo_data, tmp_path):
    """`tools/dist_train.sh <OUS config> N` as on GPUs, here 2 CPU processes over gloo."""
    from conftest import free_port
    work = str(tmp_path / 'dist')
    proc = run(['bash', 'tools/dist_train.sh', DEMO_CONFIG, '2', '--work-dir', work,
                *demo_options(demo_data, 'train_cfg.max_epochs=1', workers=0)],
               env=dict(PORT=str(free_port())))
    assert 'GPU number: 2' in proc.stdout + proc.stderr
    assert osp.isfile(osp.join(work, 'epoch_1.pth'))
