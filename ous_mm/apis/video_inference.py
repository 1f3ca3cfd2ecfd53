"""Recognition over a video of any length, window by window, in bounded memory."""
from typing import Iterator, List, NamedTuple, Optional, Tuple

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
        boxes (np.ndarray): ``T x 4`` face boxes found in those frames, NaN
            where the detector found none (the crop then borrows the nearest
            found box, or the centre; that crop box is NOT a detection).
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
    so memory does not grow with the video's length. Faces are found by the
    config's test pipeline (``LoadFaceBoxes`` runs its detector on the sampled
    frames: a new video is in no face-box cache), exactly as for
    ``inference_recognizer``.

    Args:
        model (nn.Module): A recognizer from ``mmaction.apis.init_recognizer``
            (it carries its config as ``model.cfg``).
        video (str): The video file.
        window (float): Window length in seconds (at least T frames).
            Defaults to 2.

    Yields:
        WindowResult: One per window, in order.
    """
    try:
        reader = decord.VideoReader(video)
    except Exception as err:
        raise IOError(f'cannot decode video {video}: {str(err).splitlines()[0][:200]}') from err
    num_frames, fps = len(reader), reader.get_avg_fps() or 25.0
    prepare, pack = frames_pipeline(model.cfg.test_pipeline)
    t = model.num_frames
    for start, stop in sliding_windows(num_frames, max(t, int(round(window * fps)))):
        inds = uniform_indices(start, stop, t)
        frames = reader.get_batch(list(inds)).asnumpy()
        reader.seek(0)  # else decord decodes ahead into memory (dmlc/decord#197, #208)
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
