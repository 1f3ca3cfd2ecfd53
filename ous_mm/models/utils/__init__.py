from .frozen_weights import FrozenWeightsMixin, state_fingerprint, weights_fingerprint
from .open_clip_builder import build_open_clip

__all__ = ['FrozenWeightsMixin', 'build_open_clip', 'state_fingerprint', 'weights_fingerprint']
