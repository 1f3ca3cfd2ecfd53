"""Writing real mp4 files for the tests, the smoke runs and the demo dataset."""
import os
import os.path as osp
from typing import Iterable

import cv2
import numpy as np


def write_video(path: str, frames: Iterable[np.ndarray], fps: float = 8.0) -> str:
    """Write RGB frames to an mp4 file (MPEG-4 part 2, readable by decord).

    Args:
        path (str): Output file; parent folders are created.
        frames (Iterable[np.ndarray]): ``H x W x 3`` uint8 RGB frames, all
            the same size.
        fps (float): Frame rate stored in the file. Defaults to 8.

    Returns:
        str: ``path``.
    """
    frames = list(frames)
    if not frames:
        raise ValueError(f'no frames to write to {path}')
    height, width = frames[0].shape[:2]
    if width < 64:
        # decord 0.6 reads such files with a padded row stride and fails in get_batch
        raise ValueError(f'frames {width} px wide: decord cannot decode videos narrower '
                         'than 64 px; write wider frames')
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*'mp4v'), fps, (width, height))
    if not writer.isOpened():
        raise OSError(f'OpenCV cannot open {path} for writing (mp4v)')
    try:
        for frame in frames:
            if frame.shape[:2] != (height, width):
                raise ValueError(f'frame size {frame.shape[:2]} differs from '
                                 f'the first frame {(height, width)} in {path}')
            writer.write(cv2.cvtColor(np.ascontiguousarray(frame, np.uint8), cv2.COLOR_RGB2BGR))
    finally:
        writer.release()
    return path
