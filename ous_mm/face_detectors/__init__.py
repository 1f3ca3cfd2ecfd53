from .base_face_detector import FACE_COLUMNS, NUM_LANDMARKS, BaseFaceDetector, face_rows
from .mmdet_face_detector import MMDetFaceDetector
from .mtcnn_face_detector import MTCNNFaceDetector
from .opencv_haar_face_detector import OpenCVHaarFaceDetector
from .yuface_face_detector import YuFaceDetector

__all__ = [
    'BaseFaceDetector', 'FACE_COLUMNS', 'MMDetFaceDetector', 'MTCNNFaceDetector',
    'NUM_LANDMARKS', 'OpenCVHaarFaceDetector', 'YuFaceDetector', 'face_rows'
]
