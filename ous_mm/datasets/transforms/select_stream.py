"""Handing one OUS stream to stock MMAction2 recognizers."""
from mmaction.registry import TRANSFORMS
from mmcv.transforms import BaseTransform


@TRANSFORMS.register_module()
class SelectStream(BaseTransform):
    """Put the face or the scene clip made by ``FaceSceneSplit`` into ``imgs``.

    Lets any MMAction2 recognizer (TSN, X3D, ...) train on exactly the data,
    split, frames and crops OUS sees: follow it with ``FormatShape`` and
    ``PackActionInputs`` as usual.

    Args:
        stream (str): ``'face'`` or ``'scene'``. Defaults to ``'face'``.
    """

    def __init__(self, stream: str = 'face') -> None:
        if stream not in ('face', 'scene'):
            raise ValueError(f"stream must be 'face' or 'scene', got {stream!r}")
        self.stream = stream

    def transform(self, results: dict) -> dict:
        clip = results[f'{self.stream}_imgs']  # T x 3 x H x W
        results['imgs'] = list(clip.transpose(0, 2, 3, 1))
        results['img_shape'] = clip.shape[2:]
        results.pop('face_imgs', None)
        results.pop('scene_imgs', None)
        return results

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(stream={self.stream!r})'
