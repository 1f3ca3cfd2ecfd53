# Table 3, row "L_ce + MCFE", FERV39k: cross-entropy only, with MCFE. (L_global + MCFE is
# ous_ferv39k.py.)
_base_ = ['../ous_ferv39k.py']
model = dict(similarity_loss=None, polarity_head=None)
