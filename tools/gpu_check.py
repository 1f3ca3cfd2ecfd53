"""The measurements a lent GPU should make, in one command: the paper's model at its sizes.

    python tools/gpu_check.py --out work_dirs/gpu_check.json            # on the GPU
    python tools/gpu_check.py --dry-run --out /tmp/gpu_check.json       # demo size, on the CPU

Random frozen weights (nothing is downloaded) and random inputs of the configs' shapes (no
dataset), so it runs on a bare machine with ous-mm installed. Measures, each the median of
--iters runs after --warmup:

- the frozen image encoder's forward over a batch of clips (both streams, bfloat16 autocast on
  CUDA as training runs it): clips/s, and the share of the card's peak (--peak-tflops) that the
  encoder's multiply-adds (--encoder-gmacs a frame) make of it;
- the live training step against the encoder-only forward at the paper's per-GPU batch (4),
  with the step's phases;
- the cached training step (the cached config's model, no image tower) at batch 16: eager,
  compiled and under CUDA graphs, each as MMEngine's Runner compiles it (the config's
  ``compile=dict()`` and ``compile=dict(mode='reduce-overhead')``: torch.compile of
  ``train_step``), its first call (the compilation) apart, the first step's loss against
  eager's, and the host reads in its forward, losses and backward (``aten::_local_scalar_dense``:
  each a wait for the card);
- the peak GPU memory of the live step against a 24 GiB card (the paper's RTX 3090);
- the encoder's bfloat16 features against float32 ones: the largest cosine distance;
- the extraction (``tools/extract_features.py`` on a DFEW-like release of 16 clips of 720p,
  written first: decoding, face crops and the encoder, 4 training views a clip): views/s;
- a kill and resume (``tools/reliability/kill_and_resume.py`` on the demo's data: a run
  SIGKILLed in epoch 2 and resumed, against an uninterrupted one) with deterministic algorithms
  (``CUBLAS_WORKSPACE_CONFIG=:4096:8``): the final weights compared bit for bit.

Prints one table and writes the same numbers to --out (JSON). --dry-run runs all of it at the
demo's size on the CPU (batches 2 and 4, one run each; compiled with ``backend='aot_eager'``
and ``'eager'``, which skip TorchInductor's minutes of code generation, and no CUDA graphs; the
extraction on the demo's data), so that the command cannot rot.

Time on one H100, estimated from FLOPs: the encoder at batch 4 (128 frames x 81 GMACs x 2 =
21 TFLOPs, about 50 ms at 40 % of 989 TFLOPs) and the live step (about 3 x that), 7 runs each:
under 5 s; the cached steps' FLOPs are negligible (0.25 TFLOPs a step) and their time is the
compilation (TorchInductor, forward and backward: 1-3 min for the three variants); the
extraction's 72 views (2,304 frames: 0.4 PFLOPs, about 1 s on the card) are bound by decoding
720p (about 141 CPU ms a view: 10 CPU s); the kill and resume is three training processes of
the tiny demo model (about 1 min); interpreter and model builds about 1 min. Under 6 minutes
in all, within 8.
"""
import argparse
import json
import os
import os.path as osp
import platform
import re
import resource
import subprocess
import sys
import tempfile
import time
from typing import Dict, List, Optional, Tuple

import torch
import torch.nn.functional as F
from mmaction.registry import MODELS
from mmaction.structures import ActionDataSample
from mmengine.optim import build_optim_wrapper

from ous_mm.apis import load_config
from ous_mm.datasets.feature_cache_fingerprint import feature_shapes
from ous_mm.fileio import AtomicLocalBackend
from ous_mm.testing import make_demo_dataset
from ous_mm.testing.release_like_dataset import make_release_like_dataset
from ous_mm.utils.step_timing import StepPhases, host_reads, median_by_cpu, timed_runs

