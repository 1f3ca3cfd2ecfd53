"""The on-disk cache of per-frame face boxes (one JSON file per video).

``<cache_root>/<video key>.json`` holds::

    {"video": "Clip/original/00001.mp4", "num_frames": 120, "frame_size": [H, W],
     "detector": "OpenCVHaarFaceDetector", "boxes": [[x1, y1, x2, y2, score] | null, ...]}

with one entry per decoded frame (``null``: no face found in that frame). The
video key is the video's path relative to the dataset's video folder, without
extension (DFEW: ``00001``; FERV39k: ``<Scene>/<Emotion>/<id>``). Files are
written atomically (temporary file + rename), so an interrupted detection run
never leaves a half-written file and resumes by skipping the existing ones.
"""
import json
import os
import os.path as osp
from typing import Optional, Sequence

import numpy as np


def video_key(filename: str, video_root: str) -> str:
    """The cache key of a video (or frame folder): its path under ``video_root``, no extension."""
    rel = osp.relpath(osp.abspath(filename), osp.abspath(video_root))
    if rel.startswith('..'):
        raise ValueError(f'{filename} is not inside the video folder {video_root}')
    return osp.splitext(rel)[0]


def box_file(cache_root: str, key: str) -> str:
    return osp.join(cache_root, key + '.json')


def write_boxes(cache_root: str,
                key: str,
                boxes: Sequence[Optional[Sequence[float]]],
                frame_size: Sequence[int],
                detector: str,
                video: str = '') -> str:
    """Write one video's boxes atomically.

    Args:
        cache_root (str): The cache folder.
        key (str): The video key (see :func:`video_key`).
        boxes (Sequence): Per frame ``[x1, y1, x2, y2, score]`` or ``None``.
        frame_size (Sequence[int]): ``(height, width)`` of the frames.
        detector (str): Name of the detector that produced the boxes.
        video (str): The video path, for reference. Defaults to ``''``.

    Returns:
        str: The written file.
    """
    path = box_file(cache_root, key)
    os.makedirs(osp.dirname(path), exist_ok=True)
    entries = [None if b is None else [round(float(v), 2) for v in b] for b in boxes]
    tmp = f'{path}.tmp{os.getpid()}'
    with open(tmp, 'w') as f:
        json.dump(dict(video=video, num_frames=len(entries), frame_size=list(frame_size),
                       detector=detector, boxes=entries), f)
    os.replace(tmp, path)
    return path


def read_boxes(cache_root: str, key: str) -> np.ndarray:
    """Read one video's boxes as a ``num_frames x 5`` float array (NaN rows: no face).

    Raises:
        FileNotFoundError: The cache has no file for the video, naming it and
            the command that writes it.
    """
    path = box_file(cache_root, key)
    if not osp.isfile(path):
        raise FileNotFoundError(
            f'no face boxes for video {key!r}: {path} is missing. Run '
            '`python tools/detect_faces.py CONFIG` to fill the face-box cache.')
    with open(path) as f:
        try:
            data = json.load(f)
        except json.JSONDecodeError as err:
            raise ValueError(f'face-box cache file {path} is corrupt ({err}); '
                             'delete it and run tools/detect_faces.py again') from err
    out = np.full((len(data['boxes']), 5), np.nan, dtype=np.float32)
    for i, box in enumerate(data['boxes']):
        if box is not None:
            out[i, :len(box)] = box
    return out
