# OUS on MAFW with the face stream cropped around detected face boxes instead of the release's
# aligned face frames. Once per dataset, fill the face-box cache:
#   python tools/detect_faces.py configs/ous/ous_vit-l14_4xb4-60e_mafw-detected-faces.py
# then train and test as configs/ous_mafw.py; a clip missing from the cache has its faces found
# online by `face_detector` (slower). On disk: data/MAFW/data/clips, the split files and the
# cache data/MAFW/face_boxes.
_base_ = ['ous_vit-l14_4xb4-60e_mafw.py']

# The pipelines of the base config without the release's crops: the frames feed both streams
# (decoded at full size), the faces cut around the cached boxes.
train_pipeline = [
    dict(type='CheckedDecordInit', io_backend='disk', scene_size=None),
    dict(type='UniformSample', clip_len=_base_.num_frames, num_clips=1, test_mode=False),
    dict(type='CheckedDecordDecode'),
    dict(type='LoadFaceBoxes', detector=_base_.face_detector),
    dict(type='FaceSceneSplit', face_size=_base_.image_size, scene_size=_base_.image_size,
         crop_style=_base_.face_crop_style),
    dict(type='StreamsSideBySide'),
    dict(type='PackActionInputs', collect_keys=('face_imgs', 'scene_imgs'),
         meta_keys=('filename', 'frame_dir', 'sample_idx', 'face_found', 'face_missing',
                    'face_fallback', 'face_invalid', 'face_detected_online'))
]
val_pipeline = [
    dict(type='CheckedDecordInit', io_backend='disk', scene_size=None),
    dict(type='UniformSample', clip_len=_base_.num_frames, num_clips=1, test_mode=True),
    dict(type='CheckedDecordDecode'),
    dict(type='LoadFaceBoxes', detector=_base_.face_detector),
    dict(type='FaceSceneSplit', face_size=_base_.image_size, scene_size=_base_.image_size,
         crop_style=_base_.face_crop_style),
    dict(type='StreamsSideBySide'),
    dict(type='PackActionInputs', collect_keys=('face_imgs', 'scene_imgs'),
         meta_keys=('filename', 'frame_dir', 'sample_idx', 'face_found', 'face_missing',
                    'face_fallback', 'face_invalid', 'face_detected_online'))
]
test_pipeline = val_pipeline
train_dataloader = dict(dataset=dict(face_crop_dir=None, pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(face_crop_dir=None, pipeline=val_pipeline))
test_dataloader = dict(dataset=dict(face_crop_dir=None, pipeline=test_pipeline))