PAPER = ('configs/ous_dfew.py', 'configs/ous/ous_vit-l14_1xb16-60e_dfew-cached.py')
DEMO = ('configs/ous_demo.py', 'configs/ous/ous_vit-tiny-random_1xb16-20e_demo-cached.py')
CARD_24GB = 24 * 2**30  # the paper's RTX 3090
ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
SKIPPABLE = ('compiled', 'extraction', 'kill-resume')


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--dry-run', action='store_true',
                        help='the demo\'s configs on the CPU, small batches, one run each')
    parser.add_argument('--out', default='work_dirs/gpu_check.json', help='the JSON file')
    parser.add_argument('--batch-size', type=int, help='live batch (default: 4, dry run 2)')
    parser.add_argument('--cached-batch-size', type=int,
                        help='cached batch (default: 16, dry run 4)')
    parser.add_argument('--iters', type=int, help='timed runs (default: 5, dry run 1)')
    parser.add_argument('--warmup', type=int, help='untimed runs first (default: 2, dry run 0)')
    parser.add_argument('--peak-tflops', type=float, default=989.0,
                        help='the card\'s dense bfloat16 peak (H100 SXM: 989)')
    parser.add_argument('--encoder-gmacs', type=float, default=81.0,
                        help='frozen encoder GMACs a frame (ViT-L/14 at 224 px: about 81)')
    parser.add_argument('--skip', nargs='+', default=[], choices=SKIPPABLE,
                        help='leave these measurements out')
    parser.add_argument('--work-dir', help='data, caches and runs of the extraction and the kill '
                        'and resume (default: a temporary folder, removed at the end)')
    return parser.parse_args()


def random_batch(model: torch.nn.Module, clips: int, shapes: Optional[dict] = None) -> dict:
    """A batch as the dataloader gives it: uint8 frames of both streams, or cached features of
    ``shapes`` (``feature_shapes`` of the live model)."""
    gen = torch.Generator().manual_seed(0)
    if shapes is not None:
        inputs = {f'{k}_feat': [torch.randn(*shape, generator=gen).half() for _ in range(clips)]
                  for k, shape in shapes.items() if k != 'frames'}
    else:
        size = model.backbone.visual.image_size
        size = size if isinstance(size, int) else size[0]
        inputs = {f'{s}_imgs': [torch.randint(0, 255, (model.num_frames, 3, size, size),
                                              generator=gen, dtype=torch.uint8)
                                for _ in range(clips)] for s in model.streams}
    samples = [ActionDataSample().set_gt_label(i % model.cls_head.num_classes)
               for i in range(clips)]
    return dict(inputs=inputs, data_samples=samples)


def build(config: str, device: str):
    """The config's model with random frozen weights, in training mode, and its optimizer."""
    torch.manual_seed(0)  # the same trainable weights in each build of a config
    cfg = load_config(config, dict(model=dict(clip=dict(weights='random'))))
    model = MODELS.build(cfg.model).to(device).train()
    return model, build_optim_wrapper(model, cfg.optim_wrapper)


def step_times(model, optim, batch: dict, device: str, iters: int, warmup: int) -> Dict:
    """The median training step's phases, ``(CPU s, wall s)`` each."""
    phases = StepPhases(model, device)
    for _ in range(warmup):
        phases.step(model, optim, batch)
    return median_by_cpu([phases.step(model, optim, batch) for _ in range(iters)])


