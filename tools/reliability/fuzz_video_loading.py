"""Throw random and damaged files at the video loading path and check every failure is clear.

Inputs: random bytes of random length (zero included), real mp4 files cut at random points,
and real mp4 files with random bytes overwritten. Each goes through CheckedDecordInit ->
UniformSample -> CheckedDecordDecode. Allowed outcomes: frames of the right shape, or an
IOError/FileNotFoundError/ValueError whose message names the file. Anything else (another
exception, a crash of the process) is a failure; exit code 1.
"""
import argparse
import os
import os.path as osp
import sys
import tempfile
from collections import Counter

import numpy as np


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--num', type=int, default=300, help='number of inputs')
    parser.add_argument('--seed', type=int, default=0)
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    from mmcv.transforms import Compose
    from mmengine.registry import init_default_scope

    import ous_mm  # noqa: F401
    from ous_mm.testing import write_video
    init_default_scope('mmaction')
    pipeline = Compose([dict(type='CheckedDecordInit'),
                        dict(type='UniformSample', clip_len=4, num_clips=1, test_mode=True),
                        dict(type='CheckedDecordDecode')])
    rng = np.random.default_rng(args.seed)
    outcomes, failures = Counter(), []
    with tempfile.TemporaryDirectory() as tmp:
        good = write_video(osp.join(tmp, 'good.mp4'),
                           [rng.integers(0, 255, (64, 96, 3), dtype=np.uint8) for _ in range(6)])
        original = open(good, 'rb').read()
        for i in range(args.num):
            kind = ('random', 'cut', 'flipped')[i % 3]
            if kind == 'random':
                data = rng.bytes(int(rng.integers(0, 5000)))
            elif kind == 'cut':
                data = original[:int(rng.integers(0, len(original)))]
            else:
                buf = bytearray(original)
                for pos in rng.integers(0, len(buf), int(rng.integers(1, 50))):
                    buf[pos] = int(rng.integers(0, 256))
                data = bytes(buf)
            path = osp.join(tmp, f'fuzz_{i:04d}.mp4')
            with open(path, 'wb') as f:
                f.write(data)
            try:
                out = pipeline(dict(filename=path, start_index=0, modality='RGB'))
                if len(out['imgs']) != 4 or out['imgs'][0].ndim != 3:
                    failures.append((path, kind, f'bad frames {len(out["imgs"])}'))
                outcomes[f'{kind}: decoded'] += 1
            except (IOError, ValueError) as err:  # FileNotFoundError is an IOError
                if osp.basename(path) not in str(err):
                    failures.append((path, kind, f'error without the file name: {err}'))
                outcomes[f'{kind}: clear error'] += 1
            except Exception as err:  # anything else is a bug
                failures.append((path, kind, f'{type(err).__name__}: {err}'))
            os.remove(path)
    print(f'{args.num} inputs tried:')
    for key, count in sorted(outcomes.items()):
        print(f'  {key}: {count}')
    for path, kind, what in failures[:10]:
        print(f'FAILED {kind} {osp.basename(path)}: {what}')
    print(f'{len(failures)} failures')
    sys.exit(1 if failures else 0)


if __name__ == '__main__':
    main()
