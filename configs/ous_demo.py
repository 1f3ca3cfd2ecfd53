# configs/ous_demo.py: the short name of ous/ous_vit-tiny-random_1xb16-20e_demo.py.
_base_ = ['ous/ous_vit-tiny-random_1xb16-20e_demo.py']
