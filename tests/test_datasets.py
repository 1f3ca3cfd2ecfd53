"""DFEW/FERV39k readers on release-shaped fixture trees, FaceSceneSplit, the box cache."""
import os
import os.path as osp

import numpy as np
import pytest
from mmengine.registry import init_default_scope

import ous_mm  # noqa: F401
from ous_mm.datasets import (DFEWDataset, FaceSceneSplit, FERV39kDataset, LoadFaceBoxes,
                             stratified_holdout)
from ous_mm.datasets.face_box_cache import read_faces, video_key, write_boxes

init_default_scope('mmaction')


def _touch(path):
    os.makedirs(osp.dirname(path), exist_ok=True)
    open(path, 'wb').close()


def dfew_tree(root, rows, folder='train(single-labeled)', fold=1, header='video_name,label'):
    split = osp.join(root, 'EmoLabel_DataSplit', folder)
    os.makedirs(split, exist_ok=True)
    with open(osp.join(split, f'set_{fold}.csv'), 'w') as f:
        f.write('\n'.join([header] + rows) + '\n')
    for row in rows:
        name = row.split(',')[0].strip()
        if name.isdigit():
            _touch(osp.join(root, 'Clip', 'original', f'{int(name):05d}.mp4'))


def test_dfew_reader_release_layout(tmp_path):
    rows = [f'{i},{i % 7 + 1}' for i in range(1, 71)]
    dfew_tree(str(tmp_path), rows)
    dfew_tree(str(tmp_path), ['72, 2 ', '71,7'], folder='test(single_labeled)')  # other spelling
    train = DFEWDataset(str(tmp_path), [], subset='train', val_fraction=0.2)
    val = DFEWDataset(str(tmp_path), [], subset='val', val_fraction=0.2)
    test = DFEWDataset(str(tmp_path), [], subset='test')
    assert len(train) + len(val) == 70 and len(val) == 14  # 2 per class
    assert sorted(val.get_data_info(i)['label'] for i in range(len(val))) == sorted(
        list(range(7)) * 2)
    names = {train.get_data_info(i)['filename'] for i in range(len(train))}
    assert not names & {val.get_data_info(i)['filename'] for i in range(len(val))}
    info = test.get_data_info(0)
    assert info['filename'].endswith(osp.join('Clip', 'original', '00072.mp4'))
    assert info['label'] == 1  # "2" = Sad, stray whitespace stripped
    assert test.metainfo['classes'][:3] == ('Happy', 'Sad', 'Neutral')
    # seeded: the same hold-out every time
    again = DFEWDataset(str(tmp_path), [], subset='val', val_fraction=0.2)
    assert [again.get_data_info(i)['filename'] for i in range(len(again))] == [
        val.get_data_info(i)['filename'] for i in range(len(val))]


@pytest.mark.parametrize('rows,message', [
    (['1,9'], r'set_1.csv:2: label 9 is outside 1-7'),
    (['1,happy'], r'set_1.csv:2: expected "<video number>,<label 1-7>"'),
])
def test_dfew_bad_lines_name_file_and_line(tmp_path, rows, message):
    dfew_tree(str(tmp_path), rows)
    with pytest.raises(ValueError, match=message):
        DFEWDataset(str(tmp_path), [], subset='train')


def test_dfew_missing_clip_error_or_counted_skip(tmp_path):
    dfew_tree(str(tmp_path), ['1,1', '2,2'])
    os.remove(str(tmp_path / 'Clip' / 'original' / '00002.mp4'))
    with pytest.raises(FileNotFoundError, match=r'set_1.csv:3: clip .*00002.mp4 is missing'):
        DFEWDataset(str(tmp_path), [], subset='train')
    ds = DFEWDataset(str(tmp_path), [], subset='train', val_fraction=0, missing_video='skip')
    assert len(ds) == 1 and ds.num_skipped == 1


