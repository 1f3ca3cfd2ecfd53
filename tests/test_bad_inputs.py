"""Bad inputs on the data path: each a clear error naming the file, or a documented fallback."""
import os
import os.path as osp

import cv2
import numpy as np
import pytest
from mmcv.transforms import Compose
from mmengine.registry import init_default_scope

import ous_mm  # noqa: F401
from ous_mm.datasets import DFEWDataset
from ous_mm.testing import make_demo_dataset, write_video
from conftest import run

init_default_scope('mmaction')
PIPELINE = [
    dict(type='CheckedDecordInit'),
    dict(type='UniformSample', clip_len=8, num_clips=1, test_mode=True),
    dict(type='CheckedDecordDecode'),
    dict(type='LoadFaceBoxes'),
    dict(type='FaceSceneSplit', face_size=32, scene_size=64),
]


@pytest.fixture(scope='module')
def demo(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('demo'))
    make_demo_dataset(root, clips_per_class=2, num_frames=12, size=64, num_folds=2)
    return root


def _first_clip(root):
    ds = DFEWDataset(root, PIPELINE, fold=1, subset='test')
    return ds, ds.get_data_info(0)['filename']


def test_good_clip_goes_through(demo):
    ds, _ = _first_clip(demo)
    out = ds[0]
    assert out['face_imgs'].shape == (8, 3, 32, 32) and out['face_fallback'] is False


@pytest.mark.parametrize('damage,message', [
    ('empty', 'is an empty \\(zero-byte\\) file'),
    ('garbage', 'cannot decode video .* \\(corrupt or truncated\\?\\)'),
    ('truncated', 'cannot decode'),
])
def test_broken_videos_name_the_file(demo, tmp_path, damage, message):
    import shutil
    root = str(tmp_path / 'copy')
    shutil.copytree(demo, root)
    ds, path = _first_clip(root)
    data = open(path, 'rb').read()
    with open(path, 'wb') as f:
        f.write({'empty': b'', 'garbage': os.urandom(2000), 'truncated': data[:len(data) // 3]}[
            damage])
    with pytest.raises(IOError, match=message) as err:
        ds[0]
    assert osp.basename(path) in str(err.value)


def test_clip_shorter_than_t_repeats_frames(tmp_path):
    """Documented fallback: UniformSample repeats frames of a clip shorter than T."""
    video = str(tmp_path / 'v' / 'short.mp4')
    write_video(video, [np.full((64, 64, 3), 40 * i, np.uint8) for i in range(3)])
    from ous_mm.datasets.face_box_cache import write_boxes
    write_boxes(str(tmp_path / 'b'), 'short', [[10, 10, 40, 40, 1]] * 3, (64, 64), 'test')
    out = Compose(PIPELINE)(dict(filename=video, video_root=str(tmp_path / 'v'),
                                 face_box_root=str(tmp_path / 'b'), start_index=0,
                                 modality='RGB'))
    assert list(out['frame_inds']) == [0, 0, 0, 1, 1, 1, 2, 2]
    assert out['scene_imgs'].shape[0] == 8


def test_video_missing_from_the_cache_is_detected_online_or_named(demo, tmp_path):
    import shutil
    root = str(tmp_path / 'copy')
    shutil.copytree(demo, root)
    ds, path = _first_clip(root)
    key = osp.splitext(osp.basename(path))[0]
    os.remove(osp.join(root, 'face_boxes', key + '.json'))
    # without a detector: an error naming the missing file and both fixes
    with pytest.raises(FileNotFoundError,
                       match=rf'{key}.json is missing.*detect_faces.py.*detector'):
        ds[0]
    # with one (as in ous-mm's configs), the sampled frames' faces are found online
    online = [dict(t, detector=dict(type='OpenCVHaarFaceDetector'))
              if t['type'] == 'LoadFaceBoxes' else t for t in PIPELINE]
    out = DFEWDataset(root, online, fold=1, subset='test')[0]
    assert out['face_detected_online'] and out['face_boxes'].shape == (12, 5)
    assert out['face_imgs'].shape == (8, 3, 32, 32)
    # only the 8 sampled frames went through the detector
    assert np.isnan(out['face_boxes'][np.setdiff1d(np.arange(12), out['frame_inds'])]).all()


def _extract_frames(root):
    """Frames of every demo clip as ffmpeg would write them: Clip/frames/NNNNN/00001.jpg ..."""
    import decord
    src = osp.join(root, 'Clip', 'original')
    for name in sorted(os.listdir(src)):
        out = osp.join(root, 'Clip', 'frames', osp.splitext(name)[0])
        os.makedirs(out)
        for i, frame in enumerate(decord.VideoReader(osp.join(src, name)).get_batch(
                list(range(12))).asnumpy()):
            cv2.imwrite(osp.join(out, f'{i + 1:05d}.jpg'), frame[..., ::-1])


def test_frame_folders_instead_of_clips_and_a_gap(demo, tmp_path):
    import shutil
    root = str(tmp_path / 'copy')
    shutil.copytree(demo, root)
    _extract_frames(root)
    pipeline = [dict(type='UniformSample', clip_len=8, num_clips=1, test_mode=True),
                dict(type='RawFrameDecode'), *PIPELINE[3:]]
    ds = DFEWDataset(root, pipeline, subset='test', media='frames', video_dir='Clip/frames')
    info = ds.get_data_info(0)
    assert info['total_frames'] == 12 and info['start_index'] == 1
    out = ds[0]
    assert out['face_imgs'].shape == (8, 3, 32, 32) and out['face_fallback'] is False
    os.remove(osp.join(info['frame_dir'], '00005.jpg'))
    with pytest.raises(ValueError, match=r'set_1.csv:\d+: frame folder .* has a gap: 00005.jpg'):
        DFEWDataset(root, pipeline, subset='test', media='frames', video_dir='Clip/frames')
    # tools/detect_faces.py reads frame folders too (the config path, fed by the dataset)
    cfg = tmp_path / 'frames_cfg.py'
    cfg.write_text(
        "test_dataloader = dict(dataset=dict(type='DFEWDataset', data_root=%r, subset='test', "
        "media='frames', video_dir='Clip/frames', fold=2, pipeline=[]))\n" % root)
    proc = run(['python', 'tools/detect_faces.py', str(cfg), '--cache-root',
                str(tmp_path / 'boxes')])
    assert 'to do' in proc.stdout and len(os.listdir(tmp_path / 'boxes')) > 0


def test_valid_video_narrower_than_64_px_is_not_called_corrupt(tmp_path):
    # write_video refuses such sizes, so OpenCV writes this one directly
    path = str(tmp_path / 'narrow.mp4')
    writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*'mp4v'), 8, (48, 48))
    for i in range(10):
        writer.write(np.full((48, 48, 3), 20 * i, np.uint8))
    writer.release()
    ok, frame = cv2.VideoCapture(path).read()
    assert ok and frame.shape == (48, 48, 3)  # a valid video
    pipeline = Compose(PIPELINE[:3])
    with pytest.raises(IOError, match=r'narrow.mp4: its frames are 48 px wide, and decord 0.6 '
                       r'cannot decode .* narrower than 64 px .* scale=64:-2') as err:
        pipeline(dict(filename=path, start_index=0, modality='RGB'))
    assert 'corrupt' not in str(err.value)


