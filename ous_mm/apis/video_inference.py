"""Recognition over a video of any length, window by window, in bounded memory."""
from typing import Iterator, List, NamedTuple, Optional, Sequence, Tuple, Union

import cv2
import decord
import numpy as np
import torch
import torch.nn as nn
from mmengine.dataset import Compose, pseudo_collate

from ..datasets.face_track import link_tracks, track_evidence
from ..datasets.transforms import LoadFaceBoxes
from ..face_detectors.base_face_detector import FACE_COLUMNS


class WindowResult(NamedTuple):
    """What the model saw and said for one window of a video.

    Attributes:
        start (int): First frame of the window.
        stop (int): One past its last frame.
        frame_inds (np.ndarray): The T frames sampled from it (as the test
            pipeline samples a clip: the centre of T equal segments).
        boxes (np.ndarray): ``T x 4`` boxes of the video subject's face in
            those frames (its track over the whole video, or the face-box
            cache's), NaN where it has none (the crop then borrows the
            nearest found face of the window, or the centre; that crop box is
            NOT a detection).
        scores (np.ndarray, optional): Class probabilities; None when the
            subject's face was found in no sampled frame of the window
            (nothing to recognise).
        polarity (np.ndarray, optional): Scene polarity probabilities, when
            the model has a polarity head and a face was found.
        others (np.ndarray): ``K x T x 4`` boxes of the video's other face
            tracks in those frames (NaN where a track has none); ``K = 0``
            where the faces come from a face-box cache file.
    """
    start: int
    stop: int
    frame_inds: np.ndarray
    boxes: np.ndarray
    scores: Optional[np.ndarray]
    polarity: Optional[np.ndarray]
    others: np.ndarray


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


def window_frames(num_frames: int, fps: float, num_samples: int,
                  window: float) -> List[Tuple[int, int, np.ndarray]]:
    """``(start, stop, sampled frames)`` of each window of ``window`` seconds (at least
    ``num_samples`` frames), as :func:`inference_video` reads them."""
    windows = sliding_windows(num_frames, max(num_samples, int(round(window * fps))))
    return [(start, stop, uniform_indices(start, stop, num_samples)) for start, stop in windows]


class VideoFaceTracks(NamedTuple):
    """The faces of a whole video, linked into tracks over all its windows' sampled frames.

    Attributes:
        frame_inds (np.ndarray): The ``N`` sampled frames (sorted) the
            detector ran on.
        rows (np.ndarray): ``K x N x 15`` face rows of each track
            (``face_rows`` layout), NaN where it has no face; strongest track
            (most evidence) first.
        subject (int): The track the windows recognise.
        source (str): Where the faces come from (the detector).
    """
    frame_inds: np.ndarray
    rows: np.ndarray
    subject: int
    source: str

    def at(self, track: int, inds: np.ndarray) -> np.ndarray:
        """``len(inds) x 15`` rows of ``track`` in frames ``inds`` (NaN where none)."""
        pos = np.searchsorted(self.frame_inds, inds)
        pos = np.minimum(pos, len(self.frame_inds) - 1)
        out = self.rows[track, pos]
        out[self.frame_inds[pos] != inds] = np.nan
        return out

    def window_track(self, start: int, stop: int, num_frames: int) -> np.ndarray:
        """The subject's rows in frames ``start`` to ``stop - 1`` as ``LoadFaceBoxes`` takes a
        track (``num_frames x 15``, NaN elsewhere): a window where the subject is not seen
        borrows no face from another window, it has none."""
        out = np.full((num_frames, FACE_COLUMNS), np.nan, np.float32)
        if len(self.rows):
            inside = (self.frame_inds >= start) & (self.frame_inds < stop)
            out[self.frame_inds[inside]] = self.rows[self.subject, inside]
        return out

    def describe(self, fps: float) -> List[str]:
        """One line per track: frames with a face, first seen, its first box."""
        lines = []
        for k, rows in enumerate(self.rows):
            seen = np.flatnonzero(np.isfinite(rows[:, 0]))
            x1, y1, x2, y2 = rows[seen[0], :4].round().astype(int)
            lines.append(f'#{k}{" (subject)" if k == self.subject else ""}: in {len(seen)} of '
                         f'{len(self.frame_inds)} sampled frames, first at '
                         f'{self.frame_inds[seen[0]] / fps:.2f} s, box {x1},{y1},{x2},{y2}')
        return lines


