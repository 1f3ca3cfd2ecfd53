# What every config that trains and tests from the feature cache shares (tools/extract_features.py
# fills the cache; the leaf config names it in `feature_cache` and builds its dataloaders on the
# live config's datasets, which the cache is checked against when training starts).
# One clip's features, read from the cache (checked against its checksum) and packed
cached_pipeline = [
    dict(type='LoadCachedFeatures'),
    dict(type='PackActionInputs', collect_keys=('face_feat', 'scene_feat', 'early_feat'),
         meta_keys=('filename', 'frame_dir', 'sample_idx'))  # clip identifiers for --dump
]
# the leaf config adds cache_dir, views and source (its live dataset)
cached_dataset = dict(type='CachedFeatureDataset', pipeline=cached_pipeline)
# features need stacking only (no normalisation)
cached_feature = dict(type='ActionDataPreprocessor', format_shape='NCHW')
cached_data_preprocessor = dict(
    type='MultiModalDataPreprocessor',
    preprocessors=dict(face_feat=cached_feature, scene_feat=cached_feature,
                       early_feat=cached_feature))
# the leaf config's model: features in, no image encoder (its CLIP is built without the image
# tower; the fingerprint of the tower's weights comes from the cache's record), and the class
# prompts' shared [SOS] + context prefix encoded once (CoOpPromptLearner(shared_prefix=True), as
# the paper's model does; the demo's live config keeps the prompts separate)
cached_model = dict(
    backbone=dict(type='CachedFeatureEncoder', _delete_=True),
    data_preprocessor=dict(cached_data_preprocessor, _delete_=True),
    cls_head=dict(prompt_learner=dict(shared_prefix=True)))
