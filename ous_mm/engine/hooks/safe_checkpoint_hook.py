"""MMEngine's ``CheckpointHook``, made safe against a kill at any instant."""
import logging
import os
import os.path as osp
import re
import zipfile
from contextlib import contextmanager
from typing import Any, Dict, Iterator, List, Optional, Tuple

from mmaction.registry import HOOKS
from mmengine.dist import is_main_process
from mmengine.fileio import get_file_backend
from mmengine.hooks import CheckpointHook
from mmengine.logging import print_log

from ous_mm.fileio import AtomicLocalBackend, WorkDirLock, is_marked_checkpoint
from ous_mm.utils import setup_env

# what MMEngine's CheckpointHook records in the message hub about its files (best_ckpt and
# best_score are followed by _<metric> when it saves several best files)
_RECORDS = ('best_ckpt', 'best_score', 'last_ckpt', 'keep_ckpt_ids')


class _RemovalRecorder:
    """Stands in for the hook's file backend and records ``remove``/``rmtree`` calls.

    Everything else goes to the real backend.

    Args:
        backend: The hook's file backend.
    """

    def __init__(self, backend: Any) -> None:
        self.backend = backend
        self.calls: List[Tuple[str, str]] = []

    def remove(self, path: str) -> None:
        self.calls.append(('remove', path))

    def rmtree(self, path: str) -> None:
        self.calls.append(('rmtree', path))

    def __getattr__(self, name: str) -> Any:
        return getattr(self.backend, name)


def is_complete_checkpoint(path: str) -> bool:
    """Whether ``path`` is a whole ``torch.save`` file (its zip directory, written last, reads).

    Args:
        path (str): The checkpoint file.

    Returns:
        bool: False for a missing, truncated or non-zip file.
    """
    try:
        with zipfile.ZipFile(path):
            return True
    except (OSError, zipfile.BadZipFile):
        return False


def best_checkpoint_files(folder: str, key: str, filename_tmpl: str = 'epoch_{}.pth') -> List[str]:
    """The ``best_*`` files that ``CheckpointHook(save_best=key)`` wrote in ``folder``.

    Args:
        folder (str): The checkpoint folder.
        key (str): The metric, e.g. ``'dfer/nll'``.
        filename_tmpl (str): The hook's ``filename_tmpl``. Defaults to 'epoch_{}.pth'.

    Returns:
        list[str]: Their paths, sorted.
    """
    # MMEngine's naming: best_<key with / as _>_<filename_tmpl>
    pattern = re.compile(re.escape(f'best_{key}_'.replace('/', '_'))
                         + re.escape(filename_tmpl).replace(r'\{\}', r'\d+'))
    names = sorted(os.listdir(folder)) if osp.isdir(folder) else []
    return [osp.join(folder, n) for n in names
            if pattern.fullmatch(n) and osp.isfile(osp.join(folder, n))]


def find_best_checkpoint(folder: str, key: str) -> str:
    """The one best checkpoint for ``key`` in a finished run's ``folder``.

    Args:
        folder (str): The work dir of the run.
        key (str): The metric, e.g. ``'dfer/nll'``.

    Returns:
        str: Its path.
    """
    found = best_checkpoint_files(folder, key)
    if len(found) != 1:
        raise FileNotFoundError(
            f'{len(found)} best checkpoints for {key} in {folder} '
            f'({", ".join(osp.basename(p) for p in found) or "none"}), expected one: train the '
            'run to its end (--resume continues it; SafeCheckpointHook keeps one best file '
            'per metric), or remove the files of other runs from that folder.')
    return found[0]


