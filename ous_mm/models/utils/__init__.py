from .frozen_weights import FrozenWeightsMixin
from .open_clip_builder import build_open_clip

__all__ = ['FrozenWeightsMixin', 'build_open_clip']
