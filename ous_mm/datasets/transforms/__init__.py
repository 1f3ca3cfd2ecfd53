from .face_scene_split import FaceSceneSplit
from .load_face_boxes import LoadFaceBoxes

__all__ = ['FaceSceneSplit', 'LoadFaceBoxes']
