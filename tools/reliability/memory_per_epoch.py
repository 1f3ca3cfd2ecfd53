"""Train CONFIG for N epochs and print the resident memory after each (MemoryMonitorHook).

The growth is measured from the end of epoch 1 (allocator pools, caches and workers have
settled by then) to the end of the last epoch; exit code 1 when it exceeds --max-growth.
"""
import argparse
import os.path as osp
import re
import subprocess
import sys

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
LINE = re.compile(r'memory after epoch (\d+): main process ([\d.]+) MiB RSS, '
                  r'dataloader workers ([\d.]+) MiB RSS')


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('config')
    parser.add_argument('--work-dir', required=True)
    parser.add_argument('--epochs', type=int, default=10)
    parser.add_argument('--max-growth', type=float, default=0.10, help='allowed relative growth')
    parser.add_argument('--cfg-options', nargs='+', default=[])
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    proc = subprocess.run(
        [sys.executable, osp.join(ROOT, 'tools', 'train.py'), args.config, '--work-dir',
         args.work_dir, '--cfg-options', f'train_cfg.max_epochs={args.epochs}',
         *args.cfg_options], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True)
    rows = [(int(e), float(m), float(w)) for e, m, w in LINE.findall(proc.stdout)]
    if proc.returncode or not rows:
        print(proc.stdout[-3000:])
        sys.exit(f'training failed (exit {proc.returncode}) or logged no memory '
                 '(is MemoryMonitorHook in custom_hooks?)')
    print(f'{"epoch":>5}{"main MiB":>12}{"workers MiB":>14}{"total MiB":>12}')
    for epoch, main, workers in rows:
        print(f'{epoch:>5}{main:>12.1f}{workers:>14.1f}{main + workers:>12.1f}')
    first, last = rows[0][1] + rows[0][2], rows[-1][1] + rows[-1][2]
    growth = (last - first) / first
    print(f'growth from epoch {rows[0][0]} to epoch {rows[-1][0]}: {100 * growth:+.1f} % '
          f'(limit {100 * args.max_growth:.0f} %)')
    sys.exit(0 if growth <= args.max_growth else 1)


if __name__ == '__main__':
    main()
