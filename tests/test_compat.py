"""Fixes applied by `import ous_mm` (ous_mm/compat.py)."""
import os
import subprocess
import sys

import pytest
import torch
from mmengine.runner import load_checkpoint
from mmengine.runner.checkpoint import _load_checkpoint

import ous_mm  # noqa: F401
from ous_mm import compat


def test_mmaction_models_import_and_register():
    import mmaction.models  # noqa: F401  (fails without the drn stand-in on the PyPI wheel)
    from mmaction.registry import MODELS
    assert MODELS.get('Recognizer2D') is not None
    assert MODELS.get('TSNHead') is not None


def test_drn_stand_in_only_when_missing(tmp_path, monkeypatch):
    name = 'mmaction.models.localizers.drn'
    (tmp_path / 'models' / 'localizers' / 'drn').mkdir(parents=True)
    monkeypatch.setattr(compat, '_mmaction_root', lambda: str(tmp_path))
    monkeypatch.delitem(sys.modules, name, raising=False)
    assert compat.patch_missing_drn() is False
    assert name not in sys.modules


def test_drn_stand_in_says_what_is_missing():
    import mmaction.models  # noqa: F401
    from mmaction.registry import MODELS
    with pytest.raises(ImportError, match='DRN is missing'):
        MODELS.build(dict(type='DRN'))


def test_other_import_errors_still_surface():
    code = (
        'import sys, importlib.abc\n'
        'class Broken(importlib.abc.MetaPathFinder):\n'
        '    def find_spec(self, name, path, target=None):\n'
        "        if name == 'mmaction.models.recognizers':\n"
        "            raise ImportError('broken recognizers')\n"
        'sys.meta_path.insert(0, Broken())\n'
        'import ous_mm\n'
        'import mmaction.models\n')
    proc = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True)
    assert proc.returncode != 0
    assert 'broken recognizers' in proc.stderr


class _Payload:
    """Unpickling this runs `os.system`: what a hostile checkpoint does."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f'touch {self.marker}', ))


def test_checkpoint_with_code_is_refused(tmp_path):
    marker = tmp_path / 'pwned'
    path = str(tmp_path / 'evil.pth')
    torch.save({'state_dict': {'w': torch.zeros(1)}, 'meta': _Payload(marker)}, path)
    with pytest.raises(compat.UnsafeCheckpointError, match='outside the allow-list'):
        _load_checkpoint(path, map_location='cpu')
    with pytest.raises(compat.UnsafeCheckpointError, match='evil.pth'):
        load_checkpoint(torch.nn.Linear(1, 1), path, map_location='cpu')
    assert not marker.exists()


def test_mmengine_checkpoint_types_load(tmp_path):
    """The types a Runner writes (message hub, numpy values) load with weights_only on."""
    import numpy as np
    from mmengine.logging import MessageHub
    hub = MessageHub.get_instance('ous_mm_test_hub')
    hub.update_scalar('train/loss', 0.5)
    hub.update_info('iter', 3)
    path = str(tmp_path / 'ok.pth')
    torch.save({'state_dict': {'w': torch.ones(2)}, 'message_hub': hub.state_dict(),
                'meta': {'seed': np.int64(3), 'arr': np.arange(3.0)}}, path)
    ckpt = _load_checkpoint(path, map_location='cpu')
    assert ckpt['meta']['seed'] == 3
    assert torch.equal(ckpt['state_dict']['w'], torch.ones(2))
    restored = MessageHub.get_instance('ous_mm_test_restored')
    restored.load_state_dict(ckpt['message_hub'])
    assert restored.get_scalar('train/loss').mean() == 0.5
    assert restored.get_info('iter') == 3
