"""Aligned face crops: a similarity transform of five landmarks onto a fixed template."""
from typing import Sequence

import cv2
import numpy as np

# ArcFace's 5-point template (insightface, for 112 x 112 crops: image left eye, image right
# eye, nose tip, left and right mouth corner), as fractions of the crop side.
ARCFACE_TEMPLATE = ((0.341916, 0.461574), (0.656534, 0.459834), (0.500225, 0.640505),
                    (0.370976, 0.824692), (0.631517, 0.823251))


def alignment_matrix(landmarks: np.ndarray, template: Sequence[Sequence[float]],
                     size: int) -> np.ndarray:
    """The 2 x 3 similarity transform (rotation, uniform scale, shift) of five landmarks onto
    ``template`` x ``size``, fitted by OpenCV (``estimateAffinePartial2D``, LMedS: a landmark
    far off the others' fit, e.g. a mouth corner of a wide smile, does not tilt the face).

    Args:
        landmarks (np.ndarray): ``5 x 2`` points in the frame.
        template (Sequence): ``5 x 2`` target points as fractions of the crop side.
        size (int): Crop side in pixels.

    Returns:
        np.ndarray: ``2 x 3`` float32 matrix from frame to crop coordinates.
    """
    src = np.asarray(landmarks, np.float32).reshape(-1, 2)
    dst = np.asarray(template, np.float32).reshape(-1, 2) * size
    matrix, _ = cv2.estimateAffinePartial2D(src, dst, method=cv2.LMEDS)
    if matrix is None:  # degenerate points (all on one spot): no transform fits
        raise ValueError(f'cannot align the face landmarks {src.tolist()}')
    return matrix.astype(np.float32)


def align_face(frame: np.ndarray, landmarks: np.ndarray, size: int,
               template: Sequence[Sequence[float]] = ARCFACE_TEMPLATE) -> np.ndarray:
    """The ``size x size`` face crop whose landmarks sit on ``template`` (black outside the frame).

    Args:
        frame (np.ndarray): ``H x W x 3`` image.
        landmarks (np.ndarray): ``5 x 2`` points in the frame.
        size (int): Crop side in pixels.
        template (Sequence): ``5 x 2`` target points as fractions of the crop
            side. Defaults to ArcFace's.

    Returns:
        np.ndarray: The ``size x size x 3`` crop.
    """
    return cv2.warpAffine(frame, alignment_matrix(landmarks, template, size), (size, size),
                          flags=cv2.INTER_LINEAR, borderValue=(0, 0, 0))
