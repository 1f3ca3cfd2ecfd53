"""Test a checkpoint: MMAction2's own ``tools/test.py`` with ous-mm registered.

Same arguments as MMAction2's script (``--work-dir``, ``--dump``, ``--cfg-options``,
``--launcher`` ...); see ``python tools/test.py -h``.
"""
import runpy
import sys

import ous_mm  # noqa: F401  (registration)
from ous_mm.utils import init_cpu_distributed, mmaction_tool, setup_env


def main() -> None:
    setup_env()  # before the config is read: `ous_mm::` configs, safe checkpoint loading
    init_cpu_distributed(sys.argv)
    runpy.run_path(mmaction_tool('test.py'), run_name='__main__')


if __name__ == '__main__':
    main()
