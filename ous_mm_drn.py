"""A stand-in for ``mmaction.models.localizers.drn``, which mmaction2 1.2.0 on PyPI lacks.

The folder ``mmaction/models/localizers/drn/`` has no ``__init__.py`` upstream, so the wheel
and the sdist leave it out and ``import mmaction.models`` fails with ``No module named
'mmaction.models.localizers.drn'``. :func:`install` appends a finder to ``sys.meta_path``
that answers for that package (and its ``drn`` module) only, and only after every other
finder found nothing: an mmaction2 that has the real folder (e.g. installed from git) is
untouched. Building ``DRN`` from the registry then raises an error that says why.

Run at interpreter start-up by ``ous_mm_drn.pth`` (written into the environment's
site-packages by ``tools/install.sh``), so stock MMAction2 tools, ``mim run`` and a plain
``import mmaction.models`` work; :mod:`ous_mm.compat` installs it too, for environments
without that file. Nothing heavier than ``importlib.machinery`` is imported until the
stand-in is used.
"""
# annotations are not evaluated: `typing` would cost every start-up milliseconds
from __future__ import annotations
import importlib.machinery
import sys
import types
from collections.abc import Sequence

PACKAGE = 'mmaction.models.localizers.drn'
MODULE = PACKAGE + '.drn'


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
