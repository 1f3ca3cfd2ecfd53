"""Former-DFER rebuilt from MMAction2's ResNet and transformer blocks, against the authors' code."""
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from mmaction.registry import MODELS, TRANSFORMS
from mmaction.structures import ActionDataSample
from mmengine.config import Config
from mmengine.registry import init_default_scope

import ous_mm  # noqa: F401

init_default_scope('mmaction')
PAPER_CONFIG = 'configs/former_dfer/former-dfer_r18_1xb32-100e_dfew.py'
# Counted by instantiating GenerateModel() of zengqunzhao/Former-DFER, commit
# 1b5ad6f79c645fd98713da4a0d1606806035cde6, models/ST_Former.py (with models/S_Former.py and
# models/T_Former.py), torch 2.9.1: sum(p.numel() for p in model.parameters()) and the same over
# model.s_former, model.t_former and model.fc.
THEIR_PARAMETERS = dict(total=18_031_943, backbone=11_715_392, neck=6_312_960, cls_head=3_591)


@pytest.fixture(scope='module')
def model():
    torch.manual_seed(0)
    model = MODELS.build(Config.fromfile(PAPER_CONFIG).model)
    model.init_weights()
    return model


def count(module: torch.nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def test_parameter_count_equals_the_authors_model(model):
    assert count(model) == THEIR_PARAMETERS['total']
    for part in ('backbone', 'neck', 'cls_head'):
        assert count(getattr(model, part)) == THEIR_PARAMETERS[part], part


def test_train_step_and_logits(model):
    # 2 clips of 2 frames (the model takes up to 16) at the 112 px its positions were built for
    gen = torch.Generator().manual_seed(0)
    data = dict(inputs=dict(face_imgs=[torch.randint(0, 255, (2, 3, 112, 112), generator=gen,
                                                     dtype=torch.uint8) for _ in range(2)]),
                data_samples=[ActionDataSample().set_gt_label(k) for k in (0, 5)])
    data = model.data_preprocessor(data, True)
    assert data['inputs'].shape == (2, 1, 3, 2, 112, 112)
    assert 0 <= data['inputs'].min() and data['inputs'].max() <= 1  # their /255, no mean/std
    model.train()
    model.zero_grad()
    losses = model(**data, mode='loss')
    losses['loss_cls'].backward()
    for name, p in model.named_parameters():
        assert p.grad is not None and torch.isfinite(p.grad).all(), name
    for part in ('backbone.resnet', 'backbone.blocks', 'backbone.pos_embed', 'neck', 'cls_head'):
        grads = [p.grad for n, p in model.named_parameters() if n.startswith(part)]
        assert any(g.abs().sum() > 0 for g in grads), part
    model.eval()
    with torch.no_grad():
        logits, _ = model.extract_feat(data['inputs'], stage='head')
        preds = model(**data, mode='predict')
    assert logits.shape == (2, 7) and torch.isfinite(logits).all()
    torch.testing.assert_close(torch.stack([p.pred_score for p in preds]), logits.softmax(-1))


def their_block(x, norm1, qkv_w, out_w, out_b, norm2, fc1, fc2, heads):
    """Their Residual(PreNorm(Attention)) + Residual(PreNorm(FeedForward)) (S_Former.py lines
    8-100), written out with the weights of an MMAction2 block."""
    b, n, d = x.shape
    q, k, v = F.linear(norm1(x), qkv_w).reshape(b, n, 3, heads, -1).permute(2, 0, 3, 1, 4)
    attn = (q @ k.transpose(-1, -2) * (d // heads) ** -0.5).softmax(-1)
    x = x + F.linear((attn @ v).transpose(1, 2).reshape(b, n, d), out_w, out_b)
    h = fc1(norm2(x))
    h = 0.5 * h * (1 + torch.tanh(math.sqrt(2 / math.pi) * (h + 0.044715 * h ** 3)))
    return x + fc2(h)


def test_mmaction_block_is_their_block(model):
    torch.manual_seed(1)
    for block, heads, dims in ((model.backbone.blocks[0], 8, 256), (model.neck.blocks[0], 8, 512)):
        x = torch.randn(2, 5, dims)
        ffn = block.mlp.layers
        want = their_block(x, block.norm1, block.attn.qkv.weight, block.attn.proj.weight,
                           block.attn.proj.bias, block.norm2, ffn[0][0], ffn[1], heads)
        assert block.attn.qkv.bias is None and not hasattr(block.attn, 'q_bias')
        torch.testing.assert_close(block(x), want, rtol=1e-5, atol=1e-5)


def test_wrong_sizes_are_refused(model):
    with pytest.raises(ValueError, match='image_size'):
        model.backbone(torch.zeros(1, 3, 128, 128))
    with pytest.raises(ValueError, match='num_frames'):
        model.neck(torch.zeros(1, 17, 512))
    with pytest.raises(ValueError, match='N x T x C'):
        model.neck(torch.zeros(1, 512, 4, 1))


def test_face_augmentation_draws_once_per_clip():
    aug = TRANSFORMS.build(dict(type='ApplyToStream', stream='face', transforms=[
        dict(type='RandomResizedCrop'), dict(type='Resize', scale=(112, 112), keep_ratio=False),
        dict(type='Flip', flip_ratio=0.5)]))
    frame = np.random.default_rng(0).integers(0, 255, (3, 224, 224), dtype=np.uint8)
    results = aug(dict(face_imgs=np.stack([frame] * 4), img_shape=(360, 640)))
    faces = results['face_imgs']
    assert faces.shape == (4, 3, 112, 112) and faces.dtype == np.uint8
    assert all((f == faces[0]).all() for f in faces)  # one crop and flip for all frames
    assert results['img_shape'] == (360, 640)  # the other keys are left alone
    with pytest.raises(KeyError, match='after FaceSceneSplit'):
        aug(dict(scene_imgs=np.stack([frame] * 4)))


def test_paper_pipelines_feed_16_face_crops_of_112(tmp_path):
    from mmaction.registry import DATASETS

    from ous_mm.testing.release_like_dataset import make_release_like_dataset
    make_release_like_dataset(str(tmp_path), num_clips=4, size=(96, 64), seconds=1, fps=8,
                              codec='mp4v')  # 8 frames a clip: SampleFrames repeats the last
    cfg = Config.fromfile(PAPER_CONFIG)
    for loader, sample in (('train_dataloader', 'train'), ('test_dataloader', 'test')):
        dataset = DATASETS.build(dict(cfg[loader].dataset, data_root=str(tmp_path),
                                      val_fraction=0.0))
        data = dataset[0]
        assert data['inputs']['face_imgs'].shape == (16, 3, 112, 112), sample
        assert data['data_samples'].gt_label.item() in range(7)
