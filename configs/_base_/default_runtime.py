# Runtime shared by every ous-mm config; MMAction2's default runtime plus what ous-mm needs.
_base_ = 'mmaction::_base_/default_runtime.py'

custom_imports = dict(imports=['ous_mm'], allow_failed_imports=False)
default_scope = 'mmaction'

# device_ids=None: DDP then uses the module's own device, which works both for CPU processes
# (gloo; DDP refuses device_ids for a CPU module) and for one GPU per process (NCCL).
model_wrapper_cfg = dict(
    type='MMDistributedDataParallel', device_ids=None, broadcast_buffers=False)
