"""Interrupted runs, distributed runs and hostile inputs (the scripts also run here)."""
import glob
import io
import os
import os.path as osp
import re
import shutil
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
import torch
from mmengine.registry import init_default_scope

import ous_mm  # noqa: F401
from conftest import DEMO_CONFIG, demo_options, locked_temp_writer, run

init_default_scope('mmaction')


def options(root, *extra):
    # batch 2: 11 iterations an epoch, so the kill lands in the middle of one
    return [o.replace('batch_size=4', 'batch_size=2') for o in demo_options(root)[1:]] + [
        'optim_wrapper.optimizer.lr=1e-3', *extra]


LOADERS = {'0': 'num_workers=0', '1': 'num_workers=1', '1p': 'num_workers=1, persistent'}


# The kill series (kill_and_resume.py: per loader setting an uninterrupted run, a killed one and
# its resumption, each a separate training process) and the ten-epoch memory run take minutes:
# `make test-slow`, which CI runs after `make test`.
@pytest.fixture(scope='module')
def kill_resume(demo_data, tmp_path_factory):
    """Each loader setting: a kill inside epoch 2, resumed from epoch_1.pth, to the end."""
    work = str(tmp_path_factory.mktemp('kill_resume'))
    proc = run(['python', 'tools/reliability/kill_and_resume.py', DEMO_CONFIG, '--work-dir', work,
                '--loaders', *LOADERS, '--kill-at', 'train:2:5', '--write-seconds', '0',
                '--cfg-options', *options(demo_data, 'train_cfg.max_epochs=2')], check=False)
    return work, proc


@pytest.mark.slow
@pytest.mark.parametrize('setting', LOADERS.values())
def test_sigkill_mid_epoch_then_resume_equals_uninterrupted_bit_for_bit(kill_resume, setting):
    """Weights, best files and metrics as the uninterrupted run's, whatever the loaders do."""
    work, proc = kill_resume
    out = proc.stdout + proc.stderr
    assert f'[{setting}] [killed] killed at epoch 2, iteration 5; no write in progress' in out
    assert f'[{setting}] [killed] resumed from epoch_1.pth (expected: epoch_1.pth)' in out
    assert (f'[{setting}] [killed] identical weights: True; identical UAR/WAR: True; '
            'identical best files: True') in out
    assert re.search(rf'^{re.escape(setting)} +1 +0 +1 +1 of 1$', out, re.M), out


@pytest.mark.slow
def test_resumed_runs_restore_the_random_states_they_were_saved_with(kill_resume, safe_loading):
    """Without them, a resumed run drew other random numbers (the data pipeline's offsets,
    the loader's seeds) and its weights drifted; every checkpoint carries every rank's."""
    from mmengine.runner.checkpoint import _load_checkpoint
    work, proc = kill_resume
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for setting in LOADERS:
        ckpt = _load_checkpoint(osp.join(work, f'workers{setting}', 'uninterrupted',
                                         'epoch_2.pth'), map_location='cpu')
        states = ckpt['random_states']
        assert states['epoch'] == ckpt['meta']['epoch'] == 2 and len(states['ranks']) == 1
        assert set(states['ranks'][0]) >= {'python', 'numpy', 'torch'}
    log = open(glob.glob(osp.join(work, 'workers0', 'logs', 'killed_run1.log'))[0]).read()
    assert 'resume: the checkpoint' not in log  # no warning that states are missing


# slow (make test-slow, CI): a test process and a torchrun of two; make test checks the padding
# of a distributed test in test_dump_results.py
@pytest.mark.slow
def test_dist_test_equals_single_process_on_an_odd_split(demo_run, tmp_path):
    proc = run(['python', 'tools/reliability/dist_equals_single.py', DEMO_CONFIG,
                demo_run['ckpt'], '--work-dir', str(tmp_path), '--cfg-options',
                *options(demo_run['root'])])
    assert 'test split: 7 clips (padded for 2 processes)' in proc.stdout
    assert re.search(r'2 processes\s+7\s', proc.stdout) and 'identical: True' in proc.stdout


