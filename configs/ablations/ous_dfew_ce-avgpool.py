# configs/ablations/ous_dfew_ce-avgpool.py: the short name of ous_vit-l14_4xb4-60e_dfew-ce-avgpool.py.
_base_ = ['ous_vit-l14_4xb4-60e_dfew-ce-avgpool.py']
