from .face_fallback_logger_hook import FaceFallbackLoggerHook
from .lr_floor_stop_hook import LRFloorStopHook

__all__ = ['FaceFallbackLoggerHook', 'LRFloorStopHook']