@pytest.mark.slow
def test_memory_does_not_grow_over_ten_epochs(demo_data, tmp_path):
    proc = run(['python', 'tools/reliability/memory_per_epoch.py', DEMO_CONFIG, '--work-dir',
                str(tmp_path), '--epochs', '10', '--cfg-options', *options(demo_data)])
    rows = re.findall(r'^\s+(\d+)\s+[\d.]+\s+[\d.]+\s+[\d.]+$', proc.stdout, re.M)
    assert rows == [str(i) for i in range(1, 11)]


def test_fuzzed_video_files_give_only_clear_errors():
    proc = run(['python', 'tools/reliability/fuzz_video_loading.py', '--num', '150'])
    assert '150 inputs tried' in proc.stdout and '0 failures' in proc.stdout


def test_ous_configs_use_the_safe_checkpoint_hook():
    from mmengine import Config

    from conftest import REPO
    for name in ('ous_dfew.py', 'ous_ferv39k.py', 'ous_demo.py'):
        hook = Config.fromfile(osp.join(REPO, 'configs', name)).default_hooks.checkpoint
        assert hook.type == 'SafeCheckpointHook', name
        assert hook.save_best == ['dfer/nll', 'dfer/UAR'] and hook.max_keep_ckpts == 1, name
    stranger = Config.fromfile(osp.join(ous_mm.compat._mmaction_root(), '.mim', 'configs',
                                        '_base_', 'default_runtime.py'))
    assert stranger.default_hooks.checkpoint.type == 'CheckpointHook'


# lr 1e-6 (above LRFloorStopHook's 1e-7): the weights barely move, so epoch 2's validation UAR
# is epoch 1's and writes no new best file (what these tests need), whatever the model draw
UAR_ONLY = ('train_cfg.max_epochs=2', 'default_hooks.checkpoint.save_best=dfer/UAR',
            'default_hooks.checkpoint.rule=greater', 'default_hooks.checkpoint.max_keep_ckpts=2',
            'optim_wrapper.optimizer.lr=1e-6')


@pytest.fixture(scope='module')
def uar_only(demo_data, tmp_path_factory) -> str:
    """2 epochs keeping the best UAR only, and every epoch file (MMEngine's Runner, here)."""
    from ous_mm.apis import parse_cfg_options, run_train
    work = str(tmp_path_factory.mktemp('uar_only'))
    run_train(DEMO_CONFIG, work, cfg_options=parse_cfg_options(
        demo_options(demo_data, *UAR_ONLY, workers=0)[1:]))
    return work


def test_epoch_checkpoint_holds_its_validation(uar_only, safe_loading):
    """epoch_N.pth is written after epoch N's validation, also when no best file is."""
    import json

    from mmengine.runner.checkpoint import _load_checkpoint
    scalars = glob.glob(osp.join(uar_only, '*', 'vis_data', 'scalars.json'))
    logged = [json.loads(line) for line in open(scalars[0]) if 'dfer/UAR' in line]
    uar = [r['dfer/UAR'] for r in logged]
    # MMEngine saves epoch_2.pth before epoch 2's validation and, as UAR did not improve,
    # never again: its message hub would hold epoch 1's validation only
    assert len(uar) == 2 and uar[1] <= uar[0], f'UAR improved in epoch 2 ({uar}): no test'
    hub = _load_checkpoint(osp.join(uar_only, 'epoch_2.pth'), map_location='cpu')['message_hub']
    nll = hub['log_scalars']['val/dfer/nll'].data[0]
    assert len(nll) == 2 and np.allclose(nll, [r['dfer/nll'] for r in logged])
    assert hub['runtime_info']['best_score'] == uar[0]  # one metric: MMEngine's plain key
    assert sorted(n for n in os.listdir(uar_only) if n.endswith('.pth')) == [
        'best_dfer_UAR_epoch_1.pth', 'epoch_1.pth', 'epoch_2.pth']


