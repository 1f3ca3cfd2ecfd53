# I3D (MMAction2's inflated ResNet-50) at a demo width on the demo's face stream: the model of
# i3d_r50_4xb4-16x112-100e_dfew-face.py with base_channels 16 instead of 64 (1/16 of the
# convolution cost), on configs/ous_demo.py's data (8 frames of 112 px, batch 16, same split and
# metric) with only the model replaced, as tsn_r18_1xb16-5e_demo-face.py.
_base_ = ['../ous/ous_vit-tiny-random_1xb16-20e_demo.py']
model = dict(
    _delete_=True,
    type='Recognizer3D',
    backbone=dict(type='ResNet3d', pretrained2d=False, pretrained=None, depth=50,
                  base_channels=16, conv1_kernel=(5, 7, 7), conv1_stride_t=2, pool1_stride_t=2,
                  conv_cfg=dict(type='Conv3d'), norm_eval=False,
                  inflate=((1, 1, 1), (1, 0, 1, 0), (1, 0, 1, 0, 1, 0), (0, 1, 0)),
                  zero_init_residual=False),
    cls_head=dict(type='I3DHead', num_classes=7, in_channels=512, spatial_type='avg',
                  dropout_ratio=0.5, init_std=0.01, average_clips='prob'),
    data_preprocessor=dict(type='StreamDataPreprocessor', stream='face', format_shape='NCTHW',
                           mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375]))
max_epochs = 2
train_cfg = dict(max_epochs=max_epochs)
# the demo baselines' optimizer (Adam, the demo's own) at lr 1e-3, cosine to 1 % over the run
optim_wrapper = dict(optimizer=dict(lr=1e-3))
param_scheduler = [
    dict(type='CosineAnnealingLR', T_max=max_epochs, eta_min=1e-5, by_epoch=True, begin=0,
         end=max_epochs, convert_to_iter_based=True)
]
