"""The face track of a clip: from the face-box cache, or found by a detector when it has none."""
from typing import Optional, Tuple

import numpy as np
from mmaction.registry import TRANSFORMS
from mmcv.transforms import BaseTransform

from ...face_detectors.base_face_detector import NUM_LANDMARKS, BaseFaceDetector
from ...registry import FACE_DETECTORS
from ..face_box_cache import box_file, existing_box_file, find_box_file, read_faces, video_key
from ..face_track import select_track, smooth_track
from .face_scene_split import FaceSceneSplit


@TRANSFORMS.register_module()
class LoadFaceBoxes(BaseTransform):
    """The clip subject's face in each frame (box, score, landmarks), for ``FaceSceneSplit``.

    Where the faces come from, in this order:

    0. The caller's track, ``face_track`` in the results (``total_frames x
       15`` rows, NaN where no face; ``inference_video`` links the faces of
       a whole video and gives each window its subject's), with its
       ``face_source``.
    1. The face-box cache that ``tools/detect_faces.py`` fills once per
       dataset (the fast path for training): ous-mm's datasets tell each
       clip's ``face_box_root`` and ``video_root``.
    2. For a video given alone (MMAction2's ``inference_recognizer``,
       ``inference_video``, ``tools/demo.py``): the cache named by
       ``cache_root`` / ``video_root``, or else (``find_cache``) the cache
       found from the video's path (a ``face_boxes`` folder above it whose
       file records this video, see ``find_box_file``), so a clip of a
       dataset gets the same faces as in ``tools/test.py``.
    3. No cache file: the SAMPLED frames run through ``detector``, and the
       subject's track is chosen among their faces (``select_track``);
       ``detector=None`` makes this an error naming the command that fills
       the cache.

    Each cache file is checked against the decoded video (``read_faces``).
    The track is then smoothed over neighbouring frames (``smooth_sigma``).
    When ``face_imgs`` is already there (``LoadReleasedFaceCrops`` read the
    release's own face crops), nothing is done.

    Required keys: ``imgs`` (decoded RGB frames), ``frame_inds``,
    ``total_frames``, ``start_index``, ``filename`` or ``frame_dir``; optional
    ``video_root`` and ``face_box_root`` (set by ous-mm's datasets). Added
    keys: ``face_boxes`` (``total_frames x 5``: box and score, NaN rows where
    no face is known), ``face_landmarks`` (``total_frames x 5 x 2``, NaN where
    unknown), ``face_source`` (the cache file, or the detector), ``face_invalid``
    (cached boxes that were unusable and count as missing faces),
    ``face_detected_online`` (bool).

    Args:
        detector (dict, optional): Face detector config (``FACE_DETECTORS``,
            e.g. ``dict(type='MTCNNFaceDetector')``), built in each worker on
            first use. ``None``: no online detection.
        cache_root (str, optional): A face-box cache folder for videos that
            come without dataset keys. Defaults to None.
        video_root (str, optional): The folder its keys are relative to.
        find_cache (bool): Look for a video's cache file from its path when
            neither the dataset nor ``cache_root`` gives one. Defaults to True.
        track (dict): ``select_track`` settings for online detection.
            Defaults to ``dict(max_shift=1.0, max_scale=1.6)``.
        smooth_sigma (float): Width in frames of the temporal smoothing of
            boxes and landmarks (``smooth_track``); 0: none. Defaults to 1.
    """

    def __init__(self,
                 detector: Optional[dict] = None,
                 cache_root: Optional[str] = None,
                 video_root: Optional[str] = None,
                 find_cache: bool = True,
                 track: dict = dict(max_shift=1.0, max_scale=1.6),
                 smooth_sigma: float = 1.0) -> None:
        if (cache_root is None) != (video_root is None):
            raise ValueError('give LoadFaceBoxes both cache_root and video_root, or neither')
        self.detector_cfg = detector
        self.cache_root = cache_root
        self.video_root = video_root
        self.find_cache = find_cache
        self.track = dict(track)
        self.smooth_sigma = smooth_sigma
        self._detector = None

    def cache_entry(self, results: dict) -> Optional[Tuple[str, str]]:
        """``(cache_root, video key)`` of the clip, or None when no cache is known for it."""
        source = results.get('filename') or results['frame_dir']
        if results.get('face_box_root') and results.get('video_root'):  # a dataset's clip
            return results['face_box_root'], video_key(source, results['video_root'])
        if self.cache_root is not None:
            try:
                entry = self.cache_root, video_key(source, self.video_root)
            except ValueError:  # not a video of that cache
                entry = None
            if entry is not None and existing_box_file(*entry):
                return entry
        return find_box_file(source) if self.find_cache else None

    @property
    def face_detector(self) -> Optional[BaseFaceDetector]:
        """The face detector, built on first use; ``None`` without ``detector``."""
        if self._detector is None and self.detector_cfg is not None:
            self._detector = FACE_DETECTORS.build(self.detector_cfg)
        return self._detector

    def has_cache_file(self, results: dict) -> bool:
        """Whether the clip's faces come from a face-box cache file (see :meth:`cache_entry`)."""
        entry = self.cache_entry(results)
        return entry is not None and existing_box_file(*entry) is not None

    def detect(self, results: dict) -> np.ndarray:
        """The subject's track over the sampled frames (other rows NaN)."""
        rows = np.full((int(results['total_frames']), 15), np.nan, np.float32)
        inds = np.asarray(results['frame_inds']).reshape(-1) - results.get('start_index', 0)
        frames = [FaceSceneSplit.to_rgb(np.asarray(f)) for f in results['imgs']]
        faces = self.face_detector(frames)
        order = np.argsort(inds, kind='stable')  # tracks follow time
        rows[inds[order]] = select_track([faces[i] for i in order], **self.track)[0]
        return rows

    def transform(self, results: dict) -> dict:
        if 'face_imgs' in results:  # the release's own face crops
            results.pop('face_track', None)
            return results
        results['face_invalid'] = 0
        if 'face_track' in results:
            rows = np.asarray(results.pop('face_track'), np.float32)
            if rows.shape != (int(results['total_frames']), 15):
                raise ValueError(f'face_track must be total_frames x 15 rows '
                                 f'({results["total_frames"]} x 15), got {rows.shape}')
            results.setdefault('face_source', 'a track given with the frames')
            results['face_detected_online'] = True
            return self.finish(results, rows)
        entry = self.cache_entry(results)
        cached = entry is not None and existing_box_file(*entry) is not None
        results['face_detected_online'] = not cached
        if cached:
            track = read_faces(*entry, int(results['total_frames']),
                               np.asarray(results['imgs'][0]).shape[:2])
            rows, results['face_invalid'] = track.faces, track.invalid
            results['face_source'] = track.path
            if track.version < 2:
                results['face_source'] += ' (format version 1: boxes only)'
        elif self.detector_cfg is not None:
            rows = self.detect(results)
            results['face_source'] = f'detected online by {self._detector.name}'
        else:
            source = results.get('filename') or results.get('frame_dir')
            where = (f'{box_file(*entry)} is missing. Run `python tools/detect_faces.py CONFIG` '
                     'to fill the face-box cache' if entry else 'no face-box cache is known for it')
            raise FileNotFoundError(f'no face boxes for {source}: {where}, or give '
                                    'LoadFaceBoxes a detector to find the faces online.')
        return self.finish(results, rows)

    def finish(self, results: dict, rows: np.ndarray) -> dict:
        """The track ``rows`` smoothed, as ``face_boxes`` and ``face_landmarks``."""
        rows = smooth_track(rows, self.smooth_sigma)
        results['face_boxes'] = rows[:, :5]
        results['face_landmarks'] = rows[:, 5:].reshape(-1, NUM_LANDMARKS, 2)
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(detector={self.detector_cfg!r}, '
                f'cache_root={self.cache_root!r}, video_root={self.video_root!r}, '
                f'find_cache={self.find_cache}, track={self.track}, '
                f'smooth_sigma={self.smooth_sigma})')
