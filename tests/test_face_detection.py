"""Face detector backends and tools/detect_faces.py on real generated videos."""
import json
import os.path as osp

import cv2
import numpy as np
import pytest
from skimage import data as skdata

import ous_mm  # noqa: F401
from ous_mm.registry import FACE_DETECTORS
from ous_mm.testing import write_video
from conftest import random_retinanet_face_detector, run

# OpenCV's default cascade on skimage's astronaut (512 px): x=177, y=66, w=h=95 (docs/stack.md)
ASTRONAUT_BOX = np.array([177, 66, 272, 161]) / 2  # the video frames are 256 px


def iou(a, b):
    x1, y1 = max(a[0], b[0]), max(a[1], b[1])
    x2, y2 = min(a[2], b[2]), min(a[3], b[3])
    inter = max(0, x2 - x1) * max(0, y2 - y1)
    return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter)


@pytest.fixture(scope='module')
def astronaut_video(tmp_path_factory):
    root = tmp_path_factory.mktemp('videos')
    frame = cv2.resize(skdata.astronaut(), (256, 256), interpolation=cv2.INTER_AREA)
    write_video(str(root / 'astronaut.mp4'), [frame] * 4)
    write_video(str(root / 'sub' / 'coffee.mp4'),
                [cv2.resize(skdata.coffee(), (256, 192))] * 3)  # no face in it
    (root / 'broken.mp4').write_bytes(b'\x00\x01not a video')
    return str(root)


def test_opencv_backend_finds_the_astronaut():
    frame = cv2.resize(skdata.astronaut(), (256, 256), interpolation=cv2.INTER_AREA)
    det = FACE_DETECTORS.build(dict(type='OpenCVHaarFaceDetector'))
    boxes = det([frame, np.zeros_like(frame)])
    assert boxes[1] is None
    assert iou(boxes[0][:4], ASTRONAUT_BOX) > 0.6


def test_detect_faces_tool_fills_the_cache_and_resumes(astronaut_video, tmp_path):
    cache = str(tmp_path / 'boxes')
    proc = run(['python', 'tools/detect_faces.py', astronaut_video, '--cache-root', cache],
               check=False)
    assert proc.returncode == 1  # the broken file is reported, the others are done
    assert 'broken.mp4' in proc.stdout and '1 videos could not be read' in proc.stdout
    with open(osp.join(cache, 'astronaut.json')) as f:
        entry = json.load(f)
    assert entry['num_frames'] == 4 and entry['frame_size'] == [256, 256]
    assert all(iou(b[:4], ASTRONAUT_BOX) > 0.6 for b in entry['boxes'])
    with open(osp.join(cache, 'sub', 'coffee.json')) as f:
        assert json.load(f)['boxes'] == [None] * 3
    again = run(['python', 'tools/detect_faces.py', astronaut_video, '--cache-root', cache,
                 '--workers', '2'], check=False)
    assert '3 videos, 2 already in the cache, 1 to do' in again.stdout


def test_mmdet_backend_runs_a_random_detector_through_mmdet_apis():
    cfg = random_retinanet_face_detector()
    det = FACE_DETECTORS.build(
        dict(type='MMDetFaceDetector', config=cfg, score_thr=0.0, batch_size=2))
    frames = [np.random.default_rng(i).integers(0, 255, (96, 128, 3), dtype=np.uint8)
              for i in range(3)]
    boxes = det(frames)
    assert len(boxes) == 3
    for box in boxes:  # random weights: some box, in the frame's coordinates, with its score
        assert box.shape == (5, ) and 0 <= box[4] <= 1
    with pytest.raises(ValueError, match="have no 'person'"):
        FACE_DETECTORS.build(dict(type='MMDetFaceDetector', config=cfg, face_class='person'))
