"""The views of a clip that the feature cache stores: the pipelines' own frames, seeded.

A training view is the training pipeline run on the clip with every random
generator seeded by :func:`view_seed` (the cache's seed, the clip's key and the
view's number), so view ``v`` of a clip is the same whichever fold, split or
worker process asks for it, and the live pipeline run under :func:`seeded` with
that seed gives the same frames (a test checks it). The test view is the test
pipeline's (deterministic: the centre of each segment).
"""
import copy
import hashlib
import random
from contextlib import contextmanager
from typing import Iterator, List, Sequence, Tuple

import numpy as np
import torch
from mmengine.dataset import Compose
from torch.utils.data import Dataset

TEST_VIEW = -1  # the view number of the test pipeline's view


def view_seed(seed: int, clip: str, view: int) -> int:
    """The seed of view ``view`` of clip ``clip`` (its key, e.g. ``'00001'``).

    A hash, so that neighbouring clips and views get unrelated streams, and
    independent of the clip's position in any split (the cache is shared by
    all folds).

    Args:
        seed (int): The cache's seed.
        clip (str): The clip's key (its path under the video folder, no extension).
        view (int): ``0 .. K-1`` for training views, :data:`TEST_VIEW` for the test view.

    Returns:
        int: A seed in ``[0, 2**31)``.
    """
    digest = hashlib.blake2b(f'{seed}/{clip}/{view}'.encode(), digest_size=4).digest()
    return int.from_bytes(digest, 'little') & 0x7fffffff


@contextmanager
def seeded(seed: int) -> Iterator[None]:
    """Seed Python's, NumPy's and torch's global generators; restore them afterwards.

    The transforms of MMAction2 draw from the global generators (e.g.
    ``UniformSample`` from ``np.random``), so this is how one clip's view is
    made reproducible without changing what the caller's run draws next.
    """
    states = random.getstate(), np.random.get_state(), torch.get_rng_state()
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    try:
        yield
    finally:
        random.setstate(states[0])
        np.random.set_state(states[1])
        torch.set_rng_state(states[2])


def run_pipeline(pipeline: Compose, info: dict) -> Tuple[dict, np.ndarray]:
    """Run ``pipeline`` on a (deep) copy of ``info``; return its output and the sampled frames.

    Returns:
        tuple: The packed sample and the frame indices the pipeline sampled
        (``frame_inds`` as last seen before packing; empty if none).
    """
    results, frames = copy.deepcopy(info), np.zeros(0, np.int64)
    for transform in pipeline.transforms:
        if isinstance(results, dict) and 'frame_inds' in results:
            frames = np.asarray(results['frame_inds']).reshape(-1)
        results = transform(results)
        if results is None:
            raise RuntimeError(f'{transform!r} dropped {info.get("filename")}')
    return results, frames


class ClipViews(Dataset):
    """The views to extract, as a map-style dataset (one item per clip and view).

    Each item runs its pipeline under :func:`seeded` with the view's
    :func:`view_seed`, so the result does not depend on the worker process
    or the order in which items are read.

    Args:
        items (Sequence[tuple]): ``(data info, clip key, view)`` per item;
            ``view`` is :data:`TEST_VIEW` or a training view number.
        train_pipeline (list): The training pipeline's config.
        test_pipeline (list): The test pipeline's config.
        seed (int): The cache's seed.
    """

    def __init__(self, items: Sequence[Tuple[dict, str, int]], train_pipeline: List[dict],
                 test_pipeline: List[dict], seed: int) -> None:
        self.items = items
        self.pipelines = dict(train=Compose(train_pipeline), test=Compose(test_pipeline))
        self.seed = seed

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, index: int) -> dict:
        info, clip, view = self.items[index]
        pipeline = self.pipelines['test' if view == TEST_VIEW else 'train']
        with seeded(view_seed(self.seed, clip, view)):
            sample, frames = run_pipeline(pipeline, info)
        sample['frame_inds'] = frames
        return sample
