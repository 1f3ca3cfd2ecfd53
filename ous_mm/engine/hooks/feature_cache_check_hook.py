"""Refusing to train or test from a feature cache made with another frozen encoder."""
import torch.nn as nn
from mmaction.registry import HOOKS

from ...datasets.cached_feature_dataset import CachedFeatureDataset
from .loop_check_hook import LoopCheckHook


@HOOKS.register_module()
class FeatureCacheCheckHook(LoopCheckHook):
    """Check, before training, validation and test, that cached features fit the model.

    ``CachedFeatureDataset`` checks the data side of its cache's fingerprint
    (pipeline, clips, labels, each clip's content) when it is built; the
    encoder side (the frozen encoder's weights by content, its settings,
    frames, scene stride, streams) needs the built model, after any
    checkpoint is loaded (a random demo encoder's weights come from the
    checkpoint), hence this hook. A
    mismatch raises ``FeatureCacheError`` naming the cache and what differs.
    Loops whose dataset is not a ``CachedFeatureDataset`` are left alone.
    """

    def check(self, model: nn.Module, loop) -> None:
        if isinstance(loop.dataloader.dataset, CachedFeatureDataset):
            loop.dataloader.dataset.check_encoder(model, self.model_cfg)

    def before_run(self, runner) -> None:
        self.model_cfg = runner.cfg.model  # the encoder settings to compare with the cache's
