"""ous-mm installs and is found like an OpenMMLab project: mim, `ous_mm::` configs, a wheel;
the environment's OpenCV; the README section that the stranger test runs."""
import glob
import importlib.metadata
import os.path as osp
import re
import runpy
import subprocess
import sys
import sysconfig

import pytest
import torch

from conftest import REPO, demo_options, run

MODELS = ('ous_vit-l14_4xb4-60e_dfew', 'ous_vit-l14_4xb4-60e_ferv39k',
          'ous_vit-l14_4xb4-60e_mafw', 'ous_vit-l14_4xb4-60e_dfew-detected-faces',
          'ous_vit-l14_4xb4-60e_ferv39k-detected-faces',
          'ous_vit-l14_4xb4-60e_mafw-detected-faces', 'ous_vit-tiny-random_1xb16-20e_demo')


def mim(python: str, *args: str, cwd: str = REPO, **kwargs) -> subprocess.CompletedProcess:
    """`mim ...` run by the given interpreter (the environment it belongs to)."""
    return run([python, '-m', 'mim', *args], cwd=cwd, **kwargs)


def test_mim_search_lists_the_ous_configs_and_mim_train_runs_the_demo(tmp_path, safe_loading):
    from ous_mm.testing import make_demo_dataset
    proc = mim(sys.executable, 'search', 'ous_mm')
    for name in MODELS:
        assert f'config id: {name}\n' in proc.stdout
    assert 'configs/ous/ous_vit-l14_4xb4-60e_dfew.py' in proc.stdout
    root = str(tmp_path / 'demo')
    make_demo_dataset(root, clips_per_class=3, num_frames=8, size=64, seed=5)
    work = str(tmp_path / 'work')
    mim(sys.executable, 'train', 'ous_mm', 'configs/ous_demo.py', '--work-dir', work,
        *demo_options(root, 'train_cfg.max_epochs=1', workers=0))
    assert torch.load(osp.join(work, 'epoch_1.pth'))['meta']['epoch'] == 1


# The wheel's tests build a wheel and a second environment (about a minute): `make test-slow`,
# which CI runs after `make test`.
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
    run([python, '-I', '-m', 'pip', 'install', '--no-deps', '--no-index', '-q', wheel[0]])
    return dict(python=python, site=site, tmp=str(tmp))


@pytest.mark.slow
def test_the_wheel_imports_and_its_configs_are_reachable_as_ous_mm(wheel_env):
    cfg = osp.join(wheel_env['tmp'], 'mine.py')
    with open(cfg, 'w') as f:  # a stranger's config inheriting a shipped one
        f.write("_base_ = ['ous_mm::ous/ous_vit-tiny-random_1xb16-20e_demo.py']\n"
                "train_cfg = dict(max_epochs=3)\n")
    # the Runner builds what the config inherited in the scope `ous_mm` (`_scope_`): the model,
    # hooks, visualizer and optimizer are found through ous-mm's registries
    code = ('import ous_mm\n'
            'from mmengine.config import Config\n'
            'from mmengine.runner import Runner\n'
            'ous_mm.setup_env()  # ous_mm:: configs (README, "From Python")\n'
            f'cfg = Config.fromfile({cfg!r}); cfg.work_dir = {wheel_env["tmp"]!r} + "/work"\n'
            'runner = Runner.from_cfg(cfg)\n'
            'runner.optim_wrapper = runner.build_optim_wrapper(cfg.optim_wrapper)\n'
            "print('RESULT', ous_mm.__file__, ous_mm.__version__, cfg.model._scope_,\n"
            '      type(runner.model).__name__, type(runner.optim_wrapper.optimizer).__name__,\n'
            '      cfg.train_cfg.max_epochs)')
    # -I: nothing from PYTHONPATH (e.g. a checkout) or the working directory
    proc = run([wheel_env['python'], '-I', '-c', code], cwd=wheel_env['tmp'])
    out = [line.split()[1:] for line in proc.stdout.splitlines() if line.startswith('RESULT')]
    assert len(out) == 1, proc.stdout
    assert out[0][0].startswith(wheel_env['site'])  # the wheel's copy, not the repository's
    assert out[0][1:] == ['0.1.0', 'ous_mm', 'OUSRecognizer', 'Adam', '3']
    assert 'Failed to search registry' not in proc.stdout + proc.stderr
    # and mim finds its model index there
    proc = mim(wheel_env['python'], 'search', 'ous_mm', '--field', 'config',
               cwd=wheel_env['tmp'])
    assert 'configs/ous/ous_vit-l14_4xb4-60e_ferv39k.py' in proc.stdout


@pytest.mark.slow
def test_the_wheel_leaves_mmaction_models_alone_until_ous_mm_drn_is_enabled(wheel_env):
    """mmaction2 1.2.0's wheel lacks the drn folder; `python -m ous_mm_drn enable` is opt-in."""
    python, site = wheel_env['python'], wheel_env['site']
    check = ('import sys, mmaction.models; '
             "print(type(sys.modules['mmaction.models.localizers.drn'].__spec__.loader).__module__,"
             " 'ous_mm' in sys.modules)")
    proc = run([python, '-I', '-c', check], cwd=wheel_env['tmp'], check=False)
    assert proc.returncode != 0
    assert "No module named 'mmaction.models.localizers.drn'" in proc.stderr
    assert not osp.exists(osp.join(site, 'ous_mm_drn.pth'))
    try:
        run([python, '-I', '-m', 'ous_mm_drn', 'enable'], cwd=wheel_env['tmp'])
        with open(osp.join(site, 'ous_mm_drn.pth')) as f:
            assert 'ous_mm_drn' in f.read()
        assert glob.glob(osp.join(site, '*.tmp*')) == []
        out = run([python, '-I', '-c', check], cwd=wheel_env['tmp']).stdout.split()
        assert out == ['ous_mm_drn', 'False']  # the stand-in, without importing ous_mm
    finally:
        run([python, '-I', '-m', 'ous_mm_drn', 'disable'], cwd=wheel_env['tmp'])
    assert not osp.exists(osp.join(site, 'ous_mm_drn.pth'))
    assert run([python, '-I', '-c', check], cwd=wheel_env['tmp'], check=False).returncode != 0


