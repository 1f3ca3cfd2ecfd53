"""ous-mm: the OUS method (AAAI 2025) for dynamic facial expression recognition as
MMAction2 components.

``import ous_mm`` applies the stack fixes in :mod:`ous_mm.compat` and registers every
ous-mm component in MMAction2's registries, so configs can use them with
``custom_imports = dict(imports=['ous_mm'], allow_failed_imports=False)``.
"""
from . import compat

compat.apply()

from . import (apis, datasets, engine, evaluation, face_detectors,  # noqa: E402,F401; registration
               fileio, models, registry)
from .version import __version__  # noqa: E402,F401
