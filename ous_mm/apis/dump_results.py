"""Reading ``tools/test.py --dump`` files without running code, and scoring them.

MMEngine's ``DumpResults`` pickles the test predictions, and a plain
``pickle.load`` of a crafted file runs any code it names. ``load_dump`` only
admits the types such a dump holds; ``dump_predictions`` and ``dump_scores``
are the "dump -> scores, labels -> UAR/WAR/recall" step the tools share.
"""
import io
import pickle
from typing import Any, Callable, Dict, Optional, Tuple

import numpy as np
import torch

from ous_mm.evaluation import confusion_matrix, dfer_scores
from ous_mm.fileio.pickle_allow_list import DisallowedPickleError, dump_globals


class UnsafeDumpError(DisallowedPickleError):
    """Raised when a dump holds a pickled object outside the allow-list."""


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
    sizes, and numpy arrays, dtypes and scalars
    (:func:`ous_mm.fileio.pickle_allow_list.dump_globals`). Anything else (a
    function, a class of another module) is refused before it is resolved.

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
            return _DumpUnpickler(f, dump_globals()).load()
        except DisallowedPickleError as err:
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
