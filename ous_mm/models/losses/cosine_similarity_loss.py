"""OUS's similarity loss (Eq. 2): 1 - cos between the aligned face and scene features."""
import torch
import torch.nn.functional as F
from mmaction.models.losses import BaseWeightedLoss
from mmaction.registry import MODELS


@MODELS.register_module()
class CosineSimilarityLoss(BaseWeightedLoss):
    """``loss_weight * mean(1 - cos(x, y))`` over the batch.

    Args:
        loss_weight (float): Factor of the loss. Defaults to 1.
    """

    def _forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """``x``, ``y``: ``B x C`` features; pairs are compared row by row."""
        return (1 - F.cosine_similarity(x, y, dim=-1)).mean()
