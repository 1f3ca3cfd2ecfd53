"""A small generated dataset in DFEW's on-disk format showing the Rigid Cognitive Problem.

Every clip shows a cartoon face over a scene. The SCENE carries the emotion's
polarity (positive: bright, warm, colourful discs; neutral: grey, muted
boxes; negative: dark, cold, red streaks). The FACE draws one of five
expression cues, and two pairs of classes of opposite polarity share their
cue: Happy/Sad (tears: of joy or of grief) and Surprise/Fear (raised brows,
open mouth). From the face alone those pairs cannot be told apart, so
face-only UAR is at most (3 + 4 x 1/2) / 7 = 71.4 % on a class-balanced split
(in expectation: on a finite test split a model guessing within the pairs
can land a little above or below); with the scene, 100 % is reachable.

The cues are bold (thick strokes, coloured cheek marks) and the per-clip
nuisances of the face (skin tone, hood grey) narrow, so that the demo's frozen
*random* CLIP separates the cues well enough for a short CPU run to converge
(with the earlier thin, uncoloured cues and wider nuisances the cues made 7 %
of the face features' variance, and training was still climbing at its last
epoch; now about 40 %).
"""
import csv
import inspect
import json
import os
import os.path as osp
from typing import Dict, Tuple

import cv2
import numpy as np

from ..datasets.dfer_dataset import DFER_POLARITY, DFEW_CLASSES
from ..datasets.face_box_cache import write_boxes
from ..fileio import AtomicLocalBackend
from .synthetic_video import write_video

# Expression cue drawn for each class: Happy/Sad share cue 0, Surprise/Fear share cue 1.
FACE_CUE = (0, 0, 2, 3, 1, 4, 1)
FACE_ONLY_UAR_BOUND = (3 + 4 * 0.5) / 7
# Written last into a finished dataset folder: the generator's arguments and version.
DEMO_DATASET_FILE = 'demo_dataset.json'
# Bumped whenever the same arguments draw different clips (a folder made by another version is
# not reused by tools/run_demo.py). 2: bold cues with cheek marks, narrow nuisances.
GENERATOR_VERSION = 2
# Cheek marks (RGB) of the cues that have them: tears (0), an angry flush (3), a queasy
# green (4); cue 1 has its open mouth, cue 2 (Neutral) nothing.
CHEEK_MARK = {0: (90, 160, 255), 3: (225, 50, 40), 4: (110, 190, 60)}


