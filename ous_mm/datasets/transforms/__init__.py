from .checked_decord import CheckedDecordDecode, CheckedDecordInit
from .face_scene_split import FaceSceneSplit
from .load_face_boxes import LoadFaceBoxes

__all__ = ['CheckedDecordDecode', 'CheckedDecordInit', 'FaceSceneSplit', 'LoadFaceBoxes']