def face_loader(model: nn.Module) -> Optional[LoadFaceBoxes]:
    """The ``LoadFaceBoxes`` step of the model's test pipeline, if it has one."""
    prepare = frames_pipeline(model.cfg.test_pipeline)[0]
    return next((t for t in prepare.transforms if isinstance(t, LoadFaceBoxes)), None)


def choose_subject(rows: np.ndarray, subject: Union[None, int, Sequence[float]]) -> int:
    """The track to recognise among ``rows`` (``K x N x 15``, strongest first).

    Args:
        rows (np.ndarray): The tracks' face rows in the sampled frames (in
            time order).
        subject (None | int | Sequence[float]): ``None``: the strongest track
            (most evidence, as within a clip); an int: that track (``0`` is
            the strongest); ``(x, y)``: the track of the first face (in time)
            whose box holds that point.

    Returns:
        int: The track's index.
    """
    if subject is None:
        return 0
    if isinstance(subject, (int, np.integer)):
        if not 0 <= subject < len(rows):
            raise ValueError(f'subject {subject}: the video has {len(rows)} face tracks '
                             f'(0-{len(rows) - 1}, strongest first)')
        return int(subject)
    x, y = (float(v) for v in subject)
    for t in range(rows.shape[1]):
        boxes = rows[:, t, :4]
        inside = np.flatnonzero((boxes[:, 0] <= x) & (x <= boxes[:, 2]) & (boxes[:, 1] <= y)
                                & (y <= boxes[:, 3]))
        if len(inside):  # nested boxes: the face whose centre is nearest the point
            centres = (boxes[inside, :2] + boxes[inside, 2:]) / 2
            return int(inside[np.linalg.norm(centres - [x, y], axis=1).argmin()])
    raise ValueError(f'subject at ({x:g}, {y:g}): no face box of the video holds that point '
                     f'(the {len(rows)} tracks are numbered 0-{len(rows) - 1}, strongest '
                     'first: choose one by its number)')


