"""The two streams of a clip side by side in ``imgs``, for tools that show ``imgs``."""
from collections.abc import Sequence

import numpy as np
from mmaction.registry import TRANSFORMS
from mmcv.transforms import BaseTransform


class SideBySideFrames(Sequence):
    """Frames ``H x (W_face + W_scene) x 3`` (RGB), each made when it is read.

    Args:
        face (np.ndarray): The face clip, ``T x 3 x H x W``.
        scene (np.ndarray): The scene clip, ``T x 3 x H x W``.
    """

    def __init__(self, face: np.ndarray, scene: np.ndarray) -> None:
        if len(face) != len(scene):
            raise ValueError(f'{len(face)} face frames but {len(scene)} scene frames')
        self.face = face
        self.scene = scene

    def __len__(self) -> int:
        return len(self.face)

    def __getitem__(self, index: int) -> np.ndarray:
        if not -len(self) <= index < len(self):
            raise IndexError(index)
        face = self.face[index].transpose(1, 2, 0)
        scene = self.scene[index].transpose(1, 2, 0)
        height = max(face.shape[0], scene.shape[0])
        # black below the smaller image when face_size != scene_size
        return np.concatenate([
            np.pad(img, ((0, height - img.shape[0]), (0, 0), (0, 0))) for img in (face, scene)
        ], axis=1)


@TRANSFORMS.register_module()
class StreamsSideBySide(BaseTransform):
    """Show OUS's two streams where MMAction2's tools look for frames.

    ``FaceSceneSplit`` replaces ``imgs`` by ``face_imgs`` and ``scene_imgs``,
    and MMAction2's ``visualizations/browse_dataset.py`` shows a sample's
    last ``imgs``: this puts every frame's face image (left) and scene image
    (right) back into ``imgs``. It is a view made frame by frame when read
    (no copy), so pipelines keep it at no cost; ``PackActionInputs`` with
    ``collect_keys`` ignores it.

    Required keys: ``face_imgs``, ``scene_imgs`` (``T x 3 x H x W`` uint8).
    Added keys: ``imgs`` (a sequence of ``H x (W_face + W_scene) x 3`` RGB frames).
    """

    def transform(self, results: dict) -> dict:
        results['imgs'] = SideBySideFrames(results['face_imgs'], results['scene_imgs'])
        return results
