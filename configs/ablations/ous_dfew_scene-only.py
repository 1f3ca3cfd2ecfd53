# configs/ablations/ous_dfew_scene-only.py: the short name of ous_vit-l14_4xb4-60e_dfew-scene-only.py.
_base_ = ['ous_vit-l14_4xb4-60e_dfew-scene-only.py']
