from .cached_feature_encoder import CachedFeatureEncoder
from .clip_vision_encoder import CLIPVisionEncoder
from .conv_spatial_transformer import ConvSpatialTransformer
from .frozen_clip_vision import FrozenCLIPVision

__all__ = [
    'CLIPVisionEncoder', 'CachedFeatureEncoder', 'ConvSpatialTransformer', 'FrozenCLIPVision'
]
