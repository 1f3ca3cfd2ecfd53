# Table 1 of the paper: OUS and its peers on DFEW, 5 folds, the paper-size configs. Run with
#   python tools/benchmark_table.py configs/benchmarks/table1_dfew.py --work-dir work_dirs/table1
# Each row: name (its folder in the work dir), config, method (its key in published_results.yml;
# None: no published number on DFEW). MMAction2's I3D is an inflated ResNet-50 (the paper's
# I3D-RGB is Inception-v1): configs/baselines/README.md.
dataset = 'DFEW'
published_dataset = 'DFEW'
reference = 'OUS'
rows = [
    dict(name='OUS', config='configs/ous/ous_vit-l14_4xb4-60e_dfew.py', method='OUS'),
    dict(name='C3D', config='configs/baselines/c3d_4xb4-16x112-45e_dfew-face.py', method='C3D'),
    dict(name='ResNet18-LSTM',
         config='configs/baselines/resnet18-lstm_4xb4-16x112-100e_dfew-face.py',
         method='ResNet18-LSTM'),
    dict(name='I3D-R50', config='configs/baselines/i3d_r50_4xb4-16x112-100e_dfew-face.py',
         method='I3D-RGB'),
    dict(name='R2plus1D-18',
         config='configs/baselines/r2plus1d_r18_4xb4-16x112-180e_dfew-face.py',
         method='R(2+1)D18'),
    dict(name='R3D-18', config='configs/baselines/r3d_r18_4xb4-16x112-200e_dfew-face.py',
         method='3D ResNet18'),
    dict(name='Former-DFER', config='configs/former_dfer/former-dfer_r18_1xb32-100e_dfew.py',
         method='Former-DFER'),
    dict(name='DFER-CLIP', config='configs/dfer_clip/dfer-clip_vit-b32_1xb48-50e_dfew.py',
         method='DFER-CLIP'),
    dict(name='UniFormerV2',
         config='configs/baselines/uniformerv2_b16_4xb4-16x224-55e_dfew-face.py', method=None),
    dict(name='TSN-R50', config='configs/baselines/tsn_r50_4xb4-60e_dfew-face.py', method=None),
    dict(name='X3D-S', config='configs/baselines/x3d_s_4xb4-60e_dfew-face.py', method=None),
    dict(name='OUS-face-only', config='configs/ablations/ous_vit-l14_4xb4-60e_dfew-face-only.py',
         method=None),
]
