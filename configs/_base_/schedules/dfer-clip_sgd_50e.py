# DFER-CLIP's schedule (github.com/zengqunzhao/DFER-CLIP at commit
# d10d5a4310a60c477778a086a292b591ee50e2ce; train_DFEW.sh, the same in train_FERV39k.sh and
# train_MAFW.sh). Their script keeps the checkpoint with the best accuracy on the test split
# (main.py lines 222-224); ous-mm validates on data held out of the training split instead (the
# dataset configs' val_fraction) and keeps the best-UAR and lowest-loss checkpoints
# (default_runtime.py).
# SGD with three learning rates (main.py lines 163-168; train_DFEW.sh lines 8-12): temporal net
# 1e-2, image encoder 1e-5, prompt learner 1e-3; momentum 0.9, weight decay 1e-4 for all.
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=1e-2, momentum=0.9, weight_decay=1e-4),
    paramwise_cfg=dict(custom_keys={
        'backbone': dict(lr_mult=1e-3),  # 1e-5
        'cls_head.prompt_learner': dict(lr_mult=0.1),  # 1e-3
    }))
# 50 epochs, lr x 0.1 after epochs 30 and 40 (main.py lines 171-173; train_DFEW.sh lines 6, 14)
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=50, val_begin=1, val_interval=1)
param_scheduler = [
    dict(type='MultiStepLR', by_epoch=True, milestones=[30, 40], gamma=0.1)
]
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
custom_hooks = [
    dict(type='ClassCheckHook'),
    dict(type='FaceFallbackLoggerHook'),
    dict(type='MemoryMonitorHook')
]
auto_scale_lr = dict(enable=False, base_batch_size=48)  # train_DFEW.sh line 7, one GPU
randomness = dict(seed=1)  # train_DFEW.sh line 19, --seed 1
