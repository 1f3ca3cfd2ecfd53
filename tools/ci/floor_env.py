"""The floor test: ous-mm from its wheel on the oldest stack that ``pyproject.toml`` accepts.

1. A new virtual environment with ``requirements/floor.txt`` (torch, numpy, mmengine, mmcv,
   mmdet, mmaction2 and open_clip at the lower bounds of ``pyproject.toml``, everything else
   as pip resolved it against them), mmcv built from source against that torch, and ous-mm
   installed from a wheel of a copy of the repository (what a clone has, with uncommitted
   edits), as ``tools/install.sh`` installs the project's environment otherwise (the face
   packages without their pins, ``python -m ous_mm_drn enable``,
   ``python -m ous_mm_safe_load enable``).
2. Checks: the environment holds exactly the distributions of ``requirements/floor.txt``;
   ``import ous_mm`` is the wheel's, with the floor's torch.
3. :data:`TESTS` (the tests not marked slow of those files: the malicious-checkpoint and
   -weights cases, the model, the stack fixes, the datasets), from the copy, against the wheel.
4. The demo config's one epoch (``tools/train.py``) and its test (``tools/test.py``) on a
   small generated demo set.

pip's cache for this environment is its own (``--pip-cache``): pip keys a wheel it built by
the sdist's address, not by the torch it was built against, so in one cache an mmcv built for
the project's torch would be taken here (and the floor's for the project). With that cache warm
the test took 17.5 minutes on 2 cores shared with other work (load about 10); cold, the mmcv
build adds about 10 minutes. ``.ci/run`` runs it after the stranger test; it prints the wall
time of each phase.

Usage: ``python tools/ci/floor_env.py [--work-dir DIR] [--keep] [--pip-cache DIR]``
"""
import argparse
import glob
import os
import os.path as osp
import re
import shutil
import sys
import tempfile
import time

from stranger_env import REPO, copy_clone, finish, run

FLOOR = osp.join(REPO, 'requirements', 'floor.txt')
# the tests not marked slow of these files: safety of checkpoints, weights and dumps on the
# floor's torch (test_compat, test_bad_inputs, test_dump_results), the model and its optimizer
# (test_models), registration (test_registry), the datasets (test_datasets)
TESTS = ('tests/test_compat.py', 'tests/test_bad_inputs.py', 'tests/test_dump_results.py',
         'tests/test_models.py', 'tests/test_registry.py', 'tests/test_datasets.py')
FACE_PACKAGES = ('facenet-pytorch', 'yuface', 'py-feat')
DEMO_EPOCH_METRICS = re.compile(r'Epoch\(test\).*')
UAR_WAR = re.compile(r'dfer/(?:UAR|WAR): [0-9.]+')
WHICH = r"""
import importlib.metadata as md, ous_mm, torch, numpy, mmengine, mmcv, mmcv.ops, mmdet, mmaction
import open_clip, sys
print(ous_mm.__file__)
for name in ('torch', 'numpy', 'mmengine', 'mmcv', 'mmdet', 'mmaction2', 'open_clip_torch'):
    print(name, md.version(name))
"""


