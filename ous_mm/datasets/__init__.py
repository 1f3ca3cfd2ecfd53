from .demo_dataset import make_demo_dataset
from .dfew_dataset import DFEW_CLASSES, DFEWDataset
from .transforms import FaceSceneSplit, LoadFaceBoxes

__all__ = ['DFEW_CLASSES', 'DFEWDataset', 'FaceSceneSplit', 'LoadFaceBoxes', 'make_demo_dataset']
