# OUS on DFEW with the face stream cropped around detected face boxes instead of the release's
# crops (the route for data without released crops). Once per dataset, fill the face-box cache:
#   python tools/detect_faces.py configs/ous/ous_vit-l14_4xb4-60e_dfew-detected-faces.py
# then train and test as configs/ous_dfew.py; a clip missing from the cache has its faces found
# online by `face_detector` (slower). On disk: data/DFEW/Clip/original, EmoLabel_DataSplit and
# the cache data/DFEW/face_boxes.
_base_ = ['ous_vit-l14_4xb4-60e_dfew.py']
from ous_mm.datasets import dfer_pipelines  # noqa: E402  (the pipelines, written once)

train_pipeline, test_pipeline = dfer_pipelines(
    {{_base_.num_frames}}, {{_base_.image_size}}, face_source='detector',
    detector={{_base_.face_detector}}, crop_style={{_base_.face_crop_style}})
train_dataloader = dict(dataset=dict(face_crop_dir=None, pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(face_crop_dir=None, pipeline=test_pipeline))
test_dataloader = dict(dataset=dict(face_crop_dir=None, pipeline=test_pipeline))
