"""Train and test a config through MMEngine's ``Runner``, in this process.

What ``tools/train.py`` and ``tools/test.py`` (MMAction2's scripts) do with a work dir,
``--resume``, ``--dump`` and ``--cfg-options``, for a single process: the config is set up as
those scripts set it up and run by the same ``Runner``, so a run gives the files and numbers
the tools give. Distributed runs stay with ``tools/dist_train.sh``.
"""
import gc
import itertools
import os.path as osp
from typing import Optional, Union

from mmaction.registry import RUNNERS
from mmengine.config import Config
from mmengine.runner import Runner

from .loading import load_config

# MMEngine names a run's logger, message hub and visualizer `<experiment_name>_<start second>`
# and reuses an existing one of that name: two runs started in one second in one process would
# share them (the second logging into the first one's file). A number per run keeps them apart.
_RUN_NUMBERS = itertools.count(1)


def _stop_loader_workers(runner: Runner) -> None:
    """Stop the workers that a finished run's loaders keep (``persistent_workers``).

    torch stops them when their iterator goes. Gone with the runner's reference cycles, the
    iterator's index queues are closed first (their finalizers are weakref callbacks, which
    a collection runs before ``__del__``), so a worker that had work never gets the stop
    signal and torch waits 5 s per loader before it kills the workers.
    """
    for loop in (runner._train_loop, runner._val_loop, runner._test_loop):
        loader = getattr(loop, 'dataloader', None)  # a dict: a loop that was never built
        iterator = getattr(loader, '_iterator', None)  # persistent workers only
        if iterator is not None:
            iterator._shutdown_workers()
            loader._iterator = None


def _run(cfg: Config, purpose: str) -> dict:
    """Build the config's runner (``runner_type`` if it names one) and train or test."""
    name = cfg.get('experiment_name') or osp.splitext(osp.basename(cfg.filename or 'run'))[0]
    cfg.experiment_name = f'{name}_{purpose}{next(_RUN_NUMBERS)}'
    runner = Runner.from_cfg(cfg) if 'runner_type' not in cfg else RUNNERS.build(cfg)
    try:
        if purpose == 'train':
            runner.train()
            return {}
        return runner.test()
    finally:
        _stop_loader_workers(runner)
        # the train loop refers to its runner, so the runner (its model, data-loader workers,
        # persistent or not) goes only with a collection of reference cycles: now, not during
        # the next run
        del runner
        gc.collect()


def run_train(config: Union[str, Config],
              work_dir: str,
              resume: bool = False,
              cfg_options: Optional[dict] = None) -> None:
    """Train a config, as ``tools/train.py CONFIG --work-dir DIR [--resume]`` does.

    Args:
        config (str | Config): The config file (or object, copied).
        work_dir (str): The run's work dir.
        resume (bool): Resume from the newest complete checkpoint of
            ``work_dir`` (``--resume``; ``SafeCheckpointHook`` finds it).
            Defaults to False.
        cfg_options (dict, optional): ``--cfg-options`` as ``DictAction``
            parses them; merged last, as the tool does.
    """
    cfg = load_config(config)
    cfg.work_dir = work_dir
    if resume:
        cfg.resume, cfg.load_from = True, None
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    _run(cfg, 'train')


def run_test(config: Union[str, Config],
             checkpoint: str,
             work_dir: str,
             dump: Optional[str] = None,
             cfg_options: Optional[dict] = None) -> dict:
    """Test a checkpoint, as ``tools/test.py CONFIG CHECKPOINT --work-dir DIR [--dump F]`` does.

    Args:
        config (str | Config): The config file (or object, copied).
        checkpoint (str): The checkpoint.
        work_dir (str): Where the test's logs go.
        dump (str, optional): Also write the predictions to this ``.pkl``
            file (MMEngine's ``DumpResults``; read it with
            :func:`~ous_mm.apis.load_dump`). Defaults to None.
        cfg_options (dict, optional): ``--cfg-options`` as ``DictAction``
            parses them.

    Returns:
        dict: The test metrics.
    """
    cfg = load_config(config)
    if dump is not None:
        if not dump.endswith(('.pkl', '.pickle')):
            raise ValueError(f'the dump file must be a .pkl file, got {dump}')
        evaluators = cfg.test_evaluator
        evaluators = list(evaluators) if isinstance(evaluators, (list, tuple)) else [evaluators]
        cfg.test_evaluator = [*evaluators, dict(type='DumpResults', out_file_path=dump)]
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    cfg.work_dir = work_dir
    cfg.load_from = checkpoint
    return _run(cfg, 'test')
