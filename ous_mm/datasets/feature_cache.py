"""The feature cache's files: the layout, the checks made before they are read, the writes.

``tools/extract_features.py`` runs the frozen encoder once over every clip of a
dataset's splits (all folds) and writes ``<cache_dir>/``:

- ``meta.json``, written last when the cache is created: the format version,
  the clips (their keys, labels and whether they have training views), the
  number of training views ``num_views`` (K) and their ``seed``, the shapes of
  one view's features, and the fingerprint of what the features depend on:
  ``encoder`` (the frozen encoder's weights by content and its settings),
  ``pipelines`` (the training and the test pipeline), ``classes``;
- ``clips.json``: each clip's content fingerprint (``clip_content``);
- ``test/`` (one row per clip: the test pipeline's view) and ``train/`` (K rows
  per clip with training views, row ``K * i + v`` for view ``v``), each with
  ``face.f16``, ``scene.f16``, ``early.f16`` (float16, one ``T x C``,
  ``T/s x C``, ``T/s x E`` block per row), ``frames.i32`` (the sampled frame
  indices), ``crc.u32`` (a CRC-32 of every row of every file: a damaged row is
  an error naming it) and ``done.u8`` (one flag per row, set after the row is on
  disk: extraction resumes from it).

Every check raises :class:`FeatureCacheError`, naming the file (and for a row,
the clip and view) and how to rebuild.
"""
import json
import os
import os.path as osp
import zlib
from typing import Dict, List, Optional

import numpy as np

from ..fileio import AtomicLocalBackend

# 3: clips.json records each video's stat and whole-content hash; 4: meta.json the text tower's
# fingerprint (a model without its image encoder is checked by it)
VERSION = 4
PARTS = ('train', 'test')
FEATURES = ('face', 'scene', 'early')
DTYPES = dict(face=np.float16, scene=np.float16, early=np.float16, frames=np.int32)
EXT = dict(face='f16', scene='f16', early='f16', frames='i32')
META_KEYS = ('version', 'clips', 'labels', 'train_rows', 'num_views', 'seed', 'shapes',
             'classes', 'encoder', 'pipelines')


class FeatureCacheError(RuntimeError):
    """A feature cache that is damaged, incomplete, stale or made with other settings."""


def rebuild_hint(cache_dir: str) -> str:
    """How to rebuild the cache ``cache_dir``."""
    return (f'delete {cache_dir} and run `python tools/extract_features.py CONFIG --out '
            f'{cache_dir}` (CONFIG: the live config, with the options you train with), or '
            'extract into another --out and set the cached config\'s feature_cache to it')


def refresh_hint(cache_dir: str) -> str:
    """How to re-extract the clips that changed since ``cache_dir`` was made."""
    return (f're-extract the changed clips with `python tools/extract_features.py CONFIG --out '
            f'{cache_dir} --refresh`, or {rebuild_hint(cache_dir)}')


def view_bytes(shapes: Dict[str, List[int]]) -> int:
    """Bytes on disk per stored view (features, frame indices, checksums, done flag)."""
    return sum(int(np.prod(shape)) * np.dtype(DTYPES[name]).itemsize
               for name, shape in shapes.items()) + 4 * len(shapes) + 1


def _read_json(path: str, cache_dir: str) -> object:
    if not osp.isfile(path):
        raise FeatureCacheError(f'no feature cache at {cache_dir} ({path} is missing): run '
                                f'`python tools/extract_features.py CONFIG --out {cache_dir}`')
    try:
        with open(path, encoding='utf-8') as f:
            return json.load(f)
    except (OSError, ValueError) as e:  # ValueError: empty, cut or undecodable JSON
        raise FeatureCacheError(f'{path} is unreadable ({type(e).__name__}: {e}); rebuild: '
                                f'{rebuild_hint(cache_dir)}') from e


def read_meta(cache_dir: str) -> dict:
    """The cache's ``meta.json``, checked for every key and for consistent counts."""
    path = osp.join(cache_dir, 'meta.json')
    meta = _read_json(path, cache_dir)
    missing = [k for k in META_KEYS if k not in meta] if isinstance(meta, dict) else META_KEYS
    try:
        n = len(meta['clips'])
        consistent = (not missing and meta['version'] == VERSION
                      and len(meta['labels']) == len(meta['train_rows']) == n
                      and all(isinstance(r, int) for r in meta['train_rows'])
                      and set(meta['shapes']) <= {*FEATURES, 'frames'}
                      and all(isinstance(d, int) and d > 0 for shape in meta['shapes'].values()
                              for d in shape)
                      and isinstance(meta['num_views'], int) and meta['num_views'] >= 0)
    except (TypeError, KeyError, AttributeError):  # valid JSON of the wrong types
        consistent = False
    if missing or not consistent:
        what = f'lacks {", ".join(missing)}' if missing else (
            'is of another format version' if meta.get('version') != VERSION else
            'has inconsistent counts or shapes')
        raise FeatureCacheError(f'{path} {what} (damaged, or made by another ous-mm version); '
                                f'rebuild: {rebuild_hint(cache_dir)}')
    return meta


