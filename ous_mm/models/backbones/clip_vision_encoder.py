"""A trainable CLIP image encoder applied frame by frame to a clip."""
from typing import Optional

import torch
from mmaction.registry import MODELS
from mmengine.model import BaseModule

from ..utils import build_open_clip, frame_by_frame


@MODELS.register_module()
class CLIPVisionEncoder(BaseModule):
    """An open_clip image tower that is fine-tuned, one feature per frame.

    Unlike :class:`FrozenCLIPVision` (OUS's frozen encoder), its weights
    train and are always saved in checkpoints; it takes what MMAction2's
    ``Recognizer3D`` passes (``N x C x T x H x W`` clips) as well as single
    frames, and keeps the frame axis, for a temporal neck to pool. DFER-CLIP
    (Zhao & Patras, BMVC 2023) fine-tunes CLIP's image encoder this way.

    Args:
        clip (dict): The CLIP model: ``build_open_clip``'s arguments
            (``model_name``, ``weights``: a file, an open_clip tag or
            ``'random'``; ``model_cfg``; ``seed``). Only its image tower is
            kept.
        init_cfg (dict, optional): Unused (the weights come from ``clip``).
    """

    def __init__(self, clip: dict, init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.visual = build_open_clip(**clip).visual.requires_grad_(True)
        self.out_channels = self.visual.output_dim

    def init_weights(self) -> None:
        """The weights come from ``clip``; re-initialising them would discard them."""

    def forward(self, imgs: torch.Tensor) -> torch.Tensor:
        """Encode every frame.

        Args:
            imgs (torch.Tensor): ``N x C x T x H x W`` clips or ``N x C x H x W``
                frames, normalised.

        Returns:
            torch.Tensor: ``N x T x out_channels`` frame features (``N x
            out_channels`` for frames).
        """
        return frame_by_frame(self.visual, imgs, type(self).__name__)
