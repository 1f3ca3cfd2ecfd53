# Table 3, row "L_ce + MCFE", FERV39k: cross-entropy only, with MCFE. (L_global + MCFE is
# ous_ferv39k.py.)
_base_ = ['../ous/ous_vit-l14_4xb4-60e_ferv39k.py']
model = dict(similarity_loss=None, polarity_head=None)
