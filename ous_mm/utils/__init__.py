from .launch import init_cpu_distributed, mmaction_tool
from .synthetic_video import write_video

__all__ = ['init_cpu_distributed', 'mmaction_tool', 'write_video']
