"""MAFW: the reader on a release-shaped fixture (generated clips, CRLF split files, PNG face
frames), ous-mm's 11-class order, the 11-class metric and configs, and one epoch of training and
a test run by tools/cross_validate.py (MMEngine's Runner, in-process: ous_mm.apis) on the CPU."""
import glob
import json
import os
import os.path as osp
import re

import numpy as np
import pytest
import torch
from mmaction.registry import DATASETS, MODELS
from mmengine.config import Config
from mmengine.registry import init_default_scope

import ous_mm  # noqa: F401
from ous_mm.datasets import DFER_CLASSES, DFEW_CLASSES, MAFWDataset
from ous_mm.datasets.mafw_dataset import MAFW_WORDS
from ous_mm.evaluation import DFERMetric
from conftest import REPO, config_pipeline, run_here

init_default_scope('mmaction')
MAFW_CONFIG = osp.join(REPO, 'configs', 'ous', 'ous_vit-l14_4xb4-60e_mafw.py')
SPLIT = osp.join('Train & Test Set', 'single', 'no_caption')
FACES = osp.join('data', 'frames', 'frames_crop_align_224')


@pytest.fixture(scope='module')
def mafw_root(tmp_path_factory) -> str:
    from ous_mm.testing import make_mafw_dataset
    root = str(tmp_path_factory.mktemp('mafw'))
    make_mafw_dataset(root, clips_per_class=5, num_frames=8, size=64, seed=2)
    return root


def _dataset(root, subset='train', **kwargs):
    return MAFWDataset(root, [], subset=subset, face_crop_dir=FACES, **kwargs)


def _infos(dataset):
    return [dataset.get_data_info(i) for i in range(len(dataset))]


# ---- the class order ----

def test_one_class_order_dfew_first_then_mafws_four():
    assert DFER_CLASSES[:7] == DFEW_CLASSES
    assert DFER_CLASSES[7:] == ('Contempt', 'Anxiety', 'Helplessness', 'Disappointment')
    # MAFW's words, in single_set.xlsx's order 1..11, onto ous-mm's order
    assert list(MAFW_WORDS) == ['anger', 'disgust', 'fear', 'happiness', 'neutral', 'sadness',
                                'surprise', 'contempt', 'anxiety', 'helplessness',
                                'disappointment']
    mapped = [DFER_CLASSES.index(MAFW_WORDS[w]) for w in MAFW_WORDS]
    assert mapped == [3, 5, 6, 0, 2, 1, 4, 7, 8, 9, 10]


def test_every_config_uses_the_one_order_and_an_eleven_entry_polarity_map():
    for name in ('ous/ous_vit-l14_4xb4-60e_mafw.py', 'ous_mafw.py',
                 'ous/ous_vit-l14_4xb4-60e_mafw-detected-faces.py',
                 'ablations/ous_vit-l14_4xb4-60e_mafw-ce-avgpool.py',
                 'ablations/ous_vit-l14_4xb4-60e_mafw-ce-mcfe.py',
                 'ablations/ous_mafw_ce-mcfe.py',  # a short name
                 'ablations/ous_vit-l14_4xb4-60e_mafw-global-avgpool.py'):
        cfg = Config.fromfile(osp.join(REPO, 'configs', name))
        assert tuple(cfg.classes) == DFER_CLASSES, name
        assert cfg.model.cls_head.num_classes == 11, name
        assert tuple(cfg.model.cls_head.prompt_learner.class_names) == DFER_CLASSES, name
        assert cfg.model.clip.model_name == 'ViT-L-14-quickgelu', name
        for loader in ('train', 'val', 'test'):
            dataset = cfg[f'{loader}_dataloader'].dataset
            assert dataset.type == 'MAFWDataset' and dataset.fold == 1, name
        faces = cfg.test_dataloader.dataset.face_crop_dir
        assert (faces is None) == ('detected-faces' in name), name
    assert cfg.model.neck.fusion == 'avgpool' and cfg.model.polarity_head is not None
    # positive, neutral, negative for DFEW's seven (as before); MAFW's four others negative
    # (the polarity head's default mapping, ous_mm.datasets.DFER_POLARITY, as built)
    polarity = MODELS.build(Config.fromfile(MAFW_CONFIG).model.polarity_head).mapping
    assert tuple(polarity.tolist()) == (0, 2, 1, 2, 0, 2, 2, 2, 2, 2, 2)
    dfew = Config.fromfile(osp.join(REPO, 'configs', 'ous_dfew.py'))
    assert tuple(MODELS.build(dfew.model.polarity_head).mapping[:7].tolist()) == (
        0, 2, 1, 2, 0, 2, 2)
    assert dfew.model.cls_head.num_classes == 7


