"""Recognition over a video of any length, window by window, in bounded memory."""
from typing import Iterator, List, NamedTuple, Optional, Sequence, Tuple

import cv2
import decord
import numpy as np
import torch
import torch.nn as nn
from mmengine.dataset import Compose, pseudo_collate


class WindowResult(NamedTuple):
    """What the model saw and said for one window of a video.

    Attributes:
        start (int): First frame of the window.
        stop (int): One past its last frame.
        frame_inds (np.ndarray): The T frames sampled from it (as the test
            pipeline samples a clip: the centre of T equal segments).
        boxes (np.ndarray): ``T x 4`` boxes of the clip subject's face in
            those frames (the face-box cache's, or the detector's track), NaN
            where it has none (the crop then borrows the nearest found face,
            or the centre; that crop box is NOT a detection).
        scores (np.ndarray, optional): Class probabilities; None when no face
            was found in any sampled frame (nothing to recognise).
        polarity (np.ndarray, optional): Scene polarity probabilities, when
            the model has a polarity head and a face was found.
    """
    start: int
    stop: int
    frame_inds: np.ndarray
    boxes: np.ndarray
    scores: Optional[np.ndarray]
    polarity: Optional[np.ndarray]


class UnreadableFramesError(IOError):
    """The frames of a video from ``frame`` on cannot be decoded (a damaged or cut tail).

    Attributes:
        video (str): The video.
        frame (int): The first frame that cannot be decoded.
        num_frames (int): The frames the video claims to have.
        readable (np.ndarray): The requested frames before ``frame`` (RGB),
            decoded one by one.
    """

    def __init__(self, video: str, frame: int, num_frames: int, readable: np.ndarray) -> None:
        super().__init__(f'{video}: frame {frame} of {num_frames} (and later ones) cannot be '
                         'decoded; the file is damaged or cut')
        self.video, self.frame, self.num_frames, self.readable = video, frame, num_frames, readable


class VideoFrames:
    """The frames of one video as decord decodes them (as in training), robust to a damaged tail.

    decord decodes on a thread of its own, fed ahead of what was asked by as
    far as the machine's load lets it run: an error in a damaged frame further
    on can surface in a read of good frames, and the reader is unusable
    afterwards. So a failed read is done again by OpenCV, which decodes in
    order, synchronously: it delivers the good frames and stops at the first
    damaged one (``UnreadableFramesError``, with the frames before it). Only
    such reads use OpenCV; a video decord reads whole never does.

    Args:
        video (str): The video file.
    """

    def __init__(self, video: str) -> None:
        self.video = video
        self.reader = self._open()
        self.num_frames = len(self.reader)
        self.fps = self.reader.get_avg_fps() or 25.0
        self.frame_size = self.read([0])[0].shape[:2]

    def _open(self) -> decord.VideoReader:
        try:
            return decord.VideoReader(self.video)
        except Exception as err:
            raise IOError(f'cannot decode video {self.video}: '
                          f'{str(err).splitlines()[0][:200]}') from err

    def read(self, inds: Sequence[int]) -> np.ndarray:
        """Frames ``inds`` (RGB, ``N x H x W x 3``).

        Raises:
            UnreadableFramesError: At the first frame that cannot be decoded.
        """
        inds = [int(i) for i in inds]
        try:
            frames = self.reader.get_batch(inds).asnumpy()
            self.reader.seek(0)  # else decord decodes ahead into memory (dmlc/decord#197, #208)
            return frames
        except decord.DECORDError:
            self.reader = self._open()
        return self._read_in_order(inds)

    def _read_in_order(self, inds: List[int]) -> np.ndarray:
        """Frames ``inds`` decoded in order by OpenCV, up to the first that fails."""
        capture = cv2.VideoCapture(self.video)
        got = {}
        try:
            pos, last = min(inds), max(inds)
            capture.set(cv2.CAP_PROP_POS_FRAMES, pos)
            while pos <= last:
                ok, frame = capture.read()
                if not ok:
                    readable = [got[i] for i in inds if i < pos]
                    raise UnreadableFramesError(self.video, pos, self.num_frames,
                                                np.asarray(readable))
                if pos in inds:
                    got[pos] = cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)
                pos += 1
        finally:
            capture.release()
        return np.stack([got[i] for i in inds])

    def iter_range(self, start: int, stop: int, chunk: int = 32) -> Iterator[np.ndarray]:
        """Frames ``start`` to ``stop - 1`` (RGB) in chunks of ``chunk``; after the last
        decodable one of a damaged stretch, ``UnreadableFramesError``."""
        for first in range(start, stop, chunk):
            try:
                frames = self.read(range(first, min(first + chunk, stop)))
            except UnreadableFramesError as err:
                yield from err.readable
                raise
            yield from frames


