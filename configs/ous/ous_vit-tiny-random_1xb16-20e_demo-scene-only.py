# Scene-only OUS on the demo dataset: whole frames with polarity, no face crops.
_base_ = ['ous_vit-tiny-random_1xb16-20e_demo.py']
model = dict(similarity_loss=None, neck=dict(streams=('scene', ), use_lstm=False))
