"""ous-mm's registries: the scope `ous_mm` under MMAction2's, and the face detectors' own."""
import logging

import mmaction.registry
import pytest
from mmengine.logging import MMLogger
from mmengine.registry import MODELS, Registry, init_default_scope

from ous_mm import registry


def test_a_child_of_every_mmaction_registry_with_the_scope_ous_mm():
    parents = {name: obj for name, obj in vars(mmaction.registry).items()
               if isinstance(obj, Registry) and obj.scope == 'mmaction'}
    assert len(parents) == 23
    for name, parent in parents.items():
        child = getattr(registry, name)
        assert child.scope == 'ous_mm' and child.parent is parent, name
        assert parent.children['ous_mm'] is child, name
        assert child.name == parent.name, name
        child.import_from_location()  # each location is a module of ous-mm
    assert registry.FACE_DETECTORS.scope == 'ous_mm' and registry.FACE_DETECTORS.parent is None


class _Records(logging.Handler):

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record.getMessage())


@pytest.fixture
def warnings_logged() -> list:
    """The warnings MMEngine's logger writes (it calls only its own handlers)."""
    logger = MMLogger.get_current_instance()
    handler = _Records()
    logger.addHandler(handler)
    yield handler.records
    logger.removeHandler(handler)


def test_the_ous_mm_scope_finds_ous_mm_mmaction_and_mmengine_modules(warnings_logged):
    """What MMEngine does with a config inherited through `ous_mm::` (`_scope_='ous_mm'`)."""
    init_default_scope('mmaction')
    with MODELS.switch_scope_and_registry('ous_mm') as models:
        assert models is registry.MODELS
        assert models.get('OUSRecognizer').__module__.startswith('ous_mm.')
        assert models.get('TSNHead').__module__.startswith('mmaction.')
        assert models.get('BaseDataPreprocessor').__module__.startswith('mmengine.')
    loss = MODELS.build(dict(type='InfoNCELoss', _scope_='ous_mm'))
    assert type(loss).__name__ == 'InfoNCELoss'
    assert warnings_logged == []


def test_a_face_detector_builds_under_mmaction_scope_without_a_scope_warning(warnings_logged):
    init_default_scope('mmaction')
    detector = registry.FACE_DETECTORS.build(dict(type='OpenCVHaarFaceDetector'))
    assert type(detector).__name__ == 'OpenCVHaarFaceDetector'
    assert warnings_logged == []

    # a new detector registers and builds as before
    @registry.FACE_DETECTORS.register_module(force=True)
    class NoFaceDetector:

        def __call__(self, frames):
            return [None] * len(frames)

    assert registry.FACE_DETECTORS.build(dict(type='NoFaceDetector'))([0, 0]) == [None, None]
