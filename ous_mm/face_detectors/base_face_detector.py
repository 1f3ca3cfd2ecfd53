"""What every face detector of ous-mm returns: all faces of each frame, with their landmarks."""
from abc import ABCMeta, abstractmethod
from typing import List, Optional, Sequence

import numpy as np

# One row per face: x1, y1, x2, y2, score, then five landmarks (x, y) in the order of the
# usual 5-point alignment templates (image left eye, image right eye, nose tip, left and right
# mouth corner); NaN where the detector gives no landmarks.
FACE_COLUMNS = 15
NUM_LANDMARKS = 5


def face_rows(boxes: np.ndarray,
              scores: np.ndarray,
              landmarks: Optional[np.ndarray] = None) -> np.ndarray:
    """Detections as an ``N x 15`` float32 array, highest score first.

    Args:
        boxes (np.ndarray): ``N x 4`` boxes ``x1, y1, x2, y2``.
        scores (np.ndarray): ``N`` scores.
        landmarks (np.ndarray, optional): ``N x 5 x 2`` points; ``None``: NaN.

    Returns:
        np.ndarray: ``N x 15`` rows (see ``FACE_COLUMNS``).
    """
    boxes = np.asarray(boxes, np.float32).reshape(-1, 4)
    rows = np.full((len(boxes), FACE_COLUMNS), np.nan, np.float32)
    rows[:, :4] = boxes
    rows[:, 4] = np.asarray(scores, np.float32).reshape(-1)
    if landmarks is not None:
        rows[:, 5:] = np.asarray(landmarks, np.float32).reshape(len(boxes), 2 * NUM_LANDMARKS)
    return rows[np.argsort(-rows[:, 4], kind='stable')]


class BaseFaceDetector(metaclass=ABCMeta):
    """A face detector: RGB frames in, every face of every frame out.

    Which face is the clip's subject is decided over the whole clip
    (``ous_mm.datasets.face_track.select_track``), not per frame, so a
    detector returns all the faces it finds.

    Attributes:
        name (str): Recorded in the face-box cache files it fills.
        has_landmarks (bool): Whether its rows carry the five landmarks that
            aligned face crops need.
    """

    name: str = ''
    has_landmarks: bool = False

    @abstractmethod
    def detect(self, frames: Sequence[np.ndarray]) -> List[np.ndarray]:
        """Every face of each ``H x W x 3`` uint8 RGB frame.

        Returns:
            list[np.ndarray]: Per frame an ``N x 15`` float32 array (``N`` may
            be 0), highest score first (see ``face_rows``).
        """

    def __call__(self, frames: Sequence[np.ndarray]) -> List[np.ndarray]:
        return self.detect(frames)
