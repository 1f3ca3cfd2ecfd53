# Scene stream only: the whole frames with polarity, no face crops (no Frames Encoder,
# no similarity loss).
_base_ = ['../ous/ous_vit-l14_4xb4-60e_dfew.py']
model = dict(similarity_loss=None, neck=dict(streams=('scene', ), use_lstm=False))
