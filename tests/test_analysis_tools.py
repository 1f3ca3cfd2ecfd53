"""The metric against a hand-computed confusion matrix, and the researcher's tools."""
import json
import math
import os.path as osp
import re

import cv2
import decord
import numpy as np
import pytest
import torch

from conftest import DEMO_CONFIG, demo_options, run, run_here


def test_dfer_metric_against_a_hand_computed_confusion_matrix():
    from ous_mm.evaluation import DFERMetric

    # true \ pred: class 0: 3 right, 1 as class 1; class 1: 1 right, 1 as class 0; class 2: none
    labels = [0, 0, 0, 0, 1, 1]
    preds = [0, 0, 0, 1, 1, 0]
    metric = DFERMetric()
    metric.dataset_meta = dict(classes=('A', 'B', 'C'))
    metric.process(None, [dict(pred_score=torch.eye(3)[p] * 0.7 + 0.1, gt_label=torch.tensor(g))
                          for p, g in zip(preds, labels)])
    out = metric.compute_metrics(metric.results)
    assert out['recall_A'] == pytest.approx(75.0) and out['recall_B'] == pytest.approx(50.0)
    assert math.isnan(out['recall_C'])  # no clip of C: undefined, left out of UAR
    assert out['UAR'] == pytest.approx(62.5) and out['WAR'] == pytest.approx(100 * 4 / 6)
    nll = -np.mean([math.log(0.8) if p == g else math.log(0.1) for p, g in zip(preds, labels)])
    assert out['nll'] == pytest.approx(nll, rel=1e-6)
    assert list(out)[:3] == ['recall_A', 'recall_B', 'recall_C']  # dataset (Table 1) order


@pytest.fixture(scope='module')
def cv_run(tmp_path_factory):
    from ous_mm.testing import make_demo_dataset
    tmp = tmp_path_factory.mktemp('cv')
    root = str(tmp / 'data')
    make_demo_dataset(root, clips_per_class=4, num_frames=8, size=64, num_folds=2, seed=4)
    work = str(tmp / 'cv')
    opts = demo_options(root, workers=0)[1:] + ['train_cfg.max_epochs=1']
    run_here('tools/cross_validate.py', DEMO_CONFIG, '--folds', '1', '2', '--work-dir', work,
             '--cfg-options', *opts)
    return root, work, opts


def test_cross_validation_on_two_tiny_folds(cv_run, capsys):
    root, work, opts = cv_run
    table = open(osp.join(work, 'cv_results.md')).read()
    assert table.count('\n') == 6  # header, rule, 2 folds, mean, std
    assert '| mean |' in table and '| std |' in table
    rows = open(osp.join(work, 'cv_results.csv')).read().splitlines()
    assert rows[0].startswith('fold,clips,Happy,Sad') and rows[1].startswith('1,14,')
    capsys.readouterr()
    run_here('tools/cross_validate.py', DEMO_CONFIG, '--folds', '1', '2', '--work-dir', work,
             '--cfg-options', *opts)
    assert capsys.readouterr().out.count('done before') == 2


def _png(path, size):
    image = cv2.imread(path)
    assert image is not None and image.shape[:2] == size
    assert image.std() > 10  # not blank


def test_plot_tools_write_pngs(cv_run, tmp_path, capsys):
    root, work, opts = cv_run
    fold = osp.join(work, 'fold_1')
    out = str(tmp_path / 'cm.png')
    run_here('tools/analysis/confusion_matrix.py', osp.join(fold, 'test_predictions.pkl'),
             '--out', out)
    _png(out, (560, 640))
    ckpt = osp.join(fold, 'epoch_1.pth')
    out = str(tmp_path / 'tsne.png')
    run_here('tools/analysis/feature_tsne.py', DEMO_CONFIG, ckpt, '--out', out, '--cfg-options',
             *opts)
    _png(out, (460, 1350))
    out = str(tmp_path / 'attn.png')
    capsys.readouterr()
    run_here('tools/analysis/attention_map.py', DEMO_CONFIG, ckpt, '--out', out, '--cfg-options',
             *opts)
    stdout = capsys.readouterr().out
    assert 'polarity' in stdout and 'face 8' in stdout and 'scene' in stdout
    _png(out, (460, 1280))


