# configs/ous_ferv39k.py: the short name of ous/ous_vit-l14_4xb4-60e_ferv39k.py.
_base_ = ['ous/ous_vit-l14_4xb4-60e_ferv39k.py']
