from .frame_by_frame import frame_by_frame
from .frozen_weights import FrozenWeightsMixin, state_fingerprint, weights_fingerprint
from .open_clip_builder import build_open_clip

__all__ = [
    'FrozenWeightsMixin', 'build_open_clip', 'frame_by_frame', 'state_fingerprint',
    'weights_fingerprint'
]
