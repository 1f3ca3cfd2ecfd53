from .frames_encoder import FramesEncoder
from .frozen_clip_vision import FrozenCLIPVision
from .mcfe import MCFE
from .mcfe_neck import MCFENeck
from .ous_recognizer import OUSRecognizer
from .polarity_encoder import PolarityEncoder
from .polarity_head import PolarityHead
from .prompt_contrastive_head import PromptContrastiveHead
from .prompt_learner import CoOpPromptLearner
from .stream_data_preprocessor import StreamDataPreprocessor

__all__ = [
    'CoOpPromptLearner', 'FramesEncoder', 'FrozenCLIPVision', 'MCFE', 'MCFENeck',
    'OUSRecognizer', 'PolarityEncoder', 'PolarityHead', 'PromptContrastiveHead',
    'StreamDataPreprocessor'
]
