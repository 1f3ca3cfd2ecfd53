"""Loading a video's cached face boxes into the pipeline."""
from typing import Optional

from mmaction.registry import TRANSFORMS
from mmcv.transforms import BaseTransform

from ..face_box_cache import read_boxes, video_key


@TRANSFORMS.register_module()
class LoadFaceBoxes(BaseTransform):
    """Read the per-frame face boxes of a clip (``filename`` or ``frame_dir``) from the cache.

    Added key: ``face_boxes`` (``num_frames x 5``, NaN rows where no face
    was found). No detector runs here: ``tools/detect_faces.py`` (or the demo
    dataset generator) fills the cache once.

    Args:
        cache_root (str, optional): The face-box cache folder. Defaults to
            ``results['face_box_root']``, which ous-mm's datasets set.
        video_root (str, optional): The folder the cache keys are relative to.
            Defaults to ``results['video_root']`` (the dataset's video folder).
    """

    def __init__(self, cache_root: Optional[str] = None,
                 video_root: Optional[str] = None) -> None:
        self.cache_root = cache_root
        self.video_root = video_root

    def transform(self, results: dict) -> dict:
        cache_root = self.cache_root or results.get('face_box_root')
        video_root = self.video_root or results.get('video_root')
        if cache_root is None or video_root is None:
            raise KeyError('LoadFaceBoxes needs cache_root and video_root, as arguments or '
                           'from the dataset (face_box_root/video_root in its data infos)')
        source = results.get('filename') or results['frame_dir']
        results['face_boxes'] = read_boxes(cache_root, video_key(source, video_root))
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(cache_root={self.cache_root!r}, '
                f'video_root={self.video_root!r})')
