"""The Table 1 rows that MMAction2 implements (configs/baselines/): their paper-size models
have the parameters of the code they reproduce, and their demo-size models classify a clip."""
import glob
import os.path as osp

import pytest
import torch
import torch.nn as nn
from mmaction.registry import MODELS
from mmaction.structures import ActionDataSample
from mmengine.config import Config
from mmengine.registry import init_default_scope

from conftest import REPO

BASELINES = osp.join(REPO, 'configs', 'baselines')
MMACTION2 = 'open-mmlab/mmaction2 @ 4d6c93474730cad2f25e51109adcf96824efc7a3'
HARA = 'kenshohara/3D-ResNets-PyTorch @ 540a0ea1abaee379fa3651d4d5afbd2d667a1f49'

# Hara's models built with the defaults of his opts.py and n_classes=7 (counted once with his
# models/resnet.py and models/resnet2p1d.py: generate_model(18, n_classes=7))
HARA_R3D18 = 33_207_495
HARA_R2P1D18 = 33_219_555
# of which the R(2+1)D stem (conv1_s, bn1_s, conv1_t, bn1_t: 3 -> 110 -> 64 channels for a
# temporal kernel of 7) and the shortcuts of stages 2-4 (shortcut 'B': 1x1x1 conv + BN)
HARA_R2P1D18_STEM = 3 * 110 * 49 + 2 * 110 + 110 * 64 * 7 + 2 * 64
HARA_R2P1D18_SHORTCUTS = sum(c * 2 * c + 2 * 2 * c for c in (64, 128, 256))


def paper_config(prefix: str) -> Config:
    (path, ) = glob.glob(osp.join(BASELINES, f'{prefix}_4xb4-*_dfew-face.py'))
    return Config.fromfile(path)


