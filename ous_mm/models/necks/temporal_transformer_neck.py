"""A temporal transformer with a class token over a clip's frame features."""
from typing import Dict, List, Optional, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmaction.models.backbones.vit_mae import Block
from mmaction.registry import MODELS
from mmaction.utils import ConfigType
from mmengine.model import BaseModule, ModuleList


@MODELS.register_module()
class TemporalTransformerNeck(BaseModule):
    """A learned class token before the T frame features, learned positions,
    pre-norm transformer blocks; the class token's output is the clip's feature.

    This is Former-DFER's T-Former (zengqunzhao/Former-DFER, commit
    1b5ad6f79c645fd98713da4a0d1606806035cde6, ``models/T_Former.py`` lines
    44-98) and DFER-CLIP's ``Temporal_Transformer_Cls`` (zengqunzhao/DFER-CLIP,
    commit d10d5a4310a60c477778a086a292b591ee50e2ce, ``models/Temporal_Model.py``
    lines 44-120), the same code: class token and positions drawn from
    N(0, 1), blocks LN -> attention (bias-free ``to_qkv``, output projection
    with bias) -> residual, LN -> MLP -> residual, no final norm, output the
    class token. MMAction2's ``vit_mae.Block`` with ``qkv_bias=False`` and
    ``LN`` eps 1e-5 is that block (same parameters, same function) where the
    heads' widths add up to ``in_channels`` (8 x 64 = 512 in both).

    Args:
        in_channels (int): Width of the frame features.
        num_frames (int): Most frames a clip may have (positions).
        num_layers (int): Transformer blocks. Defaults to 1.
        num_heads (int): Attention heads. Defaults to 8.
        mlp_channels (int): Hidden width of the MLP. Defaults to 1024.
        act_cfg (dict): The MLP's activation. Defaults to tanh-approximated
            GELU (their code's).
        drop_rate (float): Dropout in the blocks. Defaults to 0.
        init_std (float): Standard deviation of the class token's and the
            positions' normal initialisation. Defaults to 1 (``torch.randn``).
        normalize (bool): L2-normalise the output. Defaults to False.
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 in_channels: int,
                 num_frames: int,
                 num_layers: int = 1,
                 num_heads: int = 8,
                 mlp_channels: int = 1024,
                 act_cfg: ConfigType = dict(type='GELU', approximate='tanh'),
                 drop_rate: float = 0.0,
                 init_std: float = 1.0,
                 normalize: bool = False,
                 init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        if in_channels % num_heads:
            raise ValueError(f'in_channels={in_channels} is not divisible by '
                             f'num_heads={num_heads}')
        self.num_frames = num_frames
        self.normalize = normalize
        self.cls_token = nn.Parameter(torch.randn(1, 1, in_channels) * init_std)
        self.pos_embed = nn.Parameter(torch.randn(1, num_frames + 1, in_channels) * init_std)
        self.blocks = ModuleList([
            Block(in_channels, num_heads, mlp_ratio=mlp_channels / in_channels, qkv_bias=False,
                  drop_rate=drop_rate, attn_drop_rate=0.0, act_cfg=act_cfg,
                  norm_cfg=dict(type='LN', eps=1e-5))
            for _ in range(num_layers)
        ])

    def forward(self, x: torch.Tensor,
                data_samples: Optional[List] = None) -> Tuple[torch.Tensor, Dict]:
        """``N x T x C`` frame features (what ``Recognizer3D`` passes from a
        backbone that keeps the frame axis) -> ``N x C`` and no auxiliary losses."""
        if x.dim() != 3:
            raise ValueError('TemporalTransformerNeck takes N x T x C frame features, got a '
                             f'tensor of shape {tuple(x.shape)}')
        n, t, _ = x.shape
        if t > self.num_frames:
            raise ValueError(f'{t} frames given; TemporalTransformerNeck was built for at most '
                             f'{self.num_frames} (num_frames)')
        x = torch.cat([self.cls_token.expand(n, -1, -1), x], dim=1) + self.pos_embed[:, :t + 1]
        for block in self.blocks:
            x = block(x)
        x = x[:, 0]
        return (F.normalize(x, dim=-1) if self.normalize else x), dict()