def test_dfew_bad_header_and_fold(tmp_path):
    dfew_tree(str(tmp_path), ['1,1'], header='name;label')
    with pytest.raises(ValueError, match='set_1.csv:1: expected the header'):
        DFEWDataset(str(tmp_path), [], subset='train')
    with pytest.raises(ValueError, match='folds 1-5'):
        DFEWDataset(str(tmp_path), [], fold=6)
    with pytest.raises(FileNotFoundError, match='DFEW split file not found'):
        DFEWDataset(str(tmp_path), [], fold=2)


def test_ferv39k_reader_release_layout(tmp_path):
    split = tmp_path / '4_setups' / 'All_scenes'
    split.mkdir(parents=True)
    lines = ['Action/Happy/0001 Happy', 'Crime/Fear/0002 Fear', '', 'Daily/Neutral/0003 Neutral']
    (split / 'test_All.csv').write_text('\n'.join(lines) + '\n')
    (split / 'train_All.csv').write_text('Action/Happy/0001 Joy\n')
    for p in ('Action/Happy/0001', 'Crime/Fear/0002', 'Daily/Neutral/0003'):
        _touch(str(tmp_path / '0_7_LabelClips' / f'{p}.mp4'))
    test = FERV39kDataset(str(tmp_path), [], subset='test')
    assert [test.get_data_info(i)['label'] for i in range(3)] == [0, 6, 2]  # DFEW order
    assert test.get_data_info(1)['filename'].endswith('0_7_LabelClips/Crime/Fear/0002.mp4')
    with pytest.raises(ValueError, match=r'train_All.csv:1: .* got \'Action/Happy/0001 Joy\''):
        FERV39kDataset(str(tmp_path), [], subset='train')


def test_stratified_holdout_keeps_rare_classes():
    labels = [0] * 50 + [1] * 2 + [2]
    held = stratified_holdout(labels, 0.1, seed=0)
    assert sorted(np.asarray(labels)[held].tolist()) == [0] * 5 + [1]  # a single clip stays


@pytest.mark.parametrize('n,k', [(1, 0), (2, 1), (3, 1), (14, 1), (15, 2), (25, 2), (26, 3),
                                 (100, 10)])
def test_stratified_holdout_per_class_is_the_readme_rule(n, k):
    """docs/en/user_guides/prepare_datasets.md: round(0.1 * n), at least 1, at most n - 1."""
    labels = [0] * n + [1] * 40
    held = np.asarray(labels)[stratified_holdout(labels, 0.1, seed=3)]
    assert (held == 0).sum() == k and (held == 1).sum() == 4


def test_box_cache_round_trip_and_missing(tmp_path):
    boxes = [[1, 2, 30, 40, 0.9], None, [5, 6, 7, 8, 0.5]]
    write_boxes(str(tmp_path), 'Crime/Fear/0002', boxes, (64, 80), 'test')
    got, invalid = read_faces(str(tmp_path), 'Crime/Fear/0002', 3, (64, 80))[1:3]
    assert got.shape == (3, 15) and np.isnan(got[1]).all() and invalid == 0
    np.testing.assert_allclose(got[[0, 2], :5], np.array([boxes[0], boxes[2]]), rtol=1e-6)
    assert not [f for f in os.listdir(tmp_path / 'Crime' / 'Fear') if '.tmp' in f]
    with pytest.raises(FileNotFoundError, match=r"no face boxes for video 'x'.*detect_faces"):
        read_faces(str(tmp_path), 'x')
    assert video_key('/d/videos/a/b.mp4', '/d/videos') == 'a/b'
    (tmp_path / 'bad.json').write_text('{"boxes": [')
    with pytest.raises(ValueError, match=r'bad.json: not valid JSON.*detect_faces'):
        read_faces(str(tmp_path), 'bad')


def _frames(n=4, h=80, w=120):
    frames = []
    for _ in range(n):
        f = np.zeros((h, w, 3), np.uint8)
        f[20:40, 60:80] = (255, 0, 0)  # a red "face" at x 60-80, y 20-40
        frames.append(f)
    return frames


