"""The frozen CLIP vision encoder shared by the face and scene streams."""
from typing import Dict, Optional, Union

import torch
import torch.nn as nn
from mmaction.registry import MODELS
from mmengine.model import BaseModule
from open_clip.transformer import VisionTransformer

from ..utils import FrozenWeightsMixin, build_open_clip
from ..utils.open_clip_builder import RANDOM


@MODELS.register_module()
class FrozenCLIPVision(FrozenWeightsMixin, BaseModule):
    """A frozen open_clip ViT that encodes every frame of both streams in one call.

    The encoder stays in eval mode with no gradients (OUS, "Other Detail of
    Network Architecture": "The Vision Encoder remains frozen throughout").
    The output of block ``early_block`` (the paper's "first four attention
    blocks", used by the Polarity Encoder) comes from the same forward pass
    (open_clip's ``forward_intermediates``), pooled per frame as
    ``[CLS, mean of patch tokens]``.

    The image tower comes from ``clip``: the settings of ``build_open_clip``
    (``model_name``, ``weights``: a file, an open_clip tag or ``'random'``;
    ``model_cfg``), built here, or already built as ``clip_model``
    (``OUSRecognizer`` builds one CLIP for this tower and the prompt
    learner's text tower). Alone, e.g. in a stock ``Recognizer2D``:
    ``backbone=dict(type='FrozenCLIPVision', clip=dict(model_name=...,
    weights=...), early_block=None)``. The weights are not called
    ``pretrained`` on purpose: MMAction2's ``init_recognizer`` clears
    ``backbone.pretrained`` before building, which would leave a random
    encoder under a trained checkpoint.

    Weights from a file or tag are left out of ``state_dict()`` (they come
    from ``clip`` when the model is built) and replaced by their
    fingerprint, which loading checks; random weights are saved, as no config
    can rebuild them.

    Args:
        clip (dict): The CLIP model: ``build_open_clip``'s arguments
            (``model_name``, ``weights``, ``model_cfg``).
        early_block (int, optional): 1-based index of the block whose output
            feeds the Polarity Encoder. Defaults to 4. ``None``: no early
            features; ``forward`` returns the feature tensor alone, as
            MMAction2's 2D backbones do.
        save_weights (bool, optional): Write the frozen weights into
            checkpoints. ``None`` (default): only for ``weights='random'``,
            as random weights cannot be rebuilt from the config.
        autocast_dtype (str, optional): On CUDA, run the encoder in this
            autocast dtype (``'bfloat16'``/``'float16'``) whether or not
            ``--amp`` is on; its outputs are returned in float32 for the
            trainable parts. ``None`` follows the surrounding autocast. Defaults
            to ``'bfloat16'``.
        clip_model (nn.Module, optional): The open_clip model already built
            from ``clip``, whose image tower this module takes (shared with
            a ``CoOpPromptLearner``). ``None`` (default) builds it.
        init_cfg (dict, optional): Unused (the weights come from ``clip``).
    """

    takes_clip = True  # OUSRecognizer hands it the CLIP it builds

    def __init__(self,
                 clip: dict,
                 early_block: Optional[int] = 4,
                 save_weights: Optional[bool] = None,
                 autocast_dtype: Optional[str] = 'bfloat16',
                 clip_model: Optional[nn.Module] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.weights = clip.get('weights')
        visual = (clip_model if clip_model is not None else build_open_clip(**clip)).visual
        if not isinstance(visual, VisionTransformer):
            raise ValueError(f'FrozenCLIPVision needs a ViT image tower (open_clip\'s '
                             f'VisionTransformer), but the CLIP model {dict(clip)} has a '
                             f'{type(visual).__name__}: choose a ViT model')
        self.visual = visual.requires_grad_(False)
        layers = len(visual.transformer.resblocks)
        if early_block is not None and not 1 <= early_block <= layers:
            raise ValueError(f'early_block={early_block} is outside 1..{layers} '
                             f'for this encoder')
        self.early_block = early_block
        self.autocast_dtype = getattr(torch, autocast_dtype) if autocast_dtype else None
        self.width = visual.transformer.width
        self.out_channels = visual.output_dim
        self.early_channels = 2 * self.width if early_block is not None else None
        if save_weights is None:  # random weights cannot be rebuilt from the config
            save_weights = self.weights == RANDOM
        self.save_weights = save_weights
        self.track_frozen_weights('visual', save_weights)

    def train(self, mode: bool = True) -> 'FrozenCLIPVision':
        super().train(mode)
        self.visual.eval()  # frozen: LayerNorm/dropout behave as at inference, always
        return self

    def init_weights(self) -> None:
        """The weights come from ``clip``; nothing to initialise."""

    def forward(self, imgs: torch.Tensor) -> Union[Dict[str, torch.Tensor], torch.Tensor]:
        """Encode frames.

        Args:
            imgs (torch.Tensor): ``N x C x H x W`` normalised frames (face and
                scene frames of all clips stacked together).

        Returns:
            dict | torch.Tensor: ``feat`` (``N x out_channels``, the projected
            CLS token) and ``early`` (``N x 2 * width``, pooled output of
            ``early_block``); with ``early_block=None``, ``feat`` alone.
        """
        cast = imgs.is_cuda and self.autocast_dtype is not None
        with torch.no_grad(), torch.autocast('cuda', dtype=self.autocast_dtype, enabled=cast):
            if self.early_block is None:
                return self.visual(imgs).float()
            out = self.visual.forward_intermediates(
                imgs, indices=[self.early_block - 1], output_fmt='NLC',
                output_extra_tokens=True)
            cls = out['image_intermediates_prefix'][0][:, 0]
            patches = out['image_intermediates'][0]
            early = torch.cat([cls, patches.mean(dim=1)], dim=-1)
        return dict(feat=out['image_features'].float(), early=early.float())
