"""Face detection with any MMDetection 3.x detector whose classes include a face."""
from typing import List, Optional, Sequence, Union

import numpy as np
from mmengine.registry import DefaultScope

from ..registry import FACE_DETECTORS
from .base_face_detector import BaseFaceDetector, face_rows


@FACE_DETECTORS.register_module()
class MMDetFaceDetector(BaseFaceDetector):
    """Run an mmdet detector through ``mmdet.apis`` in batches; every face above ``score_thr``.

    mmdet's detectors give boxes, not landmarks: their faces are cropped
    with ``crop_style='box'``.

    Args:
        config (str | dict): mmdet config file or dict (with a test pipeline).
        checkpoint (str, optional): Weights file; ``None`` keeps the random
            initialisation (tests only).
        score_thr (float): Minimum score of a face. Defaults to 0.5.
        device (str): ``'cpu'`` or ``'cuda:N'``. Defaults to ``'cpu'``.
        batch_size (int): Frames per ``inference_detector`` call. Defaults to 16.
        face_class (str): Class name of faces in the detector's metainfo
            (case-insensitive). Defaults to ``'face'``.
    """

    def __init__(self,
                 config: Union[str, dict],
                 checkpoint: Optional[str] = None,
                 score_thr: float = 0.5,
                 device: str = 'cpu',
                 batch_size: int = 16,
                 face_class: str = 'face') -> None:
        from mmdet.apis import init_detector
        from mmengine.config import Config
        cfg = Config(config) if isinstance(config, dict) else config
        # mmdet switches the global default scope; keep it to this call (ous-mm builds
        # mmaction components in the same process)
        with DefaultScope.overwrite_default_scope('mmdet'):
            self.model = init_detector(cfg, checkpoint, device=device)
        if checkpoint is None:
            # without a checkpoint mmdet assumes COCO's classes; the config's own win
            meta = cfg.get('test_dataloader', {}).get('dataset', {}).get('metainfo')
            if meta and 'classes' in meta:
                self.model.dataset_meta = dict(classes=tuple(meta['classes']))
        classes = [str(c).lower() for c in self.model.dataset_meta.get('classes', ())]
        if face_class.lower() not in classes:
            raise ValueError(f'the detector\'s classes {classes} have no {face_class!r}; '
                             'give a face detector or set face_class')
        self.label = classes.index(face_class.lower())
        self.score_thr = score_thr
        self.batch_size = batch_size
        self.name = f'MMDetFaceDetector({checkpoint or "random init"})'

    def detect(self, frames: Sequence[np.ndarray]) -> List[np.ndarray]:
        from mmdet.apis import inference_detector
        out = []
        for i in range(0, len(frames), self.batch_size):
            bgr = [np.ascontiguousarray(f[..., ::-1]) for f in frames[i:i + self.batch_size]]
            with DefaultScope.overwrite_default_scope('mmdet'):
                results = inference_detector(self.model, bgr)
            for result in results:
                inst = result.pred_instances
                keep = (inst.labels == self.label) & (inst.scores >= self.score_thr)
                out.append(face_rows(inst.bboxes[keep].cpu().numpy(),
                                     inst.scores[keep].cpu().numpy()))
        return out
