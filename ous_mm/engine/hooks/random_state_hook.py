"""Random number generators saved with every checkpoint, so that a resumed run is exact."""
import multiprocessing
import random
from typing import Callable, List, Optional

import numpy as np
import torch
from mmaction.registry import HOOKS
from mmengine.dist import all_gather_object, get_dist_info
from mmengine.hooks import Hook
from torch.utils.data import DataLoader, get_worker_info

CHECKPOINT_KEY = 'random_states'


def capture_random_states() -> dict:
    """The states of Python's, NumPy's and torch's global generators (CUDA's if in use).

    Returns:
        dict: ``python``, ``numpy``, ``torch`` (and ``cuda``), in types that a
        ``weights_only`` load reads (tuples, ints, floats, tensors).
    """
    numpy = np.random.get_state(legacy=False)
    states = dict(
        python=random.getstate(),
        numpy=dict(numpy, state=dict(numpy['state'],
                                     key=torch.from_numpy(numpy['state']['key'].astype(np.int64)))),
        torch=torch.get_rng_state())
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        states['cuda'] = torch.cuda.get_rng_state_all()
    return states


def restore_random_states(states: dict) -> None:
    """Set the global generators to ``states`` (from :func:`capture_random_states`).

    CUDA's are set only where the machine has as many GPUs as the saving one.

    Args:
        states (dict): The states.
    """
    random.setstate(states['python'])
    numpy = states['numpy']
    # .cpu(): MMEngine's resume maps a checkpoint's tensors to the training device
    key = numpy['state']['key'].cpu().numpy().astype(np.uint32)
    np.random.set_state(dict(numpy, state=dict(numpy['state'], key=key)))
    torch.set_rng_state(states['torch'].cpu())
    cuda = states.get('cuda')
    if cuda is not None and torch.cuda.is_available() and len(cuda) == torch.cuda.device_count():
        torch.cuda.set_rng_state_all([state.cpu() for state in cuda])


def epoch_seed(seed: int, epoch: int, rank: int, stream: int) -> int:
    """A 64-bit seed for one random stream of one epoch, independent of what came before.

    Args:
        seed (int): The run's seed.
        epoch (int): The epoch (0-based, as ``runner.epoch`` counts before it starts).
        rank (int): The process rank.
        stream (int): 0 for a loader's own generator, ``1 + worker id`` for a worker.

    Returns:
        int: The seed.
    """
    sequence = np.random.SeedSequence(seed & (2**64 - 1), spawn_key=(epoch, rank, stream))
    return int(sequence.generate_state(1, np.uint64)[0])


