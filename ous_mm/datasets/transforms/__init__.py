from .apply_to_stream import ApplyToStream
from .checked_decord import CheckedDecordDecode, CheckedDecordInit
from .face_scene_split import FaceSceneSplit
from .load_face_boxes import LoadFaceBoxes
from .load_released_face_crops import LoadReleasedFaceCrops
from .streams_side_by_side import StreamsSideBySide

__all__ = [
    'ApplyToStream', 'CheckedDecordDecode', 'CheckedDecordInit', 'FaceSceneSplit', 'LoadFaceBoxes',
    'LoadReleasedFaceCrops', 'StreamsSideBySide'
]
