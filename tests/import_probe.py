"""What ``import ous_mm`` changes outside ous-mm, seen from fresh processes.

``python tests/import_probe.py`` runs two fresh interpreters (each with the finders that the
start-up files ``ous_mm_drn.pth`` and ``ous_mm_safe_load.pth`` may have installed taken out
first, as in an environment where ``python -m ous_mm_drn enable`` and ``python -m
ous_mm_safe_load enable`` never ran) and prints one JSON object:

- ``modules``: the first process imports ous_mm and reports the modules that import added
  outside ous-mm, the finders it added to ``sys.meta_path``/``sys.path_hooks``, and the modules
  that one of ous-mm's own loaders made (a stand-in, not a file of their package);
- ``changes``: the second process installs the drn stand-in (what the first process saw
  ``import ous_mm`` do first), imports every module of that list, takes a snapshot, imports
  ous_mm, takes another, and lists every difference: each module's and each of its classes'
  attributes (by identity, and the entries of dicts, lists and sets among them), the attributes
  of objects held in modules (registries, tables), the random generators, torch's global
  settings and safe globals, ``os.environ``, the loggers, signal handlers, threads, ``sys``'s
  hooks and paths; ``setup_env_changes``: the same after ``ous_mm.setup_env()``;
  ``not_importable_alone`` (modules of the list that failed to import: left out of the
  comparison) and ``modules_added_here`` (modules that ``import ous_mm`` still added) should be
  empty.

Changes are strings, e.g. ``"mmaction.registry.MODELS._module_dict['OUSRecognizer']: added
ous_mm.models.recognizers.ous_recognizer.OUSRecognizer"``. Caches that fill as code runs
(``CACHES``) are not compared. ``tests/test_compat.py`` checks the list against what is allowed.
"""
import importlib
import json
import os
import os.path as osp
import signal
import subprocess
import sys
import threading
import types

OWN = ('ous_mm', 'ous_mm_drn', 'ous_mm_safe_load')
# What ous_mm imports that takes longest, imported by the second process while the first one
# lists the modules (each must be in that list: checked)
EARLY = ('torch', 'mmengine.runner', 'mmaction.models', 'open_clip')
FUNCTIONS = (types.FunctionType, types.BuiltinFunctionType, types.MethodType,
             types.WrapperDescriptorType, types.MethodDescriptorType)
# Filled by any code that runs (compiled patterns, source lines, import finders' caches,
# typing's generic aliases, ...), not state that a package sets.
CACHES = {
    'sys.modules', 'sys.path_importer_cache',
    # inspect.getmodule's file index: MMEngine's Registry.register_module calls it
    'inspect._filesbymodname', 'inspect.modulesbyfile',
    're._cache',  # compiled patterns
}


CACHE_IDS = set()


def _cache_ids() -> set:
    """The objects at ``CACHES`` (also reached under other names, e.g. ``from sys import
    modules``)."""
    ids = set()
    for path in CACHES:
        module, name = path.rsplit('.', 1)
        if module in sys.modules and name in _attrs(sys.modules[module]):
            ids.add(id(_attrs(sys.modules[module])[name]))
    return ids


def _own(name: str) -> bool:
    return any(name == o or name.startswith(o + '.') for o in OWN)


def _drop_start_up_finders() -> None:
    """Take out the finders that ``ous_mm_drn.pth`` and ``ous_mm_safe_load.pth`` installed at
    start-up, if any."""
    sys.meta_path[:] = [f for f in sys.meta_path if type(f).__name__ not in (
        'DRNStandInFinder', 'CheckpointModuleFinder')]


def _is(value, types_) -> bool:
    """``isinstance`` by the real type: ``isinstance`` asks a proxy for ``__class__``, which
    makes a lazy module proxy import its module."""
    return issubclass(type(value), types_)


def _attrs(value) -> dict:
    """An object's own attributes, read without running its ``__getattr__`` (e.g. ctypes'
    library loaders open a library for any name asked)."""
    try:
        names = object.__getattribute__(value, '__dict__')
    except AttributeError:
        return {}
    return names if _is(names, dict) else dict(names)


def _is_registry(value) -> bool:
    return type(value).__name__ == 'Registry' and '_scope' in _attrs(value)


def _describe(value) -> str:
    """A short, stable description of an object (for what was added or replaced)."""
    if _is(value, type) or _is(value, FUNCTIONS):
        # standard types: no __getattr__ of their own
        return f'{getattr(value, "__module__", "?")}.{getattr(value, "__qualname__", "?")}'
    if _is_registry(value):
        names = _attrs(value)
        return f'Registry {names["_name"]!r} of scope {names["_scope"]!r}'
    if _is(value, (str, int, float, bool, type(None))):
        return repr(value)[:80]
    return f'a {type(value).__module__}.{type(value).__qualname__}'


