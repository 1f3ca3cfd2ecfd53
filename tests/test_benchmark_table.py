"""tools/benchmark_table.py and ous_mm.apis.benchmark_table: the bootstrap, the table, the spec's
checks, resuming and skipping runs, and (slow) the tool end to end against compare_runs.py."""
import csv
import glob
import json
import os
import os.path as osp
import re
import shutil

import numpy as np
import pytest

from ous_mm.apis.benchmark_table import (PUBLISHED_RESULTS, TableRow, TableSpec, TableSpecError,
                                         check_table_spec, describe_inputs, format_table,
                                         load_published, load_table_spec, paired_bootstrap,
                                         published_for, resampled_uar, run_measurements, run_table,
                                         spec_from_configs)
from ous_mm.apis.dump_results import dump_scores
from ous_mm.apis.loading import load_config
from ous_mm.datasets import DFEW_CLASSES
from ous_mm.evaluation import confusion_matrix, dfer_scores
from conftest import DEMO_CONFIG, REPO, demo_options, run, run_here

OUS_DEMO = osp.join(REPO, 'configs', 'ous', 'ous_vit-tiny-random_1xb16-20e_demo.py')
FACE_ONLY = osp.join(REPO, 'configs', 'ous', 'ous_vit-tiny-random_1xb16-20e_demo-face-only.py')
TSN_DEMO = osp.join(REPO, 'configs', 'baselines', 'tsn_r18_1xb16-5e_demo-face.py')
PUBLISHED = osp.join(REPO, 'configs', 'benchmarks', 'published_results.yml')


def _predictions(labels, accuracy, rng, num_classes=7):
    """Predictions right with probability ``accuracy``, else another class."""
    right = rng.random(len(labels)) < accuracy
    wrong = (labels + rng.integers(1, num_classes, len(labels))) % num_classes
    return np.where(right, labels, wrong)


def test_resampled_uar_on_the_clips_as_they_are_is_dfer_scores():
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 7, 200)
    labels[labels == 5] = 6  # a class without clips: left out of UAR, as DFERMetric does
    pred = _predictions(labels, 0.6, rng)
    uar = resampled_uar(labels, pred[None], 7, np.arange(200)[None])[0, 0]
    assert uar == pytest.approx(dfer_scores(confusion_matrix(pred, labels, 7))['UAR'])


def test_paired_bootstrap_covers_a_known_difference():
    rng = np.random.default_rng(1)
    labels = np.repeat(np.arange(7), 300)
    folds = [(labels, _predictions(labels, 0.8, rng), _predictions(labels, 0.6, rng))
             for _ in range(2)]
    result = paired_bootstrap(folds, 7, num_resamples=1000, seed=0)
    for fold in [*result['folds'], result['pooled']]:
        assert fold['low'] < fold['diff'] < fold['high']
        assert fold['low'] < 20 < fold['high']  # the true difference of UAR: 80 - 60
        assert fold['high'] - fold['low'] < 10
    pooled = result['pooled']
    assert pooled['diff'] == pytest.approx(np.mean([f['diff'] for f in result['folds']]))
    # the mean of two folds' differences varies less than one fold's
    assert pooled['high'] - pooled['low'] < min(f['high'] - f['low'] for f in result['folds'])
    assert paired_bootstrap(folds, 7, num_resamples=1000, seed=0) == result  # seeded


def test_identical_predictions_give_a_zero_width_interval_at_zero():
    rng = np.random.default_rng(2)
    labels = rng.integers(0, 7, 150)
    pred = _predictions(labels, 0.5, rng)
    result = paired_bootstrap([(labels, pred, pred.copy())] * 3, 7, num_resamples=1000)
    for fold in [*result['folds'], result['pooled']]:
        assert fold['diff'] == fold['low'] == fold['high'] == 0


def test_pairs_are_resampled_jointly():
    """The second model is right wherever the first is, and on 5 % more clips: on every joint
    draw its recall is at least the first's in every class, so no draw has it worse. Drawn
    apart, the two models' clips would differ, and the lower end would fall below zero."""
    rng = np.random.default_rng(3)
    labels = np.repeat(np.arange(7), 100)
    first = _predictions(labels, 0.5, rng)
    second = first.copy()
    fixed = rng.choice(np.flatnonzero(first != labels), 35, replace=False)
    second[fixed] = labels[fixed]
    result = paired_bootstrap([(labels, second, first)], 7, num_resamples=2000, seed=0)
    fold = result['folds'][0]
    assert fold['diff'] == pytest.approx(5.0)
    assert 0 <= fold['low'] < fold['diff'] < fold['high']
    # the same margins drawn apart (each model its own clips) straddle zero
    indices = rng.integers(0, len(labels), (2, 2000, len(labels)))
    apart = (resampled_uar(labels, second[None], 7, indices[0])[:, 0] -
             resampled_uar(labels, first[None], 7, indices[1])[:, 0])
    assert np.percentile(apart, 2.5) < 0


