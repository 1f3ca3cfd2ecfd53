# DFEW as released (see DFEWDataset): the scene stream from the whole-scene clips
# (Clip/original), the face stream from the release's face crops (Clip/clip_224x224) or, in the
# *-detected-faces configs, from face boxes. The leaf configs write the pipelines (they set the
# number of frames and the image size that the model shares).
dataset_type = 'DFEWDataset'
data_root = 'data/DFEW'
classes = ('Happy', 'Sad', 'Neutral', 'Angry', 'Surprise', 'Disgust', 'Fear')
# The face detector for videos without released crops or cached boxes (a new video given to
# inference_recognizer, tools/demo.py) and the default of tools/detect_faces.py: MTCNN with its
# trained weights (inside facenet-pytorch's wheel: offline), boxes and the five landmarks that
# aligned crops need; on the GPU when there is one. Others: dict(type='OpenCVHaarFaceDetector')
# (frontal faces, no landmarks: crop style 'box' only), dict(type='YuFaceDetector') (optional
# package), or an mmdet face detector, dict(type='MMDetFaceDetector', config='face_det.py',
# checkpoint='face_det.pth', score_thr=0.5, device='cuda', batch_size=32) (boxes only).
face_detector = dict(type='MTCNNFaceDetector')
# How faces are cut from detected boxes, to match the crops the model was trained on: DFEW's
# Clip/clip_224x224 faces were detected and aligned by an affine transform (DFEW README), so
# 'aligned' (five landmarks onto a template). docs/en/user_guides/faces.md says what is known
# of each release.
face_crop_style = 'aligned'

split = dict(
    fold=1,  # the official fold; tools/cross_validate.py runs 1-5
    val_fraction=0.1,  # validation held out of the training file (seeded, class-stratified)
    val_seed=0,
    face_crop_dir='Clip/clip_224x224')  # the release's face crops: the face stream
# A worker that dies is reported by PyTorch at once; one that hangs fails the run after
# `timeout` seconds for a batch instead of waiting forever (needs num_workers > 0).
timeout = 300
train_dataloader = dict(
    batch_size=4,  # x 4 GPUs = the paper's batch of 16
    num_workers=4,
    persistent_workers=True,
    timeout=timeout,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type=dataset_type, data_root=data_root, subset='train', **split))
val_dataloader = dict(
    batch_size=4,
    num_workers=4,
    persistent_workers=True,
    timeout=timeout,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, data_root=data_root, subset='val', test_mode=True, **split))
test_dataloader = dict(
    batch_size=4,
    num_workers=4,
    persistent_workers=True,
    timeout=timeout,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, data_root=data_root, subset='test', test_mode=True, **split))
val_evaluator = dict(type='DFERMetric')
test_evaluator = val_evaluator
