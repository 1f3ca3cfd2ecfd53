from .class_check_hook import ClassCheckHook
from .face_fallback_logger_hook import FaceFallbackLoggerHook
from .feature_cache_check_hook import FeatureCacheCheckHook
from .lr_floor_stop_hook import LRFloorStopHook
from .memory_monitor_hook import MemoryMonitorHook
from .random_state_hook import RandomStateHook
from .safe_checkpoint_hook import SafeCheckpointHook

__all__ = ['ClassCheckHook', 'FaceFallbackLoggerHook', 'FeatureCacheCheckHook', 'LRFloorStopHook',
           'MemoryMonitorHook', 'RandomStateHook', 'SafeCheckpointHook']
