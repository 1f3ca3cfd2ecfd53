# Stock MMAction2 X3D-S (3D) on exactly OUS's DFEW data, as tsn_r50_4xb4-60e_dfew-face.py; the
# T frames of the face stream form one clip (NCTHW).
_base_ = ['../ous/ous_vit-l14_4xb4-60e_dfew.py']
model = dict(
    _delete_=True,
    type='Recognizer3D',
    backbone=dict(type='X3D', gamma_w=1, gamma_b=2.25, gamma_d=2.2),
    cls_head=dict(type='X3DHead', in_channels=432, num_classes=7, spatial_type='avg',
                  dropout_ratio=0.5, fc1_bias=False, average_clips='prob', topk=(1, )),
    data_preprocessor=dict(type='StreamDataPreprocessor', stream='face', format_shape='NCTHW',
                           mean=[114.75, 114.75, 114.75], std=[57.38, 57.38, 57.38]))
optim_wrapper = dict(optimizer=dict(lr=1e-4))  # as tsn_r50_4xb4-60e_dfew-face.py
