"""Loading a video's cached face boxes into the pipeline."""
from mmaction.registry import TRANSFORMS
from mmcv.transforms import BaseTransform

from ..face_box_cache import read_boxes, video_key


@TRANSFORMS.register_module()
class LoadFaceBoxes(BaseTransform):
    """Read the per-frame face boxes of ``results['filename']`` from the cache.

    Added key: ``face_boxes`` (``num_frames x 5``, NaN rows where no face
    was found). No detector runs here: ``tools/detect_faces.py`` (or the demo
    dataset generator) fills the cache once.

    Args:
        cache_root (str): The face-box cache folder.
        video_root (str): The folder the cache keys are relative to (the
            dataset's video folder).
    """

    def __init__(self, cache_root: str, video_root: str) -> None:
        self.cache_root = cache_root
        self.video_root = video_root

    def transform(self, results: dict) -> dict:
        results['face_boxes'] = read_boxes(
            self.cache_root, video_key(results['filename'], self.video_root))
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(cache_root={self.cache_root!r}, '
                f'video_root={self.video_root!r})')
