"""Train, test and tabulate OUS against its peers, in the layout of the paper's Table 1.

    python tools/benchmark_table.py configs/benchmarks/table1_demo.py [--folds 1] [--work-dir DIR]
    python tools/benchmark_table.py configs/benchmarks/table1_dfew.py
    python tools/benchmark_table.py --configs REFERENCE.py OTHER.py ... [--folds 1 2]
    python tools/benchmark_table.py SPEC --data-root MY_DFEW [--cfg-options KEY=VALUE ...]

A table spec lists the rows (name, config, the key of the method's published numbers) and the
reference row (OUS); with --configs, the first config is the reference. Every row trains and
tests on every fold (default: the dataset's official folds, 1-5 for DFEW and MAFW, FERV39k's
one split) in DIR/<row>/fold_K, by ous_mm.apis.train_and_test as tools/cross_validate.py does:
an interrupted run resumes, a finished one (DIR/<row>/fold_K/test_metrics.json) is read back.
Then DIR/table.md, table.csv and table.png: per-class recall, UAR and WAR (mean ± std over the
folds, ddof = 1) beside the published numbers (configs/benchmarks/published_results.yml, with
their sources), each row's UAR difference to the reference with a 95 % paired-bootstrap interval
over the test clips (per fold and pooled), parameters, GFLOPs per clip, training time per epoch,
peak memory and inputs. docs/en/user_guides/benchmarking.md explains how to read it.
"""
import argparse
import glob
import os.path as osp

from ous_mm.apis.benchmark_table import (PUBLISHED_RESULTS, TableSpecError, check_table_spec,
                                         describe_inputs, format_table, load_published,
                                         load_table_spec, plot_table, published_for,
                                         run_measurements, run_table, spec_from_configs,
                                         uar_differences, write_table)
from ous_mm.apis.loading import load_config, parse_cfg_options
from ous_mm.apis.model_complexity import model_complexity


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('spec', nargs='?', help='table spec (e.g. configs/benchmarks/'
                        'table1_demo.py); or give --configs')
    parser.add_argument('--configs', nargs='+', help='configs, the first the reference row')
    parser.add_argument('--folds', type=int, nargs='+',
                        help='default: the dataset\'s folds (1-5; FERV39k: its one split)')
    parser.add_argument('--work-dir', help='default: work_dirs/<spec name>')
    parser.add_argument('--data-root', help='a DFEW-layout folder (or the rows\' dataset\'s '
                        'layout) for every row: sets {train,val,test}_dataloader.dataset.data_root')
    parser.add_argument('--cfg-options', nargs='+', default=[], metavar='KEY=VALUE',
                        help='options for every row\'s config, as tools/train.py takes them')
    parser.add_argument('--published', default=PUBLISHED_RESULTS,
                        help='the published results file')
    parser.add_argument('--resamples', type=int, default=2000, help='bootstrap draws')
    parser.add_argument('--seed', type=int, default=0, help='seed of the bootstrap draws')
    parser.add_argument('--finished-only', action='store_true',
                        help='run nothing: tabulate the rows whose folds have all finished '
                        '(e.g. while the table\'s run goes on), into table-finished.md/.csv/.png')
    args = parser.parse_args()
    if bool(args.spec) == bool(args.configs):
        parser.error('give a table spec or --configs (one of them)')
    if args.resamples < 1000:
        parser.error(f'--resamples {args.resamples}: use 1000 or more for a 95 % interval')
    return args


def main() -> None:
    args = parse_args()
    options = list(args.cfg_options)
    if args.data_root:
        if not osp.isdir(args.data_root):
            raise SystemExit(f'--data-root {args.data_root} is not a folder')
        options += [f'{s}_dataloader.dataset.data_root={args.data_root}'
                    for s in ('train', 'val', 'test')]
    name = (osp.splitext(osp.basename(args.spec))[0] if args.spec else
            'table_' + osp.splitext(osp.basename(args.configs[0]))[0])
    work_dir = args.work_dir or osp.join('work_dirs', name)
    try:
        spec = load_table_spec(args.spec) if args.spec else spec_from_configs(args.configs)
        check_table_spec(spec, options)
        published = published_for(spec, load_published(args.published))
        folds = args.folds or spec.data['folds']
        results = run_table(spec, work_dir, folds, options, args.finished_only)
    except TableSpecError as error:
        raise SystemExit(f'error: {error}')
    missing = [row.name for row in spec.rows if row.name not in results]
    if missing:
        if spec.reference in missing:
            raise SystemExit(f'the reference row {spec.reference!r} has not finished in '
                             f'{work_dir}: nothing to compare with yet')
        print(f'not finished yet, left out: {", ".join(missing)}')
        spec.rows = [row for row in spec.rows if row.name in results]
    differences = uar_differences(results, spec.reference, len(spec.data['classes']),
                                  args.resamples, args.seed)
    costs = {}
    for row in spec.rows:
        run_dir = results[row.name][0]['work_dir']
        saved = sorted(glob.glob(osp.join(run_dir, '*.py')))  # the config the Runner saved
        complexity = model_complexity(saved[0] if saved else
                                      load_config(row.config, parse_cfg_options(options)))
        costs[row.name] = dict(complexity, **run_measurements(run_dir),
                               **describe_inputs(load_config(row.config,
                                                             parse_cfg_options(options))))
    markdown, csv_rows = format_table(spec, results, differences, published, costs)
    name = 'table-finished' if args.finished_only else 'table'
    paths = write_table(work_dir, markdown, csv_rows, name)
    plot = osp.join(work_dir, f'{name}.png')
    plot_table(plot, spec, results, differences)
    print('\n' + markdown + '\n\n' + ', '.join(paths + [plot]))


if __name__ == '__main__':
    main()
