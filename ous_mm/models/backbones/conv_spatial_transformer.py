"""Former-DFER's convolution-spatial transformer (CS-Former): ResNet stages with a spatial
transformer over one stage's feature map."""
import torch
import torch.nn as nn
from mmaction.models.backbones.vit_mae import Block
from mmaction.registry import MODELS
from mmaction.utils import ConfigType
from mmengine.model import BaseModule, ModuleList

from ..utils import frame_by_frame


@MODELS.register_module()
class ConvSpatialTransformer(BaseModule):
    """MMAction2's 2D ResNet whose feature map after stage ``transformer_after`` is
    read as ``h x w`` tokens, given learned positions and passed through transformer
    blocks, then goes on through the remaining stages; the last map is average-pooled
    into one feature per frame.

    This is the S-Former of Former-DFER (zengqunzhao/Former-DFER, commit
    1b5ad6f79c645fd98713da4a0d1606806035cde6, ``models/S_Former.py``): ResNet-18, one
    block after ``layer3`` (lines 225-237: 256 channels, 7 x 7 tokens at 112 px), 8
    heads of 32 dims, MLP 512, no dropout (line 158), position embedding drawn from
    N(0, 1) (line 183). Its block (lines 47-100) is pre-norm, bias-free ``to_qkv``,
    output projection with bias, tanh-approximated GELU (lines 8-10), no final norm:
    MMAction2's ``vit_mae.Block`` with ``qkv_bias=False``, ``LN`` eps 1e-5 and
    ``GELU(approximate='tanh')`` is the same layer (same parameters, same function).

    Args:
        resnet (dict): Config of MMAction2's ``ResNet`` (2D). Defaults to ResNet-18
            from scratch, as the authors' code trains it.
        image_size (int): Input side; fixes the number of tokens (positions).
            Defaults to 112.
        transformer_after (int): Index of the ResNet stage whose output the
            transformer reads. Defaults to 2 (``layer3``).
        num_layers (int): Transformer blocks. Defaults to 1.
        num_heads (int): Attention heads. Defaults to 8.
        mlp_ratio (float): MLP hidden width over the stage's channels.
            Defaults to 2 (512 / 256).
        drop_rate (float): Dropout in the blocks. Defaults to 0.
        act_cfg (dict): The MLP's activation. Defaults to tanh-approximated GELU.
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 resnet: ConfigType = dict(type='ResNet', depth=18, pretrained=None),
                 image_size: int = 112,
                 transformer_after: int = 2,
                 num_layers: int = 1,
                 num_heads: int = 8,
                 mlp_ratio: float = 2.0,
                 drop_rate: float = 0.0,
                 act_cfg: ConfigType = dict(type='GELU', approximate='tanh'),
                 init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.resnet = MODELS.build(resnet)
        num_stages = len(self.resnet.res_layers)
        if not 0 <= transformer_after < num_stages:
            raise ValueError(f'transformer_after={transformer_after}: the ResNet has stages '
                             f'0..{num_stages - 1}')
        self.transformer_after = transformer_after
        # MMAction2's ResNet: stage i has 64 * 2^i planes
        channels = 64 * 2**transformer_after * self.resnet.block.expansion
        self.num_tokens = self._map_side(image_size) ** 2
        self.pos_embed = nn.Parameter(torch.randn(1, self.num_tokens, channels))
        self.blocks = ModuleList([
            Block(channels, num_heads, mlp_ratio=mlp_ratio, qkv_bias=False, drop_rate=drop_rate,
                  attn_drop_rate=0.0, act_cfg=act_cfg, norm_cfg=dict(type='LN', eps=1e-5))
            for _ in range(num_layers)
        ])
        self.pool = nn.AdaptiveAvgPool2d(1)

    def _map_side(self, side: int) -> int:
        """Side of the map after stage ``transformer_after`` for a ``side`` x ``side`` input."""
        side = (side + 2 * 3 - 7) // 2 + 1  # stem conv: 7 x 7, stride 2, padding 3
        side = (side + 2 - 3) // 2 + 1  # max pool: 3 x 3, stride 2, padding 1
        for stride in self.resnet.strides[:self.transformer_after + 1]:
            side = (side + 2 - 3) // stride + 1  # first 3 x 3 conv of the stage
        return side

    def forward(self, imgs: torch.Tensor) -> torch.Tensor:
        """Encode every frame.

        Args:
            imgs (torch.Tensor): ``N x 3 x T x H x W`` clips (what ``Recognizer3D``
                passes) or ``N x 3 x H x W`` frames, normalised.

        Returns:
            torch.Tensor: ``N x T x C`` frame features (``N x C`` for frames), for a
            temporal neck.
        """
        return frame_by_frame(self._encode, imgs, type(self).__name__)

    def _encode(self, x: torch.Tensor) -> torch.Tensor:
        resnet = self.resnet
        x = resnet.maxpool(resnet.conv1(x))
        for i, name in enumerate(resnet.res_layers):
            x = getattr(resnet, name)(x)
            if i == self.transformer_after:
                x = self._spatial_attention(x)
        return self.pool(x).flatten(1)

    def _spatial_attention(self, x: torch.Tensor) -> torch.Tensor:
        n, c, h, w = x.shape
        if h * w != self.num_tokens:
            raise ValueError(f'the map after stage {self.transformer_after} has {h} x {w} '
                             f'tokens, the position embedding {self.num_tokens}: set image_size '
                             'to the side of the frames the model is given')
        tokens = x.flatten(2).transpose(1, 2) + self.pos_embed  # N x hw x C
        for block in self.blocks:
            tokens = block(tokens)
        return tokens.transpose(1, 2).reshape(n, c, h, w)
