"""Recognise the emotion of one person in a video of any length with OUS, and write an annotated
copy.

    python tools/demo.py VIDEO CONFIG CHECKPOINT [--out annotated.mp4] [--window 2] [--subject 1]

The model comes from MMAction2's `init_recognizer` (through `ous_mm.apis.init_model`). The video
is read window by window (half-overlapping windows of --window seconds): from each, T frames are
sampled and the model classifies them with the config's test pipeline (the same transforms as
`inference_recognizer` on a new video). The faces: the config's face detector runs on all the
windows' sampled frames first, and they are linked into tracks over the whole video (one per
person, kept through occlusions where the face returns); the subject, the person every window
recognises, is the track with the most evidence (score x size over its frames, the rule within a
clip), or the one --subject names: its number in the printed list, or a point X,Y in that
person's first face box. A video in a face-box cache of tools/detect_faces.py has its subject's
track there already. Memory is bounded by one window, not by the video. Printed: the face tracks,
each window's top emotion and the subject's box (or "no face"), the top emotions over the windows
with a face, and the scene polarity. The annotated copy is written as the windows come: the
subject's box in the nearest sampled frame, faintly the other faces', "no face" where the
subject's face was not found, and the window's top scores.

The annotated copy and the model's windows are decoded by the same decoder (decord, as in
training), so they agree on the frame count. A video whose last frames cannot be decoded (a cut
or damaged file) ends where decoding ends: the annotated copy holds the frames before, the summary
covers the windows before, and a warning says where it stopped.
"""
import argparse
from typing import Optional, Tuple, Union

import cv2
import numpy as np
import torch
from mmengine.config import DictAction
from tqdm import tqdm

from ous_mm.apis import (UnreadableFramesError, VideoFrames, inference_video, init_model,
                         sliding_windows, video_face_tracks)
from ous_mm.fileio import atomic_path


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('video')
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('--out', default='demo_out.mp4', help='annotated video (mp4)')
    parser.add_argument('--window', type=float, default=2.0, help='window length in seconds')
    parser.add_argument('--subject', type=subject_arg, default=None,
                        help='the person to recognise: a face track number from the printed '
                        'list (0: the strongest, the default) or X,Y, a point in their first '
                        'face box (pixels)')
    parser.add_argument('--top-k', type=int, default=3)
    parser.add_argument('--device', default='cuda:0' if torch.cuda.is_available() else 'cpu')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    return parser.parse_args()


def subject_arg(text: str) -> Union[int, Tuple[float, float]]:
    """``--subject``: a track number, or ``X,Y``."""
    try:
        if ',' not in text:
            return int(text)
        x, y = (float(v) for v in text.split(','))
        return x, y
    except ValueError:
        raise argparse.ArgumentTypeError(
            f'{text!r}: expected a face track number (e.g. 1) or a point X,Y (e.g. 320,180)')


def draw(image: np.ndarray, box: np.ndarray, lines: list,
         others: Optional[np.ndarray] = None) -> np.ndarray:
    """The BGR frame with the subject's face box (or "no face"), the other faces' boxes faintly,
    and the text lines drawn in."""
    scale = max(0.45, image.shape[0] / 700)  # text readable at any frame size
    thick = max(1, round(scale * 1.5))
    others = [b for b in ([] if others is None else others) if np.isfinite(b).all()]
    if others:  # grey, blended into the frame: seen, but not taken for the subject
        faint = image.copy()
        for x1, y1, x2, y2 in np.asarray(others).astype(int):
            cv2.rectangle(faint, (x1, y1), (x2, y2), (200, 200, 200), thick)
        image = cv2.addWeighted(faint, 0.4, image, 0.6, 0)
    if np.isfinite(box).all():
        x1, y1, x2, y2 = box.astype(int)
        cv2.rectangle(image, (x1, y1), (x2, y2), (0, 255, 0), 2 * thick)
    else:
        lines = ['no face'] + lines
    for row, text in enumerate(lines):
        cv2.putText(image, text, (5, round((15 + 15 * row) * scale / 0.45)),
                    cv2.FONT_HERSHEY_SIMPLEX, scale,
                    (0, 255, 255) if row == 0 else (255, 255, 255), thick, cv2.LINE_AA)
    return image


