"""The MMAction2-style tools on the smoke config: train, resume, test, torchrun + gloo."""
import glob
import os.path as osp
import re

import pytest
import torch

from ous_mm.utils import mmaction_tool
from conftest import DEMO_CONFIG, REPO, SMOKE_CONFIG, demo_options, free_port, run, smoke_options


def _weights(path: str) -> dict:
    return torch.load(path, map_location='cpu')['state_dict']


def test_resume_matches_uninterrupted_run(smoke_data, tmp_path, safe_loading):
    """tools/train.py's runs (their Runner, in this process: ous_mm.apis; test_reliability runs
    the tool as a process, --resume included)."""
    from ous_mm.apis import parse_cfg_options, run_test, run_train
    straight = str(tmp_path / 'straight')
    resumed = str(tmp_path / 'resumed')
    # 2 epochs (the smoke config's 3 are not needed to resume in the middle of a run)
    options = parse_cfg_options(smoke_options(smoke_data, 'train_cfg.max_epochs=2')[1:])
    run_train(SMOKE_CONFIG, straight, cfg_options=options)
    run_train(SMOKE_CONFIG, resumed, cfg_options=dict(options, **{'train_cfg.max_epochs': 1}))
    assert osp.isfile(osp.join(resumed, 'epoch_1.pth'))
    assert not osp.exists(osp.join(resumed, 'epoch_2.pth'))
    run_train(SMOKE_CONFIG, resumed, resume=True, cfg_options=options)
    logs = glob.glob(osp.join(resumed, '*', '*.log'))
    assert any('resumed epoch: 1' in open(log).read() for log in logs)

    a = _weights(osp.join(straight, 'epoch_2.pth'))
    b = _weights(osp.join(resumed, 'epoch_2.pth'))
    assert a.keys() == b.keys()
    for key in a:
        assert torch.equal(a[key], b[key]), key
    # training really moved the weights away from epoch 1
    c = _weights(osp.join(resumed, 'epoch_1.pth'))
    assert any(not torch.equal(a[k], c[k]) for k in a if a[k].is_floating_point())

    # the test run on the result gives the accuracy metrics and dumps predictions
    dump = str(tmp_path / 'preds.pkl')
    metrics = run_test(SMOKE_CONFIG, osp.join(straight, 'epoch_2.pth'), str(tmp_path / 'test'),
                       dump=dump, cfg_options=options)
    assert 0 <= metrics['acc/top1'] <= 1
    assert osp.getsize(dump) > 0


def test_an_in_process_run_stops_its_persistent_workers(demo_data, tmp_path, monkeypatch):
    """ous_mm.apis's runs end their loaders' persistent workers by the workers' stop signal
    (exit code 0), not by torch killing them (SIGTERM) after waiting 5 s per loader."""
    from torch.utils.data.dataloader import _MultiProcessingDataLoaderIter

    from ous_mm.apis import parse_cfg_options, run_test, run_train
    exit_codes = {}  # per iterator (its __del__ calls the shutdown again: a no-op then)
    shutdown = _MultiProcessingDataLoaderIter._shutdown_workers

    def recorded(iterator):
        shutdown(iterator)
        exit_codes[id(iterator)] = [worker.exitcode for worker in iterator._workers]

    monkeypatch.setattr(_MultiProcessingDataLoaderIter, '_shutdown_workers', recorded)
    options = parse_cfg_options(
        demo_options(demo_data, 'train_cfg.max_epochs=1', 'train_dataloader.num_workers=2',
                     'train_dataloader.persistent_workers=True')[1:])
    run_train(DEMO_CONFIG, str(tmp_path), cfg_options=options)
    run_test(DEMO_CONFIG, osp.join(tmp_path, 'epoch_1.pth'), str(tmp_path / 'test'),
             cfg_options=options)
    # training, validation and test loaders: 2 + 1 + 1 workers, each ended once
    assert sorted(exit_codes.values()) == [[0], [0], [0, 0]]


# slow (make test-slow, CI): four torchrun processes; make test runs torchrun on the OUS config
# (test_train_ous.py: training, test_dump_results.py: a test with --dump)
@pytest.mark.slow
def test_dist_train_and_test_with_torchrun_gloo(smoke_data, tmp_path):
    work = str(tmp_path / 'dist')
    proc = run(['bash', 'tools/dist_train.sh', SMOKE_CONFIG, '2', '--work-dir', work,
                *smoke_options(smoke_data, 'train_cfg.max_epochs=1')],
               env=dict(PORT=str(free_port())))
    log = proc.stdout + proc.stderr
    assert 'Distributed launcher: pytorch' in log
    # 'GPU number' is MMEngine's word for processes
    assert 'Distributed training: True' in log and 'GPU number: 2' in log
    ckpt = osp.join(work, 'epoch_1.pth')
    assert osp.isfile(ckpt)
    proc = run(['bash', 'tools/dist_test.sh', SMOKE_CONFIG, ckpt, '2', '--work-dir',
                str(tmp_path / 'dist_test'), *smoke_options(smoke_data)],
               env=dict(PORT=str(free_port())))
    assert re.search(r'acc/top1: [0-9.]+', proc.stdout + proc.stderr)
    assert re.search(r'acc/mean1: [0-9.]+', proc.stdout + proc.stderr)


@pytest.mark.parametrize('module', ['ous_mm', 'projects_registry'])
def test_stock_mmaction_train_script_with_custom_imports(module, smoke_data, tmp_path):
    """MMAction2's own tools/train.py runs an ous-mm config: `custom_imports` alone
    registers ous-mm and applies its fixes (without them `import mmaction.models` fails)."""
    cfg = tmp_path / f'{module}_cfg.py'
    cfg.write_text(f"_base_ = [{SMOKE_CONFIG!r}]\n"
                   f"custom_imports = dict(imports=[{module!r}], allow_failed_imports=False)\n")
    run(['python', mmaction_tool('train.py'), str(cfg), '--work-dir', str(tmp_path / 'w'),
         *smoke_options(smoke_data, 'train_cfg.max_epochs=1')],
        env=dict(PYTHONPATH=REPO))
    assert osp.isfile(str(tmp_path / 'w' / 'epoch_1.pth'))
