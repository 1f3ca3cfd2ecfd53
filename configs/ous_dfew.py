# OUS on DFEW with the paper's settings: `tools/dist_train.sh configs/ous_dfew.py 4`.
# Other folds: --cfg-options train_dataloader.dataset.fold=K val_dataloader.dataset.fold=K
# test_dataloader.dataset.fold=K (tools/cross_validate.py sets all three), or change `fold`.
_base_ = [
    '_base_/models/ous_vit-l14.py', '_base_/datasets/dfew.py',
    '_base_/schedules/ous_adam_60e.py', '_base_/default_runtime.py'
]
fold = 1
model = dict(cls_head=dict(prompt_learner=dict(class_names={{_base_.classes}})))
train_dataloader = dict(dataset=dict(fold=fold))
val_dataloader = dict(dataset=dict(fold=fold))
test_dataloader = dict(dataset=dict(fold=fold))
# keep the checkpoint with the lowest validation loss (paper) and the one with the best UAR
default_hooks = dict(
    checkpoint=dict(type='CheckpointHook', interval=1, max_keep_ckpts=1,
                    save_best=['dfer/nll', 'dfer/UAR'], rule=['less', 'greater']))
