# Scene stream only: the whole frames with polarity, no face crops (no Frames Encoder,
# no similarity loss).
_base_ = ['../ous_dfew.py']
model = dict(use_similarity_loss=False, neck=dict(streams=('scene', ), use_lstm=False))
