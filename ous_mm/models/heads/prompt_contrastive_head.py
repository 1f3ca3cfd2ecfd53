"""Classification against learnable text prompts (OUS's contrastive loss)."""
import math
from typing import Optional, Union

import torch
import torch.nn as nn
from mmaction.models.heads import BaseHead
from mmaction.registry import MODELS


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