# ---- the reader on the release-shaped fixture ----

def test_reader_on_the_release_layout(mafw_root):
    path = osp.join(mafw_root, SPLIT, 'set_1', 'test.txt')
    raw = open(path, 'rb').read()
    assert raw.count(b'\r\n') == raw.count(b'\n') == 11  # the release's CRLF lines
    train, val, test = (_dataset(mafw_root, s, val_fraction=0.2) for s in ('train', 'val', 'test'))
    assert len(test) == 11 and len(val) == 11 and len(train) + len(val) == 44
    assert sorted(d['label'] for d in _infos(test)) == list(range(11))
    assert sorted(d['label'] for d in _infos(val)) == list(range(11))
    assert test.metainfo['classes'] == DFER_CLASSES
    # each line's word gives the label of ous-mm's order; the clip and its face frames
    for line, info in zip(raw.decode().split('\r\n'), _infos(test)):
        name, word = line.split(' ')
        assert info['label'] == DFER_CLASSES.index(MAFW_WORDS[word])
        assert info['filename'] == osp.join(mafw_root, 'data', 'clips', name)
        assert info['face_crop_dir'] == osp.join(mafw_root, FACES, name[:-4])
        assert os.listdir(info['face_crop_dir'])[0].endswith('.png')
    assert not {d['filename'] for d in _infos(train)} & {d['filename'] for d in _infos(val)}
    # the 5 folds' test splits partition the clips
    tests = [{d['filename'] for d in _infos(_dataset(mafw_root, 'test', fold=k))}
             for k in range(1, 6)]
    assert sum(map(len, tests)) == len(set().union(*tests)) == 55
    with pytest.raises(ValueError, match='MAFW has folds 1-5'):
        _dataset(mafw_root, fold=6)


def _tree(root, data: bytes, clips=('00001', '00002', '00003', '00004'), split='train'):
    folder = osp.join(root, SPLIT, 'set_1')
    os.makedirs(folder, exist_ok=True)
    with open(osp.join(folder, f'{split}.txt'), 'wb') as f:
        f.write(data)
    for clip in clips:
        os.makedirs(osp.join(root, FACES, clip), exist_ok=True)
        os.makedirs(osp.join(root, 'data', 'clips'), exist_ok=True)
        open(osp.join(root, 'data', 'clips', clip + '.mp4'), 'wb').close()


def test_line_handling_crlf_spaces_tabs_case_bom_blank_lines(tmp_path):
    _tree(str(tmp_path), b'\xef\xbb\xbf00001.mp4 anger\r\n00002.mp4   Sadness  \r\n\r\n \r\n'
          b'00003.mp4\tFEAR\n00004.mp4 disappointment')  # no line end at the end
    ds = _dataset(str(tmp_path), val_fraction=0)
    assert [d['label'] for d in _infos(ds)] == [3, 1, 6, 10]
    assert [osp.basename(d['filename']) for d in _infos(ds)] == [
        '00001.mp4', '00002.mp4', '00003.mp4', '00004.mp4']


