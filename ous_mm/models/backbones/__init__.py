from .frozen_clip_vision import FrozenCLIPVision

__all__ = ['FrozenCLIPVision']