@pytest.fixture(scope='module')
def kill_in_writes(kill_resume, demo_data, tmp_path_factory):
    """Persistent workers (the demo config's), killed twice inside checkpoint writes."""
    work = str(tmp_path_factory.mktemp('kill_in_writes'))
    return run(['python', 'tools/reliability/kill_and_resume.py', DEMO_CONFIG, '--work-dir', work,
                '--loaders', '1p', '--uninterrupted', kill_resume[0], '--kill-at',
                'write:best_dfer_nll_epoch_2.pth', 'write:epoch_2.pth', '--cfg-options',
                *options(demo_data, 'train_cfg.max_epochs=2')], check=False)


@pytest.mark.slow
def test_kill_inside_the_best_file_write_then_resume(kill_in_writes):
    out = kill_in_writes.stdout
    left = re.search(r'killed inside the write of best_dfer_nll_epoch_2\.pth; left '
                     r'(best_dfer_nll_epoch_2\.pth\.tmp\.[0-9a-f]{8})\n', out)
    assert left, out
    # the previous best files are still there: the redone epoch 2 starts from epoch_1.pth
    assert re.search(r'resumed from epoch_1\.pth \(expected: epoch_1\.pth\); removed: '
                     + re.escape(left.group(1)) + r'\n', out), out


@pytest.mark.slow
def test_kill_inside_the_epoch_file_write_then_resume(kill_in_writes):
    out = kill_in_writes.stdout
    left = re.search(r'killed inside the write of epoch_2\.pth; left '
                     r'(epoch_2\.pth\.tmp\.[0-9a-f]{8})\n', out)
    assert left, out
    # epoch 2's new best file was complete; epoch_1.pth's state does not know it: removed
    assert re.search(r'resumed from epoch_1\.pth \(expected: epoch_1\.pth\); removed: '
                     + re.escape(left.group(1)) + r', best_dfer_nll_epoch_2\.pth\n', out), out


@pytest.mark.slow
def test_killed_in_writes_ends_as_the_uninterrupted_run(kill_in_writes):
    out = kill_in_writes.stdout + kill_in_writes.stderr
    assert kill_in_writes.returncode == 0, out
    assert 'temporary files at the end: none' in out
    assert 'identical weights: True; identical UAR/WAR: True; identical best files: True' in out
    assert ('[num_workers=1, persistent] kills: 2 (2 inside a write window); resumed from the '
            'expected checkpoint: 2; runs equal to the uninterrupted one: 1 of 1') in out


