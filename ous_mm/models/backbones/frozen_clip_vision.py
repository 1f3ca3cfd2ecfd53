"""The frozen CLIP vision encoder shared by the face and scene streams."""
from typing import Dict, Optional

import torch
import torch.nn as nn
from mmaction.registry import MODELS
from mmengine.model import BaseModule

from ..utils import FrozenWeightsMixin, build_open_clip
from ..utils.open_clip_builder import RANDOM


@MODELS.register_module()
class FrozenCLIPVision(FrozenWeightsMixin, BaseModule):
    """A frozen open_clip ViT that encodes every frame of both streams in one call.

    The encoder stays in eval mode with no gradients (OUS, "Other Detail of
    Network Architecture": "The Vision Encoder remains frozen throughout").
    The output of block ``early_block`` (the paper's "first four attention
    blocks", used by the Polarity Encoder) is taken in the same forward pass
    by a forward hook, pooled per frame as ``[CLS, mean of patch tokens]``.

    The weights come from ``weights`` (a file, an open_clip tag, or
    ``'random'`` by name for demos and tests; see ``build_open_clip``). The
    argument is not called ``pretrained`` on purpose: MMAction2's
    ``init_recognizer`` clears ``backbone.pretrained`` before building, which
    would leave a random encoder under a trained checkpoint.

    Weights from a file or tag are left out of ``state_dict()`` (they come
    from ``weights`` when the model is built) and replaced by their
    fingerprint, which loading checks; random weights are saved, as no config
    can rebuild them.

    Args:
        model_name (str): open_clip model name. Defaults to
            ``'ViT-L-14-quickgelu'`` (OpenAI's ViT-L/14, trained with QuickGELU).
        weights (str): Weights file, open_clip tag or ``'random'``.
        model_cfg (dict, optional): ``open_clip.CLIP`` arguments for a custom
            model; overrides ``model_name``.
        early_block (int): 1-based index of the block whose output feeds the
            Polarity Encoder. Defaults to 4.
        save_weights (bool, optional): Write the frozen weights into
            checkpoints. ``None`` (default): only for ``weights='random'``,
            as random weights cannot be rebuilt from the config.
        autocast_dtype (str, optional): On CUDA, run the encoder in this
            autocast dtype (``'bfloat16'``/``'float16'``) whether or not
            ``--amp`` is on; its outputs are returned in float32 for the
            trainable parts. ``None`` follows the surrounding autocast. Defaults
            to ``'bfloat16'``.
        init_cfg (dict, optional): Unused (the weights come from ``weights``).
    """

    def __init__(self,
                 model_name: str = 'ViT-L-14-quickgelu',
                 weights: Optional[str] = None,
                 model_cfg: Optional[dict] = None,
                 early_block: int = 4,
                 save_weights: Optional[bool] = None,
                 autocast_dtype: Optional[str] = 'bfloat16',
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.weights = weights
        self.visual = build_open_clip(model_name, weights, model_cfg).visual
        blocks = self.visual.transformer.resblocks
        if not 1 <= early_block <= len(blocks):
            raise ValueError(f'early_block={early_block} is outside 1..{len(blocks)} '
                             f'for this encoder')
        self.early_block = early_block
        self.autocast_dtype = getattr(torch, autocast_dtype) if autocast_dtype else None
        self.width = self.visual.transformer.width
        self.out_channels = self.visual.output_dim
        self.early_channels = 2 * self.width
        self.visual.requires_grad_(False)
        self._early: Optional[torch.Tensor] = None
        blocks[early_block - 1].register_forward_hook(self._keep_early)
        if save_weights is None:  # random weights cannot be rebuilt from the config
            save_weights = weights == RANDOM
        self.save_weights = save_weights
        self.track_frozen_weights('visual', save_weights)

    def _keep_early(self, module: nn.Module, args, output: torch.Tensor) -> None:
        self._early = output

    def train(self, mode: bool = True) -> 'FrozenCLIPVision':
        super().train(mode)
        self.visual.eval()  # frozen: LayerNorm/dropout behave as at inference, always
        return self

    def init_weights(self) -> None:
        """The weights come from ``weights``; nothing to initialise."""

    def forward(self, imgs: torch.Tensor) -> Dict[str, torch.Tensor]:
        """Encode frames.

        Args:
            imgs (torch.Tensor): ``N x C x H x W`` normalised frames (face and
                scene frames of all clips stacked together).

        Returns:
            dict: ``feat`` (``N x out_channels``, the projected CLS token) and
            ``early`` (``N x 2 * width``, pooled output of ``early_block``).
        """
        cast = imgs.is_cuda and self.autocast_dtype is not None
        with torch.no_grad(), torch.autocast('cuda', dtype=self.autocast_dtype, enabled=cast):
            feat = self.visual(imgs)
            tokens = self._early
            self._early = None
            if not getattr(self.visual.transformer, 'batch_first', True):
                tokens = tokens.transpose(0, 1)
            early = torch.cat([tokens[:, 0], tokens[:, 1:].mean(dim=1)], dim=-1)
        return dict(feat=feat.float(), early=early.float())
