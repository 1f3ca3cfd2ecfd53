# configs/ablations/ous_dfew_face-only.py: the short name of ous_vit-l14_4xb4-60e_dfew-face-only.py.
_base_ = ['ous_vit-l14_4xb4-60e_dfew-face-only.py']
