from .atomic_local_backend import AtomicLocalBackend
from .atomic_path import atomic_path

__all__ = ['AtomicLocalBackend', 'atomic_path']
