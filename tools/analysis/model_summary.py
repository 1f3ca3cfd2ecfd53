"""Parameter counts (trainable / frozen) per component and FLOPs per clip of a config's model.

Also the time the model took to build and the process's peak resident memory by then. Build
it with random weights (``--cfg-options model.clip.weights=random``: nothing is downloaded):
the counts and FLOPs do not depend on the weights (the build time and memory do: a random CLIP
is drawn once per tower, real weights are built once for both; give a weights file for those).
FLOPs are counted by MMEngine's FlopAnalyzer (one multiply-add = one FLOP, fvcore's convention)
for one frame through the frozen encoder (times the frames of a clip), the prompt side once per
step (shared by the batch), and the rest per clip.
"""
import argparse
import resource
import time
from collections import OrderedDict

import torch
from mmengine.analysis import FlopAnalyzer
from mmengine.config import DictAction

from ous_mm.apis import init_model


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('config', help='config file')
    parser.add_argument('--no-flops', action='store_true', help='only count parameters')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override settings, as in tools/train.py')
    return parser.parse_args()


def count(module: torch.nn.Module) -> tuple:
    trainable = sum(p.numel() for p in module.parameters() if p.requires_grad)
    frozen = sum(p.numel() for p in module.parameters() if not p.requires_grad)
    frozen += sum(b.numel() for n, b in module.named_buffers()
                  if 'text_projection' in n or 'positional_embedding' in n)
    return trainable, frozen


def components(model) -> 'OrderedDict[str, torch.nn.Module]':
    parts = OrderedDict(backbone=model.backbone)
    for name, child in model.neck.named_children():
        parts[f'neck.{name}'] = child
    learner = model.cls_head.prompt_learner
    parts['cls_head.prompt_learner.ctx'] = torch.nn.ParameterList([learner.ctx])
    parts['cls_head.prompt_learner.text'] = learner.text
    if model.polarity_head is not None:
        parts['polarity_head'] = model.polarity_head
    return parts


def gflops(module, inputs) -> float:
    analyzer = FlopAnalyzer(module, inputs)
    analyzer.unsupported_ops_warnings(False).uncalled_modules_warnings(False)
    return analyzer.total() / 1e9


def main() -> None:
    args = parse_args()
    start = time.perf_counter()
    model = init_model(args.config, cfg_options=args.cfg_options)
    print(f'built in {time.perf_counter() - start:.1f} s; peak resident memory so far '
          f'{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20:.2f} GiB\n')

    rows = [(name, *count(part)) for name, part in components(model).items()]
    total = count(model)
    width = max(len(r[0]) for r in rows) + 2
    print(f'{"component":<{width}}{"trainable":>14}{"frozen":>14}')
    for name, trainable, frozen in rows:
        print(f'{name:<{width}}{trainable:>14,}{frozen:>14,}')
    print(f'{"total":<{width}}{total[0]:>14,}{total[1]:>14,}')
    if args.no_flops:
        return

    # nn.MultiheadAttention's fused inference kernel is an op FlopAnalyzer cannot count;
    # the plain path computes the same with countable linear and matmul ops.
    torch.backends.mha.set_fastpath_enabled(False)
    t = model.num_frames
    visual = model.backbone.visual
    size = visual.image_size
    size = size[0] if isinstance(size, (tuple, list)) else size
    frame = torch.zeros(1, 3, size, size)
    with torch.no_grad():
        enc_frame = gflops(model.backbone, (frame, ))
        streams = len(model.streams)
        enc = model.backbone(frame.expand(1, -1, -1, -1))
        feat = enc['feat'].expand(t, -1).unsqueeze(0)
        early = enc['early'].expand(t, -1).unsqueeze(0)
        args_neck = (feat if 'face' in model.streams else None,
                     feat if 'scene' in model.streams else None,
                     early if model.neck.use_polarity else None)
        neck = gflops(model.neck, args_neck)
        prompts = gflops(model.cls_head.prompt_learner, ())
    print(f'\nGFLOPs (multiply-adds) at {size} px, T = {t}, {streams} stream(s):')
    print(f'  frozen encoder: {enc_frame:.2f} per frame, {enc_frame * t * streams:.2f} per clip')
    print(f'  neck + heads:   {neck:.3f} per clip')
    print(f'  class prompts:  {prompts:.2f} per step (shared by the batch)')
    print(f'  per clip (batch 16): {enc_frame * t * streams + neck + prompts / 16:.2f}')


if __name__ == '__main__':
    main()