def live_checks(args: argparse.Namespace, config: str, device: str, batch_size: int, iters: int,
                warmup: int, results: dict, rows: List[Tuple[str, str]]) -> dict:
    """The live model's measurements, into ``results`` and ``rows``; its feature shapes."""
    clock = 1 if device.startswith('cuda') else 0  # (CPU s, wall s): the card's time is wall
    model, optim = build(config, device)
    batch = random_batch(model, batch_size)
    data = model.data_preprocessor(batch, True)

    def encode():
        with torch.no_grad():
            return model.encode(data['inputs'])

    encoder = median_by_cpu(timed_runs(encode, device, iters, warmup))[clock]
    frames = sum(v.shape[1] for v in data['inputs'].values()) * batch_size
    # the share of the card's peak: the paper's encoder on a GPU only
    share = (frames * args.encoder_gmacs * 2e9 / encoder / (args.peak_tflops * 1e12)
             if clock else None)
    results.update(encoder_s=encoder, encoder_clips_per_s=batch_size / encoder,
                   encoder_peak_share=share)
    rows += [(f'encoder forward, batch {batch_size}', f'{encoder:.4f} s, '
              f'{batch_size / encoder:.2f} clips/s' + (
                  f', {100 * share:.1f} % of {args.peak_tflops:g} TFLOPs' if clock else ''))]
    step = step_times(model, optim, batch, device, iters, warmup)
    live = sum(t[clock] for t in step.values())
    results.update(live_step_s=live, live_step_over_encoder=live / encoder,
                   live_phases_s={k: v[clock] for k, v in step.items()})
    rows += [(f'live step, batch {batch_size}', f'{live:.4f} s, {live / encoder:.3f} x the '
              'encoder-only forward')]
    rows += [(f'  {name}', f'{t[clock]:.4f} s') for name, t in step.items()]
    if device == 'cpu':
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        rows.append(('peak resident memory', f'{peak / 2**30:.2f} GiB'))
    else:
        peak = torch.cuda.max_memory_allocated()
        rows.append(('peak GPU memory, live step', f'{peak / 2**30:.2f} GiB '
                     f'({"fits" if peak < CARD_24GB else "does not fit"} a 24 GiB card)'))
    results.update(peak_memory_bytes=peak, fits_24gb=peak < CARD_24GB)

    # bfloat16 against float32 features: the same encoder without autocast
    features = encode()
    model.backbone.autocast_dtype = None
    full = encode()
    distance = max(float((1 - F.cosine_similarity(features[k], full[k], dim=-1)).max())
                   for k in full)
    results.update(bf16_max_cosine_distance=distance)
    rows.append(('bfloat16 vs float32 features', f'largest cosine distance {distance:.2e}'))
    return feature_shapes(model)


def cached_checks(config: str, shapes: dict, device: str, batch_size: int, iters: int,
                  warmup: int, dry: bool, skip: List[str], results: dict,
                  rows: List[Tuple[str, str]]) -> None:
    """The cached step at ``batch_size``: eager with its phases, compiled and under CUDA graphs
    as MMEngine's Runner compiles ``train_step`` (``compile`` in the config), into ``results``
    and ``rows``."""
    clock = 0 if dry else 1
    model, optim = build(config, device)
    batch = random_batch(model, batch_size, shapes)
    data = model.data_preprocessor(batch, True)

    def forward_backward():
        model.parse_losses(model(**data, mode='loss'))[0].backward()

    reads = host_reads(forward_backward)
    optim.zero_grad()
    first = float(model.train_step(batch, optim)['loss'])
    step = step_times(model, optim, batch, device, iters, warmup)
    eager = sum(t[clock] for t in step.values())
    results.update(cached_step_s=eager, cached_phases_s={k: v[clock] for k, v in step.items()},
                   cached_host_reads=reads)
    rows += [(f'cached step, batch {batch_size}, eager', f'{eager * 1000:.1f} ms'),
             ('  host reads, forward + losses + backward', f'{reads} aten::_local_scalar_dense')]
    # the Runner's `compile` settings (dry run: no code generation, no CUDA graphs on the CPU)
    variants = [('compiled', 'compile=dict()', dict()),
                ('CUDA graphs', "compile=dict(mode='reduce-overhead')",
                 dict(mode='reduce-overhead'))]
    for name, setting, options in variants if 'compiled' not in skip else []:
        guarded(dry, f'cached step, {name}', rows, results, compiled_check, config, batch, device,
                iters, warmup, dry, (eager, first), (name, setting, options), results, rows)


