# OUS on MAFW (the single-label set, 11 classes, 5 folds) with the paper's settings; the paper
# reports no MAFW result. `tools/dist_train.sh configs/ous_mafw.py 4`.
# On disk (docs/en/user_guides/prepare_datasets.md): data/MAFW/data/clips (scene stream),
# data/MAFW/data/frames/frames_crop_align_224 (the release's aligned face frames: face stream),
# data/MAFW/Train & Test Set/single/no_caption/set_K/{train,test}.txt.
# Other folds: --cfg-options train_dataloader.dataset.fold=K val_dataloader.dataset.fold=K
# test_dataloader.dataset.fold=K (tools/cross_validate.py sets all three).
_base_ = [
    '../_base_/models/ous_vit-l14.py', '../_base_/datasets/mafw.py',
    '../_base_/schedules/ous_adam_60e.py', '../_base_/default_runtime.py'
]

num_frames = 16  # T = 16 (paper), for the pipelines and the model alike
image_size = 224  # CLIP ViT-L/14's input
# T frames, one per segment of the clip: at random within it in training, its centre in
# validation and test. The faces: the release's crops; a video without them (a new video given to
# inference_recognizer) has them found by `face_detector` and cut in the release's style
# (`face_crop_style`, see the dataset config).
train_pipeline = [
    # the frames feed only the scene stream: decoded at its size (faster)
    dict(type='CheckedDecordInit', io_backend='disk', scene_size=image_size),
    dict(type='UniformSample', clip_len=num_frames, num_clips=1, test_mode=False),
    dict(type='CheckedDecordDecode'),
    dict(type='LoadReleasedFaceCrops', face_size=image_size),
    dict(type='LoadFaceBoxes', detector=_base_.face_detector),
    dict(type='FaceSceneSplit', face_size=image_size, scene_size=image_size,
         crop_style=_base_.face_crop_style),
    dict(type='StreamsSideBySide'),  # what browse_dataset.py shows (a view, no copy)
    # clip identifiers travel into --dump files; the face counts into the logs
    dict(type='PackActionInputs', collect_keys=('face_imgs', 'scene_imgs'),
         meta_keys=('filename', 'frame_dir', 'sample_idx', 'face_found', 'face_missing',
                    'face_fallback', 'face_invalid', 'face_detected_online'))
]
val_pipeline = [
    dict(type='CheckedDecordInit', io_backend='disk', scene_size=image_size),
    dict(type='UniformSample', clip_len=num_frames, num_clips=1, test_mode=True),
    dict(type='CheckedDecordDecode'),
    dict(type='LoadReleasedFaceCrops', face_size=image_size),
    dict(type='LoadFaceBoxes', detector=_base_.face_detector),
    dict(type='FaceSceneSplit', face_size=image_size, scene_size=image_size,
         crop_style=_base_.face_crop_style),
    dict(type='StreamsSideBySide'),
    dict(type='PackActionInputs', collect_keys=('face_imgs', 'scene_imgs'),
         meta_keys=('filename', 'frame_dir', 'sample_idx', 'face_found', 'face_missing',
                    'face_fallback', 'face_invalid', 'face_detected_online'))
]
test_pipeline = val_pipeline
# 11 classes, ous-mm's order; the polarity map of the model config covers all 11. alpha stays
# 1.0: L_global starts at 1 + ln 3 + ln 11 = 4.5 here (4.1 on DFEW), alpha about a fifth of it.
model = dict(
    neck=dict(num_frames=num_frames),
    cls_head=dict(num_classes=11, prompt_learner=dict(class_names=_base_.classes)))
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=val_pipeline))
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