def test_face_scene_split_crops_land_on_the_boxes():
    boxes = np.full((10, 5), np.nan, np.float32)
    boxes[2] = [60, 20, 80, 40, 1]
    boxes[7] = [60, 20, 80, 40, 1]
    split = FaceSceneSplit(face_size=32, scene_size=64, margin=1.0)
    out = split(dict(imgs=_frames(), frame_inds=np.array([1, 2, 5, 9]), face_boxes=boxes,
                     filename='v.mp4'))
    assert out['face_imgs'].shape == (4, 3, 32, 32)
    assert out['scene_imgs'].shape == (4, 3, 64, 64)
    # margin 1: the crop is the box itself, so the face crop is (almost) all red
    assert (out['face_imgs'][:, 0, 2:-2, 2:-2] > 200).all()
    assert (out['face_imgs'][:, 1:, 2:-2, 2:-2] < 50).all()
    assert out['face_missing'] == 3 and out['face_fallback'] is False
    # the scene keeps the whole frame: red only where the face is (x 60-80 of 120 -> 32-43)
    red = out['scene_imgs'][0, 0] > 128
    cols = np.flatnonzero(red.any(0))
    assert 30 <= cols.min() and cols.max() <= 44


def test_face_scene_split_margin_pads_outside_the_frame():
    boxes = np.array([[0, 0, 20, 20, 1]] * 4, np.float32)
    out = FaceSceneSplit(face_size=40, scene_size=64, margin=2.0)(
        dict(imgs=_frames(), frame_inds=np.arange(4), face_boxes=boxes))
    # the crop centred on (10, 10) with side 40 reaches 10 px beyond the top-left: black there
    assert (out['face_imgs'][0, :, :10, :10] == 0).all()


def test_face_scene_split_no_face_fallback_and_error():
    boxes = np.full((4, 5), np.nan, np.float32)
    out = FaceSceneSplit(face_size=16, scene_size=64)(
        dict(imgs=_frames(), frame_inds=np.arange(4), face_boxes=boxes))
    assert out['face_fallback'] is True and out['face_missing'] == 4
    with pytest.raises(ValueError, match='no face found in any frame of clip.mp4'):
        FaceSceneSplit(no_face='error')(dict(imgs=_frames(), frame_inds=np.arange(4),
                                             face_boxes=boxes, filename='clip.mp4'))


def test_face_scene_split_mask_face():
    boxes = np.array([[60, 20, 80, 40, 1]] * 4, np.float32)
    out = FaceSceneSplit(face_size=16, scene_size=120, scene_mode='mask_face')(
        dict(imgs=_frames(h=120), frame_inds=np.arange(4), face_boxes=boxes))
    assert out['scene_imgs'][:, 0].max() == 0  # the red face is gone from the scene


def test_load_face_boxes_from_dataset_infos(tmp_path):
    write_boxes(str(tmp_path / 'boxes'), '00001', [[1, 2, 3, 4, 1]], (8, 8), 'test',
                video='00001.mp4')
    out = LoadFaceBoxes()(dict(filename=str(tmp_path / 'videos' / '00001.mp4'),
                               video_root=str(tmp_path / 'videos'),
                               face_box_root=str(tmp_path / 'boxes'), total_frames=1,
                               imgs=[np.zeros((8, 8, 3), np.uint8)], frame_inds=np.array([0])))
    assert out['face_boxes'].shape == (1, 5) and not out['face_detected_online']


def _dfew_split(root, split='train(single-labeled)'):
    return osp.join(root, 'EmoLabel_DataSplit', split, 'set_1.csv')


@pytest.mark.parametrize('rows,message', [
    (['1,1', '2,2', '1,1'], r"set_1.csv:2 and .*set_1.csv:4: clip '00001' is listed twice;"),
    (['1,1', '2,2', '1,4'], r"set_1.csv:2 and .*set_1.csv:4: clip '00001' is listed twice "
     r'with different labels \(Happy, then Angry\)'),
    (['1,1', '00001,1'], r"set_1.csv:2 and .*set_1.csv:3: clip '00001' is listed twice"),
    # int() reads each of these as another clip's number or label
    (['0_1,1'], r"set_1.csv:2: expected .* in ASCII digits, as in the release, got '0_1,1'"),
    (['\uff11,1'], r"set_1.csv:2: expected .* in ASCII digits"),
    (['1,+2'], r"set_1.csv:2: expected .* in ASCII digits"),
])
def test_dfew_repeated_clips_and_names_int_would_misread(tmp_path, rows, message):
    dfew_tree(str(tmp_path), rows)
    with pytest.raises(ValueError, match=message):
        DFEWDataset(str(tmp_path), [], subset='train')