def count(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


@pytest.fixture(scope='module')
def paper_models():
    """Every paper-size row, built once; without weights (the meta device) where the class
    allows it (UniFormerV2 reads its drop-path rates with .item(): on the CPU)."""
    init_default_scope('mmaction')
    models = {}
    for prefix in ('c3d', 'i3d_r50', 'r2plus1d_r18', 'r3d_r18', 'resnet18-lstm'):
        with torch.device('meta'):
            models[prefix] = MODELS.build(paper_config(prefix).model)
    models['uniformerv2_b16'] = MODELS.build(paper_config('uniformerv2_b16').model)
    return models


def test_c3d_has_mmaction2s_model_zoo_size(paper_models):
    # configs/recognition/c3d/metafile.yml L17 (MMACTION2): 78.4M with UCF101's 101 classes
    model = paper_models['c3d']
    assert round((count(model.backbone) + 4096 * 101 + 101) / 1e6, 1) == 78.4
    assert count(model.cls_head) == 4096 * 7 + 7


def test_i3d_has_mmaction2s_model_zoo_size(paper_models):
    # configs/recognition/i3d/metafile.yml L88 (MMACTION2), the i3d_imagenet-pretrained-r50
    # 32x2x1 model: 28.0M with Kinetics-400's 400 classes
    model = paper_models['i3d_r50']
    assert round((count(model.backbone) + 2048 * 400 + 400) / 1e6, 1) == 28.0


def test_3d_resnet18_is_haras_resnet18_parameter_for_parameter(paper_models):
    assert count(paper_models['r3d_r18']) == HARA_R3D18


def test_r2plus1d18_differs_from_haras_only_in_stem_and_shortcuts(paper_models):
    """MMAction2's Conv2plus1d sizes its middle channels as for a temporal kernel of 3 (83 in
    the 3x7x7 stem) and factorises the 1x1x1 shortcuts too; every other layer is Hara's."""
    model = paper_models['r2plus1d_r18']
    backbone = model.backbone
    shortcuts = sum(count(m.downsample) for m in backbone.modules()
                    if getattr(m, 'downsample', None) is not None)
    assert count(model) - count(backbone.conv1) - shortcuts == \
        HARA_R2P1D18 - HARA_R2P1D18_STEM - HARA_R2P1D18_SHORTCUTS
    assert count(model) != HARA_R2P1D18  # the difference the config header names


def test_resnet18_lstm_is_torchvisions_resnet18_and_torchs_lstm(paper_models):
    import torchvision
    resnet18 = torchvision.models.resnet18()
    reference = count(resnet18) - count(resnet18.fc) + count(nn.LSTM(512, 512)) + 512 * 7 + 7
    assert count(paper_models['resnet18-lstm']) == reference


def test_uniformerv2_b16_has_mmaction2s_model_zoo_size(paper_models):
    # configs/recognition/uniformerv2/README.md L25 (MMACTION2): 115M with 400 classes
    model = paper_models['uniformerv2_b16']
    assert round((count(model.backbone) + 768 * 400 + 400) / 1e6) == 115


@pytest.mark.parametrize('prefix', ('c3d', 'i3d_r50', 'r2plus1d_r18', 'r3d_r18', 'resnet18-lstm'))
def test_paper_row_classifies_16_frames_of_112px(paper_models, prefix):
    """The DFEW benchmark's input goes through the paper-size model (shapes only: on the meta
    device); C3D's fc6, for one, fits nothing else."""
    model = paper_models[prefix]
    with torch.device('meta'):
        if prefix == 'resnet18-lstm':  # Recognizer2D: the frames of both clips as one batch
            logits = model.cls_head(model.backbone(torch.empty(2 * 16, 3, 112, 112)), num_segs=16)
        else:
            logits = model.cls_head(model.backbone(torch.empty(2, 3, 16, 112, 112)))
    assert logits.shape == (2, 7)


DEMO_ROWS = ('c3d', 'i3d_r50-w16', 'r2plus1d_r18-w16', 'r3d_r18-w16', 'resnet18-lstm',
             'uniformerv2_tiny')


@pytest.mark.parametrize('prefix', DEMO_ROWS)
def test_demo_row_classifies_a_face_clip(prefix):
    """The demo-size model takes the face stream at its pipeline's size, gives a loss, and one
    logit per class for each clip."""
    init_default_scope('mmaction')
    (path, ) = glob.glob(osp.join(BASELINES, f'{prefix}_1xb16-*_demo-face.py'))
    cfg = Config.fromfile(path)
    pipeline = {t['type']: t for t in cfg.test_dataloader.dataset.pipeline}
    frames = pipeline['UniformSample']['clip_len']
    size = pipeline['FaceSceneSplit']['face_size']
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    clips = [torch.randint(0, 256, (frames, 3, size, size), dtype=torch.uint8) for _ in range(2)]
    batch = dict(inputs=dict(face_imgs=clips, scene_imgs=clips),
                 data_samples=[ActionDataSample().set_gt_label(label) for label in (0, 6)])
    data = model.data_preprocessor(batch, True)
    model.train()
    losses = model(**data, mode='loss')
    assert torch.isfinite(losses['loss_cls'])
    model.eval()
    data = model.data_preprocessor(batch, False)
    with torch.no_grad():
        feats, head_kwargs = model.extract_feat(data['inputs'], test_mode=True)
        logits = model.cls_head(feats, **head_kwargs)
    assert logits.shape == (2, 7) and torch.isfinite(logits).all()


def test_lstm_head_reads_frames_in_order():
    """Unlike TSN's average, the LSTM's output depends on the order of the frames."""
    from ous_mm.models.heads import LSTMHead
    torch.manual_seed(0)
    head = LSTMHead(num_classes=7, in_channels=8, hidden_channels=16).eval()
    feats = torch.randn(2 * 4, 8, 3, 3)
    scores = head(feats, num_segs=4)
    assert scores.shape == (2, 7)
    reversed_frames = feats.view(2, 4, 8, 3, 3).flip(1).reshape(8, 8, 3, 3)
    assert not torch.allclose(head(reversed_frames, num_segs=4), scores)
    # each clip is classified from its own frames only
    assert torch.allclose(head(feats[:4], num_segs=4), scores[:1], atol=1e-6)
    with pytest.raises(ValueError, match='do not split into clips of 3 frames'):
        head(feats, num_segs=3)
