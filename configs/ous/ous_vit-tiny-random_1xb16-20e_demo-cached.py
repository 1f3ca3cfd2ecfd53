# The demo (ous_vit-tiny-random_1xb16-20e_demo.py) trained and tested from the feature cache:
#   python tools/extract_features.py configs/ous_demo.py --out work_dirs/feature_cache/ous_demo
# once (every clip of the 5 folds: its test view and 8 training views), then train with this
# config (any fold). Decoding and the frozen encoder are skipped; each epoch reads one of each
# clip's training views (the training pipeline's own random frames, seeded per clip and view),
# drawn by CachedViewSampler as a function of (seed, epoch, clip); validation and test read the
# test views. The cache is checked against the live datasets (settings, clips, labels, content)
# when the run starts, and against the model's frozen encoder by FeatureCacheCheckHook.
_base_ = ['ous_vit-tiny-random_1xb16-20e_demo.py', '../_base_/feature_cache.py']
feature_cache = 'work_dirs/feature_cache/ous_demo'
# the features of a batch are read in the main process: workers would cost more than they save
cached_loader = dict(num_workers=0, persistent_workers=False, timeout=0)
train_dataloader = dict(
    cached_loader,
    sampler=dict(type='CachedViewSampler', shuffle=True),
    dataset=dict(_base_.cached_dataset, _delete_=True, cache_dir=feature_cache, views='train',
                 source=_base_.train_dataloader.dataset))
val_dataloader = dict(
    cached_loader,
    dataset=dict(_base_.cached_dataset, _delete_=True, cache_dir=feature_cache, views='test',
                 test_mode=True, source=_base_.val_dataloader.dataset))
test_dataloader = dict(
    cached_loader,
    dataset=dict(_base_.cached_dataset, _delete_=True, cache_dir=feature_cache, views='test',
                 test_mode=True, source=_base_.test_dataloader.dataset))
model = _base_.cached_model
# torch.compile, as MMEngine's Runner runs it (its `compile` setting, handed to torch.compile for
# train_step and val_step): off here. On a GPU, `--cfg-options compile.mode=reduce-overhead`
# compiles the step with CUDA graphs: the forward and all losses are one graph that reads nothing
# on the host (tests/test_compiled_step.py); `tools/gpu_check.py` times it.
# the frozen encoder that made the cache must be this model's (weights, settings)
custom_hooks = [*_base_.custom_hooks, dict(type='FeatureCacheCheckHook')]
