# Table 3, row "L_ce, w/o MCFE", MAFW: cross-entropy only (no similarity or polarity loss)
# and MCFE replaced by average pooling of the fusion tokens.
_base_ = ['../ous/ous_vit-l14_4xb4-60e_mafw.py']
model = dict(similarity_loss=None, polarity_head=None, neck=dict(fusion='avgpool'))
