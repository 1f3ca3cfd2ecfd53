# X3D-S (from scratch) on the demo dataset's face stream, as tsn_r18_1xb16-5e_demo-face.py.
# 2 epochs: X3D's depthwise 3D convolutions take about 8 s a step of 16 clips on a 2-core CPU.
_base_ = ['tsn_r18_1xb16-5e_demo-face.py']
model = dict(
    _delete_=True,
    type='Recognizer3D',
    backbone=dict(type='X3D', gamma_w=1, gamma_b=2.25, gamma_d=2.2),
    cls_head=dict(type='X3DHead', in_channels=432, num_classes=7, spatial_type='avg',
                  dropout_ratio=0.5, fc1_bias=False, average_clips='prob', topk=(1, )),
    data_preprocessor=dict(type='ActionDataPreprocessor', mean=[114.75, 114.75, 114.75],
                           std=[57.38, 57.38, 57.38], format_shape='NCTHW'))
num_frames = 8
image_size = 112
train_cfg = dict(max_epochs=2)
train_pipeline = [
    dict(type='CheckedDecordInit', io_backend='disk'),
    dict(type='UniformSample', clip_len=num_frames, num_clips=1),
    dict(type='CheckedDecordDecode'),
    dict(type='LoadFaceBoxes'),
    dict(type='FaceSceneSplit', face_size=image_size, scene_size=image_size),
    dict(type='SelectStream', stream='face'),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs')
]
test_pipeline = [
    dict(type='CheckedDecordInit', io_backend='disk'),
    dict(type='UniformSample', clip_len=num_frames, num_clips=1, test_mode=True),
    dict(type='CheckedDecordDecode'),
    dict(type='LoadFaceBoxes'),
    dict(type='FaceSceneSplit', face_size=image_size, scene_size=image_size),
    dict(type='SelectStream', stream='face'),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs')
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
