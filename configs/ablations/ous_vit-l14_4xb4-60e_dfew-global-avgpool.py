# Table 3, row "L_global, w/o MCFE": the 3-loss constraint, MCFE replaced by average pooling.
_base_ = ['../ous/ous_vit-l14_4xb4-60e_dfew.py']
model = dict(neck=dict(fusion='avgpool'))
