# DFER-CLIP on the built-in demo dataset (tools/data/make_demo_dataset.py), on a CPU: the model of
# dfer-clip_vit-b32_1xb48-50e_dfew.py (same components, losses, SGD with its three learning rates
# and step schedule) at the demo's size: a tiny randomly initialised CLIP (the OUS demo's,
# configs/ous/ous_vit-tiny-random_1xb16-20e_demo.py: nothing to download), 8 frames of 112 px,
# batch 16, 10 epochs, CLIP's input normalisation (see below); the demo's data path (faces from
# its face-box cache) and split, without the training augmentation (the demo's small faces).
_base_ = ['dfer-clip_vit-b32_1xb48-50e_dfew.py']

data_root = 'data/demo_dfew'
num_frames = 8
image_size = 112
tiny_clip = dict(
    weights='random',  # by name: a random CLIP (a warning is logged)
    seed=0,  # the same draws in both towers' builds, as one CLIP
    model_cfg=dict(
        embed_dim=64,
        # pool_type='avg': a random ViT's class token is nearly the same for every image; the
        # mean of the patch tokens keeps the image's content (see the OUS demo config)
        vision_cfg=dict(image_size=image_size, layers=4, width=128, patch_size=16, head_width=32,
                        pool_type='avg'),
        text_cfg=dict(context_length=77, vocab_size=49408, width=128, heads=4, layers=2)))

model = dict(
    backbone=dict(clip=dict(tiny_clip, _delete_=True)),
    # CLIP's mean and std instead of the authors' [0, 1] scaling: the random encoder's features
    # of uncentred [0, 1] frames are nearly the same for every demo clip (mean cosine 0.999 over
    # the training clips, 0.84 with CLIP's normalisation), and the model then predicts one
    # class (UAR 14.3 in each of 5 epochs); a pretrained CLIP is robust to that input, a random
    # one is not
    data_preprocessor=dict(mean=[122.7709383, 116.7460125, 104.09373615],
                           std=[68.5005327, 66.6321579, 70.32316305]),
    # 8 heads of width 8, MLP twice the width (512 -> 1024 in the paper's model)
    neck=dict(in_channels=64, num_frames=num_frames, mlp_channels=128),
    cls_head=dict(
        in_channels=64,
        prompt_learner=dict(clip=dict(tiny_clip, image_tower=False, _delete_=True))))

# the OUS demo's pipelines, face stream only
face_detector = dict(type='OpenCVHaarFaceDetector')
pipeline = [
    dict(type='CheckedDecordInit', io_backend='disk', scene_size=None),
    dict(type='UniformSample', clip_len=num_frames, num_clips=1, test_mode=False),
    dict(type='CheckedDecordDecode'),
    dict(type='LoadFaceBoxes', detector=face_detector),
    dict(type='FaceSceneSplit', face_size=image_size, scene_size=image_size, crop_style='box'),
    dict(type='PackActionInputs', collect_keys=('face_imgs', ),
         meta_keys=('filename', 'frame_dir', 'sample_idx', 'face_found', 'face_missing',
                    'face_fallback', 'face_invalid', 'face_detected_online'))
]
train_pipeline = pipeline
val_pipeline = [
    dict(step, test_mode=True) if step['type'] == 'UniformSample' else step for step in pipeline
]
test_pipeline = val_pipeline
loader = dict(batch_size=16, num_workers=2, persistent_workers=True, timeout=120)
train_dataloader = dict(
    loader, dataset=dict(data_root=data_root, face_crop_dir=None, pipeline=train_pipeline))
val_dataloader = dict(
    loader, dataset=dict(data_root=data_root, face_crop_dir=None, pipeline=val_pipeline))
test_dataloader = dict(
    loader, dataset=dict(data_root=data_root, face_crop_dir=None, pipeline=test_pipeline))

# 10 epochs (a fine-tuned encoder costs about three times a frozen one's step on the CPU), the
# steps at the same fractions of training as 30 and 40 of 50
train_cfg = dict(max_epochs=10)
param_scheduler = [dict(type='MultiStepLR', by_epoch=True, milestones=[6, 8], gamma=0.1)]
default_hooks = dict(logger=dict(interval=5))
randomness = dict(seed=0, deterministic=True)
