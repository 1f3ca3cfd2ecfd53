"""A file that appears under its name only once it is completely written."""
import os
import os.path as osp
import re
from contextlib import contextmanager
from typing import Iterator

from .locked_temp_file import TEMP_INFIX, create_locked_temp, remove_if_stale


@contextmanager
def atomic_path(path: str) -> Iterator[str]:
    """A temporary path to write ``path`` to; renamed to ``path`` when the block succeeds.

    For writers that take a file name (``cv2.VideoWriter``, ``savefig``): the
    temporary name keeps the extension, which they read. A kill or an error
    leaves the previous ``path`` (if any) as it was, never a half-written one.
    The temporary file is locked while the block runs; leftovers of killed
    runs for the same ``path`` (no longer locked) are removed first.

    Args:
        path (str): The final path (its folder is created).

    Yields:
        str: ``<stem>.tmp.<8 hex digits><ext>`` in the same folder.
    """
    folder = osp.dirname(osp.abspath(path))
    os.makedirs(folder, exist_ok=True)
    stem, ext = osp.splitext(path)
    leftover = re.compile(re.escape(osp.basename(stem)) + TEMP_INFIX.pattern + re.escape(ext))
    for name in os.listdir(folder):
        if leftover.fullmatch(name):
            remove_if_stale(osp.join(folder, name))
    fd, tmp = create_locked_temp(stem, ext)
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        if osp.exists(tmp):
            os.remove(tmp)
        os.close(fd)