def seed_everything(seed: int) -> None:
    """Seed Python's, NumPy's and torch's global generators (in a worker: its own)."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


class EpochSeededWorkers:
    """A ``worker_init_fn`` that re-seeds each data-loader worker at the start of every epoch.

    A worker's random numbers (the data pipeline's random offsets, crops ...)
    then depend on the run's seed, the epoch, the rank and the worker only,
    never on how many epochs the worker has already served: persistent
    workers keep their generators from epoch to epoch, so a resumed run, whose
    workers are new, would draw other numbers; non-persistent ones get the
    same seed from MMEngine every epoch, so every epoch replays the same
    augmentations.

    The main process writes the epoch into shared memory before the epoch's
    iterator is created; each worker reads it at every batch (through the
    dataset's batched fetch, ``__getitems__``, which the fetcher of the
    worker's own copy of the dataset calls) and re-seeds when it changed.

    Args:
        init_fn (callable, optional): The loader's own ``worker_init_fn``,
            run first.
        seed (int): The run's seed.
        rank (int): This process's rank.
    """

    def __init__(self, init_fn: Optional[Callable], seed: int, rank: int) -> None:
        self.init_fn = init_fn
        self.seed = seed
        self.rank = rank
        # shared with the workers (inherited, or passed when they are spawned)
        self.epoch = multiprocessing.get_context().Value('q', -1, lock=False)

    def __call__(self, worker_id: int) -> None:
        if self.init_fn is not None:
            self.init_fn(worker_id)
        dataset = get_worker_info().dataset  # this worker's own copy
        fetch = getattr(dataset, '__getitems__', None)
        seeded_epoch = None

        def getitems(indices: List[int]) -> list:
            nonlocal seeded_epoch
            epoch = self.epoch.value
            if epoch != seeded_epoch:
                seed_everything(epoch_seed(self.seed, epoch, self.rank, 1 + worker_id))
                seeded_epoch = epoch
            return fetch(indices) if fetch else [dataset[i] for i in indices]

        dataset.__getitems__ = getitems


@HOOKS.register_module()
class RandomStateHook(Hook):
    """Make a resumed run draw the random numbers that the uninterrupted run draws.

    MMEngine's resume restores the weights, the optimizer, the schedulers, the
    seed and the epoch (from which ``DefaultSampler`` shuffles), but not the
    generators that training consumes: the data pipeline's (MMAction2's
    ``UniformSample`` draws its training offsets from NumPy's global
    generator; in the main process with ``num_workers=0``, in the workers
    otherwise), torch's (dropout, random augmentation, and every data-loader
    iterator draws its workers' base seed from it), CUDA's. So a resumed run
    continued with the generators of a fresh start and its weights drifted from
    the uninterrupted run's. This hook:

    - keeps in every checkpoint (``random_states``) the states of Python's,
      NumPy's, torch's and CUDA's generators at the end of the checkpoint's
      training epoch, for every rank, and restores them when a run resumes,
      just before its first epoch's first iteration;
    - keeps validation from consuming the training's random numbers (it
      runs on a copy of the states that is then discarded), so training does
      not depend on where checkpoints are saved relative to validation, nor
      on ``val_interval``;
    - re-seeds every data-loader worker (persistent or not, training and
      validation) at the start of each epoch from the seed, the epoch, the
      rank and the worker (:class:`EpochSeededWorkers`), and gives each loader
      its own generator for its iterators' base seeds, re-seeded each epoch.

    Then the final weights of a run killed and resumed any number of times
    equal the uninterrupted run's bit for bit, for every loader setting
    (``num_workers=0``, ``> 0``, ``persistent_workers``), given deterministic
    kernels (``randomness=dict(seed=..., deterministic=True)``) and the same
    number of processes. Resuming from a checkpoint without these states
    (written without this hook) or with another number of processes logs a
    warning and continues with the generators as they are. Epoch-based
    training only: a checkpoint saved inside an epoch holds the states of the
    end of the previous one (MMEngine restarts such an epoch anyway).
    """

    # after the other hooks of an epoch's start and end (none draws random numbers), before
    # the checkpoint hook (VERY_LOW), which may save in after_train_epoch
    priority = 'LOW'

    def __init__(self) -> None:
        self._states: Optional[dict] = None  # end of the last training epoch, every rank
        self._resumed: Optional[dict] = None  # from the checkpoint, until the epoch starts
        self._before_val: Optional[dict] = None
        self._workers: List[tuple] = []  # (loader, EpochSeededWorkers or None)

    def before_train(self, runner) -> None:
        """Seed the training and validation loaders' workers by epoch.

        Args:
            runner (Runner): The runner.
        """
        loaders = [runner.train_loop.dataloader]
        if runner._val_loop is not None:
            loaders.append(runner.val_loop.dataloader)
        rank = get_dist_info()[0]
        for loader in loaders:
            if not isinstance(loader, DataLoader):
                continue
            workers = None
            if loader.num_workers > 0:
                workers = EpochSeededWorkers(loader.worker_init_fn, runner.seed, rank)
                loader.worker_init_fn = workers
            loader.generator = torch.Generator()
            self._workers.append((loader, workers))

    def before_train_epoch(self, runner) -> None:
        """Restore the checkpoint's states (first epoch after a resume); set the epoch seeds.

        Args:
            runner (Runner): The runner.
        """
        if self._resumed is not None:
            restore_random_states(self._resumed)
            self._resumed = None
        self._seed_loaders(runner, runner.train_loop.dataloader)

    def after_train_epoch(self, runner) -> None:
        """Record the states of every rank at the end of the epoch, for its checkpoints.

        Args:
            runner (Runner): The runner.
        """
        # a collective: every rank runs this hook
        self._states = dict(epoch=runner.epoch + 1,
                            ranks=all_gather_object(capture_random_states()))

    def before_val_epoch(self, runner) -> None:
        """Set the epoch seeds of the validation loader; keep the training's states aside.

        Args:
            runner (Runner): The runner.
        """
        self._before_val = capture_random_states()
        self._seed_loaders(runner, runner.val_loop.dataloader)

    def after_val_epoch(self, runner, metrics=None) -> None:
        """Give training back the states it had before the validation.

        Args:
            runner (Runner): The runner.
            metrics (dict, optional): The validation metrics.
        """
        if self._before_val is not None:
            restore_random_states(self._before_val)
            self._before_val = None

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        """Add the states of the end of the last training epoch.

        Args:
            runner (Runner): The runner.
            checkpoint (dict): The checkpoint being saved.
        """
        if self._states is not None:
            checkpoint[CHECKPOINT_KEY] = self._states

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        """On resume, keep this rank's states until the first resumed epoch starts.

        Args:
            runner (Runner): The runner.
            checkpoint (dict): The loaded checkpoint.
        """
        if not runner._resume:  # load_from only: a new run with its own randomness
            return
        saved = checkpoint.get(CHECKPOINT_KEY)
        rank, world_size = get_dist_info()
        epoch = checkpoint.get('meta', {}).get('epoch')
        if saved is None:
            problem = 'holds no random states (saved without RandomStateHook)'
        elif len(saved['ranks']) != world_size:
            problem = (f'holds the random states of {len(saved["ranks"])} processes, and this '
                       f'run has {world_size}')
        elif saved['epoch'] != epoch:
            problem = (f'was saved inside epoch {epoch}; its random states are those of the end '
                       f'of epoch {saved["epoch"]}')
        else:
            self._resumed = saved['ranks'][rank]
            self._states = saved
            return
        runner.logger.warning(f'resume: the checkpoint {problem}; the run continues with fresh '
                              'random states, so it will not equal the uninterrupted run bit '
                              'for bit.')

    def _seed_loaders(self, runner, loader) -> None:
        for known, workers in self._workers:
            if known is loader:
                # the iterator's base seed (persistent workers: drawn once) and the workers'
                # seeds follow the epoch only
                known.generator.manual_seed(
                    epoch_seed(runner.seed, runner.epoch, get_dist_info()[0], 0))
                if workers is not None:
                    workers.epoch.value = runner.epoch
