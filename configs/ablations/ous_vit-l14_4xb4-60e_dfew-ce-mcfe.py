# Table 3, row "L_ce + MCFE": cross-entropy only, with MCFE. (L_global + MCFE is ous_dfew.py.)
_base_ = ['../ous/ous_vit-l14_4xb4-60e_dfew.py']
model = dict(similarity_loss=None, polarity_head=None)
