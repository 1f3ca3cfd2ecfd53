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
    ``template`` x ``size``: the least-squares fit of all five points (Umeyama's; the
    alignment of ArcFace-style crops).

    Every point counts: a robust fit (e.g. LMedS) fits some points exactly and leaves the
    others out, so which points it keeps, and with them the face's tilt, jumps between
    neighbouring frames. A similarity is linear in ``(a, b, tx, ty)`` (``u = a x - b y + tx``,
    ``v = b x + a y + ty``), so the fit is one linear least-squares solve. The landmarks
    come smoothed over time with the boxes (``smooth_track``); the fit is continuous in
    them, so the crops are too.

    Args:
        landmarks (np.ndarray): ``5 x 2`` points in the frame.
        template (Sequence): ``5 x 2`` target points as fractions of the crop side.
        size (int): Crop side in pixels.

    Returns:
        np.ndarray: ``2 x 3`` float32 matrix from frame to crop coordinates.
    """
    src = np.asarray(landmarks, np.float64).reshape(-1, 2)
    dst = np.asarray(template, np.float64).reshape(-1, 2) * size
    if len(src) != len(dst) or not np.isfinite(src).all():
        raise ValueError(f'cannot align the face landmarks {src.tolist()}: expected '
                         f'{len(dst)} finite (x, y) points')
    x, y = src[:, 0], src[:, 1]
    one, zero = np.ones_like(x), np.zeros_like(x)
    system = np.concatenate([np.stack([x, -y, one, zero], 1), np.stack([y, x, zero, one], 1)])
    (a, b, tx, ty), _, rank, _ = np.linalg.lstsq(system, np.concatenate([dst[:, 0], dst[:, 1]]),
                                                 rcond=None)
    if rank < 4:  # degenerate points (all on one spot): no rotation or scale fits
        raise ValueError(f'cannot align the face landmarks {src.tolist()}: they coincide')
    return np.array([[a, -b, tx], [b, a, ty]], np.float32)


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
