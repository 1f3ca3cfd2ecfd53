# The single-view cache, for comparison: the demo trained from the feature cache's test views
# (the test pipeline's frames: the same frames every epoch, no sampling augmentation), as
# ous-mm's first feature cache did. Same cache as ous_vit-tiny-random_1xb16-20e_demo-cached.py.
_base_ = ['ous_vit-tiny-random_1xb16-20e_demo-cached.py']
train_dataloader = dict(
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(views='test',
                 source=dict(pipeline=_base_.test_dataloader.dataset.source.pipeline)))
