"""Run a per-image encoder over every frame of MMAction2's ``N x C x T x H x W`` clips."""
from typing import Callable

import torch


def frame_by_frame(encode: Callable[[torch.Tensor], torch.Tensor], imgs: torch.Tensor,
                   owner: str) -> torch.Tensor:
    """``encode`` (``B x C x H x W`` images -> ``B x D``) applied to each frame.

    Args:
        encode (Callable): The per-image encoder.
        imgs (torch.Tensor): ``N x C x T x H x W`` clips (what ``Recognizer3D``
            passes) or ``N x C x H x W`` frames.
        owner (str): The module's name, for the error on other shapes.

    Returns:
        torch.Tensor: ``N x T x D`` frame features (``N x D`` for frames), for a
        temporal neck.
    """
    if imgs.dim() == 4:
        return encode(imgs)
    if imgs.dim() != 5:
        raise ValueError(f'{owner} takes N x C x T x H x W clips or N x C x H x W frames, got a '
                         f'tensor of shape {tuple(imgs.shape)}')
    n, c, t, h, w = imgs.shape
    return encode(imgs.transpose(1, 2).reshape(n * t, c, h, w)).reshape(n, t, -1)