class FeatureCache:
    """One feature cache on disk, its files checked against ``meta.json`` before mapping.

    Every file's size must be what ``meta.json`` says before it is mapped, so
    a short file is an error naming it (and mapping in ``r+`` mode can never
    grow, i.e. zero-pad, a file).

    Args:
        cache_dir (str): The cache folder.
        mode (str): ``'r'`` or ``'r+'`` (as for ``np.memmap``). Defaults to ``'r'``.
    """

    def __init__(self, cache_dir: str, mode: str = 'r') -> None:
        self.cache_dir = cache_dir
        self.meta = read_meta(cache_dir)
        self.mode = mode
        self.clips: List[str] = self.meta['clips']
        self.index = {clip: i for i, clip in enumerate(self.clips)}
        self.num_views = self.meta['num_views']
        self.names = list(self.meta['shapes'])
        content = _read_json(osp.join(cache_dir, 'clips.json'), cache_dir)
        if not isinstance(content, list) or len(content) != len(self.clips) or not all(
                isinstance(c, dict) and isinstance(c.get('video'), list)
                and isinstance(c.get('faces'), list) for c in content):
            raise FeatureCacheError(
                f'{osp.join(cache_dir, "clips.json")} does not list the {len(self.clips)} clips '
                f'of meta.json (damaged); rebuild: {rebuild_hint(cache_dir)}')
        self.content: List[dict] = content
        self.maps = {part: self._map(part) for part in PARTS}

    def num_rows(self, part: str) -> int:
        """Rows of ``part``: one per clip (test), ``num_views`` per clip with training views."""
        if part == 'test':
            return len(self.clips)
        return self.num_views * sum(r >= 0 for r in self.meta['train_rows'])

    def _map(self, part: str) -> Dict[str, np.memmap]:
        rows = self.num_rows(part)
        files = {name: (f'{name}.{EXT[name]}', DTYPES[name], (rows, *shape))
                 for name, shape in self.meta['shapes'].items()}
        files['crc'] = ('crc.u32', np.uint32, (rows, len(self.names)))
        files['done'] = ('done.u8', np.uint8, (rows, ))
        maps = {}
        for name, (file, dtype, shape) in files.items():
            path = osp.join(self.cache_dir, part, file)
            need = int(np.prod(shape)) * np.dtype(dtype).itemsize
            size = osp.getsize(path) if osp.isfile(path) else None
            if size != need:
                raise FeatureCacheError(
                    f'{path} is damaged: {"missing" if size is None else f"{size} bytes"}, but '
                    f'meta.json says {rows} rows of {list(shape[1:])} {np.dtype(dtype).name} '
                    f'({need} bytes); rebuild: {rebuild_hint(self.cache_dir)}')
            # an empty part (no training views) cannot be mapped: an empty array stands in
            maps[name] = (np.memmap(path, dtype, self.mode, shape=shape) if rows else
                          np.zeros(shape, dtype))
        return maps

    @classmethod
    def create(cls, cache_dir: str, meta: dict, content: List[dict]) -> 'FeatureCache':
        """Allocate a new cache; ``meta.json`` last, so a kill leaves no cache to resume.

        Args:
            cache_dir (str): The cache folder (created).
            meta (dict): ``meta.json`` (see the module's docstring), less ``version``.
            content (list[dict]): Each clip's ``clip_content``.

        Returns:
            FeatureCache: The cache, opened in ``r+`` mode.
        """
        meta = dict(meta, version=VERSION)
        files = AtomicLocalBackend()
        for part in PARTS:
            os.makedirs(osp.join(cache_dir, part), exist_ok=True)
            n = len(meta['clips']) if part == 'test' else (
                meta['num_views'] * sum(r >= 0 for r in meta['train_rows']))
            for name, shape in meta['shapes'].items():
                _allocate(osp.join(cache_dir, part, f'{name}.{EXT[name]}'), DTYPES[name],
                          (n, *shape))
            _allocate(osp.join(cache_dir, part, 'crc.u32'), np.uint32, (n, len(meta['shapes'])))
            _allocate(osp.join(cache_dir, part, 'done.u8'), np.uint8, (n, ))
        files.put_text(json.dumps(content), osp.join(cache_dir, 'clips.json'))
        files.put_text(json.dumps(meta), osp.join(cache_dir, 'meta.json'))
        return cls(cache_dir, 'r+')

    def set_content(self, content: List[dict]) -> None:
        """Replace ``clips.json`` (after re-extracting changed clips), atomically."""
        AtomicLocalBackend().put_text(json.dumps(content), osp.join(self.cache_dir, 'clips.json'))
        self.content = content

    def rows_of(self, clip: int, part: str) -> List[int]:
        """The rows of clip number ``clip`` in ``part`` (none: it has no training views)."""
        if part == 'test':
            return [clip]
        base = self.meta['train_rows'][clip]
        return [] if base < 0 else list(range(base * self.num_views,
                                              (base + 1) * self.num_views))

    def row_name(self, part: str, row: int) -> str:
        """``clip KEY, view V`` (or ``the test view``) of a row, for errors."""
        if part == 'test':
            return f'clip {self.clips[row]} (the test view)'
        base, view = divmod(row, self.num_views)
        clip = self.meta['train_rows'].index(base)
        return f'clip {self.clips[clip]}, training view {view}'

    def write(self, part: str, rows: List[int], values: Dict[str, np.ndarray]) -> None:
        """Write rows and their checksums, flush, then set their done flags.

        Args:
            part (str): ``'train'`` or ``'test'``.
            rows (list[int]): The rows.
            values (dict): ``len(rows) x ...`` arrays for every name in ``shapes``.
        """
        maps = self.maps[part]
        for name in self.names:
            value = np.asarray(values[name])
            expected = (len(rows), *self.meta['shapes'][name])
            if value.shape != expected:
                raise ValueError(f'{name}: got {value.shape}, the cache stores {expected}')
            maps[name][rows] = value.astype(DTYPES[name])
            maps[name].flush()
        maps['crc'][rows] = [[zlib.crc32(np.ascontiguousarray(maps[name][row]))
                              for name in self.names] for row in rows]
        maps['crc'].flush()
        maps['done'][rows] = 1  # only once the row and its checksum are on disk
        maps['done'].flush()

    def clear(self, part: str, rows: List[int]) -> None:
        """Mark rows as not extracted (to re-extract them)."""
        if rows:
            self.maps[part]['done'][rows] = 0
            self.maps[part]['done'].flush()

    def read(self, part: str, row: int) -> Dict[str, np.ndarray]:
        """One row of every file, checked against its checksum.

        Raises:
            FeatureCacheError: The row is not extracted or does not match its
                checksum, naming the file, the clip and the view.
        """
        maps = self.maps[part]
        if not maps['done'][row]:
            raise FeatureCacheError(
                f'{self.row_name(part, row)} is not extracted in {self.cache_dir} '
                f'(an interrupted extraction): run `python tools/extract_features.py CONFIG '
                f'--out {self.cache_dir}` again to finish it')
        out = {}
        for i, name in enumerate(self.names):
            value = np.array(maps[name][row])  # a copy: the map may be rewritten later
            if zlib.crc32(value) != maps['crc'][row, i]:
                path = osp.join(self.cache_dir, part, f'{name}.{EXT[name]}')
                raise FeatureCacheError(
                    f'{path} is damaged: the row of {self.row_name(part, row)} does not match '
                    f'its checksum in crc.u32; {refresh_hint(self.cache_dir)}')
            out[name] = value
        return out

    def row_intact(self, part: str, row: int) -> bool:
        """Whether every file's row matches its checksum."""
        maps = self.maps[part]
        return all(zlib.crc32(np.ascontiguousarray(maps[name][row])) == maps['crc'][row, i]
                   for i, name in enumerate(self.names))

    def missing_rows(self, part: str, rows: Optional[List[int]] = None) -> List[int]:
        """The rows (of ``rows``, default all) that are not extracted yet."""
        done = self.maps[part]['done']
        rows = range(len(done)) if rows is None else rows
        return [r for r in rows if not done[r]]


def _allocate(path: str, dtype: np.dtype, shape: tuple) -> None:
    """A zero-filled file of ``shape`` (sparse where the file system allows)."""
    with open(path, 'wb') as f:
        f.truncate(int(np.prod(shape)) * np.dtype(dtype).itemsize)
