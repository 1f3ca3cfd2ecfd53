"""MMAction2's own tools (the scripts inside the installed mmaction2 package, and `mim run`)
on an OUS config, a tiny run's checkpoint, its `--dump` file and its log. print_config and
`mim run` run as processes (a new interpreter: the config's custom_imports bring in ous-mm), and
so do the FLOP counts; the others run their main() in this process (conftest.run_here)."""
import json
import os
import os.path as osp
import pickle
import re
import subprocess
import sys

import cv2
import decord
import numpy as np
import pytest

from conftest import DEMO_CONFIG, demo_options, run, run_here


def tool(name: str) -> str:
    from ous_mm.utils import mmaction_tool
    return mmaction_tool(name)


@pytest.fixture(scope='module')
def trained(demo_run) -> dict:
    """OUS trained and its test split dumped by ous-mm's tools (conftest.demo_run)."""
    assert len(demo_run['scalars']) == 1
    with open(demo_run['dump'], 'rb') as f:
        results = pickle.load(f)
    labels = np.array([int(r['gt_label']) for r in results])
    preds = np.array([int(r['pred_score'].argmax()) for r in results])
    return dict(demo_run, scalars=demo_run['scalars'][0], labels=labels, preds=preds)


def test_mmaction_models_imports_in_a_fresh_process_without_ous_mm(tmp_path):
    """The drn stand-in is installed at start-up (tools/install.sh), not by `import ous_mm`."""
    code = ('import sys, mmaction.models\n'
            'from mmaction.registry import MODELS\n'
            "drn = sys.modules['mmaction.models.localizers.drn']\n"
            "print(type(drn.__spec__.loader).__module__, 'ous_mm' in sys.modules,\n"
            "      MODELS.get('Recognizer3D') is not None)\n")
    env = {k: v for k, v in os.environ.items() if k != 'PYTHONPATH'}
    # outside the repository, so nothing is importable from the working directory
    proc = subprocess.run([sys.executable, '-c', code], cwd=str(tmp_path), env=env,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ['ous_mm_drn', 'False', 'True']


def test_print_config():
    proc = run(['python', tool('analysis_tools/print_config.py'), DEMO_CONFIG])
    assert "type='OUSRecognizer'" in proc.stdout
    assert "type='FaceSceneSplit'" in proc.stdout


def test_eval_metric_prints_uar_and_war_of_the_dump(trained, capsys):
    run_here(tool('analysis_tools/eval_metric.py'), DEMO_CONFIG, trained['dump'])
    stdout = capsys.readouterr().out
    printed = {k: float(v) for k, v in re.findall(r"'dfer/(UAR|WAR)': ([0-9.]+)", stdout)}
    labels, preds = trained['labels'], trained['preds']
    recalls = [np.mean(preds[labels == c] == c) for c in np.unique(labels)]
    assert printed['WAR'] == pytest.approx(100 * np.mean(preds == labels))
    assert printed['UAR'] == pytest.approx(100 * np.mean(recalls))


def test_confusion_matrix_from_the_dump_and_from_the_checkpoint(trained, tmp_path):
    from mmengine import load
    script = tool('analysis_tools/confusion_matrix.py')
    png = str(tmp_path / 'cm.png')
    run_here(script, DEMO_CONFIG, trained['dump'], '--show-path', png, '--out',
             str(tmp_path / 'cm.pkl'), '--include-values')
    cm = np.asarray(load(str(tmp_path / 'cm.pkl')))
    labels, preds = trained['labels'], trained['preds']
    assert cm.shape == (7, 7)
    assert cm.sum() == len(labels) and np.trace(cm) == np.sum(preds == labels)
    image = cv2.imread(png)
    assert image is not None and image.shape[0] > 200
    assert image.std() > 20 and len(np.unique(image.reshape(-1, 3), axis=0)) > 50  # not blank
    # the checkpoint through the stock Runner gives the same matrix
    run_here(script, DEMO_CONFIG, trained['ckpt'], '--out', str(tmp_path / 'cm2.pkl'),
             *demo_options(trained['root'], workers=0))
    assert np.array_equal(np.asarray(load(str(tmp_path / 'cm2.pkl'))), cm)


def test_get_flops_matches_model_summary():
    """Both count the frozen encoder over the 2 x T frames and the neck (no heads, no prompts).

    Processes: the FLOP counts trace the model with torch.jit, which leaves this process's
    TorchScript numerics changed (test_bad_inputs' archive check then differs in the 4th digit).
    """
    proc = run(['python', tool('analysis_tools/get_flops.py'), DEMO_CONFIG,
                '--shape', '1', '8', '3', '112', '112'])
    assert 'Input shape: (1, 8, 3, 112, 112)' in proc.stdout
    flops = float(re.search(r'Flops: ([0-9.]+)G', proc.stdout).group(1))
    summary = run(['python', 'tools/analysis/model_summary.py', DEMO_CONFIG]).stdout
    encoder = float(re.search(r'frozen encoder: +[0-9.]+ per frame, ([0-9.]+) per clip',
                              summary).group(1))
    neck = float(re.search(r'neck \+ heads: +([0-9.]+) per clip', summary).group(1))
    assert flops == pytest.approx(encoder + neck, rel=0.05)


def test_analyze_logs_cal_train_time(trained, capsys):
    run_here(tool('analysis_tools/analyze_logs.py'), 'cal_train_time', trained['scalars'],
             '--include-outliers')
    stdout = capsys.readouterr().out
    average = float(re.search(r'average iter time: ([0-9.]+) s/iter', stdout).group(1))
    rows = [json.loads(line) for line in open(trained['scalars'])]
    times = [r['time'] for r in rows if 'epoch' in r]
    assert len(times) >= 2
    assert average == pytest.approx(np.mean(times), abs=1e-4)


def test_analyze_logs_plot_curve_is_broken_upstream(trained, tmp_path):
    """plot_curve reads a 'mode' entry that MMEngine's logs (any model's) never have.

    Listed in docs/en/user_guides/useful_tools.md; this fails once mmaction2 fixes it, to
    update both.
    """
    rows = [json.loads(line) for line in open(trained['scalars'])]
    assert not any('mode' in r for r in rows)
    with pytest.raises(IndexError) as error:
        run_here(tool('analysis_tools/analyze_logs.py'), 'plot_curve', trained['scalars'],
                 '--keys', 'loss_contrast', '--out', str(tmp_path / 'curve.png'))
    assert any("['mode'][-1]" in str(entry.statement) for entry in error.traceback)
    assert not osp.exists(tmp_path / 'curve.png')


def test_browse_dataset_shows_face_and_scene_side_by_side(trained, tmp_path):
    from mmaction.registry import DATASETS
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    out = str(tmp_path / 'browse')
    option = f'test_dataloader.dataset.data_root={trained["root"]}'
    run_here(tool('visualizations/browse_dataset.py'), DEMO_CONFIG, out, '--phase', 'test',
             '--show-number', '1', '--cfg-options', option)
    video = decord.VideoReader(osp.join(out, 'video_0.mp4'))
    video = video.get_batch(range(len(video))).asnumpy().astype(float)

    cfg = Config.fromfile(DEMO_CONFIG)
    cfg.merge_from_dict({option.split('=')[0]: trained['root']})
    init_default_scope('mmaction')
    inputs = DATASETS.build(cfg.test_dataloader.dataset)[0]['inputs']
    face, scene = (inputs[k].numpy().transpose(0, 2, 3, 1).astype(float)
                   for k in ('face_imgs', 'scene_imgs'))
    assert video.shape == (8, 112, 224, 3)
    left, right = video[:, :, :112], video[:, :, 112:]

    def mae(a, b):
        return np.abs(a - b).mean()

    # video compression and the drawn caption keep the match from being exact
    assert mae(left, face) < 10 and mae(right, scene) < 10
    assert mae(left, scene) > 3 * mae(left, face) and mae(right, face) > 3 * mae(right, scene)


def test_mim_run(trained):
    proc = run([sys.executable, '-m', 'mim', 'run', 'mmaction', 'eval_metric', DEMO_CONFIG,
                trained['dump']])
    assert f'Use the script {tool("analysis_tools/eval_metric.py")}' in proc.stdout
    labels, preds = trained['labels'], trained['preds']
    war = float(re.search(r"'dfer/WAR': ([0-9.]+)", proc.stdout).group(1))
    assert war == pytest.approx(100 * np.mean(preds == labels))


# MMAction2's own TSN config (ResNet-50 from ImageNet weights, Kinetics-400), as shipped inside
# the mmaction2 package; the test below changes only what the smoke video set and the CPU need
STOCK_TSN = 'recognition/tsn/tsn_imagenet-pretrained-r50_8xb32-1x1x3-100e_kinetics400-rgb.py'


# two processes of MMAction2's tools with a ResNet at 224 px: a minute or more (make test-slow)
@pytest.mark.slow
def test_mim_train_and_test_of_a_stock_tsn(tmp_path):
    """`mim train mmaction` then `mim test mmaction` of a stock model, in processes that never
    import ous_mm before the test loads its checkpoint: on torch >= 2.6 that load needs the
    allow-list of the environment's start-up file (`python -m ous_mm_safe_load enable`,
    tools/install.sh); without it, `Weights only load failed` (test_compat.py)."""
    import mmaction

    from ous_mm.testing import make_smoke_dataset
    data = str(tmp_path / 'smoke')
    make_smoke_dataset(data, num_classes=3, train_per_class=2, val_per_class=1, num_frames=8)
    base = osp.join(osp.dirname(mmaction.__file__), '.mim', 'configs', STOCK_TSN)
    loader = ("dict(batch_size=2, num_workers=0, persistent_workers=False, dataset=dict("
              f"ann_file='{data}/{{}}.txt', data_prefix=dict(video='{data}/videos'){{}}))")
    config = tmp_path / 'stock_tsn.py'
    config.write_text(
        f"_base_ = ['{base}']\n"
        # no download; ResNet-18 and 3 classes: seconds on a CPU
        "model = dict(backbone=dict(pretrained=None, depth=18),\n"
        "             cls_head=dict(num_classes=3, in_channels=512))\n"
        f"train_dataloader = {loader.format('train', '')}\n"
        f"val_dataloader = {loader.format('val', '')}\n"
        # the stock test pipeline's 25 clips x 10 crops take minutes here: the val pipeline's
        f"test_dataloader = {loader.format('val', ', pipeline=_base_.val_pipeline')}\n"
        'train_cfg = dict(max_epochs=1)\n')
    work = str(tmp_path / 'work')
    run([sys.executable, '-m', 'mim', 'train', 'mmaction', str(config), '--work-dir', work],
        cwd=str(tmp_path))
    test = run([sys.executable, '-m', 'mim', 'test', 'mmaction', str(config), '--checkpoint',
                osp.join(work, 'epoch_1.pth'), '--work-dir', str(tmp_path / 'test')],
               cwd=str(tmp_path))
    assert re.search(r'Epoch\(test\).*acc/top1: [0-9.]+', test.stdout), test.stdout[-3000:]
