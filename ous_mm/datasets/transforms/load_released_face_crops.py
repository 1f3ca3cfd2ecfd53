"""The datasets' own released face crops as the face stream (an option)."""
import os
import os.path as osp
import re

import cv2
import numpy as np
from mmaction.registry import TRANSFORMS
from mmcv.transforms import BaseTransform

IMAGE_EXTS = ('.jpg', '.jpeg', '.png', '.bmp')


def natural_key(name: str) -> list:
    """Sort key that orders the numbers inside file names by value (``2.jpg`` < ``10.jpg``)."""
    return [int(part) if part.isdigit() else part for part in re.split(r'(\d+)', name)]


@TRANSFORMS.register_module()
class LoadReleasedFaceCrops(BaseTransform):
    """Read the face stream from a release's face-crop frames (DFEW ``Clip/clip_224x224``,
    FERV39k ``2_ClipsforFaceCrop``) instead of cropping the scene frames.

    The crops are matched to the sampled scene frames by relative position in
    the clip (the crop folders do not keep the original frame numbers), in
    natural order of their file names (``2.jpg`` before ``10.jpg``: some
    releases do not zero-pad). The scene stream still comes from the
    whole-scene clip: put this transform before ``LoadFaceBoxes`` and
    ``FaceSceneSplit``, which then keep these faces and only make the scene
    images.

    A video without ``face_crop_dir`` (one outside the release, e.g. given to
    MMAction2's ``inference_recognizer``) is left as it is: ``LoadFaceBoxes``
    then finds its faces with the configured detector (documented fallback:
    detected crops are not the release's aligned crops).

    Required keys: ``frame_inds``, ``total_frames``, ``start_index``;
    ``face_crop_dir`` (set by the datasets' ``face_crop_dir`` option). Added
    key: ``face_imgs`` (``T x 3 x face_size x face_size`` uint8 RGB).

    Args:
        face_size (int): Side of the face images. Defaults to 224.
    """

    def __init__(self, face_size: int = 224) -> None:
        self.face_size = face_size

    def transform(self, results: dict) -> dict:
        folder = results.get('face_crop_dir')
        if folder is None:  # not a clip of the release: faces come from the detector
            return results
        if not osp.isdir(folder):
            raise FileNotFoundError(f'released face-crop folder {folder} does not exist')
        names = sorted((n for n in os.listdir(folder) if n.lower().endswith(IMAGE_EXTS)),
                       key=natural_key)
        if not names:
            raise FileNotFoundError(f'released face-crop folder {folder} has no images')
        inds = np.asarray(results['frame_inds']).reshape(-1) - results.get('start_index', 0)
        total = max(int(results['total_frames']) - 1, 1)
        picks = np.clip(np.round(inds / total * (len(names) - 1)), 0, len(names) - 1)
        faces = []
        for k in picks.astype(int):
            image = cv2.imread(osp.join(folder, names[k]))
            if image is None:
                raise IOError(f'cannot read face crop {osp.join(folder, names[k])}')
            image = cv2.resize(image, (self.face_size, self.face_size),
                               interpolation=cv2.INTER_AREA)
            faces.append(cv2.cvtColor(image, cv2.COLOR_BGR2RGB).transpose(2, 0, 1))
        results['face_imgs'] = np.ascontiguousarray(np.stack(faces))
        return results

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(face_size={self.face_size})'