def sliding_windows(num_frames: int, length: int) -> List[Tuple[int, int]]:
    """Half-overlapping windows ``(start, stop)`` of ``length`` frames covering every frame."""
    length = max(1, min(length, num_frames))
    step = max(1, length // 2)
    starts = list(range(0, max(num_frames - length, 0) + 1, step))
    if starts[-1] + length < num_frames:
        starts.append(num_frames - length)
    return [(s, s + length) for s in starts]


def uniform_indices(start: int, stop: int, num: int) -> np.ndarray:
    """The centres of ``num`` equal segments of ``[start, stop)`` (UniformSample's test mode)."""
    return (start + (np.arange(num) + 0.5) * (stop - start) / num).astype(int)


def frames_pipeline(test_pipeline: List[dict]) -> Tuple[Compose, Compose]:
    """The config's test pipeline after its decoding step (frames are decoded here), split
    before its packing step (so the face boxes can be read)."""
    types = [t['type'] for t in test_pipeline]
    decoders = [i for i, t in enumerate(types) if t.endswith('Decode')]
    if not decoders or types[-1] != 'PackActionInputs':
        raise ValueError(f'expected a test pipeline that decodes frames and ends with '
                         f'PackActionInputs, got {types}')
    return Compose(test_pipeline[decoders[-1] + 1:-1]), Compose(test_pipeline[-1:])


def inference_video(model: nn.Module,
                    video: str,
                    window: float = 2.0) -> Iterator[WindowResult]:
    """Recognise the emotion in half-overlapping windows of ``window`` seconds.

    Only the T sampled frames of one window are decoded and held at a time,
    so memory does not grow with the video's length. Faces come from the
    config's test pipeline, exactly as for ``inference_recognizer``:
    ``LoadFaceBoxes`` reads the video's face-box cache file when it has one
    (found from its path), else runs its detector on the sampled frames.

    Args:
        model (nn.Module): A recognizer from ``mmaction.apis.init_recognizer``
            (it carries its config as ``model.cfg``).
        video (str): The video file.
        window (float): Window length in seconds (at least T frames).
            Defaults to 2.

    Yields:
        WindowResult: One per window, in order.

    Raises:
        UnreadableFramesError: After the last window whose frames decode, when
            a later window's cannot (a damaged or cut tail).
    """
    reader = VideoFrames(video)
    num_frames, fps = reader.num_frames, reader.fps
    prepare, pack = frames_pipeline(model.cfg.test_pipeline)
    t = model.num_frames
    for start, stop in sliding_windows(num_frames, max(t, int(round(window * fps)))):
        inds = uniform_indices(start, stop, t)
        frames = reader.read(inds)
        results = prepare(dict(imgs=list(frames), frame_inds=inds, total_frames=num_frames,
                               start_index=0, filename=video, modality='RGB'))
        boxes = np.full((t, 4), np.nan, np.float32)
        if 'face_boxes' in results:
            boxes = results['face_boxes'][inds, :4]
        if results.get('face_fallback', False):
            yield WindowResult(start, stop, inds, boxes, None, None)
            continue
        item = pack(results)
        with torch.no_grad():
            sample = model.test_step(pseudo_collate([item]))[0]
        polarity = sample.get('pred_polarity')
        yield WindowResult(start, stop, inds, boxes, sample.pred_score.cpu().numpy(),
                           None if polarity is None else polarity.cpu().numpy())