def compiled_check(config: str, batch: dict, device: str, iters: int, warmup: int, dry: bool,
                   eager: Tuple[float, float], variant: Tuple[str, str, dict], results: dict,
                   rows: List[Tuple[str, str]]) -> None:
    """The cached step as MMEngine's Runner compiles it with ``variant``'s options, against
    ``eager`` (its step time and first loss)."""
    (eager, first), (name, setting, options) = eager, variant
    clock = 0 if dry else 1
    batch_size = len(batch['data_samples'])
    if dry:  # no code generation: AOT autograd's graphs run eagerly (Dynamo's alone for the
        # second variant); CUDA graphs need CUDA
        options = dict(backend='aot_eager' if name == 'compiled' else 'eager')
    torch._dynamo.reset()
    model, optim = build(config, device)
    train_step = torch.compile(model.train_step, **options)  # Runner._maybe_compile's call
    start = time.perf_counter()
    loss = float(train_step(batch, optim)['loss'])
    compile_s = time.perf_counter() - start
    # the second call recompiles (the optimizer's state exists from then on)
    runs = timed_runs(lambda: train_step(batch, optim), device, iters, max(warmup, 2))
    took = median_by_cpu(runs)[clock]
    key = name.lower().replace(' ', '_')
    results[f'cached_step_{key}_s'] = took
    results[f'cached_step_{key}_first_call_s'] = compile_s
    results[f'cached_step_{key}_first_loss_diff'] = abs(loss - first)
    rows += [(f'cached step, batch {batch_size}, {name}', f'{took * 1000:.1f} ms, '
              f'{eager / took:.2f} x eager ({setting}'
              f'{", backend=" + options["backend"] if dry else ""})'),
             ('  first call (compiles), loss against eager\'s', f'{compile_s:.1f} s wall, '
              f'|{loss:.6f} - {first:.6f}| = {abs(loss - first):.1e}')]


def guarded(dry: bool, name: str, rows: List[Tuple[str, str]], results: dict, check,
            *args) -> None:
    """``check(*args)``; on the GPU a failure is a row of the table (the other measurements of
    a lent card's session still run), in the dry run an error."""
    if dry:
        return check(*args)
    try:
        check(*args)
    except Exception as e:  # noqa: B902  (any failure is reported, in the table and the JSON)
        rows.append((name, f'FAILED: {type(e).__name__}: {str(e)[-300:]}'))
        results[f'{name} error'] = f'{type(e).__name__}: {e}'


def run_tool(cmd: List[str], env: Optional[dict] = None) -> Tuple[str, float]:
    """A tool's output (stdout and stderr) and its wall seconds; an error with its tail if it
    fails."""
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, *cmd], cwd=ROOT, env=env, capture_output=True,
                          text=True)
    took = time.perf_counter() - start
    out = proc.stdout + proc.stderr
    if proc.returncode:
        raise RuntimeError(f'{" ".join(cmd)} failed ({proc.returncode}):\n{out[-3000:]}')
    return out, took


def demo_data_options(root: str, *extra: str) -> List[str]:
    """``--cfg-options`` of the demo config on the demo data in ``root``, loading in the main
    process."""
    opts = ['--cfg-options']
    for loader in ('train', 'val', 'test'):
        opts += [f'{loader}_dataloader.dataset.data_root={root}',
                 f'{loader}_dataloader.batch_size=4', f'{loader}_dataloader.num_workers=0',
                 f'{loader}_dataloader.persistent_workers=False', f'{loader}_dataloader.timeout=0']
    return opts + list(extra)


def extraction_check(work: str, dry: bool, results: dict, rows: List[Tuple[str, str]]) -> None:
    """``tools/extract_features.py`` timed: views/s (interpreter and build included)."""
    if dry:
        config, root, views = DEMO[0], osp.join(work, 'demo'), 1
        options = demo_data_options(root)
    else:
        config, root, views = PAPER[0], osp.join(work, 'release_like'), 4
        make_release_like_dataset(root, num_clips=16, size=(1280, 720))
        options = ['--cfg-options', *(f'{split}_dataloader.dataset.data_root={root}'
                                      for split in ('train', 'val', 'test')),
                   'model.clip.weights=random']
    out, took = run_tool(['tools/extract_features.py', config, '--out', osp.join(work, 'cache'),
                          '--folds', '1', '--views', str(views),
                          *([] if dry else ['--num-workers', '8']), *options])
    count = int(re.search(r'= (\d+) views of \d+ bytes', out).group(1))
    results.update(extraction_views=count, extraction_s=took, extraction_views_per_s=count / took)
    rows.append((f'extraction, {osp.basename(config)}', f'{count} views in {took:.1f} s wall: '
                 f'{count / took:.2f} views/s (start-up included)'))


