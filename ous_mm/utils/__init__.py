from .launch import init_cpu_distributed, mmaction_tool
from .setup_env import setup_env

__all__ = ['init_cpu_distributed', 'mmaction_tool', 'setup_env']
