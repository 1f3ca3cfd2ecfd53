# Table 1 of the paper on the built-in demo set (tools/data/make_demo_dataset.py, data/demo_dfew):
# the demo configs of OUS and of its peers, on the same data, split and metric. Run with
#   python tools/benchmark_table.py configs/benchmarks/table1_demo.py --folds 1
# Each row: name (its folder in the work dir), config, method (its key in
# published_results.yml; None: no published number). Rows run in this order: OUS first, the
# peers from the cheapest, face-only OUS (20 epochs, as OUS) last. The rows that see only the face
# are capped by the demo's construction (docs/en/user_guides/benchmarking.md).
dataset = 'demo'
published_dataset = 'DFEW'  # the published numbers printed beside the rows are DFEW's
reference = 'OUS'
rows = [
    dict(name='OUS', config='configs/ous/ous_vit-tiny-random_1xb16-20e_demo.py', method='OUS'),
    dict(name='C3D', config='configs/baselines/c3d_1xb16-16x32-1e_demo-face.py', method='C3D'),
    dict(name='ResNet18-LSTM', config='configs/baselines/resnet18-lstm_1xb16-8x112-2e_demo-face.py',
         method='ResNet18-LSTM'),
    dict(name='R3D-18', config='configs/baselines/r3d_r18-w16_1xb16-8x112-2e_demo-face.py',
         method='3D ResNet18'),
    dict(name='R2plus1D-18',
         config='configs/baselines/r2plus1d_r18-w16_1xb16-8x112-2e_demo-face.py',
         method='R(2+1)D18'),
    dict(name='I3D-R50', config='configs/baselines/i3d_r50-w16_1xb16-8x112-2e_demo-face.py',
         method='I3D-RGB'),
    dict(name='Former-DFER', config='configs/former_dfer/former-dfer_r18-tiny_1xb16-5e_demo.py',
         method='Former-DFER'),
    dict(name='DFER-CLIP', config='configs/dfer_clip/dfer-clip_vit-tiny-random_1xb16-10e_demo.py',
         method='DFER-CLIP'),
    dict(name='UniFormerV2',
         config='configs/baselines/uniformerv2_tiny_1xb16-8x112-5e_demo-face.py', method=None),
    dict(name='TSN-R18', config='configs/baselines/tsn_r18_1xb16-5e_demo-face.py', method=None),
    dict(name='X3D-S', config='configs/baselines/x3d_s_1xb16-2e_demo-face.py', method=None),
    dict(name='OUS-face-only', config='configs/ous/ous_vit-tiny-random_1xb16-20e_demo-face-only.py',
         method=None),
]
