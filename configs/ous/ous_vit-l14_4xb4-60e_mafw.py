# OUS on MAFW (the single-label set, 11 classes, 5 folds) with the paper's settings; the paper
# reports no MAFW result. `tools/dist_train.sh configs/ous_mafw.py 4`.
# On disk (README, "Train and test on MAFW"): data/MAFW/data/clips (scene stream),
# data/MAFW/data/frames/frames_crop_align_224 (the release's aligned face frames: face stream),
# data/MAFW/Train & Test Set/single/no_caption/set_K/{train,test}.txt.
# Other folds: --cfg-options train_dataloader.dataset.fold=K val_dataloader.dataset.fold=K
# test_dataloader.dataset.fold=K (tools/cross_validate.py sets all three).
_base_ = [
    '../_base_/models/ous_vit-l14.py', '../_base_/datasets/mafw.py',
    '../_base_/schedules/ous_adam_60e.py', '../_base_/default_runtime.py'
]
from ous_mm.datasets import dfer_pipelines  # noqa: E402  (the pipelines, written once)

num_frames = 16  # T = 16 (paper), for the pipelines and the model alike
image_size = 224  # CLIP ViT-L/14's input
train_pipeline, test_pipeline = dfer_pipelines(
    num_frames, image_size, face_source='release', detector={{_base_.face_detector}},
    crop_style={{_base_.face_crop_style}})
# 11 classes, ous-mm's order; the polarity map of the model config covers all 11. alpha stays
# 1.0: L_global starts at 1 + ln 3 + ln 11 = 4.5 here (4.1 on DFEW), alpha about a fifth of it.
model = dict(
    neck=dict(num_frames=num_frames),
    cls_head=dict(num_classes=11, prompt_learner=dict(class_names={{_base_.classes}})))
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