@pytest.mark.parametrize('data,message', [
    (b'00001.mp4 anger\r\n00002.mp4\r\n', r'train.txt:2: expected "<NNNNN>.mp4 <label>"'),
    (b'00001.mp4 anger extra\r\n', r'train.txt:1: expected .* got \'00001.mp4 anger extra\''),
    (b'00001.mp4 anger\r\n00002.mp4 joy\r\n', r"train.txt:2: expected .* got '00002.mp4 joy'"),
    (b'00001.mp4 anger_disgust\r\n', r'train.txt:1: .*compound label: that is the compound set'),
    (b'00001 anger\r\n', r'train.txt:1: expected "<NNNNN>.mp4 <label>"'),
    (b'clip1.mp4 anger\r\n', r'train.txt:1: expected'),
    (b'../00001.mp4 anger\r\n', r'train.txt:1: expected'),
    ('\uff10\uff10\uff10\uff10\uff11.mp4 anger\r\n'.encode(), r'train.txt:1: expected'),
    (b'00001.mp4 anger\r\n00002.mp4 fear\r\n00001.mp4 anger\r\n',
     r"train.txt:1 and .*train.txt:3: clip '00001' is listed twice;"),
    (b'00001.mp4 anger\r\n00002.mp4 fear\r\n00001.mp4 sadness\r\n',
     r"train.txt:1 and .*train.txt:3: clip '00001' is listed twice with different labels "
     r'\(Angry, then Sad\)'),
    # a with_caption split file: tab separated, GBK-encoded captions
    (b'00001.mp4 anger\r\n' + '00002.mp4\tanger\t\u4e00\u4e2a\u7537\u4eba\u3002\tA man.\r\n'
     .encode('gbk'), r'train.txt:2: not UTF-8 text .*GBK-encoded.*use the single/no_caption'),
    (b'', r'train.txt: the split file is empty'),
    (b'\r\n\r\n', r'train.txt: the split file is empty'),
])
def test_every_bad_line_is_an_error_naming_file_and_line(tmp_path, data, message):
    _tree(str(tmp_path), data)
    with pytest.raises(ValueError, match=message):
        _dataset(str(tmp_path))


def test_missing_clips_face_frames_and_split_files(tmp_path):
    root = str(tmp_path)
    _tree(root, b'00001.mp4 anger\r\n00002.mp4 fear\r\n00003.mp4 neutral\r\n')
    os.remove(osp.join(root, 'data', 'clips', '00002.mp4'))
    with pytest.raises(FileNotFoundError, match=r'train.txt:2: clip .*00002.mp4 is missing'):
        _dataset(root)
    ds = _dataset(root, val_fraction=0, missing_video='skip')
    assert len(ds) == 2 and ds.num_skipped == 1
    _tree(root, b'00001.mp4 anger\r\n00002.mp4 fear\r\n00003.mp4 neutral\r\n')
    os.rmdir(osp.join(root, FACES, '00003'))  # a clip without its face frames
    with pytest.raises(FileNotFoundError, match=r'train.txt:3: face crops .*00003 are missing'):
        _dataset(root)
    with pytest.raises(FileNotFoundError, match=r'MAFW split file not found: .*set_1.test.txt'):
        _dataset(root, 'test')
    with pytest.raises(FileNotFoundError, match=r'split file not found: .*/split/single'):
        _dataset(root, split_dir='split/single/no_caption')  # MAE-DFER's renamed folder


def test_a_training_list_that_shares_clips_with_the_test_list_is_refused(tmp_path):
    root = str(tmp_path)
    _tree(root, b'00001.mp4 anger\r\n00002.mp4 fear\r\n00003.mp4 neutral\r\n')
    _tree(root, b'00004.mp4 anger\r\n00002.mp4 fear\r\n', split='test')
    with pytest.raises(ValueError, match=r'train.txt: 1 of its 3 clips are in the test split '
                       r'.*test.txt too \(line 2 \(00002\)\)'):
        _dataset(root, val_fraction=0)
    assert len(_dataset(root, val_fraction=0, allow_test_overlap=True)) == 3
    assert len(_dataset(root, 'test')) == 2


# ---- the 11-class metric ----