def test_resume_finds_the_newest_complete_checkpoint(uar_only, demo_data, tmp_path):
    """Whatever last_checkpoint says; stale temporary and newer files are removed."""
    work = tmp_path / 'work'
    shutil.copytree(uar_only, work)
    complete = (work / 'epoch_2.pth').read_bytes()
    (work / 'best_dfer_UAR_epoch_3.pth').write_bytes(complete)  # ous-mm's, newer than the state
    leftover = _killed_writers_temp_file(str(work / 'epoch_4.pth'), complete[:100])
    (work / 'last_checkpoint').write_text(str(work / 'epo'))  # truncated by a kill
    # files ous-mm did not write (it writes atomically: a truncated file is not one of its own),
    # whatever their names: kept
    users = {'epoch_3.pth': complete[:len(complete) // 2]}
    torch.save({'w': torch.ones(2)}, work / 'epoch_5.pth', _use_new_zipfile_serialization=False)
    torch.save({'w': torch.ones(2)}, work / 'best_dfer_UAR_epoch_6.pth')  # plain torch.save
    for name in ('epoch_5.pth', 'best_dfer_UAR_epoch_6.pth'):
        users[name] = (work / name).read_bytes()
    (work / 'epoch_3.pth').write_bytes(users['epoch_3.pth'])
    proc = run(['python', 'tools/train.py', DEMO_CONFIG, '--work-dir', str(work), '--resume',
                *demo_options(demo_data, *UAR_ONLY, workers=0)])
    out = proc.stdout + proc.stderr
    assert f'resume: the newest complete checkpoint is {work}/epoch_2.pth' in out
    assert 'resumed epoch: 2' in out
    for name in (osp.basename(leftover), 'best_dfer_UAR_epoch_3.pth'):
        assert f'Removed {work}/{name}: ' in out and not (work / name).exists(), name
    for name, data in users.items():
        assert f'Kept {work}/{name} (' in out and (work / name).read_bytes() == data, name
    assert f'resume: skipped {work}/epoch_5.pth, which is not a whole zip checkpoint' in out
    assert (work / 'epoch_2.pth').read_bytes() == complete
    assert (work / 'epoch_1.pth').exists() and (work / 'best_dfer_UAR_epoch_1.pth').exists()


def test_resume_from_another_folder_touches_nothing_there(uar_only, demo_data, tmp_path):
    """``--resume A/epoch_2.pth --work-dir B``: B keeps its own records; A's files stay."""
    from ous_mm.apis import parse_cfg_options, run_train
    from ous_mm.fileio import AtomicLocalBackend
    colleague, mine = tmp_path / 'A', tmp_path / 'B'
    shutil.copytree(uar_only, colleague)
    # a colleague's run whose best score any new validation beats: MMEngine would replace (and
    # remove) the best file its checkpoint records, which lies in A
    ckpt = torch.load(colleague / 'epoch_2.pth', weights_only=False)
    assert ckpt['message_hub']['runtime_info']['best_ckpt'] == str(
        osp.join(uar_only, 'best_dfer_UAR_epoch_1.pth'))
    ckpt['message_hub']['runtime_info']['best_ckpt'] = str(colleague / 'best_dfer_UAR_epoch_1.pth')
    ckpt['message_hub']['runtime_info']['best_score'] = -1.0
    buf = io.BytesIO()
    torch.save(ckpt, buf)
    AtomicLocalBackend().put(buf.getvalue(), colleague / 'epoch_2.pth')
    before = {p.name: p.read_bytes() for p in colleague.iterdir() if p.is_file()}
    # tools/train.py --work-dir B --resume A/epoch_2.pth
    run_train(DEMO_CONFIG, str(mine), cfg_options=parse_cfg_options(demo_options(
        demo_data, *UAR_ONLY, 'train_cfg.max_epochs=3', f'load_from={colleague}/epoch_2.pth',
        'resume=True', workers=0)[1:]))
    assert {p.name: p.read_bytes() for p in colleague.iterdir() if p.is_file()} == before
    assert sorted(p.name for p in mine.iterdir() if p.suffix == '.pth') == [
        'best_dfer_UAR_epoch_3.pth', 'epoch_3.pth']
    log, = glob.glob(str(mine / '*' / '*.log'))
    assert f"lies outside this run's folder {mine}" in open(log).read()


def test_a_second_run_into_a_live_runs_folder_is_refused(demo_data, tmp_path):
    """A live holder of the folder's lock (another process) refuses the run at start, naming
    it; killed, it leaves nothing that blocks the next run."""
    from ous_mm.apis import parse_cfg_options, run_train
    from ous_mm.fileio import WorkDirBusyError
    from conftest import REPO
    work = tmp_path / 'work'
    holder = subprocess.Popen(
        [sys.executable, '-c', 'import runpy, sys, time\n'
         'runpy.run_path(sys.argv[1])["WorkDirLock"](sys.argv[2]).acquire()\n'
         'print("held", flush=True)\ntime.sleep(600)\n',
         osp.join(REPO, 'ous_mm', 'fileio', 'work_dir_lock.py'), str(work)],
        stdout=subprocess.PIPE)
    assert holder.stdout.readline() == b'held\n'
    opts = parse_cfg_options(demo_options(demo_data, 'train_cfg.max_epochs=1', workers=0)[1:])
    try:
        with pytest.raises(WorkDirBusyError, match=re.escape(f'{work} is in use by a live '
                           f'training run (process {holder.pid} on ')):
            run_train(DEMO_CONFIG, str(work), cfg_options=opts)
        assert not list(work.glob('*.pth'))
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    run_train(DEMO_CONFIG, str(work), cfg_options=opts)  # the kernel released the dead one's
    assert (work / 'epoch_1.pth').exists()


def _killed_writers_temp_file(path: str, data: bytes) -> str:
    """The temporary file of a writer of ``path`` killed after writing ``data``."""
    writer, tmp = locked_temp_writer(path, data)
    writer.send_signal(signal.SIGKILL)
    writer.wait()
    return tmp


def test_newest_complete_checkpoint_and_stale_temp_files(tmp_path):
    from ous_mm.engine.hooks import SafeCheckpointHook
    from ous_mm.fileio import AtomicLocalBackend
    hook = SafeCheckpointHook(interval=1)
    assert hook.backend_args == dict(backend='atomic_local')
    assert SafeCheckpointHook(out_dir='s3://bucket/runs').backend_args is None  # by prefix
    assert hook.newest_complete_checkpoint(str(tmp_path)) is None
    backend = AtomicLocalBackend()
    for n in (1, 2):
        buf = io.BytesIO()
        torch.save({'w': torch.full((3, ), float(n))}, buf)
        backend.put(buf.getvalue(), tmp_path / f'epoch_{n}.pth')
    (tmp_path / 'epoch_10.pth').write_bytes((tmp_path / 'epoch_2.pth').read_bytes()[:-30])
    assert hook.newest_complete_checkpoint(str(tmp_path)) == str(tmp_path / 'epoch_2.pth')
    assert torch.load(tmp_path / 'epoch_2.pth')['w'].sum() == 6
    from ous_mm.fileio.locked_temp_file import create_locked_temp
    leftover = _killed_writers_temp_file(str(tmp_path / 'epoch_3.pth'), b'x')
    fd, live = create_locked_temp(str(tmp_path / 'epoch_4.pth'))  # a live writer's
    try:
        assert AtomicLocalBackend.remove_stale_temp_files(tmp_path) == [leftover]
        assert sorted(os.listdir(tmp_path)) == [
            'epoch_1.pth', 'epoch_10.pth', 'epoch_2.pth', osp.basename(live)]
    finally:
        os.close(fd)


def test_a_write_killed_midway_leaves_the_previous_file(tmp_path):
    """SIGKILL while the (slowed) atomic backend writes: the old file stays whole."""
    from conftest import REPO
    target = tmp_path / 'epoch_1.pth'
    target.write_bytes(b'old')
    code = ('import sys; from slow_atomic_local_backend import SlowAtomicLocalBackend\n'
            'SlowAtomicLocalBackend(seconds=60).put(b"new" * 10**5, sys.argv[1])\n')
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [osp.join(REPO, 'tools', 'reliability'), os.environ.get('PYTHONPATH', '')]))
    writer = subprocess.Popen([sys.executable, '-c', code, str(target)], cwd=REPO, env=env)

    def temp():
        return [p for p in tmp_path.iterdir() if p.name.startswith('epoch_1.pth.tmp.')]

    deadline = time.time() + 120
    while not (temp() and temp()[0].stat().st_size > 0) and time.time() < deadline:
        time.sleep(0.05)
    writer.send_signal(signal.SIGKILL)
    writer.wait()
    assert len(temp()) == 1 and 0 < temp()[0].stat().st_size < 3 * 10**5
    assert target.read_bytes() == b'old'


