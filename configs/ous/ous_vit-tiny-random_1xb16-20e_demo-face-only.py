# Face-only OUS on the demo dataset: the same model with the scene stream (and the scene's
# polarity and similarity terms) removed; the baseline that cannot see the Rigid Cognitive
# Problem's missing context.
_base_ = ['ous_vit-tiny-random_1xb16-20e_demo.py']
model = dict(
    similarity_loss=None,
    polarity_head=None,
    neck=dict(streams=('face', ), use_polarity=False, use_lstm=False))
