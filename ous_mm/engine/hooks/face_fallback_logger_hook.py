"""Logging how the clips of an epoch got their faces."""
from typing import List, Tuple

from mmaction.registry import HOOKS
from mmengine.dist import collect_results, is_main_process
from mmengine.hooks import Hook


@HOOKS.register_module()
class FaceFallbackLoggerHook(Hook):
    """Count, per epoch, frames that borrowed a neighbour's box, clips with no face, cached
    boxes that were unusable, and clips whose faces were detected online.

    ``LoadFaceBoxes`` and ``FaceSceneSplit`` run in dataloader workers, so
    their counts travel with each sample (``face_missing``, ``face_fallback``,
    ``face_invalid``, ``face_detected_online`` in the data samples' metainfo;
    the configs' ``PackActionInputs`` packs them) and are summed here in the main process.
    Clips detected online are slow (the detector runs in the loader): fill the
    face-box cache with ``tools/detect_faces.py``. In distributed runs the per-clip counts
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
        # (frames without a box of their own, no face at all, unusable cached boxes,
        # detected online) per clip, in order
        self.per_clip: List[Tuple[int, int, int, int]] = []

    def _count(self, data_batch) -> None:
        for sample in data_batch['data_samples']:
            meta = sample.metainfo
            self.per_clip.append((int(meta.get('face_missing', 0)),
                                  int(bool(meta.get('face_fallback', False))),
                                  int(meta.get('face_invalid', 0)),
                                  int(bool(meta.get('face_detected_online', False)))))

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
        missing, fallback, invalid, online = (sum(c[i] for c in per_clip) for i in range(4))
        runner.logger.info(
            f'FaceSceneSplit ({mode}): {len(per_clip)} clips, {missing} frames used a '
            f'neighbouring frame\'s face box, {fallback} clips had no face at all '
            f'(centre crop), {invalid} cached boxes were unusable (counted as missing), '
            f'{online} clips were not in the face-box cache (faces detected online)')

    def after_train_epoch(self, runner) -> None:
        self._log(runner, 'train', runner.train_dataloader)

    def after_val_epoch(self, runner, metrics=None) -> None:
        self._log(runner, 'val', runner.val_dataloader)

    def after_test_epoch(self, runner, metrics=None) -> None:
        self._log(runner, 'test', runner.test_dataloader)
