# FERV39k as released (see FERV39kDataset), All_scenes split: the DFEW pipeline (dfew.py) over
# FERV39k's original clips, labels mapped onto DFEW's class order.
_base_ = ['dfew.py']
dataset_type = 'FERV39kDataset'
data_root = 'data/FERV39k'
split = dict(val_fraction=0.1, val_seed=0)  # validation held out of the training list
train_dataloader = dict(
    dataset=dict(_delete_=True, type=dataset_type, data_root=data_root, subset='train',
                 pipeline={{_base_.train_pipeline}}, **split))
val_dataloader = dict(
    dataset=dict(_delete_=True, type=dataset_type, data_root=data_root, subset='val',
                 pipeline={{_base_.test_pipeline}}, test_mode=True, **split))
test_dataloader = dict(
    dataset=dict(_delete_=True, type=dataset_type, data_root=data_root, subset='test',
                 pipeline={{_base_.test_pipeline}}, test_mode=True, **split))
