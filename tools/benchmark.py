"""Time OUS against the floor set by its frozen encoder.

    python tools/benchmark.py configs/ous_demo.py \
        --cache-config configs/ous/ous_vit-tiny-random_1xb16-20e_demo-cached.py
    python tools/benchmark.py configs/ous_dfew.py --batch-size 1 --iters 3 --warmup 0 \
        --threads 1 --no-inference --release-like work_dirs/release_like \
        --cfg-options model.clip.weights=random   # the paper's model, without its dataset

Prints, on the CPU or a GPU: the time of a training step (data already loaded: preprocessing,
forward, backward, optimizer step) and of the encoder-only forward over the same frames, each
as the median of --iters repetitions (alternated, so that a changing load weighs on both) in
CPU time (all threads of this process) and wall time, their ratio, and the median step split
into phases (frozen image encoder, text encoder, neck, heads and losses, backward, optimizer;
timed by hooks around the model's own modules, which change no number); clips per second in
training and inference; peak memory; the load average; and, with --cache-config, the time of
one training epoch (data loading included) live and from the feature cache
(tools/extract_features.py must have filled it), their ratio, and on the CPU the same ratio in
CPU time with all the work in this process (dataloader workers off), which a machine loaded by
other jobs inflates far less than wall time, each the median of --epochs timed epochs (a cached
epoch of the demo is a fifth of a second, which one hiccup of a shared machine can double),
with the median epoch's phases (loading and collation, preprocessing, forward, backward,
optimizer).
"""
import argparse
import os
import platform
import resource
import time
from typing import Dict

import torch
from mmaction.registry import MODELS
from mmengine.config import Config, DictAction
from mmengine.optim import build_optim_wrapper
from mmengine.runner import Runner, set_random_seed

from ous_mm.apis import load_config
from ous_mm.testing.release_like_dataset import make_release_like_dataset
from ous_mm.utils.step_timing import StepPhases, median_by_cpu, sync, timed_runs


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('config')
    parser.add_argument('--cache-config', help='the same model trained from the feature cache')
    parser.add_argument('--cache-dir', help='feature cache of --cache-config (default: its own)')
    parser.add_argument('--batch-size', type=int, help='default: the config\'s')
    parser.add_argument('--iters', type=int, default=5, help='timed repetitions')
    parser.add_argument('--warmup', type=int, default=2)
    parser.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    parser.add_argument('--amp', action='store_true', help='train step under AmpOptimWrapper')
    parser.add_argument('--threads', type=int, help='torch threads (default: torch\'s)')
    parser.add_argument('--epochs', type=int, default=3,
                        help='timed epochs of the CPU-time ratio (their median)')
    parser.add_argument('--no-inference', action='store_true',
                        help='skip the inference timing (at paper scale on a CPU: minutes)')
    parser.add_argument('--release-like', metavar='DIR',
                        help='read the data from DIR, a DFEW-like release written there first '
                        'if it is not (8 clips of 640x360 with face crops; ous_mm.testing): a '
                        'paper config without its dataset')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    return parser.parse_args()


def timed(fn, device: str, iters: int, warmup: int) -> float:
    for _ in range(warmup):
        fn()
    sync(device)
    start = time.perf_counter()
    for _ in range(iters):
        fn()
    sync(device)
    return (time.perf_counter() - start) / iters


def load_cfg(path: str, args) -> Config:
    cfg = load_config(path, args.cfg_options)
    if args.release_like:
        if not os.path.isdir(os.path.join(args.release_like, 'Clip', 'original')):
            make_release_like_dataset(args.release_like, num_clips=8, size=(640, 360))
        for split in ('train', 'val', 'test'):
            cfg[f'{split}_dataloader'].dataset.data_root = args.release_like
    if args.batch_size:
        cfg.train_dataloader.batch_size = args.batch_size
    if args.amp:
        cfg.optim_wrapper.type = 'AmpOptimWrapper'
        cfg.optim_wrapper.setdefault('dtype', 'bfloat16')
    return cfg


def build(cfg, device: str):
    set_random_seed(0)
    model = MODELS.build(cfg.model).to(device).train()
    return model, build_optim_wrapper(model, cfg.optim_wrapper)


def epoch_time(cfg, device: str) -> float:
    """Wall seconds of one training epoch (after a warm-up epoch), with the config's loader."""
    model, optim = build(cfg, device)
    loader = Runner.build_dataloader(cfg.train_dataloader)
    for batch in loader:  # warm-up epoch: workers, caches, allocator
        model.train_step(batch, optim)
    sync(device)
    start = time.perf_counter()
    for batch in loader:
        model.train_step(batch, optim)
    sync(device)
    return time.perf_counter() - start


