"""An atomic local backend that writes slowly, to widen the checkpoint write window on purpose.

Only for ``kill_and_resume.py``: the runs it kills import this module through their config's
``custom_imports`` (this folder on ``PYTHONPATH``) and name it in the checkpoint hook's
``backend_args=dict(backend='slow_atomic_local', seconds=...)``. Never part of the library.
"""
import time
from typing import IO, Union

from mmengine.fileio import register_backend

from ous_mm.fileio import AtomicLocalBackend


@register_backend('slow_atomic_local')
class SlowAtomicLocalBackend(AtomicLocalBackend):
    """``AtomicLocalBackend`` whose every write takes about ``seconds``.

    The data reaches the temporary file in ``chunks`` pieces, flushed one by
    one with a pause between them, so the temporary file exists (and grows)
    for the whole window.

    Args:
        seconds (float): How long a write lasts. Defaults to 1.0.
        chunks (int): In how many pieces the data is written. Defaults to 20.
    """

    def __init__(self, seconds: float = 1.0, chunks: int = 20) -> None:
        self.seconds = seconds
        self.chunks = chunks

    def _write(self, f: IO, obj: Union[bytes, str]) -> None:
        size = max(1, -(-len(obj) // self.chunks))
        for start in range(0, max(len(obj), 1), size):
            f.write(obj[start:start + size])
            f.flush()
            time.sleep(self.seconds / self.chunks)