def _scene(rng: np.random.Generator, polarity: int, size: int) -> np.ndarray:
    """A (2 x size) wide background, panned over time, whose look carries the polarity."""
    h, w = size, 2 * size
    hue, sat, val = {0: (rng.uniform(12, 32), 200, 235),
                     1: (rng.uniform(0, 180), 25, 135),
                     2: (rng.uniform(105, 130), 150, 55)}[polarity]
    grad = np.linspace(0.8, 1.1, h)[:, None, None]
    hsv = np.empty((h, w, 3), np.float32)
    hsv[..., 0], hsv[..., 1], hsv[..., 2] = hue, sat, val
    img = cv2.cvtColor(np.clip(hsv * [1, 1, 1] * np.concatenate(
        [np.ones_like(grad), np.ones_like(grad), grad], -1), 0, 255).astype(np.uint8),
        cv2.COLOR_HSV2RGB)
    for _ in range(int(rng.integers(5, 9))):
        x, y = int(rng.integers(0, w)), int(rng.integers(0, h))
        r = int(rng.integers(size // 16, size // 7))
        if polarity == 0:  # balloons and flowers
            colour = cv2.cvtColor(np.uint8([[[rng.integers(0, 180), 230, 255]]]),
                                  cv2.COLOR_HSV2RGB)[0, 0].tolist()
            cv2.circle(img, (x, y), r, colour, -1)
        elif polarity == 1:  # furniture
            grey = int(rng.integers(90, 170))
            cv2.rectangle(img, (x, y), (x + 2 * r, y + r), (grey, grey, grey), -1)
        else:  # fire and blood streaks
            colour = (int(rng.integers(120, 200)), int(rng.integers(0, 30)), 0)
            cv2.line(img, (x, y), (x + int(rng.integers(-3 * r, 3 * r)), y + 3 * r), colour,
                     max(2, r // 3))
    noise = rng.normal(0, 6, img.shape)
    return np.clip(img + noise, 0, 255).astype(np.uint8)


def _draw_face(img: np.ndarray, cue: int, cx: float, cy: float, fh: float,
               skin: Tuple[int, int, int], hood_colour: Tuple[int, int, int],
               jitter: np.ndarray) -> Tuple[float, ...]:
    """Draw a face with expression cue ``cue``; return its box (x1, y1, x2, y2)."""
    fw = 0.78 * fh
    c = (int(cx), int(cy))
    # A hood and shoulders of a polarity-free colour fill the face crop's corners, so the
    # face crop shows no scene (FaceSceneSplit's default crop is 1.25 x the box).
    hood = int(0.75 * fh)
    cv2.rectangle(img, (int(cx) - hood, int(cy) - hood), (int(cx) + hood, int(cy) + hood),
                  hood_colour, -1)
    cv2.rectangle(img, (int(cx - 1.4 * hood), int(cy) + hood),
                  (int(cx + 1.4 * hood), int(cy + 2.2 * hood)), hood_colour, -1)
    cv2.ellipse(img, c, (int(fw / 2), int(fh / 2)), 0, 0, 360, skin, -1)
    dark = (30, 20, 20)
    t = max(2, int(fh / 7))  # bold strokes: the 112 px crops keep them through mp4 coding
    ex, ey = fw * 0.2, fh * 0.12
    for s in (-1, 1):
        cv2.circle(img, (int(cx + s * ex), int(cy - ey)), max(1, int(fh / 16)), dark, -1)
        if cue in CHEEK_MARK:
            axes = (fw * 0.09, fh * 0.16) if cue == 0 else (fw * 0.13, fh * 0.09)  # tears: tall
            cv2.ellipse(img, (int(cx + s * fw * 0.27), int(cy + fh * 0.05)),
                        (int(axes[0]), int(axes[1])), 0, 0, 360, CHEEK_MARK[cue], -1)
    # brows: (inner height offset, outer height offset) relative to the eye line
    inner, outer = {0: (-0.30, -0.22), 1: (-0.36, -0.36), 2: (-0.25, -0.25),
                    3: (-0.16, -0.30), 4: (-0.20, -0.30)}[cue]
    for s in (-1, 1):
        o = outer + (0.08 if cue == 4 and s == 1 else 0)
        p1 = (int(cx + s * fw * 0.08), int(cy + (inner + jitter[0]) * fh))
        p2 = (int(cx + s * fw * 0.32), int(cy + (o + jitter[1]) * fh))
        cv2.line(img, p1, p2, dark, t)
    my, mw = cy + fh * 0.24, fw * 0.3
    mouth = (120, 20, 30)
    if cue == 0:  # wavy, ambiguous
        pts = np.array([[cx - mw + i * mw / 3, my + (fh * 0.06) * (-1) ** i] for i in range(7)],
                       np.int32)
        cv2.polylines(img, [pts], False, mouth, t)
    elif cue == 1:  # wide open
        cv2.ellipse(img, (int(cx), int(my)), (int(mw * 0.7), int(fh * 0.14)), 0, 0, 360, mouth,
                    -1)
    elif cue == 2:  # straight
        cv2.line(img, (int(cx - mw), int(my)), (int(cx + mw), int(my)), mouth, t)
    elif cue == 3:  # tight frown
        cv2.ellipse(img, (int(cx), int(my + fh * 0.08)), (int(mw), int(fh * 0.1)), 0, 180, 360,
                    mouth, t)
    else:  # lopsided sneer
        cv2.line(img, (int(cx - mw), int(my + fh * 0.08)), (int(cx + mw), int(my - fh * 0.08)),
                 mouth, t)
    return cx - fw / 2, cy - fh / 2, cx + fw / 2, cy + fh / 2


def _clip(rng: np.random.Generator, label: int, num_frames: int, size: int):
    scene = _scene(rng, DFER_POLARITY[label], size)  # the models' polarity map
    # narrow nuisances: wide ones (skin +-15, hood grey +-15) outweighed the cues in the
    # random CLIP's face features
    skin = tuple(int(v) for v in rng.uniform([210, 160, 130], [220, 170, 140]))
    grey = int(rng.integers(105, 115))
    hood = (grey, grey, grey)
    fh = size * rng.uniform(0.36, 0.5)
    cx, cy = rng.uniform(0.3, 0.7) * size, rng.uniform(0.35, 0.6) * size
    vx, vy = rng.uniform(-0.6, 0.6, 2)
    pan = rng.uniform(0, 0.4) * size
    frames, boxes = [], []
    for t in range(num_frames):
        x0 = int(pan + t * size * 0.02)
        frame = np.ascontiguousarray(scene[:, x0:x0 + size])
        jitter = rng.normal(0, 0.015, 2)
        box = _draw_face(frame, FACE_CUE[label], cx + vx * t, cy + vy * t, fh, skin, hood, jitter)
        frames.append(frame)
        boxes.append(list(box) + [1.0])
    return frames, boxes


def make_demo_dataset(root: str,
                      clips_per_class: int = 40,
                      num_frames: int = 16,
                      size: int = 128,
                      num_folds: int = 5,
                      seed: int = 0) -> Dict[str, str]:
    """Write the demo dataset in DFEW's release layout, with its true face boxes.

    Files: ``Clip/original/NNNNN.mp4``, ``EmoLabel_DataSplit/train(single-labeled)/
    set_K.csv`` and ``test(single-labeled)/set_K.csv`` (K = 1..num_folds, a
    stratified K-fold partition; header ``video_name,label``, labels 1-7), and
    the face-box cache ``face_boxes/NNNNN.json``.

    Args:
        root (str): Output folder.
        clips_per_class (int): Clips of each of the 7 classes. Defaults to 40.
        num_frames (int): Frames per clip. Defaults to 16.
        size (int): Frame side in pixels (>= 64 for decord). Defaults to 128.
        num_folds (int): Number of folds. Defaults to 5.
        seed (int): Random seed. Defaults to 0.

    Returns:
        dict: ``videos``, ``splits`` and ``face_boxes`` folders, and ``params``
        (the file :data:`DEMO_DATASET_FILE`, written last: a folder without
        it is unfinished).
    """
    from tqdm import tqdm
    params = dict(version=GENERATOR_VERSION, clips_per_class=clips_per_class,
                  num_frames=num_frames, size=size, num_folds=num_folds, seed=seed)
    rng = np.random.default_rng(seed)
    video_dir = osp.join(root, 'Clip', 'original')
    box_dir = osp.join(root, 'face_boxes')
    labels = np.repeat(np.arange(len(DFEW_CLASSES)), clips_per_class)
    rng.shuffle(labels)
    for i, label in enumerate(tqdm(labels, desc='demo clips', unit='clip')):
        frames, boxes = _clip(rng, int(label), num_frames, size)
        name = f'{i + 1:05d}'
        write_video(osp.join(video_dir, name + '.mp4'), frames)
        write_boxes(box_dir, name, boxes, (size, size), 'ground-truth (demo generator)',
                    video=f'{name}.mp4')
    # stratified folds: the k-th fold tests every num_folds-th clip of each class
    fold_of = np.empty(len(labels), int)
    for label in range(len(DFEW_CLASSES)):
        idx = np.flatnonzero(labels == label)
        fold_of[idx] = rng.permutation(len(idx)) % num_folds
    split_root = osp.join(root, 'EmoLabel_DataSplit')
    for split in ('train', 'test'):
        os.makedirs(osp.join(split_root, f'{split}(single-labeled)'), exist_ok=True)
    for k in range(num_folds):
        for split, rows in (('train', np.flatnonzero(fold_of != k)),
                            ('test', np.flatnonzero(fold_of == k))):
            path = osp.join(split_root, f'{split}(single-labeled)', f'set_{k + 1}.csv')
            with open(path, 'w', newline='') as f:
                writer = csv.writer(f)
                writer.writerow(['video_name', 'label'])
                writer.writerows([i + 1, int(labels[i]) + 1] for i in rows)
    # the OpenCV that wrote the videos (its mp4 encoder is part of what a run sees)
    params_file = osp.join(root, DEMO_DATASET_FILE)
    AtomicLocalBackend().put_text(json.dumps(dict(params, opencv=cv2.__version__), indent=1),
                                  params_file)
    return dict(videos=video_dir, splits=split_root, face_boxes=box_dir, params=params_file)


def generator_defaults() -> Dict[str, int]:
    """:func:`make_demo_dataset`'s default arguments (the demo's), by name."""
    return {name: p.default for name, p in
            inspect.signature(make_demo_dataset).parameters.items() if name != 'root'}


def check_demo_dataset(root: str, **kwargs) -> bool:
    """Whether ``root`` holds a finished demo dataset drawn with these arguments.

    Args:
        root (str): The dataset folder.
        **kwargs: :func:`make_demo_dataset`'s arguments (defaults for the
            others).

    Returns:
        bool: ``True`` if it does; ``False`` if ``root`` is missing or empty
        (nothing to overwrite).

    Raises:
        ValueError: ``root`` holds something else: another demo dataset, an
            unfinished or older one, or other files.
    """
    if not osp.isdir(root) or not os.listdir(root):
        return False
    wanted = dict(generator_defaults(), version=GENERATOR_VERSION, **kwargs)
    params_file = osp.join(root, DEMO_DATASET_FILE)
    if not osp.isfile(params_file):
        raise ValueError(f'{root} is not a finished demo dataset of this version (no '
                         f'{DEMO_DATASET_FILE}: an interrupted or older generator, or other '
                         'data): delete the folder to have it written again, or choose '
                         'another folder')
    with open(params_file) as f:
        found = {k: v for k, v in json.load(f).items() if k in wanted}
    if found != wanted:
        raise ValueError(f'{root} is a demo dataset drawn with {found} ({params_file}), not '
                         f'{wanted}: delete the folder to have it written again, or choose '
                         'another folder')
    return True
