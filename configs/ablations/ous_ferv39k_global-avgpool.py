# configs/ablations/ous_ferv39k_global-avgpool.py: the short name of ous_vit-l14_4xb4-60e_ferv39k-global-avgpool.py.
_base_ = ['ous_vit-l14_4xb4-60e_ferv39k-global-avgpool.py']
