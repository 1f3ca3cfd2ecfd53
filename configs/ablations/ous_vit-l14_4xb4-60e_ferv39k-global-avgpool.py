# Table 3, row "L_global, w/o MCFE", FERV39k: the 3-loss constraint, MCFE replaced by average
# pooling.
_base_ = ['../ous/ous_vit-l14_4xb4-60e_ferv39k.py']
model = dict(neck=dict(fusion='avgpool'))
