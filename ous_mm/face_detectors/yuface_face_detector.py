"""libfacedetection's CNN face detector (YuNet), compiled into the 0.5 MB `yuface` wheel."""
from typing import List, Sequence

import cv2
import numpy as np

from ..registry import FACE_DETECTORS
from .base_face_detector import BaseFaceDetector, face_rows


@FACE_DETECTORS.register_module()
class YuFaceDetector(BaseFaceDetector):
    """libfacedetection (Shiqi Yu et al., BSD-3) through ``yuface``: boxes and five landmarks.

    CPU only, one frame at a time (the library has no batch call); it works
    on frames of at most 960 px, so larger ones are downscaled first. Boxes
    and landmarks come as integers (``uint16``). An optional backend: install
    with ``pip install --no-deps yuface==2023.5.1`` (wheels for CPython up to
    3.11; docs/en/benchmarks.md, "Face detectors", compares it with MTCNN and Haar).

    Args:
        score_thr (float): Smallest score of a face (0-1). Defaults to 0.5.
        max_side (int): Frames whose longer side exceeds it are downscaled to
            it. Defaults to 960 (the library's limit).
    """

    has_landmarks = True

    def __init__(self, score_thr: float = 0.5, max_side: int = 960) -> None:
        try:
            import yuface
        except ImportError as err:
            raise ImportError(f'YuFaceDetector needs yuface ({err}): `pip install --no-deps '
                              'yuface==2023.5.1`') from err
        self._detect = yuface.detect
        self.score_thr = score_thr
        self.max_side = max_side
        self.name = 'YuFaceDetector(libfacedetection)'

    def detect(self, frames: Sequence[np.ndarray]) -> List[np.ndarray]:
        out = []
        for frame in frames:
            h, w = frame.shape[:2]
            scale = min(1.0, self.max_side / max(h, w))
            bgr = np.ascontiguousarray(frame[..., ::-1])
            if scale < 1.0:
                bgr = cv2.resize(bgr, (round(w * scale), round(h * scale)),
                                 interpolation=cv2.INTER_AREA)
            confs, boxes, points = self._detect(bgr, conf=self.score_thr)
            boxes = boxes.astype(np.float32).reshape(-1, 4)
            boxes[:, 2:] += boxes[:, :2]  # x, y, w, h -> x1, y1, x2, y2
            out.append(face_rows(boxes / scale, confs.astype(np.float32) / 100,
                                 points.astype(np.float32).reshape(-1, 5, 2) / scale))
        return out
