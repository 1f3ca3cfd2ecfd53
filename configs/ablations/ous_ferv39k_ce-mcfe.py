# configs/ablations/ous_ferv39k_ce-mcfe.py: the short name of ous_vit-l14_4xb4-60e_ferv39k-ce-mcfe.py.
_base_ = ['ous_vit-l14_4xb4-60e_ferv39k-ce-mcfe.py']
