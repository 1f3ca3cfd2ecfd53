# configs/ous_mafw.py: the short name of ous/ous_vit-l14_4xb4-60e_mafw.py.
_base_ = ['ous/ous_vit-l14_4xb4-60e_mafw.py']
