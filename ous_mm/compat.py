"""Fixes for what the pinned OpenMMLab stack breaks on its own (see ../shared/STACK.md).

Applied once by ``import ous_mm``; every fix is a no-op where the stack does not need it.
"""
import importlib.util
import os
import os.path as osp
import pickle
import re
import sys
import types
from typing import Callable, List, Optional

import torch

_applied = False
_find_latest_checkpoint: Optional[Callable] = None


def _mmaction_root() -> str:
    """The installed ``mmaction`` package folder, found without importing it."""
    spec = importlib.util.find_spec('mmaction')
    if spec is None or not spec.submodule_search_locations:
        raise ImportError('mmaction2 is not installed: run `bash tools/install.sh`.')
    return list(spec.submodule_search_locations)[0]


def patch_missing_drn() -> bool:
    """Register a stand-in for ``mmaction.models.localizers.drn`` when it is absent.

    mmaction2 1.2.0 from PyPI lacks that folder (it has no ``__init__.py``
    upstream, so packaging dropped it) and ``import mmaction.models`` fails.
    Only the absent folder is replaced: any other import error still raises.

    Returns:
        bool: Whether the stand-in was installed.
    """
    drn_dir = osp.join(_mmaction_root(), 'models', 'localizers', 'drn')
    name = 'mmaction.models.localizers.drn'
    if osp.isdir(drn_dir) or name in sys.modules:
        return False

    class DRN:
        """Stand-in for the DRN localizer missing from the mmaction2 1.2.0 wheel."""

        def __init__(self, *args, **kwargs):
            raise ImportError(
                'DRN is missing from the mmaction2 1.2.0 package on PyPI '
                '(mmaction/models/localizers/drn/ was not packaged); install '
                'mmaction2 from its git repository to use it.')

    from mmaction.registry import MODELS
    MODELS.register_module(name='DRN', module=DRN)
    package = types.ModuleType(name)
    package.__path__ = []  # a package, so `from .drn.drn import DRN` resolves
    module = types.ModuleType(name + '.drn')
    module.DRN = DRN
    package.drn = module
    package.DRN = DRN
    sys.modules[name] = package
    sys.modules[name + '.drn'] = module
    return True


def checkpoint_safe_globals() -> List[type]:
    """The non-tensor types that MMEngine checkpoints hold.

    ``torch.load`` keeps ``weights_only=True`` (the default since torch 2.6);
    these types are allow-listed so that resume and ``load_from`` work while
    any other pickled object (e.g. a function call) is still refused.
    """
    import numpy as np
    from mmengine.logging import HistoryBuffer
    from mmengine.logging.message_hub import MessageHub

    multiarray = getattr(np, '_core', np.core).multiarray
    safe = [
        HistoryBuffer, MessageHub, np.ndarray, np.dtype, multiarray._reconstruct,
        multiarray.scalar
    ]
    # numpy >= 1.25 pickles dtypes as their own classes (np.dtypes.Float64DType, ...).
    dtypes = getattr(np, 'dtypes', None)
    if dtypes is not None:
        safe += [
            getattr(dtypes, n) for n in dir(dtypes)
            if n.endswith('DType') and isinstance(getattr(dtypes, n), type)
        ]
    return safe


class UnsafeCheckpointError(pickle.UnpicklingError):
    """Raised when a checkpoint holds a pickled object outside the allow-list."""


def _safe_local_loader(original: Callable) -> Callable:

    def load_from_local(filename, map_location):
        try:
            return original(filename, map_location)
        except pickle.UnpicklingError as err:
            raise UnsafeCheckpointError(
                f'Refused to load checkpoint {filename!r}: it holds a pickled '
                'object outside the allow-list of ous-mm '
                '(ous_mm.compat.checkpoint_safe_globals), and loading it '
                'could run code. If you trust this file, add the type to '
                'torch.serialization.add_safe_globals yourself. Details: '
                f'{err}') from err

    return load_from_local


def _history_buffer_state(self) -> dict:
    # MMEngine pickles the class-level statistics functions too, as
    # ``getattr(HistoryBuffer, 'min')``; allow-listing ``getattr`` would let a
    # checkpoint reach any function, so they are left out: they are registered
    # again when their module is imported, and ``__setstate__`` accepts a
    # state without them.
    return {k: v for k, v in self.__dict__.items() if k != 'statistics_methods'}


def patch_checkpoint_loading() -> None:
    """Keep ``weights_only`` loading and allow-list MMEngine's checkpoint types."""
    from mmengine.logging import HistoryBuffer
    HistoryBuffer.__getstate__ = _history_buffer_state
    if hasattr(torch.serialization, 'add_safe_globals'):
        torch.serialization.add_safe_globals(checkpoint_safe_globals())
    from mmengine.runner.checkpoint import CheckpointLoader
    local = CheckpointLoader._schemes['']
    if getattr(local, '_ous_mm_safe', False):
        return
    wrapped = _safe_local_loader(local)
    wrapped._ous_mm_safe = True
    CheckpointLoader._schemes[''] = wrapped


def _atomic_put(self, obj: bytes, filepath) -> None:
    """``LocalBackend.put`` that never leaves a half-written file under ``filepath``.

    MMEngine saves checkpoints through ``put``; a run killed while writing
    would leave a truncated ``epoch_N.pth`` that ``--resume PATH`` could pick
    up. Writing to a temporary file and renaming it (atomic on POSIX) leaves
    either the old state or the complete file.
    """
    filepath = str(filepath)
    os.makedirs(osp.dirname(osp.abspath(filepath)), exist_ok=True)
    tmp = f'{filepath}.tmp{os.getpid()}'
    with open(tmp, 'wb') as f:
        f.write(obj)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, filepath)


def _latest_checkpoint(path: str) -> Optional[str]:
    """MMEngine's ``find_latest_checkpoint`` that survives a broken ``last_checkpoint``.

    ``last_checkpoint`` is rewritten in place after every save; if a kill
    truncated it (or it names a file that is gone), fall back to the newest
    complete ``epoch_N.pth``/``iter_N.pth`` of the work dir instead of
    silently starting from scratch.
    """
    from mmengine.runner import checkpoint as ckpt_module
    last = _find_latest_checkpoint(path)
    if last and osp.isfile(last):
        return last
    found = []
    for name in os.listdir(path) if osp.isdir(path) else []:
        match = re.fullmatch(r'(epoch|iter)_(\d+)\.pth', name)
        if match:
            found.append((int(match.group(2)), osp.join(path, name)))
    if not found:
        return last
    newest = max(found)[1]
    ckpt_module.print_log(f'last_checkpoint in {path} is unusable ({last!r}); resuming from '
                          f'the newest checkpoint {newest}', logger='current')
    return newest


def patch_checkpoint_saving() -> None:
    """Atomic checkpoint files, and resume that finds them if ``last_checkpoint`` broke."""
    global _find_latest_checkpoint
    from mmengine.fileio.backends import LocalBackend
    from mmengine.runner import runner as runner_module
    LocalBackend.put = _atomic_put
    if runner_module.find_latest_checkpoint is not _latest_checkpoint:
        _find_latest_checkpoint = runner_module.find_latest_checkpoint
        runner_module.find_latest_checkpoint = _latest_checkpoint


def apply() -> None:
    """Apply every fix once."""
    global _applied
    if _applied:
        return
    patch_missing_drn()
    patch_checkpoint_loading()
    patch_checkpoint_saving()
    _applied = True
