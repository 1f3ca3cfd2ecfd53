"""Offline face detector: OpenCV's Haar cascade (shipped inside opencv-python)."""
import os.path as osp
from typing import List, Sequence

import cv2
import numpy as np

from ..registry import FACE_DETECTORS
from .base_face_detector import BaseFaceDetector, face_rows


@FACE_DETECTORS.register_module()
class OpenCVHaarFaceDetector(BaseFaceDetector):
    """The frontal-face Haar cascade of OpenCV: no download, CPU only.

    Frontal faces only, no landmarks (so no aligned crops), and weaker than a
    trained CNN detector on profile or small faces (docs/en/benchmarks.md); the
    offline default is ``MTCNNFaceDetector``. Every face is returned with
    score 1 (the cascade gives none), largest first.

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

    def detect(self, frames: Sequence[np.ndarray]) -> List[np.ndarray]:
        out = []
        for frame in frames:
            gray = cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY)
            side = int(self.min_size_fraction * min(gray.shape))
            faces = np.asarray(self.classifier.detectMultiScale(
                gray, scaleFactor=self.scale_factor, minNeighbors=self.min_neighbors,
                minSize=(side, side)), np.float32).reshape(-1, 4)
            faces = faces[np.argsort(-faces[:, 2] * faces[:, 3], kind='stable')]
            faces[:, 2:] += faces[:, :2]  # x, y, w, h -> x1, y1, x2, y2
            out.append(face_rows(faces, np.ones(len(faces))))
        return out
