"""Bad inputs on the data path: each a clear error naming the file, or a documented fallback."""
import os
import os.path as osp

import cv2
import numpy as np
import pytest
from mmcv.transforms import Compose
from mmengine.registry import init_default_scope

import ous_mm  # noqa: F401
from conftest import run
from ous_mm.datasets import DFEWDataset
from ous_mm.testing import make_demo_dataset
from ous_mm.testing import write_video

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


def test_cache_without_the_video_names_it_and_the_fix(demo, tmp_path):
    import shutil
    root = str(tmp_path / 'copy')
    shutil.copytree(demo, root)
    ds, path = _first_clip(root)
    key = osp.splitext(osp.basename(path))[0]
    os.remove(osp.join(root, 'face_boxes', key + '.json'))
    with pytest.raises(FileNotFoundError, match=f"no face boxes for video '{key}'.*detect_faces"):
        ds[0]


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


def test_released_face_crops_as_the_face_stream(demo, tmp_path):
    """Option: the face stream from the release's face crops, the scene from the clip."""
    import shutil
    root = str(tmp_path / 'copy')
    shutil.copytree(demo, root)
    ds, path = _first_clip(root)
    crops = osp.join(root, 'Clip', 'clip_224x224', osp.splitext(osp.basename(path))[0])
    os.makedirs(crops)
    for i in range(6):  # fewer crops than frames, as in DFEW's aligned-face folders
        cv2.imwrite(osp.join(crops, f'{i + 1:05d}.jpg'), np.full((50, 50, 3), 30 * i, np.uint8))
    pipeline = [*PIPELINE[:4], dict(type='LoadReleasedFaceCrops', face_size=32), PIPELINE[4]]
    ds = DFEWDataset(root, pipeline, subset='test', face_crop_dir='Clip/clip_224x224')
    out = ds[0]
    assert out['face_imgs'].shape == (8, 3, 32, 32)
    # crop k of 6 matched by position: grey levels rise with the sampled frame index
    levels = out['face_imgs'][:, 0, 16, 16].astype(int)
    assert levels[0] < 10 and levels[-1] > 140 and (np.diff(levels) >= -3).all()
    assert out['scene_imgs'].shape == (8, 3, 64, 64) and out['scene_imgs'].std() > 10