def kill_resume_check(work: str, device: str, results: dict, rows: List[Tuple[str, str]]) -> None:
    """The demo trained 2 epochs, SIGKILLed at epoch 2's iteration 3 and resumed, against the
    uninterrupted run, with deterministic algorithms (the config's ``randomness``)."""
    root = osp.join(work, 'demo')
    env = dict(os.environ, CUBLAS_WORKSPACE_CONFIG=':4096:8')  # cuBLAS's deterministic mode
    out, took = run_tool(['tools/reliability/kill_and_resume.py', DEMO[0], '--work-dir',
                          osp.join(work, 'kill_resume'), '--loaders', '0', '--kill-at',
                          'train:2:3', '--write-seconds', '0', '--cfg-options',
                          *demo_data_options(root, 'train_cfg.max_epochs=2')[1:]], env)
    same = re.search(r'identical weights: (\w+); identical UAR/WAR: (\w+)', out)
    resumed = 'resumed from epoch_1.pth (expected: epoch_1.pth)' in out
    equal = same is not None and same.groups() == ('True', 'True') and resumed
    results.update(kill_resume_identical=equal, kill_resume_s=took)
    rows.append((f'kill and resume on {device}, deterministic',
                 f'{"bit-identical" if equal else "DIFFERENT"} weights and UAR/WAR '
                 f'({took:.0f} s wall, 3 runs)'))


def main() -> None:
    args = parse_args()
    dry = args.dry_run
    device = 'cpu' if dry else 'cuda'
    if not dry and not torch.cuda.is_available():
        raise SystemExit('error: no CUDA device here; run on the GPU, or use --dry-run on a CPU')
    live_config, cached_config = DEMO if dry else PAPER
    batch_size = args.batch_size or (2 if dry else 4)
    cached_batch_size = args.cached_batch_size or (4 if dry else 16)
    iters = args.iters or (1 if dry else 5)
    warmup = args.warmup if args.warmup is not None else (0 if dry else 2)
    if not dry:
        torch.cuda.reset_peak_memory_stats()
    results: Dict[str, object] = dict(
        device=torch.cuda.get_device_name() if not dry else f'{platform.machine()} CPU',
        dry_run=dry, live_config=live_config, cached_config=cached_config, iters=iters,
        clock='CPU s' if dry else 'wall s', load_average=os.getloadavg()[0])
    rows: List[Tuple[str, str]] = []

    shapes = live_checks(args, live_config, device, batch_size, iters, warmup, results, rows)
    cached_checks(cached_config, shapes, device, cached_batch_size, iters, warmup, dry, args.skip,
                  results, rows)
    with tempfile.TemporaryDirectory() as tmp:
        work = args.work_dir or tmp
        make_demo_dataset(osp.join(work, 'demo'), clips_per_class=5, num_frames=8, size=64,
                          seed=1)
        if 'extraction' not in args.skip:
            guarded(dry, 'extraction', rows, results, extraction_check, work, dry, results, rows)
        if 'kill-resume' not in args.skip:
            guarded(dry, 'kill and resume', rows, results, kill_resume_check, work, device,
                    results, rows)

    print(f'\n{results["device"]}, {"dry run: " if dry else ""}{live_config} and {cached_config}, '
          f'{results["clock"]}, median of {iters}')
    width = max(len(r[0]) for r in rows) + 2
    for name, value in rows:
        print(f'{name:<{width}}{value}')
    os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
    AtomicLocalBackend().put_text(json.dumps(results, indent=2), args.out)
    print(f'written: {args.out}')


if __name__ == '__main__':
    main()
