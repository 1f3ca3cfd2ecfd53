"""The frozen image encoder of a model trained from cached features: its record, no weights."""
from typing import Optional

import torch
from mmaction.registry import MODELS
from mmengine.model import BaseModule

from ..utils import state_fingerprint

# the image tower's keys in the checkpoints of a live model (FrozenCLIPVision's ``visual``)
IMAGE_TOWER = 'visual.'


@MODELS.register_module()
class CachedFeatureEncoder(BaseModule):
    """Stands for the frozen CLIP image encoder whose features a feature cache holds.

    A model trained and tested from the cache (``CachedFeatureDataset``) never
    runs the image tower, so it is neither built nor loaded (ViT-L/14: 304 M
    parameters); ``OUSRecognizer`` builds only the text tower of its CLIP.
    What stays is the fingerprint of the image tower's weights, which
    checkpoints carry as ``backbone.frozen_fingerprint`` (the key
    ``FrozenCLIPVision`` writes), so that a checkpoint trained from the cache
    loads into the live model only if that was built with the same weights.
    The fingerprint is the cache's own record (``meta.json``, set by
    ``FeatureCacheCheckHook`` before a loop runs), or a loaded checkpoint's,
    which the hook then compares with the cache's.

    Args:
        init_cfg (dict, optional): Unused (there are no weights).
    """

    takes_clip = False  # OUSRecognizer hands it no CLIP: it runs none

    def __init__(self, init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.frozen_fingerprint: Optional[str] = None
        self._register_state_dict_hook(self._write_fingerprint)
        self._register_load_state_dict_pre_hook(self._read_fingerprint)

    def forward(self, imgs: torch.Tensor) -> None:
        raise RuntimeError('this model reads cached features and has no image encoder: give it '
                           'face_feat/scene_feat/early_feat inputs (CachedFeatureDataset), or '
                           'use the live config (FrozenCLIPVision) for frames')

    def _write_fingerprint(self, module, state_dict, prefix, local_metadata) -> None:
        if self.frozen_fingerprint is not None:
            state_dict[prefix + 'frozen_fingerprint'] = torch.tensor(
                list(bytes.fromhex(self.frozen_fingerprint)), dtype=torch.uint8)

    def _read_fingerprint(self, state_dict, prefix, *args) -> None:
        saved = state_dict.pop(prefix + 'frozen_fingerprint', None)
        # a live model's checkpoint with random frozen weights brings the weights themselves
        tower = {k[len(prefix + IMAGE_TOWER):]: state_dict.pop(k) for k in list(state_dict)
                 if k.startswith(prefix + IMAGE_TOWER)}
        if tower:
            self.frozen_fingerprint = state_fingerprint(tower)
        elif saved is not None:
            self.frozen_fingerprint = bytes(saved.tolist()).hex()
