"""The on-disk cache of per-frame face boxes (one JSON file per video).

``<cache_root>/<video key>.json`` holds::

    {"video": "00001.mp4", "num_frames": 120, "frame_size": [H, W],
     "detector": "OpenCVHaarFaceDetector", "boxes": [[x1, y1, x2, y2, score] | null, ...]}

with one entry per decoded frame (``null``: no face found in that frame). The
video key is the video's path relative to the dataset's video folder, without
extension (DFEW: ``00001``; FERV39k: ``<Scene>/<Emotion>/<id>``); ``video`` is
that path with its extension. Reading checks a file against the video it is
used for (:func:`read_boxes`). Files are
written atomically (temporary file + rename), so an interrupted detection run
never leaves a half-written file and resumes by skipping the existing ones.
"""
import json
import os
import os.path as osp
from typing import Optional, Sequence, Tuple

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
        video (str): The video's path under the video folder (the key with
            its extension), checked when the file is read. Defaults to ``''``.

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


def _box_error(path: str, what: str) -> ValueError:
    return ValueError(f'face-box file {path}: {what}; delete it and run '
                      '`python tools/detect_faces.py CONFIG` again')


def read_boxes(cache_root: str,
               key: str,
               num_frames: Optional[int] = None,
               frame_size: Optional[Sequence[int]] = None) -> Tuple[np.ndarray, int]:
    """Read one video's boxes, checked against the video they claim to belong to.

    The file must be the one of video ``key`` (its ``video`` field), hold one
    entry per frame (``num_frames``) and have been made on frames of
    ``frame_size``; anything else is an error naming the file. A box that is
    not finite, has no area or lies outside the frame is treated as a missing
    face (counted); the others are clipped to the frame.

    Args:
        cache_root (str): The cache folder.
        key (str): The video key (see :func:`video_key`).
        num_frames (int, optional): Frames of the decoded video, if known.
        frame_size (Sequence[int], optional): ``(height, width)`` of the
            decoded frames, if known.

    Returns:
        tuple: ``num_frames x 5`` float array (NaN rows: no face) and the
        number of invalid boxes turned into missing faces.

    Raises:
        FileNotFoundError: The cache has no file for the video.
        ValueError: The file is unreadable, malformed or of another video.
    """
    path = box_file(cache_root, key)
    if not osp.isfile(path):
        raise FileNotFoundError(
            f'no face boxes for video {key!r}: {path} is missing. Run '
            '`python tools/detect_faces.py CONFIG` to fill the face-box cache.')
    try:
        with open(path, encoding='utf-8') as f:
            data = json.load(f)
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise _box_error(path, f'not valid JSON ({err})') from err
    if not isinstance(data, dict) or not isinstance(data.get('boxes'), list):
        raise _box_error(path, 'expected an object with a "boxes" list (see '
                         'ous_mm/datasets/face_box_cache.py)')
    boxes = data['boxes']
    video = data.get('video')
    if video and osp.splitext(video)[0].replace(osp.sep, '/') != key.replace(osp.sep, '/'):
        raise _box_error(path, f'it holds the boxes of video {video!r}, not of {key!r}')
    if data.get('num_frames', len(boxes)) != len(boxes):
        raise _box_error(path, f'"num_frames" is {data["num_frames"]} but it holds '
                         f'{len(boxes)} boxes')
    if num_frames is not None and len(boxes) != num_frames:
        raise _box_error(path, f'{len(boxes)} entries for a video of {num_frames} frames')
    if frame_size is not None and 'frame_size' in data and \
            list(data['frame_size']) != [int(v) for v in frame_size]:
        raise _box_error(path, f'made on frames of {data["frame_size"]} (H, W), the video '
                         f'has {list(frame_size)}')
    out = np.full((len(boxes), 5), np.nan, dtype=np.float32)
    invalid = 0
    size = frame_size if frame_size is not None else data.get('frame_size')
    height, width = size if size else (np.inf, np.inf)
    for i, box in enumerate(boxes):
        if box is None:
            continue
        try:
            values = np.asarray(box, dtype=np.float64).reshape(-1)
        except (TypeError, ValueError):
            values = np.empty(0)
        if len(values) not in (4, 5):
            raise _box_error(path, f'entry {i} is {box!r}, expected [x1, y1, x2, y2(, score)] '
                             'or null')
        x1, y1, x2, y2 = values[:4]
        clipped = np.clip([x1, y1, x2, y2], 0, [width, height, width, height])
        if not np.isfinite(values).all() or not (x2 > x1 and y2 > y1) or \
                not (clipped[2] > clipped[0] and clipped[3] > clipped[1]):
            invalid += 1  # not a usable face: treated as a missing one
            continue
        out[i, :4] = clipped
        out[i, 4] = values[4] if len(values) == 5 else 1.0
    return out, invalid
