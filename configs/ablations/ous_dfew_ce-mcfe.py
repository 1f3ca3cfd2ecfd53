# configs/ablations/ous_dfew_ce-mcfe.py: the short name of ous_vit-l14_4xb4-60e_dfew-ce-mcfe.py.
_base_ = ['ous_vit-l14_4xb4-60e_dfew-ce-mcfe.py']
