# Stock MMAction2 TSN (2D, ResNet-50) on exactly OUS's DFEW data: configs/ous_dfew.py with only
# the model replaced. Its pipeline, split, validation hold-out, metric and schedule rules stay;
# StreamDataPreprocessor hands the face stream to the recognizer. Offline the backbone starts
# from scratch; with a network set backbone.pretrained='torchvision://resnet50'.
_base_ = ['../ous/ous_vit-l14_4xb4-60e_dfew.py']
model = dict(
    _delete_=True,
    type='Recognizer2D',
    backbone=dict(type='ResNet', depth=50, pretrained=None, norm_eval=False),
    cls_head=dict(type='TSNHead', num_classes=7, in_channels=2048, spatial_type='avg',
                  consensus=dict(type='AvgConsensus', dim=1), dropout_ratio=0.4,
                  average_clips='prob', topk=(1, )),
    data_preprocessor=dict(type='StreamDataPreprocessor', stream='face', format_shape='NCHW',
                           mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375]))
optim_wrapper = dict(optimizer=dict(lr=1e-4))  # 2e-3 (OUS's trainable heads) is too high here
