# FERV39k as released (see FERV39kDataset), All_scenes split: the scene stream from the original
# clips (0_7_LabelClips), the face stream from the release's face crops (2_ClipsforFaceCrop);
# labels mapped onto DFEW's class order. Everything else as the DFEW data config.
_base_ = ['dfew.py']
# How FERV39k's 2_ClipsforFaceCrop faces were cut is not documented (paper, README, project page);
# nothing says they were aligned, so new videos get a square crop around the detected box
# (docs/en/user_guides/faces.md). 'aligned' is one key away.
face_crop_style = 'box'
dataset_type = 'FERV39kDataset'
data_root = 'data/FERV39k'
split = dict(val_fraction=0.1, val_seed=0, face_crop_dir='2_ClipsforFaceCrop')
train_dataloader = dict(
    dataset=dict(_delete_=True, type=dataset_type, data_root=data_root, subset='train', **split))
val_dataloader = dict(
    dataset=dict(_delete_=True, type=dataset_type, data_root=data_root, subset='val',
                 test_mode=True, **split))
test_dataloader = dict(
    dataset=dict(_delete_=True, type=dataset_type, data_root=data_root, subset='test',
                 test_mode=True, **split))
