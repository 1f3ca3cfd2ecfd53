"""The on-disk cache of each clip's face track (one JSON file per video).

``<cache_root>/<video key>.json`` holds (format version 2)::

    {"version": 2, "video": "00001.mp4", "num_frames": 120, "frame_size": [H, W],
     "detector": "MTCNNFaceDetector(...)",
     "boxes": [[x1, y1, x2, y2, score] | null, ...],
     "landmarks": [[[x, y], [x, y], [x, y], [x, y], [x, y]] | null, ...],
     "track": {"tracks": 2, "faces_max": 2, "frames": 118}}

with one entry per decoded frame: the face of the clip's subject (the track
``tools/detect_faces.py`` chose among all faces, see ``face_track.py``), ``null``
where that track has no face. ``landmarks`` (image left eye, image right eye,
nose tip, left and right mouth corner) are ``null`` for detectors without
them (OpenCV's Haar cascade, mmdet detectors); ``track`` summarises the
tracks found. Version 1 files (no ``version``: boxes only, the largest face of
each frame) are still read; they have no landmarks, so aligned face crops
refuse them with the command that rebuilds them.

The video key is the video's path relative to the dataset's video folder,
without extension (DFEW: ``00001``; FERV39k: ``<Scene>/<Emotion>/<id>``);
``video`` is that path with its extension. Reading checks a file against the
video it is used for (:func:`read_faces`). Files are written atomically
(``AtomicLocalBackend``), so an interrupted detection run never leaves a
half-written file and resumes by skipping the existing ones.
"""
import json
import numbers
import os.path as osp
from typing import Dict, NamedTuple, Optional, Sequence, Tuple

import numpy as np

from ..face_detectors.base_face_detector import FACE_COLUMNS, NUM_LANDMARKS
from ..fileio import AtomicLocalBackend

VERSION = 2
REBUILD = ('delete it and run `python tools/detect_faces.py CONFIG` (or `tools/detect_faces.py '
           'VIDEO_FOLDER --cache-root FOLDER`) again')


def video_key(filename: str, video_root: str) -> str:
    """The cache key of a video (or frame folder): its path under ``video_root``, no extension."""
    rel = osp.relpath(osp.abspath(filename), osp.abspath(video_root))
    if rel.startswith('..'):
        raise ValueError(f'{filename} is not inside the video folder {video_root}')
    return osp.splitext(rel)[0]


def box_file(cache_root: str, key: str) -> str:
    return osp.join(cache_root, key + '.json')


def existing_box_file(cache_root: str, key: str) -> Optional[str]:
    """The cache file of ``key`` if there is one; anything else in its place is an error."""
    path = box_file(cache_root, key)
    if osp.isfile(path):
        return path
    if osp.lexists(path):
        raise ValueError(f'face-box file {path} is not a file (a folder or a broken link?); '
                         f'remove it and run `python tools/detect_faces.py CONFIG` again')
    return None


def find_box_file(video: str,
                  cache_dir: str = 'face_boxes',
                  max_depth: int = 4) -> Optional[Tuple[str, str]]:
    """The cache entry of a video found from its path alone (no dataset, no config).

    ous-mm's datasets keep their cache in ``<release>/<cache_dir>`` with keys
    relative to a video folder inside the release (DFEW ``Clip/original``,
    FERV39k ``0_7_LabelClips``). So for each folder above the video (up to
    ``max_depth`` levels) that holds ``cache_dir``, every tail of the video's
    path below it is tried as a key; an entry counts only when its file
    records this very path (its ``video`` field).

    Args:
        video (str): A video file (or frame folder).
        cache_dir (str): Name of the cache folder. Defaults to ``'face_boxes'``.
        max_depth (int): Folders to climb. Defaults to 4.

    Returns:
        tuple, optional: ``(cache_root, key)``, or ``None``.
    """
    parts = osp.normpath(osp.abspath(video)).split(osp.sep)
    for depth in range(1, min(max_depth, len(parts) - 1) + 1):
        cache_root = osp.join(osp.sep, *parts[:-depth], cache_dir)
        if not osp.isdir(cache_root):
            continue
        for tail in range(1, depth + 1):
            rel = '/'.join(parts[-tail:])
            key = osp.splitext(osp.join(*parts[-tail:]))[0]
            path = existing_box_file(cache_root, key)
            if path is None:
                continue
            try:
                with open(path, encoding='utf-8') as f:
                    recorded = json.load(f).get('video')
            except (OSError, ValueError, AttributeError):
                continue  # read_faces names a damaged file where the dataset uses it
            if isinstance(recorded, str) and recorded.replace(osp.sep, '/') == rel:
                return cache_root, key
    return None


def _numbers(value, length: int) -> bool:
    return (isinstance(value, list) and len(value) == length
            and all(isinstance(v, numbers.Real) and not isinstance(v, bool) for v in value))


