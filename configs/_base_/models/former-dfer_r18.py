# Former-DFER (Zhao & Liu, "Former-DFER: Dynamic Facial Expression Recognition Transformer",
# ACM MM 2021), rebuilt from the authors' code: github.com/zengqunzhao/Former-DFER at commit
# 1b5ad6f79c645fd98713da4a0d1606806035cde6 (files and lines named at each setting).
# Face crops only (no scene stream): MMAction2's Recognizer3D over the face stream of ous-mm's
# data path; per frame the CS-Former (ResNet-18 + a spatial transformer), over the frames the
# T-Former (a class token), then one linear classifier (models/ST_Former.py lines 7-19).
# 18,031,943 parameters, as their GenerateModel has (tests/test_peer_former_dfer.py).
num_frames = 16  # dataloader/dataset_DFEW.py lines 106-107: 8 segments x 2 consecutive frames
image_size = 112  # dataloader/dataset_DFEW.py line 100; models/S_Former.py line 220

model = dict(
    type='Recognizer3D',
    # models/S_Former.py lines 154-245: torchvision-style ResNet-18 (BasicBlock [2, 2, 2, 2]),
    # Kaiming-normal (fan_out) convolutions, BN 1/0 (lines 186-191: MMAction2's ResNet's own
    # init), from scratch (main_DFEW.py line 50: nothing is loaded); after layer3 one
    # transformer block over the 7 x 7 tokens: dim 256, heads 8, dim_head 32, MLP 512,
    # dropout 0 (line 158), positions N(0, 1) (line 183); layer4, global average pool.
    backbone=dict(
        type='ConvSpatialTransformer',
        resnet=dict(type='ResNet', depth=18, pretrained=None, norm_eval=False),
        image_size=image_size,
        transformer_after=2,
        num_layers=1,
        num_heads=8,
        mlp_ratio=2.0),
    # models/T_Former.py lines 82-102: TFormer(num_patches=16, dim=512, depth=3, heads=8,
    # mlp_dim=1024, dim_head=64, dropout=0.0); class token and positions torch.randn (lines
    # 85-86); tanh-approximated GELU (lines 7-9); output the class token, no norm (line 96)
    neck=dict(type='TemporalTransformerNeck', in_channels=512, num_frames=num_frames,
              num_layers=3, num_heads=8, mlp_channels=1024, init_std=1.0,
              act_cfg=dict(type='GELU', approximate='tanh'), normalize=False),
    # models/ST_Former.py line 12: nn.Linear(512, 7), no dropout. I3DHead without pooling is
    # that layer (its weights start from N(0, 0.01), torch's default is uniform +-1/sqrt(512))
    cls_head=dict(type='I3DHead', num_classes=7, in_channels=512, spatial_type=None,
                  dropout_ratio=0.0, init_std=0.01, average_clips='prob', topk=(1, )),
    # No mean/std normalisation: frames scaled to [0, 1] only (dataloader/video_transform.py
    # lines 281-298, ToTorchFormatTensor's div(255); dataset_DFEW.py lines 101-104 and 116-118
    # use no GroupNormalize)
    data_preprocessor=dict(type='StreamDataPreprocessor', stream='face', format_shape='NCTHW',
                           mean=[0., 0., 0.], std=[255., 255., 255.]))

# main_DFEW.py lines 22-27 and 55-56: SGD, lr 0.01, momentum 0.9, weight decay 1e-4, batch 32,
# 100 epochs, lr x 0.1 every 40 epochs (StepLR, stepped once per epoch, line 108)
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=1e-4))
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=100, val_begin=1, val_interval=1)
val_cfg = dict(type='ValLoop')  # main_DFEW.py line 106: evaluated after every epoch
test_cfg = dict(type='TestLoop')
param_scheduler = [dict(type='StepLR', by_epoch=True, step_size=40, gamma=0.1)]
auto_scale_lr = dict(enable=False, base_batch_size=32)