def test_dfew_duplicated_training_file_cannot_leak_into_validation(tmp_path):
    rows = [f'{i},{i % 7 + 1}' for i in range(1, 15)]
    dfew_tree(str(tmp_path), rows + rows)
    for subset in ('train', 'val'):
        with pytest.raises(ValueError, match=r"set_1.csv:2 and .*set_1.csv:16: clip '00001'"):
            DFEWDataset(str(tmp_path), [], subset=subset)


def test_dfew_split_encodings_empty_files_and_nothing_found(tmp_path):
    root = str(tmp_path)
    dfew_tree(root, ['1,1', '2,2'])
    path = _dfew_split(root)
    # spreadsheet programs write a byte-order mark and CRLF: accepted
    with open(path, 'wb') as f:
        f.write(b'\xef\xbb\xbfvideo_name,label\r\n1,1\r\n2,2\r\n')
    ds = DFEWDataset(root, [], subset='train', val_fraction=0)
    assert [ds.get_data_info(i)['label'] for i in range(len(ds))] == [0, 1]
    for data, message in ((b'video_name,label\n1,1\n2,2\n3,\xe9\n',
                           r'set_1.csv:4: not UTF-8 text \(byte 0xe9'),
                          (b'video_name,label\n', r'set_1.csv: the split file lists no clips'),
                          (b'', r'set_1.csv: the split file is empty'),
                          (b'\xef\xbb\xbf\n \n', r'set_1.csv: the split file is empty')):
        with open(path, 'wb') as f:
            f.write(data)
        with pytest.raises(ValueError, match=message):
            DFEWDataset(root, [], subset='train')
    dfew_tree(root, ['1,1', '2,2'])
    for clip in ('00001', '00002'):
        os.remove(osp.join(root, 'Clip', 'original', f'{clip}.mp4'))
    with pytest.raises(FileNotFoundError, match=r'set_1.csv: none of the 2 clips it lists'):
        DFEWDataset(root, [], subset='train', missing_video='skip')


def test_ferv39k_split_checks(tmp_path):
    split = tmp_path / '4_setups' / 'All_scenes'
    split.mkdir(parents=True)
    for p in ('Action/Happy/0001', 'Crime/Fear/0002'):
        _touch(str(tmp_path / '0_7_LabelClips' / f'{p}.mp4'))
    (split / 'test_All.csv').write_bytes(
        b'\xef\xbb\xbfAction/Happy/0001 Happy\r\nCrime/Fear/0002 Fear\r\n')
    test = FERV39kDataset(str(tmp_path), [], subset='test')
    assert [test.get_data_info(i)['label'] for i in range(2)] == [0, 6]  # BOM accepted
    for data, message in (
            (b'Action/Happy/0001 Happy\nCrime/Fear/0002 Fear\nAction/Happy/0001 Sad\n',
             r"test_All.csv:1 and .*test_All.csv:3: clip 'Action/Happy/0001' is listed twice "
             r'with different labels \(Happy, then Sad\)'),
            (b'../../Action/Happy/0001 Happy\n', r'test_All.csv:1: expected "<Scene>/<Emotion>'),
            (b'Crime/Fear/0002 Fear\nHappy/0001 Happy\n', r'test_All.csv:2: expected'),
            (b'/abs/Happy/0001 Happy\n', r'test_All.csv:1: expected'),
            (b'Crime/Fear/0002 Fear\nAction/Happy/0001 Happy \xe9\n',
             r'test_All.csv:2: not UTF-8 text'),
            (b'\n\n', r'test_All.csv: the split file is empty')):
        (split / 'test_All.csv').write_bytes(data)
        with pytest.raises(ValueError, match=message):
            FERV39kDataset(str(tmp_path), [], subset='test')
