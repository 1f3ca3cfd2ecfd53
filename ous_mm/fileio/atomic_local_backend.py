"""A local file backend whose writes are all-or-nothing, for checkpoints that survive a kill."""
import os
import os.path as osp
import re
from pathlib import Path
from typing import IO, List, Union

from mmengine.fileio import register_backend
from mmengine.fileio.backends import LocalBackend

from .locked_temp_file import TEMP_INFIX, create_locked_temp, remove_if_stale


@register_backend('atomic_local')
class AtomicLocalBackend(LocalBackend):
    """MMEngine's ``LocalBackend`` with atomic ``put`` and ``put_text``.

    The data goes to a new temporary file ``<file>.tmp.<8 hex digits>`` in the
    same folder, locked by the writer while it exists, is flushed to disk
    (``fsync``) and renamed over ``<file>`` (``os.replace``, atomic on POSIX),
    so a process killed at any instant leaves either the previous file or the
    complete new one, never a truncated file under the final name; at worst a
    temporary file that nobody locks any more, which
    :meth:`remove_stale_temp_files` cleans up. A failed write (a full disk)
    leaves nothing behind and raises an ``OSError`` naming the file.

    Registered under the name ``'atomic_local'``: it is used only where it is
    named (``backend_args=dict(backend='atomic_local')``), e.g. by
    ``SafeCheckpointHook``; MMEngine's own ``LocalBackend`` is unchanged.
    """

    # `<name>.tmp.<8 hex digits>` (ous_mm.fileio.locked_temp_file)
    TEMP_NAME = re.compile(r'(?P<target>.+)' + TEMP_INFIX.pattern)

    def put(self, obj: bytes, filepath: Union[str, Path]) -> None:
        """Write bytes to ``filepath`` atomically (creating its folder).

        Args:
            obj (bytes): Data to be written.
            filepath (str or Path): Path to write data.
        """
        self._write_atomically(filepath, 'wb', obj)

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
        filepath = str(filepath)
        folder = osp.dirname(osp.abspath(filepath))
        os.makedirs(folder, exist_ok=True)
        fd, tmp = create_locked_temp(filepath)
        try:
            # the lock lives as long as this descriptor: closed only after the rename
            with open(os.dup(fd), mode, **open_args) as f:
                self._write(f, obj)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, filepath)
        except OSError as err:  # e.g. a full disk: say which file could not be written
            raise OSError(err.errno, f'{err.strerror}: cannot write {filepath} (the previous '
                          'file, if any, is unchanged)') from err
        finally:
            if osp.exists(tmp):  # a failed write leaves nothing behind
                os.remove(tmp)
            os.close(fd)
        # the rename itself reaches the disk only with the folder's entry
        dir_fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)

    def _write(self, f: IO, obj: Union[bytes, str]) -> None:
        """Write the data into the open temporary file (a hook for slower test writers)."""
        f.write(obj)
