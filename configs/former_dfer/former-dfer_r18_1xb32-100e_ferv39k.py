# Former-DFER on FERV39k (All_scenes split) with the settings of the authors' code: the DFEW config
# (former-dfer_r18_1xb32-100e_dfew.py: paper, repository, commit and lines named there) on
# ous-mm's FERV39k data (../_base_/datasets/ferv39k.py: the release's face crops,
# 2_ClipsforFaceCrop). Their main_FERV39K.py and dataloader/dataset_FERV39K.py (commit
# 1b5ad6f79c645fd98713da4a0d1606806035cde6) differ from the DFEW ones only in the annotation files
# (main_FERV39K.py line 18; dataset_FERV39K.py lines 105 and 119): the same model, frames,
# augmentation and schedule.
_base_ = ['./former-dfer_r18_1xb32-100e_dfew.py']

face_crop_style = 'box'  # FERV39k's crops: see ../_base_/datasets/ferv39k.py
train_pipeline = [
    dict(t, crop_style=face_crop_style) if t['type'] == 'FaceSceneSplit' else t
    for t in _base_.train_pipeline
]
val_pipeline = [
    dict(t, crop_style=face_crop_style) if t['type'] == 'FaceSceneSplit' else t
    for t in _base_.val_pipeline
]
test_pipeline = val_pipeline
split = dict(val_fraction=0.1, val_seed=0, face_crop_dir='2_ClipsforFaceCrop')
train_dataloader = dict(
    dataset=dict(_delete_=True, type='FERV39kDataset', data_root='data/FERV39k', subset='train',
                 pipeline=train_pipeline, **split))
val_dataloader = dict(
    dataset=dict(_delete_=True, type='FERV39kDataset', data_root='data/FERV39k', subset='val',
                 test_mode=True, pipeline=val_pipeline, **split))
test_dataloader = dict(
    dataset=dict(_delete_=True, type='FERV39kDataset', data_root='data/FERV39k', subset='test',
                 test_mode=True, pipeline=test_pipeline, **split))
