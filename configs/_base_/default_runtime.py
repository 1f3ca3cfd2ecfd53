# Runtime shared by every ous-mm config; MMAction2's default runtime plus what ous-mm needs.
_base_ = 'mmaction::_base_/default_runtime.py'

custom_imports = dict(imports=['ous_mm'], allow_failed_imports=False)
default_scope = 'mmaction'
# MMEngine's Runner; where `num_workers` is 0 it builds the loader without `persistent_workers`
# and `timeout`, which torch allows only with workers (ous_mm/engine/runner.py)
runner_type = 'OUSRunner'
# Checkpoints: MMEngine's CheckpointHook made safe against a kill at any instant (atomic files,
# a replaced file removed only after its successor is written, epoch_N.pth saved after epoch N's
# validation, resume from the newest complete checkpoint; ous_mm/engine/hooks). Keep the
# checkpoint with the lowest validation loss (paper) and the one with the best UAR. Here, not in
# the schedule: MMEngine refuses a key (default_hooks) defined by two bases of one config.
# RandomStateHook: checkpoints also hold the random generators' states, so that a resumed run
# equals the uninterrupted one bit for bit, whatever the data loaders' settings.
default_hooks = dict(
    checkpoint=dict(type='SafeCheckpointHook', interval=1, max_keep_ckpts=1,
                    save_best=['dfer/nll', 'dfer/UAR'], rule=['less', 'greater']),
    random_states=dict(type='RandomStateHook'))

# device_ids=None: DDP then uses the module's own device, which works both for CPU processes
# (gloo; DDP refuses device_ids for a CPU module) and for one GPU per process (NCCL).
model_wrapper_cfg = dict(
    type='MMDistributedDataParallel', device_ids=None, broadcast_buffers=False)
