# DFEW as released (see DFEWDataset): whole-scene clips split into face and scene streams by
# FaceSceneSplit with face boxes from the cache (data_root/face_boxes) that
# tools/detect_faces.py writes.
dataset_type = 'DFEWDataset'
data_root = 'data/DFEW'
num_frames = 16
image_size = 224
classes = ('Happy', 'Sad', 'Neutral', 'Angry', 'Surprise', 'Disgust', 'Fear')
# The detector tools/detect_faces.py runs once over the dataset (never in the training loop).
# Offline default; for real work an mmdet face detector, e.g.
# dict(type='MMDetFaceDetector', config='face_det.py', checkpoint='face_det.pth',
#      score_thr=0.5, device='cuda', batch_size=32)
face_detector = dict(type='OpenCVHaarFaceDetector')

train_pipeline = [
    dict(type='CheckedDecordInit', io_backend='disk'),
    dict(type='UniformSample', clip_len=num_frames, num_clips=1),
    dict(type='CheckedDecordDecode'),
    dict(type='LoadFaceBoxes'),  # the dataset's face_boxes/ cache
    dict(type='FaceSceneSplit', face_size=image_size, scene_size=image_size),
    dict(type='PackActionInputs', collect_keys=('face_imgs', 'scene_imgs'),
         meta_keys=('face_missing', 'face_fallback'))
]
test_pipeline = [
    dict(type='CheckedDecordInit', io_backend='disk'),
    dict(type='UniformSample', clip_len=num_frames, num_clips=1, test_mode=True),
    dict(type='CheckedDecordDecode'),
    dict(type='LoadFaceBoxes'),  # the dataset's face_boxes/ cache
    dict(type='FaceSceneSplit', face_size=image_size, scene_size=image_size),
    dict(type='PackActionInputs', collect_keys=('face_imgs', 'scene_imgs'),
         meta_keys=('face_missing', 'face_fallback'))
]

split = dict(fold=1, val_fraction=0.1, val_seed=0)  # validation held out of the training file
# A worker that dies is reported by PyTorch at once; one that hangs fails the run after
# `timeout` seconds for a batch instead of waiting forever (needs num_workers > 0).
timeout = 300
train_dataloader = dict(
    batch_size=4,  # x 4 GPUs = the paper's batch of 16
    num_workers=4,
    persistent_workers=True,
    timeout=timeout,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type=dataset_type, data_root=data_root, subset='train', pipeline=train_pipeline,
                 **split))
val_dataloader = dict(
    batch_size=4,
    num_workers=4,
    persistent_workers=True,
    timeout=timeout,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, data_root=data_root, subset='val', pipeline=test_pipeline,
                 test_mode=True, **split))
test_dataloader = dict(
    batch_size=4,
    num_workers=4,
    persistent_workers=True,
    timeout=timeout,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, data_root=data_root, subset='test', pipeline=test_pipeline,
                 test_mode=True, **split))
val_evaluator = dict(type='DFERMetric')
test_evaluator = val_evaluator