def test_checkpoint_with_empty_arrays_loads(tmp_path, safe_loading):
    """pickle writes empty bytes (an empty array's data) as the global `bytes`: admitted."""
    from mmengine.logging import HistoryBuffer
    from mmengine.runner.checkpoint import _load_checkpoint

    from ous_mm.compat import UnsafeCheckpointError
    path = str(tmp_path / 'empty.pth')
    torch.save({'state_dict': {'w': torch.ones(1)}, 'meta': {'empty': np.zeros(0)},
                'message_hub': {'log_scalars': {'never': HistoryBuffer()}}}, path)
    ckpt = _load_checkpoint(path, map_location='cpu')
    assert ckpt['meta']['empty'].shape == (0, )
    assert len(ckpt['message_hub']['log_scalars']['never'].data[0]) == 0

    class Allocate:  # bytes(n) would allocate n bytes: only bytes() is admitted

        def __reduce__(self):
            return bytes, (10**6, )
    torch.save({'meta': Allocate()}, path)
    with pytest.raises(UnsafeCheckpointError, match=r'only bytes\(\) \(empty data\)'):
        _load_checkpoint(path, map_location='cpu')


@pytest.mark.parametrize('option,message', [
    ('model.cls_head.num_classes=6', 'the model predicts 6 classes but DFEWDataset has 7'),
    ('model.cls_head.prompt_learner.class_names=[Sad,Happy,Neutral,Angry,Surprise,Disgust,Fear]',
     'differ from DFEWDataset'),
])
def test_config_that_disagrees_with_the_dataset_is_refused(demo_data, tmp_path, option, message):
    from ous_mm.apis import parse_cfg_options, run_train
    if 'num_classes' in option:  # the head refuses a count that differs from its names first
        option += ' model.cls_head.prompt_learner.class_names=[a,b,c,d,e,f]'
    with pytest.raises(ValueError, match=re.escape(message)):
        run_train(DEMO_CONFIG, str(tmp_path), cfg_options=parse_cfg_options(
            demo_options(demo_data, workers=0)[1:] + option.split()))


