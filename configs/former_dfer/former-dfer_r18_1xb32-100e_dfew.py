# Former-DFER on DFEW with the settings of the authors' code: `tools/train.py` on one GPU.
# Paper: Zhao & Liu, "Former-DFER: Dynamic Facial Expression Recognition Transformer", ACM MM
# 2021, 1553-1561. Code: github.com/zengqunzhao/Former-DFER, commit
# 1b5ad6f79c645fd98713da4a0d1606806035cde6; main_DFEW.py, main_DFEW_trainer.sh,
# dataloader/dataset_DFEW.py, dataloader/video_transform.py (lines named at each setting; the
# model and schedule in ../_base_/models/former-dfer_r18.py). The paper's text was not at hand
# offline: every setting is the code's.
# Data: ous-mm's DFEW path (../_base_/datasets/dfew.py): the release's face crops
# (Clip/clip_224x224, the crops their annotation lists point to: annotation/DFEW_set_1_train.txt),
# only the face stream is used. Other folds: --cfg-options train_dataloader.dataset.fold=K
# val_dataloader.dataset.fold=K test_dataloader.dataset.fold=K (tools/cross_validate.py sets all
# three); main_DFEW_trainer.sh runs folds 1-5 the same way.
# Where it departs from the code, on purpose: their script keeps the epoch with the best TEST
# accuracy (main_DFEW.py lines 106-117); here validation is a class-stratified tenth held out of
# the training split and the test split is scored once. Crops are drawn by MMAction2's
# RandomResizedCrop (aspect ratio log-uniform, centre-crop fallback) where theirs draws it
# uniformly with a random swap of sides and falls back to a resize + random crop
# (video_transform.py lines 219-263); resizing is OpenCV's bilinear (PIL's in their code).
_base_ = [
    '../_base_/models/former-dfer_r18.py', '../_base_/datasets/dfew.py',
    '../_base_/default_runtime.py'
]

image_size = _base_.image_size  # 112 (dataset_DFEW.py line 100)
crop_size = 224  # the release's crops (Clip/clip_224x224), cropped from before resizing
# 8 segments of 2 consecutive frames (dataset_DFEW.py lines 106-108 and 47-65): in training a
# random start in each segment, in test the segment's centre; a clip too short repeats its last
# frame (lines 82-88). MMAction2's SampleFrames draws exactly these offsets.
sample = dict(type='SampleFrames', clip_len=2, frame_interval=1, num_clips=8,
              out_of_bound_opt='repeat_last')
meta_keys = ('filename', 'frame_dir', 'sample_idx', 'face_found', 'face_missing',
             'face_fallback', 'face_invalid', 'face_detected_online')
train_pipeline = [
    # the scene frames are not used: decoded small
    dict(type='CheckedDecordInit', io_backend='disk', scene_size=image_size),
    dict(sample, test_mode=False),
    dict(type='CheckedDecordDecode'),
    dict(type='LoadReleasedFaceCrops', face_size=crop_size),
    dict(type='LoadFaceBoxes', detector=_base_.face_detector),
    dict(type='FaceSceneSplit', face_size=crop_size, scene_size=image_size,
         crop_style=_base_.face_crop_style),
    # dataset_DFEW.py lines 101-104: GroupRandomSizedCrop(112) (area 0.08-1, aspect 3/4-4/3,
    # then resized to 112 x 112) and GroupRandomHorizontalFlip, one draw for all frames
    dict(type='ApplyToStream', stream='face', transforms=[
        dict(type='RandomResizedCrop', area_range=(0.08, 1.0), aspect_ratio_range=(3 / 4, 4 / 3)),
        dict(type='Resize', scale=(image_size, image_size), keep_ratio=False),
        dict(type='Flip', flip_ratio=0.5)
    ]),
    dict(type='PackActionInputs', collect_keys=('face_imgs', ), meta_keys=meta_keys)
]
# dataset_DFEW.py lines 116-118: GroupResize(112), the whole crop to 112 x 112
val_pipeline = [
    dict(type='CheckedDecordInit', io_backend='disk', scene_size=image_size),
    dict(sample, test_mode=True),
    dict(type='CheckedDecordDecode'),
    dict(type='LoadReleasedFaceCrops', face_size=image_size),
    dict(type='LoadFaceBoxes', detector=_base_.face_detector),
    dict(type='FaceSceneSplit', face_size=image_size, scene_size=image_size,
         crop_style=_base_.face_crop_style),
    dict(type='PackActionInputs', collect_keys=('face_imgs', ), meta_keys=meta_keys)
]
test_pipeline = val_pipeline

# main_DFEW.py lines 19, 24 and 78-88: batch 32 on one GPU (main_DFEW_trainer.sh:
# CUDA_VISIBLE_DEVICES=0), 4 workers, training batches shuffled, the last incomplete one dropped
loader = dict(batch_size=32, num_workers=4)
train_dataloader = dict(loader, dataset=dict(pipeline=train_pipeline),
                        sampler=dict(type='DefaultSampler', shuffle=True), drop_last=True)
val_dataloader = dict(loader, dataset=dict(pipeline=val_pipeline))
test_dataloader = dict(loader, dataset=dict(pipeline=test_pipeline))

custom_hooks = [
    dict(type='ClassCheckHook'),
    dict(type='FaceFallbackLoggerHook'),
    dict(type='MemoryMonitorHook')
]
