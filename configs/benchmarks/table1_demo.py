# Table 1 of the paper on the built-in demo set (tools/data/make_demo_dataset.py, data/demo_dfew):
# the demo configs of OUS and of its peers, on the same data, split and metric. Run with
#   python tools/benchmark_table.py configs/benchmarks/table1_demo.py --folds 1
# Each row: name (its folder in the work dir), config, method (its key in
# published_results.yml; None: no published number). The rows that see only the face are capped
# by the demo's construction (docs/en/user_guides/benchmarking.md).
dataset = 'demo'
published_dataset = 'DFEW'  # the published numbers printed beside the rows are DFEW's
reference = 'OUS'
rows = [
    dict(name='OUS', config='configs/ous/ous_vit-tiny-random_1xb16-20e_demo.py', method='OUS'),
    dict(name='OUS-face-only', config='configs/ous/ous_vit-tiny-random_1xb16-20e_demo-face-only.py',
         method=None),
    dict(name='Former-DFER', config='configs/former_dfer/former-dfer_r18-tiny_1xb16-5e_demo.py',
         method='Former-DFER'),
    dict(name='TSN-R18', config='configs/baselines/tsn_r18_1xb16-5e_demo-face.py', method=None),
    dict(name='X3D-S', config='configs/baselines/x3d_s_1xb16-2e_demo-face.py', method=None),
]
