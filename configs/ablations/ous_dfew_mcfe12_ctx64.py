# The earlier name of ous_vit-l14_4xb4-60e_dfew-mcfe12-ctx64.py, kept as its short name.
_base_ = ['ous_vit-l14_4xb4-60e_dfew-mcfe12-ctx64.py']
