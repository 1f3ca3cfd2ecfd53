"""Drawing one cached training view per clip and epoch."""
from typing import Iterator, Optional, Tuple

import numpy as np
from mmaction.registry import DATA_SAMPLERS
from mmengine.dataset import DefaultSampler
from torch.utils.data import Dataset


def epoch_views(seed: int, epoch: int, num_clips: int, num_views: int) -> np.ndarray:
    """The view of each clip in an epoch: a function of (seed, epoch, clip) only.

    Args:
        seed (int): The sampler's seed.
        epoch (int): The epoch (as ``set_epoch`` gives it).
        num_clips (int): Clips in the dataset.
        num_views (int): Views per clip (K).

    Returns:
        np.ndarray: ``num_clips`` views in ``0 .. K-1``.
    """
    return np.random.default_rng([seed, epoch]).integers(num_views, size=num_clips)


@DATA_SAMPLERS.register_module()
class CachedViewSampler(DefaultSampler):
    """``DefaultSampler`` over the clips, yielding ``(clip, view)``: one view a clip an epoch.

    Each epoch, clip ``i`` is read in the view :func:`epoch_views` draws for
    (seed, epoch, i), so the views, like the order (``DefaultSampler``: seed +
    epoch), depend on nothing else: a resumed run (the train loop calls
    ``set_epoch``) draws the views the uninterrupted run drew, with any number
    of workers or processes. For ``CachedFeatureDataset(views='train')``.

    Args:
        dataset (Dataset): A dataset with ``num_views`` (the cached views per clip).
        shuffle (bool): Shuffle the clips every epoch. Defaults to True.
        seed (int, optional): As for ``DefaultSampler`` (None: one drawn from
            the run's seeded generator, the same in every process).
        round_up (bool): As for ``DefaultSampler``. Defaults to True.
    """

    def __init__(self, dataset: Dataset, shuffle: bool = True, seed: Optional[int] = None,
                 round_up: bool = True) -> None:
        if not getattr(dataset, 'num_views', 0):
            raise TypeError('CachedViewSampler draws among the cached views of a '
                            "CachedFeatureDataset(views='train'), not a "
                            f'{type(dataset).__name__}')
        super().__init__(dataset, shuffle=shuffle, seed=seed, round_up=round_up)

    def __iter__(self) -> Iterator[Tuple[int, int]]:
        views = epoch_views(self.seed, self.epoch, len(self.dataset), self.dataset.num_views)
        return ((i, int(views[i])) for i in super().__iter__())
