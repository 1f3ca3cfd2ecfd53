"""Fixes for what the pinned OpenMMLab stack breaks on its own (docs/stack.md).

Applied once by ``import ous_mm``; every fix is a no-op where the stack does not need it.
"""
import importlib.util
import os.path as osp
import pickle
from typing import Callable, List, Tuple, Union

import torch

import ous_mm_drn  # the drn stand-in; at start-up too where `python -m ous_mm_drn enable` ran

_applied = False


def _mmaction_root() -> str:
    """The installed ``mmaction`` package folder, found without importing it."""
    spec = importlib.util.find_spec('mmaction')
    if spec is None or not spec.submodule_search_locations:
        raise ImportError('mmaction2 is not installed: run `bash tools/install.sh`.')
    return list(spec.submodule_search_locations)[0]


def patch_missing_drn() -> bool:
    """Install the stand-in for ``mmaction.models.localizers.drn`` when that folder is absent.

    mmaction2 1.2.0 from PyPI lacks it (it has no ``__init__.py`` upstream, so
    packaging dropped it) and ``import mmaction.models`` fails. The stand-in
    (:mod:`ous_mm_drn`) is the one that ``ous_mm_drn.pth`` installs at start-up
    where ``python -m ous_mm_drn enable`` wrote it (``tools/install.sh`` does);
    this covers this process everywhere else. Only the absent folder is
    replaced: any other import error still raises.

    Returns:
        bool: Whether this call installed it.
    """
    if osp.isdir(osp.join(_mmaction_root(), 'models', 'localizers', 'drn')):
        return False
    return ous_mm_drn.install()


def _empty_bytes(*args) -> bytes:
    """``bytes()`` as pickle uses it for an empty bytes object (an empty numpy array's data).

    Only that call is admitted: ``bytes(n)`` from a crafted checkpoint would
    allocate n bytes.
    """
    if args:
        raise pickle.UnpicklingError(
            f'checkpoint calls bytes{args!r}; only bytes() (empty data) is allowed')
    return b''


# The statistics methods MMEngine's HistoryBuffer registers on itself (_set_default_statistics).
HISTORY_BUFFER_STATISTICS = ('min', 'max', 'current', 'mean')


def _history_buffer_statistic(owner: type, name: str) -> Callable:
    """``getattr`` as MMEngine checkpoints call it: a statistics method of ``HistoryBuffer`` only.

    Every ``HistoryBuffer`` pickles its class's statistics methods, and pickle
    (protocol 2, torch's) writes a method as ``getattr(HistoryBuffer, 'mean')``.
    The real ``getattr`` would let a checkpoint reach any attribute of any
    allow-listed object, so only those calls are admitted.
    """
    from mmengine.logging import HistoryBuffer
    if owner is not HistoryBuffer or name not in HISTORY_BUFFER_STATISTICS:
        raise pickle.UnpicklingError(
            f'checkpoint calls getattr({getattr(owner, "__name__", owner)!r}, {name!r}); only '
            f'getattr(HistoryBuffer, one of {HISTORY_BUFFER_STATISTICS}) is allowed')
    return getattr(HistoryBuffer, name)


def checkpoint_safe_globals() -> List[Union[type, Tuple[Callable, str]]]:
    """The globals that MMEngine checkpoints reference, and nothing else.

    ``torch.load`` keeps ``weights_only=True`` (the default since torch 2.6);
    these are allow-listed so that resume and ``load_from`` work, also with
    checkpoints written by MMEngine without ous-mm, while any other pickled
    object (e.g. a function call) is still refused: MMEngine's
    ``HistoryBuffer`` (the message hub's logs) and its statistics methods,
    through a ``getattr`` that admits only those; numpy arrays, dtypes and
    scalars (values in the logs and the meta data).

    Returns:
        list: Types, and ``(callable, 'module.name')`` pairs, for
        ``torch.serialization.add_safe_globals`` or ``safe_globals``.
    """
    import numpy as np
    from mmengine.logging import HistoryBuffer

    multiarray = getattr(np, '_core', np.core).multiarray
    safe = [
        HistoryBuffer, np.ndarray, np.dtype, multiarray._reconstruct, multiarray.scalar,
        (_history_buffer_statistic, 'builtins.getattr'),
        # pickle writes empty bytes (the data of an empty array, e.g. a HistoryBuffer that
        # never received a value) as the global `bytes` called without arguments
        (_empty_bytes, 'builtins.bytes')
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


def weights_only_reason(err: pickle.UnpicklingError) -> str:
    """The reason in ``torch.load(weights_only=True)``'s error, without its general advice.

    torch's message is a paragraph on ``weights_only``, the reason (e.g.
    ``Unsupported global: ...``) and a pointer to its documentation.

    Args:
        err (pickle.UnpicklingError): The error.

    Returns:
        str: The reason.
    """
    paragraphs = [p.strip() for p in str(err).split('\n\n') if p.strip()]
    reason = [p for p in paragraphs if not p.startswith(
        ('Weights only load failed', 'Check the documentation'))]
    return ' '.join(reason or paragraphs)


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
                f'{weights_only_reason(err)}') from err

    return load_from_local


def patch_checkpoint_loading() -> None:
    """Keep ``weights_only`` loading and allow-list MMEngine's checkpoint types."""
    if hasattr(torch.serialization, 'add_safe_globals'):
        torch.serialization.add_safe_globals(checkpoint_safe_globals())
    from mmengine.runner.checkpoint import CheckpointLoader
    local = CheckpointLoader._schemes['']
    if getattr(local, '_ous_mm_safe', False):
        return
    wrapped = _safe_local_loader(local)
    wrapped._ous_mm_safe = True
    CheckpointLoader._schemes[''] = wrapped


def apply() -> None:
    """Apply every fix once."""
    global _applied
    if _applied:
        return
    patch_missing_drn()
    patch_checkpoint_loading()
    _applied = True
