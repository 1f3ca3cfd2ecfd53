"""Scene polarity classifier trained by OUS's polarity loss (Eq. 1)."""
from typing import Dict, List, Optional, Sequence

import torch
import torch.nn as nn
from mmaction.registry import MODELS
from mmengine.model import BaseModule

from ...datasets.dfer_dataset import DFER_POLARITY


@MODELS.register_module()
class PolarityHead(BaseModule):
    """Linear classifier of ``V_pol`` into polarities, with a cross-entropy loss.

    The polarity label comes from the emotion label through
    ``emotion_to_polarity`` (the paper names no mapping; ous-mm's is
    :data:`ous_mm.datasets.DFER_POLARITY`, with its reasons).

    Args:
        in_channels (int): Width of ``V_pol``.
        emotion_to_polarity (Sequence[int], optional): Polarity index of each
            emotion class, in label order. Defaults to None: ous-mm's mapping of
            its class order (:data:`ous_mm.datasets.DFER_POLARITY`), whose
            first entries serve a dataset with fewer classes.
        polarity_names (Sequence[str]): Names of the polarities. Defaults to
            ``('positive', 'neutral', 'negative')``.
        loss_cls (dict): The polarity loss, as MMAction2 heads take theirs.
            Defaults to ``dict(type='CrossEntropyLoss')``.
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 in_channels: int,
                 emotion_to_polarity: Optional[Sequence[int]] = None,
                 polarity_names: Sequence[str] = ('positive', 'neutral', 'negative'),
                 loss_cls: dict = dict(type='CrossEntropyLoss'),
                 init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.polarity_names = tuple(polarity_names)
        if emotion_to_polarity is None:
            emotion_to_polarity = DFER_POLARITY
        bad = [p for p in emotion_to_polarity if not 0 <= p < len(polarity_names)]
        if bad:
            raise ValueError(f'emotion_to_polarity holds {bad}, outside 0..'
                             f'{len(polarity_names) - 1} ({self.polarity_names})')
        self.register_buffer('mapping', torch.tensor(list(emotion_to_polarity)),
                             persistent=False)
        self.fc = nn.Linear(in_channels, len(polarity_names))
        self.loss_cls = MODELS.build(loss_cls)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``B x in_channels`` -> ``B x num_polarities`` logits."""
        return self.fc(x)

    def polarity_labels(self, data_samples: List) -> torch.Tensor:
        # every label has a polarity: OUSRecognizer checks that the mapping covers its
        # classes when built (a check here would read the labels on the host each step)
        labels = torch.stack([s.gt_label for s in data_samples]).reshape(-1)
        return self.mapping[labels.to(self.mapping.device)]

    def loss(self, x: torch.Tensor, data_samples: List) -> Dict[str, torch.Tensor]:
        logits = self(x)
        target = self.polarity_labels(data_samples).to(logits.device)
        return dict(
            loss_polarity=self.loss_cls(logits, target),
            polarity_acc=(logits.argmax(-1) == target).float().mean().detach())
