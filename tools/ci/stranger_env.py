"""The stranger test: the README's "Use ous-mm components from another MM codebase", as a user
would run it, in an environment that ous-mm's own set-up never touched.

1. A new virtual environment with the tested OpenMMLab stack and nothing of ous-mm
   (``bash tools/install.sh --stack-only``: pip's cache holds the mmcv wheel built by the main
   install, so nothing is compiled again), in which ``import mmaction.models`` must fail as the
   README says (mmaction2 1.2.0 on PyPI lacks ``mmaction/models/localizers/drn``). Where the
   project's environment (``.venv``) exists, its torch, torchvision, triton and CUDA libraries
   (the same pinned builds) are shared into the new one read-only, through a ``.pth`` file,
   instead of a second 3 GB download (docs/stack.md); mmcv, mmengine, mmdet and mmaction2 are
   installed anew.
2. A copy of the repository's files (what a clone has, with uncommitted edits) as ``$OUS_MM``.
3. Every code block of that README section, word for word and in order, in a folder outside the
   copy: ``bash`` blocks run there (the new environment first on ``PATH``), a ``python`` block
   whose info string names a file (``python title="my.py"``) is written to that file. A block of
   any other kind is an error, so the section holds nothing this script does not run.
   Before the blocks, ``pip install --dry-run`` of a wheel of the copy (as the README installs
   it, with its dependencies) must list no distribution that the environment already has: ous-mm
   adds what is missing and changes no version of a working stack.
4. Checks: every block succeeded; every distribution of the stack kept its version; at least 3
   training ways left an ``epoch_1.pth`` under ``work_dirs/``; at least 3 test runs, all with
   the same metrics (one config, one seed, deterministic: only the way differs); no "Failed to
   search registry" warning anywhere.

Too slow for the test suite (a new environment with torch); ``.ci/run`` runs it after
``make test``. Prints the wall time of each phase.

Usage: ``python tools/ci/stranger_env.py [--work-dir DIR] [--keep]``
"""
import argparse
import glob
import json
import os
import os.path as osp
import re
import shutil
import subprocess
import sys
import tempfile
import time
from typing import Dict, List, Tuple

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
SECTION = 'Use ous-mm components from another MM codebase'
TEST_METRICS = re.compile(r'Epoch\(test\).*')
METRIC = re.compile(r'(dfer/\w+): (-?[0-9.]+)')
TORCH_FILES = r"""
import importlib.metadata as md, os.path as osp, re
tops = set()
for d in md.distributions():
    if re.fullmatch(r'torch|torchvision|triton|nvidia-.*', d.metadata['Name'].lower()):
        tops.update(osp.realpath(d.locate_file(f.parts[0])) for f in d.files if f.parts[0] != '..')
print('\n'.join(sorted(tops)))
"""


def readme_steps(readme: str) -> List[Tuple[str, str, str]]:
    """The code blocks of the README section, in order.

    Args:
        readme (str): Path of README.md.

    Returns:
        list: ``(kind, name, text)`` with kind ``'bash'`` (name ``''``) or ``'file'``
        (name: the file the block is written to).
    """
    with open(readme, encoding='utf-8') as f:
        text = f.read()
    start = text.find(f'\n## {SECTION}\n')
    if start < 0:
        raise ValueError(f'{readme} has no section "## {SECTION}"')
    body_start = start + len(SECTION) + 5  # after '\n## ' SECTION '\n'
    body = text[body_start:]
    heading = re.search(r'^#{1,6} ', body, re.M)
    body = body[:heading.start()] if heading else body
    steps = []
    for m in re.finditer(r'^```([^\n]*)\n(.*?)^```$', body, re.M | re.S):
        info, code = m.group(1).strip(), m.group(2)
        line = text[:body_start + m.start()].count('\n') + 1
        title = re.fullmatch(r'python title="([\w.-]+\.py)"', info)
        if info == 'bash':
            steps.append(('bash', '', code))
        elif title:
            steps.append(('file', title.group(1), code))
        else:
            raise ValueError(
                f'{readme}:{line}: a block of "{SECTION}" with info string {info!r}; this '
                'script runs only ```bash blocks and writes only ```python title="NAME.py" '
                'blocks, so give the block one of these or move it out of the section')
    if not steps:
        raise ValueError(f'{readme}: no code block in "## {SECTION}"')
    return steps


