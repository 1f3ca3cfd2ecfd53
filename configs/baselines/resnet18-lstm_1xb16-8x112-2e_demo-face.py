# ResNet18-LSTM on the demo's face stream: the model of resnet18-lstm_4xb4-16x112-100e_dfew-face.py
# (MMAction2's 2D ResNet-18 has no width setting: full size) on configs/ous_demo.py's data
# (8 frames of 112 px, batch 16, same split and metric). 2 epochs: a ResNet-18 step over 128
# frames takes seconds on a 2-core CPU.
_base_ = ['../ous/ous_vit-tiny-random_1xb16-20e_demo.py']
model = dict(
    _delete_=True,
    type='Recognizer2D',
    backbone=dict(type='ResNet', depth=18, pretrained=None, norm_eval=False),
    cls_head=dict(type='LSTMHead', num_classes=7, in_channels=512, hidden_channels=512,
                  num_layers=1, dropout_ratio=0.5, average_clips='prob'),
    data_preprocessor=dict(type='StreamDataPreprocessor', stream='face', format_shape='NCHW',
                           mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375]))
max_epochs = 2
train_cfg = dict(max_epochs=max_epochs)
# the demo baselines' optimizer (Adam, the demo's own) at lr 1e-3, cosine to 1 % over the run
optim_wrapper = dict(optimizer=dict(lr=1e-3))
param_scheduler = [
    dict(type='CosineAnnealingLR', T_max=max_epochs, eta_min=1e-5, by_epoch=True, begin=0,
         end=max_epochs, convert_to_iter_based=True)
]
