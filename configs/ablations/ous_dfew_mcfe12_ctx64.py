# configs/ablations/ous_dfew_mcfe12_ctx64.py: the short name of ous_vit-l14_4xb4-60e_dfew-mcfe12-ctx64.py.
_base_ = ['ous_vit-l14_4xb4-60e_dfew-mcfe12-ctx64.py']
