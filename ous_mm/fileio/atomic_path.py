"""ous-mm's one way of writing a file atomically: a locked temporary file, renamed when complete."""
import os
import os.path as osp
import re
from contextlib import contextmanager
from typing import Iterator

from .locked_temp_file import TEMP_INFIX, create_locked_temp, remove_if_stale


def _fsync(path: str) -> None:
    """Flush a file's (or a folder's) data and entry to the disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextmanager
def atomic_path(path: str, keep_ext: bool = True, remove_leftovers: bool = True) -> Iterator[str]:
    """A temporary path to write ``path`` to; renamed to ``path`` when the block succeeds.

    The block writes the temporary file, by name (``cv2.VideoWriter``,
    ``savefig``, ``open``, a subprocess); it is locked by this process while the
    block runs (:func:`~ous_mm.fileio.locked_temp_file.create_locked_temp`), then
    flushed to disk (``fsync``) and renamed over ``path`` (``os.replace``, atomic
    on POSIX), and the rename is flushed with the folder. So a kill at any
    instant leaves either the previous ``path`` or the complete new one, never a
    truncated file under that name; at worst a temporary file that nobody locks
    any more. An error in the block or in the writing (a full disk) leaves
    nothing behind; an ``OSError`` names ``path``. Every atomic write of ous-mm
    (checkpoints through :class:`~ous_mm.fileio.AtomicLocalBackend`, caches,
    results, figures, videos) comes through here.

    Args:
        path (str): The final path (its folder is created).
        keep_ext (bool): Name the temporary file ``<stem>.tmp.<8 hex
            digits><ext>``, keeping the extension at the end for writers that
            read it. False: ``<path>.tmp.<8 hex digits>`` (the checkpoint
            folders' temporary files, which ``SafeCheckpointHook`` cleans at
            start-up). Defaults to True.
        remove_leftovers (bool): First remove this path's temporary files that
            killed writers left (no longer locked; a live writer's are kept).
            It lists the folder: False for writers of many files in one folder
            (the face-box cache), whose leftovers are cleaned otherwise.
            Defaults to True.

    Yields:
        str: The temporary path, in the same folder.
    """
    folder = osp.dirname(osp.abspath(path))
    os.makedirs(folder, exist_ok=True)
    stem, ext = osp.splitext(path) if keep_ext else (path, '')
    if remove_leftovers:
        leftover = re.compile(re.escape(osp.basename(stem)) + TEMP_INFIX.pattern + re.escape(ext))
        for name in os.listdir(folder):
            if leftover.fullmatch(name):
                remove_if_stale(osp.join(folder, name))
    fd, tmp = create_locked_temp(stem, ext)  # the lock lives as long as fd: closed at the end
    try:
        yield tmp
        _fsync(tmp)  # by name: a writer may have replaced the file that fd holds
        os.replace(tmp, path)
    except OSError as err:  # e.g. a full disk: say which file could not be written
        raise OSError(err.errno, f'{err.strerror}: cannot write {path} (the previous file, if '
                      'any, is unchanged)') from err
    finally:
        if osp.exists(tmp):  # a failed write leaves nothing behind
            os.remove(tmp)
        os.close(fd)
    _fsync(folder)  # the rename reaches the disk only with the folder's entry
