"""A stand-in for ``mmaction.models.localizers.drn``, which mmaction2 1.2.0 on PyPI lacks.

The folder ``mmaction/models/localizers/drn/`` has no ``__init__.py`` upstream, so setuptools'
package discovery skips it (and everything below it) and ``import mmaction.models`` fails with
``No module named 'mmaction.models.localizers.drn'`` (open-mmlab/mmaction2#2714).
:func:`install` appends a finder to ``sys.meta_path`` that answers for that package (and its
``drn`` module) only, and only after every other finder found nothing: an mmaction2 that has
the real folder is untouched. Building ``DRN`` from the registry then raises an error that says
why.

``import ous_mm`` installs it for its own process (:mod:`ous_mm.compat`). For every process of an
environment (MMAction2's scripts that import ``mmaction.models`` before a config's
``custom_imports``, ``python -c "import mmaction.models"``), ``python -m ous_mm_drn enable``
writes ``ous_mm_drn.pth`` into the environment's site-packages, which runs :func:`install` at
interpreter start-up (``tools/install.sh`` does this for the project's environment);
``python -m ous_mm_drn disable`` removes it. Nothing heavier than ``importlib.machinery`` is
imported at start-up until the stand-in is used.
"""
# annotations are not evaluated: `typing` would cost every start-up milliseconds
from __future__ import annotations
import importlib.machinery
import os
import sys
import types
from collections.abc import Sequence

PACKAGE = 'mmaction.models.localizers.drn'
MODULE = PACKAGE + '.drn'
PTH_NAME = 'ous_mm_drn.pth'
# the start-up line: does nothing once ous-mm (this module) is uninstalled
PTH_LINE = ("import importlib.util; importlib.util.find_spec('ous_mm_drn') "
            "and __import__('ous_mm_drn').install()\n")


class DRN:
    """Stand-in for the DRN localizer missing from the mmaction2 1.2.0 package."""

    def __init__(self, *args, **kwargs) -> None:
        raise ImportError(
            'DRN is missing from the mmaction2 1.2.0 package on PyPI '
            '(mmaction/models/localizers/drn/ was not packaged); install '
            'mmaction2 from its git repository to use it.')


class DRNStandInFinder:
    """Finds and loads the stand-in package ``mmaction.models.localizers.drn``.

    A meta path finder and loader by protocol; not derived from ``importlib.abc``, whose
    import would add milliseconds to every interpreter start-up.
    """

    def find_spec(self,
                  fullname: str,
                  path: Sequence[str] | None = None,
                  target: types.ModuleType | None = None
                  ) -> importlib.machinery.ModuleSpec | None:
        if fullname not in (PACKAGE, MODULE):
            return None
        return importlib.machinery.ModuleSpec(
            fullname, self, is_package=fullname == PACKAGE)

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> None:
        return None  # the default module

    def exec_module(self, module: types.ModuleType) -> None:
        module.DRN = DRN
        if module.__name__ == MODULE:
            # where the real module registers it (`from .drn.drn import DRN` imports this)
            from mmaction.registry import MODELS
            MODELS.register_module(name='DRN', module=DRN)


def install() -> bool:
    """Append the stand-in's finder to ``sys.meta_path`` once.

    Returns:
        bool: Whether this call added it.
    """
    if any(isinstance(f, DRNStandInFinder) for f in sys.meta_path):
        return False
    sys.meta_path.append(DRNStandInFinder())
    return True


def startup_file_cli(prog: str, pth_name: str, pth_line: str, what: str,
                     argv: Sequence[str] | None = None) -> None:
    """``python -m PROG enable|disable``: write or remove a start-up (``.pth``) file.

    Args:
        prog (str): The module run with ``-m``.
        pth_name (str): The file's name in this interpreter's site-packages.
        pth_line (str): Its one line, run by Python at every start-up.
        what (str): What the file does, for the help and the message.
        argv (Sequence[str], optional): The arguments. Defaults to ``sys.argv[1:]``.
    """
    import argparse
    import sysconfig
    parser = argparse.ArgumentParser(prog=f'python -m {prog}',
                                     description=f'{what} (enable), or stop (disable).')
    parser.add_argument('action', choices=['enable', 'disable'])
    args = parser.parse_args(argv)
    path = os.path.join(sysconfig.get_paths()['purelib'], pth_name)
    if args.action == 'enable':
        # all or nothing: Python reads every .pth file at start-up
        from ous_mm.fileio import AtomicLocalBackend
        AtomicLocalBackend().put_text(pth_line, path)
        print(f'wrote {path}: {what}, in every process of {sys.prefix}')
    elif os.path.exists(path):
        os.remove(path)
        print(f'removed {path}')
    else:
        print(f'{path} does not exist: nothing to remove')


def main(argv: Sequence[str] | None = None) -> None:
    """``python -m ous_mm_drn enable|disable``: write or remove ``ous_mm_drn.pth``."""
    startup_file_cli('ous_mm_drn', PTH_NAME, PTH_LINE,
                     '`import mmaction.models` works with the drn stand-in', argv)


if __name__ == '__main__':
    main()