def test_dfer_metric_reports_recall_for_all_eleven_classes():
    labels = list(range(10)) * 2  # Disappointment (10) has no clip in this split
    preds = [label if i < 10 else (label + 1) % 10 for i, label in enumerate(labels)]
    metric = DFERMetric()
    metric.dataset_meta = dict(classes=DFER_CLASSES)
    metric.process(None, [dict(pred_score=torch.eye(11)[p], gt_label=torch.tensor(t))
                          for p, t in zip(preds, labels)])
    out = metric.evaluate(len(labels))
    recalls = [out[f'dfer/recall_{c}'] for c in DFER_CLASSES]
    assert recalls[:10] == [50.0] * 10 and np.isnan(recalls[10])
    assert out['dfer/UAR'] == out['dfer/WAR'] == 50.0  # the absent class stays out of UAR
    assert list(out)[:11] == [f'dfer/recall_{c}' for c in DFER_CLASSES]
    # a 7-class model on the 11-class dataset: named, not silently cut to 7 recalls
    metric.process(None, [dict(pred_score=torch.eye(7)[0], gt_label=torch.tensor(0))])
    with pytest.raises(ValueError, match='the model predicts 7 classes but the dataset has 11'):
        metric.evaluate(1)


# ---- the paper config on the fixture, and training and testing through the tools ----

def test_paper_config_reads_the_face_frames_for_the_face_and_the_clip_for_the_scene(mafw_root):
    cfg = Config.fromfile(MAFW_CONFIG)
    dataset = DATASETS.build(dict(cfg.test_dataloader.dataset, data_root=mafw_root))
    assert len(dataset) == 11
    item = dataset[0]
    face = item['inputs']['face_imgs'].numpy()
    scene = item['inputs']['scene_imgs'].numpy()
    assert face.shape == scene.shape == (16, 3, 224, 224)
    # the face frames are skin-coloured crops; the scene is the whole frame, mostly background
    assert abs(int(np.median(face[:, 0])) - 220) < 20
    assert (np.median(scene.reshape(16, 3, -1), -1) != np.median(face.reshape(16, 3, -1), -1)
            ).any()
    assert item['data_samples'].metainfo['filename'].endswith('.mp4')
    assert item['data_samples'].gt_label.item() == dataset.get_data_info(0)['label']


TINY_MAFW = """
_base_ = [{base!r}]
train_pipeline = {train!r}
test_pipeline = {test!r}
model = dict(
    clip=dict(_delete_=True, weights='random',
              model_cfg=dict(embed_dim=32, vision_cfg=dict(image_size=64, layers=2, width=64,
                                                           patch_size=16, head_width=32),
                             text_cfg=dict(context_length=32, vocab_size=49408, width=64,
                                           heads=2, layers=1))),
    backbone=dict(early_block=1),
    neck=dict(in_channels=32, early_channels=128, out_channels=32, num_frames=4,
              frames_encoder=dict(num_layers=1, num_heads=2),
              mcfe=dict(num_blocks=1, num_heads=2, num_queries=2)),
    cls_head=dict(in_channels=32, logit_scale=100.0, prompt_learner=dict(n_ctx=4)),
    polarity_head=dict(in_channels=32))
loader = dict(batch_size=4, num_workers=1, persistent_workers=False, timeout=120)
train_dataloader = dict(loader, dataset=dict(data_root={root!r}, pipeline=train_pipeline))
val_dataloader = dict(loader, dataset=dict(data_root={root!r}, pipeline=test_pipeline))
test_dataloader = dict(loader, dataset=dict(data_root={root!r}, pipeline=test_pipeline))
train_cfg = dict(max_epochs=1)
randomness = dict(seed=0, deterministic=True)
"""


@pytest.fixture(scope='module')
def tiny_config(mafw_root, tmp_path_factory) -> str:
    path = str(tmp_path_factory.mktemp('mafw_cfg') / 'ous_tiny_mafw.py')
    with open(path, 'w') as f:
        # the paper config's pipelines, at 4 frames of 64 px
        f.write(TINY_MAFW.format(
            base=MAFW_CONFIG, root=mafw_root,
            train=config_pipeline(MAFW_CONFIG, 4, 64, pipeline='train_pipeline'),
            test=config_pipeline(MAFW_CONFIG, 4, 64)))
    return path


