from .launch import init_cpu_distributed, mmaction_tool

__all__ = ['init_cpu_distributed', 'mmaction_tool']
