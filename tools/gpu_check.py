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
- the cached training step (the cached config's model, no image tower) at batch 16, eager;
- the peak GPU memory of the live step against a 24 GiB card (the paper's RTX 3090);
- the encoder's bfloat16 features against float32 ones: the largest cosine distance.

Prints one table and writes the same numbers to --out (JSON). --dry-run runs all of it at the
demo's size on the CPU (batches 2 and 4, one run each), so that the command cannot rot.
"""
import argparse
import json
import os
import os.path as osp
import platform
import resource
from typing import Dict, List, Optional, Tuple

import torch
import torch.nn.functional as F
from mmaction.registry import MODELS
from mmaction.structures import ActionDataSample
from mmengine.optim import build_optim_wrapper

from ous_mm.apis import load_config
from ous_mm.datasets.feature_cache_fingerprint import feature_shapes
from ous_mm.utils.step_timing import StepPhases, median_by_cpu, timed_runs

PAPER = ('configs/ous_dfew.py', 'configs/ous/ous_vit-l14_1xb16-60e_dfew-cached.py')
DEMO = ('configs/ous_demo.py', 'configs/ous/ous_vit-tiny-random_1xb16-20e_demo-cached.py')
CARD_24GB = 24 * 2**30  # the paper's RTX 3090


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
    clock = 0 if dry else 1  # the CPU's work on the CPU, the card's (wall) time on the GPU
    if not dry:
        torch.cuda.reset_peak_memory_stats()
    results: Dict[str, object] = dict(
        device=torch.cuda.get_device_name() if not dry else f'{platform.machine()} CPU',
        dry_run=dry, live_config=live_config, cached_config=cached_config, iters=iters,
        clock='CPU s' if dry else 'wall s', load_average=os.getloadavg()[0])
    rows: List[Tuple[str, str]] = []

    shapes = live_checks(args, live_config, device, batch_size, iters, warmup, results, rows)
    model, optim = build(cached_config, device)
    batch = random_batch(model, cached_batch_size, shapes)
    step = step_times(model, optim, batch, device, iters, warmup)
    cached = sum(t[clock] for t in step.values())
    results.update(cached_step_s=cached, cached_phases_s={k: v[clock] for k, v in step.items()})
    rows.append((f'cached step, batch {cached_batch_size}, eager', f'{cached * 1000:.1f} ms'))

    print(f'\n{results["device"]}, {"dry run: " if dry else ""}{live_config} and {cached_config}, '
          f'{results["clock"]}, median of {iters}')
    width = max(len(r[0]) for r in rows) + 2
    for name, value in rows:
        print(f'{name:<{width}}{value}')
    os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
    with open(args.out, 'w') as f:
        json.dump(results, f, indent=2)
    print(f'written: {args.out}')


if __name__ == '__main__':
    main()
