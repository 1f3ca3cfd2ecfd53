"""Train a recognizer: MMAction2's own ``tools/train.py`` with ous-mm registered.

Same arguments as MMAction2's script (``--work-dir``, ``--resume``, ``--amp``,
``--cfg-options``, ``--launcher`` ...); see ``python tools/train.py -h``.
"""
import runpy
import sys

import ous_mm  # noqa: F401  (stack fixes and registration before the config loads)
from ous_mm.utils import init_cpu_distributed, mmaction_tool

if __name__ == '__main__':
    init_cpu_distributed(sys.argv)
    runpy.run_path(mmaction_tool('train.py'), run_name='__main__')
