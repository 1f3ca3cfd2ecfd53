# I3D-RGB (Carreira and Zisserman, "Quo Vadis, Action Recognition?", CVPR 2017; OUS's Table 1 row
# "I3D-RGB") on DFEW's face crops, with MMAction2's own I3D: MMAction2 implements I3D as an
# inflated ResNet-50 (ResNet3d), not the paper's inflated Inception-v1, which MMAction2 lacks;
# this row is that nearest MMAction2 recognizer.
# Input: 16 frames of 112 x 112 face crops, as the DFEW benchmark (Jiang et al., ACM MM 2020)
# feeds its 3D CNNs (configs/_base_/datasets/dfew_face-16x112.py says where this is confirmed).
# Model: open-mmlab/mmaction2 @ 4d6c93474730cad2f25e51109adcf96824efc7a3,
# configs/_base_/models/i3d_r50.py L1-28, 7 classes.
# Schedule: that repository's configs/_base_/schedules/sgd_100e.py L1-18, used by
# configs/recognition/i3d/i3d_imagenet-pretrained-r50_8xb8-32x2x1-100e_kinetics400-rgb.py L2
# (SGD, momentum 0.9, weight decay 1e-4, gradient clip 40, lr / 10 at epochs 40 and 80, 100
# epochs), its lr 0.01 for a batch of 64 (L103 there) scaled linearly to this batch of 16.
# Offline from scratch; with a network inflate ImageNet's ResNet-50 as MMAction2 does:
# model.backbone.pretrained2d=True, model.backbone.pretrained='torchvision://resnet50'.
_base_ = [
    '../_base_/datasets/dfew_face-16x112.py', '../_base_/schedules/ous_adam_60e.py',
    '../_base_/default_runtime.py'
]
model = dict(
    type='Recognizer3D',
    backbone=dict(type='ResNet3d', pretrained2d=False, pretrained=None, depth=50,
                  conv1_kernel=(5, 7, 7), conv1_stride_t=2, pool1_stride_t=2,
                  conv_cfg=dict(type='Conv3d'), norm_eval=False,
                  inflate=((1, 1, 1), (1, 0, 1, 0), (1, 0, 1, 0, 1, 0), (0, 1, 0)),
                  zero_init_residual=False),
    cls_head=dict(type='I3DHead', num_classes=7, in_channels=2048, spatial_type='avg',
                  dropout_ratio=0.5, init_std=0.01, average_clips='prob'),
    data_preprocessor=dict(type='StreamDataPreprocessor', stream='face', format_shape='NCTHW',
                           mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375]))
max_epochs = 100
train_cfg = dict(max_epochs=max_epochs)
optim_wrapper = dict(
    optimizer=dict(_delete_=True, type='SGD', lr=0.01 * 16 / 64, momentum=0.9,
                   weight_decay=1e-4),
    clip_grad=dict(max_norm=40, norm_type=2))
param_scheduler = [
    dict(type='MultiStepLR', begin=0, end=max_epochs, by_epoch=True, milestones=[40, 80],
         gamma=0.1)
]
# OUS's stop below lr 1e-7 belongs to its plateau schedule, not to this fixed one
custom_hooks = [
    dict(type='ClassCheckHook'),
    dict(type='FaceFallbackLoggerHook'),
    dict(type='MemoryMonitorHook')
]
