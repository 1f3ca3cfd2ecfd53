"""Fixes for what the pinned OpenMMLab stack breaks on its own (docs/stack.md).

``import ous_mm`` applies only :func:`patch_missing_drn`, without which its components do not
import. The others change MMEngine and torch for the whole process, so they apply where ous-mm
runs, through :func:`ous_mm.setup_env` (ous-mm's tools, its API's entry points,
``SafeCheckpointHook`` and a user's explicit call). Every fix is a no-op where the stack does
not need it, and applying one twice changes nothing.
"""
import importlib.util
import os.path as osp
import pickle
from typing import Callable

import torch

import ous_mm_drn  # the drn stand-in; at start-up too where `python -m ous_mm_drn enable` ran
from .fileio.pickle_allow_list import DisallowedPickleError, checkpoint_globals


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


class UnsafeCheckpointError(DisallowedPickleError):
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
                '(ous_mm.fileio.pickle_allow_list.checkpoint_globals), and loading it '
                'could run code. If you trust this file, add the type to '
                'torch.serialization.add_safe_globals yourself. Details: '
                f'{weights_only_reason(err)}') from err
        except MemoryError:
            raise MemoryError(f'Cannot load checkpoint {filename!r}: it declares more data than '
                              'this machine\'s memory holds (a crafted or damaged file, or not '
                              'a checkpoint)') from None

    return load_from_local


def patch_checkpoint_loading() -> None:
    """Keep ``weights_only`` loading and allow-list MMEngine's checkpoint types, process-wide.

    torch >= 2.6 loads with ``weights_only=True``, which refuses MMEngine's own
    checkpoints (``HistoryBuffer``); the types in
    :func:`~ous_mm.fileio.pickle_allow_list.checkpoint_globals` are added to torch's
    allow-list (``add_safe_globals``, not the ``safe_globals`` context manager,
    which would take them out again on exit), and MMEngine's loader of local
    files (``CheckpointLoader._schemes['']``) is wrapped so that a refused file
    raises :class:`UnsafeCheckpointError` naming it.
    """
    if hasattr(torch.serialization, 'add_safe_globals'):
        torch.serialization.add_safe_globals(checkpoint_globals())
    from mmengine.runner.checkpoint import CheckpointLoader
    local = CheckpointLoader._schemes['']
    if getattr(local, '_ous_mm_safe', False):
        return
    wrapped = _safe_local_loader(local)
    wrapped._ous_mm_safe = True
    CheckpointLoader._schemes[''] = wrapped


def register_config_package() -> None:
    """Let MMEngine read ``ous_mm::`` configs (``_base_ = 'ous_mm::ous/...'``).

    MMEngine resolves ``package::path`` (configs shipped in ``ous_mm/.mim/configs``) only for
    the packages in its table ``MODULE2PACKAGE``, checked when a config is parsed, before any
    ``custom_imports`` runs.
    """
    from mmengine.config.utils import MODULE2PACKAGE
    MODULE2PACKAGE.setdefault('ous_mm', 'ous-mm')
