# DFEW's face stream as the DFEW benchmark feeds 3D CNNs: 16 frames of 112 x 112 face crops
# (the 16-frame, 112-px input of Former-DFER's DFEW loader, zengqunzhao/Former-DFER
# dataloader/dataset_DFEW.py L100-124 @ 1b5ad6f79c645fd98713da4a0d1606806035cde6: 8 segments x 2
# frames, image_size = 112; it reports the DFEW paper's 3D-CNN rows that OUS's Table 1 repeats).
# The same split, validation hold-out, sampling and metric as OUS (dfew.py): only the sizes differ.
_base_ = ['./dfew.py']

num_frames = 16
face_size = 112
# The face-only models never see the scene images: they are made at the face size, the cheapest
# size that FaceSceneSplit's two outputs allow.
scene_size = face_size

# T frames, one per segment of the clip: at random within it in training, its centre in
# validation and test (as OUS's DFEW configs)
train_pipeline = [
    dict(type='CheckedDecordInit', io_backend='disk', scene_size=scene_size),
    dict(type='UniformSample', clip_len=num_frames, num_clips=1, test_mode=False),
    dict(type='CheckedDecordDecode'),
    dict(type='LoadReleasedFaceCrops', face_size=face_size),
    dict(type='LoadFaceBoxes', detector=_base_.face_detector),
    dict(type='FaceSceneSplit', face_size=face_size, scene_size=scene_size,
         crop_style=_base_.face_crop_style),
    dict(type='PackActionInputs', collect_keys=('face_imgs', 'scene_imgs'),
         meta_keys=('filename', 'frame_dir', 'sample_idx', 'face_found', 'face_missing',
                    'face_fallback', 'face_invalid', 'face_detected_online'))
]
val_pipeline = [
    dict(type='CheckedDecordInit', io_backend='disk', scene_size=scene_size),
    dict(type='UniformSample', clip_len=num_frames, num_clips=1, test_mode=True),
    dict(type='CheckedDecordDecode'),
    dict(type='LoadReleasedFaceCrops', face_size=face_size),
    dict(type='LoadFaceBoxes', detector=_base_.face_detector),
    dict(type='FaceSceneSplit', face_size=face_size, scene_size=scene_size,
         crop_style=_base_.face_crop_style),
    dict(type='PackActionInputs', collect_keys=('face_imgs', 'scene_imgs'),
         meta_keys=('filename', 'frame_dir', 'sample_idx', 'face_found', 'face_missing',
                    'face_fallback', 'face_invalid', 'face_detected_online'))
]
test_pipeline = val_pipeline
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=val_pipeline))
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