def main() -> None:
    args = parse_args()
    model = init_model(args.config, args.checkpoint, args.device, args.cfg_options)
    cfg = model.cfg
    classes = cfg.get('classes') or [str(i) for i in range(model.cls_head.num_classes)]
    polarity_names = getattr(model.polarity_head, 'polarity_names', None)

    reader = VideoFrames(args.video)  # the annotated copy's frames, read once, in order
    num_frames, fps, (height, width) = reader.num_frames, reader.fps, reader.frame_size
    windows = sliding_windows(num_frames, max(model.num_frames, int(round(args.window * fps))))
    try:
        tracks = video_face_tracks(model, args.video, args.window, args.subject)
    except ValueError as error:
        raise SystemExit(f'--subject: {error}')
    scores, polarities, done, unreadable = [], [], 0, None
    # written under a temporary name: --out appears only once the video is complete
    with atomic_path(args.out) as tmp:
        writer = cv2.VideoWriter(tmp, cv2.VideoWriter_fourcc(*'mp4v'), fps, (width, height))
        if not writer.isOpened():
            raise SystemExit(f'cannot write {args.out}')
        print(f'{args.video}: {num_frames} frames at {fps:.1f} fps, {len(windows)} windows')
        if tracks is None:
            print('faces: the subject\'s track of the face-box cache file')
        else:
            print(f'faces: {len(tracks.rows)} tracks ({tracks.source}; --subject N or X,Y '
                  'chooses another):')
            for line in tracks.describe(fps):
                print(f'  {line}')
        written = 0
        try:
            results = inference_video(model, args.video, args.window, tracks=tracks)
            for k, res in enumerate(tqdm(results, total=len(windows), unit='window')):
                if res.scores is None:
                    label, lines = 'no face', []
                else:
                    scores.append(res.scores)
                    if res.polarity is not None:
                        polarities.append(res.polarity)
                    top = np.argsort(res.scores)[::-1][:args.top_k]
                    label = f'{classes[top[0]]} {res.scores[top[0]]:.2f}'
                    lines = [f'{classes[c]} {res.scores[c]:.2f}' for c in top]
                    # the subject's box in the window's middle sampled frame (where it was seen)
                    seen = np.flatnonzero(np.isfinite(res.boxes).all(axis=1))
                    if len(seen):
                        box = res.boxes[seen[np.abs(seen - len(res.boxes) // 2).argmin()]]
                        label += '  face ' + ','.join(str(v) for v in box.round().astype(int))
                tqdm.write(f'  {res.start / fps:7.2f}-{res.stop / fps:7.2f} s  {label}')
                done = k + 1
                # each frame is drawn with the window that starts last before it
                stop = windows[k + 1][0] if k + 1 < len(windows) else num_frames
                for i, frame in enumerate(reader.iter_range(written, stop), written):
                    nearest = int(np.abs(res.frame_inds - i).argmin())
                    writer.write(draw(np.ascontiguousarray(frame[..., ::-1]),
                                      res.boxes[nearest], lines, res.others[:, nearest]))
                    written = i + 1
            # a window whose frames cannot be decoded ends the recognition; the frames before
            # the damage still go into the copy, marked as not recognised
        except UnreadableFramesError as err:
            unreadable = err.frame
            try:
                for i, frame in enumerate(reader.iter_range(written, err.frame), written):
                    writer.write(draw(np.ascontiguousarray(frame[..., ::-1]),
                                      np.full(4, np.nan), ['not recognised: damaged tail']))
                    written = i + 1
            except UnreadableFramesError as again:
                unreadable = again.frame
        writer.release()

    if not done:
        print('no window could be decoded: no emotion to report')
    elif not scores:
        print('no face found in any window: no emotion to report')
    else:
        mean = np.mean(scores, axis=0)
        print(f'top emotions over the {len(scores)} of {done} windows with a face:')
        for c in np.argsort(mean)[::-1][:args.top_k]:
            print(f'  {classes[c]:<10} {mean[c]:.3f}')
        if polarity_names is not None and polarities:
            print('scene polarity: ' + ', '.join(
                f'{n} {p:.3f}' for n, p in zip(polarity_names, np.mean(polarities, axis=0))))
    print(f'annotated video: {args.out} ({written} frames)')
    if unreadable is not None:
        print(f'WARNING: {args.video}: frames from {unreadable} of {num_frames} cannot be '
              f'decoded (a damaged or cut file): the annotated copy holds frames 0-{written - 1} '
              f'and the summary the {done} of {len(windows)} windows before them')


if __name__ == '__main__':
    main()
