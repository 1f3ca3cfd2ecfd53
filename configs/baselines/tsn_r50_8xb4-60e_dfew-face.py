# Stock MMAction2 TSN (2D, ResNet-50) on OUS's DFEW data: same split, validation hold-out,
# frames, face crops (FaceSceneSplit + SelectStream), metric and schedule rules as
# configs/ous_dfew.py, for tools/analysis/compare_runs.py. Offline the backbone starts from
# scratch; with a network set backbone.pretrained='torchvision://resnet50'.
_base_ = [
    '../_base_/datasets/dfew.py', '../_base_/schedules/ous_adam_60e.py',
    '../_base_/default_runtime.py'
]
num_frames = 16
image_size = 224
stream = 'face'
format_shape = 'NCHW'
model = dict(
    type='Recognizer2D',
    backbone=dict(type='ResNet', depth=50, pretrained=None, norm_eval=False),
    cls_head=dict(type='TSNHead', num_classes=7, in_channels=2048, spatial_type='avg',
                  consensus=dict(type='AvgConsensus', dim=1), dropout_ratio=0.4,
                  average_clips='prob', topk=(1, )),
    data_preprocessor=dict(type='ActionDataPreprocessor', mean=[123.675, 116.28, 103.53],
                           std=[58.395, 57.12, 57.375], format_shape=format_shape))
train_pipeline = [
    dict(type='CheckedDecordInit', io_backend='disk'),
    dict(type='UniformSample', clip_len=num_frames, num_clips=1),
    dict(type='CheckedDecordDecode'),
    dict(type='LoadFaceBoxes'),
    dict(type='FaceSceneSplit', face_size=image_size, scene_size=image_size),
    dict(type='SelectStream', stream=stream),
    dict(type='FormatShape', input_format=format_shape),
    dict(type='PackActionInputs')
]
test_pipeline = [
    dict(type='CheckedDecordInit', io_backend='disk'),
    dict(type='UniformSample', clip_len=num_frames, num_clips=1, test_mode=True),
    dict(type='CheckedDecordDecode'),
    dict(type='LoadFaceBoxes'),
    dict(type='FaceSceneSplit', face_size=image_size, scene_size=image_size),
    dict(type='SelectStream', stream=stream),
    dict(type='FormatShape', input_format=format_shape),
    dict(type='PackActionInputs')
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
optim_wrapper = dict(optimizer=dict(lr=1e-4))  # 2e-3 (OUS's trainable heads) is too high here
default_hooks = dict(
    checkpoint=dict(type='CheckpointHook', interval=1, max_keep_ckpts=1,
                    save_best=['dfer/nll', 'dfer/UAR'], rule=['less', 'greater']))
