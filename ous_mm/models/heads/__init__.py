from .coop_prompt_learner import CoOpPromptLearner
from .lstm_head import LSTMHead
from .polarity_head import PolarityHead
from .prompt_contrastive_head import PromptContrastiveHead

__all__ = ['CoOpPromptLearner', 'LSTMHead', 'PolarityHead', 'PromptContrastiveHead']