def _owner(value) -> str:
    """The module an object comes from (its class's, for an instance)."""
    if _is_registry(value):
        return _attrs(value)['_scope']
    if _is(value, type) or _is(value, FUNCTIONS):
        return str(getattr(value, '__module__', '?'))
    return type(value).__module__


def _key(k) -> str:
    return repr(k) if _is(k, (str, int, float, bool, type(None), tuple)) else _describe(k)


def _what(value) -> str:
    return f'{_describe(value)} (from {_owner(value)})'


class _Ref:
    """An attribute's value, held (so that its id cannot go to a new object meanwhile)."""
    __slots__ = ('value', )

    def __init__(self, value) -> None:
        self.value = value


class _Content:
    """A shallow copy of a container: its entries compared by identity later."""
    __slots__ = ('entries', )

    def __init__(self, value) -> None:
        self.entries = (dict(value) if _is(value, dict) else
                        dict(enumerate(value)) if _is(value, list) else {v: v for v in value})


def _namespace(path: str, names: dict, out: dict, seen: set, instances: list) -> None:
    for name, value in list(names.items()):
        where = f'{path}.{name}'
        # __warningregistry__: the warnings a module has shown
        if id(value) in CACHE_IDS or name == '__warningregistry__':
            continue
        out[where] = _Ref(value)
        if _is(value, (dict, list, set, frozenset)):
            if id(value) not in seen:
                seen.add(id(value))
                out[where + '[]'] = _Content(value)
        elif (not _is(value, (type, types.ModuleType)) and not callable(value)
              and _attrs(value) and id(value) not in seen):
            instances.append((where, value))


def snapshot() -> dict:
    """Every module's and class's attributes, module-held objects' attributes, global settings."""
    global CACHE_IDS
    CACHE_IDS = _cache_ids()
    out, seen, instances = {}, set(CACHE_IDS), []
    for mname, module in list(sys.modules.items()):
        if module is None or _own(mname) or mname in ('__main__', '__mp_main__'):
            continue
        names = _attrs(module)  # not vars(): a lazy module would load
        _namespace(mname, names, out, seen, instances)
        for name, value in list(names.items()):
            if (_is(value, type) and value.__module__ == mname and id(value) not in seen):
                seen.add(id(value))
                _namespace(f'{mname}.{value.__qualname__}', dict(_attrs(value)), out, seen,
                           instances)
    for where, value in instances:  # objects held in modules: registries, tables, managers
        if id(value) in seen:
            continue
        seen.add(id(value))
        _namespace(where, dict(_attrs(value)), out, seen, [])
    out.update(_settings())
    return out


def _settings() -> dict:
    """Process-wide state that lives outside module namespaces."""
    import random

    import numpy as np
    import torch
    state = {
        'rng: python': hash(str(random.getstate())),
        'rng: numpy': hash(str(np.random.get_state())),
        'rng: torch': hash(torch.get_rng_state().numpy().tobytes()),
        'torch.get_num_threads()': torch.get_num_threads(),
        'torch.get_default_dtype()': str(torch.get_default_dtype()),
        'torch.is_grad_enabled()': torch.is_grad_enabled(),
        'torch.are_deterministic_algorithms_enabled()':
        torch.are_deterministic_algorithms_enabled(),
        'torch.backends.cudnn.benchmark': torch.backends.cudnn.benchmark,
        'torch.backends.cudnn.deterministic': torch.backends.cudnn.deterministic,
        'torch.serialization.get_safe_globals()':
        sorted(_describe(g[0] if isinstance(g, tuple) else g) + (f' as {g[1]}' if isinstance(
            g, tuple) else '') for g in torch.serialization.get_safe_globals()),
        'os.environ': dict(os.environ),
        'os.getcwd()': os.getcwd(),
        'sys.meta_path': [_describe(type(f)) for f in sys.meta_path],
        'sys.path_hooks': [_describe(h) for h in sys.path_hooks],
        'sys.path': list(sys.path),
        'threads': sorted(t.name for t in threading.enumerate()),
        'signal handlers': {s.name: _describe(signal.getsignal(s)) for s in signal.Signals
                            if s not in (signal.SIGKILL, signal.SIGSTOP)},
    }
    if 'cv2' in sys.modules:
        state['cv2.getNumThreads()'] = sys.modules['cv2'].getNumThreads()
    import logging
    for name, logger in list(logging.Logger.manager.loggerDict.items()):
        if isinstance(logger, logging.Logger) and not _own(name):
            state[f'logger {name}'] = (logger.level, logger.propagate, logger.disabled,
                                       [id(h) for h in logger.handlers],
                                       [id(f) for f in logger.filters])
    root = logging.getLogger()
    state['logger (root)'] = (root.level, [id(h) for h in root.handlers],
                              [id(f) for f in root.filters])
    return state


