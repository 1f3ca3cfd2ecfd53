"""Write the built-in demo dataset: DFEW's on-disk format, scene-dependent emotions.

See ous_mm/testing/demo_dataset.py for what the clips show and why. The generator's arguments
are written last, into OUT/demo_dataset.json (tools/run_demo.py reuses a dataset only if they
match).
"""
import argparse
import time

from ous_mm.testing import FACE_ONLY_UAR_BOUND, make_demo_dataset
from ous_mm.testing.demo_dataset import generator_defaults

DEFAULTS = generator_defaults()


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('out', nargs='?', default='data/demo_dfew', help='output folder')
    parser.add_argument('--clips-per-class', type=int, default=DEFAULTS['clips_per_class'])
    parser.add_argument('--num-frames', type=int, default=DEFAULTS['num_frames'])
    parser.add_argument('--size', type=int, default=DEFAULTS['size'], help='frame side (>= 64)')
    parser.add_argument('--num-folds', type=int, default=DEFAULTS['num_folds'])
    parser.add_argument('--seed', type=int, default=0)
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    start = time.time()
    out = make_demo_dataset(args.out, args.clips_per_class, args.num_frames, args.size,
                            args.num_folds, args.seed)
    print(f'wrote {7 * args.clips_per_class} clips in {time.time() - start:.1f} s: '
          + ', '.join(f'{k}={v}' for k, v in out.items()))
    print(f'face-only UAR is bounded by {100 * FACE_ONLY_UAR_BOUND:.1f} % on this data '
          '(in expectation)')


if __name__ == '__main__':
    main()
