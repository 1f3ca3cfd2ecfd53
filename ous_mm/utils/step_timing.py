"""Timing a training step by its phases, in CPU and wall time (``tools/benchmark.py``,
``tools/gpu_check.py``)."""
import time
from contextlib import contextmanager
from typing import Callable, Dict, Iterator, List, Tuple

import torch
import torch.nn as nn


def sync(device: str) -> None:
    """Wait for ``device``'s queued work (CUDA), so that clocks read after it count it."""
    if device.startswith('cuda'):
        torch.cuda.synchronize()


def timed_runs(fn: Callable[[], None], device: str, iters: int,
               warmup: int) -> List[Tuple[float, float]]:
    """``(CPU s, wall s)`` of each of ``iters`` calls of ``fn`` after ``warmup`` calls."""
    for _ in range(warmup):
        fn()
    runs = []
    for _ in range(iters):
        sync(device)
        cpu, wall = time.process_time(), time.perf_counter()
        fn()
        sync(device)
        runs.append((time.process_time() - cpu, time.perf_counter() - wall))
    return runs


class StepPhases:
    """CPU and wall seconds of a training step's phases, as ``BaseModel.train_step`` runs them.

    Forward hooks on the model's own modules time the frozen image encoder
    (``backbone``), the text encoder (``cls_head.prompt_learner``) and the
    ``neck``; the rest of the forward is the heads and losses. Only clocks are
    read (and CUDA synchronised): the step computes what it computes untimed.

    Args:
        model (nn.Module): The recognizer.
        device (str): Where it runs (CUDA is synchronised around each phase).
    """

    MODULES = (('frozen image encoder', 'backbone'), ('text encoder', 'cls_head.prompt_learner'),
               ('neck', 'neck'))
    NAMES = ('preprocessing', 'frozen image encoder', 'text encoder', 'neck',
             'heads and losses', 'backward', 'optimizer')

    def __init__(self, model: nn.Module, device: str) -> None:
        self.device = device
        self.times, self.opened = {}, {}
        for name, path in self.MODULES:
            try:
                module = model.get_submodule(path)
            except AttributeError:  # e.g. a model without prompts: no text encoder to time
                continue
            module.register_forward_pre_hook(lambda *_, n=name: self._start(n))
            module.register_forward_hook(lambda *_, n=name: self._stop(n))

    def _start(self, name: str) -> None:
        sync(self.device)
        self.opened[name] = (time.process_time(), time.perf_counter())

    def _stop(self, name: str) -> None:
        sync(self.device)
        cpu, wall = self.times.get(name, (0.0, 0.0))
        start = self.opened.pop(name)
        self.times[name] = (cpu + time.process_time() - start[0],
                            wall + time.perf_counter() - start[1])

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        """Time the block as phase ``name``."""
        self._start(name)
        yield
        self._stop(name)

    def step(self, model: nn.Module, optim, batch: dict) -> Dict[str, Tuple[float, float]]:
        """One training step (``BaseModel.train_step``'s work), timed.

        Args:
            model (nn.Module): The model the hooks were set on.
            optim (OptimWrapper): Its optimizer wrapper.
            batch (dict): A batch as the dataloader gives it.

        Returns:
            dict: ``(CPU s, wall s)`` of each phase, in ``NAMES``' order.
        """
        self.times = {}
        with optim.optim_context(model):
            with self.phase('preprocessing'):
                data = model.data_preprocessor(batch, True)
            with self.phase('forward'):
                loss, _ = model.parse_losses(model._run_forward(data, mode='loss'))
        with self.phase('backward'):
            optim.backward(loss)
        with self.phase('optimizer'):
            optim.step()
            optim.zero_grad()
        forward = self.times.pop('forward')
        inner = [self.times.get(n, (0.0, 0.0)) for n, _ in self.MODULES]
        self.times['heads and losses'] = tuple(
            forward[i] - sum(t[i] for t in inner) for i in (0, 1))
        return {n: self.times.get(n, (0.0, 0.0)) for n in self.NAMES}


def median_by_cpu(runs: List) -> object:
    """The run with the median total CPU time (``runs``: phase dicts or ``(cpu, wall)``)."""
    def cpu(run):
        return sum(t[0] for t in run.values()) if isinstance(run, dict) else run[0]

    return sorted(runs, key=cpu)[len(runs) // 2]


def host_reads(fn: Callable[[], object]) -> int:
    """How many times ``fn`` reads a tensor's value on the host (``aten::_local_scalar_dense``:
    ``.item()``, ``int()``, ``bool()`` of a tensor), by the PyTorch profiler. On a GPU each is
    a wait for the device and a graph break for ``torch.compile`` (no CUDA graph across it)."""
    with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU]) as prof:
        fn()
    return sum(event.name == 'aten::_local_scalar_dense' for event in prof.events())
