"""Write the tiny video set that the smoke configs train on (real mp4 files)."""
import argparse

from ous_mm.testing import make_smoke_dataset


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('out', nargs='?', default='data/smoke', help='output folder')
    parser.add_argument('--num-classes', type=int, default=3)
    parser.add_argument('--train-per-class', type=int, default=4)
    parser.add_argument('--val-per-class', type=int, default=2)
    parser.add_argument('--num-frames', type=int, default=12)
    parser.add_argument('--size', type=int, default=64)
    parser.add_argument('--seed', type=int, default=0)
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    anns = make_smoke_dataset(args.out, args.num_classes, args.train_per_class,
                              args.val_per_class, args.num_frames, args.size, args.seed)
    for split, path in anns.items():
        print(f'{split}: {path}')


if __name__ == '__main__':
    main()
