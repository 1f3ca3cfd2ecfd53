"""Polarity Encoder: scene polarity from the encoder's early blocks."""
import torch
import torch.nn as nn
from mmaction.registry import MODELS
from mmengine.model import BaseModule


@MODELS.register_module()
class PolarityEncoder(BaseModule):
    """Early-block scene features -> one polarity feature ``V_pol`` per clip.

    The paper does not size it; ous-mm uses a per-frame two-layer MLP
    followed by the mean over frames (the scene changes little over time,
    as for ``V_st``), which keeps the input cacheable as pooled features.

    Args:
        in_channels (int): Width of the pooled early features (``2 x`` the
            encoder width: CLS and mean patch token).
        out_channels (int): Width of ``V_pol``.
        hidden_channels (int): Hidden width. Defaults to ``out_channels``.
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self, in_channels: int, out_channels: int, hidden_channels: int = None,
                 init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        hidden_channels = hidden_channels or out_channels
        self.mlp = nn.Sequential(
            nn.LayerNorm(in_channels), nn.Linear(in_channels, hidden_channels),
            nn.GELU(), nn.Linear(hidden_channels, out_channels))

    def forward(self, early: torch.Tensor) -> torch.Tensor:
        """``B x T x in_channels`` -> ``B x out_channels``."""
        return self.mlp(early).mean(dim=1)
