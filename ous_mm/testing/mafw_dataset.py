"""A small generated dataset in MAFW's release layout (the single-label set), for the tests."""
import os
import os.path as osp
from typing import Dict

import cv2
import numpy as np

from ..datasets.mafw_dataset import MAFW_WORDS
from .synthetic_video import write_video

SPLIT_DIR = osp.join('Train & Test Set', 'single', 'no_caption')
FACE_DIR = osp.join('data', 'frames', 'frames_crop_align_224')


def _clip(rng: np.random.Generator, label: int, num_frames: int, size: int):
    """Frames of one clip (a scene of the class's hue, a face moving over it) and its face box."""
    hue = int(180 * label / len(MAFW_WORDS))
    scene = cv2.cvtColor(np.full((size, size, 3), (hue, 160, 170), np.uint8), cv2.COLOR_HSV2RGB)
    side = size // 3
    x, y = rng.integers(0, size - side, 2)
    frames, boxes = [], []
    for t in range(num_frames):
        frame = np.clip(scene + rng.normal(0, 4, scene.shape), 0, 255).astype(np.uint8)
        x1 = int(np.clip(x + t, 0, size - side))
        frame[y:y + side, x1:x1 + side] = (220, 170, 140)  # the face: skin
        frame[y + side // 3, x1 + side // 4:x1 + 3 * side // 4] = (30, 20, 20)  # eyes' line
        frames.append(frame)
        boxes.append((x1, int(y), x1 + side, int(y) + side))
    return frames, boxes


def make_mafw_dataset(root: str,
                      clips_per_class: int = 5,
                      num_frames: int = 8,
                      size: int = 64,
                      face_size: int = 48,
                      num_folds: int = 5,
                      seed: int = 0) -> Dict[str, str]:
    """Write a small dataset in MAFW's release layout, 11 classes, ``num_folds`` folds.

    Files, as in the release (docs/en/user_guides/prepare_datasets.md, "MAFW"):
    ``data/clips/NNNNN.mp4`` (whole-scene clips), ``data/frames/
    frames_crop_align_224/NNNNN/K.png`` (face frames: the face region of each
    video frame; every third clip has a face frame for every other video
    frame only, like an aligner that skipped frames) and ``Train & Test Set/
    single/no_caption/set_K/{train,test}.txt`` (lines ``NNNNN.mp4 <word>``,
    space separated, CRLF line ends, grouped by class in ``single_set.xlsx``'s
    order, as the release's files are). Folds are stratified: fold K tests
    every ``num_folds``-th clip of each class.

    Args:
        root (str): Output folder.
        clips_per_class (int): Clips of each of the 11 classes. Defaults to 5.
        num_frames (int): Frames per clip. Defaults to 8.
        size (int): Frame side in pixels (>= 64 for decord). Defaults to 64.
        face_size (int): Side of the face frames. Defaults to 48.
        num_folds (int): Number of folds. Defaults to 5.
        seed (int): Random seed. Defaults to 0.

    Returns:
        dict: ``clips``, ``faces`` and ``splits`` folders.
    """
    rng = np.random.default_rng(seed)
    words = list(MAFW_WORDS)
    labels = np.repeat(np.arange(len(words)), clips_per_class)
    rng.shuffle(labels)
    clip_dir, face_dir = osp.join(root, 'data', 'clips'), osp.join(root, FACE_DIR)
    for i, label in enumerate(labels):
        name = f'{i + 1:05d}'
        frames, boxes = _clip(rng, int(label), num_frames, size)
        write_video(osp.join(clip_dir, name + '.mp4'), frames)
        os.makedirs(osp.join(face_dir, name))
        step = 2 if i % 3 == 0 else 1
        for k, (frame, (x1, y1, x2, y2)) in enumerate(zip(frames[::step], boxes[::step])):
            face = cv2.resize(frame[y1:y2, x1:x2], (face_size, face_size))
            # not zero-padded (1.png ... 10.png): read in natural order
            cv2.imwrite(osp.join(face_dir, name, f'{k + 1}.png'),
                        cv2.cvtColor(face, cv2.COLOR_RGB2BGR))
    fold_of = np.empty(len(labels), int)
    for label in range(len(words)):
        idx = np.flatnonzero(labels == label)
        fold_of[idx] = rng.permutation(len(idx)) % num_folds
    for k in range(num_folds):
        folder = osp.join(root, SPLIT_DIR, f'set_{k + 1}')
        os.makedirs(folder)
        for split, in_split in (('train', fold_of != k), ('test', fold_of == k)):
            lines = [f'{i + 1:05d}.mp4 {words[labels[i]]}'
                     for label in range(len(words))
                     for i in np.flatnonzero(in_split & (labels == label))]
            with open(osp.join(folder, f'{split}.txt'), 'w', newline='') as f:
                f.write(''.join(line + '\r\n' for line in lines))
    return dict(clips=clip_dir, faces=face_dir, splits=osp.join(root, SPLIT_DIR))
