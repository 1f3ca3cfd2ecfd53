"""MMAction2's frame transforms (crops, flips, resizing) applied to one stream of a clip."""
from typing import List

import numpy as np
from mmaction.registry import TRANSFORMS
from mmcv.transforms import BaseTransform


@TRANSFORMS.register_module()
class ApplyToStream(BaseTransform):
    """Run MMAction2 transforms that work on ``imgs`` (``RandomResizedCrop``,
    ``Resize``, ``Flip``, ``CenterCrop`` ...) on the face or the scene clip that
    ``FaceSceneSplit`` made, with the same random draw for all its frames.

    The transforms see a results dict of their own (``imgs``, ``img_shape``,
    ``ori_shape``, ``modality='RGB'``), so the keys they add (``crop_bbox``,
    ``flip`` ...) do not mix with the other stream's. Put it after
    ``FaceSceneSplit`` and before ``PackActionInputs``.

    Required key: ``<stream>_imgs`` (``T x 3 x H x W`` uint8). Modified key:
    the same, ``T x 3 x H' x W'``.

    Args:
        transforms (list[dict]): MMAction2 transform configs.
        stream (str): ``'face'`` or ``'scene'``. Defaults to ``'face'``.
    """

    def __init__(self, transforms: List[dict], stream: str = 'face') -> None:
        if stream not in ('face', 'scene'):
            raise ValueError(f"stream must be 'face' or 'scene', got {stream!r}")
        self.stream = stream
        self.key = f'{stream}_imgs'
        self.transforms = [TRANSFORMS.build(t) for t in transforms]

    def transform(self, results: dict) -> dict:
        if self.key not in results:
            raise KeyError(f'ApplyToStream(stream={self.stream!r}) needs {self.key!r} in the '
                           'results: put it after FaceSceneSplit (or LoadReleasedFaceCrops)')
        clip = results[self.key]
        height, width = clip.shape[-2:]
        inner = dict(imgs=list(clip.transpose(0, 2, 3, 1)), img_shape=(height, width),
                     ori_shape=(height, width), modality='RGB')
        for t in self.transforms:
            inner = t(inner)
        results[self.key] = np.ascontiguousarray(np.stack(inner['imgs']).transpose(0, 3, 1, 2))
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(stream={self.stream!r}, '
                f'transforms={self.transforms})')
