# UniFormerV2 (MMAction2's class) at a demo size on the demo's face stream: the model of
# uniformerv2_b16_4xb4-16x224-55e_dfew-face.py with width 64 instead of 768, 4 local blocks
# instead of 12, 2 global blocks on the last two, heads of 32 channels, random weights, at the
# demo's 112 px (7 x 7 patches of 16), on configs/ous_demo.py's data (8 frames, batch 16).
_base_ = ['../ous/ous_vit-tiny-random_1xb16-20e_demo.py']
model = dict(
    _delete_=True,
    type='Recognizer3D',
    backbone=dict(type='UniFormerV2', input_resolution=112, patch_size=16, width=64, layers=4,
                  heads=2, t_size=_base_.num_frames, dw_reduction=1.5,
                  backbone_drop_path_rate=0., temporal_downsample=False, no_lmhra=True,
                  double_lmhra=True, return_list=[2, 3], n_layers=2, n_dim=64, n_head=2,
                  mlp_factor=4., drop_path_rate=0., mlp_dropout=[0.5, 0.5],
                  clip_pretrained=False, pretrained=None),
    cls_head=dict(type='UniFormerHead', dropout_ratio=0.5, num_classes=7, in_channels=64,
                  average_clips='prob'),
    data_preprocessor=dict(type='StreamDataPreprocessor', stream='face', format_shape='NCTHW',
                           mean=[114.75, 114.75, 114.75], std=[57.375, 57.375, 57.375]))
max_epochs = 5
train_cfg = dict(max_epochs=max_epochs)
# the demo baselines' optimizer (Adam, the demo's own) at lr 1e-3, cosine to 1 % over the run
optim_wrapper = dict(optimizer=dict(lr=1e-3))
param_scheduler = [
    dict(type='CosineAnnealingLR', T_max=max_epochs, eta_min=1e-5, by_epoch=True, begin=0,
         end=max_epochs, convert_to_iter_based=True)
]
