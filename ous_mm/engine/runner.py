"""The runner of ous-mm's configs: MMEngine's ``Runner``, whose loaders also run without workers.

ous-mm's configs keep their loaders' workers (``persistent_workers=True``) and fail a run whose
worker hangs (``timeout``); torch allows neither option with ``num_workers=0`` (a ``ValueError``
and a bare ``AssertionError``), the usual first step when debugging. Without workers there is
nothing to keep or to wait for, so this runner turns both off where ``num_workers`` is 0, and
``--cfg-options train_dataloader.num_workers=0`` (``val_``, ``test_``) works alone.
"""
from typing import Optional, Union

from mmaction.registry import RUNNERS
from mmengine.logging import print_log
from mmengine.runner import Runner
from torch.utils.data import DataLoader


@RUNNERS.register_module()
class OUSRunner(Runner):
    """MMEngine's ``Runner``; a loader config with ``num_workers=0`` is built without
    ``persistent_workers`` and ``timeout``, which need workers."""

    @staticmethod
    def build_dataloader(dataloader: Union[DataLoader, dict],
                         seed: Optional[int] = None,
                         diff_rank_seed: bool = False) -> DataLoader:
        if isinstance(dataloader, dict) and not dataloader.get('num_workers', 0):
            off = {k: v for k, v in (('persistent_workers', False), ('timeout', 0))
                   if dataloader.get(k, v) != v}
            if off:
                print_log(f'num_workers=0: built with {off}, which torch requires without '
                          'workers', logger='current')
                dataloader = {**dataloader, **off}
        return Runner.build_dataloader(dataloader, seed=seed, diff_rank_seed=diff_rank_seed)
