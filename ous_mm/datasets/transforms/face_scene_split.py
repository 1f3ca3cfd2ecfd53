"""Splitting every frame into a face image and a scene image (OUS's two streams)."""
import logging
from typing import Optional, Sequence, Tuple

import cv2
import numpy as np
from mmaction.registry import TRANSFORMS
from mmcv.transforms import BaseTransform
from mmengine.logging import print_log

from ..face_alignment import ARCFACE_TEMPLATE, align_face

CROP_STYLES = ('box', 'aligned')
_warned_no_face = set()  # videos already warned about in this process


@TRANSFORMS.register_module()
class FaceSceneSplit(BaseTransform):
    """Frames + the clip's face track -> a face clip and a scene clip.

    Face image, by ``crop_style``:

    - ``'box'``: a square crop centred on the face box, ``margin`` times the
      box's longer side (padded with black where it leaves the frame), resized
      to ``face_size``;
    - ``'aligned'``: the similarity transform that puts the face's five
      landmarks on ``template`` (ArcFace's 5-point template by default), like
      the releases' aligned crops (DFEW ``clip_224x224``, MAFW
      ``frames_crop_align_224``; docs/en/user_guides/faces.md). It needs a detector with
      landmarks (``MTCNNFaceDetector``); boxes without them (Haar, mmdet, a
      face-box file of format 1) are an error naming their source and the fix.

    Scene image: by default the WHOLE frame resized to
    ``scene_size`` (a square, as the CLIP encoder takes): the scene stream has
    to carry what annotators saw around the face (body, objects, place,
    light), and the original OUS code likewise encodes the whole frame.
    ``scene_mode='mask_face'`` blacks out the face box in the scene image, for
    experiments where the scene stream must not see the face.

    Missing faces: a frame without its own face takes the face (box and
    landmarks) of the nearest frame of the same video that has one
    (``face_missing`` counts them). When the whole video has no face,
    ``no_face='center'`` crops the centre square of side ``center_fraction x
    min(H, W)``, sets ``face_fallback`` and clears ``face_found`` (the
    ``FaceFallbackLoggerHook`` logs the counts per epoch; a video whose faces
    were searched online, i.e. a new video, also logs a warning, once per
    video and process: a prediction on it is not one about a face);
    ``no_face='error'`` raises an error naming the video.

    With ``face_imgs`` already in the results (``LoadReleasedFaceCrops``:
    the release's own face crops), those faces are kept, only the scene
    images are made, and nothing counts as missing.

    Required keys: ``imgs`` (RGB frames), ``frame_inds``; optional
    ``start_index``, ``face_boxes`` and ``face_landmarks`` (from
    ``LoadFaceBoxes``, one row per frame of the video; absent means no face
    anywhere), ``face_source``.
    Added keys: ``face_imgs`` and ``scene_imgs`` (``T x 3 x size x size``
    uint8), ``face_missing`` (int), ``face_fallback`` (bool), ``face_found``
    (bool), ``face_boxes_used`` (``T x 4``: the box each crop used).
    ``imgs`` is removed.

    Args:
        face_size (int): Side of the face images. Defaults to 224.
        scene_size (int): Side of the scene images. Defaults to 224.
        crop_style (str): ``'box'`` or ``'aligned'``. Defaults to ``'box'``.
        margin (float): ``'box'``: crop side over the box's longer side.
            Defaults to 1.25.
        template (Sequence): ``'aligned'``: the five landmark positions as
            fractions of the crop side. Defaults to ArcFace's template.
        scene_mode (str): ``'full'`` or ``'mask_face'``. Defaults to ``'full'``.
        no_face (str): ``'center'`` or ``'error'``. Defaults to ``'center'``.
        center_fraction (float): Side of the fallback crop over ``min(H, W)``.
            Defaults to 0.5.
    """

    def __init__(self,
                 face_size: int = 224,
                 scene_size: int = 224,
                 crop_style: str = 'box',
                 margin: float = 1.25,
                 template: Sequence[Sequence[float]] = ARCFACE_TEMPLATE,
                 scene_mode: str = 'full',
                 no_face: str = 'center',
                 center_fraction: float = 0.5) -> None:
        if crop_style not in CROP_STYLES:
            raise ValueError(f'crop_style must be one of {CROP_STYLES}, got {crop_style!r}')
        if np.asarray(template).shape != (5, 2):
            raise ValueError(f'template must be 5 (x, y) points, got {template!r}')
        if scene_mode not in ('full', 'mask_face'):
            raise ValueError(f"scene_mode must be 'full' or 'mask_face', got {scene_mode!r}")
        if no_face not in ('center', 'error'):
            raise ValueError(f"no_face must be 'center' or 'error', got {no_face!r}")
        self.face_size = face_size
        self.scene_size = scene_size
        self.crop_style = crop_style
        self.margin = margin
        self.template = tuple(tuple(float(v) for v in p) for p in template)
        self.scene_mode = scene_mode
        self.no_face = no_face
        self.center_fraction = center_fraction

    @staticmethod
    def nearest_faces(boxes: Optional[np.ndarray],
                      frame_inds: np.ndarray) -> Tuple[Optional[np.ndarray], int]:
        """For each sampled frame, the frame whose face it uses: its own, else the nearest found.

        Returns:
            tuple: ``len(frame_inds)`` frame indices (``None`` when the video
            has no face at all) and the number of sampled frames that borrowed.
        """
        if boxes is None:
            return None, len(frame_inds)
        found = np.flatnonzero(~np.isnan(boxes[:, :4]).any(axis=1))
        if len(found) == 0:
            return None, len(frame_inds)
        nearest = found[np.abs(found[None, :] - frame_inds[:, None]).argmin(axis=1)]
        return nearest, int((nearest != frame_inds).sum())

    def center_box(self, size: Tuple[int, int]) -> list:
        h, w = size
        half = self.center_fraction * min(h, w) / (2 * self.margin)
        return [w / 2 - half, h / 2 - half, w / 2 + half, h / 2 + half]

    def crop_face(self, frame: np.ndarray, box: np.ndarray) -> np.ndarray:
        x1, y1, x2, y2 = box
        side = max(x2 - x1, y2 - y1) * self.margin
        cx, cy = (x1 + x2) / 2, (y1 + y2) / 2
        # Affine crop: pixels outside the frame become black, the face stays centred.
        scale = self.face_size / max(side, 1.0)
        matrix = np.array([[scale, 0, self.face_size / 2 - scale * cx],
                           [0, scale, self.face_size / 2 - scale * cy]], dtype=np.float32)
        return cv2.warpAffine(frame, matrix, (self.face_size, self.face_size),
                              flags=cv2.INTER_LINEAR, borderValue=(0, 0, 0))

    @staticmethod
    def landmarks(results: dict, nearest: np.ndarray, source: str) -> np.ndarray:
        """The five landmarks of each sampled frame's face; an error where there are none."""
        points = results.get('face_landmarks')
        points = None if points is None else points[nearest]
        if points is None or not np.isfinite(points).all():
            where = results.get('face_source', 'its face boxes')
            raise ValueError(
                f'no face landmarks for {source} ({where}): crop_style=\'aligned\' needs a '
                'detector that gives them (MTCNNFaceDetector). Rebuild the face-box cache '
                'with one (delete the file, then `python tools/detect_faces.py CONFIG`) or '
                'use crop_style=\'box\'.')
        return points

    def scene_image(self, frame: np.ndarray, box: Optional[np.ndarray]) -> np.ndarray:
        if self.scene_mode == 'mask_face' and box is not None:
            frame = frame.copy()
            x1, y1, x2, y2 = np.round(box).astype(int)
            frame[max(y1, 0):max(y2, 0), max(x1, 0):max(x2, 0)] = 0
        return cv2.resize(frame, (self.scene_size, self.scene_size),
                          interpolation=cv2.INTER_AREA)

    @staticmethod
    def to_rgb(frame: np.ndarray) -> np.ndarray:
        """Grayscale (``H x W`` or ``H x W x 1``) and RGBA frames -> ``H x W x 3`` RGB."""
        if frame.ndim == 2 or frame.shape[2] == 1:
            return cv2.cvtColor(frame.reshape(frame.shape[:2]), cv2.COLOR_GRAY2RGB)
        if frame.shape[2] == 4:
            return cv2.cvtColor(frame, cv2.COLOR_RGBA2RGB)
        if frame.shape[2] != 3:
            raise ValueError(f'frames with {frame.shape[2]} channels are not images')
        return frame

    def transform(self, results: dict) -> dict:
        # frames may differ in size (a stream whose resolution changes): each is cropped and
        # resized on its own
        frames = [self.to_rgb(np.asarray(f)) for f in results.pop('imgs')]
        # frame_inds count from the clip's start_index (1 for frame folders); boxes from 0
        frame_inds = np.asarray(results['frame_inds']).reshape(-1) - results.get('start_index', 0)
        if len(frames) != len(frame_inds):
            raise ValueError(f'{len(frames)} frames but {len(frame_inds)} frame indices '
                             f'for {results.get("filename")}')
        released = 'face_imgs' in results  # the release's own crops: only the scene is made
        source = results.get('filename') or results.get('frame_dir')
        nearest, missing = self.nearest_faces(results.get('face_boxes'), frame_inds)
        fallback = nearest is None and not released
        boxes = None if nearest is None else results['face_boxes'][nearest, :4]
        if fallback:
            if self.no_face == 'error':
                raise ValueError(f'no face found in any frame of {source}')
            if results.get('face_detected_online') and source not in _warned_no_face:
                _warned_no_face.add(source)
                print_log(f'no face found in the {len(frames)} sampled frames of {source}: the '
                          'face stream is a centre crop, so the prediction is not about a face '
                          '(face_found=False)', logger='current', level=logging.WARNING)
            boxes = np.array([self.center_box(f.shape[:2]) for f in frames])
        if not released:
            if self.crop_style == 'aligned' and not fallback:
                face = np.stack([
                    align_face(f, p, self.face_size, self.template)
                    for f, p in zip(frames, self.landmarks(results, nearest, source))])
            else:
                face = np.stack([self.crop_face(f, b) for f, b in zip(frames, boxes)])
            results['face_imgs'] = np.ascontiguousarray(face.transpose(0, 3, 1, 2))
        mask_boxes = [None] * len(frames) if boxes is None or fallback else boxes
        scene = np.stack([self.scene_image(f, b) for f, b in zip(frames, mask_boxes)])
        results['scene_imgs'] = np.ascontiguousarray(scene.transpose(0, 3, 1, 2))
        results['face_missing'] = 0 if released else missing
        results['face_fallback'] = fallback
        results['face_found'] = not fallback
        if boxes is not None:
            results['face_boxes_used'] = boxes.astype(np.float32)
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(face_size={self.face_size}, '
                f'scene_size={self.scene_size}, crop_style={self.crop_style!r}, '
                f'margin={self.margin}, scene_mode={self.scene_mode!r}, '
                f'no_face={self.no_face!r})')
