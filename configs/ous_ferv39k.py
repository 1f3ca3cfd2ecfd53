# OUS on FERV39k (All_scenes split) with the paper's settings:
# `tools/dist_train.sh configs/ous_ferv39k.py 4`. T = 16 in training and test alike.
_base_ = [
    '_base_/models/ous_vit-l14.py', '_base_/datasets/ferv39k.py',
    '_base_/schedules/ous_adam_60e.py', '_base_/default_runtime.py'
]
model = dict(cls_head=dict(prompt_learner=dict(class_names={{_base_.classes}})))
# keep the checkpoint with the lowest validation loss (paper) and the one with the best UAR
default_hooks = dict(
    checkpoint=dict(type='CheckpointHook', interval=1, max_keep_ckpts=1,
                    save_best=['dfer/nll', 'dfer/UAR'], rule=['less', 'greater']))
