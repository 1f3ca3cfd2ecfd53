# X3D-S (from scratch) on the demo's face stream: the model of x3d_s_4xb4-60e_dfew-face.py on
# the data of tsn_r18_1xb16-5e_demo-face.py (configs/ous_demo.py's). 2 epochs: X3D's depthwise
# 3D convolutions take about 3 s a step of 16 clips on a 2-core CPU.
_base_ = ['../ous/ous_vit-tiny-random_1xb16-20e_demo.py']
model = dict(
    _delete_=True,
    type='Recognizer3D',
    backbone=dict(type='X3D', gamma_w=1, gamma_b=2.25, gamma_d=2.2),
    cls_head=dict(type='X3DHead', in_channels=432, num_classes=7, spatial_type='avg',
                  dropout_ratio=0.5, fc1_bias=False, average_clips='prob', topk=(1, )),
    data_preprocessor=dict(type='StreamDataPreprocessor', stream='face', format_shape='NCTHW',
                           mean=[114.75, 114.75, 114.75], std=[57.38, 57.38, 57.38]))
optim_wrapper = dict(optimizer=dict(lr=1e-3))
train_cfg = dict(max_epochs=2)
