"""Reading ``tools/test.py --dump`` files without running code, and scoring them.

MMEngine's ``DumpResults`` pickles the test predictions, and a plain
``pickle.load`` of a crafted file runs any code it names. ``load_dump`` only
admits the types such a dump holds; ``dump_predictions`` and ``dump_scores``
are the "dump -> scores, labels -> UAR/WAR/recall" step the tools share.
"""
import codecs
import io
import pickle
from typing import Any, Callable, Dict, Optional, Tuple

import numpy as np
import torch

from ous_mm.evaluation import confusion_matrix, dfer_scores

# Builtin data types (protocol 2 writes their module as ``__builtin__``).
_BUILTIN_TYPES = ('set', 'frozenset', 'bytes', 'bytearray', 'complex', 'slice')
# NumPy pickles arrays, dtypes and scalars through these, in ``numpy.core`` (1.x) or
# ``numpy._core`` (2.x) depending on the writer's version.
_NUMPY_MULTIARRAY = ('_reconstruct', 'scalar')


class UnsafeDumpError(pickle.UnpicklingError):
    """Raised when a dump holds a pickled object outside the allow-list."""


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
        raise UnsafeDumpError('torch.load(weights_only=True) refused a tensor storage in it: '
                              f'{str(err).strip().splitlines()[0]}') from err
    if not isinstance(storage, (torch.storage.TypedStorage, torch.UntypedStorage)):
        raise UnsafeDumpError(f'a tensor storage in it holds a {type(storage).__name__}')
    return storage


def _allowed_globals() -> Dict[Tuple[str, str], Any]:
    """``(module, name) -> object`` for every global a dump may reference."""
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
    multiarray = (np._core if hasattr(np, '_core') else np.core).multiarray
    for package in ('numpy.core', 'numpy._core'):
        allowed.update({(f'{package}.multiarray', n): getattr(multiarray, n)
                        for n in _NUMPY_MULTIARRAY})
    allowed[('numpy', 'ndarray')] = np.ndarray
    allowed[('numpy', 'dtype')] = np.dtype
    # numpy >= 1.25 pickles dtypes as their own classes (numpy.dtypes.Float32DType, ...)
    dtypes = getattr(np, 'dtypes', None)
    if dtypes is not None:
        allowed.update({('numpy.dtypes', n): getattr(dtypes, n) for n in dir(dtypes)
                        if n.endswith('DType') and isinstance(getattr(dtypes, n), type)})
    return allowed


class _DumpUnpickler(pickle.Unpickler):
    """An unpickler that resolves only the allow-listed globals (nothing is imported)."""

    def __init__(self, file: io.BufferedIOBase, allowed: Dict[Tuple[str, str], Any]) -> None:
        super().__init__(file)
        self.allowed = allowed

    def find_class(self, module: str, name: str) -> Callable:
        try:
            return self.allowed[(module, name)]
        except KeyError:
            raise UnsafeDumpError(f'it references {module}.{name}, which is not one of the '
                                  'data types that tools/test.py --dump writes') from None

    def persistent_load(self, pid: Any) -> Any:
        raise UnsafeDumpError(f'it holds a persistent id ({pid!r}), which tools/test.py '
                              '--dump never writes')


def load_dump(filename: str) -> Any:
    """Unpickle a ``tools/test.py --dump`` file, admitting only the data types dumps hold.

    Those are builtin containers and scalars, ``OrderedDict``, torch tensors
    (their storages loaded with ``weights_only=True``), dtypes, devices and
    sizes, and numpy arrays, dtypes and scalars. Anything else (a function, a
    class of another module) is refused before it is resolved.

    Args:
        filename (str): The dump.

    Returns:
        The unpickled object (for MMAction2 dumps, a list of dicts, one per clip).

    Raises:
        UnsafeDumpError: The file references a global outside the allow-list.
        ValueError: The file is not a readable pickle (truncated, another format).
    """
    with open(filename, 'rb') as f:
        try:
            return _DumpUnpickler(f, _allowed_globals()).load()
        except UnsafeDumpError as err:
            raise UnsafeDumpError(
                f'Refused to load {filename}: {err}, and unpickling it could run code. '
                'Recreate the dump with tools/test.py CONFIG CHECKPOINT --dump FILE; if you '
                'trust this file, read it with pickle yourself.') from None
        except Exception as err:  # a damaged pickle fails in many ways: name the file
            raise ValueError(f'{filename} is not a readable tools/test.py --dump file '
                             f'(truncated or another format?): {type(err).__name__}: {err}. '
                             'Recreate it with tools/test.py CONFIG CHECKPOINT --dump FILE.'
                             ) from err


def dump_predictions(filename: str) -> Tuple[np.ndarray, np.ndarray]:
    """The class scores and true labels of a dump, in its clip order.

    Args:
        filename (str): A ``tools/test.py --dump`` file.

    Returns:
        tuple[np.ndarray, np.ndarray]: ``N x C`` float32 scores (``pred_score``)
        and ``N`` int64 labels (``gt_label``).
    """
    samples = load_dump(filename)
    if not isinstance(samples, list) or not samples:
        raise ValueError(f'{filename}: expected a non-empty list of per-clip results, as '
                         f'tools/test.py --dump writes, got {type(samples).__name__} '
                         f'{"(empty)" if isinstance(samples, list) else ""}')
    scores, labels = [], []
    for i, sample in enumerate(samples):
        if not isinstance(sample, dict) or not {'pred_score', 'gt_label'} <= set(sample):
            raise ValueError(f'{filename}: result {i} has no pred_score and gt_label '
                             '(not a recognition dump of tools/test.py --dump?)')
        # as DFERMetric reads them: float32 scores, one integer label
        scores.append(torch.as_tensor(sample['pred_score']).float().reshape(-1).numpy())
        labels.append(int(torch.as_tensor(sample['gt_label']).reshape(-1)[0]))
    if len({len(s) for s in scores}) != 1:
        raise ValueError(f'{filename}: the results have scores over different numbers of '
                         f'classes ({sorted({len(s) for s in scores})})')
    return np.stack(scores), np.asarray(labels, dtype=np.int64)


def dump_scores(filename: str, num_classes: Optional[int] = None) -> dict:
    """UAR, WAR and per-class recall of a dump, computed as ``DFERMetric`` does.

    Args:
        filename (str): A ``tools/test.py --dump`` file.
        num_classes (int, optional): Classes of the confusion matrix. Defaults
            to the number of scores per clip.

    Returns:
        dict: ``ous_mm.evaluation.dfer_scores`` (``UAR``, ``WAR``, ``recall``,
        ``support``) plus ``confusion`` (the matrix, rows = true class),
        ``scores`` and ``labels`` (from ``dump_predictions``).
    """
    scores, labels = dump_predictions(filename)
    num_classes = num_classes or scores.shape[1]
    if labels.min() < 0 or labels.max() >= num_classes or scores.shape[1] > num_classes:
        raise ValueError(f'{filename}: labels {labels.min()}..{labels.max()} and '
                         f'{scores.shape[1]} scores per clip do not fit {num_classes} classes')
    cm = confusion_matrix(scores.argmax(1), labels, num_classes)
    return dict(dfer_scores(cm), confusion=cm, scores=scores, labels=labels)
