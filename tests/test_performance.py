"""Scene-frame subsampling (the feature cache and the benchmark: test_feature_cache.py)."""
import pytest
import torch
from mmaction.registry import MODELS
from mmengine.registry import init_default_scope
from test_models import B, T, batch, model_cfg

import ous_mm  # noqa: F401

init_default_scope('mmaction')


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
