"""ous-mm's own registry, and its name among MMEngine's packages.

Every other ous-mm component registers in MMAction2's registries (``mmaction.registry``);
face detectors are not models, so they have a registry of their own.
"""
from mmengine.config.utils import MODULE2PACKAGE
from mmengine.registry import Registry

FACE_DETECTORS = Registry('face detector', scope='ous_mm', locations=['ous_mm.face_detectors'])

# MMEngine resolves `_base_ = 'ous_mm::ous/...'` (configs shipped in ous_mm/.mim/configs) only
# for the packages in this table
MODULE2PACKAGE.setdefault('ous_mm', 'ous-mm')