def video_face_tracks(model: nn.Module,
                      video: str,
                      window: float = 2.0,
                      subject: Union[None, int, Sequence[float]] = None,
                      chunk: int = 32) -> Optional[VideoFaceTracks]:
    """Link the faces of a whole video into tracks, ahead of its windows, and choose its
    subject.

    The config's face detector (``LoadFaceBoxes``) runs on the frames that
    :func:`inference_video`'s windows sample (no others: the same cost as
    detecting window by window), decoded ``chunk`` at a time; only the face
    rows are kept. The faces are linked as within a clip
    (``ous_mm.datasets.face_track.link_tracks``: a track survives frames
    where its face is hidden and continues where the face returns), over
    all the video's sampled frames, so every window recognises the same
    person.

    Args:
        model (nn.Module): A recognizer from ``ous_mm.apis.init_model``.
        video (str): The video file.
        window (float): Window length in seconds, as for
            :func:`inference_video`. Defaults to 2.
        subject (None | int | Sequence[float]): Which track to recognise
            (see :func:`choose_subject`). Defaults to the strongest.
        chunk (int): Frames decoded and detected at a time. Defaults to 32.

    Returns:
        VideoFaceTracks, optional: ``None`` where the pipeline's own faces
        are the video's and no other ``subject`` is asked for: its face-box
        cache file (made by ``tools/detect_faces.py``: the subject's track
        over the whole video already), or a pipeline without a detector.

    Raises:
        ValueError: ``subject`` is given but the test pipeline has no face
            detector to find the other faces with, or names no track.
    """
    loader = face_loader(model)
    if loader is None or loader.face_detector is None:
        if subject is None:
            return None
        what = ('has no LoadFaceBoxes step' if loader is None else
                "has no face detector: set its LoadFaceBoxes's detector, e.g. "
                "dict(type='MTCNNFaceDetector')")
        raise ValueError(f'choosing a subject needs a face detector that finds every face of '
                         f"{video}; the config's test pipeline {what}")
    if subject is None and loader.has_cache_file(dict(filename=video)):
        return None
    reader = VideoFrames(video)
    inds = np.unique(np.concatenate(
        [w[2] for w in window_frames(reader.num_frames, reader.fps, model.num_frames, window)]))
    faces = []
    for first in range(0, len(inds), chunk):
        wanted = inds[first:first + chunk]
        try:
            frames = reader.read(wanted)
        except UnreadableFramesError as err:  # the windows before the damage get their faces
            frames = err.readable
        faces.extend(loader.face_detector(list(frames)) if len(frames) else [])
        if len(frames) < len(wanted):
            break
    inds = inds[:len(faces)]
    tracks = sorted(link_tracks(faces, **loader.track), key=track_evidence, reverse=True)
    rows = np.full((len(tracks), len(inds), FACE_COLUMNS), np.nan, np.float32)
    for k, track in enumerate(tracks):
        for t, row in track.items():
            rows[k, t] = row
    if not tracks and subject is not None:
        raise ValueError(f'subject {subject}: no face was found in {video}')
    return VideoFaceTracks(inds, rows, choose_subject(rows, subject),
                           f'detected by {loader.face_detector.name}, linked over the video')


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
                    window: float = 2.0,
                    subject: Union[None, int, Sequence[float]] = None,
                    tracks: Optional[VideoFaceTracks] = None) -> Iterator[WindowResult]:
    """Recognise the emotion of one person in half-overlapping windows of ``window`` seconds.

    Only the T sampled frames of one window are decoded and held at a time,
    so memory does not grow with the video's length. Faces come from the
    config's test pipeline, as for ``inference_recognizer``: ``LoadFaceBoxes``
    reads the video's face-box cache file when it has one (found from its
    path: the subject's track over the whole video), else its detector finds
    the faces of every window's sampled frames ahead of the windows and they
    are linked into tracks over the whole video (:func:`video_face_tracks`):
    the subject is chosen once per video, not per window, so the box and the
    predictions stay on one person (``subject`` chooses another).

    Args:
        model (nn.Module): A recognizer from ``mmaction.apis.init_recognizer``
            (it carries its config as ``model.cfg``).
        video (str): The video file.
        window (float): Window length in seconds (at least T frames).
            Defaults to 2.
        subject (None | int | Sequence[float]): The person to recognise: the
            strongest track (default), a track's number (``0``: the
            strongest) or ``(x, y)``, a point in that person's first face
            box (see :func:`choose_subject`).
        tracks (VideoFaceTracks, optional): The video's tracks, if
            :func:`video_face_tracks` made them already.

    Yields:
        WindowResult: One per window, in order.

    Raises:
        UnreadableFramesError: After the last window whose frames decode, when
            a later window's cannot (a damaged or cut tail).
    """
    if tracks is None:
        tracks = video_face_tracks(model, video, window, subject)
    elif subject is not None:
        tracks = tracks._replace(subject=choose_subject(tracks.rows, subject))
    reader = VideoFrames(video)
    num_frames, fps = reader.num_frames, reader.fps
    prepare, pack = frames_pipeline(model.cfg.test_pipeline)
    t = model.num_frames
    for start, stop, inds in window_frames(num_frames, fps, t, window):
        frames = reader.read(inds)
        results = dict(imgs=list(frames), frame_inds=inds, total_frames=num_frames,
                       start_index=0, filename=video, modality='RGB')
        others = np.zeros((0, t, 4), np.float32)
        if tracks is not None:
            results.update(face_track=tracks.window_track(start, stop, num_frames),
                           face_source=tracks.source)
            rest = [k for k in range(len(tracks.rows)) if k != tracks.subject]
            if rest:
                others = np.stack([tracks.at(k, inds)[:, :4] for k in rest])
        results = prepare(results)
        boxes = np.full((t, 4), np.nan, np.float32)
        if 'face_boxes' in results:
            boxes = results['face_boxes'][inds, :4]
        if results.get('face_fallback', False):
            yield WindowResult(start, stop, inds, boxes, None, None, others)
            continue
        item = pack(results)
        with torch.no_grad():
            sample = model.test_step(pseudo_collate([item]))[0]
        polarity = sample.get('pred_polarity')
        yield WindowResult(start, stop, inds, boxes, sample.pred_score.cpu().numpy(),
                           None if polarity is None else polarity.cpu().numpy(), others)
