"""Logging how often FaceSceneSplit had no face box of its own."""
from typing import List, Tuple

from mmaction.registry import HOOKS
from mmengine.dist import collect_results, is_main_process
from mmengine.hooks import Hook


@HOOKS.register_module()
class FaceFallbackLoggerHook(Hook):
    """Count, per epoch, frames that borrowed a neighbour's box and clips with no face.

    ``FaceSceneSplit`` runs in dataloader workers, so its counts travel with
    each sample (``face_missing``/``face_fallback`` in the data samples'
    metainfo; add them to ``PackActionInputs(meta_keys=...)``) and are
    summed here in the main process. In distributed runs the per-clip counts
    of every rank are gathered as MMEngine's metrics gather results (the
    sampler's padding dropped), so the log covers the whole split.
    """

    priority = 'LOW'

    def before_train_epoch(self, runner) -> None:
        self._reset()

    def before_val_epoch(self, runner) -> None:
        self._reset()

    def before_test_epoch(self, runner) -> None:
        self._reset()

    def _reset(self) -> None:
        # (frames without a box of their own, clip without any face) per clip, in order
        self.per_clip: List[Tuple[int, int]] = []

    def _count(self, data_batch) -> None:
        for sample in data_batch['data_samples']:
            self.per_clip.append((int(sample.metainfo.get('face_missing', 0)),
                                  int(bool(sample.metainfo.get('face_fallback', False)))))

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None) -> None:
        self._count(data_batch)

    def after_val_iter(self, runner, batch_idx, data_batch=None, outputs=None) -> None:
        self._count(data_batch)

    def after_test_iter(self, runner, batch_idx, data_batch=None, outputs=None) -> None:
        self._count(data_batch)

    def _log(self, runner, mode: str, dataloader) -> None:
        # a collective call: every rank takes part, rank 0 receives the whole split
        per_clip = collect_results(self.per_clip, len(dataloader.dataset), device='cpu')
        if not is_main_process():
            return
        missing = sum(m for m, _ in per_clip)
        fallback = sum(f for _, f in per_clip)
        runner.logger.info(
            f'FaceSceneSplit ({mode}): {len(per_clip)} clips, {missing} frames used a '
            f'neighbouring frame\'s face box, {fallback} clips had no face at all '
            '(centre crop)')

    def after_train_epoch(self, runner) -> None:
        self._log(runner, 'train', runner.train_dataloader)

    def after_val_epoch(self, runner, metrics=None) -> None:
        self._log(runner, 'val', runner.val_dataloader)

    def after_test_epoch(self, runner, metrics=None) -> None:
        self._log(runner, 'test', runner.test_dataloader)
