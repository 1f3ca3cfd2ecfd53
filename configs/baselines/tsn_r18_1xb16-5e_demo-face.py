# TSN (ResNet-18, from scratch) on the demo dataset's face stream, as ous_demo.py: 8 frames of
# 112 px, batch 16; for the comparison table of tools/analysis/compare_runs.py. 5 epochs: a
# ResNet-18 step over 128 frames takes seconds on a 2-core CPU.
_base_ = ['tsn_r50_8xb4-60e_dfew-face.py']
data_root = 'data/demo_dfew'
num_frames = 8
image_size = 112
model = dict(backbone=dict(depth=18), cls_head=dict(in_channels=512))
train_pipeline = [
    dict(type='CheckedDecordInit', io_backend='disk'),
    dict(type='UniformSample', clip_len=num_frames, num_clips=1),
    dict(type='CheckedDecordDecode'),
    dict(type='LoadFaceBoxes'),
    dict(type='FaceSceneSplit', face_size=image_size, scene_size=image_size),
    dict(type='SelectStream', stream='face'),
    dict(type='FormatShape', input_format='NCHW'),
    dict(type='PackActionInputs')
]
test_pipeline = [
    dict(type='CheckedDecordInit', io_backend='disk'),
    dict(type='UniformSample', clip_len=num_frames, num_clips=1, test_mode=True),
    dict(type='CheckedDecordDecode'),
    dict(type='LoadFaceBoxes'),
    dict(type='FaceSceneSplit', face_size=image_size, scene_size=image_size),
    dict(type='SelectStream', stream='face'),
    dict(type='FormatShape', input_format='NCHW'),
    dict(type='PackActionInputs')
]
loader = dict(batch_size=16, num_workers=2, persistent_workers=True, timeout=120)
train_dataloader = dict(loader, dataset=dict(data_root=data_root, pipeline=train_pipeline))
val_dataloader = dict(loader, dataset=dict(data_root=data_root, pipeline=test_pipeline))
test_dataloader = dict(loader, dataset=dict(data_root=data_root, pipeline=test_pipeline))
train_cfg = dict(max_epochs=5)
optim_wrapper = dict(optimizer=dict(lr=1e-3))
default_hooks = dict(logger=dict(interval=5))
randomness = dict(seed=0, deterministic=True)