def copy_clone(dest: str) -> None:
    """Copy what a clone of the repository holds (tracked and new, not ignored, files)."""
    files = subprocess.run(['git', 'ls-files', '-z', '-co', '--exclude-standard'], cwd=REPO,
                           check=True, capture_output=True).stdout.decode().split('\0')
    for name in filter(None, files):
        src = osp.join(REPO, name)
        if not osp.lexists(src):  # deleted in the working tree, not yet in git
            continue
        os.makedirs(osp.dirname(osp.join(dest, name)), exist_ok=True)
        shutil.copy2(src, osp.join(dest, name), follow_symlinks=False)


def share_torch(venv: str, shared: str, env: Dict[str, str], log: str) -> None:
    """Create ``venv`` with the project environment's torch family importable from it.

    Args:
        venv (str): The new environment (created here).
        shared (str): A new folder for links to the project environment's torch, torchvision,
            triton and nvidia-* files; a ``.pth`` file in ``venv`` puts it on ``sys.path``,
            where pip finds them installed at the pinned versions.
        env (dict): The environment of the commands.
        log (str): The log file.
    """
    project = osp.join(REPO, '.venv', 'bin', 'python')
    run([env['PYTHON'], '-m', 'venv', venv], env, REPO, log)
    if not osp.exists(project):
        print(f'{project} does not exist: install.sh downloads torch', flush=True)
        return
    # each distribution's top-level entries in site-packages (scripts under ../bin are left out)
    listing = run([project, '-c', TORCH_FILES], env, REPO, log).stdout.split()
    os.makedirs(shared)
    for path in listing:
        os.symlink(path, osp.join(shared, osp.basename(path)))
    site = run([osp.join(venv, 'bin', 'python'), '-c',
                'import sysconfig; print(sysconfig.get_paths()["purelib"])'],
               env, REPO, log).stdout.strip()
    with open(osp.join(site, 'ous_mm_ci_shared_torch.pth'), 'w') as f:
        f.write(shared + '\n')
    print(f'shared {len(listing)} entries of torch, torchvision, triton and nvidia-* from '
          f'{project}', flush=True)


def installed(python: str, env: Dict[str, str], log: str) -> Dict[str, str]:
    """``name -> version`` of every distribution of an environment (names normalised)."""
    frozen = run([python, '-m', 'pip', 'list', '--format=json'], env, REPO, log).stdout
    return {re.sub(r'[-_.]+', '-', d['name']).lower(): d['version'] for d in json.loads(frozen)}


def dry_run_changes(python: str, wheel: str, env: Dict[str, str], log: str,
                    report: str) -> List[str]:
    """What ``pip install --dry-run WHEEL`` would replace: ``name old -> new`` of each
    distribution it would install that the environment already has."""
    before = installed(python, env, log)
    run([python, '-m', 'pip', 'install', '--dry-run', '-q', '--report', report, wheel], env,
        REPO, log)
    with open(report) as f:
        plan = json.load(f)['install']
    changes = []
    for item in plan:
        name = re.sub(r'[-_.]+', '-', item['metadata']['name']).lower()
        if name in before:
            changes.append(f'{name} {before[name]} -> {item["metadata"]["version"]}')
    return changes


