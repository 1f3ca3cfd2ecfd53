"""Temporary files that their writer locks, so that a leftover is known by its lock, not a pid."""
import fcntl
import os
import re
import secrets
from typing import Tuple

# `<stem>.tmp.<8 hex digits><ext>`: random, so that no two writers (two containers whose
# processes have the same pid, say) ever share one
TEMP_INFIX = re.compile(r'\.tmp\.[0-9a-f]{8}')


def create_locked_temp(path: str, ext: str = '') -> Tuple[int, str]:
    """Create a new temporary file beside ``path`` and lock it for as long as it is open.

    The lock (``flock``) belongs to the open file: the kernel releases it when
    the writer closes it or dies, however it dies (SIGKILL, a lost container),
    so :func:`remove_if_stale` knows a leftover from a file being written,
    whatever process ids later runs reuse.

    Args:
        path (str): The final path without ``ext``.
        ext (str): An extension to keep at the end (for writers that read it).
            Defaults to ''.

    Returns:
        tuple[int, str]: The open, locked file descriptor (write-only) and the
        temporary path ``<path>.tmp.<8 hex digits><ext>``.
    """
    while True:
        tmp = f'{path}.tmp.{secrets.token_hex(4)}{ext}'
        try:
            # O_EXCL: a new file; 0o666: the umask applies, as for any file the run writes
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            continue
        fcntl.flock(fd, fcntl.LOCK_EX)
        return fd, tmp


def remove_if_stale(tmp: str) -> bool:
    """Remove the temporary file ``tmp`` if its writer is gone (nobody holds its lock).

    Args:
        tmp (str): A path that :func:`create_locked_temp` made.

    Returns:
        bool: Whether it was removed.
    """
    try:
        fd = os.open(tmp, os.O_RDONLY)
    except FileNotFoundError:  # renamed or removed by its writer meanwhile
        return False
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:  # a live writer holds it
            return False
        # still the file that was opened (not a new temporary file under that name)?
        try:
            if os.stat(tmp).st_ino != os.fstat(fd).st_ino:
                return False
        except FileNotFoundError:
            return False
        os.remove(tmp)
        return True
    finally:
        os.close(fd)