def _with_boxes(demo, tmp_path, edit):
    """A copy of the demo set whose first test clip's box file is changed by `edit(data)`."""
    import json
    import shutil
    root = str(tmp_path / 'copy')
    shutil.copytree(demo, root)
    ds, path = _first_clip(root)
    box_path = osp.join(root, 'face_boxes', osp.splitext(osp.basename(path))[0] + '.json')
    with open(box_path) as f:
        data = json.load(f)
    data = edit(data)
    with open(box_path, 'w') as f:
        f.write(data if isinstance(data, str) else json.dumps(data))
    return ds, box_path


@pytest.mark.parametrize('box', [
    [-1e9, -1e9, 1e9, 1e9, 1],  # huge: clipped to the whole frame, a usable box
    ['Infinity', 10, 20, 30, 1],  # not finite
    [5000, 5000, 6000, 6000, 1],  # far outside the frame
    [30, 30, 10, 10, 1],  # inverted
    [10, 10, 10, 40, 1],  # zero area
])
def test_unusable_boxes_count_as_missing_faces(demo, tmp_path, box):
    def every_box(data):
        data['boxes'] = [box] * len(data['boxes'])
        return json_with_infinity(data)
    ds, _ = _with_boxes(demo, tmp_path, every_box)
    out = ds[0]
    if box[0] == -1e9:  # clipped, not dropped: the crop is the frame
        assert out['face_invalid'] == 0 and not out['face_fallback']
        assert np.allclose(out['face_boxes'][0, :4], [0, 0, 64, 64])
    else:
        assert out['face_invalid'] == 12 and out['face_fallback'] and out['face_missing'] == 8
    assert out['face_imgs'].std() > 0  # never an all-black face stream


def json_with_infinity(data) -> str:
    import json
    return json.dumps(data).replace('"Infinity"', 'Infinity')


@pytest.mark.parametrize('edit,message', [
    (lambda d: dict(d, video='00042.mp4'), "holds the boxes of video '00042.mp4'"),
    (lambda d: dict(d, boxes=d['boxes'][:5], num_frames=5), '5 entries for a video of 12'),
    (lambda d: dict(d, frame_size=[480, 640]), 'made on frames of [480, 640]'),
    (lambda d: dict(d, num_frames=99), '"num_frames" is 99 but it holds 12 boxes'),
    (lambda d: [d['boxes']], 'expected an object with a "boxes" list'),
    (lambda d: {k: v for k, v in d.items() if k != 'boxes'}, 'expected an object'),
    (lambda d: dict(d, boxes=None), 'expected an object'),
    (lambda d: dict(d, boxes=['x'] * 12), "entry 0 is 'x'"),
    (lambda d: '{"boxes": [', 'not valid JSON'),
])
def test_box_file_that_does_not_fit_its_video_is_an_error_naming_it(demo, tmp_path, edit, message):
    ds, box_path = _with_boxes(demo, tmp_path, edit)
    with pytest.raises(ValueError) as err:
        ds[0]
    assert box_path in str(err.value) and message in str(err.value)
    assert 'detect_faces.py' in str(err.value)
