"""Logging the resident memory of the training processes after every epoch."""
import os

from mmaction.registry import HOOKS
from mmengine.hooks import Hook


def resident_mb(pid: int) -> float:
    """Resident set size of a process in MiB (Linux ``/proc``)."""
    with open(f'/proc/{pid}/statm') as f:
        pages = int(f.read().split()[1])
    return pages * os.sysconf('SC_PAGE_SIZE') / 2**20


def children(pid: int) -> list:
    try:
        with open(f'/proc/{pid}/task/{pid}/children') as f:
            return [int(p) for p in f.read().split()]
    except OSError:
        return []


@HOOKS.register_module()
class MemoryMonitorHook(Hook):
    """Log the RSS of the main process and of its dataloader workers after each epoch.

    Measured when the epoch is over, its validation included (at the start of
    the next epoch, and at the end of training), so every persistent worker
    pool exists by then. Logged as ``rss_main_mb`` and ``rss_workers_mb`` (the
    sum over live child processes): a leak shows up as growth from epoch to
    epoch (``tools/reliability/memory_per_epoch.py`` prints the series).
    """

    priority = 'LOW'

    def before_train_epoch(self, runner) -> None:
        if runner.epoch > 0:
            self._log(runner, runner.epoch)

    def after_train(self, runner) -> None:
        self._log(runner, runner.epoch)

    def _log(self, runner, epoch: int) -> None:
        if not os.path.isdir('/proc'):
            return
        main = resident_mb(os.getpid())
        workers = 0.0
        for child in children(os.getpid()):
            try:
                workers += resident_mb(child)
            except OSError:  # the worker ended meanwhile
                pass
        runner.message_hub.update_scalar('train/rss_main_mb', main)
        runner.message_hub.update_scalar('train/rss_workers_mb', workers)
        runner.logger.info(f'memory after epoch {epoch}: main process {main:.1f} MiB '
                           f'RSS, dataloader workers {workers:.1f} MiB RSS')
