"""Building an open_clip model offline: by name or config, weights from a local file."""
import os.path as osp
from typing import Optional

import open_clip
import torch.nn as nn


def build_open_clip(model_name: str = 'ViT-L-14',
                    pretrained: Optional[str] = None,
                    model_cfg: Optional[dict] = None) -> nn.Module:
    """Build an open_clip ``CLIP`` model.

    Args:
        model_name (str): open_clip model name (``open_clip.list_models()``).
            Ignored when ``model_cfg`` is given. Defaults to ``'ViT-L-14'``.
        pretrained (str, optional): A local weights file (a state dict saved
            with ``torch.save(model.state_dict())`` or an open_clip release
            file), or an open_clip pretrained tag such as ``'openai'`` where a
            network is reachable. ``None`` keeps the random initialisation.
        model_cfg (dict, optional): Keyword arguments of ``open_clip.CLIP``
            (``embed_dim``, ``vision_cfg``, ``text_cfg``) for a custom model,
            e.g. a tiny one for tests.

    Returns:
        nn.Module: The open_clip model, in eval mode.
    """
    if model_cfg is not None:
        model = open_clip.CLIP(**model_cfg)
    else:
        if model_name not in open_clip.list_models():
            raise ValueError(f'unknown open_clip model {model_name!r}; choose one of '
                             f'open_clip.list_models() or give model_cfg')
        is_file = pretrained is not None and osp.isfile(pretrained)
        model = open_clip.create_model(
            model_name, pretrained=None if is_file else pretrained)
    if pretrained is not None and (model_cfg is not None or osp.isfile(pretrained)):
        if not osp.isfile(pretrained):
            raise FileNotFoundError(f'CLIP weights file not found: {pretrained}')
        # open_clip's own loader: handles 'state_dict' wrappers and position resizing.
        incompatible = open_clip.load_checkpoint(model, pretrained, strict=True)
        del incompatible
    return model.eval()
