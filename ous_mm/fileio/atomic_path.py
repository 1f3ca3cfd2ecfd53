"""A file that appears under its name only once it is completely written."""
import os
import os.path as osp
from contextlib import contextmanager
from typing import Iterator


@contextmanager
def atomic_path(path: str) -> Iterator[str]:
    """A temporary path to write ``path`` to; renamed to ``path`` when the block succeeds.

    For writers that take a file name (``cv2.VideoWriter``, ``savefig``): the
    temporary name keeps the extension, which they read. A kill or an error
    leaves the previous ``path`` (if any) as it was, never a half-written one.

    Args:
        path (str): The final path (its folder is created).

    Yields:
        str: ``<stem>.tmp<pid><ext>`` in the same folder.
    """
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    stem, ext = osp.splitext(path)
    tmp = f'{stem}.tmp{os.getpid()}{ext}'
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        if osp.exists(tmp):
            os.remove(tmp)
