"""A DFEW-like release for timing the data pipeline: whole-scene videos and face-crop folders.

The clips are real photographs (scikit-image's bundled ones) filmed by a slowly panning and
zooming camera, with a little sensor noise, so that a video codec has the kind of work it has
on film footage (flat cartoons would decode much faster); H.264 through the ffmpeg binary of
imageio-ffmpeg (a dependency of moviepy) when it is there, else MPEG-4 part 2 through OpenCV.
"""
import csv
import os
import os.path as osp
import subprocess
from typing import Dict, Optional, Tuple

import cv2
import numpy as np

from ..fileio import atomic_path
from .synthetic_video import write_video

PHOTOS = ('astronaut', 'coffee', 'chelsea', 'rocket', 'cat', 'hubble_deep_field')


def ffmpeg_exe() -> Optional[str]:
    """The ffmpeg binary that imageio-ffmpeg ships (with libx264), or None."""
    try:
        import imageio_ffmpeg
        return imageio_ffmpeg.get_ffmpeg_exe()
    except (ImportError, RuntimeError):
        return None


def _write_h264(path: str, frames: np.ndarray, fps: float, exe: str) -> None:
    """``frames`` (``N x H x W x 3`` RGB) as H.264 (libx264 defaults, yuv420p) in mp4."""
    n, h, w = frames.shape[:3]
    with atomic_path(path) as tmp:  # `-y`: ffmpeg writes over the (empty) temporary file
        cmd = [exe, '-loglevel', 'error', '-y', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s',
               f'{w}x{h}', '-r', str(fps), '-i', '-', '-c:v', 'libx264', '-pix_fmt', 'yuv420p',
               tmp]
        subprocess.run(cmd, input=np.ascontiguousarray(frames).tobytes(), check=True)


def _film(photo: np.ndarray, num_frames: int, size: Tuple[int, int],
          rng: np.random.Generator) -> np.ndarray:
    """A camera panning and zooming over ``photo``: ``num_frames x H x W x 3`` uint8 RGB."""
    w, h = size
    scale = 1.3 * max(w / photo.shape[1], h / photo.shape[0])
    big = cv2.resize(photo, None, fx=scale, fy=scale, interpolation=cv2.INTER_LINEAR)
    x0, y0 = rng.uniform(0, big.shape[1] - w), rng.uniform(0, big.shape[0] - h)
    x1, y1 = rng.uniform(0, big.shape[1] - w), rng.uniform(0, big.shape[0] - h)
    frames = np.empty((num_frames, h, w, 3), np.uint8)
    for t in range(num_frames):
        a = t / max(num_frames - 1, 1)
        zoom = 1 + 0.1 * a
        matrix = np.array([[zoom, 0, -(x0 + a * (x1 - x0)) * zoom],
                           [0, zoom, -(y0 + a * (y1 - y0)) * zoom]], np.float32)
        frame = cv2.warpAffine(big, matrix, (w, h), flags=cv2.INTER_LINEAR,
                               borderMode=cv2.BORDER_REFLECT)
        noise = rng.normal(0, 3, frame.shape)
        frames[t] = np.clip(frame + noise, 0, 255).astype(np.uint8)
    return frames


def make_release_like_dataset(root: str,
                              num_clips: int = 16,
                              size: Tuple[int, int] = (1280, 720),
                              seconds: float = 2.5,
                              fps: float = 25.0,
                              codec: str = 'h264',
                              face_size: int = 224,
                              seed: int = 0) -> Dict[str, str]:
    """Write a DFEW-layout release: ``Clip/original/NNNNN.mp4``, ``Clip/clip_224x224/NNNNN/``
    (one ``NNNNN_k.jpg`` face crop per frame) and fold 1's split files.

    Args:
        root (str): Output folder.
        num_clips (int): Clips: the last 2 in fold 1's test list, the others in its
            training list. Defaults to 16.
        size (tuple[int, int]): Width and height of the whole-scene videos.
            Defaults to (1280, 720).
        seconds (float): Length of a clip. Defaults to 2.5.
        fps (float): Frame rate. Defaults to 25.
        codec (str): ``'h264'`` (needs imageio-ffmpeg's binary) or ``'mp4v'``.
        face_size (int): Side of the face crops. Defaults to 224.
        seed (int): Random seed. Defaults to 0.

    Returns:
        dict: ``videos`` and ``face_crops`` folders and the ``codec`` used.
    """
    from skimage import data
    if num_clips < 4:
        raise ValueError(f'num_clips={num_clips}: at least 4 (2 of them for the test list)')
    exe = ffmpeg_exe() if codec == 'h264' else None
    if codec == 'h264' and exe is None:
        raise RuntimeError('H.264 needs the ffmpeg binary of imageio-ffmpeg (pip install '
                           "imageio-ffmpeg); or use codec='mp4v'")
    rng = np.random.default_rng(seed)
    photos = []
    for name in PHOTOS:
        image = getattr(data, name)()
        photos.append(np.stack([image] * 3, -1) if image.ndim == 2 else image[..., :3])
    videos = osp.join(root, 'Clip', 'original')
    crops = osp.join(root, 'Clip', 'clip_224x224')
    os.makedirs(videos, exist_ok=True)
    num_frames = int(round(seconds * fps))
    labels = rng.integers(1, 8, num_clips)
    for i in range(num_clips):
        name = f'{i + 1:05d}'
        frames = _film(photos[i % len(photos)], num_frames, size, rng)
        path = osp.join(videos, name + '.mp4')
        if exe:
            _write_h264(path, frames, fps, exe)
        else:
            write_video(path, frames, fps)
        # the release's crops: an aligned face per frame (here the frame's centre square)
        folder = osp.join(crops, name)
        os.makedirs(folder, exist_ok=True)
        w, h = size
        side = min(w, h) // 2
        for k, frame in enumerate(frames):
            face = frame[h // 2 - side // 2:h // 2 + side // 2, w // 2 - side // 2:w // 2 +
                         side // 2]
            face = cv2.resize(face, (face_size, face_size), interpolation=cv2.INTER_AREA)
            cv2.imwrite(osp.join(folder, f'{name}_{k + 1}.jpg'),
                        cv2.cvtColor(face, cv2.COLOR_RGB2BGR))
    test = range(num_clips - 2, num_clips)
    for split, rows in (('train', range(num_clips - 2)), ('test', test)):
        folder = osp.join(root, 'EmoLabel_DataSplit', f'{split}(single-labeled)')
        os.makedirs(folder, exist_ok=True)
        with open(osp.join(folder, 'set_1.csv'), 'w', newline='') as f:
            writer = csv.writer(f)
            writer.writerow(['video_name', 'label'])
            writer.writerows([i + 1, int(labels[i])] for i in rows)
    return dict(videos=videos, face_crops=crops, codec='h264' if exe else 'mp4v')
