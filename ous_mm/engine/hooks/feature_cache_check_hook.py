"""Refusing to train or test from a feature cache made with another frozen encoder."""
from mmaction.registry import HOOKS
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from ...datasets.feature_cache import CachedFeatureDataset


@HOOKS.register_module()
class FeatureCacheCheckHook(Hook):
    """Check, before training, validation and test, that cached features fit the model.

    ``CachedFeatureDataset`` checks the data side of its cache's fingerprint
    (pipeline, clips, labels) when it is built; the encoder side (the frozen
    encoder's weights by content, its settings, frames, scene stride,
    streams) needs the built model, after any checkpoint is loaded (a random
    demo encoder's weights come from the checkpoint), hence this hook. A
    mismatch raises ``FeatureCacheError`` naming the cache and what differs.
    Loops whose dataset is not a ``CachedFeatureDataset`` are left alone.
    """

    priority = 'VERY_HIGH'

    def _check(self, runner, loop) -> None:
        if loop is None or not isinstance(loop.dataloader.dataset, CachedFeatureDataset):
            return
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        loop.dataloader.dataset.check_encoder(model, runner.cfg.model)

    def before_train(self, runner) -> None:
        self._check(runner, runner.train_loop)

    def before_val(self, runner) -> None:
        self._check(runner, runner.val_loop)

    def before_test(self, runner) -> None:
        self._check(runner, runner.test_loop)
