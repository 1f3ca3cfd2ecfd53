"""Stack fixes (ous_mm/compat.py): what `import ous_mm` changes, what `ous_mm.setup_env()` does."""
import glob
import os
import os.path as osp
import pickletools
import re
import subprocess
import sys
import zipfile

import pytest
import torch
from mmengine.runner import load_checkpoint
from mmengine.runner.checkpoint import _load_checkpoint

import ous_mm  # noqa: F401
from ous_mm import compat
from ous_mm.fileio.pickle_allow_list import HISTORY_BUFFER_STATISTICS, checkpoint_globals
from conftest import DEMO_CONFIG, REPO

# What `import ous_mm` may change outside ous-mm: registrations of its own components and
# registries, MMEngine's file backend 'atomic_local' (named only where a config asks for it).
ALLOWED_ON_IMPORT = (
    re.compile(r"mmaction\.registry\.\w+\._module_dict\['\w+'\]: added ous_mm\.[\w.]+ "
               r"\(from ous_mm\.[\w.]+\)"),
    re.compile(r"mmaction\.registry\.\w+\._children\['ous_mm'\]: added Registry '[\w ]+' of "
               r"scope 'ous_mm' \(from ous_mm\)"),
    re.compile(r"mmengine\.fileio\.backends\.registry_utils\.backends\['atomic_local'\]: "
               r"added ous_mm\.fileio\.atomic_local_backend\.AtomicLocalBackend "
               r"\(from ous_mm\.fileio\.atomic_local_backend\)"),
)
SAFE_GLOBALS = 'torch._weights_only_unpickler._marked_safe_globals_set'


def test_import_changes_only_registrations_and_the_drn_stand_in():
    """In fresh processes (tests/import_probe.py): `import ous_mm` registers its components and
    installs the drn stand-in (where mmaction2 lacks the folder), nothing else; setup_env() adds
    MODULE2PACKAGE['ous_mm'], the safe checkpoint loader and the checkpoint allow-list."""
    sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
    try:
        from import_probe import probe
    finally:
        sys.path.pop(0)
    report = probe()
    assert report['not_importable_alone'] == [] and report['modules_added_here'] == []
    drn_missing = not osp.isdir(osp.join(compat._mmaction_root(), 'models', 'localizers', 'drn'))
    own_finders = [f for f in report['meta_path_added'] if f.startswith('ous_mm')]
    assert own_finders == (['ous_mm_drn.DRNStandInFinder'] if drn_missing else [])
    assert report['made_by_own_loaders'] == (
        ['mmaction.models.localizers.drn', 'mmaction.models.localizers.drn.drn']
        if drn_missing else [])
    assert report['path_hooks_added'] == []
    changes = report['changes']
    unexpected = [c for c in changes if not any(p.fullmatch(c) for p in ALLOWED_ON_IMPORT)]
    assert unexpected == [], '\n'.join(unexpected)
    # and the allowed ones happen (the check above cannot pass by seeing nothing)
    assert ("mmaction.registry.MODELS._module_dict['OUSRecognizer']: added "
            'ous_mm.models.recognizers.ous_recognizer.OUSRecognizer '
            '(from ous_mm.models.recognizers.ous_recognizer)') in changes
    assert sum('_children[' in c for c in changes) == 23
    setup = report['setup_env_changes']
    assert [c for c in setup if SAFE_GLOBALS not in c and 'get_safe_globals()' not in c] == [
        "mmengine.config.utils.MODULE2PACKAGE['ous_mm']: added 'ous-mm' (from builtins)",
        "mmengine.runner.checkpoint.CheckpointLoader._schemes['']: replaced "
        'mmengine.runner.checkpoint.load_from_local (from mmengine.runner.checkpoint) by '
        'ous_mm.compat._safe_local_loader.<locals>.load_from_local (from ous_mm.compat)']
    added = [c for c in setup if c.startswith(SAFE_GLOBALS + '[') and ': added ' in c]
    assert len(added) == len(checkpoint_globals()) and len(added) == len(
        [c for c in setup if c.startswith(SAFE_GLOBALS + '[')])


