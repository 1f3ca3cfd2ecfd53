# Face stream only: no scene frames, hence no polarity, alignment or similarity loss
# (the "rigid" DFER setting OUS argues against).
_base_ = ['../ous/ous_vit-l14_4xb4-60e_dfew.py']
model = dict(
    similarity_loss=None,
    polarity_head=None,
    neck=dict(streams=('face', ), use_polarity=False, use_lstm=False))