def test_unequal_folds_are_an_error():
    with pytest.raises(ValueError, match='not tested on the same clips'):
        paired_bootstrap([(np.zeros(5), np.zeros(5), np.zeros(4))], 7)


def _fold(fold, recall, war):
    return dict(fold=fold, clips=56, UAR=float(np.mean(recall)), WAR=war, recall=recall,
                checkpoint='best.pth', work_dir=f'w/{fold}')


def test_table_layout_on_fabricated_folds():
    spec = TableSpec([TableRow('OUS', 'a.py', 'OUS'), TableRow('TSN', 'b.py')], 'OUS', 'demo',
                     'DFEW', dict(classes=DFEW_CLASSES, folds=[1, 2]))
    results = {'OUS': [_fold(1, [100.0] * 7, 100.0), _fold(2, [90.0] * 6 + [76.0], 88.0)],
               'TSN': [_fold(1, [50.0] * 7, 60.0), _fold(2, [70.0] * 7, 62.0)]}
    differences = {'TSN': dict(folds=[dict(diff=-50.0, low=-60.0, high=-40.0),
                                      dict(diff=-18.0, low=-30.0, high=-5.0)],
                               pooled=dict(diff=-34.0, low=-41.5, high=-26.25),
                               resamples=2000, seed=0)}
    published = published_for(spec, load_published(PUBLISHED))
    costs = {'OUS': dict(trainable=2_500_000, frozen=1_000_000, gflops=1.234, epoch_s=6.0,
                         rss_mb=2048.0, workers_rss_mb=512.0, gpu_mb=None,
                         streams='face crops + whole frames',
                         faces='detected (face boxes)', frames=8, resolution=112,
                         weights='clip.weights=random',
                         machine=dict(arch='x86_64', cores=2, torch_threads=1, gpus=[]))}
    markdown, rows = format_table(spec, results, differences, published, costs)
    lines = markdown.splitlines()
    assert lines[2] == ('| method | Happy | Sad | Neutral | Angry | Surprise | Disgust | Fear '
                        '| UAR | WAR | published UAR | published WAR |')
    ous = next(line for line in lines if line.startswith('| OUS |'))
    # UAR of the folds: 100 and 88 -> 94 ± 8.49 (ddof = 1); Fear 100 and 76
    assert '| 95.00 ± 7.07 |' in ous and '| 88.00 ± 16.97 |' in ous
    assert '| 94.00 ± 8.49 | 94.00 ± 8.49 | 64.33 [1] | 74.02 [1] |' in ous
    assert '[1] Mai et al., "OUS: Bridging Scene Context' in markdown
    tsn = next(line for line in lines if line.startswith('| TSN |'))
    assert tsn.endswith('| 60.00 ± 14.14 | 61.00 ± 1.41 | - | - |')
    assert 'paired bootstrap over the test clips (2000 draws, seed 0;' in markdown
    assert ('| TSN | -50.00 [-60.00, -40.00] | -18.00 [-30.00, -5.00] | '
            '-34.00 [-41.50, -26.25] |') in lines
    assert ('| OUS | 2.50 | 1.00 | 1.23 | 6.0 | 2.00 / 0.50 | - | x86_64, 2 cores, 1 threads, '
            'CPU only | face crops + whole frames | detected (face boxes) | 8 | 112 | '
            'clip.weights=random |') in lines
    header, first, second = rows
    assert header[:10] == ['method', *DFEW_CLASSES, 'UAR', 'UAR_std']
    assert first[0] == 'OUS' and float(first[8]) == 94.0 and first[12] == '64.33'
    assert second[0] == 'TSN' and [float(v) for v in second[15:18]] == [-34.0, -41.5, -26.25]

    one_fold = {name: runs[:1] for name, runs in results.items()}
    markdown, _ = format_table(spec, one_fold, {}, published, {})
    assert '| 100.00 | 100.00 | 64.33 [1]' in markdown and '±' not in markdown


