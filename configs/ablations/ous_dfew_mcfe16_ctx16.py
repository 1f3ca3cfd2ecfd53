# Table 4: 16 MCFE blocks, prompt length M = 16.
_base_ = ['../ous_dfew.py']
model = dict(neck=dict(mcfe=dict(num_blocks=16)), cls_head=dict(prompt_learner=dict(n_ctx=16)))
