"""A tiny labelled video set in MMAction2's ``VideoDataset`` format (the smoke config)."""
import os.path as osp

import cv2
import numpy as np

from .synthetic_video import write_video


def make_smoke_dataset(root: str,
                       num_classes: int = 3,
                       train_per_class: int = 4,
                       val_per_class: int = 2,
                       num_frames: int = 12,
                       size: int = 64,
                       seed: int = 0) -> dict:
    """Write a tiny labelled video set in MMAction2's ``VideoDataset`` format.

    Class ``c`` is a square of its own colour moving over noise, so a stock
    recognizer can learn it in a few epochs. Files: ``videos/*.mp4``,
    ``train.txt`` and ``val.txt`` with one ``<file> <label>`` line each.

    Args:
        root (str): Output folder.
        num_classes (int): Number of classes. Defaults to 3.
        train_per_class (int): Training clips per class. Defaults to 4.
        val_per_class (int): Validation clips per class. Defaults to 2.
        num_frames (int): Frames per clip. Defaults to 12.
        size (int): Frame height and width in pixels. Defaults to 64.
        seed (int): Random seed. Defaults to 0.

    Returns:
        dict: Paths of the ``train`` and ``val`` annotation files.
    """
    rng = np.random.default_rng(seed)
    hues = np.linspace(0, 180, num_classes, endpoint=False).astype(np.uint8)
    anns = {}
    for split, per_class in (('train', train_per_class), ('val', val_per_class)):
        lines = []
        for label in range(num_classes):
            colour = cv2.cvtColor(np.array([[[hues[label], 220, 230]]], np.uint8),
                                  cv2.COLOR_HSV2RGB)[0, 0]
            for k in range(per_class):
                side = size // 3
                x0, y0 = rng.integers(0, size - side, 2)
                dx, dy = rng.integers(-2, 3, 2)
                frames = []
                for t in range(num_frames):
                    frame = rng.integers(0, 80, (size, size, 3), dtype=np.uint8)
                    x = int(np.clip(x0 + dx * t, 0, size - side))
                    y = int(np.clip(y0 + dy * t, 0, size - side))
                    frame[y:y + side, x:x + side] = colour
                    frames.append(frame)
                name = f'{split}_{label}_{k:03d}.mp4'
                write_video(osp.join(root, 'videos', name), frames)
                lines.append(f'{name} {label}')
        anns[split] = osp.join(root, f'{split}.txt')
        with open(anns[split], 'w') as f:
            f.write('\n'.join(lines) + '\n')
    return anns
