"""Reading one clip's features from the feature cache."""
from typing import Dict, Tuple

from mmaction.registry import TRANSFORMS
from mmcv.transforms import BaseTransform

from ..feature_cache import FEATURES, FeatureCache


@TRANSFORMS.register_module()
class LoadCachedFeatures(BaseTransform):
    """Read one view of a clip from the feature cache (``CachedFeatureDataset``'s samples).

    Each process maps a cache's files once (checked against ``meta.json``) and
    reads only the row of the view, checked against its checksum (a damaged row
    is an error naming the file, the clip and the view).

    Required keys: ``cache_dir``, ``cache_token``, ``part``, ``row``.
    Added keys: ``face_feat``, ``scene_feat``, ``early_feat`` (the streams the
    cache has; float16 as stored: the data preprocessor makes them float32,
    on the device) and ``frame_inds`` (the view's frames).
    """

    _open: Dict[Tuple[str, tuple], FeatureCache] = {}

    def transform(self, results: dict) -> dict:
        key = (results['cache_dir'], tuple(results['cache_token']))
        if key not in self._open:
            self._open[key] = FeatureCache(results['cache_dir'])
        row = self._open[key].read(results['part'], results['row'])
        for name in FEATURES:
            if name in row:
                results[f'{name}_feat'] = row[name]
        results['frame_inds'] = row['frames']
        return results
