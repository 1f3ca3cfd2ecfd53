"""ous-mm's own registry: face detectors (they are not models, so not in MMAction2's MODELS).

Every other ous-mm component registers in MMAction2's registries (``mmaction.registry``).
"""
from mmengine.registry import Registry

FACE_DETECTORS = Registry('face detector', scope='ous_mm', locations=['ous_mm.face_detectors'])
