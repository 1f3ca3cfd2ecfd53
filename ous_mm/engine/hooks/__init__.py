from .class_check_hook import ClassCheckHook
from .face_fallback_logger_hook import FaceFallbackLoggerHook
from .lr_floor_stop_hook import LRFloorStopHook
from .memory_monitor_hook import MemoryMonitorHook

__all__ = ['ClassCheckHook', 'FaceFallbackLoggerHook', 'LRFloorStopHook', 'MemoryMonitorHook']
