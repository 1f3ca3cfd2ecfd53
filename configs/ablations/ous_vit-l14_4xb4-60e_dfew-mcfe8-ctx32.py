# Table 4: 8 MCFE blocks, prompt length M = 32.
_base_ = ['../ous/ous_vit-l14_4xb4-60e_dfew.py']
model = dict(neck=dict(mcfe=dict(num_blocks=8)), cls_head=dict(prompt_learner=dict(n_ctx=32)))
