"""The data pipelines of every ous-mm config, written once.

MMEngine's (old-style) configs cannot change an inherited list, so a config that
samples another number of frames, another image size or faces from another source
would have to re-list its pipelines. Configs call :func:`dfer_pipelines` instead,
with the frame count they also give the model.
"""
from typing import List, Optional, Tuple

FACE_SOURCES = ('release', 'detector')


def dfer_pipelines(num_frames: int = 16,
                   image_size: int = 224,
                   face_source: str = 'release',
                   detector: Optional[dict] = None,
                   crop_style: str = 'box') -> Tuple[List[dict], List[dict]]:
    """The training and the test pipeline, from a whole-scene clip to OUS's two streams.

    Args:
        num_frames (int): Frames sampled uniformly over the clip (T). Defaults to 16.
        image_size (int): Side of the face and scene images. Defaults to 224.
        face_source (str): ``'release'``: the face stream from the release's
            own face crops (``LoadReleasedFaceCrops``; the datasets'
            ``face_crop_dir``), as the paper and the methods of its Table 1 use
            them; ``'detector'``: crops around cached face boxes
            (``tools/detect_faces.py``). Either way a video without crops or
            cached boxes (e.g. a new video given to ``inference_recognizer``)
            has its faces found by ``detector`` on the sampled frames.
        detector (dict, optional): Face detector config (``FACE_DETECTORS``)
            for videos without crops or cached boxes. ``None``: such a video
            is an error.
        crop_style (str): How ``FaceSceneSplit`` cuts faces from boxes:
            ``'box'`` (a square around the box) or ``'aligned'`` (landmarks
            onto a template, as the DFEW and MAFW releases' crops; needs a
            detector with landmarks). Defaults to ``'box'``.

    Returns:
        tuple[list[dict], list[dict]]: The training pipeline (random offsets
        within the T segments) and the test pipeline (the centre of each
        segment: validation, test, inference).
    """
    if face_source not in FACE_SOURCES:
        raise ValueError(f'face_source must be one of {FACE_SOURCES}, got {face_source!r}')
    faces = [dict(type='LoadReleasedFaceCrops', face_size=image_size)] \
        if face_source == 'release' else []
    return tuple([
        # release crops: the frames feed only the scene, decoded at its size (faster)
        dict(type='CheckedDecordInit', io_backend='disk',
             scene_size=image_size if face_source == 'release' else None),
        dict(type='UniformSample', clip_len=num_frames, num_clips=1, test_mode=test_mode),
        dict(type='CheckedDecordDecode'),
        *faces,
        dict(type='LoadFaceBoxes', detector=detector),
        dict(type='FaceSceneSplit', face_size=image_size, scene_size=image_size,
             crop_style=crop_style),
        dict(type='StreamsSideBySide'),  # what browse_dataset.py shows (a view, no copy)
        dict(type='PackActionInputs', collect_keys=('face_imgs', 'scene_imgs'),
             # clip identifiers travel into --dump files; the face counts into the logs
             meta_keys=('filename', 'frame_dir', 'sample_idx', 'face_found', 'face_missing',
                        'face_fallback', 'face_invalid', 'face_detected_online'))
    ] for test_mode in (False, True))
