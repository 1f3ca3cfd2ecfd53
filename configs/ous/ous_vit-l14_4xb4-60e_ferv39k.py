# OUS on FERV39k (All_scenes split) with the paper's settings:
# `tools/dist_train.sh configs/ous_ferv39k.py 4`. T = 16 in training and test alike.
# On disk (README, "Train and test on DFEW / FERV39k"): data/FERV39k/0_7_LabelClips (scene
# stream), data/FERV39k/2_ClipsforFaceCrop (the release's face crops: face stream), 4_setups.
_base_ = [
    '../_base_/models/ous_vit-l14.py', '../_base_/datasets/ferv39k.py',
    '../_base_/schedules/ous_adam_60e.py', '../_base_/default_runtime.py'
]
from ous_mm.datasets import dfer_pipelines  # noqa: E402  (the pipelines, written once)

num_frames = 16  # T = 16 (paper), for the pipelines and the model alike
image_size = 224  # CLIP ViT-L/14's input
# the release's crops for the face stream; a new video's faces found by `face_detector` and cut
# in the release's style (`face_crop_style`, see the dataset config)
train_pipeline, test_pipeline = dfer_pipelines(
    num_frames, image_size, face_source='release', detector={{_base_.face_detector}},
    crop_style={{_base_.face_crop_style}})
model = dict(
    neck=dict(num_frames=num_frames),
    cls_head=dict(prompt_learner=dict(class_names={{_base_.classes}})))
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
