"""Multimodal Cross-Scale Fusion Encoder (MCFE; OUS Eqs. 5-10 and 15)."""
from typing import Tuple

import torch
import torch.nn as nn
from mmaction.registry import MODELS
from mmengine.model import BaseModule


class MCFEBlock(nn.Module):
    """One cross-scale attention block: ``LN(MLP(LN(Attention(Q, LN(KV), LN(KV)))))``.

    Unlike a transformer block, the keys/values are normalised before the
    attention (Eq. 5), the attention output is normalised (Eq. 7), and the
    ReLU MLP's output is normalised (Eqs. 8-10).

    Args:
        dims (int): Token width.
        num_heads (int): Attention heads.
        mlp_ratio (float): MLP hidden width over ``dims``.
    """

    def __init__(self, dims: int, num_heads: int, mlp_ratio: float = 4.0) -> None:
        super().__init__()
        self.norm_kv = nn.LayerNorm(dims)
        self.attn = nn.MultiheadAttention(dims, num_heads, batch_first=True)
        self.norm_attn = nn.LayerNorm(dims)
        hidden = int(dims * mlp_ratio)
        self.mlp = nn.Sequential(nn.Linear(dims, hidden), nn.ReLU(inplace=True),
                                 nn.Linear(hidden, dims))
        self.norm_out = nn.LayerNorm(dims)

    def forward(self, query: torch.Tensor, kv: torch.Tensor,
                need_weights: bool = False) -> Tuple[torch.Tensor, torch.Tensor]:
        kv = self.norm_kv(kv)
        out, weights = self.attn(query, kv, kv, need_weights=need_weights)
        return self.norm_out(self.mlp(self.norm_attn(out))), weights


@MODELS.register_module()
class MCFE(BaseModule):
    """Stacked MCFE blocks driven by ONE learnable query set shared by all blocks.

    The queries are drawn from ``N(query_mean, query_std^2)`` (Eq. 6). Block 1
    attends from the queries to the input tokens (polarity, face frames and
    scene); block ``b > 1`` attends from the same queries to block ``b - 1``'s
    output. With ``residual`` set, block ``b > 1`` adds its input: Eq. 10 has no
    residual, but without it 12 post-normalised blocks train poorly (the
    authors' code uses standard residual blocks).

    Args:
        dims (int): Token width.
        num_blocks (int): Number of blocks. Defaults to 12 (Table 4's best).
        num_queries (int): Number of query tokens. Defaults to 8.
        num_heads (int): Attention heads. Defaults to 8.
        mlp_ratio (float): MLP hidden width over ``dims``. Defaults to 4.
        query_mean (float): ``mu`` of the query init. Defaults to 0.
        query_std (float): ``sigma`` of the query init. Defaults to 0.02.
        residual (bool): Residual connection around blocks 2..N. Defaults to True.
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 dims: int,
                 num_blocks: int = 12,
                 num_queries: int = 8,
                 num_heads: int = 8,
                 mlp_ratio: float = 4.0,
                 query_mean: float = 0.0,
                 query_std: float = 0.02,
                 residual: bool = True,
                 init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        if dims % num_heads:
            raise ValueError(f'MCFE width {dims} is not divisible by num_heads={num_heads}')
        self.query = nn.Parameter(torch.empty(num_queries, dims))
        self.query_mean, self.query_std = query_mean, query_std
        self.blocks = nn.ModuleList(
            MCFEBlock(dims, num_heads, mlp_ratio) for _ in range(num_blocks))
        self.residual = residual
        self.reset_query()

    def reset_query(self) -> None:
        nn.init.normal_(self.query, self.query_mean, self.query_std)

    def init_weights(self) -> None:
        super().init_weights()
        self.reset_query()

    def forward(self, tokens: torch.Tensor, return_attn: bool = False):
        """Fuse tokens.

        Args:
            tokens (torch.Tensor): ``B x L x dims`` key/value tokens.
            return_attn (bool): Also return block 1's attention over the
                input tokens (``B x num_queries x L``, averaged over heads).

        Returns:
            torch.Tensor | tuple: ``B x num_queries x dims`` fused tokens
            (and the attention map when asked).
        """
        query = self.query.unsqueeze(0).expand(tokens.shape[0], -1, -1)
        x, attn = self.blocks[0](query, tokens, need_weights=return_attn)
        for block in self.blocks[1:]:
            out, _ = block(query, x)
            x = x + out if self.residual else out
        return (x, attn) if return_attn else x
