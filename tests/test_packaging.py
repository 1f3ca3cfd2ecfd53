"""ous-mm installs and is found like an OpenMMLab project: mim, `ous_mm::` configs, a wheel."""
import glob
import os.path as osp
import subprocess
import sys
import sysconfig

import pytest
import torch

from conftest import REPO, run
from test_train_ous import demo_options

MODELS = ('ous_vit-l14_4xb4-60e_dfew', 'ous_vit-l14_4xb4-60e_ferv39k',
          'ous_vit-l14_4xb4-60e_mafw', 'ous_vit-l14_4xb4-60e_dfew-detected-faces',
          'ous_vit-l14_4xb4-60e_ferv39k-detected-faces',
          'ous_vit-l14_4xb4-60e_mafw-detected-faces', 'ous_vit-tiny-random_1xb16-20e_demo')


def mim(python: str, *args: str, cwd: str = REPO, **kwargs) -> subprocess.CompletedProcess:
    """`mim ...` run by the given interpreter (the environment it belongs to)."""
    return run([python, '-m', 'mim', *args], cwd=cwd, **kwargs)


def test_mim_search_lists_the_ous_configs_and_mim_train_runs_the_demo(tmp_path):
    from ous_mm.testing import make_demo_dataset
    proc = mim(sys.executable, 'search', 'ous_mm')
    for name in MODELS:
        assert f'config id: {name}\n' in proc.stdout
    assert 'configs/ous/ous_vit-l14_4xb4-60e_dfew.py' in proc.stdout
    root = str(tmp_path / 'demo')
    make_demo_dataset(root, clips_per_class=3, num_frames=8, size=64, seed=5)
    work = str(tmp_path / 'work')
    mim(sys.executable, 'train', 'ous_mm', 'configs/ous_demo.py', '--work-dir', work,
        *demo_options(root, 'train_cfg.max_epochs=1'))
    assert torch.load(osp.join(work, 'epoch_1.pth'))['meta']['epoch'] == 1


@pytest.fixture(scope='module')
def wheel_env(tmp_path_factory) -> dict:
    """A second environment with the stack and ous-mm installed from its wheel (--no-deps)."""
    tmp = tmp_path_factory.mktemp('wheel')
    run([sys.executable, '-m', 'pip', 'wheel', '--no-deps', '--no-build-isolation', '-q', REPO,
         '-w', str(tmp / 'dist')], timeout=300)
    wheel = glob.glob(str(tmp / 'dist' / 'ous_mm-*.whl'))
    assert len(wheel) == 1
    env = str(tmp / 'venv')
    subprocess.run([sys._base_executable, '-m', 'venv', env], check=True)
    python = osp.join(env, 'bin', 'python')
    code = 'import sysconfig; print(sysconfig.get_paths()["purelib"])'
    site = subprocess.run([python, '-c', code], check=True, capture_output=True,
                          text=True).stdout.strip()
    # the stack: this environment's packages, as a plain path (its own .pth files, e.g. the
    # editable ous-mm, are not read there)
    with open(osp.join(site, 'stack.pth'), 'w') as f:
        f.write(sysconfig.get_paths()['purelib'] + '\n')
    run([python, '-m', 'pip', 'install', '--no-deps', '--no-index', '-q', wheel[0]])
    return dict(python=python, site=site, tmp=str(tmp))


def test_the_wheel_imports_and_its_configs_are_reachable_as_ous_mm(wheel_env):
    cfg = osp.join(wheel_env['tmp'], 'mine.py')
    with open(cfg, 'w') as f:  # a stranger's config inheriting a shipped one
        f.write("_base_ = ['ous_mm::ous/ous_vit-tiny-random_1xb16-20e_demo.py']\n"
                "train_cfg = dict(max_epochs=3)\n")
    code = ('import ous_mm; from mmengine.config import Config; '
            f'cfg = Config.fromfile({cfg!r}); '
            'print(ous_mm.__file__, ous_mm.__version__, cfg.model.type, cfg.train_cfg.max_epochs)')
    out = run([wheel_env['python'], '-c', code], cwd=wheel_env['tmp']).stdout.split()
    assert out[0].startswith(wheel_env['site'])  # the wheel's copy, not the repository's
    assert out[1:] == ['0.1.0', 'OUSRecognizer', '3']
    # and mim finds its model index there
    proc = mim(wheel_env['python'], 'search', 'ous_mm', '--field', 'config',
               cwd=wheel_env['tmp'])
    assert 'configs/ous/ous_vit-l14_4xb4-60e_ferv39k.py' in proc.stdout