def _spec_file(tmp_path, rows, reference='OUS', name='spec.py'):
    path = tmp_path / name
    path.write_text(f'reference = {reference!r}\nrows = {rows!r}\n')
    return str(path)


def _config(tmp_path, name, base, body):
    path = tmp_path / name
    path.write_text(f'_base_ = [{base!r}]\n{body}\n')
    return str(path)


def test_spec_checks(tmp_path):
    good = [dict(name='OUS', config=OUS_DEMO, method='OUS'),
            dict(name='TSN', config=TSN_DEMO, method=None)]
    spec = check_table_spec(load_table_spec(_spec_file(tmp_path, good)))
    assert [r.name for r in spec.rows] == ['OUS', 'TSN'] and spec.reference == 'OUS'
    assert spec.data['folds'] == [1, 2, 3, 4, 5] and spec.data['classes'] == DFEW_CLASSES
    assert spec.data['data_root'] == 'data/demo_dfew'
    options = ['test_dataloader.dataset.data_root=/elsewhere']
    assert check_table_spec(load_table_spec(_spec_file(tmp_path, good)),
                            options).data['data_root'] == '/elsewhere'
    assert spec_from_configs([OUS_DEMO, TSN_DEMO]).reference == 'ous_vit-tiny-random_1xb16-20e_demo'

    missing = [*good, dict(name='X', config=str(tmp_path / 'nope.py'))]
    with pytest.raises(TableSpecError, match=r"row 'X': config .*nope.py does not exist"):
        check_table_spec(load_table_spec(_spec_file(tmp_path, missing)))
    with pytest.raises(TableSpecError, match="reference row 'OUS' is not among the rows "
                       r'\(TSN\)'):
        check_table_spec(load_table_spec(_spec_file(tmp_path, good[1:])))
    with pytest.raises(TableSpecError, match='names no reference row'):
        load_table_spec(_spec_file(tmp_path, good, reference=''))
    with pytest.raises(TableSpecError, match='does not exist'):
        load_table_spec(str(tmp_path / 'no_spec.py'))

    elsewhere = _config(tmp_path, 'tsn_elsewhere.py', TSN_DEMO,
                        "test_dataloader = dict(dataset=dict(data_root='data/other'))")
    with pytest.raises(TableSpecError, match="rows 'OUS' and 'TSN' are on different test data: "
                       "data_root 'data/demo_dfew' vs 'data/other'"):
        check_table_spec(load_table_spec(_spec_file(
            tmp_path, [good[0], dict(name='TSN', config=elsewhere)])))
    mafw = _config(tmp_path, 'tsn_mafw.py', TSN_DEMO,
                   "test_dataloader = dict(dataset=dict(type='MAFWDataset'))\n"
                   'model = dict(cls_head=dict(num_classes=11))')
    with pytest.raises(TableSpecError, match="type 'DFEWDataset' vs 'MAFWDataset'; classes"):
        check_table_spec(load_table_spec(_spec_file(
            tmp_path, [good[0], dict(name='TSN', config=mafw)])))
    eleven = _config(tmp_path, 'tsn_11.py', TSN_DEMO, 'model = dict(cls_head=dict(num_classes=11))')
    with pytest.raises(TableSpecError, match="row 'TSN': its model scores 11 classes, its test "
                       r'data \(DFEWDataset\) has 7'):
        check_table_spec(load_table_spec(_spec_file(
            tmp_path, [good[0], dict(name='TSN', config=eleven)])))
    with pytest.raises(TableSpecError, match='row names repeat'):
        check_table_spec(load_table_spec(_spec_file(tmp_path, [good[0], good[0]])))
    with pytest.raises(TableSpecError, match="row 'TSN': method 'TSN-typo' is not in the "
                       'published results'):
        published_for(TableSpec([TableRow('TSN', TSN_DEMO, 'TSN-typo')], 'TSN'),
                      load_published(PUBLISHED))
    unsourced = tmp_path / 'published.yml'
    unsourced.write_text('- {method: A, dataset: DFEW, UAR: 50, WAR: 60}\n')
    with pytest.raises(TableSpecError, match=r"lacks \['source'\]"):
        load_published(str(unsourced))


