"""Offline face detector: OpenCV's Haar cascade (shipped inside opencv-python)."""
import os.path as osp
from typing import List, Optional, Sequence

import cv2
import numpy as np

from ..registry import FACE_DETECTORS


@FACE_DETECTORS.register_module()
class OpenCVHaarFaceDetector:
    """The frontal-face Haar cascade of OpenCV: no download, CPU only.

    Weaker than a trained CNN detector on profile or small faces; use
    ``MMDetFaceDetector`` for real datasets. Keeps the largest face per frame.

    Args:
        cascade (str): Cascade file name in ``cv2.data.haarcascades`` or a
            path. Defaults to ``'haarcascade_frontalface_default.xml'``.
        scale_factor (float): Pyramid step of ``detectMultiScale``. Defaults to 1.1.
        min_neighbors (int): Neighbours a candidate needs. Defaults to 5.
        min_size_fraction (float): Smallest face side over the frame's
            shorter side. Defaults to 0.05.
    """

    def __init__(self,
                 cascade: str = 'haarcascade_frontalface_default.xml',
                 scale_factor: float = 1.1,
                 min_neighbors: int = 5,
                 min_size_fraction: float = 0.05) -> None:
        path = cascade if osp.isfile(cascade) else osp.join(cv2.data.haarcascades, cascade)
        self.classifier = cv2.CascadeClassifier(path)
        if self.classifier.empty():
            raise FileNotFoundError(f'cannot load the Haar cascade {path}')
        self.name = f'OpenCVHaarFaceDetector({osp.basename(path)})'
        self.scale_factor = scale_factor
        self.min_neighbors = min_neighbors
        self.min_size_fraction = min_size_fraction

    def __call__(self, frames: Sequence[np.ndarray]) -> List[Optional[np.ndarray]]:
        """Detect the largest face in each RGB frame.

        Returns:
            list: Per frame ``[x1, y1, x2, y2, score]`` (score 1: the cascade
            gives none) or ``None``.
        """
        out = []
        for frame in frames:
            gray = cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY)
            side = int(self.min_size_fraction * min(gray.shape))
            faces = self.classifier.detectMultiScale(
                gray, scaleFactor=self.scale_factor, minNeighbors=self.min_neighbors,
                minSize=(side, side))
            if len(faces) == 0:
                out.append(None)
                continue
            x, y, w, h = max(faces, key=lambda f: f[2] * f[3])
            out.append(np.array([x, y, x + w, y + h, 1.0], np.float32))
        return out