def run(cmd: List[str], env: Dict[str, str], cwd: str, log: str,
        check: bool = True) -> subprocess.CompletedProcess:
    """Run a command, append its output to the log, fail with its tail."""
    print(f'$ {" ".join(cmd)[:300]}', flush=True)
    proc = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, errors='replace')
    with open(log, 'a') as f:
        f.write(f'$ {" ".join(cmd)}\n{proc.stdout}\n[exit {proc.returncode}]\n')
    if check and proc.returncode != 0:
        sys.exit(f'FAILED (exit {proc.returncode}): {" ".join(cmd)[:2000]}\n'
                 f'{proc.stdout[-8000:]}\nwhole log: {log}')
    return proc


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--work-dir', help='where to build (default: a new temporary folder; '
                        'its ous-mm/, venv/ and mine/ are made anew)')
    parser.add_argument('--keep', action='store_true', help='keep the work folder')
    args = parser.parse_args()
    steps = readme_steps(osp.join(REPO, 'README.md'))  # a bad README fails before the build
    work = args.work_dir or tempfile.mkdtemp(prefix='ous_mm_stranger_')
    os.makedirs(work, exist_ok=True)
    clone, venv, mine, shared = (osp.join(work, n)
                                 for n in ('ous-mm', 'venv', 'mine', 'shared-torch'))
    log = osp.join(work, 'stranger_env.log')
    # always a new environment: one left by an earlier run holds its ous-mm and .pth
    for path in (clone, venv, mine, shared):
        shutil.rmtree(path, ignore_errors=True)
    os.makedirs(mine)
    times = {}
    start = time.time()

    copy_clone(clone)
    # nothing of the calling environment: no PYTHONPATH (a checkout), no user site, no venv
    env = {k: v for k, v in os.environ.items()
           if k not in ('PYTHONPATH', 'VIRTUAL_ENV', 'PYTHONHOME')}
    env.update(PYTHONNOUSERSITE='1', PYTHONUNBUFFERED='1', PYTHONDONTWRITEBYTECODE='1',
               PYTHON=getattr(sys, '_base_executable', sys.executable))
    share_torch(venv, shared, env, log)
    run(['bash', osp.join(clone, 'tools', 'install.sh'), '--stack-only'],
        dict(env, OUS_VENV=venv), clone, log)
    times['environment with the stack (install.sh --stack-only)'] = time.time() - start

    python = osp.join(venv, 'bin', 'python')
    dist = osp.join(work, 'dist')
    run([python, '-m', 'pip', 'wheel', '-q', '--no-deps', '--no-build-isolation', clone, '-w',
         dist], env, clone, log)
    changes = dry_run_changes(python, glob.glob(osp.join(dist, 'ous_mm-*.whl'))[0], env, log,
                              osp.join(work, 'dry_run.json'))
    if changes:
        sys.exit('FAILED: `pip install --dry-run` of the wheel would change the stack: '
                 f'{changes}; a bound of pyproject.toml excludes a version of the tested stack')
    print('pip install --dry-run of the wheel: nothing installed would change', flush=True)
    stack = installed(python, env, log)
    times['the wheel, and pip install --dry-run of it'] = time.time() - start - sum(
        times.values())

    user_env = dict(env, VIRTUAL_ENV=venv, OUS_MM=clone,
                    PATH=osp.join(venv, 'bin') + os.pathsep + env.get('PATH', ''))
    proc = run(['python', '-c', 'import mmaction.models'], user_env, mine, log, check=False)
    if proc.returncode == 0 or 'mmaction.models.localizers.drn' not in proc.stdout:
        sys.exit('`import mmaction.models` no longer fails for the missing drn folder in a '
                 'fresh environment: update the README ("Use ous-mm components from another '
                 f'MM codebase") and docs/stack.md.\n{proc.stdout[-3000:]}')

    output = ''
    for i, (kind, name, text) in enumerate(steps, 1):
        t = time.time()
        if kind == 'file':
            with open(osp.join(mine, name), 'w') as f:
                f.write(text)
            continue
        proc = run(['bash', '-euxo', 'pipefail', '-c', text], user_env, mine, log)
        output += proc.stdout
        times[f'README block {i}: {text.splitlines()[0][:70]}'] = time.time() - t

    ckpts = sorted(glob.glob(osp.join(mine, 'work_dirs', '*', 'epoch_1.pth')))
    tests = [dict(METRIC.findall(m.group(0))) for m in TEST_METRICS.finditer(output)]
    tests = [t for t in tests if t]
    problems = []
    after = installed(python, env, log)
    moved = [f'{n} {v} -> {after.get(n)}' for n, v in stack.items() if after.get(n) != v]
    if moved:
        problems.append(f'installing ous-mm changed the stack: {moved}')
    if len(ckpts) < 3:
        problems.append(f'fewer than 3 training ways left an epoch_1.pth: {ckpts}')
    # dfer/nll: a continuous value, equal only where the runs are (UAR may be one class's)
    if len(tests) < 3 or 'dfer/nll' not in tests[0] or any(t != tests[0] for t in tests):
        problems.append(f'test runs printed different metrics: {tests}')
    if 'Failed to search registry' in output:
        problems.append('a registry scope was not found ("Failed to search registry")')
    if problems:
        sys.exit('FAILED: ' + '; '.join(problems) + f'\nwhole log: {log}')

    print(f'\nstranger test passed: {len(ckpts)} training ways, {len(tests)} test runs with '
          f'the same metrics ({", ".join(f"{k} {v}" for k, v in tests[0].items() if k in ("dfer/UAR", "dfer/WAR"))})')  # noqa: E501
    finish(times, start, log, work, args)


def finish(times: Dict[str, float], start: float, log: str, work: str, args) -> None:
    """Print each phase's wall time and the total; remove the work folder unless kept."""
    for what, seconds in times.items():
        print(f'  {seconds:7.1f} s  {what}')
    print(f'  {time.time() - start:7.1f} s  in all (log: {log})')
    if not args.keep and not args.work_dir:
        shutil.rmtree(work)


if __name__ == '__main__':
    main()
