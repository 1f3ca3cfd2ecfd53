from .coop_prompt_learner import CoOpPromptLearner
from .polarity_head import PolarityHead
from .prompt_contrastive_head import PromptContrastiveHead

__all__ = ['CoOpPromptLearner', 'PolarityHead', 'PromptContrastiveHead']
