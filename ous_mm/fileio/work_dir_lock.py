"""One training run per folder: a lock that the operating system releases when its holder dies."""
import fcntl
import json
import os
import os.path as osp
import socket
import sys
import time
from typing import Dict, Optional

LOCK_NAME = '.ous_mm_run.lock'


class WorkDirBusyError(RuntimeError):
    """Another live run holds the folder."""


class WorkDirLock:
    """An exclusive ``flock`` on ``<folder>/.ous_mm_run.lock`` for as long as a run trains.

    The kernel releases the lock when the holder closes it or dies, however it
    dies (SIGKILL included), so a killed run never blocks its own ``--resume``;
    a second live run into the folder is refused with the holder's process id,
    host, start time and command, which the holder writes into the lock file.
    A process that takes a folder it already holds (a run in it ended with an
    error, without releasing) takes it over.

    Args:
        folder (str): The folder a run writes its checkpoints to.
    """

    _held: Dict[str, 'WorkDirLock'] = {}  # in this process, by real path

    def __init__(self, folder: str) -> None:
        self.folder = folder
        self.path = osp.join(folder, LOCK_NAME)
        self._fd: Optional[int] = None

    def acquire(self) -> 'WorkDirLock':
        """Take the folder, or raise :class:`WorkDirBusyError` naming the live run that has it.

        Returns:
            WorkDirLock: This lock.
        """
        os.makedirs(self.folder, exist_ok=True)
        key = osp.realpath(self.folder)
        if key in self._held:
            self._held.pop(key).release()
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o666)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 4096).decode('utf-8', 'replace')
            os.close(fd)
            raise WorkDirBusyError(f'{self.folder} is in use by a live training run '
                                   f'({self._describe(holder)}). Two runs in one folder would '
                                   'replace and remove each other\'s checkpoints: give this run '
                                   'another --work-dir, or wait for that one to end.') from None
        # who holds it, for the message above (written under the lock; never read as a lock)
        os.ftruncate(fd, 0)
        os.write(fd, json.dumps(dict(pid=os.getpid(), host=socket.gethostname(),
                                     started=time.strftime('%Y-%m-%d %H:%M:%S'),
                                     command=' '.join(sys.argv))).encode())
        self._fd = fd
        self._held[key] = self
        return self

    def release(self) -> None:
        """Let the folder go (closing the lock file releases the lock)."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
            self._held.pop(osp.realpath(self.folder), None)

    @staticmethod
    def _describe(holder: str) -> str:
        try:
            info = json.loads(holder)
            return (f'process {info["pid"]} on {info["host"]}, started {info["started"]}: '
                    f'{info["command"]}')
        except (ValueError, KeyError, TypeError):
            return 'its holder did not say who it is'