@pytest.mark.slow
def test_the_wheel_leaves_checkpoint_loading_alone_until_ous_mm_safe_load_is_enabled(
        wheel_env, tmp_path):
    """A checkpoint as MMEngine writes it (HistoryBuffer, pickled with getattr) loads in a process
    that never imports ous_mm only after `python -m ous_mm_safe_load enable`."""
    from mmengine.logging import HistoryBuffer
    python, site = wheel_env['python'], wheel_env['site']
    path = str(tmp_path / 'epoch_1.pth')
    torch.save({'meta': {'epoch': 1}, 'state_dict': {'w': torch.ones(1)},
                'message_hub': {'log_scalars': {'loss': HistoryBuffer([0.5], [1])}}}, path)
    check = ('from mmengine.runner.checkpoint import _load_checkpoint; '
             f"print('epoch', _load_checkpoint({path!r}, map_location='cpu')['meta']['epoch'])")
    proc = run([python, '-I', '-c', check], cwd=wheel_env['tmp'], check=False)
    assert proc.returncode != 0 and 'Weights only load failed' in proc.stderr, proc.stderr
    try:
        run([python, '-I', '-m', 'ous_mm_safe_load', 'enable'], cwd=wheel_env['tmp'])
        with open(osp.join(site, 'ous_mm_safe_load.pth')) as f:
            assert 'ous_mm_safe_load' in f.read()
        assert 'epoch 1' in run([python, '-I', '-c', check],
                                cwd=wheel_env['tmp']).stdout.splitlines()
    finally:
        run([python, '-I', '-m', 'ous_mm_safe_load', 'disable'], cwd=wheel_env['tmp'])
    assert not osp.exists(osp.join(site, 'ous_mm_safe_load.pth'))
    assert run([python, '-I', '-c', check], cwd=wheel_env['tmp'], check=False).returncode != 0


def test_one_opencv_with_the_haar_cascades():
    """mmcv/mmengine pull opencv-python, mmaction2 opencv-contrib-python: one cv2/ folder.

    At one 4.x version (requirements/constraints.txt) either install order leaves a cv2 with
    CascadeClassifier and the cascades; opencv-python 5.0 has neither.
    """
    import cv2
    versions = {d: importlib.metadata.version(d)
                for d in ('opencv-python', 'opencv-contrib-python')}
    assert len(set(versions.values())) == 1, versions
    assert versions['opencv-python'].startswith(f'{cv2.__version__}.'), (versions, cv2.__file__)
    assert hasattr(cv2, 'CascadeClassifier'), f'{cv2.__file__} has no CascadeClassifier'
    cascade = osp.join(cv2.data.haarcascades, 'haarcascade_frontalface_default.xml')
    assert osp.isfile(cascade), f'{cascade} is missing'
    assert not cv2.CascadeClassifier(cascade).empty()


def test_every_distribution_in_the_environment_is_pinned():
    """requirements/constraints.txt pins each distribution that lands, at the installed version
    (tools/install.sh installs with it; a distribution it does not name would float)."""
    pins = {}
    with open(osp.join(REPO, 'requirements', 'constraints.txt')) as f:
        for line in f:
            line = line.split('#')[0].strip()
            if line:
                name, version = line.split('==')
                pins[re.sub(r'[-_.]+', '-', name).lower()] = version
    unpinned = {}
    for dist in importlib.metadata.distributions():
        name = re.sub(r'[-_.]+', '-', dist.metadata['Name']).lower()
        if name != 'ous-mm' and pins.get(name) != dist.version:
            unpinned[name] = (dist.version, pins.get(name))
    assert not unpinned, f'installed version vs pinned (None: not pinned): {unpinned}'


def test_the_stranger_test_runs_every_block_of_the_readme_section(tmp_path):
    """tools/ci/stranger_env.py reads its commands from the README, so they are the same."""
    script = runpy.run_path(osp.join(REPO, 'tools', 'ci', 'stranger_env.py'))
    steps = script['readme_steps'](osp.join(REPO, 'README.md'))
    files = {name for kind, name, _ in steps if kind == 'file'}
    commands = '\n'.join(text for kind, _, text in steps if kind == 'bash')
    assert {'my_ous_scoped.py', 'train_mine.py'} <= files
    for way in ('pip wheel --no-deps', 'mim train mmaction my_ous.py',
                'mim test mmaction my_ous.py', 'mim train ous_mm my_ous_scoped.py',
                'mim test ous_mm my_ous_scoped.py', 'python train_mine.py',
                'python -m ous_mm_drn enable', 'python -c "import mmaction.models"'):
        assert way in commands, way
    # a block it could not run is refused, naming the README line
    readme = tmp_path / 'README.md'
    readme.write_text(f'# x\n\n## {script["SECTION"]}\n\ntext\n\n```python\nx = 1\n```\n')
    with pytest.raises(ValueError, match=r'README.md:7: .*\'python\''):
        script['readme_steps'](str(readme))