def pins(path: str) -> dict:
    """``name -> version`` of a requirements file of ``name==version`` lines."""
    found = {}
    with open(path) as f:
        for line in f:
            line = line.split('#')[0].strip()
            if line:
                name, version = line.split('==')
                found[re.sub(r'[-_.]+', '-', name).lower()] = version
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--work-dir', help='where to build (default: a new temporary folder; '
                        'its ous-mm/, venv/ and run/ are made anew)')
    parser.add_argument('--keep', action='store_true', help='keep the work folder')
    parser.add_argument('--pip-cache', default=osp.expanduser('~/.cache/ous-mm-floor/pip'),
                        help='pip cache of this environment (default: %(default)s): not the '
                        "project's, whose mmcv wheel was built against another torch")
    args = parser.parse_args()
    work = args.work_dir or tempfile.mkdtemp(prefix='ous_mm_floor_')
    os.makedirs(work, exist_ok=True)
    clone, venv, rundir, dist = (osp.join(work, n) for n in ('ous-mm', 'venv', 'run', 'dist'))
    log = osp.join(work, 'floor_env.log')
    for path in (clone, venv, rundir, dist):
        shutil.rmtree(path, ignore_errors=True)
    os.makedirs(rundir)
    times = {}
    start = t = time.time()

    def phase(what: str) -> None:
        nonlocal t
        times[what] = time.time() - t
        t = time.time()

    copy_clone(clone)
    # nothing of the calling environment: no PYTHONPATH (a checkout), no user site, no venv
    env = {k: v for k, v in os.environ.items()
           if k not in ('PYTHONPATH', 'VIRTUAL_ENV', 'PYTHONHOME', 'PIP_CONSTRAINT')}
    env.update(PYTHONNOUSERSITE='1', PYTHONUNBUFFERED='1', PYTHONDONTWRITEBYTECODE='1',
               PIP_CACHE_DIR=args.pip_cache, PIP_DISABLE_PIP_VERSION_CHECK='1', VIRTUAL_ENV=venv,
               PATH=osp.join(venv, 'bin') + os.pathsep + os.environ.get('PATH', ''))
    python = osp.join(venv, 'bin', 'python')
    pip = [python, '-m', 'pip', 'install', '-q', '-c', FLOOR]
    run([getattr(sys, '_base_executable', sys.executable), '-m', 'venv', venv], env, clone, log)
    run(pip + ['pip', 'setuptools', 'wheel'], env, clone, log)  # setuptools < 70: mmcv's build
    run(pip + ['torch', 'torchvision'], env, clone, log)
    # no build isolation: mmcv's setup.py compiles its ops against the installed torch
    run(pip + ['--no-build-isolation', 'mmcv'], dict(env, MMCV_WITH_OPS='1', MAX_JOBS=str(
        os.cpu_count() or 1)), clone, log)
    run([python, '-c', 'import mmcv.ops'], env, clone, log)
    phase('torch and mmcv (built, or from this pip cache)')

    run([python, '-m', 'pip', 'wheel', '-q', '--no-deps', '--no-build-isolation', clone,
         '-w', dist], env, clone, log)
    wheel = glob.glob(osp.join(dist, 'ous_mm-*.whl'))
    if len(wheel) != 1:
        sys.exit(f'FAILED: expected one ous-mm wheel in {dist}, found {wheel}')
    run(pip + ['--no-build-isolation', f'{wheel[0]}[test]'], env, clone, log)
    run(pip + ['--no-deps', *FACE_PACKAGES], env, clone, log)  # as tools/install.sh: no pins
    run([python, '-m', 'ous_mm_drn', 'enable'], env, rundir, log)
    run([python, '-m', 'ous_mm_safe_load', 'enable'], env, rundir, log)
    phase('ous-mm from its wheel, with the rest of the floor stack')

    frozen = run([python, '-m', 'pip', 'list', '--format=freeze'], env, clone, log).stdout
    installed = {re.sub(r'[-_.]+', '-', n).lower(): v
                 for n, v in (line.split('==') for line in frozen.split())}
    installed.pop('ous-mm', None)
    if installed != pins(FLOOR):
        diff = sorted(set(installed.items()) ^ set(pins(FLOOR).items()))
        sys.exit(f'FAILED: the environment differs from {FLOOR} (installed or pinned, not both): '
                 f'{diff}\nPin what landed there (`pip list --format=freeze` of {venv}).')
    # -I: nothing from the working directory (the copy's ous_mm/) or PYTHONPATH
    which = run([python, '-I', '-c', WHICH], env, rundir, log).stdout.split('\n')
    if not which[0].startswith(venv):
        sys.exit(f'FAILED: ous_mm was imported from {which[0]}, not from the wheel in {venv}')
    stack = ', '.join(line.strip() for line in which[1:] if line.strip())
    print(f'floor stack: {stack}', flush=True)

    # python -P: the copy's root stays off sys.path, so `import ous_mm` is the wheel's
    run([python, '-P', '-m', 'pytest', '-q', '-p', 'no:cacheprovider', '-m', 'not slow',
         *TESTS], env, clone, log)
    phase(f'{len(TESTS)} test files ({", ".join(osp.basename(f) for f in TESTS)})')

    data = osp.join(rundir, 'demo')
    run([python, '-c', 'import sys; from ous_mm.testing import make_demo_dataset; '
         'make_demo_dataset(sys.argv[1], clips_per_class=4, num_frames=8, size=64)', data],
        env, rundir, log)
    options = ['--cfg-options', 'train_cfg.max_epochs=1']
    for loader in ('train', 'val', 'test'):
        options += [f'{loader}_dataloader.dataset.data_root={data}',
                    f'{loader}_dataloader.batch_size=4']
    demo = osp.join(clone, 'configs', 'ous_demo.py')
    work_dir = osp.join(rundir, 'work_dirs', 'demo')
    run([python, osp.join(clone, 'tools', 'train.py'), demo, '--work-dir', work_dir, *options],
        env, rundir, log)
    test = run([python, osp.join(clone, 'tools', 'test.py'), demo,
                osp.join(work_dir, 'epoch_1.pth'), '--work-dir', work_dir, *options],
               env, rundir, log)
    metrics = DEMO_EPOCH_METRICS.search(test.stdout)
    metrics = UAR_WAR.findall(metrics.group(0)) if metrics else []
    if len(metrics) != 2:
        sys.exit(f'FAILED: tools/test.py printed no UAR and WAR\n{test.stdout[-3000:]}')
    phase('the demo config: one epoch of tools/train.py, then tools/test.py')

    print(f'\nfloor test passed on {stack}\n  demo, 1 epoch: {", ".join(metrics)}')
    finish(times, start, log, work, args)


if __name__ == '__main__':
    main()
