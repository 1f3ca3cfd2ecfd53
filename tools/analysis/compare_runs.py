"""One table of UAR / WAR / parameters / FLOPs for several runs (OUS or any MMAction2 model).

    python tools/analysis/compare_runs.py WORK_DIR [WORK_DIR ...] [--out table.md]

Each work dir needs the config the Runner saved there and the test predictions dumped by
`tools/test.py CONFIG CKPT --dump WORK_DIR/test_predictions.pkl` (tools/run_demo.py and
tools/cross_validate.py write them). Metrics come from the dump (whole-split UAR and WAR);
parameters and FLOPs (multiply-adds of one test clip, with MMEngine's FlopAnalyzer) from the
model built with the config.
"""
import argparse
import glob
import os.path as osp

from ous_mm.apis import dump_scores
from ous_mm.apis.model_complexity import model_complexity
from ous_mm.fileio import AtomicLocalBackend


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('work_dirs', nargs='+')
    parser.add_argument('--dump', default='test_predictions.pkl', help='dump name in each dir')
    parser.add_argument('--out', help='also write the table (Markdown) here')
    return parser.parse_args()


def describe(work_dir: str, dump_name: str) -> dict:
    configs = sorted(glob.glob(osp.join(work_dir, '*.py')))
    dump = osp.join(work_dir, dump_name)
    if not configs or not osp.isfile(dump):
        raise SystemExit(f'{work_dir}: needs the saved config (*.py) and {dump_name} '
                         '(tools/test.py CONFIG CKPT --dump ...)')
    scores = dump_scores(dump)
    # sizes and FLOPs only: no trained weights needed
    complexity = model_complexity(configs[0])
    return dict(run=osp.basename(osp.normpath(work_dir)), model=complexity['model'],
                clips=len(scores['labels']), UAR=scores['UAR'], WAR=scores['WAR'],
                trainable=complexity['trainable'] / 1e6, frozen=complexity['frozen'] / 1e6,
                gflops=complexity['gflops'])


def main() -> None:
    args = parse_args()
    rows = [describe(d, args.dump) for d in args.work_dirs]
    lines = ['| run | model | test clips | UAR | WAR | trainable params (M) | frozen params (M) '
             '| GFLOPs / clip |', '|---|---|---:|---:|---:|---:|---:|---:|']
    for r in rows:
        lines.append(f'| {r["run"]} | {r["model"]} | {r["clips"]} | {r["UAR"]:.2f} | '
                     f'{r["WAR"]:.2f} | {r["trainable"]:.2f} | {r["frozen"]:.2f} | '
                     f'{r["gflops"]:.2f} |')
    table = '\n'.join(lines)
    print(table)
    if args.out:
        AtomicLocalBackend().put_text(table + '\n', args.out)


if __name__ == '__main__':
    main()
