from .frames_encoder import FramesEncoder
from .mcfe import MCFE
from .mcfe_neck import MCFENeck
from .polarity_encoder import PolarityEncoder
from .temporal_transformer_neck import TemporalTransformerNeck

__all__ = ['FramesEncoder', 'MCFE', 'MCFENeck', 'PolarityEncoder', 'TemporalTransformerNeck']
