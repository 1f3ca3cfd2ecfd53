# configs/ablations/ous_mafw_ce-mcfe.py: the short name of ous_vit-l14_4xb4-60e_mafw-ce-mcfe.py.
_base_ = ['ous_vit-l14_4xb4-60e_mafw-ce-mcfe.py']
