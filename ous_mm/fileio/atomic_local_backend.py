"""A local file backend whose writes are all-or-nothing, for checkpoints that survive a kill."""
import os
import os.path as osp
import re
from pathlib import Path
from typing import IO, List, Union

from mmengine.fileio import register_backend
from mmengine.fileio.backends import LocalBackend

from .atomic_path import atomic_path
from .checkpoint_marker import mark_checkpoint
from .locked_temp_file import TEMP_INFIX, remove_if_stale


@register_backend('atomic_local')
class AtomicLocalBackend(LocalBackend):
    """MMEngine's ``LocalBackend`` with atomic ``put`` and ``put_text``.

    Writes go through :func:`~ous_mm.fileio.atomic_path`: the data goes to a
    new temporary file ``<file>.tmp.<8 hex digits>`` in the same folder, locked
    by the writer while it exists, is flushed to disk (``fsync``) and renamed
    over ``<file>`` (``os.replace``, atomic on POSIX), so a process killed at
    any instant leaves either the previous file or the complete new one, never
    a truncated file under the final name; at worst a temporary file that
    nobody locks any more, which :meth:`remove_stale_temp_files` cleans up. A
    failed write (a full disk) leaves nothing behind and raises an ``OSError``
    naming the file.

    Registered under the name ``'atomic_local'``: it is used only where it is
    named (``backend_args=dict(backend='atomic_local')``), e.g. by
    ``SafeCheckpointHook``; MMEngine's own ``LocalBackend`` is unchanged.
    """

    # `<name>.tmp.<8 hex digits>` (ous_mm.fileio.locked_temp_file)
    TEMP_NAME = re.compile(r'(?P<target>.+)' + TEMP_INFIX.pattern)

    def put(self, obj: bytes, filepath: Union[str, Path]) -> None:
        """Write bytes to ``filepath`` atomically (creating its folder).

        A zip archive (a ``torch.save`` checkpoint) gets ous-mm's mark as its
        comment (:func:`~ous_mm.fileio.checkpoint_marker.mark_checkpoint`): the
        mark by which ``SafeCheckpointHook`` knows a file it may remove.

        Args:
            obj (bytes): Data to be written.
            filepath (str or Path): Path to write data.
        """
        self._write_atomically(filepath, 'wb', mark_checkpoint(obj))

    def put_text(self, obj: str, filepath: Union[str, Path], encoding: str = 'utf-8') -> None:
        """Write text to ``filepath`` atomically (creating its folder).

        Args:
            obj (str): Text to be written.
            filepath (str or Path): Path to write data.
            encoding (str): The encoding of the file. Defaults to 'utf-8'.
        """
        self._write_atomically(filepath, 'w', obj, encoding=encoding)

    @classmethod
    def remove_stale_temp_files(cls, folder: Union[str, Path]) -> List[str]:
        """Remove the temporary files that killed writers left in ``folder``.

        A file is stale when nobody holds its lock (see
        :func:`~ous_mm.fileio.locked_temp_file.create_locked_temp`); the files of
        writers that still run are kept, whatever their process ids.

        Args:
            folder (str or Path): The folder to clean (not its sub-folders).

        Returns:
            list[str]: The removed paths.
        """
        removed = []
        for name in sorted(os.listdir(folder)) if osp.isdir(folder) else []:
            match = cls.TEMP_NAME.fullmatch(name)
            path = osp.join(folder, name)
            if match and osp.isfile(path) and remove_if_stale(path):
                removed.append(path)
        return removed

    def _write_atomically(self, filepath: Union[str, Path], mode: str, obj: Union[bytes, str],
                          **open_args) -> None:
        # leftovers: remove_stale_temp_files (SafeCheckpointHook, at start-up), not a listing of
        # the folder at every write
        with atomic_path(str(filepath), keep_ext=False, remove_leftovers=False) as tmp, \
                open(tmp, mode, **open_args) as f:
            self._write(f, obj)

    def _write(self, f: IO, obj: Union[bytes, str]) -> None:
        """Write the data into the open temporary file (a hook for slower test writers)."""
        f.write(obj)
