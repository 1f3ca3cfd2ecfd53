from .mmdet_face_detector import MMDetFaceDetector
from .opencv_haar_face_detector import OpenCVHaarFaceDetector

__all__ = ['MMDetFaceDetector', 'OpenCVHaarFaceDetector']