def test_mmaction_models_import_and_register():
    import mmaction.models  # noqa: F401  (fails without the drn stand-in on the PyPI wheel)
    from mmaction.registry import MODELS
    assert MODELS.get('Recognizer2D') is not None
    assert MODELS.get('TSNHead') is not None


def test_drn_stand_in_only_when_missing(tmp_path, monkeypatch):
    name = 'mmaction.models.localizers.drn'
    (tmp_path / 'models' / 'localizers' / 'drn').mkdir(parents=True)
    monkeypatch.setattr(compat, '_mmaction_root', lambda: str(tmp_path))
    monkeypatch.delitem(sys.modules, name, raising=False)
    assert compat.patch_missing_drn() is False
    assert name not in sys.modules


def test_drn_stand_in_says_what_is_missing():
    import mmaction.models  # noqa: F401
    from mmaction.registry import MODELS
    with pytest.raises(ImportError, match='DRN is missing'):
        MODELS.build(dict(type='DRN'))


def test_other_import_errors_still_surface():
    code = (
        'import sys, importlib.abc\n'
        'class Broken(importlib.abc.MetaPathFinder):\n'
        '    def find_spec(self, name, path, target=None):\n'
        "        if name == 'mmaction.models.recognizers':\n"
        "            raise ImportError('broken recognizers')\n"
        'sys.meta_path.insert(0, Broken())\n'
        'import ous_mm\n'
        'import mmaction.models\n')
    proc = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True)
    assert proc.returncode != 0
    assert 'broken recognizers' in proc.stderr