def write_boxes(cache_root: str,
                key: str,
                boxes: Sequence[Optional[Sequence[float]]],
                frame_size: Sequence[int],
                detector: str,
                video: str = '',
                landmarks: Optional[Sequence[Optional[Sequence]]] = None,
                track: Optional[Dict[str, int]] = None) -> str:
    """Write one video's face track atomically (format version 2).

    Args:
        cache_root (str): The cache folder.
        key (str): The video key (see :func:`video_key`).
        boxes (Sequence): Per frame ``[x1, y1, x2, y2, score]`` or ``None``.
        frame_size (Sequence[int]): ``(height, width)`` of the frames.
        detector (str): Name of the detector that produced the boxes.
        video (str): The video's path under the video folder (the key with
            its extension), checked when the file is read. Defaults to ``''``.
        landmarks (Sequence, optional): Per frame ``5 x 2`` points or
            ``None`` (NaN points count as none). ``None``: no landmarks.
        track (dict, optional): The track summary of ``select_track``.

    Returns:
        str: The written file.
    """
    path = box_file(cache_root, key)
    entries = [None if b is None else [round(float(v), 2) for v in b] for b in boxes]
    points = [None] * len(entries)
    if landmarks is not None:
        if len(landmarks) != len(entries):
            raise ValueError(f'{len(landmarks)} landmark entries for {len(entries)} boxes')
        points = [None if p is None or not np.isfinite(p).all() else
                  [[round(float(x), 2), round(float(y), 2)]
                   for x, y in np.asarray(p).reshape(NUM_LANDMARKS, 2)] for p in landmarks]
    AtomicLocalBackend().put_text(
        json.dumps(dict(version=VERSION, video=video, num_frames=len(entries),
                        frame_size=[int(v) for v in frame_size], detector=detector,
                        boxes=entries, landmarks=points, track=track or {})), path)
    return path


def _box_error(path: str, what: str) -> ValueError:
    return ValueError(f'face-box file {path}: {what}; {REBUILD}')


class FaceTrackFile(NamedTuple):
    """One video's cached face track, checked (see :func:`read_faces`).

    Attributes:
        path (str): The file.
        faces (np.ndarray): ``num_frames x 15`` rows (``face_rows`` layout;
            NaN rows: no face; NaN landmarks: none recorded).
        invalid (int): Unusable boxes turned into missing faces.
        version (int): The file's format version.
        detector (str): The detector that made it.
    """
    path: str
    faces: np.ndarray
    invalid: int
    version: int
    detector: str


def read_faces(cache_root: str,
               key: str,
               num_frames: Optional[int] = None,
               frame_size: Optional[Sequence[int]] = None) -> FaceTrackFile:
    """Read one video's face track, checked against the video it claims to belong to.

    The file must be the one of video ``key`` (its ``video`` field), hold one
    entry per frame (``num_frames``) and have been made on frames of
    ``frame_size``; every entry must have the documented shape. Anything else
    is an error naming the file and how to rebuild it. A box that is not
    finite, has no area or lies outside the frame (or whose landmarks are not
    finite) is treated as a missing face (counted); the others are clipped to
    the frame.

    Args:
        cache_root (str): The cache folder.
        key (str): The video key (see :func:`video_key`).
        num_frames (int, optional): Frames of the decoded video, if known.
        frame_size (Sequence[int], optional): ``(height, width)`` of the
            decoded frames, if known.

    Returns:
        FaceTrackFile: The rows and what the file says about them.

    Raises:
        FileNotFoundError: The cache has no file for the video.
        ValueError: The file is unreadable, malformed, of another video or of
            an unknown format version.
    """
    path = existing_box_file(cache_root, key)
    if path is None:
        raise FileNotFoundError(
            f'no face boxes for video {key!r}: {box_file(cache_root, key)} is missing. Run '
            '`python tools/detect_faces.py CONFIG` to fill the face-box cache.')
    try:
        with open(path, encoding='utf-8') as f:
            data = json.load(f)
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise _box_error(path, f'not valid JSON ({err})') from err
    if not isinstance(data, dict) or not isinstance(data.get('boxes'), list):
        raise _box_error(path, 'expected an object with a "boxes" list (see '
                         'ous_mm/datasets/face_box_cache.py)')
    version = data.get('version', 1)
    if version not in (1, VERSION):
        raise _box_error(path, f'format version {version!r}, this ous-mm reads 1 and {VERSION}')
    boxes = data['boxes']
    points = data.get('landmarks') if version >= 2 else None
    points = [None] * len(boxes) if points is None else points
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
    if not isinstance(points, list) or len(points) != len(boxes):
        raise _box_error(path, f'"landmarks" must be a list of {len(boxes)} entries (one per '
                         'box)')
    out = np.full((len(boxes), FACE_COLUMNS), np.nan, dtype=np.float32)
    invalid = 0
    size = frame_size if frame_size is not None else data.get('frame_size')
    height, width = size if size else (np.inf, np.inf)
    for i, (box, point) in enumerate(zip(boxes, points)):
        if box is None:
            continue
        if not (_numbers(box, 4) or _numbers(box, 5)):
            raise _box_error(path, f'entry {i} is {box!r}, expected [x1, y1, x2, y2(, score)] '
                             'or null')
        if point is not None and not (isinstance(point, list) and len(point) == NUM_LANDMARKS
                                      and all(_numbers(p, 2) for p in point)):
            raise _box_error(path, f'landmarks {i} are {point!r}, expected {NUM_LANDMARKS} '
                             '[x, y] points or null')
        values = np.asarray(box, dtype=np.float64)
        x1, y1, x2, y2 = values[:4]
        clipped = np.clip([x1, y1, x2, y2], 0, [width, height, width, height])
        usable = np.isfinite(values).all() and x2 > x1 and y2 > y1 and \
            clipped[2] > clipped[0] and clipped[3] > clipped[1]
        if point is not None:
            usable = usable and np.isfinite(np.asarray(point, np.float64)).all()
        if not usable:
            invalid += 1  # not a usable face: treated as a missing one
            continue
        out[i, :4] = clipped
        out[i, 4] = values[4] if len(values) == 5 else 1.0
        if point is not None:
            out[i, 5:] = np.asarray(point, np.float32).reshape(-1)
    return FaceTrackFile(path, out, invalid, version, str(data.get('detector', '')))
