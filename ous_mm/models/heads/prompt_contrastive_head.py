"""Classification against learnable text prompts (OUS's contrastive loss)."""
import math
from typing import Dict, Optional, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmaction.models.heads import BaseHead
from mmaction.registry import MODELS
from mmaction.utils import SampleList


@MODELS.register_module()
class PromptContrastiveHead(BaseHead):
    """Logits = logit scale x cosine(fused video feature, class prompt feature).

    ``L_contrast`` is the cross-entropy over these logits (``loss_cls``):
    below the alpha threshold the paper trains with "only the contrastive
    loss", so that loss must classify; the scene-face InfoNCE printed as
    Eq. 3 is an optional extra term of ``OUSRecognizer``.

    Args:
        num_classes (int): Number of classes; must equal the number of class
            names given to the prompt learner.
        in_channels (int): Width of the fused feature.
        prompt_learner (dict): Config of ``CoOpPromptLearner`` (holds the
            class names, from the dataset's metainfo in the configs).
        logit_scale (float | str): ``'clip'`` takes the CLIP model's own
            scale (x100 for the released weights, frozen in the authors'
            code); a number sets it. Defaults to ``'clip'``.
        learnable_scale (bool): Learn the (log) scale. Defaults to False.
        **kwargs: ``BaseHead`` arguments (``loss_cls``, ``topk``,
            ``average_clips`` ...).
    """

    def __init__(self,
                 num_classes: int,
                 in_channels: int,
                 prompt_learner: dict,
                 logit_scale: Union[float, str] = 'clip',
                 learnable_scale: bool = False,
                 init_cfg: Optional[dict] = None,
                 **kwargs) -> None:
        super().__init__(num_classes, in_channels, init_cfg=init_cfg, **kwargs)
        self.prompt_learner = MODELS.build(prompt_learner)
        names = self.prompt_learner.class_names
        if len(names) != num_classes:
            raise ValueError(f'num_classes={num_classes} but the prompt learner has '
                             f'{len(names)} class names {names}; make them agree '
                             '(the configs take both from the dataset metainfo)')
        if self.prompt_learner.out_channels != in_channels:
            raise ValueError(f'in_channels={in_channels} differs from the text feature '
                             f'width {self.prompt_learner.out_channels}')
        scale = self.prompt_learner.logit_scale_init if logit_scale == 'clip' else logit_scale
        log_scale = torch.tensor(math.log(float(scale)))
        if learnable_scale:
            self.log_logit_scale = nn.Parameter(log_scale)
        else:
            self.register_buffer('log_logit_scale', log_scale)

    def init_weights(self) -> None:
        """The prompt context is initialised in ``CoOpPromptLearner``."""

    def forward(self, x: torch.Tensor, **kwargs) -> torch.Tensor:
        """``N x in_channels`` L2-normalised features -> ``N x num_classes`` logits."""
        text = self.prompt_learner()
        return self.log_logit_scale.exp() * x @ text.t()

    def loss_by_feat(self, cls_scores: torch.Tensor,
                     data_samples: SampleList) -> Dict[str, torch.Tensor]:
        """``BaseHead``'s loss and top-k accuracies, the accuracies computed as tensors.

        ``BaseHead`` computes them in NumPy, which copies the scores to the host
        inside the training step: a synchronisation with the GPU each step, and
        a graph break for ``torch.compile`` (the cached configs compile the
        step as one graph). The logger reads the tensors after the step.
        """
        labels = torch.stack([x.gt_label for x in data_samples]).to(cls_scores.device)
        if labels.shape[-1:] == cls_scores.shape[-1:]:
            # soft labels: BaseHead computes no accuracy for them either
            return super().loss_by_feat(cls_scores, data_samples)
        labels = labels.reshape(-1)
        top = cls_scores.detach().topk(max(self.topk), dim=1).indices == labels[:, None]
        losses = {f'top{k}_acc': top[:, :k].any(1).float().mean() for k in self.topk}
        if self.label_smooth_eps != 0:
            labels = ((1 - self.label_smooth_eps) * F.one_hot(labels, self.num_classes) +
                      self.label_smooth_eps / self.num_classes)
        loss_cls = self.loss_cls(cls_scores, labels)
        losses.update(loss_cls if isinstance(loss_cls, dict) else dict(loss_cls=loss_cls))
        return losses
