# Table 2 of the paper, its FERV39k columns: OUS and its peers on FERV39k's one train/test split,
# the paper-size configs. Run with
#   python tools/benchmark_table.py configs/benchmarks/table2_ferv39k.py --work-dir work_dirs/table2
# Each row: name (its folder in the work dir), config, method (its key in published_results.yml).
dataset = 'FERV39k'
published_dataset = 'FERV39k'
reference = 'OUS'
rows = [
    dict(name='OUS', config='configs/ous/ous_vit-l14_4xb4-60e_ferv39k.py', method='OUS'),
    dict(name='Former-DFER', config='configs/former_dfer/former-dfer_r18_1xb32-100e_ferv39k.py',
         method='Former-DFER'),
    dict(name='DFER-CLIP', config='configs/dfer_clip/dfer-clip_vit-b32_1xb48-50e_ferv39k.py',
         method='DFER-CLIP'),
]
