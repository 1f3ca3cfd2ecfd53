import fcntl
import gc
import glob
import os
import os.path as osp
import shutil
import socket
import subprocess
import sys
from typing import Callable, List, Optional, Tuple

import pytest

# pytest-xdist's workers (make test: two) share the cores already: one PyTorch thread each (and
# in their subprocesses), set before torch is imported; more threads would only contend
if 'PYTEST_XDIST_WORKER' in os.environ:
    os.environ.setdefault('OMP_NUM_THREADS', '1')

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
SMOKE_CONFIG = osp.join(REPO, 'configs', 'smoke', 'tsn_r18_1xb4-1x1x3-3e_smoke-rgb.py')
DEMO_CONFIG = osp.join(REPO, 'configs', 'ous_demo.py')
# the tiny OUS model of the unit tests (test_models.py, test_performance.py): T frames, B clips
T, B = 4, 3
TINY = dict(
    embed_dim=32,
    vision_cfg=dict(image_size=64, layers=4, width=64, patch_size=16, head_width=32),
    text_cfg=dict(context_length=32, vocab_size=49408, width=64, heads=2, layers=2))
# a tiny CLIP with OpenAI's activation, for weights files (test_real_use.py, test_bad_inputs.py)
TINY_QUICKGELU = dict(
    embed_dim=32, quick_gelu=True,
    vision_cfg=dict(image_size=64, layers=2, width=64, patch_size=16, head_width=32),
    text_cfg=dict(context_length=32, vocab_size=49408, width=64, heads=2, layers=2))


def pytest_collection_finish(session) -> None:
    """The objects of the stack, imported by the collected test files, left out of the cyclic
    collector's walks: MMEngine runs ``gc.collect()`` for every dataset it builds (hundreds
    here), each 0.3-0.5 s over a test process's whole heap."""
    gc.freeze()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def run(cmd: List[str], env: Optional[dict] = None, timeout: int = 600, check: bool = True,
        cwd: str = REPO) -> subprocess.CompletedProcess:
    """Run a repository tool as a user would (from the repository root); fail with its output."""
    if cmd[0] == 'python':
        cmd = [sys.executable] + cmd[1:]
    full_env = dict(os.environ, PYTHON=sys.executable, PYTHONUNBUFFERED='1')
    full_env.update(env or {})
    proc = subprocess.run(cmd, cwd=cwd, env=full_env, capture_output=True, text=True,
                          errors='replace',
                          timeout=timeout)
    assert proc.returncode == 0 or not check, (
        f'{" ".join(cmd)} exited with {proc.returncode}\n'
        f'--- stdout ---\n{proc.stdout[-6000:]}\n--- stderr ---\n{proc.stderr[-6000:]}')
    return proc


def run_here(script: str, *args: str) -> None:
    """``python SCRIPT ARGS`` in this process: the tool's ``main()`` with ``sys.argv`` set (its
    prints reach ``capsys``). For tests where a separate process is not what is checked: it
    saves an interpreter start-up (about 7 CPU seconds with the stack).

    Args:
        script (str): The tool, relative to the repository root (e.g. ``tools/demo.py``), or
            an absolute path (MMAction2's tools: ``ous_mm.utils.mmaction_tool``).
        *args (str): Its command-line arguments.
    """
    import runpy

    import torch
    from mmengine.utils import ManagerMixin

    # what the tool's process would take with it: the Runner switches deterministic algorithms
    # on, tools/run_demo.py sets the thread count, and MMEngine's loggers, message hubs and
    # visualizers stay current after their run (e.g. a logger writing into a deleted temporary
    # work dir, as MMAction2's confusion_matrix.py leaves it)
    argv, threads = sys.argv, torch.get_num_threads()
    deterministic = torch.are_deterministic_algorithms_enabled()
    managers = _subclasses(ManagerMixin)
    before = {cls: set(cls._instance_dict) for cls in managers}
    sys.argv = [script, *args]
    try:
        runpy.run_path(osp.join(REPO, script))['main']()
    finally:
        sys.argv = argv
        torch.set_num_threads(threads)
        torch.use_deterministic_algorithms(deterministic)
        for cls in _subclasses(ManagerMixin):
            for name in set(cls._instance_dict) - before.get(cls, set()):
                instance = cls._instance_dict.pop(name)
                for handler in list(getattr(instance, 'handlers', [])):  # a logger's files
                    instance.removeHandler(handler)
                    handler.close()


