# ResNet18-LSTM (OUS's Table 1 row "ResNet18+LSTM", from the DFEW benchmark of Jiang et al.,
# ACM MM 2020) on DFEW's face crops: MMAction2's Recognizer2D and 2D ResNet-18 per frame, then
# ous-mm's LSTMHead (ous_mm/models/heads/lstm_head.py: an LSTM over the 16 frame features,
# classified at the last frame; MMAction2 has no recurrent head).
# Input: 16 frames of 112 x 112 face crops (configs/_base_/datasets/dfew_face-16x112.py).
# LSTM width: one layer of 512, the width of ResNet-18's feature (the DFEW paper's LSTM size is
# not in OUS's paper or in Former-DFER's code).
# Schedule: MMAction2 has no CNN-LSTM config, so the DFEW protocol of Former-DFER, whose paper
# (Zhao and Liu, ACM MM 2021) lists this row: zengqunzhao/Former-DFER main_DFEW.py L22-27, L55-56
# @ 1b5ad6f79c645fd98713da4a0d1606806035cde6 (SGD, momentum 0.9, weight decay 1e-4, lr / 10
# every 40 epochs, 100 epochs), its lr 0.01 for a batch of 32 scaled linearly to this batch of 16.
# Offline from scratch; with a network set model.backbone.pretrained='torchvision://resnet18'.
_base_ = [
    '../_base_/datasets/dfew_face-16x112.py', '../_base_/schedules/ous_adam_60e.py',
    '../_base_/default_runtime.py'
]
model = dict(
    type='Recognizer2D',
    backbone=dict(type='ResNet', depth=18, pretrained=None, norm_eval=False),
    cls_head=dict(type='LSTMHead', num_classes=7, in_channels=512, hidden_channels=512,
                  num_layers=1, dropout_ratio=0.5, average_clips='prob'),
    data_preprocessor=dict(type='StreamDataPreprocessor', stream='face', format_shape='NCHW',
                           mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375]))
max_epochs = 100
train_cfg = dict(max_epochs=max_epochs)
optim_wrapper = dict(
    optimizer=dict(_delete_=True, type='SGD', lr=0.01 * 16 / 32, momentum=0.9,
                   weight_decay=1e-4))
param_scheduler = [
    dict(type='StepLR', begin=0, end=max_epochs, by_epoch=True, step_size=40, gamma=0.1)
]
# OUS's stop below lr 1e-7 belongs to its plateau schedule, not to this fixed one
custom_hooks = [
    dict(type='ClassCheckHook'),
    dict(type='FaceFallbackLoggerHook'),
    dict(type='MemoryMonitorHook')
]
