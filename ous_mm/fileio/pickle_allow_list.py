"""What a pickle that ous-mm reads may reference: one allow-list, for its two unpicklers.

ous-mm never unpickles a file fully. Checkpoints go through torch's ``weights_only`` unpickler,
which admits torch's own types and takes :func:`checkpoint_globals` in addition (through
``torch.serialization.add_safe_globals``, :func:`ous_mm.setup_env`). ``tools/test.py --dump``
files, plain pickles, go through ``ous_mm.apis.load_dump``'s unpickler, which resolves
:func:`dump_globals` only. Both admit NumPy's data types from :func:`numpy_globals`; a
restricted form of a builtin (``getattr``, ``bytes``, ``_codecs.encode``) admits only the calls
those files make and raises :class:`DisallowedPickleError` for any other.
"""
import codecs
import importlib
import io
import pickle
from typing import Any, Callable, Dict, List, Tuple, Union

import numpy as np
import torch


class DisallowedPickleError(pickle.UnpicklingError):
    """A pickle references, or calls, something outside the allow-list."""


# NumPy pickles arrays, dtypes and scalars through these, in ``numpy.core`` (1.x) or
# ``numpy._core`` (2.x) depending on the writer's version.
_NUMPY_MULTIARRAY = ('_reconstruct', 'scalar')
# The statistics methods MMEngine's HistoryBuffer registers on itself (_set_default_statistics).
HISTORY_BUFFER_STATISTICS = ('min', 'max', 'current', 'mean')
# Builtin data types a dump holds (protocol 2 writes their module as ``__builtin__``).
_BUILTIN_TYPES = ('set', 'frozenset', 'bytes', 'bytearray', 'complex', 'slice')


def numpy_globals() -> Dict[Tuple[str, str], Any]:
    """``(module, name) -> object`` for every global NumPy writes when it pickles its data.

    Arrays, dtypes (numpy >= 1.25 pickles them as their own classes,
    ``numpy.dtypes.Float32DType``, ...) and scalars, under the module names of
    NumPy 1.x and 2.x.

    Returns:
        dict: The globals.
    """
    # by version, not hasattr(np, '_core'): NumPy 1.26 has a numpy._core package too (to read
    # 2.x pickles), an attribute of numpy once imported, without a multiarray attribute
    multiarray = importlib.import_module(
        'numpy._core.multiarray' if int(np.__version__.split('.')[0]) >= 2 else
        'numpy.core.multiarray')
    found = {(f'{package}.multiarray', n): getattr(multiarray, n)
             for package in ('numpy.core', 'numpy._core') for n in _NUMPY_MULTIARRAY}
    found[('numpy', 'ndarray')] = np.ndarray
    found[('numpy', 'dtype')] = np.dtype
    dtypes = getattr(np, 'dtypes', None)
    if dtypes is not None:
        found.update({('numpy.dtypes', n): getattr(dtypes, n) for n in dir(dtypes)
                      if n.endswith('DType') and isinstance(getattr(dtypes, n), type)})
    return found


def _empty_bytes(*args) -> bytes:
    """``bytes()`` as pickle uses it for an empty bytes object (an empty numpy array's data).

    Only that call is admitted: ``bytes(n)`` from a crafted checkpoint would
    allocate n bytes.
    """
    if args:
        raise DisallowedPickleError(
            f'checkpoint calls bytes{args!r}; only bytes() (empty data) is allowed')
    return b''


def _history_buffer_statistic(owner: type, name: str) -> Callable:
    """``getattr`` as MMEngine checkpoints call it: a statistics method of ``HistoryBuffer`` only.

    Every ``HistoryBuffer`` pickles its class's statistics methods, and pickle
    (protocol 2, torch's) writes a method as ``getattr(HistoryBuffer, 'mean')``.
    The real ``getattr`` would let a checkpoint reach any attribute of any
    allow-listed object, so only those calls are admitted.
    """
    from mmengine.logging import HistoryBuffer
    if owner is not HistoryBuffer or name not in HISTORY_BUFFER_STATISTICS:
        raise DisallowedPickleError(
            f'checkpoint calls getattr({getattr(owner, "__name__", owner)!r}, {name!r}); only '
            f'getattr(HistoryBuffer, one of {HISTORY_BUFFER_STATISTICS}) is allowed')
    return getattr(HistoryBuffer, name)


def checkpoint_globals() -> List[Union[type, Tuple[Callable, str]]]:
    """The globals that MMEngine checkpoints reference beyond torch's own, and nothing else.

    MMEngine's ``HistoryBuffer`` (the message hub's logs) and its statistics
    methods, through a ``getattr`` that admits only those; NumPy's arrays,
    dtypes and scalars (values in the logs and the meta data); ``bytes()`` for
    empty data.

    Returns:
        list: Types, and ``(callable, 'module.name')`` pairs, for
        ``torch.serialization.add_safe_globals``.
    """
    from mmengine.logging import HistoryBuffer
    numpy = list(dict.fromkeys(numpy_globals().values()))  # one entry per object, in order
    return [HistoryBuffer, *numpy, (_history_buffer_statistic, 'builtins.getattr'),
            (_empty_bytes, 'builtins.bytes')]


def _latin1_encode(text: str, encoding: str = 'utf-8') -> bytes:
    # protocol 2 writes bytes as _codecs.encode(str, 'latin1'); no other codec is needed
    if encoding not in ('latin1', 'latin-1') or not isinstance(text, str):
        raise pickle.UnpicklingError(f'_codecs.encode with {encoding!r} is not a bytes literal')
    return codecs.encode(text, encoding)


def _load_storage(data: bytes) -> torch.storage.TypedStorage:
    # torch's own ``_load_from_bytes`` calls torch.load(weights_only=False): load the
    # storage with weights_only=True instead, which refuses any pickled code inside it.
    try:
        storage = torch.load(io.BytesIO(data), weights_only=True)
    except pickle.UnpicklingError as err:
        raise DisallowedPickleError('torch.load(weights_only=True) refused a tensor storage in '
                                    f'it: {str(err).strip().splitlines()[0]}') from err
    if not isinstance(storage, (torch.storage.TypedStorage, torch.UntypedStorage)):
        raise DisallowedPickleError(f'a tensor storage in it holds a {type(storage).__name__}')
    return storage


def dump_globals() -> Dict[Tuple[str, str], Any]:
    """``(module, name) -> object`` for every global a ``tools/test.py --dump`` file may reference.

    Builtin containers and scalars, ``OrderedDict``, bytes (``_codecs.encode``
    with latin-1 only), torch tensors (their storages loaded with
    ``weights_only=True``), dtypes, devices and sizes, and NumPy's data
    (:func:`numpy_globals`).

    Returns:
        dict: The globals.
    """
    import builtins
    import collections
    allowed: Dict[Tuple[str, str], Any] = {(module, n): getattr(builtins, n)
                                           for n in _BUILTIN_TYPES
                                           for module in ('builtins', '__builtin__')}
    allowed[('collections', 'OrderedDict')] = collections.OrderedDict
    allowed[('_codecs', 'encode')] = _latin1_encode
    allowed[('torch.storage', '_load_from_bytes')] = _load_storage
    allowed[('torch._utils', '_rebuild_tensor_v2')] = torch._utils._rebuild_tensor_v2
    allowed[('torch', 'Size')] = torch.Size
    allowed[('torch', 'device')] = torch.device
    allowed.update({('torch', n): getattr(torch, n) for n in dir(torch)
                    if isinstance(getattr(torch, n), torch.dtype)})
    allowed.update(numpy_globals())
    return allowed
