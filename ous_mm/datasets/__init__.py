from .cached_feature_dataset import CachedFeatureDataset
from .cached_view_sampler import CachedViewSampler
from .dfer_dataset import DFER_CLASSES, DFER_POLARITY, DFEW_CLASSES, DFERDataset, stratified_holdout
from .dfew_dataset import DFEWDataset
from .feature_cache import FeatureCache, FeatureCacheError
from .ferv39k_dataset import FERV39kDataset
from .mafw_dataset import MAFWDataset
from .transforms import (CheckedDecordDecode, CheckedDecordInit, FaceSceneSplit, LoadFaceBoxes,
                         LoadReleasedFaceCrops)
from .transforms.load_cached_features import LoadCachedFeatures

__all__ = [
    'CachedFeatureDataset', 'CachedViewSampler', 'FeatureCache', 'FeatureCacheError',
    'LoadCachedFeatures',
    'CheckedDecordDecode', 'CheckedDecordInit', 'DFERDataset', 'DFER_CLASSES', 'DFER_POLARITY',
    'DFEWDataset', 'DFEW_CLASSES',
    'FERV39kDataset', 'FaceSceneSplit', 'LoadFaceBoxes', 'LoadReleasedFaceCrops', 'MAFWDataset',
    'stratified_holdout'
]