def test_demo_on_a_long_video_writes_an_annotated_copy(cv_run, tmp_path, capsys):
    root, work, opts = cv_run
    from ous_mm.testing import write_video
    from ous_mm.testing.demo_dataset import _clip
    rng = np.random.default_rng(0)
    frames = []
    for label in (0, 1, 4):  # several seconds: three demo clips back to back
        frames += _clip(rng, label, 16, 128)[0]
    frames += [np.full((128, 128, 3), 90, np.uint8)] * 16  # then the face leaves the picture
    video = write_video(str(tmp_path / 'long.mp4'), frames, fps=8)
    out = str(tmp_path / 'annotated.mp4')
    ckpt = osp.join(work, 'fold_1', 'epoch_1.pth')
    capsys.readouterr()
    run_here('tools/demo.py', video, DEMO_CONFIG, ckpt, '--out', out, '--window', '2',
             '--cfg-options', *opts)
    stdout = capsys.readouterr().out
    assert '64 frames at 8.0 fps, 7 windows' in stdout
    # the windows inside the faceless stretch are reported as such, and left out of the mean
    assert re.search(r'6\.00-\s*8\.00 s\s+no face', stdout)
    assert 'scene polarity: positive' in stdout
    assert re.search(r'top emotions over the [1-6] of 7 windows with a face', stdout)
    reader = decord.VideoReader(out)
    assert len(reader) == 64 and reader[0].shape == (128, 128, 3)
    # a faceless frame carries no box: no green box pixel in the last frame
    last = reader[63].asnumpy().astype(int)
    assert not ((last[..., 1] > 200) & (last[..., 0] < 80) & (last[..., 2] < 80)).any()


def test_stock_recognizers_on_the_ous_data_path(cv_run):
    """TSN (2D) and X3D (3D) from mmaction.models take OUS's face stream from OUS's own
    pipeline (StreamDataPreprocessor)."""
    from mmaction.registry import DATASETS, MODELS
    from mmengine.config import Config
    from mmengine.dataset import pseudo_collate
    from mmengine.registry import init_default_scope

    from conftest import REPO
    init_default_scope('mmaction')
    root = cv_run[0]
    for name in ('tsn_r18_1xb16-5e_demo-face', 'x3d_s_1xb16-2e_demo-face'):
        cfg = Config.fromfile(osp.join(REPO, 'configs', 'baselines', name + '.py'))
        cfg.test_dataloader.dataset.data_root = root
        dataset = DATASETS.build(cfg.test_dataloader.dataset)
        batch = pseudo_collate([dataset[0], dataset[1]])
        model = MODELS.build(cfg.model).eval()
        inputs = model.data_preprocessor(batch, False)['inputs']
        assert inputs.shape == ((2, 8, 3, 112, 112) if 'tsn' in name else (2, 1, 3, 8, 112, 112))
        # the recognizer sees OUS's face crops, normalised
        face = batch['inputs']['face_imgs'][0].float()
        first = inputs[0, 0, :, 0] if 'x3d' in name else inputs[0, 0]
        mean, std = model.data_preprocessor.mean[:, 0, 0], model.data_preprocessor.std[:, 0, 0]
        assert torch.allclose(first, (face[0] - mean.view(3, 1, 1)) / std.view(3, 1, 1))
        with torch.no_grad():
            out = model.test_step(batch)
        assert len(out) == 2 and out[0].pred_score.shape == (7, )


def test_compare_runs_table(cv_run, tmp_path):
    work = cv_run[1]
    out = str(tmp_path / 'table.md')
    # a process: its FLOP count traces the model with torch.jit (test_stock_tools says why)
    proc = run(['python', 'tools/analysis/compare_runs.py', osp.join(work, 'fold_1'),
                osp.join(work, 'fold_2'), '--out', out])
    rows = [line for line in open(out).read().splitlines() if line.startswith('| fold_')]
    assert len(rows) == 2 and 'OUSRecognizer' in rows[0]
    gflops = float(rows[0].strip('|').split('|')[-1])
    assert gflops > 0
    assert proc.stdout.count('| fold_') == 2


