"""The face stream's temporal Frames Encoder."""
import torch
import torch.nn as nn
from mmaction.registry import MODELS
from mmengine.model import BaseModule


@MODELS.register_module()
class FramesEncoder(BaseModule):
    """Learned frame positions + pre-LN transformer blocks over the T frames.

    Sizes follow the authors' code (docs/design.md): width of the CLIP feature,
    8 heads, MLP ratio 4, 12 blocks for ViT-L/14.

    Args:
        dims (int): Feature width.
        num_frames (int): Maximum number of frames ``T``.
        num_layers (int): Transformer blocks. Defaults to 12.
        num_heads (int): Attention heads. Defaults to 8.
        mlp_ratio (float): MLP hidden width over ``dims``. Defaults to 4.
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self, dims: int, num_frames: int, num_layers: int = 12,
                 num_heads: int = 8, mlp_ratio: float = 4.0, init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.pos_embed = nn.Parameter(torch.zeros(num_frames, dims))
        nn.init.normal_(self.pos_embed, std=0.02)
        layer = nn.TransformerEncoderLayer(
            dims, num_heads, int(dims * mlp_ratio), dropout=0.0, activation='gelu',
            batch_first=True, norm_first=True)
        self.encoder = nn.TransformerEncoder(layer, num_layers, enable_nested_tensor=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``B x T x dims`` frame features -> ``B x T x dims`` frame tokens."""
        if x.shape[1] > self.pos_embed.shape[0]:
            raise ValueError(f'{x.shape[1]} frames given; FramesEncoder was built for '
                             f'at most {self.pos_embed.shape[0]} (num_frames)')
        return self.encoder(x + self.pos_embed[:x.shape[1]])
