# 3D ResNet-18 (Hara, Kataoka and Satoh, "Can Spatiotemporal 3D CNNs Retrace the History of 2D
# CNNs and ImageNet?", CVPR 2018; OUS's Table 1 row "3D Resnet18", which cites that paper) on
# DFEW's face crops, with MMAction2's own ResNet3d at depth 18.
# Input: 16 frames of 112 x 112 face crops, as the DFEW benchmark (Jiang et al., ACM MM 2020)
# feeds its 3D CNNs (configs/_base_/datasets/dfew_face-16x112.py says where this is confirmed);
# also the default input of Hara's code (opts.py L51-58: sample_size 112, sample_duration 16).
# Model: Hara's resnet18 as his code builds it by default (kenshohara/3D-ResNets-PyTorch @
# 540a0ea1abaee379fa3651d4d5afbd2d667a1f49, models/resnet.py; opts.py L227 conv1_t_size 7,
# L238 shortcut 'B': 1x1x1 conv + BN), in MMAction2's ResNet3d: a 7x7x7 stem, every block
# 3x3x3, temporal stride 2 in the first pooling and in stages 2-4. The parameters are the same,
# one for one (tests/test_peer_mmaction_rows.py); MMAction2's first max-pooling is 1x3x3 where
# Hara's is 3x3x3 (no parameters).
# Schedule: MMAction2 has no 3D ResNet-18 config, so Hara's (opts.py L92-105, L131-140, L152-169;
# main.py L195-209): SGD, momentum 0.9, weight decay 1e-3, lr / 10 at epochs 50, 100 and 150,
# 200 epochs; his lr 0.1 for a batch of 128 scaled linearly to this batch of 16.
_base_ = [
    '../_base_/datasets/dfew_face-16x112.py', '../_base_/schedules/ous_adam_60e.py',
    '../_base_/default_runtime.py'
]
model = dict(
    type='Recognizer3D',
    backbone=dict(type='ResNet3d', depth=18, pretrained=None, pretrained2d=False,
                  conv_cfg=dict(type='Conv3d'), norm_eval=False, conv1_kernel=(7, 7, 7),
                  conv1_stride_t=1, pool1_stride_t=2, inflate=(1, 1, 1, 1),
                  spatial_strides=(1, 2, 2, 2), temporal_strides=(1, 2, 2, 2),
                  zero_init_residual=False),
    cls_head=dict(type='I3DHead', num_classes=7, in_channels=512, spatial_type='avg',
                  dropout_ratio=0.5, init_std=0.01, average_clips='prob'),
    data_preprocessor=dict(type='StreamDataPreprocessor', stream='face', format_shape='NCTHW',
                           mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375]))
max_epochs = 200
train_cfg = dict(max_epochs=max_epochs)
optim_wrapper = dict(
    optimizer=dict(_delete_=True, type='SGD', lr=0.1 * 16 / 128, momentum=0.9,
                   weight_decay=1e-3))
param_scheduler = [
    dict(type='MultiStepLR', begin=0, end=max_epochs, by_epoch=True,
         milestones=[50, 100, 150], gamma=0.1)
]
# OUS's stop below lr 1e-7 belongs to its plateau schedule, not to this fixed one
custom_hooks = [
    dict(type='ClassCheckHook'),
    dict(type='FaceFallbackLoggerHook'),
    dict(type='MemoryMonitorHook')
]