def test_a_seven_class_model_is_refused_on_mafw(tiny_config, tmp_path):
    from mmengine.runner import Runner
    cfg = Config.fromfile(tiny_config)
    cfg.merge_from_dict({'model.cls_head.num_classes': 7,
                         'model.cls_head.prompt_learner.class_names': list(DFEW_CLASSES)})
    cfg.work_dir = str(tmp_path)
    runner = Runner.from_cfg(cfg)
    with pytest.raises(ValueError, match='the model predicts 7 classes but MAFWDataset has 11'):
        runner.test()


def test_one_epoch_and_a_test_through_the_tools_on_the_fixture(
        tiny_config, tmp_path, capsys):
    work = str(tmp_path / 'cv')
    # tools/cross_validate.py: training (one epoch), then the test with a dump (ous_mm.apis)
    run_here('tools/cross_validate.py', tiny_config, '--folds', '1', '--work-dir', work)
    fold = osp.join(work, 'fold_1')
    assert osp.isfile(osp.join(fold, 'epoch_1.pth'))
    # the validation logged recall for all 11 classes; the test dumped 11 scores a clip
    scalars = glob.glob(osp.join(fold, '*', 'vis_data', 'scalars.json'))
    val = [r for path in scalars for r in map(json.loads, open(path)) if 'dfer/UAR' in r]
    assert val and all(f'dfer/recall_{c}' in val[0] for c in DFER_CLASSES)
    dump = osp.join(fold, 'test_predictions.pkl')
    from ous_mm.apis import dump_scores
    scores = dump_scores(dump)
    assert scores['scores'].shape == (11, 11) and sorted(scores['labels']) == list(range(11))
    # the 5-fold table: one column per class, 11
    table = open(osp.join(work, 'cv_results.md')).read()
    assert table.splitlines()[0] == '| ' + ' | '.join(
        ['fold', 'clips', *DFER_CLASSES, 'UAR', 'WAR']) + ' |'
    assert re.search(r'^\| 1 \| 11 \|', table, re.M) and table in capsys.readouterr().out
    # the confusion matrix names the 11 classes itself (ous-mm's order, from the scores)
    run_here('tools/analysis/confusion_matrix.py', dump, '--out', str(tmp_path / 'cm.png'))
    assert '(11 clips)' in capsys.readouterr().out and (tmp_path / 'cm.png').stat().st_size > 0
    # the t-SNE plot gives each of the 11 classes a colour of its own
    import matplotlib.pyplot as plt
    run_here('tools/analysis/feature_tsne.py', tiny_config, osp.join(fold, 'epoch_1.pth'),
             '--out', str(tmp_path / 'tsne.png'))
    handles, names = plt.gcf().axes[-1].get_legend_handles_labels()
    plt.close('all')
    assert names == list(DFER_CLASSES)
    assert len({tuple(h.get_facecolor()[0]) for h in handles}) == 11


def test_detected_faces_route_from_the_release_folder(mafw_root, capsys):
    # tools/detect_faces.py on the release folder: the clips of data/clips, into face_boxes/
    run_here('tools/detect_faces.py', mafw_root)
    assert '55 videos, 0 already in the cache, 55 to do' in capsys.readouterr().out
    assert len(glob.glob(osp.join(mafw_root, 'face_boxes', '*.json'))) == 55
    cfg = Config.fromfile(osp.join(REPO, 'configs', 'ous',
                                   'ous_vit-l14_4xb4-60e_mafw-detected-faces.py'))
    dataset = DATASETS.build(dict(cfg.test_dataloader.dataset, data_root=mafw_root))
    item = dataset[0]
    assert 'face_crop_dir' not in dataset.get_data_info(0)
    assert not item['data_samples'].metainfo['face_detected_online']  # read from the cache
    assert item['inputs']['face_imgs'].shape == (16, 3, 224, 224)