def test_run_demo_is_the_cross_validation_of_both_demo_models(tmp_path, capsys):
    """The main job (make demo) on a tiny set: both models through ous_mm.apis.cross_validate
    (in this process, as the tool runs them); then with a second data seed: every run's
    checkpoint and plateau, the spread over seeds."""
    root, work = str(tmp_path / 'demo_dfew'), str(tmp_path / 'demo')
    tiny = ['--data-root', root, '--work-dir', work, '--epochs', '1', '--clips-per-class', '4',
            '--num-frames', '8', '--size', '64', '--num-folds', '2']
    capsys.readouterr()
    run_here('tools/run_demo.py', *tiny)
    stdout = capsys.readouterr().out
    table = open(osp.join(work, 'demo_results.md')).read()
    assert [line for line in table.splitlines() if line] == [
        line for line in stdout[stdout.index('| metric'):].splitlines() if line]
    rows = {line.split('|')[1].strip(): line for line in table.splitlines() if '|' in line}
    assert set(rows) >= {'recall Happy', 'recall Fear', 'UAR', 'WAR'}
    for run_name in ('OUS', 'face-only'):
        assert osp.isfile(osp.join(work, run_name, 'fold_1', 'test_metrics.json'))
    ous, face, diff = [float(c) for c in rows['UAR'].split('|')[2:5]]
    assert diff == pytest.approx(ous - face, abs=0.01)
    with open(osp.join(root, 'demo_dataset.json')) as f:
        assert json.load(f)['seed'] == 0

    run_here('tools/run_demo.py', *tiny, '--seeds', '0', '1', '--models', 'OUS')
    assert capsys.readouterr().out.count('done before') == 1  # seed 0's run is read back
    with open(osp.join(root + '_seed1', 'demo_dataset.json')) as f:
        assert json.load(f)['seed'] == 1
    cells = [[c.strip() for c in line.split('|')[1:-1]]
             for line in open(osp.join(work, 'demo_results.md')) if line.startswith('| OUS |')]
    runs, spread = cells[:2], cells[2:]
    for seed, row in zip((0, 1), runs):
        run_dir = osp.join(work, *(['seed_1'] if seed else []), 'OUS', 'fold_1')
        with open(osp.join(run_dir, 'test_metrics.json')) as f:
            uar = json.load(f)['UAR']
        # model, seed, fold, test UAR, WAR, tested epoch, plateau epoch, final val UAR
        assert row[1:4] == [str(seed), '1', f'{uar:.2f}'] and row[5:7] == ['1 / 1', '1']
    assert [row[1:3] for row in spread] == [
        ['0', '1'], ['1', '1'], ['all', '2'], ['over seeds (their fold means)', '2']]

    # a dataset drawn with other arguments is not taken for this one
    with pytest.raises(SystemExit) as bad:  # python would print it and exit with 1
        run_here('tools/run_demo.py', *tiny[:-2], '--num-folds', '3')
    assert root in str(bad.value) and 'num_folds' in str(bad.value)


