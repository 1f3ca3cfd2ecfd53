from .frozen_weights import FrozenWeightsMixin, weights_fingerprint
from .open_clip_builder import build_open_clip

__all__ = ['FrozenWeightsMixin', 'build_open_clip', 'weights_fingerprint']
