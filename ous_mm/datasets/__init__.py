from .dfer_dataset import DFER_CLASSES, DFEW_CLASSES, DFERDataset, stratified_holdout
from .dfer_pipelines import dfer_pipelines
from .dfew_dataset import DFEWDataset
from .feature_cache import CachedFeatureDataset, LoadCachedFeatures
from .ferv39k_dataset import FERV39kDataset
from .mafw_dataset import MAFWDataset
from .transforms import (CheckedDecordDecode, CheckedDecordInit, FaceSceneSplit, LoadFaceBoxes,
                         LoadReleasedFaceCrops)

__all__ = [
    'CachedFeatureDataset', 'LoadCachedFeatures',
    'CheckedDecordDecode', 'CheckedDecordInit', 'DFERDataset', 'DFER_CLASSES', 'DFEWDataset',
    'DFEW_CLASSES', 'dfer_pipelines',
    'FERV39kDataset', 'FaceSceneSplit', 'LoadFaceBoxes', 'LoadReleasedFaceCrops', 'MAFWDataset',
    'stratified_holdout'
]
