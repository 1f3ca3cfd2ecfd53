"""The tensors of a TorchScript archive, read as data: its code is never compiled or run.

``torch.jit.load`` compiles the archive's ``code/`` and runs it while loading (a class's
``__setstate__``, say), and TorchScript can write files (``torch.from_file``). OpenAI's released
CLIP weights are such archives, so ous-mm reads them here instead: the archive's ``data.pkl``
through an unpickler that resolves only tensor rebuilds, storages, ``OrderedDict`` and
TorchScript's container tags; every ``__torch__`` class (a scripted module or object) becomes
a plain attribute holder whose state is kept as data, whatever its code would have done.
"""
import io
import pickle
import zipfile
from collections import OrderedDict
from typing import Any, Dict, Tuple

import torch

from .pickle_allow_list import DisallowedPickleError


class ScriptObject:
    """A ``__torch__`` object of the archive: its pickled state, as data.

    TorchScript pickles a module as its class and a dict of its attributes
    (parameters, buffers, sub-modules, Python values); a class with its own
    ``__getstate__`` as whatever that returned. Neither runs anything here.
    """

    def __setstate__(self, state: Any) -> None:
        if isinstance(state, dict):
            self.__dict__.update({k: v for k, v in state.items() if isinstance(k, str)})
        else:
            self.__dict__['_script_state'] = state


def _restore_type_tag(value: Any, type_str: str) -> Any:
    # TorchScript tags typed containers (Dict[str, Tensor], ...) for its own unpickler
    return value


def _list(*items) -> list:
    return list(*items)


def _rebuild_tensor(storage: torch.storage.TypedStorage, offset: int, size: tuple, stride: tuple,
                    requires_grad: bool, backward_hooks: dict, *metadata) -> torch.Tensor:
    # torch's rebuild would attach the pickled hooks and metadata: weights have neither
    if backward_hooks or metadata or not isinstance(storage, torch.storage.TypedStorage):
        raise DisallowedPickleError('it rebuilds a tensor with hooks, metadata or no storage')
    return torch._utils._rebuild_tensor_v2(storage, offset, size, stride, False, OrderedDict())


# TorchScript's pickler writes these beside the tensors (torch/jit/_pickle.py); each only
# builds a container of values already unpickled
_JIT_PICKLE = {name: _list for name in ('build_intlist', 'build_tensorlist', 'build_doublelist',
                                        'build_boollist', 'build_complexlist')}
_JIT_PICKLE['restore_type_tag'] = _restore_type_tag


class _ArchiveUnpickler(pickle.Unpickler):
    """Unpickles a TorchScript archive's ``data.pkl``, resolving only data types."""

    def __init__(self, data: bytes, archive: zipfile.ZipFile, root: str) -> None:
        super().__init__(io.BytesIO(data))
        self.archive = archive
        self.root = root
        self.classes: Dict[str, type] = {}

    def find_class(self, module: str, name: str) -> Any:
        if module == '__torch__' or module.startswith('__torch__.'):
            key = f'{module}.{name}'
            if key not in self.classes:  # one plain class per scripted class, never its code
                self.classes[key] = type(name, (ScriptObject, ), dict(__qualname__=key))
            return self.classes[key]
        if (module, name) == ('torch._utils', '_rebuild_tensor_v2'):
            return _rebuild_tensor
        if (module, name) == ('collections', 'OrderedDict'):
            return OrderedDict
        if module == 'torch.jit._pickle' and name in _JIT_PICKLE:
            return _JIT_PICKLE[name]
        if module == 'torch' and name.endswith('Storage'):  # a storage's type: its dtype
            try:
                return torch.storage._get_dtype_from_pickle_storage_type(name)
            except KeyError:
                pass
        raise DisallowedPickleError(f'it references {module}.{name}, which a TorchScript '
                                    'archive of weights does not hold')

    def persistent_load(self, pid: Tuple) -> torch.storage.TypedStorage:
        if not (isinstance(pid, tuple) and len(pid) == 5 and pid[0] == 'storage'
                and isinstance(pid[1], torch.dtype) and isinstance(pid[2], str)
                and isinstance(pid[4], int)):
            raise DisallowedPickleError(f'it holds a persistent id {pid!r:.100}, not a storage')
        _, dtype, key, _, numel = pid
        name = f'{self.root}/data/{key}'
        try:
            info = self.archive.getinfo(name)
        except KeyError:
            raise DisallowedPickleError(f'its storage {name} is missing') from None
        itemsize = torch.empty((), dtype=dtype).element_size()
        if info.file_size != numel * itemsize:
            raise DisallowedPickleError(f'its storage {name} has {info.file_size} bytes, not the '
                                        f'{numel} x {itemsize} its data.pkl says')
        raw = bytearray(self.archive.read(name))
        untyped = torch.frombuffer(raw, dtype=torch.uint8).untyped_storage() if raw else \
            torch.UntypedStorage(0)
        return torch.storage.TypedStorage(wrap_storage=untyped, dtype=dtype, _internal=True)


def _tensors(obj: Any, prefix: str, out: Dict[str, torch.Tensor], seen: set) -> None:
    """The tensors of a module tree by their dotted attribute paths (a module's state dict)."""
    if id(obj) in seen:
        return
    seen.add(id(obj))
    for name, value in vars(obj).items():
        if isinstance(value, torch.Tensor):
            out[prefix + name] = value
            if value._backward_hooks:
                raise DisallowedPickleError(f'its tensor {prefix}{name} has backward hooks')
        elif isinstance(value, ScriptObject):
            _tensors(value, f'{prefix}{name}.', out, seen)


def read_torchscript_tensors(path: str) -> Dict[str, torch.Tensor]:
    """The tensors of a TorchScript archive's module, by name, without running its code.

    Args:
        path (str): A file written by ``torch.jit.save`` (one top-level folder
            holding ``data.pkl``, ``data/`` and ``code/``).

    Returns:
        dict[str, torch.Tensor]: Every tensor attribute of the module and its
        sub-modules (parameters and buffers), under the names its
        ``state_dict()`` gives them.

    Raises:
        DisallowedPickleError: ``data.pkl`` references anything but data, or
            its storages do not match the archive.
    """
    with zipfile.ZipFile(path) as archive:
        pickles = [n for n in archive.namelist() if n.count('/') == 1 and n.endswith('/data.pkl')]
        if len(pickles) != 1:
            raise DisallowedPickleError(f'it holds {len(pickles)} top-level data.pkl files, '
                                        'not one')
        root = pickles[0].split('/')[0]
        unpickler = _ArchiveUnpickler(archive.read(pickles[0]), archive, root)
        try:
            module = unpickler.load()
        except (DisallowedPickleError, MemoryError):
            raise
        except Exception as err:  # a malformed pickle or tensor: say so, as data
            raise DisallowedPickleError(f'its data.pkl does not read as data ({type(err).__name__}'
                                        f': {str(err).strip()[:300]})') from err
    if not isinstance(module, ScriptObject):
        raise DisallowedPickleError(f'its data.pkl holds a {type(module).__name__}, not a module')
    tensors: Dict[str, torch.Tensor] = {}
    _tensors(module, '', tensors, set())
    return tensors
