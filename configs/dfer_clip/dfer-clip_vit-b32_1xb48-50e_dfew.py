# DFER-CLIP (Zhao & Patras, BMVC 2023) on DFEW, as the authors' train_DFEW.sh sets it
# (github.com/zengqunzhao/DFER-CLIP, commit d10d5a4310a60c477778a086a292b591ee50e2ce): CLIP
# ViT-B/32 fine-tuned + a 1-layer temporal transformer + class-specific prompt contexts in front
# of class descriptions; SGD, 50 epochs, batch 48 on one GPU. Each setting's file and line: the
# model and schedule bases. On disk as configs/ous_dfew.py
# (docs/en/user_guides/prepare_datasets.md);
# only the release's face crops (Clip/clip_224x224) feed the model.
# Other folds: --cfg-options train_dataloader.dataset.fold=K val_dataloader.dataset.fold=K
# test_dataloader.dataset.fold=K (tools/cross_validate.py sets all three).
# Offline: --cfg-options model.backbone.clip.weights=checkpoints/ViT-B-32-quickgelu_openai.pth
# model.cls_head.prompt_learner.clip.weights=checkpoints/ViT-B-32-quickgelu_openai.pth
_base_ = [
    '../_base_/models/dfer-clip_vit-b32.py', '../_base_/datasets/dfew.py',
    '../_base_/schedules/dfer-clip_sgd_50e.py', '../_base_/default_runtime.py'
]

image_size = 224  # main.py lines 181 and 186: image_size=224 (the release's crops are 224 px)
# 16 frames, one per segment of the clip: at random within it in training, its centre in test
# (dataloader/video_dataloader.py lines 48-70; MMAction2's UniformSample does the same). The
# faces: the release's crops, all frames of a clip (their annotation files list DFEW's face-frame
# folders with each clip's frame count, annotation/DFEW_set_1_train.txt); a video without them
# has them found by `face_detector` and cut in the release's style (see the dataset config).
# Their training augmentation (video_dataloader.py lines 104-110), one draw per clip:
# brightness jitter 0.5, a random resized crop (area 0.08-1, aspect ratio 3/4-4/3, resized to
# 224, video_transform.py lines 220-264), a horizontal flip (lines 46-61); the test frames are
# only resized (lines 142-144).
val_pipeline = [
    dict(type='CheckedDecordInit', io_backend='disk', scene_size=image_size),
    dict(type='UniformSample', clip_len=_base_.num_frames, num_clips=1, test_mode=True),
    dict(type='CheckedDecordDecode'),
    dict(type='LoadReleasedFaceCrops', face_size=image_size),
    dict(type='LoadFaceBoxes', detector=_base_.face_detector),
    dict(type='FaceSceneSplit', face_size=image_size, scene_size=image_size,
         crop_style=_base_.face_crop_style),
    dict(type='PackActionInputs', collect_keys=('face_imgs', ),
         meta_keys=('filename', 'frame_dir', 'sample_idx', 'face_found', 'face_missing',
                    'face_fallback', 'face_invalid', 'face_detected_online'))
]
train_pipeline = [
    dict(step, test_mode=False) if step['type'] == 'UniformSample' else step
    for step in val_pipeline[:-1]
] + [
    dict(type='ApplyToStream', stream='face', transforms=[
        dict(type='ColorJitter', brightness=0.5, contrast=0, saturation=0, hue=0),
        dict(type='RandomResizedCrop', area_range=(0.08, 1.0), aspect_ratio_range=(3 / 4, 4 / 3)),
        dict(type='Resize', scale=(image_size, image_size), keep_ratio=False),
        dict(type='Flip', flip_ratio=0.5)
    ]),
    val_pipeline[-1]
]
test_pipeline = val_pipeline

model = dict(cls_head=dict(prompt_learner=dict(class_names=_base_.classes)))
loader = dict(batch_size=48)  # train_DFEW.sh line 7, on one GPU (line 3)
train_dataloader = dict(loader, dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(loader, dataset=dict(pipeline=val_pipeline))
test_dataloader = dict(loader, dataset=dict(pipeline=test_pipeline))
