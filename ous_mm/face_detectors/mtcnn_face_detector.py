"""MTCNN with its trained weights, as facenet-pytorch ships them inside its wheel (offline)."""
from typing import List, Optional, Sequence, Tuple

import cv2
import numpy as np

from ..registry import FACE_DETECTORS
from .base_face_detector import BaseFaceDetector, face_rows


def auto_device(device: Optional[str]) -> str:
    """``device``, or ``'cuda'`` when there is a GPU and this is not a dataloader worker.

    A forked dataloader worker cannot use CUDA once the main process has, so
    online detection inside workers (``LoadFaceBoxes``) runs on the CPU.
    """
    if device is not None:
        return device
    import torch
    from torch.utils.data import get_worker_info
    return 'cuda' if torch.cuda.is_available() and get_worker_info() is None else 'cpu'


@FACE_DETECTORS.register_module()
class MTCNNFaceDetector(BaseFaceDetector):
    """MTCNN (Zhang et al., 2016): boxes and five landmarks, trained weights, no download.

    facenet-pytorch 2.6.0 (MIT) carries the P-, R- and O-net weights in its
    wheel; ``tools/install.sh`` installs it without its (outdated) dependency
    pins (docs/stack.md). Frames of one size run as one batch through the
    three networks, on the GPU when there is one. MMA-DFER cut MAFW's faces
    with this detector.

    Args:
        min_face_size (int): Smallest face side searched, in pixels of the
            (possibly downscaled) frame. Defaults to 20.
        thresholds (tuple[float]): Scores the P-, R- and O-net stages keep.
            Defaults to ``(0.6, 0.7, 0.7)`` (MTCNN's).
        factor (float): Scale step of the image pyramid. Defaults to 0.709.
        score_thr (float): Smallest final score of a face. Defaults to 0.9.
        batch_size (int): Frames per batch. Defaults to 16.
        max_side (int, optional): Frames whose longer side exceeds it are
            downscaled to it before detection (boxes and landmarks are given
            in the original frame). ``None``: never. Defaults to ``None``.
        device (str, optional): ``'cpu'``, ``'cuda'`` or ``'cuda:N'``.
            ``None``: the GPU when there is one, except in dataloader workers.
    """

    has_landmarks = True

    def __init__(self,
                 min_face_size: int = 20,
                 thresholds: Sequence[float] = (0.6, 0.7, 0.7),
                 factor: float = 0.709,
                 score_thr: float = 0.9,
                 batch_size: int = 16,
                 max_side: Optional[int] = None,
                 device: Optional[str] = None) -> None:
        try:
            from facenet_pytorch import MTCNN
        except ImportError as err:
            raise ImportError(
                f'MTCNNFaceDetector needs facenet-pytorch ({err}): `pip install --no-deps '
                'facenet-pytorch==2.6.0` (tools/install.sh does; docs/stack.md says why '
                'without its dependencies)') from err
        self.device = auto_device(device)
        self.mtcnn = MTCNN(min_face_size=min_face_size, thresholds=list(thresholds),
                           factor=factor, select_largest=False, device=self.device).eval()
        self.score_thr = score_thr
        self.batch_size = batch_size
        self.max_side = max_side
        self.name = f'MTCNNFaceDetector(facenet-pytorch, min_face_size={min_face_size})'

    def _batches(self, frames: Sequence[np.ndarray]) -> List[Tuple[int, np.ndarray, float]]:
        """(first frame, stacked frames, scale) per run of same-sized frames, batch_size at most."""
        out = []
        start = 0
        while start < len(frames):
            stop = start + 1
            while (stop < len(frames) and stop - start < self.batch_size
                   and frames[stop].shape == frames[start].shape):
                stop += 1
            h, w = frames[start].shape[:2]
            scale = 1.0
            if self.max_side is not None and max(h, w) > self.max_side:
                scale = self.max_side / max(h, w)
            chunk = [f if scale == 1.0 else cv2.resize(
                f, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA)
                for f in frames[start:stop]]
            out.append((start, np.stack(chunk), scale))
            start = stop
        return out

    def detect(self, frames: Sequence[np.ndarray]) -> List[np.ndarray]:
        frames = [np.ascontiguousarray(f, np.uint8) for f in frames]
        out: List[np.ndarray] = [np.empty((0, 15), np.float32)] * len(frames)
        for start, batch, scale in self._batches(frames):
            boxes, probs, points = self.mtcnn.detect(batch, landmarks=True)
            for i, (b, p, pts) in enumerate(zip(boxes, probs, points)):
                if b is None:
                    continue
                rows = face_rows(np.asarray(b) / scale, np.asarray(p, np.float32),
                                 np.asarray(pts) / scale)
                out[start + i] = rows[rows[:, 4] >= self.score_thr]
        return out
