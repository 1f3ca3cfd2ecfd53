"""`tools/test.py --dump` files read without running code; a distributed test's logs and dump."""
import glob
import io
import json
import os
import os.path as osp
import pickle
import re

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.fileio import dump
from mmengine.registry import init_default_scope

import ous_mm  # noqa: F401
from ous_mm.apis import UnsafeDumpError, dump_predictions, dump_scores, load_dump
from ous_mm.datasets import DFEWDataset
from ous_mm.evaluation import DFERMetric
from conftest import DEMO_CONFIG, REPO, demo_options, free_port, run, run_here

init_default_scope('mmaction')


class WritesMarker:
    """Unpickling it runs ``os.system``: what a crafted dump does."""

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f'touch {self.marker}', ))


class StorageWithCode:
    """A "tensor storage" whose inner torch.save bytes run code when loaded."""

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        inner = io.BytesIO()
        torch.save(WritesMarker(self.marker), inner, _use_new_zipfile_serialization=False)
        return (torch.storage._load_from_bytes, (inner.getvalue(), ))


@pytest.fixture(scope='module')
def dist_run(tmp_path_factory):
    """`tools/dist_test.sh` with 2 gloo processes on 7 test clips (padded to 8), with --dump.

    Clip 0 of the test split loses one face box, clips 1 and 3 (rank 1's share)
    all of theirs, so the fallback counts differ between the ranks.
    """
    from mmaction.registry import MODELS

    from ous_mm.testing import make_demo_dataset
    tmp = tmp_path_factory.mktemp('dist_dump')
    root = str(tmp / 'data')
    make_demo_dataset(root, clips_per_class=3, num_frames=8, size=64, seed=1)
    cfg = Config.fromfile(DEMO_CONFIG)
    # the test pipeline up to FaceSceneSplit: its per-clip counts, unpacked
    test_set = DFEWDataset(root, cfg.test_pipeline[:-1], fold=1, subset='test')
    for index, frames in ((0, [0]), (1, range(8)), (3, range(8))):
        key = osp.splitext(osp.basename(test_set.get_data_info(index)['filename']))[0]
        path = osp.join(root, 'face_boxes', f'{key}.json')
        with open(path) as f:
            boxes = json.load(f)
        for i in frames:
            boxes['boxes'][i] = None
        with open(path, 'w') as f:
            json.dump(boxes, f)
    torch.manual_seed(0)
    ckpt = str(tmp / 'random.pth')
    torch.save(dict(state_dict=MODELS.build(cfg.model).state_dict(), meta={}), ckpt)
    dump_file = str(tmp / 'dist.pkl')
    proc = run(['bash', 'tools/dist_test.sh', DEMO_CONFIG, ckpt, '2', '--work-dir',
                str(tmp / 'work'), '--dump', dump_file, *demo_options(root, workers=0)],
               env=dict(PORT=str(free_port())))
    return test_set, dump_file, proc.stdout + proc.stderr


def test_real_dump_gives_the_scores_dfer_metric_logged(dist_run):
    test_set, dump_file, log = dist_run
    logged = dict(re.findall(r'dfer/(\w+): ([-\d.na]+)', log.split('Epoch(test)')[-1]))
    res = dump_scores(dump_file, 7)
    assert len(res['labels']) == len(test_set) == 7  # padding dropped, every clip once
    assert res['labels'].tolist() == [test_set.get_data_info(i)['label'] for i in range(7)]
    assert res['UAR'] == pytest.approx(float(logged['UAR']), abs=1e-4)
    assert res['WAR'] == pytest.approx(float(logged['WAR']), abs=1e-4)
    for name, recall in zip(test_set.metainfo['classes'], res['recall']):
        assert recall == pytest.approx(float(logged[f'recall_{name}']), abs=1e-4), name
    assert res['confusion'].sum() == 7


def test_face_fallback_counts_cover_every_rank(dist_run):
    test_set, _, log = dist_run
    expected = [test_set[i] for i in range(len(test_set))]
    missing = sum(r['face_missing'] for r in expected)
    fallback = sum(r['face_fallback'] for r in expected)
    # clip 0: 1 borrowed box; clips 1 and 3: no face, 8 sampled frames without a box each
    assert (missing, fallback) == (17, 2)
    assert (f'FaceSceneSplit (test): 7 clips, {missing} frames used a neighbouring frame\'s '
            f'face box, {fallback} clips had no face at all (centre crop), 0 cached boxes were '
            'unusable (counted as missing), 0 clips were not in the face-box cache') in log


