from .atomic_local_backend import AtomicLocalBackend
from .atomic_path import atomic_path
from .checkpoint_marker import is_marked_checkpoint, mark_checkpoint
from .work_dir_lock import WorkDirBusyError, WorkDirLock

__all__ = ['AtomicLocalBackend', 'atomic_path', 'is_marked_checkpoint', 'mark_checkpoint',
           'WorkDirBusyError', 'WorkDirLock']
