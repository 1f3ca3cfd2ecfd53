"""An LSTM over per-frame CNN features: the CNN-LSTM baseline of DFEW's benchmark."""
from typing import Dict

import torch
import torch.nn as nn
from mmaction.models.heads import BaseHead
from mmaction.registry import MODELS
from mmengine.model.weight_init import normal_init


@MODELS.register_module()
class LSTMHead(BaseHead):
    """Frame features -> LSTM over time -> classifier.

    MMAction2's 2D heads (``TSNHead``, ``TSMHead``) average the frames; this
    head runs an LSTM over them in order and classifies its output at the
    last frame, as the "ResNet18+LSTM" and "VGG13+LSTM" rows of the DFEW
    benchmark (Jiang et al., ACM MM 2020) do. Used with ``Recognizer2D``,
    which hands it the backbone's ``N * T x C x H x W`` frame features and
    ``num_segs = T``.

    Args:
        num_classes (int): Number of classes.
        in_channels (int): Channels of the frame features (512 for ResNet-18).
        hidden_channels (int): Width of the LSTM's hidden state. Defaults to 512.
        num_layers (int): Stacked LSTM layers. Defaults to 1.
        dropout_ratio (float): Dropout before the classifier. Defaults to 0.5.
        init_std (float): Std of the classifier's initial weights.
            Defaults to 0.01.
        **kwargs: ``BaseHead`` arguments (``loss_cls``, ``average_clips``,
            ``topk`` ...).
    """

    def __init__(self,
                 num_classes: int,
                 in_channels: int,
                 hidden_channels: int = 512,
                 num_layers: int = 1,
                 dropout_ratio: float = 0.5,
                 init_std: float = 0.01,
                 **kwargs) -> None:
        super().__init__(num_classes, in_channels, **kwargs)
        self.init_std = init_std
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.lstm = nn.LSTM(in_channels, hidden_channels, num_layers=num_layers,
                            batch_first=True)
        self.dropout = nn.Dropout(p=dropout_ratio)
        self.fc_cls = nn.Linear(hidden_channels, num_classes)

    def init_weights(self) -> None:
        """Initialise the classifier (the LSTM keeps PyTorch's own initialisation)."""
        normal_init(self.fc_cls, std=self.init_std)

    def forward(self, x: torch.Tensor, num_segs: int, **kwargs: Dict) -> torch.Tensor:
        """``N * T x C x H x W`` frame features -> ``N x num_classes`` scores.

        Args:
            x (torch.Tensor): The backbone's features of every frame, clip by
                clip, frames in time order.
            num_segs (int): Frames per clip (``T``).
        """
        if x.shape[0] % num_segs:
            raise ValueError(f'{x.shape[0]} frame features do not split into clips of '
                             f'{num_segs} frames')
        x = self.pool(x).flatten(1)  # N * T x C
        x = x.view(-1, num_segs, x.shape[-1])  # N x T x C
        out, _ = self.lstm(x)  # N x T x hidden
        return self.fc_cls(self.dropout(out[:, -1]))