def test_grayscale_rgba_and_changing_frame_sizes():
    from ous_mm.datasets import FaceSceneSplit
    frames = [np.full((60, 80), 100, np.uint8), np.full((60, 80, 1), 100, np.uint8),
              np.full((90, 120, 4), 100, np.uint8), np.full((45, 64, 3), 100, np.uint8)]
    boxes = np.array([[10, 10, 30, 30, 1]] * 4, np.float32)
    out = FaceSceneSplit(face_size=16, scene_size=32)(
        dict(imgs=frames, frame_inds=np.arange(4), face_boxes=boxes))
    assert out['face_imgs'].shape == (4, 3, 16, 16) and out['scene_imgs'].shape == (4, 3, 32, 32)
    assert (out['scene_imgs'] == 100).all()


def test_a_hung_dataloader_worker_fails_instead_of_waiting_forever(tmp_path):
    from mmaction.registry import TRANSFORMS
    from mmcv.transforms import BaseTransform
    from mmengine.runner import Runner

    @TRANSFORMS.register_module(force=True)
    class HangForever(BaseTransform):

        def transform(self, results):
            time.sleep(600)

    (tmp_path / 'ann.txt').write_text('x.mp4 0\n')
    loader = Runner.build_dataloader(dict(
        batch_size=1, num_workers=1, timeout=2, sampler=dict(type='DefaultSampler', shuffle=False),
        dataset=dict(type='VideoDataset', ann_file=str(tmp_path / 'ann.txt'),
                     pipeline=[dict(type='HangForever')])))
    start = time.time()
    with pytest.raises(RuntimeError, match='timed out after 2 seconds'):
        next(iter(loader))
    assert time.time() - start < 60


class _Draws(torch.utils.data.Dataset):
    """Each sample: numbers drawn from the worker's global generators, as pipelines draw."""

    def __len__(self) -> int:
        return 8

    def __getitem__(self, index: int) -> tuple:
        import random
        return index, np.random.rand(), random.random(), torch.rand(()).item()


def _epochs(loader, workers, epochs) -> dict:
    drawn = {}
    for epoch in epochs:
        workers.epoch.value = epoch  # what RandomStateHook does before each epoch
        drawn[epoch] = sorted(tuple(float(x) for x in sample) for batch in loader
                              for sample in zip(*batch))
    return drawn


@pytest.mark.parametrize('persistent', [True, False])
def test_loader_workers_draw_by_epoch_not_by_history(persistent):
    """A persistent worker in its third epoch draws what a new worker does in that epoch."""
    from torch.utils.data import DataLoader

    from ous_mm.engine.hooks.random_state_hook import EpochSeededWorkers

    def loader():
        workers = EpochSeededWorkers(None, seed=7, rank=0)
        return DataLoader(_Draws(), batch_size=2, num_workers=2, persistent_workers=persistent,
                          worker_init_fn=workers), workers

    lived = _epochs(*loader(), epochs=[0, 1, 2])
    fresh = _epochs(*loader(), epochs=[2])  # e.g. a run resumed into epoch 2
    assert fresh[2] == lived[2]
    assert lived[0] != lived[1] != lived[2]  # new numbers every epoch
