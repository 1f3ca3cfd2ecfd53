# TSN (ResNet-18, from scratch) on the demo's face stream: configs/ous_demo.py (8 frames of
# 112 px, batch 16, same split and metric) with only the model replaced. 5 epochs: a ResNet-18
# step over 128 frames takes seconds on a 2-core CPU.
_base_ = ['../ous/ous_vit-tiny-random_1xb16-20e_demo.py']
model = dict(
    _delete_=True,
    type='Recognizer2D',
    backbone=dict(type='ResNet', depth=18, pretrained=None, norm_eval=False),
    cls_head=dict(type='TSNHead', num_classes=7, in_channels=512, spatial_type='avg',
                  consensus=dict(type='AvgConsensus', dim=1), dropout_ratio=0.4,
                  average_clips='prob', topk=(1, )),
    data_preprocessor=dict(type='StreamDataPreprocessor', stream='face', format_shape='NCHW',
                           mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375]))
optim_wrapper = dict(optimizer=dict(lr=1e-3))
train_cfg = dict(max_epochs=5)