def test_one_split_datasets_and_the_command_line_errors(tmp_path):
    ferv39k = osp.join(REPO, 'configs', 'ous', 'ous_vit-l14_4xb4-60e_ferv39k.py')
    spec = check_table_spec(spec_from_configs([ferv39k]))
    assert spec.data['folds'] == [None] and spec.data['type'] == 'FERV39kDataset'
    with pytest.raises(TableSpecError, match=r'--folds \[1\]: FERV39kDataset has one '
                       'train/test split'):
        run_table(spec, str(tmp_path), [1])
    missing = _spec_file(tmp_path, [dict(name='OUS', config='configs/none.py')])
    with pytest.raises(SystemExit, match="error: row 'OUS': config configs/none.py does not "
                       'exist'):
        run_here('tools/benchmark_table.py', missing, '--work-dir', str(tmp_path / 'w'))
    assert not osp.exists(tmp_path / 'w')


SPECS = sorted(glob.glob(osp.join(REPO, 'configs', 'benchmarks', '*.py')))


@pytest.mark.parametrize('spec', SPECS, ids=osp.basename)
def test_the_repository_specs_make_one_table_each(spec, monkeypatch):
    monkeypatch.chdir(REPO)  # their config paths are relative to the repository root
    checked = check_table_spec(load_table_spec(spec))
    published = published_for(checked, load_published(PUBLISHED))
    assert checked.reference in published  # OUS's own numbers beside its row


def test_published_file_has_the_paper_table_1_row_of_ous():
    published = load_published(PUBLISHED)
    ous = published[('OUS', 'DFEW')]
    assert (ous['UAR'], ous['WAR']) == (64.33, 74.02) and 'Table 1' in ous['source']
    # copied as printed: every row's recalls average to its UAR (to the rounding), but OUS's
    # own (64.59, a discrepancy of the paper's Table 1 that the file notes)
    assert np.mean(ous['recall']) == pytest.approx(64.59, abs=0.01)
    for (method, dataset), entry in published.items():
        if 'recall' in entry and method != 'OUS':
            assert len(entry['recall']) == 7
            assert np.mean(entry['recall']) == pytest.approx(entry['UAR'], abs=0.015), method


def test_inputs_are_read_from_the_config():
    ous = describe_inputs(load_config(OUS_DEMO))
    assert ous == dict(streams='face crops + whole frames', faces='detected (face boxes)',
                       frames=8, resolution=112, weights='clip.weights=random')
    assert describe_inputs(load_config(FACE_ONLY))['streams'] == 'face crops'
    tsn = describe_inputs(load_config(TSN_DEMO))
    assert tsn['streams'] == 'face crops' and tsn['weights'] == 'random'
    imagenet = load_config(TSN_DEMO, {'model.backbone.pretrained': 'torchvision://resnet18'})
    assert describe_inputs(imagenet)['weights'] == 'backbone.pretrained=torchvision://resnet18'
    paper = describe_inputs(load_config(osp.join(REPO, 'configs', 'ous',
                                                 'ous_vit-l14_4xb4-60e_dfew.py')))
    assert paper['faces'] == 'release crops (Clip/clip_224x224)'
    assert paper['frames'] == 16 and paper['resolution'] == 224
    assert 'clip.weights=' in paper['weights'] and 'random' not in paper['weights']


def test_resume_and_skip_on_the_shared_demo_run(demo_run, tmp_path, capsys):
    """A fold whose training finished but was never tested (the shared tools/train.py run,
    copied in) resumes, trains nothing more, tests its best checkpoint; the next call reads the
    result back without running anything."""
    work = str(tmp_path / 'table')
    run_dir = osp.join(work, 'OUS', 'fold_1')
    shutil.copytree(demo_run['work'], run_dir)
    files = set(os.listdir(run_dir))
    spec = check_table_spec(TableSpec([TableRow('OUS', DEMO_CONFIG)], 'OUS'))
    options = demo_options(demo_run['root'], 'train_cfg.max_epochs=2', workers=0)[1:]
    assert run_table(spec, work, [1], options, finished_only=True) == {}  # nothing run
    assert set(os.listdir(run_dir)) == files
    capsys.readouterr()
    result, = run_table(spec, work, [1], options)['OUS']
    out = capsys.readouterr().out
    assert '(resuming)' in out
    new = set(os.listdir(run_dir)) - files
    assert not any(re.match(r'(epoch|best)_.*\.pth$', f) for f in new), new  # nothing trained
    assert {'test_metrics.json', 'test_predictions.pkl', 'machine.json'} <= new
    scores = dump_scores(osp.join(run_dir, 'test_predictions.pkl'))
    assert result['UAR'] == pytest.approx(scores['UAR']) and result['fold'] == 1
    with open(osp.join(run_dir, 'machine.json')) as f:
        assert json.load(f)['cores'] == os.cpu_count()
    stamp = os.stat(osp.join(run_dir, 'test_metrics.json')).st_mtime_ns
    again, = run_table(spec, work, [1], options)['OUS']
    assert 'done before' in capsys.readouterr().out
    assert again == result
    assert run_table(spec, work, [1], options, finished_only=True) == {'OUS': [result]}
    assert os.stat(osp.join(run_dir, 'test_metrics.json')).st_mtime_ns == stamp
    measured = run_measurements(run_dir)
    assert measured['epoch_s'] > 0 and measured['rss_mb'] > 100
    assert measured['workers_rss_mb'] == 0 and measured['gpu_mb'] is None  # no workers, no GPU


