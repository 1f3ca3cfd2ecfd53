# Stock MMAction2 X3D-S (3D) on OUS's DFEW data, as tsn_r50_8xb4-60e_dfew-face.py (same data,
# split, crops, metric and schedule rules); clips formatted NCTHW.
_base_ = ['tsn_r50_8xb4-60e_dfew-face.py']
model = dict(
    _delete_=True,
    type='Recognizer3D',
    backbone=dict(type='X3D', gamma_w=1, gamma_b=2.25, gamma_d=2.2),
    cls_head=dict(type='X3DHead', in_channels=432, num_classes=7, spatial_type='avg',
                  dropout_ratio=0.5, fc1_bias=False, average_clips='prob', topk=(1, )),
    data_preprocessor=dict(type='ActionDataPreprocessor', mean=[114.75, 114.75, 114.75],
                           std=[57.38, 57.38, 57.38], format_shape='NCTHW'))
num_frames = 16
image_size = 224
stream = 'face'
train_pipeline = [
    dict(type='CheckedDecordInit', io_backend='disk'),
    dict(type='UniformSample', clip_len=num_frames, num_clips=1),
    dict(type='CheckedDecordDecode'),
    dict(type='LoadFaceBoxes'),
    dict(type='FaceSceneSplit', face_size=image_size, scene_size=image_size),
    dict(type='SelectStream', stream=stream),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs')
]
test_pipeline = [
    dict(type='CheckedDecordInit', io_backend='disk'),
    dict(type='UniformSample', clip_len=num_frames, num_clips=1, test_mode=True),
    dict(type='CheckedDecordDecode'),
    dict(type='LoadFaceBoxes'),
    dict(type='FaceSceneSplit', face_size=image_size, scene_size=image_size),
    dict(type='SelectStream', stream=stream),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs')
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
