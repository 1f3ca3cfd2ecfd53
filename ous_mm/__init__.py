"""ous-mm: the OUS method (AAAI 2025) for dynamic facial expression recognition as
MMAction2 components.

``import ous_mm`` registers every ous-mm component in MMAction2's registries (and ous-mm's
registries, the scope ``ous_mm``), so configs can use them with
``custom_imports = dict(imports=['ous_mm'], allow_failed_imports=False)``. The only other
change it makes is the one its components need in order to import: the stand-in for the
``drn`` package that mmaction2 1.2.0's wheel lacks (:func:`ous_mm.compat.patch_missing_drn`).
What ous-mm needs of the stack when it runs (``ous_mm::`` configs, loading MMEngine checkpoints
safely) is :func:`setup_env`, which ous-mm's tools, its API's entry points and
``SafeCheckpointHook`` call, and your own code calls where it reads an ``ous_mm::`` config or
loads a checkpoint outside a Runner.
"""
from .compat import patch_missing_drn

patch_missing_drn()

from . import (apis, datasets, engine, evaluation, face_detectors,  # noqa: E402,F401; registration
               fileio, models, registry)
from .utils import setup_env  # noqa: E402,F401
from .version import __version__  # noqa: E402,F401
