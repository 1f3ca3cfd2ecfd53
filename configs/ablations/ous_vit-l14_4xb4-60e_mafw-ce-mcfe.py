# Table 3, row "L_ce + MCFE", MAFW: cross-entropy only, with MCFE. (L_global + MCFE is
# ous_mafw.py.)
_base_ = ['../ous/ous_vit-l14_4xb4-60e_mafw.py']
model = dict(similarity_loss=None, polarity_head=None)