@HOOKS.register_module()
class SafeCheckpointHook(CheckpointHook):
    """MMEngine's ``CheckpointHook`` whose files survive a kill at any instant.

    Same arguments and files as :class:`mmengine.hooks.CheckpointHook`, plus:

    - Files are written atomically (the ``'atomic_local'`` backend, unless
      ``backend_args`` names another): a killed write leaves no truncated file,
      only a temporary file, removed at the next start.
    - A file that a save replaces (the previous ``epoch_*`` beyond
      ``max_keep_ckpts``, the previous ``best_*``) is removed only after every
      file of that save is completely written.
    - In an epoch that is validated, ``epoch_N.pth`` is written after the
      validation (after the ``best_*`` files), so it holds the state of the
      end of the epoch: best scores, and the schedulers that step on the
      validation loss (``ReduceOnPlateauLR``). A kill anywhere in epoch N
      (training, validation or a write) resumes from ``epoch_{N-1}.pth`` and
      redoes epoch N. MMEngine writes it before the validation, so a run
      resumed from it never saw epoch N's validation. Epochs that are not
      validated are saved before the next epoch starts (or when training ends).
    - ``--resume`` without a file resumes from the newest complete checkpoint
      of the output folder, whatever ``last_checkpoint`` says (missing,
      truncated, naming a removed file); with none, training starts anew.
    - After a resume, only the restored state's files are kept: the ``best_*``
      file recorded for each metric and the ``epoch_*`` files it keeps
      (``max_keep_ckpts``); files written after that checkpoint are removed
      (their work is redone).
    - Checkpoints load safely in every run it is part of (``load_from``,
      ``--resume``, a test), whatever script started it: ``before_run``, which
      precedes the loading, calls :func:`ous_mm.setup_env`.
    - A run removes only checkpoints that ous-mm wrote (the mark the
      ``'atomic_local'`` backend puts on them,
      :func:`~ous_mm.fileio.checkpoint_marker.mark_checkpoint`) in its own
      folder; any other file is kept, with a warning. The paths MMEngine
      records (best files, kept epochs) are taken relative to the run's folder:
      a run resumed from a checkpoint in another folder starts its own records
      (best scores included) and never touches that folder.
    - One training run per folder: a second run into a folder that a live run
      trains in is refused when its training starts, before it touches a file
      there (:class:`~ous_mm.fileio.WorkDirLock`, released by the kernel when
      its holder dies, so a killed run never blocks its own ``--resume``);
      torchrun's ranks share their run's lock.

    Iteration-based saving (``by_epoch=False``) keeps MMEngine's timing and
    gains the atomic writes, the ordering and the resume lookup. Only rank 0
    touches files. Used by ous-mm's configs (``default_hooks.checkpoint``).

    Args:
        backend_args (dict, optional): Arguments of the file backend.
            Defaults to ``dict(backend='atomic_local')`` for a local ``out_dir``
            (the default); for remote storage (an ``out_dir`` URI), MMEngine's
            choice by prefix, whose writes are not made atomic here.
        **kwargs: The arguments of :class:`mmengine.hooks.CheckpointHook`.
    """

    def __init__(self, backend_args: Optional[dict] = None, **kwargs) -> None:
        remote = '://' in str(kwargs.get('out_dir') or '')
        if backend_args is None and kwargs.get('file_client_args') is None and not remote:
            backend_args = dict(backend='atomic_local')
        super().__init__(backend_args=backend_args, **kwargs)
        self._pending_epoch: Optional[int] = None  # saved once the epoch's validation is over
        self._recorder: Optional[_RemovalRecorder] = None
        self._resuming = False
        self._lock: Optional[WorkDirLock] = None
        self._marked = True  # whether the backend marks its files (set in before_run)
        self._step_name = re.compile(re.escape(self.filename_tmpl).replace(r'\{\}', r'(\d+)'))

    def before_run(self, runner) -> None:
        """Make checkpoints load safely; remove stale temporary files; point ``--resume`` at
        the newest complete checkpoint.

        Args:
            runner (Runner): The runner.
        """
        # before_run precedes Runner.load_or_resume, which loads with what setup_env sets up
        # (MMAction2's own tools on ous-mm's configs come through here) and reads these two
        setup_env()
        self._resuming = bool(runner._resume)
        folder = self._checkpoint_dir(runner)
        self._marked = isinstance(get_file_backend(folder, backend_args=self.backend_args),
                                  AtomicLocalBackend)
        if is_main_process():
            for path in AtomicLocalBackend.remove_stale_temp_files(folder):
                runner.logger.info(f'Removed {path}: a run was killed while writing it.')
        if not (runner._resume and runner._load_from is None):
            return
        newest = self.newest_complete_checkpoint(folder, runner.logger)
        if newest is None:
            runner.logger.warning(f'resume: no complete checkpoint in {folder}; training '
                                  'starts from the beginning.')
            runner._resume = False
        else:
            runner.logger.info(f'resume: the newest complete checkpoint is {newest}.')
            runner._load_from = newest

    def before_train(self, runner) -> None:
        """Set up as MMEngine does, with the restored records made this folder's; after a
        resume, remove the files the restored state lacks.

        Args:
            runner (Runner): The runner.
        """
        folder = self._checkpoint_dir(runner)
        if is_main_process() and self._marked:  # before this run touches any file of the folder
            self._lock = WorkDirLock(folder).acquire()
        resumed_here = self._own_records(runner, folder)
        super().before_train(runner)
        if resumed_here and is_main_process():
            for path in self._files_not_in_restored_state():
                self._remove_own(path, 'newer than the checkpoint this run resumed from, whose '
                                 'work is redone')

    def after_train(self, runner) -> None:
        """Save the last epoch if it was not validated, publish as MMEngine does, let the
        folder go.

        Args:
            runner (Runner): The runner.
        """
        with self._removals_after_writes():
            self._save_pending_epoch(runner)
        super().after_train(runner)
        self.after_run(runner)

    def after_run(self, runner) -> None:
        """Let the folder go.

        Args:
            runner (Runner): The runner.
        """
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    def before_train_epoch(self, runner) -> None:
        """Save the previous epoch if it was not validated.

        Args:
            runner (Runner): The runner.
        """
        with self._removals_after_writes():
            self._save_pending_epoch(runner)

    def after_val_epoch(self, runner, metrics: Dict[str, float]) -> None:
        """Save the ``best_*`` files, then the epoch's checkpoint, then remove what they replace.

        Args:
            runner (Runner): The runner.
            metrics (dict): The validation metrics.
        """
        with self._removals_after_writes():
            super().after_val_epoch(runner, metrics)
            self._save_pending_epoch(runner)

    def newest_complete_checkpoint(self, folder: str, logger=None) -> Optional[str]:
        """The complete ``filename_tmpl`` checkpoint with the highest step in ``folder``.

        Args:
            folder (str): The folder the checkpoints are saved in.
            logger (MMLogger, optional): Where to say which files were skipped.

        Returns:
            str, optional: Its path, None when there is none.
        """
        steps = []
        for name in os.listdir(folder) if osp.isdir(folder) else []:
            match = self._step_name.fullmatch(name)
            if match and is_complete_checkpoint(osp.join(folder, name)):
                steps.append((int(match.group(1)), osp.join(folder, name)))
            elif match and logger is not None:  # atomic writes leave no half file: not ours
                logger.warning(f'resume: skipped {osp.join(folder, name)}, which is not a whole '
                               'zip checkpoint (kept as it is).')
        return max(steps)[1] if steps else None

    def _save_checkpoint(self, runner) -> None:
        if not self.by_epoch:
            super()._save_checkpoint(runner)
            return
        # the validation that may follow this epoch has not run yet
        self._pending_epoch = runner.epoch + 1

    def _save_pending_epoch(self, runner) -> None:
        if self._pending_epoch is None:
            return
        # runner.epoch already counts the finished epoch (Runner.save_checkpoint assumes it
        # does not: meta is set here)
        self._save_checkpoint_with_step(
            runner, self._pending_epoch, meta=dict(epoch=self._pending_epoch, iter=runner.iter))

    def _save_checkpoint_with_step(self, runner, step: int, meta: dict) -> None:
        with self._removals_after_writes():
            super()._save_checkpoint_with_step(runner, step, meta)
        if self.by_epoch and step == self._pending_epoch:
            # also reached when MMEngine re-saves the epoch after a new best
            self._pending_epoch = None

    def _save_best_checkpoint(self, runner, metrics: Dict[str, float]) -> None:
        with self._removals_after_writes():
            super()._save_best_checkpoint(runner, metrics)

    @contextmanager
    def _removals_after_writes(self) -> Iterator[None]:
        """Hold back MMEngine's removals until every write inside the block is done."""
        if self._recorder is not None:  # nested: the outermost block removes
            yield
            return
        backend = getattr(self, 'file_backend', None)
        if backend is None:  # nothing can be written before before_train
            yield
            return
        self._recorder = recorder = _RemovalRecorder(backend)
        self.file_backend = recorder
        try:
            yield
        finally:  # an error leaves the old files in place
            self.file_backend = backend
            self._recorder = None
        current = {self.last_ckpt, *self._best_paths().values()}
        for method, path in recorder.calls:
            if path in current:
                continue
            if self._marked:
                self._remove_own(path, 'replaced')
            else:  # another backend (remote storage) writes no marks: MMEngine's removal by name
                getattr(backend, method)(path)
                print_log(f'Removed the replaced checkpoint {path}.', logger='current')

    def _remove_own(self, path: str, why: str, folder: Optional[str] = None) -> None:
        """Remove ``path`` if it is a checkpoint ous-mm wrote in this run's folder; else keep it."""
        folder = folder or self.out_dir
        if (osp.realpath(osp.dirname(path)) == osp.realpath(folder)
                and osp.isfile(path) and is_marked_checkpoint(path)):
            os.remove(path)
            print_log(f'Removed the replaced checkpoint {path}.' if why == 'replaced' else
                      f'Removed {path}: {why}.', logger='current')
        elif osp.lexists(path):
            print_log(f'Kept {path} ({why}): not a checkpoint that ous-mm wrote in this run\'s '
                      f'folder {folder}.', logger='current', level=logging.WARNING)

    def _own_records(self, runner, folder: str) -> bool:
        """Make the records a resumed state holds this folder's, before MMEngine reads them.

        MMEngine stores absolute paths; a checkpoint copied or resumed from
        elsewhere would make this run remove that folder's files. Records of a
        checkpoint from this folder (or a copy of the folder) are re-rooted
        here; a checkpoint from another folder gives its records up: this run
        keeps its own best files and scores.

        Returns:
            bool: Whether this run resumed from a checkpoint of its own folder.
        """
        if not self._resuming or runner._load_from is None:
            return False
        hub = runner.message_hub
        keys = [k for k in list(hub.runtime_info)
                if k in _RECORDS or k.startswith(('best_ckpt_', 'best_score_'))]
        if osp.realpath(osp.dirname(str(runner._load_from))) != osp.realpath(folder):
            for key in keys:
                hub.runtime_info.pop(key)
            runner.logger.info(f'resume: {runner._load_from} lies outside this run\'s folder '
                               f'{folder}: its best scores and file records are not carried '
                               'over, and no file there is touched.')
            return False
        for key in keys:
            value = hub.get_info(key)
            if key.startswith(('best_ckpt', 'last_ckpt')) and isinstance(value, str):
                hub.update_info(key, osp.join(folder, osp.basename(value)))
        kept = hub.runtime_info.get('keep_ckpt_ids')
        if self.max_keep_ckpts > 0 and kept and len(kept) > self.max_keep_ckpts:
            # MMEngine would remove the surplus by name in before_train: removed here if ours
            hub.update_info('keep_ckpt_ids', list(kept[-self.max_keep_ckpts:]))
            if is_main_process():
                for step in kept[:-self.max_keep_ckpts]:
                    self._remove_own(osp.join(folder, self.filename_tmpl.format(step)),
                                     f'beyond max_keep_ckpts={self.max_keep_ckpts}', folder)
        return True

    def _best_paths(self) -> Dict[str, Optional[str]]:
        if not self.save_best or 'auto' in self.key_indicators:
            return {}
        if len(self.key_indicators) == 1:
            return {self.key_indicators[0]: self.best_ckpt_path}
        return dict(self.best_ckpt_path_dict)

    def _checkpoint_dir(self, runner) -> str:
        # where CheckpointHook.before_train will put the files (before it has run)
        if self.out_dir is None or self.out_dir == runner.work_dir:
            return runner.work_dir
        return osp.join(self.out_dir, osp.basename(runner.work_dir.rstrip(osp.sep)))

    def _files_not_in_restored_state(self) -> List[str]:
        folder = self.out_dir
        stale = []
        if self.max_keep_ckpts > 0:
            kept = {self.filename_tmpl.format(step) for step in self.keep_ckpt_ids}
            names = sorted(os.listdir(folder)) if osp.isdir(folder) else []
            stale += [osp.join(folder, n) for n in names if self._step_name.fullmatch(n)
                      and n not in kept and osp.isfile(osp.join(folder, n))]
        for key, recorded in self._best_paths().items():
            kept_best = osp.basename(recorded) if recorded else None
            stale += [p for p in best_checkpoint_files(folder, key, self.filename_tmpl)
                      if osp.basename(p) != kept_best]
        return stale
