"""InfoNCE between two views of a batch (OUS's Eq. 3 as printed: scene against face)."""
import torch
import torch.nn.functional as F
from mmaction.models.losses import BaseWeightedLoss
from mmaction.registry import MODELS


@MODELS.register_module()
class InfoNCELoss(BaseWeightedLoss):
    """Each query must pick its own key among all keys of the batch.

    ``loss_weight * CE(cos(query_i, key_j) / temperature, target i)``.

    Args:
        temperature (float): ``tau``. Defaults to 0.07.
        loss_weight (float): Factor of the loss. Defaults to 1.
    """

    def __init__(self, temperature: float = 0.07, loss_weight: float = 1.0) -> None:
        super().__init__(loss_weight=loss_weight)
        self.temperature = temperature

    def _forward(self, query: torch.Tensor, key: torch.Tensor) -> torch.Tensor:
        """``query``, ``key``: ``B x C``; row i of each is the same clip."""
        sim = F.normalize(query, dim=-1) @ F.normalize(key, dim=-1).t()
        target = torch.arange(sim.shape[0], device=sim.device)
        return F.cross_entropy(sim / self.temperature, target)
