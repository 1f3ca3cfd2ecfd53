# Table 3, row "L_global, w/o MCFE", MAFW: the 3-loss constraint, MCFE replaced by average
# pooling.
_base_ = ['../ous/ous_vit-l14_4xb4-60e_mafw.py']
model = dict(neck=dict(fusion='avgpool'))
