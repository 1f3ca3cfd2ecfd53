# R(2+1)D-18 (Tran et al., "A Closer Look at Spatiotemporal Convolutions for Action
# Recognition", CVPR 2018; OUS's Table 1 row "R(2+1)D18") on DFEW's face crops, with MMAction2's
# own ResNet2Plus1d at depth 18.
# Input: 16 frames of 112 x 112 face crops, as the DFEW benchmark (Jiang et al., ACM MM 2020)
# feeds its 3D CNNs (configs/_base_/datasets/dfew_face-16x112.py says where this is confirmed).
# Model: open-mmlab/mmaction2 @ 4d6c93474730cad2f25e51109adcf96824efc7a3,
# configs/_base_/models/r2plus1d_r34.py L1-31 with depth 18 and 7 classes
# (BatchNorm instead of its SyncBN, which needs a distributed GPU run; same parameters).
# Against the R(2+1)D-18 of kenshohara/3D-ResNets-PyTorch (models/resnet2p1d.py) MMAction2's
# stem and shortcut convolutions are factorised differently (tests/test_peer_mmaction_rows.py
# counts both).
# Schedule: MMAction2's configs/recognition/r2plus1d/r2plus1d_r34_8xb8-8x8x1-180e_kinetics400-rgb.py
# L89-105 (SGD, momentum 0.9, weight decay 1e-4, gradient clip 40, cosine to 0 over 180 epochs;
# trained from scratch there too), its lr 0.01 for a batch of 64 (L113) scaled linearly to 16.
_base_ = [
    '../_base_/datasets/dfew_face-16x112.py', '../_base_/schedules/ous_adam_60e.py',
    '../_base_/default_runtime.py'
]
model = dict(
    type='Recognizer3D',
    backbone=dict(type='ResNet2Plus1d', depth=18, pretrained=None, pretrained2d=False,
                  norm_eval=False, conv_cfg=dict(type='Conv2plus1d'),
                  norm_cfg=dict(type='BN3d', requires_grad=True, eps=1e-3),
                  conv1_kernel=(3, 7, 7), conv1_stride_t=1, pool1_stride_t=1,
                  inflate=(1, 1, 1, 1), spatial_strides=(1, 2, 2, 2),
                  temporal_strides=(1, 2, 2, 2), zero_init_residual=False),
    cls_head=dict(type='I3DHead', num_classes=7, in_channels=512, spatial_type='avg',
                  dropout_ratio=0.5, init_std=0.01, average_clips='prob'),
    data_preprocessor=dict(type='StreamDataPreprocessor', stream='face', format_shape='NCTHW',
                           mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375]))
max_epochs = 180
train_cfg = dict(max_epochs=max_epochs)
optim_wrapper = dict(
    optimizer=dict(_delete_=True, type='SGD', lr=0.01 * 16 / 64, momentum=0.9,
                   weight_decay=1e-4),
    clip_grad=dict(max_norm=40, norm_type=2))
param_scheduler = [dict(type='CosineAnnealingLR', T_max=max_epochs, eta_min=0, by_epoch=True)]
# OUS's stop below lr 1e-7 belongs to its plateau schedule; this cosine ends at 0 by design
custom_hooks = [
    dict(type='ClassCheckHook'),
    dict(type='FaceFallbackLoggerHook'),
    dict(type='MemoryMonitorHook')
]
