# C3D (MMAction2's class, which has no width setting) on the demo's face stream, at a demo input:
# 16 frames of 32 px. C3D needs 16 frames (its four temporal poolings of 2 and the last
# one's window of 2), and 32 px is where 16 full-width C3D clips take seconds a step on a 2-core
# CPU; fc6 then takes 512 x 1 x 2 x 2 = 2048 features (out_dim). Otherwise the model of
# c3d_4xb4-16x112-45e_dfew-face.py on configs/ous_demo.py's data (the demo clips have 16 frames;
# batch 16, same split and metric).
_base_ = ['../ous/ous_vit-tiny-random_1xb16-20e_demo.py']
num_frames = 16
face_size = 32
model = dict(
    _delete_=True,
    type='Recognizer3D',
    backbone=dict(type='C3D', pretrained=None, style='pytorch', conv_cfg=dict(type='Conv3d'),
                  norm_cfg=None, act_cfg=dict(type='ReLU'), out_dim=2048, dropout_ratio=0.5,
                  init_std=0.005),
    cls_head=dict(type='I3DHead', num_classes=7, in_channels=4096, spatial_type=None,
                  dropout_ratio=0.5, init_std=0.01, average_clips='prob'),
    # ImageNet's statistics: the from-scratch demo has no Sports-1M weights to match
    data_preprocessor=dict(type='StreamDataPreprocessor', stream='face', format_shape='NCTHW',
                           mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375]))
train_pipeline = [
    dict(type='CheckedDecordInit', io_backend='disk', scene_size=None),
    dict(type='UniformSample', clip_len=num_frames, num_clips=1, test_mode=False),
    dict(type='CheckedDecordDecode'),
    dict(type='LoadFaceBoxes', detector=_base_.face_detector),
    dict(type='FaceSceneSplit', face_size=face_size, scene_size=face_size,
         crop_style=_base_.face_crop_style),
    dict(type='PackActionInputs', collect_keys=('face_imgs', 'scene_imgs'),
         meta_keys=('filename', 'frame_dir', 'sample_idx', 'face_found', 'face_missing',
                    'face_fallback', 'face_invalid', 'face_detected_online'))
]
val_pipeline = [
    dict(type='CheckedDecordInit', io_backend='disk', scene_size=None),
    dict(type='UniformSample', clip_len=num_frames, num_clips=1, test_mode=True),
    dict(type='CheckedDecordDecode'),
    dict(type='LoadFaceBoxes', detector=_base_.face_detector),
    dict(type='FaceSceneSplit', face_size=face_size, scene_size=face_size,
         crop_style=_base_.face_crop_style),
    dict(type='PackActionInputs', collect_keys=('face_imgs', 'scene_imgs'),
         meta_keys=('filename', 'frame_dir', 'sample_idx', 'face_found', 'face_missing',
                    'face_fallback', 'face_invalid', 'face_detected_online'))
]
test_pipeline = val_pipeline
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=val_pipeline))
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
max_epochs = 1
train_cfg = dict(max_epochs=max_epochs)
# the demo baselines' optimizer (Adam, the demo's own) at lr 1e-3, cosine to 1 % over the run
optim_wrapper = dict(optimizer=dict(lr=1e-3))
param_scheduler = [
    dict(type='CosineAnnealingLR', T_max=max_epochs, eta_min=1e-5, by_epoch=True, begin=0,
         end=max_epochs, convert_to_iter_based=True)
]
