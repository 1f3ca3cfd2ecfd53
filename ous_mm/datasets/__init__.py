from .demo_dataset import make_demo_dataset
from .dfew_dataset import DFEW_CLASSES, DFEWDataset
from .ferv39k_dataset import FERV39kDataset
from .transforms import FaceSceneSplit, LoadFaceBoxes

__all__ = ['DFEW_CLASSES', 'DFEWDataset', 'FERV39kDataset', 'FaceSceneSplit', 'LoadFaceBoxes', 'make_demo_dataset']
