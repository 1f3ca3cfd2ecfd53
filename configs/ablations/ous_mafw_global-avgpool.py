# configs/ablations/ous_mafw_global-avgpool.py: the short name of ous_vit-l14_4xb4-60e_mafw-global-avgpool.py.
_base_ = ['ous_vit-l14_4xb4-60e_mafw-global-avgpool.py']
