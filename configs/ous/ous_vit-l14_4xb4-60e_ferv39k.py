# OUS on FERV39k (All_scenes split) with the paper's settings:
# `tools/dist_train.sh configs/ous_ferv39k.py 4`. T = 16 in training and test alike.
# On disk (docs/en/user_guides/prepare_datasets.md): data/FERV39k/0_7_LabelClips (scene
# stream), data/FERV39k/2_ClipsforFaceCrop (the release's face crops: face stream), 4_setups.
_base_ = [
    '../_base_/models/ous_vit-l14.py', '../_base_/datasets/ferv39k.py',
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
model = dict(
    neck=dict(num_frames=num_frames),
    cls_head=dict(prompt_learner=dict(class_names=_base_.classes)))
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=val_pipeline))
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
