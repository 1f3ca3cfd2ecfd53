# Table 3, row "L_ce, w/o MCFE", FERV39k: cross-entropy only (no similarity or polarity loss)
# and MCFE replaced by average pooling of the fusion tokens.
_base_ = ['../ous_ferv39k.py']
model = dict(similarity_loss=None, polarity_head=None, neck=dict(fusion='avgpool'))
