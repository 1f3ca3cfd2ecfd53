# UniFormerV2-B/16 (Li et al., "UniFormerV2: Unlocking the Potential of Image ViTs for Video
# Understanding", ICCV 2023): a modern CLIP-initialised MMAction2 video model beside OUS's
# Table 1 (not one of its rows), on DFEW's face crops, with MMAction2's own UniFormerV2.
# Input: OUS's face stream, 16 frames of 224 x 224 (CLIP's size; the same T as OUS and DFEW's
# 16-frame protocol; MMAction2's Kinetics configs use 8): the data of
# configs/ous/ous_vit-l14_4xb4-60e_dfew.py with the model replaced.
# Model: open-mmlab/mmaction2 @ 4d6c93474730cad2f25e51109adcf96824efc7a3,
# configs/recognition/uniformerv2/uniformerv2-base-p16-res224_clip_8xb32-u8_kinetics400-rgb.py
# L4-39, 7 classes, t_size 16.
# Schedule: the same file's L126-154, L163 (AdamW, betas (0.9, 0.999), weight decay 0.05, none on
# norms and biases, gradient clip 20; 5 warm-up epochs from lr x 0.1, then cosine to lr x 0.1
# over 50; 55 epochs), lr 1e-5 for a batch of 256 with auto_scale_lr on, scaled to this batch
# of 16.
# Weights: offline the backbone starts random (clip_pretrained=False). With a network,
# model.backbone.clip_pretrained=True loads MMAction2's CLIP ViT-B/16 visual encoder (the URL in
# mmaction/models/backbones/uniformerv2.py, as that config does); a local UniFormerV2 checkpoint:
# model.backbone.pretrained='path.pth' with clip_pretrained=False.
_base_ = ['../ous/ous_vit-l14_4xb4-60e_dfew.py']
model = dict(
    _delete_=True,
    type='Recognizer3D',
    backbone=dict(type='UniFormerV2', input_resolution=224, patch_size=16, width=768, layers=12,
                  heads=12, t_size=_base_.num_frames, dw_reduction=1.5,
                  backbone_drop_path_rate=0., temporal_downsample=False, no_lmhra=True,
                  double_lmhra=True, return_list=[8, 9, 10, 11], n_layers=4, n_dim=768,
                  n_head=12, mlp_factor=4., drop_path_rate=0.,
                  mlp_dropout=[0.5, 0.5, 0.5, 0.5], clip_pretrained=False, pretrained=None),
    cls_head=dict(type='UniFormerHead', dropout_ratio=0.5, num_classes=7, in_channels=768,
                  average_clips='prob'),
    data_preprocessor=dict(type='StreamDataPreprocessor', stream='face', format_shape='NCTHW',
                           mean=[114.75, 114.75, 114.75], std=[57.375, 57.375, 57.375]))
max_epochs = 55
train_cfg = dict(max_epochs=max_epochs)
lr = 1e-5 * 16 / 256
optim_wrapper = dict(
    optimizer=dict(_delete_=True, type='AdamW', lr=lr, betas=(0.9, 0.999), weight_decay=0.05),
    paramwise_cfg=dict(norm_decay_mult=0.0, bias_decay_mult=0.0),
    clip_grad=dict(max_norm=20, norm_type=2))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=True, begin=0, end=5,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=50, eta_min_ratio=0.1, by_epoch=True, begin=5,
         end=max_epochs, convert_to_iter_based=True)
]
# OUS's stop below lr 1e-7 belongs to its plateau schedule; this one starts below it
custom_hooks = [
    dict(type='ClassCheckHook'),
    dict(type='FaceFallbackLoggerHook'),
    dict(type='MemoryMonitorHook')
]
