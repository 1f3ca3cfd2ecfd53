# The demo (ous_vit-tiny-random_1xb16-20e_demo.py) trained and tested from the feature cache:
#   python tools/extract_features.py configs/ous_demo.py --out work_dirs/feature_cache/ous_demo
# once, then train with this config. The frozen encoder and decoding are skipped; each clip's
# frames are those the test pipeline samples (fixed, no temporal augmentation).
_base_ = ['ous_vit-tiny-random_1xb16-20e_demo.py']
feature_cache = 'work_dirs/feature_cache/ous_demo'
cached_pipeline = [
    dict(type='LoadCachedFeatures'),
    dict(type='PackActionInputs', collect_keys=('face_feat', 'scene_feat', 'early_feat'))
]
cached_loader = dict(num_workers=0, persistent_workers=False, timeout=0)
# `source`: the live dataset each split was extracted from, read with the test pipeline as
# tools/extract_features.py reads every split; a cache that no longer matches it is an error
extracted_with = _base_.test_dataloader.dataset.pipeline
train_dataloader = dict(
    cached_loader,
    dataset=dict(_delete_=True, type='CachedFeatureDataset', cache_dir=feature_cache,
                 split='train', pipeline=cached_pipeline,
                 source=dict(_base_.train_dataloader.dataset, pipeline=extracted_with)))
val_dataloader = dict(
    cached_loader,
    dataset=dict(_delete_=True, type='CachedFeatureDataset', cache_dir=feature_cache,
                 split='val', pipeline=cached_pipeline, test_mode=True,
                 source=dict(_base_.val_dataloader.dataset, pipeline=extracted_with)))
test_dataloader = dict(
    cached_loader,
    dataset=dict(_delete_=True, type='CachedFeatureDataset', cache_dir=feature_cache,
                 split='test', pipeline=cached_pipeline, test_mode=True,
                 source=dict(_base_.test_dataloader.dataset, pipeline=extracted_with)))
feature = dict(type='ActionDataPreprocessor', format_shape='NCHW')  # features: stack only
model = dict(data_preprocessor=dict(
    _delete_=True, type='MultiModalDataPreprocessor',
    preprocessors=dict(face_feat=feature, scene_feat=feature, early_feat=feature)))
# the frozen encoder that made the cache must be this model's (weights, settings)
custom_hooks = [*_base_.custom_hooks, dict(type='FeatureCacheCheckHook')]
