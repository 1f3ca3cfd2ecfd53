"""The face boxes of a clip: from the face-box cache, or found by a detector when it has none."""
import os.path as osp
from typing import Optional, Tuple

import numpy as np
from mmaction.registry import TRANSFORMS
from mmcv.transforms import BaseTransform

from ...registry import FACE_DETECTORS
from ..face_box_cache import box_file, read_boxes, video_key
from .face_scene_split import FaceSceneSplit


@TRANSFORMS.register_module()
class LoadFaceBoxes(BaseTransform):
    """Per-frame face boxes of a clip (``filename`` or ``frame_dir``), for ``FaceSceneSplit``.

    The fast path, for training: the face-box cache that
    ``tools/detect_faces.py`` fills once per dataset (``cache_root``, by
    default the dataset's ``face_box_root``). Each file is checked against the
    decoded video (see ``read_boxes``). A video that is not in the cache (a new
    video given to MMAction2's ``inference_recognizer``, which knows no cache,
    or a clip ``detect_faces.py`` has not reached) has its SAMPLED frames run
    through ``detector`` here, so any video can be recognised; with
    ``detector=None`` a missing cache file is an error naming the command
    that writes it.

    When ``face_imgs`` is already there (``LoadReleasedFaceCrops`` read the
    release's own face crops), nothing is done.

    Required keys: ``imgs`` (decoded RGB frames), ``frame_inds``,
    ``total_frames``, ``start_index``; ``filename``/``frame_dir``,
    ``video_root`` and ``face_box_root`` (set by ous-mm's datasets) for the
    cache. Added keys: ``face_boxes`` (``total_frames x 5``, NaN rows where no
    face is known), ``face_invalid`` (cached boxes that were unusable and are
    treated as missing faces), ``face_detected_online`` (bool).

    Args:
        detector (dict, optional): Face detector config (``FACE_DETECTORS``,
            e.g. ``dict(type='OpenCVHaarFaceDetector')`` or
            ``dict(type='MMDetFaceDetector', config=..., checkpoint=...)``),
            built in each worker on first use. ``None``: no online detection.
        cache_root (str, optional): The face-box cache folder. Defaults to
            ``results['face_box_root']``.
        video_root (str, optional): The folder the cache keys are relative to.
            Defaults to ``results['video_root']`` (the dataset's video folder).
    """

    def __init__(self,
                 detector: Optional[dict] = None,
                 cache_root: Optional[str] = None,
                 video_root: Optional[str] = None) -> None:
        self.detector_cfg = detector
        self.cache_root = cache_root
        self.video_root = video_root
        self._detector = None

    def cache_entry(self, results: dict) -> Optional[Tuple[str, str]]:
        """``(cache_root, video key)`` of the clip, or None when no cache is known for it."""
        cache_root = self.cache_root or results.get('face_box_root')
        video_root = self.video_root or results.get('video_root')
        if cache_root is None or video_root is None:
            return None
        return cache_root, video_key(results.get('filename') or results['frame_dir'], video_root)

    def detect(self, results: dict) -> np.ndarray:
        if self._detector is None:
            self._detector = FACE_DETECTORS.build(self.detector_cfg)
        boxes = np.full((int(results['total_frames']), 5), np.nan, np.float32)
        inds = np.asarray(results['frame_inds']).reshape(-1) - results.get('start_index', 0)
        frames = [FaceSceneSplit.to_rgb(np.asarray(f)) for f in results['imgs']]
        for ind, box in zip(inds, self._detector(frames)):
            if box is not None:
                boxes[ind, :len(box)] = box
        return boxes

    def transform(self, results: dict) -> dict:
        if 'face_imgs' in results:  # the release's own face crops
            return results
        entry = self.cache_entry(results)
        cached = entry is not None and osp.isfile(box_file(*entry))
        results['face_invalid'] = 0
        results['face_detected_online'] = not cached
        if cached:
            results['face_boxes'], results['face_invalid'] = read_boxes(
                *entry, int(results['total_frames']), np.asarray(results['imgs'][0]).shape[:2])
        elif self.detector_cfg is not None:
            results['face_boxes'] = self.detect(results)
        else:
            source = results.get('filename') or results.get('frame_dir')
            where = (f'{box_file(*entry)} is missing. Run `python tools/detect_faces.py CONFIG` '
                     'to fill the face-box cache' if entry else 'no face-box cache is known for it')
            raise FileNotFoundError(f'no face boxes for {source}: {where}, or give '
                                    'LoadFaceBoxes a detector to find the faces online.')
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(detector={self.detector_cfg!r}, '
                f'cache_root={self.cache_root!r}, video_root={self.video_root!r})')