def diff(before: dict, after: dict) -> list:
    """The differences between two snapshots, one line each."""
    lines = []
    for where in sorted(set(before) | set(after)):
        old, new = before.get(where), after.get(where)
        if new is None:
            lines.append(f'{where}: removed')
        elif old is None:
            if not where.endswith('[]'):
                lines.append(f'{where}: added ' +
                             (_describe(new.value) if _is(new, _Ref) else repr(new)))
        elif _is(new, _Ref):
            if old.value is not new.value:
                lines.append(f'{where}: replaced {_describe(old.value)} by '
                             f'{_describe(new.value)}')
        elif _is(new, _Content):
            olds, news = old.entries, new.entries
            if olds.keys() == news.keys() and all(olds[k] is news[k] for k in olds):
                continue
            for k in sorted(set(olds) | set(news), key=_key):
                shown = _key(k)
                if k not in news:
                    lines.append(f'{where[:-2]}[{shown}]: removed')
                elif k not in olds:
                    lines.append(f'{where[:-2]}[{shown}]: added {_what(news[k])}')
                elif olds[k] is not news[k]:
                    lines.append(f'{where[:-2]}[{shown}]: replaced {_what(olds[k])} by '
                                 f'{_what(news[k])}')
        elif _is(old, list) and _is(new, list):
            added = [x for x in new if x not in old]
            removed = [x for x in old if x not in new]
            lines += [f'{where}: added {x}' for x in added]
            lines += [f'{where}: removed {x}' for x in removed]
            if not added and not removed and old != new:
                lines.append(f'{where}: reordered')
        elif _is(old, dict) and _is(new, dict):
            for k in sorted(set(old) | set(new)):
                if old.get(k) != new.get(k):
                    lines.append(f'{where}[{k!r}]: {old.get(k)!r} -> {new.get(k)!r}')
        elif old != new:
            lines.append(f'{where}: {old!r} -> {new!r}')
    return lines


def modules() -> dict:
    """In this fresh process: what ``import ous_mm`` adds to sys.modules, meta_path, path_hooks."""
    _drop_start_up_finders()
    before = list(sys.modules)
    meta, hooks = list(sys.meta_path), list(sys.path_hooks)
    import ous_mm  # noqa: F401
    new = [m for m in sys.modules if m not in before and not _own(m)]
    made_by_own = [m for m in new if _own(type(getattr(
        getattr(sys.modules[m], '__spec__', None), 'loader', None)).__module__)]
    return dict(
        modules=new, made_by_own_loaders=made_by_own,
        meta_path_added=[_describe(type(f)) for f in sys.meta_path if f not in meta],
        path_hooks_added=[_describe(h) for h in sys.path_hooks if h not in hooks])


def changes() -> dict:
    """In this fresh process: the drn stand-in, every module of the list that ``--modules``
    wrote (read from stdin), then ous_mm."""
    _drop_start_up_finders()
    import ous_mm_drn
    ous_mm_drn.install()
    for name in EARLY:  # while the other process finds the list
        importlib.import_module(name)
    module_list = json.loads(sys.stdin.read())
    failed = []
    for name in module_list:
        try:
            importlib.import_module(name)
        except Exception as err:  # a module that only its importer can make
            failed.append(f'{name}: {type(err).__name__}: {err}'[:200])
    failed += [f'{name}: imported early but not by ous_mm' for name in EARLY
               if name not in module_list]
    # a first look makes a few lazy objects load (matplotlib's backend): not compared
    present = set(sys.modules)
    snapshot()
    loaded_by_snapshot = [m for m in sys.modules if m not in present]
    before = snapshot()
    present = set(sys.modules)
    import ous_mm
    after = snapshot()
    ous_mm.setup_env()
    return dict(changes=diff(before, after), setup_env_changes=diff(after, snapshot()),
                not_importable_alone=failed,
                loaded_by_snapshot=loaded_by_snapshot,
                modules_added_here=[m for m in sys.modules if m not in present and not _own(m)])


def probe() -> dict:
    """Both processes, side by side; their reports together (see the module's docstring)."""
    first, second = (subprocess.Popen([sys.executable, osp.abspath(__file__), mode],
                                      stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE, text=True)
                     for mode in ('--modules', '--changes'))
    reports = []
    for proc, given in ((first, ''), (second, None)):
        out, err = proc.communicate(given if given is not None else
                                    json.dumps(reports[0]['modules']))
        if proc.returncode != 0:
            raise RuntimeError(f'{proc.args[-1]} failed:\n{err[-5000:]}')
        reports.append(json.loads(out.strip().splitlines()[-1]))
    return dict(reports[0], **reports[1])


if __name__ == '__main__':
    if sys.argv[1:2] == ['--modules']:
        print(json.dumps(modules()))
    elif sys.argv[1:2] == ['--changes']:
        print(json.dumps(changes()))
    else:
        print(json.dumps(probe(), indent=1))