def _subclasses(cls: type) -> List[type]:
    """``cls`` and all its subclasses."""
    return [cls] + [c for sub in cls.__subclasses__() for c in _subclasses(sub)]


def locked_temp_writer(path: str, data: bytes = b'') -> Tuple[subprocess.Popen, str]:
    """Another process in the middle of writing ``path``: it holds ous-mm's locked temporary
    file of it, ``data`` written, until it is killed. It runs ``locked_temp_file.py`` alone
    (the standard library only), without the stack's start-up.

    Args:
        path (str): The file being written.
        data (bytes): What the writer has written so far. Defaults to b''.

    Returns:
        tuple: The writer process and its temporary file.
    """
    code = ('import os, runpy, sys, time\n'
            'fd, tmp = runpy.run_path(sys.argv[1])["create_locked_temp"](sys.argv[2])\n'
            'os.write(fd, sys.stdin.buffer.read())\n'
            'print(tmp, flush=True)\n'
            'time.sleep(600)\n')
    writer = subprocess.Popen(
        [sys.executable, '-c', code, osp.join(REPO, 'ous_mm', 'fileio', 'locked_temp_file.py'),
         path], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    writer.stdin.write(data)
    writer.stdin.close()
    return writer, writer.stdout.readline().decode().strip()


@pytest.fixture(scope='session')
def safe_loading() -> None:
    """Checkpoints read in this process as ous-mm's tools read them: ``ous_mm.setup_env()``
    (``import ous_mm`` alone leaves torch's and MMEngine's loading as they are)."""
    import ous_mm
    ous_mm.setup_env()


def shared_once(tmp_path_factory, name: str, make: Callable[[str], None]) -> str:
    """A folder of session data made once for the whole run, whichever pytest-xdist worker
    asks first (the others wait on its lock and then read it); without xdist, made here.

    Args:
        tmp_path_factory: pytest's session-scoped temporary folder factory.
        name (str): The folder's name.
        make (Callable[[str], None]): Fills the (empty) folder it is given.

    Returns:
        str: The filled folder.
    """
    if 'PYTEST_XDIST_WORKER' not in os.environ:
        path = str(tmp_path_factory.mktemp(name))
        make(path)
        return path
    base = tmp_path_factory.getbasetemp().parent  # the run's folder, above every worker's
    path, done = base / name, base / f'{name}.done'
    with open(base / f'{name}.lock', 'w') as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not done.exists():  # a worker that failed midway leaves no done mark: start over
            shutil.rmtree(path, ignore_errors=True)
            path.mkdir()
            make(str(path))
            done.touch()
    return str(path)


@pytest.fixture(scope='session')
def demo_data(tmp_path_factory) -> str:
    """The demo set the tests' OUS runs share: 7 classes x 5 clips of 8 frames, 64 px, 5 folds
    (fold 1: 28 training and validation clips, 7 test clips). Tests that change it copy it."""
    from ous_mm.testing import make_demo_dataset
    return shared_once(
        tmp_path_factory, 'demo_dfew',
        lambda root: make_demo_dataset(root, clips_per_class=5, num_frames=8, size=64, seed=1))


def _train_and_test_demo(root: str, tmp: str) -> None:
    # loading in the main process: a tool's runner goes with a later collection, for which
    # persistent workers would wait
    work = osp.join(tmp, 'work')
    run_here('tools/train.py', DEMO_CONFIG, '--work-dir', work,
             *demo_options(root, 'train_cfg.max_epochs=2', 'default_hooks.logger.interval=1',
                           'optim_wrapper.optimizer.lr=1e-3', workers=0))
    run_here('tools/test.py', DEMO_CONFIG, osp.join(work, 'epoch_2.pth'), '--work-dir',
             osp.join(tmp, 'test'), '--dump', osp.join(tmp, 'results.pkl'),
             *demo_options(root, workers=0))


@pytest.fixture(scope='session')
def demo_run(demo_data, tmp_path_factory) -> dict:
    """OUS trained by ``tools/train.py`` on :func:`demo_data` (2 epochs, lr 1e-3, a log line
    every iteration), then its ``epoch_2.pth`` tested by ``tools/test.py --dump``: the README's
    commands, in this process (:func:`run_here`; as processes: test_train_ous's torchrun run,
    test_dump_results's ``dist_test.sh``, test_reliability's resume). The tests that need a
    trained OUS checkpoint, its training log or a test dump share this run (read it, don't
    change it)."""
    tmp = shared_once(tmp_path_factory, 'demo_run',
                      lambda tmp: _train_and_test_demo(demo_data, tmp))
    work = osp.join(tmp, 'work')
    test_log, = glob.glob(osp.join(tmp, 'test', '*', '*.log'))
    with open(test_log) as f:
        test_log = f.read()
    return dict(root=demo_data, work=work, ckpt=osp.join(work, 'epoch_2.pth'),
                dump=osp.join(tmp, 'results.pkl'),
                scalars=glob.glob(osp.join(work, '*', 'vis_data', 'scalars.json')),
                test_log=test_log)


def _make_smoke_data(root: str) -> None:
    from ous_mm.testing import make_smoke_dataset

    # 3 classes x 4 train clips; 3 x 1 + 2 = 5 validation clips (odd, for distributed checks)
    make_smoke_dataset(root, num_classes=3, train_per_class=4, val_per_class=2)
    with open(osp.join(root, 'val.txt')) as f:
        lines = f.read().split('\n')
    with open(osp.join(root, 'val.txt'), 'w') as f:
        f.write('\n'.join(lines[:5]) + '\n')


@pytest.fixture(scope='session')
def smoke_data(tmp_path_factory) -> str:
    return shared_once(tmp_path_factory, 'smoke', _make_smoke_data)


def smoke_options(data_root: str, *extra: str) -> List[str]:
    return [
        '--cfg-options', f'train_dataloader.dataset.ann_file={data_root}/train.txt',
        f'train_dataloader.dataset.data_prefix.video={data_root}/videos',
        f'val_dataloader.dataset.ann_file={data_root}/val.txt',
        f'val_dataloader.dataset.data_prefix.video={data_root}/videos',
        f'test_dataloader.dataset.ann_file={data_root}/val.txt',
        f'test_dataloader.dataset.data_prefix.video={data_root}/videos', *extra
    ]


def demo_options(root: str, *extra: str, workers: int = 1) -> List[str]:
    """``--cfg-options`` that point the demo config at ``root``, 4 clips a batch.

    Args:
        root (str): The demo set.
        *extra (str): More options.
        workers (int): Loader workers. 0 for runs that test no loader: no worker process
            to start, and none to wait for at the end of each loader's run (about 5 s each
            with persistent workers). Defaults to 1.
    """
    opts = ['--cfg-options']
    for loader in ('train', 'val', 'test'):
        opts += [f'{loader}_dataloader.dataset.data_root={root}',
                 f'{loader}_dataloader.batch_size=4', f'{loader}_dataloader.num_workers={workers}']
        if not workers:  # PyTorch allows neither without workers
            opts += [f'{loader}_dataloader.persistent_workers=False',
                     f'{loader}_dataloader.timeout=0']
    return opts + list(extra)


def model_cfg(**changes) -> dict:
    """The demo config's model, shrunk further (:data:`TINY`, T frames), with `changes` merged."""
    from mmengine.config import Config
    cfg = Config.fromfile(DEMO_CONFIG)
    cfg.merge_from_dict(dict(model=dict(
        clip=dict(_delete_=True, weights='random', model_cfg=TINY),
        backbone=dict(early_block=2),
        neck=dict(in_channels=32, early_channels=128, out_channels=32, num_frames=T),
        cls_head=dict(in_channels=32, prompt_learner=dict(n_ctx=4)),
        polarity_head=dict(in_channels=32), alpha=0.0)))
    cfg.merge_from_dict(dict(model=changes))
    return cfg.model


def batch(model, streams=('face_imgs', 'scene_imgs'), labels=(0, 1, 4)):
    """A preprocessed training batch of random T-frame 64 px clips for ``model``."""
    import torch
    from mmaction.structures import ActionDataSample
    gen = torch.Generator().manual_seed(0)
    data = dict(
        inputs={k: [torch.randint(0, 255, (T, 3, 64, 64), generator=gen, dtype=torch.uint8)
                    for _ in labels] for k in streams},
        data_samples=[ActionDataSample().set_gt_label(label) for label in labels])
    data = model.data_preprocessor(data, True)
    return data['inputs'], data['data_samples']


def tiny_quickgelu_clip(seed: int = 1):
    """An open_clip ``CLIP`` of :data:`TINY_QUICKGELU`, drawn with ``seed``, in eval mode."""
    import open_clip
    import torch
    torch.manual_seed(seed)
    return open_clip.CLIP(**TINY_QUICKGELU).eval()


def openai_archive(clip, path: str) -> None:
    """A TorchScript archive like OpenAI's released files (a traced CLIP; its attention mask
    a constant, not a buffer, as in OpenAI's model)."""
    import warnings
    import zipfile

    import torch
    clip.attn_mask = clip._buffers.pop('attn_mask')
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        traced = torch.jit.trace(clip, (torch.randn(1, 3, 64, 64),
                                        torch.zeros(1, 32, dtype=torch.long)), check_trace=False)
    torch.jit.save(traced, path)
    with zipfile.ZipFile(path) as archive:
        assert any(n.split('/')[1:2] == ['code'] for n in archive.namelist())


def config_pipeline(config: str, num_frames: int, image_size: int,
                    pipeline: str = 'test_pipeline', detector: Optional[dict] = None) -> list:
    """A real config's pipeline (``configs/<config>``) at a test's small sizes.

    Args:
        config (str): The config, relative to ``configs/`` (or an absolute path).
        num_frames (int): Frames sampled (``clip_len``).
        image_size (int): Face and scene size (a ``scene_size`` of None stays None).
        pipeline (str): Which: ``'train_pipeline'`` or ``'test_pipeline'``.
        detector (dict, optional): Replaces ``LoadFaceBoxes``'s face detector.

    Returns:
        list[dict]: The transforms, as plain dicts.
    """
    from mmengine.config import Config
    sizes = dict(clip_len=num_frames, face_size=image_size, scene_size=image_size)
    transforms = []
    for t in Config.fromfile(osp.join(REPO, 'configs', config)).to_dict()[pipeline]:
        t = dict(t, **{k: v for k, v in sizes.items() if t.get(k) is not None})
        if detector is not None and t['type'] == 'LoadFaceBoxes':
            t['detector'] = detector  # also where the config's is None (boxes from files)
        transforms.append(t)
    return transforms


def random_retinanet_face_detector() -> dict:
    """A tiny randomly initialised mmdet RetinaNet whose one class is 'face' (no weights file)."""
    return dict(
        default_scope='mmdet',
        model=dict(
            type='RetinaNet',
            data_preprocessor=dict(type='DetDataPreprocessor', mean=[123.675, 116.28, 103.53],
                                   std=[58.395, 57.12, 57.375], bgr_to_rgb=True,
                                   pad_size_divisor=32),
            backbone=dict(type='ResNet', depth=18, num_stages=4, out_indices=(1, 2, 3),
                          norm_cfg=dict(type='BN'), style='pytorch'),
            neck=dict(type='FPN', in_channels=[128, 256, 512], out_channels=32,
                      start_level=0, add_extra_convs='on_input', num_outs=3),
            bbox_head=dict(
                type='RetinaHead', num_classes=1, in_channels=32, stacked_convs=1,
                feat_channels=32,
                anchor_generator=dict(type='AnchorGenerator', octave_base_scale=4,
                                      scales_per_octave=1, ratios=[1.0], strides=[8, 16, 32]),
                bbox_coder=dict(type='DeltaXYWHBBoxCoder', target_means=[0.0] * 4,
                                target_stds=[1.0] * 4),
                loss_cls=dict(type='FocalLoss', use_sigmoid=True, gamma=2.0, alpha=0.25),
                loss_bbox=dict(type='L1Loss')),
            test_cfg=dict(nms_pre=100, min_bbox_size=0, score_thr=0.0,
                          nms=dict(type='nms', iou_threshold=0.5), max_per_img=10)),
        test_dataloader=dict(dataset=dict(
            type='CocoDataset', metainfo=dict(classes=('face', )),
            pipeline=[dict(type='LoadImageFromFile'),
                      dict(type='Resize', scale=(128, 128), keep_ratio=True),
                      dict(type='PackDetInputs',
                           meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape',
                                      'scale_factor'))])))
