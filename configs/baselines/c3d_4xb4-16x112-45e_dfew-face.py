# C3D (Tran et al., "Learning Spatiotemporal Features with 3D Convolutional Networks", ICCV 2015;
# OUS's Table 1 row "C3D") on DFEW's face crops, with MMAction2's own C3D.
# Input: 16 frames of 112 x 112 face crops, as the DFEW benchmark (Jiang et al., ACM MM 2020)
# feeds its 3D CNNs (configs/_base_/datasets/dfew_face-16x112.py says where this is confirmed);
# C3D's fc6 takes exactly this size (out_dim 8192 = 512 x 1 x 4 x 4).
# Model: open-mmlab/mmaction2 @ 4d6c93474730cad2f25e51109adcf96824efc7a3,
# configs/_base_/models/c3d_sports1m_pretrained.py L1-28, 7 classes.
# Schedule: that repository's configs/recognition/c3d/
# c3d_sports1m-pretrained_8xb30-16x1x1-45e_ucf101-rgb.py L91-108 (SGD, momentum 0.9, weight
# decay 5e-4, gradient clip 40, lr / 10 at epochs 20 and 40, 45 epochs), its lr 1e-3 for a batch
# of 240 scaled linearly to this batch of 16 (MMAction2's auto_scale_lr rule).
# Offline the backbone starts from scratch; with a network set model.backbone.pretrained to the
# Sports-1M checkpoint that MMAction2's base config names (L7 there), whose mean/std this keeps.
_base_ = [
    '../_base_/datasets/dfew_face-16x112.py', '../_base_/schedules/ous_adam_60e.py',
    '../_base_/default_runtime.py'
]
model = dict(
    type='Recognizer3D',
    backbone=dict(type='C3D', pretrained=None, style='pytorch', conv_cfg=dict(type='Conv3d'),
                  norm_cfg=None, act_cfg=dict(type='ReLU'), dropout_ratio=0.5, init_std=0.005),
    cls_head=dict(type='I3DHead', num_classes=7, in_channels=4096, spatial_type=None,
                  dropout_ratio=0.5, init_std=0.01, average_clips='prob'),
    data_preprocessor=dict(type='StreamDataPreprocessor', stream='face', format_shape='NCTHW',
                           mean=[104, 117, 128], std=[1, 1, 1]))
max_epochs = 45
train_cfg = dict(max_epochs=max_epochs)
optim_wrapper = dict(
    optimizer=dict(_delete_=True, type='SGD', lr=1e-3 * 16 / 240, momentum=0.9,
                   weight_decay=5e-4),
    clip_grad=dict(max_norm=40, norm_type=2))
param_scheduler = [
    dict(type='MultiStepLR', begin=0, end=max_epochs, by_epoch=True, milestones=[20, 40],
         gamma=0.1)
]
# OUS's stop below lr 1e-7 belongs to its plateau schedule, not to this fixed one
custom_hooks = [
    dict(type='ClassCheckHook'),
    dict(type='FaceFallbackLoggerHook'),
    dict(type='MemoryMonitorHook')
]
