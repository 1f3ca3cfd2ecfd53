"""Parameters and FLOPs of a recognizer, counted the same way for OUS and any MMAction2 model."""
from typing import Union

import torch
import torch.nn as nn
from mmengine.analysis import FlopAnalyzer
from mmengine.config import Config
from mmengine.dataset import pseudo_collate

from .loading import init_model, split_dataset


class Logits(nn.Module):
    """A recognizer as a tensor -> logits function, for FlopAnalyzer's tracing.

    Args:
        model (nn.Module): The recognizer.
        keys (list[str], optional): The names of its input streams (a dict of
            inputs, as OUS takes them), or None for one tensor.
    """

    def __init__(self, model: nn.Module, keys) -> None:
        super().__init__()
        self.model, self.keys = model, keys

    def forward(self, *tensors):
        inputs = dict(zip(self.keys, tensors)) if self.keys else tensors[0]
        feats, kwargs = self.model.extract_feat(inputs, test_mode=True)
        if isinstance(feats, dict):  # OUS: the fused feature
            feats = feats['fused']
        return self.model.cls_head(feats, **kwargs)


def model_complexity(config: Union[str, Config]) -> dict:
    """Trainable and frozen parameters, and FLOPs of one test clip, of a config's model.

    The model is built with the config's weights settings (sizes and FLOPs do
    not depend on trained weights); the clip is the first of its test split,
    through its test pipeline and data preprocessor, at batch size 1. FLOPs
    are MMEngine's ``FlopAnalyzer`` count (one multiply-add = one FLOP,
    fvcore's convention) of the recognizer's ``extract_feat`` and
    ``cls_head`` (OUS: its class prompts included).

    Args:
        config (str | Config): The config (e.g. the one a run saved in its
            work dir).

    Returns:
        dict: ``model`` (its type), ``trainable`` and ``frozen`` (parameter
        counts, as ``model.parameters()`` has them) and ``gflops``.
    """
    model = init_model(config)
    cfg = model.cfg
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    frozen = sum(p.numel() for p in model.parameters() if not p.requires_grad)
    dataset = split_dataset(cfg, 'test')
    # countable attention ops; the process-wide switch is put back, as callers go on to train
    fastpath = torch.backends.mha.get_fastpath_enabled()
    torch.backends.mha.set_fastpath_enabled(False)
    try:
        with torch.no_grad():
            data = model.data_preprocessor(pseudo_collate([dataset[0]]), False)
            inputs = data['inputs']
            keys = sorted(inputs) if isinstance(inputs, dict) else None
            args = tuple(inputs[k] for k in keys) if keys else (inputs, )
            analyzer = FlopAnalyzer(Logits(model, keys), args)
            analyzer.unsupported_ops_warnings(False).uncalled_modules_warnings(False)
            gflops = analyzer.total() / 1e9
    finally:
        torch.backends.mha.set_fastpath_enabled(fastpath)
    return dict(model=cfg.model.type, trainable=trainable, frozen=frozen, gflops=gflops)
