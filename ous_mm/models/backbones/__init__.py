from .cached_feature_encoder import CachedFeatureEncoder
from .conv_spatial_transformer import ConvSpatialTransformer
from .frozen_clip_vision import FrozenCLIPVision

__all__ = ['CachedFeatureEncoder', 'ConvSpatialTransformer', 'FrozenCLIPVision']
