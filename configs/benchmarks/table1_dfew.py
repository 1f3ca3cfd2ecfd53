# Table 1 of the paper: OUS and its peers on DFEW, 5 folds, the paper-size configs. Run with
#   python tools/benchmark_table.py configs/benchmarks/table1_dfew.py --work-dir work_dirs/table1
# Each row: name (its folder in the work dir), config, method (its key in published_results.yml;
# None: no published number on DFEW).
dataset = 'DFEW'
published_dataset = 'DFEW'
reference = 'OUS'
rows = [
    dict(name='OUS', config='configs/ous/ous_vit-l14_4xb4-60e_dfew.py', method='OUS'),
    dict(name='OUS-face-only', config='configs/ablations/ous_vit-l14_4xb4-60e_dfew-face-only.py',
         method=None),
    dict(name='Former-DFER', config='configs/former_dfer/former-dfer_r18_1xb32-100e_dfew.py',
         method='Former-DFER'),
    dict(name='TSN-R50', config='configs/baselines/tsn_r50_4xb4-60e_dfew-face.py', method=None),
    dict(name='X3D-S', config='configs/baselines/x3d_s_4xb4-60e_dfew-face.py', method=None),
]
