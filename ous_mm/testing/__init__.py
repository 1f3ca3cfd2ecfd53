"""Generated data for the tests and the demo (not imported by ``import ous_mm``)."""
from .demo_dataset import FACE_ONLY_UAR_BOUND, make_demo_dataset
from .mafw_dataset import make_mafw_dataset
from .real_faces import package_face_file
from .smoke_dataset import make_smoke_dataset
from .synthetic_video import write_video

__all__ = [
    'FACE_ONLY_UAR_BOUND', 'make_demo_dataset', 'make_mafw_dataset', 'make_smoke_dataset',
    'package_face_file',
    'write_video'
]