def test_dump_scores_equal_dfer_metric_on_varied_predictions(tmp_path):
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 7, 60)
    logits = rng.normal(size=(60, 7)).astype(np.float32)
    logits[np.arange(60), labels] += rng.uniform(0, 3, 60).astype(np.float32)
    # what DumpResults writes: the per-clip dicts, pickled by mmengine.fileio.dump
    samples = [dict(pred_score=torch.from_numpy(s).softmax(0), gt_label=torch.tensor([int(g)]),
                    pred_label=torch.tensor([int(s.argmax())]), num_classes=7,
                    frame_inds=np.arange(8), img_shape=(64, 64), filename='00001.mp4')
               for s, g in zip(logits, labels)]
    path = str(tmp_path / 'varied.pkl')
    dump(samples, path)
    metric = DFERMetric()
    metric.dataset_meta = dict(classes=('A', 'B', 'C', 'D', 'E', 'F', 'G'))
    metric.process(None, samples)
    expected = metric.compute_metrics(metric.results)
    res = dump_scores(path)
    assert 0 < res['UAR'] < 100  # neither all right nor all wrong: a real check
    assert res['UAR'] == pytest.approx(expected['UAR']) and res['WAR'] == pytest.approx(
        expected['WAR'])
    assert res['recall'] == pytest.approx([expected[f'recall_{c}'] for c in 'ABCDEFG'])
    loaded = load_dump(path)
    assert loaded[3]['frame_inds'].tolist() == list(range(8))
    assert loaded[3]['img_shape'] == (64, 64) and loaded[3]['filename'] == '00001.mp4'
    scores, _ = dump_predictions(path)
    assert scores.dtype == np.float32 and scores.shape == (60, 7)


@pytest.mark.parametrize('payload', [WritesMarker, StorageWithCode])
def test_crafted_dump_is_refused_and_runs_nothing(tmp_path, payload):
    marker = str(tmp_path / 'ran')
    path = str(tmp_path / 'crafted.pkl')
    dump([dict(pred_score=torch.ones(7), gt_label=torch.tensor([0]), extra=payload(marker))],
         path)
    with pytest.raises(UnsafeDumpError, match=re.escape(path)):
        load_dump(path)
    assert not osp.exists(marker)
    with open(path, 'rb') as f:  # the payload is live: plain pickle runs it
        pickle.load(f)
    assert osp.exists(marker)


def test_a_tool_refuses_a_crafted_dump(tmp_path):
    marker = str(tmp_path / 'ran')
    path = str(tmp_path / 'crafted.pkl')
    dump([dict(pred_score=torch.ones(7), gt_label=torch.tensor([0]), extra=WritesMarker(marker))],
         path)
    with pytest.raises(UnsafeDumpError, match=re.escape(f'Refused to load {path}')):
        run_here('tools/analysis/confusion_matrix.py', path, '--out', str(tmp_path / 'cm.png'))
    assert not osp.exists(marker) and not osp.exists(tmp_path / 'cm.png')


def test_damaged_or_foreign_dumps_name_the_file(tmp_path):
    good = str(tmp_path / 'good.pkl')
    dump([dict(pred_score=torch.ones(7), gt_label=torch.tensor([0]))], good)
    cut = str(tmp_path / 'cut.pkl')
    with open(cut, 'wb') as f:
        f.write(open(good, 'rb').read()[:40])
    with pytest.raises(ValueError, match=f'{re.escape(cut)} is not a readable'):
        load_dump(cut)
    other = str(tmp_path / 'other.pkl')
    dump({'accuracy': 0.5}, other)
    with pytest.raises(ValueError, match=f'{re.escape(other)}: expected a non-empty list'):
        dump_predictions(other)
    no_label = str(tmp_path / 'no_label.pkl')
    dump([dict(pred_score=torch.ones(7))], no_label)
    with pytest.raises(ValueError, match=f'{re.escape(no_label)}: result 0 has no'):
        dump_predictions(no_label)
    with pytest.raises(ValueError, match='do not fit 3 classes'):
        dump_scores(good, 3)


def test_no_tool_unpickles_with_plain_pickle():
    tools = glob.glob(osp.join(REPO, 'tools', '**', '*.py'), recursive=True)
    offenders = [t for t in tools if re.search(r'pickle\.loads?\(', open(t).read())]
    assert not offenders, f'use ous_mm.apis.load_dump instead of pickle.load in {offenders}'