def test_uar_differences_pair_the_dumps_clip_by_clip(demo_run, tmp_path):
    """Two rows with the same dump differ by exactly 0; a dump of the same clips in another
    order is refused (the pairs would be wrong)."""
    import pickle

    from ous_mm.apis import load_dump
    from ous_mm.apis.benchmark_table import uar_differences
    dirs = [tmp_path / name for name in ('a', 'b', 'c')]
    for folder in dirs:
        folder.mkdir()
    shutil.copy(demo_run['dump'], dirs[0] / 'test_predictions.pkl')
    shutil.copy(demo_run['dump'], dirs[1] / 'test_predictions.pkl')
    samples = load_dump(demo_run['dump'])
    with open(dirs[2] / 'test_predictions.pkl', 'wb') as f:
        pickle.dump(samples[1:] + samples[:1], f)
    runs = {name: [dict(fold=1, work_dir=str(folder))] for name, folder in zip('abc', dirs)}
    same = uar_differences({k: runs[k] for k in 'ab'}, 'a', 7, num_resamples=1000)['b']
    assert same['pooled'] == dict(diff=0, low=0, high=0)
    with pytest.raises(ValueError, match='tested on different clips'):
        uar_differences({k: runs[k] for k in 'ac'}, 'a', 7, num_resamples=1000)


@pytest.mark.slow
def test_tool_on_the_demo_agrees_with_compare_runs(demo_data, tmp_path):
    """Two cheap rows (OUS and TSN, one epoch) on the demo set's fold 1; compare_runs.py over
    the same work dirs gives the same UAR and WAR."""
    work = str(tmp_path / 'table')
    options = demo_options(demo_data, 'train_cfg.max_epochs=1', workers=0)[1:]
    proc = run(['python', 'tools/benchmark_table.py', '--configs', OUS_DEMO, TSN_DEMO,
                '--folds', '1', '--work-dir', work, '--data-root', demo_data,
                '--cfg-options', *options])
    assert '| method | Happy |' in proc.stdout
    for name in ('table.md', 'table.csv', 'table.png'):
        assert osp.getsize(osp.join(work, name)) > 0
    with open(osp.join(work, 'table.csv')) as f:
        rows = {r['method']: r for r in csv.DictReader(f)}
    names = ['ous_vit-tiny-random_1xb16-20e_demo', 'tsn_r18_1xb16-5e_demo-face']
    assert list(rows) == names
    assert rows[names[1]]['dUAR'] and rows[names[1]]['machine'].startswith(os.uname().machine)
    dirs = [osp.join(work, n, 'fold_1') for n in names]
    table = run(['python', 'tools/analysis/compare_runs.py', *dirs]).stdout
    for name in names:
        line = next(line for line in table.splitlines() if line.startswith('| fold_1 |')
                    and (('OUSRecognizer' in line) == (name == names[0])))
        cells = [c.strip() for c in line.strip('|').split('|')]
        assert float(cells[3]) == pytest.approx(float(rows[name]['UAR']), abs=0.006)
        assert float(cells[4]) == pytest.approx(float(rows[name]['WAR']), abs=0.006)
        assert float(cells[5]) == pytest.approx(float(rows[name]['trainable_params']) / 1e6,
                                                abs=0.006)


def test_the_default_published_file_is_the_packaged_one(tmp_path, monkeypatch):
    """Found from any working directory (a wheel ships it in ous_mm/.mim/configs)."""
    monkeypatch.chdir(tmp_path)
    assert osp.samefile(PUBLISHED_RESULTS, PUBLISHED)
    assert load_published() == load_published(PUBLISHED)
