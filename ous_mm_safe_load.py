"""Safe loading of MMEngine checkpoints in every process of an environment, ous_mm imported or not.

torch >= 2.6 loads with ``weights_only=True``, which refuses MMEngine 0.10's own checkpoints
(their message hub holds ``HistoryBuffer`` and NumPy values): in a process that never imported
ous_mm, MMAction2's ``tools/test.py`` (``mim test mmaction``) cannot load a checkpoint that its
``tools/train.py`` wrote, stock models included. ``python -m ous_mm_safe_load enable`` writes
``ous_mm_safe_load.pth`` into the environment's site-packages (``tools/install.sh`` does this
for the project's environment); at interpreter start-up it runs :func:`install`, whose finder
waits for ``mmengine.runner.checkpoint`` to be imported and then wraps MMEngine's loader of
local files (``CheckpointLoader._schemes['']``). At the first checkpoint load that wrapper
applies what ``ous_mm.setup_env()`` applies (:func:`ous_mm.compat.patch_checkpoint_loading`):
``weights_only`` stays on, the types MMEngine checkpoints hold
(``ous_mm.fileio.pickle_allow_list.checkpoint_globals``) are added to torch's safe globals, and
any other pickled object is refused with ``UnsafeCheckpointError``.
``python -m ous_mm_safe_load disable`` removes the file.

Start-up imports nothing: ous_mm (and with it torch and mmaction) is imported at the first
checkpoint load only, when the process has them anyway.
"""
# annotations are not evaluated: `typing` would cost every start-up milliseconds
from __future__ import annotations
import sys
import types
from collections.abc import Sequence

TARGET = 'mmengine.runner.checkpoint'
PTH_NAME = 'ous_mm_safe_load.pth'
# the start-up line: does nothing once ous-mm (this module) is uninstalled
PTH_LINE = ("import importlib.util; importlib.util.find_spec('ous_mm_safe_load') "
            "and __import__('ous_mm_safe_load').install()\n")


def wrap_local_loader(checkpoint_loader: type) -> None:
    """Make MMEngine's loader of local files the safe one, ous_mm imported at its first call.

    Args:
        checkpoint_loader (type): ``mmengine.runner.checkpoint.CheckpointLoader``.
    """
    original = checkpoint_loader._schemes['']
    safe: list = []

    def load_from_local(filename: str, map_location) -> dict:
        if not safe:
            from ous_mm import compat
            compat.patch_checkpoint_loading()  # the allow-list; it keeps this loader (_ous_mm_safe)
            safe.append(compat._safe_local_loader(original))
        return safe[0](filename, map_location)

    load_from_local._ous_mm_safe = True  # what ous_mm.compat.patch_checkpoint_loading looks for
    checkpoint_loader._schemes[''] = load_from_local


class _WrapAfterExec:
    """The loader of ``mmengine.runner.checkpoint``: the real one, then :func:`wrap_local_loader`.

    Anything else (``get_source``, ``is_package``, ...) is the real loader's.
    """

    def __init__(self, loader) -> None:
        self._loader = loader

    def __getattr__(self, name: str):
        return getattr(self._loader, name)

    def create_module(self, spec) -> types.ModuleType | None:
        return self._loader.create_module(spec)

    def exec_module(self, module: types.ModuleType) -> None:
        self._loader.exec_module(module)
        wrap_local_loader(module.CheckpointLoader)


class CheckpointModuleFinder:
    """Finds ``mmengine.runner.checkpoint`` through the other finders and wraps its loader.

    A meta path finder by protocol; not derived from ``importlib.abc``, whose import would add
    milliseconds to every interpreter start-up. Every other name costs one comparison.
    """

    def find_spec(self, fullname: str, path: Sequence[str] | None = None,
                  target: types.ModuleType | None = None):
        if fullname != TARGET:
            return None
        for finder in sys.meta_path:
            find = getattr(finder, 'find_spec', None)
            if finder is self or find is None:
                continue
            spec = find(fullname, path, target)
            if spec is not None:
                if spec.loader is not None:
                    spec.loader = _WrapAfterExec(spec.loader)
                return spec
        return None


def install() -> bool:
    """Put the finder first on ``sys.meta_path``, once, before MMEngine's checkpoint module loads.

    Returns:
        bool: Whether this call added it (False: there already, or the module already imported,
        where ``ous_mm.setup_env()`` is the way).
    """
    if TARGET in sys.modules or any(isinstance(f, CheckpointModuleFinder) for f in sys.meta_path):
        return False
    sys.meta_path.insert(0, CheckpointModuleFinder())
    return True


def main(argv: Sequence[str] | None = None) -> None:
    """``python -m ous_mm_safe_load enable|disable``: write or remove ``ous_mm_safe_load.pth``."""
    from ous_mm_drn import startup_file_cli
    startup_file_cli('ous_mm_safe_load', PTH_NAME, PTH_LINE,
                     'MMEngine checkpoints load with weights_only=True and the allow-list of '
                     'ous-mm', argv)


if __name__ == '__main__':
    main()
