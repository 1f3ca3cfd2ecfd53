# The paper's schedule ("Training Details"): Adam, lr 2e-3, batch 16, 60 epochs, lr / 3 when
# the validation loss has not fallen for 5 epochs, stop once lr < 1e-7, keep the checkpoint
# with the lowest validation loss (and, for reporting, the one with the best UAR).
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=60, val_begin=1, val_interval=1)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

# fused: torch's Adam in one kernel over all parameters (CPU and CUDA) instead of a Python loop
# over them; the same update equations (differences of float rounding only: tests/
# test_performance.py); on the CPU demo's cached epoch the loop was a fifth of the time. Fused
# Adam on the CPU needs torch >= 2.4: every torch that ous-mm accepts (>= 2.6, pyproject.toml)
optim_wrapper = dict(optimizer=dict(type='Adam', lr=2e-3, fused=True))
param_scheduler = [
    dict(type='ReduceOnPlateauLR', monitor='dfer/nll', rule='less', factor=1 / 3, patience=5,
         by_epoch=True)
]
custom_hooks = [
    dict(type='ClassCheckHook'),
    dict(type='LRFloorStopHook', min_lr=1e-7),
    dict(type='FaceFallbackLoggerHook'),
    dict(type='MemoryMonitorHook')
]
auto_scale_lr = dict(enable=False, base_batch_size=16)