class _Payload:
    """Unpickling this runs `os.system`: what a hostile checkpoint does."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f'touch {self.marker}', ))


def test_checkpoint_with_code_is_refused(tmp_path, safe_loading):
    marker = tmp_path / 'pwned'
    path = str(tmp_path / 'evil.pth')
    torch.save({'state_dict': {'w': torch.zeros(1)}, 'meta': _Payload(marker)}, path)
    with pytest.raises(compat.UnsafeCheckpointError, match='outside the allow-list'):
        _load_checkpoint(path, map_location='cpu')
    with pytest.raises(compat.UnsafeCheckpointError, match='evil.pth'):
        load_checkpoint(torch.nn.Linear(1, 1), path, map_location='cpu')
    assert not marker.exists()


def test_mmengine_checkpoint_types_load(tmp_path, safe_loading):
    """The types a Runner writes (message hub, numpy values) load with weights_only on."""
    import numpy as np
    from mmengine.logging import MessageHub
    hub = MessageHub.get_instance('ous_mm_test_hub')
    hub.update_scalar('train/loss', 0.5)
    hub.update_info('iter', 3)
    path = str(tmp_path / 'ok.pth')
    torch.save({'state_dict': {'w': torch.ones(2)}, 'message_hub': hub.state_dict(),
                'meta': {'seed': np.int64(3), 'arr': np.arange(3.0)}}, path)
    ckpt = _load_checkpoint(path, map_location='cpu')
    assert ckpt['meta']['seed'] == 3
    assert torch.equal(ckpt['state_dict']['w'], torch.ones(2))
    restored = MessageHub.get_instance('ous_mm_test_restored')
    restored.load_state_dict(ckpt['message_hub'])
    assert restored.get_scalar('train/loss').mean() == 0.5
    assert restored.get_info('iter') == 3


# A Runner in a process that never imports ous_mm: what users' existing MMAction2 and MMEngine
# checkpoints are (MMEngine pickles HistoryBuffer's statistics methods with getattr).
PLAIN_MMENGINE_RUN = '''
import sys
import torch
from mmengine.model import BaseModel
from mmengine.runner import Runner


class Toy(BaseModel):

    def __init__(self):
        super().__init__()
        self.fc = torch.nn.Linear(2, 1)

    def forward(self, inputs, labels=None, mode='loss'):
        return dict(loss=((self.fc(inputs).squeeze(1) - labels) ** 2).mean())


data = [dict(inputs=torch.randn(2), labels=torch.randn(())) for _ in range(8)]
Runner(model=Toy(), work_dir=sys.argv[1],
       train_dataloader=dict(dataset=data, batch_size=4, collate_fn=dict(type='default_collate'),
                             sampler=dict(type='DefaultSampler', shuffle=True)),
       optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.1)),
       param_scheduler=dict(type='MultiStepLR', milestones=[1]),
       train_cfg=dict(by_epoch=True, max_epochs=1), randomness=dict(seed=0)).train()
print('ous_mm imported:', any(m == 'ous_mm' or m.startswith('ous_mm.') for m in sys.modules))
'''


def test_checkpoint_of_a_process_without_ous_mm_loads(tmp_path, safe_loading):
    from mmengine.logging import MessageHub
    proc = subprocess.run([sys.executable, '-c', PLAIN_MMENGINE_RUN, str(tmp_path)],
                          capture_output=True, text=True, cwd=str(tmp_path))
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert 'ous_mm imported: False' in proc.stdout
    path = str(tmp_path / 'epoch_1.pth')
    # what made it unloadable: MMEngine's own getattr(HistoryBuffer, ...) calls
    with zipfile.ZipFile(path) as archive:
        data = archive.read(next(n for n in archive.namelist() if n.endswith('/data.pkl')))
    globals_ = {arg for op, arg, _ in pickletools.genops(data) if op.name == 'GLOBAL'}
    assert '__builtin__ getattr' in globals_
    ckpt = _load_checkpoint(path, map_location='cpu')
    hub = MessageHub.get_instance('ous_mm_test_plain')
    hub.load_state_dict(ckpt['message_hub'])
    assert hub.get_scalar('train/loss').mean() > 0
    assert ckpt['meta']['epoch'] == 1 and 'fc.weight' in ckpt['state_dict']


@pytest.mark.parametrize('owner,name', [('HistoryBuffer', 'update'),
                                        ('HistoryBuffer', '__init__'),
                                        ('ndarray', 'tofile')])
def test_checkpoint_getattr_reaches_only_history_buffer_statistics(
        tmp_path, owner, name, safe_loading):
    import numpy as np
    from mmengine.logging import HistoryBuffer

    class Reach:

        def __reduce__(self):
            return getattr, ({'HistoryBuffer': HistoryBuffer, 'ndarray': np.ndarray}[owner],
                             name)

    path = str(tmp_path / 'reach.pth')
    torch.save({'state_dict': {}, 'meta': Reach()}, path)
    with pytest.raises(compat.UnsafeCheckpointError,
                       match=rf"getattr\('{owner}', '{name}'\).*only getattr\(HistoryBuffer"):
        _load_checkpoint(path, map_location='cpu')


def test_import_leaves_history_buffer_pickling_as_mmengine_has_it():
    from mmengine.logging import HistoryBuffer
    assert HistoryBuffer.__getstate__.__module__ == 'mmengine.logging.history_buffer'
    state = HistoryBuffer([1.0], [1]).__getstate__()
    assert set(state['statistics_methods']) == set(HISTORY_BUFFER_STATISTICS)


# What `ous_mm_safe_load.pth` does at start-up (python -m ous_mm_safe_load enable; the project's
# environment has it): argv[1] 'on' installs the finder, 'off' takes out one installed at start-up
SAFE_LOAD_AT_START_UP = '''
import sys
import ous_mm_safe_load
if sys.argv[1] == 'on':
    ous_mm_safe_load.install()
else:
    sys.meta_path[:] = [f for f in sys.meta_path
                        if not isinstance(f, ous_mm_safe_load.CheckpointModuleFinder)]
print('heavy:', sorted({m.split('.')[0] for m in sys.modules} & {
    'torch', 'numpy', 'mmengine', 'mmaction', 'ous_mm'}))
from mmengine.runner.checkpoint import _load_checkpoint
for path in sys.argv[2:]:
    try:
        print('loaded', _load_checkpoint(path, map_location='cpu')['meta']['epoch'])
    except Exception as err:
        print('refused', type(err).__name__, str(err).splitlines()[0][:200])
'''


def test_start_up_file_makes_mmengine_loading_safe_without_importing_ous_mm(tmp_path):
    """`mim test mmaction` of a stock model: a process that never imports ous_mm loads MMEngine
    checkpoints with weights_only=True and the allow-list, and refuses one with code."""
    from mmengine.logging import HistoryBuffer
    marker = tmp_path / 'pwned'
    plain, evil = str(tmp_path / 'epoch_1.pth'), str(tmp_path / 'evil.pth')
    # as MMEngine writes its message hub: HistoryBuffer, its statistics methods through getattr
    torch.save({'meta': {'epoch': 1}, 'state_dict': {'w': torch.ones(1)},
                'message_hub': {'log_scalars': {'loss': HistoryBuffer([0.5], [1])}}}, plain)
    torch.save({'state_dict': {'w': torch.zeros(1)}, 'meta': _Payload(marker)}, evil)
    paths = [plain, evil]

    def load(mode: str) -> list:
        proc = subprocess.run([sys.executable, '-c', SAFE_LOAD_AT_START_UP, mode, *paths],
                              capture_output=True, text=True, cwd=str(tmp_path))
        assert proc.returncode == 0, proc.stderr[-3000:]
        return [line for line in proc.stdout.splitlines()
                if line.startswith(('heavy:', 'loaded', 'refused'))]

    on = load('on')
    assert on[0] == 'heavy: []'  # start-up imports nothing of the stack
    assert on[1] == 'loaded 1'
    assert on[2].startswith('refused UnsafeCheckpointError') and 'evil.pth' in on[2], on
    # without it, torch >= 2.6 refuses MMEngine's own checkpoint (and still the one with code)
    off = load('off')
    assert off[1].startswith('refused UnpicklingError Weights only load failed'), off
    assert off[2].startswith('refused UnpicklingError'), off
    assert not marker.exists()


def test_safe_load_finder_wraps_only_mmengine_checkpoint_module():
    import mmengine.runner

    import ous_mm_safe_load
    finder = ous_mm_safe_load.CheckpointModuleFinder()
    assert finder.find_spec('mmengine.runner.runner', mmengine.runner.__path__) is None
    assert finder.find_spec('json') is None
    spec = finder.find_spec(ous_mm_safe_load.TARGET, mmengine.runner.__path__)
    assert type(spec.loader).__name__ == '_WrapAfterExec'
    assert spec.origin.endswith('mmengine/runner/checkpoint.py')
    assert 'def load_from_local' in spec.loader.get_source(ous_mm_safe_load.TARGET)


def _configs() -> list:
    # configs/benchmarks holds tools/benchmark_table.py's table specs, not runnable configs
    return sorted(p for p in glob.glob(osp.join(REPO, 'configs', '**', '*.py'), recursive=True)
                  if f'{os.sep}_base_{os.sep}' not in p and f'{os.sep}benchmarks{os.sep}' not in p)


@pytest.mark.parametrize('config', _configs(), ids=osp.basename)
def test_every_config_runs_on_the_runner_that_allows_num_workers_0(config):
    from mmengine.config import Config
    assert Config.fromfile(config).runner_type == 'OUSRunner'


def test_num_workers_0_alone_gives_loaders_without_workers(demo_data):
    """`--cfg-options *_dataloader.num_workers=0` with the configs' persistent workers and
    timeout: MMEngine's Runner passes both to torch, which refuses them without workers."""
    from mmengine.config import Config
    from mmengine.registry import DefaultScope
    from mmengine.runner import Runner

    from ous_mm.engine import OUSRunner
    cfg = Config.fromfile(DEMO_CONFIG)
    with DefaultScope.overwrite_default_scope(cfg.default_scope):
        for split in ('train', 'val', 'test'):
            loader_cfg = cfg[f'{split}_dataloader']
            loader_cfg.dataset.data_root = demo_data
            loader_cfg.num_workers = 0
            assert loader_cfg.persistent_workers and loader_cfg.timeout > 0
            batch = next(iter(OUSRunner.build_dataloader(loader_cfg, seed=0)))
            assert 0 < len(batch['inputs']['face_imgs']) <= loader_cfg.batch_size
        with pytest.raises(ValueError, match='persistent_workers option needs num_workers > 0'):
            Runner.build_dataloader(cfg.train_dataloader, seed=0)
        loader_cfg = dict(cfg.train_dataloader, persistent_workers=False)
        with pytest.raises(AssertionError):  # torch's bare assert on `timeout`
            next(iter(Runner.build_dataloader(loader_cfg, seed=0)))
