"""Logging how often FaceSceneSplit had no face box of its own."""
from mmaction.registry import HOOKS
from mmengine.hooks import Hook


@HOOKS.register_module()
class FaceFallbackLoggerHook(Hook):
    """Count, per epoch, frames that borrowed a neighbour's box and clips with no face.

    ``FaceSceneSplit`` runs in dataloader workers, so its counts travel with
    each sample (``face_missing``/``face_fallback`` in the data samples'
    metainfo; add them to ``PackActionInputs(meta_keys=...)``) and are
    summed here in the main process.
    """

    priority = 'LOW'

    def before_train_epoch(self, runner) -> None:
        self._reset()

    def before_val_epoch(self, runner) -> None:
        self._reset()

    def before_test_epoch(self, runner) -> None:
        self._reset()

    def _reset(self) -> None:
        self.clips = self.missing = self.fallback = 0

    def _count(self, data_batch) -> None:
        for sample in data_batch['data_samples']:
            self.clips += 1
            self.missing += int(sample.metainfo.get('face_missing', 0))
            self.fallback += int(bool(sample.metainfo.get('face_fallback', False)))

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None) -> None:
        self._count(data_batch)

    def after_val_iter(self, runner, batch_idx, data_batch=None, outputs=None) -> None:
        self._count(data_batch)

    def after_test_iter(self, runner, batch_idx, data_batch=None, outputs=None) -> None:
        self._count(data_batch)

    def _log(self, runner, mode: str) -> None:
        runner.logger.info(
            f'FaceSceneSplit ({mode}): {self.clips} clips, {self.missing} frames used a '
            f'neighbouring frame\'s face box, {self.fallback} clips had no face at all '
            '(centre crop)')

    def after_train_epoch(self, runner) -> None:
        self._log(runner, 'train')

    def after_val_epoch(self, runner, metrics=None) -> None:
        self._log(runner, 'val')

    def after_test_epoch(self, runner, metrics=None) -> None:
        self._log(runner, 'test')
