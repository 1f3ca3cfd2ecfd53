"""One face per clip: link the detections of its frames into tracks, keep the subject's, smooth it.

A clip is about one person. Taking the largest box of each frame jumps between
people whenever another face is momentarily larger; instead the faces of
consecutive frames are linked by continuity of position and size, and the
clip's subject is the track with the most evidence (score x size summed over
its frames: present longest and largest). ``ous_mm.apis.inference_video``
links the faces of a whole video the same way, so that its windows share one
subject. Its boxes and landmarks are then
smoothed over time, which evens out the detector's frame-to-frame jitter.
"""
from typing import Dict, List, Sequence, Tuple

import numpy as np

from ..face_detectors.base_face_detector import FACE_COLUMNS


def _side(row: np.ndarray) -> float:
    return float(np.sqrt(max(row[2] - row[0], 1e-3) * max(row[3] - row[1], 1e-3)))


def _centre(row: np.ndarray) -> np.ndarray:
    return np.array([(row[0] + row[2]) / 2, (row[1] + row[3]) / 2])


def link_tracks(faces: Sequence[np.ndarray],
                max_shift: float = 1.0,
                max_scale: float = 1.6) -> List[Dict[int, np.ndarray]]:
    """Link the faces of consecutive frames into tracks (one person each).

    Frames are taken in the given order (time order). A face continues a
    track when its centre lies within ``max_shift`` x the track's last face
    side of that face's centre and its size differs by at most ``max_scale``
    times; the closest pairs are linked first, one face per track and frame.
    A track survives frames where it is not seen (an occlusion, a cut), and
    a face that returns near where it was continues it.

    Args:
        faces (Sequence[np.ndarray]): Per frame, the detector's ``N x 15`` rows
            (``ous_mm.face_detectors.face_rows``).
        max_shift (float): Largest centre shift between two linked faces, in
            face sides. Defaults to 1.0.
        max_scale (float): Largest size ratio between two linked faces.
            Defaults to 1.6.

    Returns:
        list[dict]: The tracks in order of their first face, each ``{frame
        position in faces: its 15-value row}``.
    """
    tracks: List[Dict[int, np.ndarray]] = []
    for t, rows in enumerate(faces):
        rows = np.asarray(rows, np.float32).reshape(-1, FACE_COLUMNS)
        pairs = []
        for k, track in enumerate(tracks):
            last = track[max(track)]
            side, centre = _side(last), _centre(last)
            for d, row in enumerate(rows):
                shift = np.linalg.norm(_centre(row) - centre) / side
                scale = abs(np.log(_side(row) / side))
                if shift <= max_shift and scale <= np.log(max_scale):
                    pairs.append((shift + scale, k, d))
        used_tracks, used_faces = set(), set()
        for _, k, d in sorted(pairs):
            if k not in used_tracks and d not in used_faces:
                tracks[k][t] = rows[d]
                used_tracks.add(k)
                used_faces.add(d)
        tracks.extend({t: row} for d, row in enumerate(rows) if d not in used_faces)
    return tracks


def track_evidence(track: Dict[int, np.ndarray]) -> float:
    """How much a track shows its person: score x face side, summed over its faces (present
    longest and largest). The subject of a clip, or of a whole video, is the track with the
    most.

    Args:
        track (dict): ``{frame: 15-value row}`` (one track of :func:`link_tracks`).

    Returns:
        float: The evidence.
    """
    return sum(float(r[4]) * _side(r) for r in track.values())


def select_track(faces: Sequence[np.ndarray],
                 max_shift: float = 1.0,
                 max_scale: float = 1.6) -> Tuple[np.ndarray, Dict[str, int]]:
    """The clip subject's face in each frame: the track (:func:`link_tracks`) with the most
    evidence (:func:`track_evidence`).

    Args:
        faces (Sequence[np.ndarray]): Per frame, the detector's ``N x 15`` rows
            (``ous_mm.face_detectors.face_rows``), in time order.
        max_shift (float): Largest centre shift between two linked faces, in
            face sides. Defaults to 1.0.
        max_scale (float): Largest size ratio between two linked faces.
            Defaults to 1.6.

    Returns:
        tuple: ``len(faces) x 15`` float32 rows of the chosen track (NaN rows
        where it has no face) and a summary ``dict(tracks=..., faces_max=...,
        frames=...)``: tracks found, most faces in one frame, frames of the
        chosen track.
    """
    tracks = link_tracks(faces, max_shift, max_scale)
    out = np.full((len(faces), FACE_COLUMNS), np.nan, np.float32)
    info = dict(tracks=len(tracks), faces_max=max((len(f) for f in faces), default=0), frames=0)
    if not tracks:
        return out, info
    best = max(tracks, key=track_evidence)
    for t, row in best.items():
        out[t] = row
    info['frames'] = len(best)
    return out, info


def smooth_track(rows: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian-weighted mean over neighbouring frames of a track's boxes and landmarks.

    ``rows`` has one row per frame of the video (NaN rows: no face there).
    Each frame with a face gets the weighted mean of the track's faces within
    ``3 sigma`` frames (weights ``exp(-dt^2 / 2 sigma^2)``): frame-to-frame
    jitter is evened out and a moving face is not delayed (the kernel is centred). Frames
    without a face stay without one (borrowing is ``FaceSceneSplit``'s, and
    counted there); scores are kept; NaN landmarks (a detector without them)
    stay NaN. Faces found only on frames further apart than ``3 sigma`` (the
    sampled frames of an online detection) are left as they are.

    Args:
        rows (np.ndarray): ``num_frames x 15`` track rows.
        sigma (float): Kernel width in frames; ``0`` returns a copy of ``rows``.

    Returns:
        np.ndarray: The smoothed rows.
    """
    out = np.array(rows, np.float32)
    if sigma <= 0:
        return out
    radius = int(np.ceil(3 * sigma))
    kernel = np.exp(-np.arange(-radius, radius + 1)**2 / (2 * sigma**2))
    found = np.isfinite(out[:, :4]).all(axis=1)
    for col in range(FACE_COLUMNS):
        if col == 4:
            continue
        good = found & np.isfinite(out[:, col])
        if good.sum() < 2:
            continue
        # 'full', cut to the centred part: 'same' changes length when the clip is shorter
        # than the kernel
        span = slice(radius, radius + len(out))
        num = np.convolve(np.where(good, out[:, col], 0.0), kernel)[span]
        den = np.convolve(good.astype(np.float64), kernel)[span]
        out[good, col] = num[good] / den[good]
    return out