def _own_dfew_folder(root):
    """A DFEW-layout folder the demo generator did not write: real photos filmed by a panning
    camera (ous_mm.testing.release_like_dataset), 8 training clips (two per class: one of each
    is held out for validation) and 2 test clips."""
    from ous_mm.testing.release_like_dataset import make_release_like_dataset
    make_release_like_dataset(str(root), num_clips=10, size=(96, 64), seconds=1, fps=8,
                              codec='mp4v', face_size=64)
    for split, rows in (('train', [(i + 1, i // 2 + 1) for i in range(8)]),
                        ('test', [(9, 1), (10, 2)])):
        (root / 'EmoLabel_DataSplit' / f'{split}(single-labeled)' / 'set_1.csv').write_text(
            'video_name,label\n' + ''.join(f'{v},{label}\n' for v, label in rows))


def test_run_demo_trains_and_tests_both_models_on_a_dfew_folder_of_ones_own(tmp_path, capsys):
    import glob
    import runpy
    import shutil

    from mmaction.registry import DATASETS
    from mmengine.config import Config
    from mmengine.registry import init_default_scope

    from conftest import REPO
    init_default_scope('mmaction')
    root, work = tmp_path / 'mine', tmp_path / 'work'
    _own_dfew_folder(root)
    shutil.rmtree(root / 'Clip' / 'clip_224x224')  # no release crops: the faces are detected
    capsys.readouterr()
    # loading in the main process: no worker processes to start for this tiny set
    run_here('tools/run_demo.py', '--data-root', str(root), '--work-dir', str(work),
             '--epochs', '1', *demo_options(str(root), workers=0))
    stdout = capsys.readouterr().out
    assert 'running tools/detect_faces.py' in stdout and 'faces: detected' in stdout
    assert len(glob.glob(str(root / 'face_boxes' / '*.json'))) == 10
    table = open(work / 'demo_results.md').read()
    assert [line for line in table.splitlines() if line] == [
        line for line in stdout[stdout.index('| metric'):].splitlines() if line]
    assert f'Data {root}, folds 1 (one fold).' in table and 'Face-only UAR' not in table
    rows = {line.split('|')[1].strip(): line for line in table.splitlines() if '|' in line}
    ous, face, diff = [float(c) for c in rows['UAR'].split('|')[2:5]]
    assert diff == pytest.approx(ous - face, abs=0.01)
    for name in ('OUS', 'face-only'):
        with open(work / name / 'fold_1' / 'test_metrics.json') as f:
            assert json.load(f)['clips'] == 2

    # with the release's crops, they are the face stream: each model's config reads them
    crops_root = tmp_path / 'with_crops'
    _own_dfew_folder(crops_root)
    tool = runpy.run_path(osp.join(REPO, 'tools', 'run_demo.py'))
    assert tool['check_dfew_layout'](str(crops_root), [1]) == 'Clip/clip_224x224'
    for name in ('OUS', 'face-only'):
        cfg = Config.fromfile(tool['own_folder_config'](name, str(tmp_path / 'work_crops'),
                                                        'Clip/clip_224x224'))
        for split in ('train', 'val', 'test'):
            dataset = cfg[f'{split}_dataloader'].dataset
            assert dataset.face_crop_dir == 'Clip/clip_224x224'
            steps = [t['type'] for t in dataset.pipeline]
            assert steps[3:5] == ['LoadReleasedFaceCrops', 'LoadFaceBoxes']
        dataset = DATASETS.build(dict(cfg.test_dataloader.dataset, data_root=str(crops_root)))
        # the face stream of test clip 00009: each sampled frame's face is one of its crops
        crops = [cv2.resize(cv2.imread(path), (cfg.image_size, ) * 2,
                            interpolation=cv2.INTER_AREA)[..., ::-1].transpose(2, 0, 1)
                 for path in glob.glob(str(crops_root / 'Clip' / 'clip_224x224' / '00009' /
                                           '*.jpg'))]
        for face in dataset[0]['inputs']['face_imgs'].numpy():
            assert any(np.array_equal(face, crop) for crop in crops)

    # a folder of another shape: the error names what is missing
    other = tmp_path / 'other'
    (other / 'Clip' / 'original').mkdir(parents=True)
    (other / 'notes.txt').write_text('not a dataset')
    with pytest.raises(SystemExit) as bad:
        run_here('tools/run_demo.py', '--data-root', str(other), '--work-dir', str(work))
    assert re.search(r'other is not a DFEW-layout folder: it has no Clip/original/ with the '
                     r'whole-scene clips NNNNN.mp4; no EmoLabel_DataSplit/train\(single-labeled\)/'
                     r'set_1.csv .*; no EmoLabel_DataSplit/test\(single-labeled\)/set_1.csv',
                     str(bad.value)), bad.value


def test_plateau_epoch():
    from ous_mm.apis.cross_validation import plateau_epoch
    assert plateau_epoch({1: 10.0, 2: 90.0, 3: 100.0, 4: 95.0, 5: 100.0, 6: 100.0}) == 5
    assert plateau_epoch({1: 10.0, 2: 90.0, 3: 100.0, 4: 95.0, 5: 100.0}, tolerance=5) == 3
    assert plateau_epoch({1: 50.0, 2: 50.0}) == 1
    assert plateau_epoch({1: 50.0, 2: 60.0}) == 2
