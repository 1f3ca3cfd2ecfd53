# OUS on DFEW (ous_vit-l14_4xb4-60e_dfew.py: release face crops, whole-clip scene, the early
# block's features) trained and tested from the feature cache, on one GPU with the paper's batch
# of 16. Once, for all 5 folds (each clip encoded once: its test view and 8 training views):
#   python tools/extract_features.py configs/ous_dfew.py --out work_dirs/feature_cache/ous_dfew
# then any fold: tools/train.py this config (--cfg-options train_dataloader.dataset.fold=K ...,
# or tools/cross_validate.py this config). Each epoch reads one training view per clip
# (CachedViewSampler: a function of seed, epoch and clip, so --resume draws the same views).
# Disk: docs/en/advanced_guides/feature_cache.md.
_base_ = ['ous_vit-l14_4xb4-60e_dfew.py', '../_base_/feature_cache.py']
feature_cache = 'work_dirs/feature_cache/ous_dfew'
cached_loader = dict(batch_size=16, num_workers=2, persistent_workers=True)
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
