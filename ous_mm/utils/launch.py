"""Helpers that let MMAction2's own ``tools/*.py`` run ous-mm configs unchanged."""
import os
import os.path as osp
from typing import Sequence

import torch
import torch.distributed as dist

from ..compat import _mmaction_root


def mmaction_tool(name: str) -> str:
    """Path of a script shipped with the installed mmaction2 (``mmaction/.mim/tools``).

    Args:
        name (str): Script path relative to MMAction2's ``tools`` folder,
            e.g. ``'train.py'``.

    Returns:
        str: The absolute path of the script.
    """
    path = osp.join(_mmaction_root(), '.mim', 'tools', name)
    if not osp.isfile(path):
        raise FileNotFoundError(
            f'{path} is missing: the installed mmaction2 has no MIM tools. '
            'Reinstall it with `bash tools/install.sh`.')
    return path


def init_cpu_distributed(argv: Sequence[str]) -> bool:
    """Start a gloo process group for ``--launcher pytorch`` on a machine without CUDA.

    MMEngine 0.10's ``init_dist('pytorch')`` always calls
    ``torch.cuda.set_device`` and dies without a GPU driver; the Runner skips
    its own initialisation when a group already exists. On GPUs nothing is
    done and MMEngine starts NCCL as usual.

    Args:
        argv (Sequence[str]): The command line of the tool.

    Returns:
        bool: Whether a gloo group was started here.
    """
    launcher = 'none'
    for i, arg in enumerate(argv):
        if arg == '--launcher' and i + 1 < len(argv):
            launcher = argv[i + 1]
        elif arg.startswith('--launcher='):
            launcher = arg.split('=', 1)[1]
    if (launcher != 'pytorch' or torch.cuda.is_available()
            or dist.is_initialized()):
        return False
    missing = [k for k in ('RANK', 'WORLD_SIZE', 'MASTER_ADDR') if k not in os.environ]
    if missing:
        raise RuntimeError(
            f'--launcher pytorch needs the environment set by torchrun '
            f'(missing {missing}); start it with tools/dist_train.sh or torchrun.')
    dist.init_process_group('gloo')
    return True
