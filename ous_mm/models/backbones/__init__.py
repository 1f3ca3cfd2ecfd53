from .cached_feature_encoder import CachedFeatureEncoder
from .frozen_clip_vision import FrozenCLIPVision

__all__ = ['CachedFeatureEncoder', 'FrozenCLIPVision']