def epoch_phases(cfg, device: str, epochs: int) -> Dict[str, float]:
    """CPU seconds of a training epoch by phase, all in this process: the median of ``epochs``.

    After a warm-up epoch, ``epochs`` epochs are timed and the one with the median total is
    returned. Dataloader workers off, so that this process's CPU time (all its threads) is the
    epoch's whole work, which a loaded machine does not inflate the way it inflates wall time.
    The phases are those of ``BaseModel.train_step``.
    """
    cfg = cfg.copy()
    cfg.train_dataloader.update(num_workers=0, persistent_workers=False, timeout=0)
    model, optim = build(cfg, device)
    loader = Runner.build_dataloader(cfg.train_dataloader)
    for batch in loader:
        model.train_step(batch, optim)
    timed_epochs = sorted((one_epoch(model, optim, loader) for _ in range(epochs)),
                          key=lambda phases: sum(phases.values()))
    return timed_epochs[len(timed_epochs) // 2]


def one_epoch(model, optim, loader) -> Dict[str, float]:
    """CPU seconds of one training epoch by phase."""
    phases = dict.fromkeys(('loading and collation', 'preprocessing', 'forward', 'backward',
                            'optimizer'), 0.0)
    batches = iter(loader)
    while True:
        start = time.process_time()
        batch = next(batches, None)
        phases['loading and collation'] += time.process_time() - start
        if batch is None:
            return phases
        with optim.optim_context(model):
            start = time.process_time()
            data = model.data_preprocessor(batch, True)
            phases['preprocessing'] += time.process_time() - start
            start = time.process_time()
            loss, _ = model.parse_losses(model._run_forward(data, mode='loss'))
            phases['forward'] += time.process_time() - start
        start = time.process_time()
        optim.backward(loss)
        phases['backward'] += time.process_time() - start
        start = time.process_time()
        optim.step()
        optim.zero_grad()
        phases['optimizer'] += time.process_time() - start


def main() -> None:
    args = parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    cfg = load_cfg(args.config, args)
    device = args.device
    if device.startswith('cuda'):
        torch.cuda.reset_peak_memory_stats()
        machine = torch.cuda.get_device_name()
    else:
        cpu = platform.processor() or platform.machine()
        machine = f'{cpu} CPU, {torch.get_num_threads()} threads'
    load = os.getloadavg()[0]
    model, optim = build(cfg, device)
    batch = next(iter(Runner.build_dataloader(cfg.train_dataloader)))
    clips = len(batch['data_samples'])
    data = model.data_preprocessor(batch, True)

    def encoder_only():
        with torch.no_grad():
            model.encode(data['inputs'])

    phases = StepPhases(model, device)
    for _ in range(args.warmup):
        phases.step(model, optim, batch)
        encoder_only()
    steps, encoders = [], []
    for _ in range(args.iters):  # alternated: a load that changes meanwhile weighs on both
        steps.append(phases.step(model, optim, batch))
        encoders += timed_runs(encoder_only, device, 1, 0)
    step = median_by_cpu(steps)
    step_cpu, step_wall = (sum(t[i] for t in step.values()) for i in (0, 1))
    encoder_cpu, encoder_wall = median_by_cpu(encoders)
    if device.startswith('cuda'):
        peak = torch.cuda.max_memory_allocated() / 2**20
        peak_what = 'peak GPU memory (MiB)'
    else:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        peak_what = 'peak resident memory (MiB)'
    frames = {k: tuple(v.shape[1:2]) for k, v in data['inputs'].items()}
    each = f'median of {args.iters}'
    rows = [
        ('training step, CPU s', f'{step_cpu:.4f}  ({each}; wall {step_wall:.4f} s)'),
        ('encoder-only forward, CPU s', f'{encoder_cpu:.4f}  ({each}; wall {encoder_wall:.4f} s)'),
        ('step / encoder-only, CPU time', f'{step_cpu / encoder_cpu:.3f}  (paper scale: '
         'target <= 1.05)'),
        ('step / encoder-only, wall time', f'{step_wall / encoder_wall:.3f}'),
    ]
    rows += [(f'  {name}, CPU s', f'{cpu:.4f}  {100 * cpu / step_cpu:5.1f} %  (wall {wall:.4f})')
             for name, (cpu, wall) in step.items()]
    rows.append(('training clips/s (wall)', f'{clips / step_wall:.2f}'))
    if not args.no_inference:
        model.eval()
        infer = timed(lambda: model.test_step(batch), device, args.iters, args.warmup)
        rows.append(('inference clips/s (wall)', f'{clips / infer:.2f}'))
    rows.append((peak_what, f'{peak:.0f}'))
    if args.cache_config:
        live = epoch_time(cfg, device)
        cache_cfg = load_cfg(args.cache_config, args)
        for split in ('train', 'val', 'test'):
            dataset = cache_cfg[f'{split}_dataloader'].dataset
            # the cache is checked against the live datasets timed here (--cfg-options
            # included), each with the pipeline whose views it reads
            dataset.source = dict(cfg[f'{split}_dataloader'].dataset,
                                  pipeline=dataset.source.pipeline)
            if args.cache_dir:
                dataset.cache_dir = args.cache_dir
        cached = epoch_time(cache_cfg, device)
        rows += [('epoch, live (s)', f'{live:.2f}'), ('epoch, from cache (s)', f'{cached:.3f}'),
                 ('live / cache', f'{live / cached:.1f}x  (target >= 50x)')]
        if device == 'cpu':  # the work itself, all in this process: robust to the load
            live_cpu = sum(epoch_phases(cfg, device, args.epochs).values())
            split = epoch_phases(cache_cfg, device, args.epochs)
            cached_cpu = sum(split.values())
            shares = ', '.join(f'{k} {100 * v / cached_cpu:.0f} %' for k, v in split.items())
            rows += [('epoch CPU s, one process: live',
                      f'{live_cpu:.2f}  (median of {args.epochs} epochs)'),
                     ('epoch CPU s, one process: cache', f'{cached_cpu:.3f}  ({shares})'),
                     ('live / cache, CPU time', f'{live_cpu / cached_cpu:.1f}x')]
    rows.append(('load average (start, end)', f'{load:.1f}, {os.getloadavg()[0]:.1f} on '
                 f'{os.cpu_count()} CPUs'))
    print(f'\n{args.config} on {machine} ({device}), batch {clips}, frames per stream '
          f'{frames}{", AMP" if args.amp else ""}')
    width = max(len(r[0]) for r in rows) + 2
    for name, value in rows:
        print(f'{name:<{width}}{value}')


if __name__ == '__main__':
    main()
